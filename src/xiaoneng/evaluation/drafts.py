"""评议表草稿 (answers in progress): what an evaluator has picked and rated with a code that is not
yet submitted, kept on the server so that they can stop and come back with the same code, on the
same or another device, with or without JavaScript.

The one writer outside the service modules, on purpose: a draft is the evaluator's own scratch
space, written unaudited (see below), and deleted by ``sheets`` when the code is used.

The questionnaire has three steps: (1) pick the units one knows — every unit not picked is
answered 不了解 on all dimensions; (2) rate the picked units, one category at a time; (3) review
and submit once. The draft holds the picks, the ratings and the opinions; the submitted sheet is
built from it in the layout frozen at the draw (``sheets.encode``), exactly as the one-page form
stored it.

Anonymity (docs/evaluation.md §5): a draft is found by a keyed hash of the code under its own
purpose (it cannot be joined to ``AccessCode.digest``), its content is AES-GCM encrypted with a
key derived from the code and the server's identity key and padded to one length for the whole
campaign (``sealed_length``: its length tells neither how many units were picked nor whether
anything was written), it carries no time, and it is deleted in the transaction that marks the
code used and puts the sheet in the anonymity pool. Saving a draft writes no audit entry:
an entry per save would record when a code was being used, which the anonymity design avoids.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, transaction

from xiaoneng import crypto

from . import services
from .models import AccessCode, AnswerDraft, Campaign

#: Room for opinions in every sealed draft (beyond the room for every answer): about 5,000
#: Chinese characters. Drafts longer than that grow by this step.
OPINION_ROOM = 16384
NONCE = 12
#: A draft keeps at most this much of one opinion (the sheet accepts 500 characters; the rest is
#: kept so that the evaluator can shorten it, not silently cut).
OPINION_KEEP = 2000


@dataclass(frozen=True)
class Draft:
    """An evaluator's answers in progress.

    ``picked``: the campaign units (ids) the evaluator said they know; None until step 1 is done.
    ``answers``: (campaign unit id, dimension id) → option position. ``opinions``: unit id → text.
    """

    picked: frozenset[int] | None = None
    answers: Mapping[tuple[int, int], int] = field(default_factory=dict)
    opinions: Mapping[int, str] = field(default_factory=dict)

    def with_picks(self, shown: Iterable[int], checked: Iterable[int]) -> Draft:
        """Step 1 posted: the units on the page (``shown``) are picked exactly when ``checked``;
        picks of units a filter hid stay as they were. Ratings of a unit un-picked are kept, so
        that picking it again brings them back; they are not submitted."""
        shown, checked = set(shown), set(checked)
        before = set(self.picked or ())
        return replace(self, picked=frozenset((before - shown) | (checked & shown)))

    def with_page(
        self,
        units: Iterable[int],
        answers: Mapping[tuple[int, int], int],
        opinions: Mapping[int, str],
    ) -> Draft:
        """Step 2 posted for one category: its units' ratings and opinions replace the earlier
        ones (a rating not posted is not given yet; an empty opinion removes it)."""
        units = set(units)
        merged = {k: v for k, v in self.answers.items() if k[0] not in units}
        merged.update({k: v for k, v in answers.items() if k[0] in units})
        notes = {u: t for u, t in self.opinions.items() if u not in units}
        notes.update({u: t for u, t in opinions.items() if u in units and t.strip()})
        return replace(self, answers=merged, opinions=notes)

    def to_json(self) -> dict:
        return {
            "p": None if self.picked is None else sorted(self.picked),
            "a": {f"{u}-{d}": v for (u, d), v in sorted(self.answers.items())},
            "o": {str(u): t for u, t in sorted(self.opinions.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping, layout) -> Draft:
        """Read back, keeping only what still fits the campaign's frozen layout."""
        units = {u.pk for u in layout.units}
        dims = {d.pk for d in layout.dimensions}
        width = len(layout.options)
        answers = {}
        for key, value in (data.get("a") or {}).items():
            u, _, d = key.partition("-")
            known = u.isdigit() and d.isdigit() and int(u) in units and int(d) in dims
            if known and isinstance(value, int) and 0 <= value < width:
                answers[(int(u), int(d))] = value
        picked = data.get("p")
        return cls(
            picked=None if picked is None else frozenset(int(u) for u in picked if u in units),
            answers=answers,
            opinions={
                int(u): str(t)[:OPINION_KEEP]
                for u, t in (data.get("o") or {}).items()
                if u.isdigit() and int(u) in units and str(t).strip()
            },
        )


# ---- storage ------------------------------------------------------------------------------------


def _keys(code: str) -> list[tuple[str, bytes]]:
    """(lookup hash, encryption key) under every configured identity key, the current first."""
    normal = services.normalise_code(code)
    lookups = crypto.keyed_digests("evaluation-draft", normal)
    seals = crypto.keyed_digests("evaluation-draft-seal", normal)
    return [(lookup, bytes.fromhex(seal)) for lookup, seal in zip(lookups, seals, strict=True)]


def sealed_length(layout: Mapping[str, list[int]]) -> int:
    """The length every draft of a campaign is padded to (``layout``: the campaign's frozen
    ``Campaign.layout``): room to pick and rate every unit with the longest ids, plus
    ``OPINION_ROOM`` for opinions. So a draft's length does not tell how many units were picked
    or whether anything was written — the draft disappears with the code's use, and its length
    must not point to a sheet (docs/evaluation.md §5)."""
    unit_digits = max((len(str(u)) for u in layout["units"]), default=1)
    dim_digits = max((len(str(d)) for d in layout["dimensions"]), default=1)
    answer = unit_digits + dim_digits + 8  # "u-d":k,
    pick = unit_digits + 1
    per_unit = pick + len(layout["dimensions"]) * answer + unit_digits + 8  # and "u":"" of "o"
    return 64 + len(layout["units"]) * per_unit + OPINION_ROOM


def _seal(draft: Draft, lookup: str, key: bytes, length: int) -> str:
    plain = json.dumps(draft.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
    # Beyond the common length (only very long opinions) in steps of OPINION_ROOM.
    target = length + max(0, -(-(len(plain) - length) // OPINION_ROOM)) * OPINION_ROOM
    plain += b" " * (target - len(plain))
    nonce = os.urandom(NONCE)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, plain, lookup.encode())).decode()


def _open(token: str, lookup: str, key: bytes) -> dict | None:
    try:
        raw = base64.b64decode(token)
        plain = AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], lookup.encode())
        return json.loads(plain)
    except (ValueError, InvalidTag):
        return None


def load(code: str, campaign: Campaign, layout) -> Draft:
    """The draft of this code, or an empty one."""
    keys = _keys(code)
    rows = {
        d.key: d
        for d in AnswerDraft.objects.filter(campaign=campaign, key__in=[k for k, _ in keys])
    }
    for lookup, key in keys:
        row = rows.get(lookup)
        data = _open(row.sealed, lookup, key) if row else None
        if data is not None:
            return Draft.from_json(data, layout)
    return Draft()


def save(access: AccessCode, code: str, draft: Draft) -> bool:
    """Keep the draft of an unused code; False when the code is no longer usable (it was just
    used in another tab, revoked, or the collection closed), and then nothing is written.

    The code's row is locked first: the submission marks it used under the same lock and deletes
    the draft, so a save racing a submission cannot leave a draft behind a used code."""
    keys = _keys(code)
    lookup, key = keys[0]
    with transaction.atomic():
        usable = (
            AccessCode.objects.select_for_update(of=("self",))
            .filter(
                pk=access.pk,
                revoked=False,
                used=False,
                campaign__status=Campaign.Status.COLLECTING,
            )
            .values_list("pk", flat=True)
        )
        if not list(usable):
            return False
        layout = access.campaign.layout or services.campaign_layout(access.campaign)
        sealed = _seal(draft, lookup, key, sealed_length(layout))
        # A draft under an older identity key moves to the current one.
        AnswerDraft.objects.filter(key__in=[k for k, _ in keys[1:]]).delete()
        updated = AnswerDraft.objects.filter(key=lookup).update(sealed=sealed)
        if not updated:
            try:
                with transaction.atomic():
                    AnswerDraft.objects.create(
                        campaign_id=access.campaign_id, key=lookup, sealed=sealed
                    )
            except IntegrityError:  # another tab created it a moment ago
                AnswerDraft.objects.filter(key=lookup).update(sealed=sealed)
    return True


def discard(code: str) -> None:
    """Delete the draft of a code (inside the transaction that stores its sheet; the drafts left
    when the collection closes are deleted by `services.close_collection`)."""
    AnswerDraft.objects.filter(key__in=[k for k, _ in _keys(code)]).delete()


# ---- the questionnaire built from a draft -------------------------------------------------------


def unknown_option(layout) -> int | None:
    """The position of the option that scores nothing (不了解), if the scale has one."""
    return next((i for i, o in enumerate(layout.options) if o.value is None), None)


def picks_apply(layout) -> bool:
    """Step 1 exists only when there is a 不了解 to give the units not picked."""
    return unknown_option(layout) is not None


def picked_units(layout, draft: Draft) -> list:
    """The campaign units to rate, in the form's order (all of them without a 不了解 option)."""
    if not picks_apply(layout):
        return list(layout.units)
    chosen = draft.picked or frozenset()
    return [u for u in layout.units if u.pk in chosen]


def unit_done(layout, draft: Draft, unit) -> bool:
    return all((unit.pk, d.pk) in draft.answers for d in layout.dimensions)


@dataclass(frozen=True)
class CategoryStep:
    """Step 2, one page: the picked units of one category (单位类别) and how many are rated."""

    index: int
    name: str
    units: list
    done: int

    @property
    def complete(self) -> bool:
        return self.done == len(self.units)


def rating_steps(layout, draft: Draft) -> list[CategoryStep]:
    """The categories with picked units, in the form's order."""
    grouped: dict[str, list] = {}
    for unit in picked_units(layout, draft):
        grouped.setdefault(unit.category, []).append(unit)
    return [
        CategoryStep(i, name, units, sum(unit_done(layout, draft, u) for u in units))
        for i, (name, units) in enumerate(grouped.items())
    ]


def unrated(layout, draft: Draft) -> list:
    """Picked units with a dimension not rated yet."""
    return [u for u in picked_units(layout, draft) if not unit_done(layout, draft, u)]


def sheet_answers(layout, draft: Draft) -> tuple[dict[tuple[int, int], int | None], list]:
    """The whole sheet: picked units as rated (None where not rated), every other unit 不了解
    on every dimension; opinions of the picked units only (the others are not on the review)."""
    unknown = unknown_option(layout)
    picked = {u.pk for u in picked_units(layout, draft)}
    answers: dict[tuple[int, int], int | None] = {}
    for unit in layout.units:
        for dim in layout.dimensions:
            key = (unit.pk, dim.pk)
            answers[key] = draft.answers.get(key) if unit.pk in picked else unknown
    opinions = [(u, draft.opinions[u]) for u in sorted(picked) if u in draft.opinions]
    return answers, opinions
