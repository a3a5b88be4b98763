"""匿名缓冲池 (the anonymity pool): how a submitted online sheet reaches the answer table without
anything in the database pointing back to the code that submitted it.

Its writes happen only inside a service's transaction (``sheets`` on a submission, ``services``
when the collection closes), under the campaign's lock; they write no audit entry of their own
(a batch's time would date the codes' use) — closing records how many were released.

A database reader can see which codes are used (their evaluator and stratum are known to the
office, and the stratum of a drawn number is public) and, with snapshots or PostgreSQL's
transaction ids, in which order they were used. So a sheet must not enter the answer table
when its code is used. Instead the submission seals it into ``PendingSheet`` — AES-GCM with a
key derived from ``XIAONENG_IDENTITY_KEY``, padded to one length for the whole campaign, no
time, a random UUID — and the pool of its stratum releases sheets in batches:

- whenever ``2k`` sheets of a stratum are waiting, ``k`` of them, chosen at random, are
  written to the answer table in a random order with fresh random UUIDs, and their pending rows
  deleted; the other ``k`` stay (``k`` = ``XIAONENG_EVALUATION_BATCH``, default 10);
- when the collection closes, every sheet still waiting is released, all strata together.

Why per stratum, why keep ``k`` back: a sheet records its stratum and so does a code, so a
batch mixing strata would let whoever knows which codes were used before it match the one code
of a stratum to the one sheet of that stratum. Keeping ``k`` back means that a code used
between two releases can be the code of any sheet of its stratum released from then on — at
least ``k`` of them, the last codes too — even for someone who knows exactly when every code was
used and every batch released (docs/evaluation.md §5 proves it). A stratum with fewer than
``k`` online sheets in all can hide them only among each other; the codes page says so.

The releases are not audited one by one: an entry's time would be a submission's time. The
close of the collection records how many sheets arrived.
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xiaoneng import crypto

from .models import AnswerSheet, Campaign, Opinion, PendingSheet

NONCE = 12
#: Sealed content is padded to a multiple of this many bytes.
BLOCK = 4096
#: The most bytes one character of an opinion can take in the sealed JSON (a control character
#: escaped as \\uXXXX; CJK takes 3, an emoji 4).
CHAR_BYTES = 6
#: What one opinion adds besides its text: the unit id, brackets, quotes and commas.
OPINION_OVERHEAD = 32


def batch_size() -> int:
    """k: how many sheets a release puts in the answer table at once (and keeps back)."""
    return max(1, int(settings.XIAONENG_EVALUATION_BATCH))


@dataclass(frozen=True)
class Submission:
    """One online sheet on its way to the answer table: the stratum, the answer string in the
    campaign's frozen layout (``sheets.encode``) and the opinions as (campaign unit id, text)."""

    stratum_id: int
    answers: str
    opinions: tuple[tuple[int, str], ...] = ()


def sealed_length(units: int, width: int, opinion_max: int) -> int:
    """The padded plaintext length of every pending sheet of a campaign (``units`` units,
    ``width`` answers, opinions of at most ``opinion_max`` characters): room for the answers and
    the longest opinion on every unit, so that no pending row is longer than another and the
    length of what someone wrote cannot tie their pending row to their sheet."""
    most = 64 + width + units * (opinion_max * CHAR_BYTES + OPINION_OVERHEAD)
    return -(-most // BLOCK) * BLOCK


def _keys(campaign_id: int) -> list[bytes]:
    """The AES-256 keys of a campaign's pool under every configured identity key, current first."""
    return [
        bytes.fromhex(d)
        for d in crypto.keyed_digests("evaluation-pending", f"campaign:{campaign_id}")
    ]


def _associated(campaign_id: int, stratum_id: int) -> bytes:
    # Binds the content to its campaign and stratum: a row moved to another stratum won't open.
    return f"{campaign_id}|{stratum_id}".encode()


def seal(campaign_id: int, item: Submission, length: int) -> str:
    plain = json.dumps(
        {"a": item.answers, "o": [list(o) for o in item.opinions]},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    if len(plain) > length:
        raise ValueError("a sheet longer than the campaign's sealed length")
    plain += b" " * (length - len(plain))
    nonce = os.urandom(NONCE)
    cipher = AESGCM(_keys(campaign_id)[0])
    token = nonce + cipher.encrypt(nonce, plain, _associated(campaign_id, item.stratum_id))
    return base64.b64encode(token).decode()


def unseal(campaign_id: int, stratum_id: int, token: str) -> Submission:
    raw = base64.b64decode(token)
    for key in _keys(campaign_id):
        try:
            plain = AESGCM(key).decrypt(
                raw[:NONCE], raw[NONCE:], _associated(campaign_id, stratum_id)
            )
        except InvalidTag:
            continue
        data = json.loads(plain)
        return Submission(stratum_id, data["a"], tuple((int(u), t) for u, t in data["o"]))
    raise ValidationError(_("待入库的评议表无法解密：身份加密密钥与提交时不符，请联系系统管理员"))


def _write(campaign: Campaign, items: list[Submission], rng: random.Random) -> None:
    """One release: the sheets in a random order, each with a random UUID, and their opinions
    in the same order."""
    rng.shuffle(items)
    rows, notes = [], []
    for item in items:
        sheet = AnswerSheet(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            campaign=campaign,
            stratum_id=item.stratum_id,
            channel=AnswerSheet.Channel.ONLINE,
            answers=item.answers,
        )
        rows.append(sheet)
        notes += [
            Opinion(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                sheet=sheet,
                unit_id=unit_id,
                text=text,
            )
            for unit_id, text in item.opinions
        ]
    AnswerSheet.objects.bulk_create(rows, batch_size=500)
    Opinion.objects.bulk_create(notes, batch_size=500)


def _release(campaign: Campaign, pending: Iterable[PendingSheet], rng: random.Random) -> int:
    pending = list(pending)
    _write(campaign, [unseal(campaign.pk, p.stratum_id, p.sealed) for p in pending], rng)
    PendingSheet.objects.filter(pk__in=[p.pk for p in pending]).delete()
    return len(pending)


def admit(campaign: Campaign, item: Submission, length: int) -> None:
    """Put one submitted sheet in its stratum's pool (sealed to ``length`` bytes) and release a
    batch if ``2k`` are waiting. Runs inside the submission's transaction, with the campaign's
    row locked (one pool change at a time)."""
    PendingSheet.objects.create(
        campaign=campaign, stratum_id=item.stratum_id, sealed=seal(campaign.pk, item, length)
    )
    k = batch_size()
    waiting = list(
        PendingSheet.objects.filter(campaign=campaign, stratum_id=item.stratum_id).values_list(
            "pk", flat=True
        )
    )
    if len(waiting) >= 2 * k:
        rng = secrets.SystemRandom()
        _release(campaign, PendingSheet.objects.filter(pk__in=rng.sample(waiting, k)), rng)


def release_all(campaign: Campaign, rng: random.Random | None = None) -> int:
    """Every sheet still waiting, all strata in one shuffled batch (when the collection closes).
    Returns how many."""
    return _release(
        campaign, PendingSheet.objects.filter(campaign=campaign), rng or secrets.SystemRandom()
    )


def admit_many(
    campaign: Campaign,
    items: Sequence[Submission],
    length: int,
    rng: random.Random,
    *,
    closing: bool = False,
) -> int:
    """What ``admit`` does for each of ``items`` in turn (the demo's answers, in the order they
    arrive), without sealing the sheets that a release takes out again at once: the same rule,
    the same releases, the sheets still waiting sealed in ``PendingSheet`` — or, ``closing``
    (the collection closes next), released as ``release_all`` would. Returns how many wait."""
    k = batch_size()
    pools: dict[int, list[Submission]] = {}
    for item in items:
        pool = pools.setdefault(item.stratum_id, [])
        pool.append(item)
        if len(pool) >= 2 * k:
            chosen = set(rng.sample(range(len(pool)), k))
            _write(campaign, [s for i, s in enumerate(pool) if i in chosen], rng)
            pools[item.stratum_id] = [s for i, s in enumerate(pool) if i not in chosen]
    left = [item for pool in pools.values() for item in pool]
    if closing:
        _write(campaign, left, rng)
        return 0
    waiting = [
        PendingSheet(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            campaign=campaign,
            stratum_id=item.stratum_id,
            sealed=seal(campaign.pk, item, length),
        )
        for item in left
    ]
    rng.shuffle(waiting)
    PendingSheet.objects.bulk_create(waiting, batch_size=100)
    return len(waiting)
