"""Answer sheets (评议表): online with a single-use code, on paper with double entry, and the
review of careless responses before the tally.

A service module of ``evaluation`` (with ``services``, ``pool`` and ``results``): its writes
begin with the campaign's table of stages (``services.STAGES``) and run in a transaction; they
are audited, except an evaluator's submission (below).

A sheet's answers are stored as one character per (unit, dimension) in the order frozen at the
draw (``Campaign.layout``): ``"0"``–``"9"`` is the position of the chosen option, ``"-"`` no
answer. Online, every item must be answered (不了解 is an answer); on paper a blank is kept as a
blank.

Anonymity (docs/evaluation.md §5): using a code marks only that the code is used — no time; the
sheet goes sealed into its stratum's anonymity pool (``mixing``) and reaches the answer table
later in a shuffled batch; the code's draft (``drafts``) is deleted in the same transaction. No
audit entry is written for a submission: its time would be the time the code was used.

The review adopts careless-response *rules*, never single sheets (``adopt_rule``): each
excludes every sheet it flags, whatever the option, and the public workbook says which sheet
was excluded under which rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaoneng import scoring
from xiaoneng.accounts.actors import Actor
from xiaoneng.audit import services as audit
from xiaoneng.i18n import chinese_labels

from . import drafts, mixing, services
from .models import (
    AccessCode,
    AnswerSheet,
    Campaign,
    CampaignUnit,
    Dimension,
    Opinion,
    PaperEntry,
    PaperForm,
    ScaleOption,
    Stratum,
)

BLANK = "-"
OPINION_MAX = 500
SERIAL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,29}")
#: One message for an unknown, revoked or already used code: a code cannot be probed.
CODE_REFUSED = "评议码无效或已经使用过。每个评议码只能提交一次；如有疑问请联系评议办公室。"


@dataclass(frozen=True)
class Layout:
    """The frozen order of a campaign's form: units × dimensions, and the options."""

    units: list[CampaignUnit]
    dimensions: list[Dimension]
    options: list[ScaleOption]

    @property
    def width(self) -> int:
        return len(self.units) * len(self.dimensions)

    def cell(self, unit_index: int, dim_index: int) -> int:
        return unit_index * len(self.dimensions) + dim_index


def layout_of(campaign: Campaign) -> Layout:
    """The form as frozen at the draw (before it, the current set-up)."""
    spec = campaign.layout or services.campaign_layout(campaign)
    units = CampaignUnit.objects.select_related("unit").in_bulk(spec["units"])
    dims = Dimension.objects.in_bulk(spec["dimensions"])
    opts = ScaleOption.objects.in_bulk(spec["options"])
    return Layout(
        units=[units[i] for i in spec["units"]],
        dimensions=[dims[i] for i in spec["dimensions"]],
        options=[opts[i] for i in spec["options"]],
    )


def encode(layout: Layout, answers: Mapping[tuple[int, int], int | None]) -> str:
    """{(campaign unit id, dimension id): option position or None} → the stored string."""
    chars = [BLANK] * layout.width
    for ui, unit in enumerate(layout.units):
        for di, dim in enumerate(layout.dimensions):
            value = answers.get((unit.pk, dim.pk))
            if value is not None:
                chars[layout.cell(ui, di)] = str(value)
    return "".join(chars)


def decode(layout: Layout, text: str) -> dict[tuple[int, int], int | None]:
    out: dict[tuple[int, int], int | None] = {}
    for ui, unit in enumerate(layout.units):
        for di, dim in enumerate(layout.dimensions):
            ch = text[layout.cell(ui, di)]
            out[(unit.pk, dim.pk)] = None if ch == BLANK else int(ch)
    return out


def _check_answers(
    layout: Layout, answers: Mapping[tuple[int, int], object], *, complete: bool
) -> dict[tuple[int, int], int | None]:
    """Every answer a known option; online also every item answered. Errors name the unit."""
    clean: dict[tuple[int, int], int | None] = {}
    unknown_units: list[str] = []
    missing_units: list[str] = []
    dims = {d.pk for d in layout.dimensions}
    units = {u.pk for u in layout.units}
    if any(u not in units or d not in dims for u, d in answers):
        raise ValidationError("评议表中有不属于本次评议的单位或评议内容")
    for unit in layout.units:
        for dim in layout.dimensions:
            raw = answers.get((unit.pk, dim.pk))
            if raw is None or raw == "":
                clean[(unit.pk, dim.pk)] = None
                if complete and unit.unit.name not in missing_units:
                    missing_units.append(unit.unit.name)
                continue
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = -1
            if not 0 <= value < len(layout.options):
                if unit.unit.name not in unknown_units:
                    unknown_units.append(unit.unit.name)
                continue
            clean[(unit.pk, dim.pk)] = value
    errors = []
    if unknown_units:
        errors.append(f"以下单位的答案不在选项范围内：{'、'.join(unknown_units)}")
    if missing_units:
        errors.append(
            f"还有 {len(missing_units)} 个单位未评完：{'、'.join(missing_units[:10])}"
            + ("等" if len(missing_units) > 10 else "")
            + "。不了解的单位请选“不了解”。"
        )
    if errors:
        raise ValidationError(errors)
    return clean


def _check_opinions(layout: Layout, opinions: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    units = {u.pk: u for u in layout.units}
    clean = []
    for unit_id, text in opinions:
        text = (text or "").strip()
        if not text:
            continue
        if unit_id not in units:
            raise ValidationError("意见建议所指的单位不属于本次评议")
        if len(text) > OPINION_MAX:
            raise ValidationError(
                f"对“{units[unit_id].unit.name}”的意见建议超过{OPINION_MAX}字，请精简"
            )
        clean.append((unit_id, text))
    return clean


def pending_length(layout: Layout) -> int:
    """How long every sealed pending sheet of the campaign is (``mixing.sealed_length``)."""
    return mixing.sealed_length(len(layout.units), layout.width, OPINION_MAX)


def _write_paper_sheet(
    campaign: Campaign,
    stratum: Stratum,
    answers: str,
    opinions: list[tuple[int, str]],
    serial: str,
) -> AnswerSheet:
    """A paper form's sheet: stored at once, with its serial (a paper sheet is tied to its
    form by design; the form is not tied to a person)."""
    sheet = AnswerSheet.objects.create(
        campaign=campaign,
        stratum=stratum,
        channel=AnswerSheet.Channel.PAPER,
        serial=serial,
        answers=answers,
    )
    Opinion.objects.bulk_create(
        Opinion(sheet=sheet, unit_id=unit_id, text=text) for unit_id, text in opinions
    )
    return sheet


# ---- online -------------------------------------------------------------------------------------


def find_code(code: str) -> AccessCode | None:
    """The code if it can still be used, else None (unknown, revoked or used)."""
    digests = services.code_digests(code)
    if not services.normalise_code(code):
        return None
    return (
        AccessCode.objects.select_related("campaign", "evaluator__stratum")
        .filter(digest__in=digests, revoked=False, used=False)
        .first()
    )


def usable_code(code: str) -> AccessCode:
    """The code's row if answers can be given with it now; else the refusal to show."""
    access = find_code(code)
    if access is None:
        raise ValidationError({"code": CODE_REFUSED})
    if not access.campaign.is_collecting:
        raise ValidationError(services.NOT_COLLECTING)
    return access


def submit_online(
    code: str,
    answers: Mapping[tuple[int, int], object],
    opinions: Iterable[tuple[int, str]] = (),
) -> Campaign:
    """网上评议: check the code and the answers, then in one transaction mark the code used
    (only if it still is unused: a double click or a second tab loses), put the sheet in the
    anonymity pool and delete the code's draft."""
    access = usable_code(code)
    return _store_online(access, code, layout_of(access.campaign), answers, opinions)


def submit_draft(code: str) -> Campaign:
    """网上评议, step 3: the sheet built from the code's draft (units not picked 不了解). A
    refusal (something not rated yet) changes nothing: the draft stays as it was."""
    access = usable_code(code)
    layout = layout_of(access.campaign)
    draft = drafts.load(code, access.campaign, layout)
    if drafts.picks_apply(layout) and draft.picked is None:
        raise ValidationError(_("请先在第一步勾选您了解的单位（都不了解也请在第一步确认）。"))
    missing = drafts.unrated(layout, draft)
    if missing:
        names = "、".join(u.unit.name for u in missing[:10]) + ("等" if len(missing) > 10 else "")
        raise ValidationError(
            _(
                "还有 %(n)d 个单位没有评完：%(names)s。请回到该单位所在的类别逐项选择；"
                "其实不了解的单位，可以回到第一步取消勾选。"
            )
            % {"n": len(missing), "names": names}
        )
    answers, opinions = drafts.sheet_answers(layout, draft)
    return _store_online(access, code, layout, answers, opinions)


def _store_online(
    access: AccessCode,
    code: str,
    layout: Layout,
    answers: Mapping[tuple[int, int], object],
    opinions: Iterable[tuple[int, str]],
) -> Campaign:
    clean = _check_answers(layout, answers, complete=True)
    notes = _check_opinions(layout, opinions)
    with transaction.atomic():
        # One pool change at a time, and none after the collection closed (closing releases
        # the pool under the same lock).
        campaign = services.STAGES.begin(
            services.EVALUATOR, access.campaign, "answer_online"
        ).record
        # Only if still unused: a double click or a second tab loses.
        if not AccessCode.objects.filter(pk=access.pk, revoked=False, used=False).update(used=True):
            raise ValidationError({"code": CODE_REFUSED})
        mixing.admit(
            campaign,
            mixing.Submission(access.evaluator.stratum_id, encode(layout, clean), tuple(notes)),
            pending_length(layout),
        )
        # Nothing of the answers in progress outlives the sheet: after this transaction no row
        # holds anything keyed by the code. No audit entry either: it would date the code's use.
        drafts.discard(code)
    return campaign


# ---- paper: double entry ------------------------------------------------------------------------


def parse_paper_rows(layout: Layout, rows: Mapping[int, str]) -> dict[tuple[int, int], int | None]:
    """The clerk types, for each unit, one digit per dimension as printed on the form: 1 = the
    first option … 0 = left blank. ``rows`` maps campaign unit id → e.g. ``"112135"``."""
    answers: dict[tuple[int, int], int | None] = {}
    errors = []
    width = len(layout.dimensions)
    for unit in layout.units:
        text = re.sub(r"\s", "", rows.get(unit.pk, "") or "")
        if len(text) != width or not text.isdigit():
            errors.append(
                f"“{unit.unit.name}”应录入 {width} 位数字"
                f"（1—{len(layout.options)} 为选项，0 为未填）"
            )
            continue
        for dim, ch in zip(layout.dimensions, text, strict=True):
            n = int(ch)
            if n > len(layout.options):
                errors.append(
                    f"“{unit.unit.name}”的“{ch}”不在选项范围内（1—{len(layout.options)}，0 为未填）"
                )
                break
            answers[(unit.pk, dim.pk)] = None if n == 0 else n - 1
    if errors:
        raise ValidationError(errors)
    return answers


def paper_digits(layout: Layout, answers: str) -> dict[int, str]:
    """The stored answers back as the clerk's digits per unit (for showing and prefilling)."""
    width = len(layout.dimensions)
    return {
        unit.pk: "".join(
            "0" if c == BLANK else str(int(c) + 1) for c in answers[i * width : (i + 1) * width]
        )
        for i, unit in enumerate(layout.units)
    }


def clean_serial(serial: str) -> str:
    serial = (serial or "").strip().upper()
    if not SERIAL_RE.fullmatch(serial):
        raise ValidationError({"serial": "问卷编号应为1—30位字母、数字或连字符"})
    return serial


@dataclass(frozen=True)
class Difference:
    unit: str
    dimension: str
    first: str
    second: str


def differences(layout: Layout, a: PaperEntry, b: PaperEntry) -> list[Difference]:
    out = []
    if a.stratum_id != b.stratum_id:
        out.append(Difference("—", "评议人层面", a.stratum.name, b.stratum.name))
    labels = [o.label for o in layout.options]

    def label(ch: str) -> str:
        return "未填" if ch == BLANK else labels[int(ch)]

    for ui, unit in enumerate(layout.units):
        for di, dim in enumerate(layout.dimensions):
            i = layout.cell(ui, di)
            if a.answers[i] != b.answers[i]:
                out.append(
                    Difference(unit.unit.name, dim.name, label(a.answers[i]), label(b.answers[i]))
                )
    return out


def _merge_opinions(*lists: list) -> list[tuple[int, str]]:
    """Opinions of both entries, each text once (the second clerk may type what the first did)."""
    seen: set[tuple[int, str]] = set()
    out = []
    for entries in lists:
        for item in entries:
            unit_id, text = int(item[0]), item[1]
            key = (unit_id, re.sub(r"\s+", "", text))
            if key not in seen:
                seen.add(key)
                out.append((unit_id, text))
    return out


def _typed_form(
    campaign: Campaign,
    stratum_id: int,
    rows: Mapping[int, str],
    opinions: Iterable,
    layout: Layout | None = None,
) -> tuple[Stratum, Layout, str, list[tuple[int, str]]]:
    """What a clerk typed for one paper form, checked: stratum, answers (stored form), opinions."""
    stratum = campaign.strata.filter(pk=stratum_id).first()
    if stratum is None:
        raise ValidationError({"stratum": "请选择评议表上勾选的评议人层面"})
    layout = layout or layout_of(campaign)
    answers = encode(layout, parse_paper_rows(layout, rows))
    return stratum, layout, answers, _check_opinions(layout, opinions)


@dataclass(frozen=True)
class PaperOutcome:
    form: PaperForm
    status: str
    differences: list[Difference]


@transaction.atomic
def enter_paper(
    actor: Actor,
    campaign: Campaign,
    serial: str,
    stratum_id: int,
    rows: Mapping[int, str],
    opinions: Iterable[tuple[int, str]] = (),
    *,
    layout: Layout | None = None,
) -> PaperOutcome:
    """录入纸质评议表. The first entry of a serial waits for a second by another clerk; equal
    entries make the sheet; unequal ones hold the form until it is resolved against the paper.

    ``layout``: the campaign's :func:`layout_of`, when the caller enters many forms in a row
    (reading it costs more than the rest of an entry)."""
    campaign = services.STAGES.begin(actor, campaign, "enter_paper").record
    serial = clean_serial(serial)
    stratum, layout, answers, notes = _typed_form(campaign, stratum_id, rows, opinions, layout)
    form, created = PaperForm.objects.select_for_update().get_or_create(
        campaign=campaign, serial=serial
    )
    if form.status == PaperForm.Status.ACCEPTED:
        raise ValidationError({"serial": f"编号 {serial} 的评议表已经录入并入库，不能重复录入"})
    if form.status == PaperForm.Status.MISMATCH:
        raise ValidationError(
            {"serial": f"编号 {serial} 的两次录入不一致，正等待核对原件，请到“待核对”中处理"}
        )
    if form.entries.filter(clerk=actor).exists():
        raise ValidationError(
            {"serial": f"编号 {serial} 您已经录入过一次，第二次录入须由另一位录入员完成"}
        )
    entry = PaperEntry.objects.create(
        form=form,
        clerk=actor,
        stratum=stratum,
        answers=answers,
        opinions=[[u, t] for u, t in notes],
        entered_at=timezone.now(),
    )
    diffs: list[Difference] = []
    if created:
        summary = f"纸质评议表 {serial} 第一次录入"
    else:
        first = form.entries.exclude(pk=entry.pk).select_related("stratum").get()
        diffs = differences(layout, first, entry)
        if diffs:
            form.status = PaperForm.Status.MISMATCH
            form.save(update_fields=["status"])
            summary = f"纸质评议表 {serial} 第二次录入与第一次有 {len(diffs)} 处不一致，待核对原件"
        else:
            sheet = _write_paper_sheet(
                campaign, stratum, answers, _merge_opinions(first.opinions, entry.opinions), serial
            )
            form.status, form.sheet = PaperForm.Status.ACCEPTED, sheet
            form.save(update_fields=["status", "sheet"])
            summary = f"纸质评议表 {serial} 两次录入一致，已入库"
    audit.record(actor, audit.Action.EVENT, form, after={"serial": serial}, summary=summary)
    return PaperOutcome(form, form.status, diffs)


@transaction.atomic
def resolve_paper(
    actor: Actor,
    form: PaperForm,
    stratum_id: int,
    rows: Mapping[int, str],
    opinions: Iterable[tuple[int, str]] = (),
) -> AnswerSheet:
    """核对原件: someone looks at the paper and enters what it really says; that becomes the
    sheet (the two earlier entries stay as they were, for the record)."""
    campaign = services.STAGES.begin(actor, form.campaign, "enter_paper").record
    form = PaperForm.objects.select_for_update().get(pk=form.pk)
    if form.status != PaperForm.Status.MISMATCH:
        raise ValidationError("这份评议表没有待核对的不一致")
    stratum, _layout, answers, notes = _typed_form(campaign, stratum_id, rows, opinions)
    sheet = _write_paper_sheet(campaign, stratum, answers, notes, form.serial)
    form.status, form.sheet, form.resolved_by = PaperForm.Status.ACCEPTED, sheet, actor
    form.save(update_fields=["status", "sheet", "resolved_by"])
    audit.record(
        actor,
        audit.Action.EVENT,
        form,
        after={"serial": form.serial},
        summary=f"纸质评议表 {form.serial} 已核对原件并入库",
    )
    return sheet


# ---- review before the tally --------------------------------------------------------------------


RULE_LABELS = chinese_labels(AnswerSheet.Rule)


def apply_rules(campaign: Campaign) -> int:
    """Mark exactly the sheets that the campaign's adopted rules exclude (and no others).
    Returns how many are excluded."""
    from . import results

    report = results.quality(campaign)
    wanted = scoring.exclusions(report, campaign.exclusion_rules)
    by_rule: dict[str, list[str]] = {}
    for sid, rule in wanted.items():
        by_rule.setdefault(str(rule), []).append(sid)
    sheets = campaign.sheets.all()
    sheets.exclude(pk__in=list(wanted)).update(excluded=False, exclusion_rule="")
    for rule, ids in by_rule.items():
        sheets.filter(pk__in=ids).update(excluded=True, exclusion_rule=rule)
    return len(wanted)


def _rule(kind: str) -> scoring.FlagKind:
    try:
        return scoring.FlagKind(kind)
    except ValueError:
        raise ValidationError(_("没有这条剔除规则")) from None


@transaction.atomic
def adopt_rule(actor: Actor, campaign: Campaign, kind: str, reason: str) -> int:
    """采用剔除规则: every sheet the careless-response rule flags is left out of the tally — all
    of them, whatever option a straight-lined sheet repeats; of identical sheets all but the
    first. Returns how many sheets are excluded in all."""
    campaign = services.STAGES.begin(actor, campaign, "review").record
    rule = _rule(kind)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("采用剔除规则须写明理由")})
    campaign.exclusion_rules = {**campaign.exclusion_rules, rule.value: reason[:200]}
    campaign.save(update_fields=["exclusion_rules"])
    total = apply_rules(campaign)
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        after={"rule": rule.value, "reason": reason[:200], "excluded": total},
        summary=f"采用剔除规则“{RULE_LABELS[rule.value]}”，共剔除评议表 {total} 份",
    )
    return total


@transaction.atomic
def withdraw_rule(actor: Actor, campaign: Campaign, kind: str) -> int:
    """撤销剔除规则: the sheets only that rule excluded count again."""
    campaign = services.STAGES.begin(actor, campaign, "review").record
    rule = _rule(kind)
    campaign.exclusion_rules = {k: v for k, v in campaign.exclusion_rules.items() if k != rule}
    campaign.save(update_fields=["exclusion_rules"])
    total = apply_rules(campaign)
    audit.record(
        actor,
        audit.Action.UPDATE,
        campaign,
        after={"withdrawn": rule.value, "excluded": total},
        summary=f"撤销剔除规则“{RULE_LABELS[rule.value]}”，现剔除评议表 {total} 份",
    )
    return total
