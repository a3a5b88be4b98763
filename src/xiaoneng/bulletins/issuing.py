"""Issuing and correcting bulletins — a service module (docs/architecture.md “One write path”).

``issue`` gives a draft its number and freezes it; ``correct`` issues a new version of an issued
bulletin from the figures as they are now, with the reason and the differences. Both run in one
transaction with the audit entry, and only the office (and administrators) may call them.

**Numbers.** The sequence of a kind in a year comes from its :class:`NumberCounter` row, locked
with ``select_for_update`` in the issuing transaction: two offices issuing at once queue on the
row (PostgreSQL) or on the database's write lock (SQLite), so they get consecutive numbers. The
unique constraint (kind, year, sequence, version) is the last guard.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from docx import Document

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.audit import services as audit
from xiaoneng.i18n import in_source_language
from xiaoneng.web.worddoc import heading, para, table, to_bytes

from . import drafts
from .models import PUBLIC_KINDS, IssuedBulletin, NumberCounter, prefix
from .snapshot import Change, changes_to_json, diff, from_json, to_json

ISSUERS = (Role.ADMIN, Role.OFFICE)
REASON_LIMIT = 1000


def may_issue(user: object) -> bool:
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.effective_role in ISSUERS
    )


def _require_issuer(actor: User) -> None:
    if not may_issue(actor):
        raise PermissionDenied("只有效能办可以签发或更正通报")


def number_text(kind: str, year: int, sequence: int) -> str:
    """效投通〔2026〕11号."""
    return f"{prefix(kind)}〔{year}〕{sequence}号"


def next_sequence(kind: str, year: int) -> int:
    """Allocate the next sequence of ``kind`` in ``year``. Call inside a transaction."""
    NumberCounter.objects.get_or_create(kind=kind, year=year)
    counter = NumberCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@in_source_language
def stamp(word: bytes, number: str, correction: tuple[str, str, list[Change]] | None) -> bytes:
    """The Word with its issued number in the masthead (every bulletin's second paragraph,
    ``worddoc.masthead``), and for a correction an annex naming the corrected version, the
    reason and each change."""
    doc = Document(io.BytesIO(word))
    line = doc.paragraphs[1]
    runs = line.runs
    if runs:
        runs[0].text = number
        for run in runs[1:]:
            run.text = ""
    else:
        line.add_run(number)
    if correction is not None:
        old_number, reason, changes = correction
        heading(doc, 1, "更正说明")
        para(doc, f"本通报更正{old_number}，原通报作废。更正理由：{reason}")
        table(
            doc,
            ["位置", "原为", "更正为"],
            [[c.where, c.before or "（无）", c.after or "（删去）"] for c in changes],
        )
    return to_bytes(doc)


def _freeze(
    actor: User,
    draft: drafts.Draft,
    *,
    year: int,
    sequence: int,
    version: int,
    today: date,
    corrects: IssuedBulletin | None = None,
    reason: str = "",
    changes: list[Change] | None = None,
) -> IssuedBulletin:
    number = number_text(draft.kind, year, sequence)
    full = number if version == 1 else f"{number}（第{version}版）"
    correction = None
    if corrects is not None:
        correction = (corrects.full_number, reason, changes or [])
    word = stamp(draft.word(), full, correction)
    return IssuedBulletin.objects.create(
        kind=draft.kind,
        year=year,
        sequence=sequence,
        version=version,
        number=number,
        source_key=draft.source_key,
        unit=draft.unit,
        title=draft.title,
        scope=draft.scope,
        issuer=draft.issuer,
        issued_on=today,
        issued_at=timezone.now(),
        as_of=draft.as_of,
        issued_by=actor,
        is_public=draft.kind in PUBLIC_KINDS and draft.unit is None,
        snapshot=to_json(draft.sections),
        word=word,
        sha256=hashlib.sha256(word).hexdigest(),
        corrects=corrects,
        reason=reason,
        changes=changes_to_json(changes or []),
    )


@transaction.atomic
def issue(actor: User, draft: drafts.Draft) -> IssuedBulletin:
    """签发: number the draft (the next of its kind this year) and freeze it."""
    _require_issuer(actor)
    if not draft.sections:
        raise ValidationError("通报没有内容，不能签发")
    today = timezone.localdate()
    sequence = next_sequence(draft.kind, today.year)
    issued = _freeze(actor, draft, year=today.year, sequence=sequence, version=1, today=today)
    audit.record(
        actor,
        audit.Action.CREATE,
        issued,
        after={
            "number": issued.full_number,
            "kind": issued.kind,
            "source": issued.source_key,
            "unit": issued.unit_id,
            "sha256": issued.sha256,
        },
        summary=f"签发通报 {issued.full_number}：{issued.title}",
    )
    return issued


@transaction.atomic
def correct(actor: User, original: IssuedBulletin, reason: str) -> IssuedBulletin:
    """更正: issue the bulletin again from the figures as they are now, as the next version of
    the same number, with the reason and the differences. The corrected version stays readable
    and is marked as superseded."""
    _require_issuer(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写更正理由"})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": f"更正理由不能超过{REASON_LIMIT}字"})
    current = IssuedBulletin.objects.select_for_update().get(pk=original.pk)
    if IssuedBulletin.objects.filter(corrects=current).exists():
        raise ValidationError("该版本已被更正，请更正最新版本")
    draft = drafts.build(
        actor, current.kind, current.source_key, str(current.unit_id) if current.unit_id else None
    )
    changes = diff(from_json(current.snapshot), draft.sections)
    if not changes:
        raise ValidationError("现在的数字与该通报相同，没有需要更正的内容")
    issued = _freeze(
        actor,
        draft,
        year=current.year,
        sequence=current.sequence,
        version=current.version + 1,
        today=timezone.localdate(),
        corrects=current,
        reason=reason,
        changes=changes,
    )
    audit.record(
        actor,
        audit.Action.CREATE,
        issued,
        before={"number": current.full_number, "sha256": current.sha256},
        after={
            "number": issued.full_number,
            "sha256": issued.sha256,
            "reason": reason,
            "changes": len(changes),
        },
        summary=f"更正通报 {current.full_number} → {issued.full_number}：{reason[:80]}",
    )
    return issued
