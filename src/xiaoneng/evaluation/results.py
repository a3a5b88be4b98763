"""The tally (统计计分) of a campaign and its results: loading the sheets into the ``scoring``
core, the careless-response review, storing the final figures, publication and the comparison
with earlier years.

A service module of ``evaluation`` (with ``services``, ``pool`` and ``sheets``): the tally, its
undoing and the publication go through the campaign's table of stages (``services.STAGES``),
in a transaction, audited; the rest only reads.

The bootstrap of the rank intervals is seeded from the campaign's public draw (canonical seed
and roster hash), so the published intervals can be recomputed by anyone with the answers.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaoneng import scoring
from xiaoneng.accounts.actors import Actor

from . import services
from .models import AnswerSheet, Campaign, CampaignUnit, Milestone
from .sheets import BLANK, Layout, apply_rules, layout_of

Status = Campaign.Status
#: The careless-response rules of ``scoring.check_quality`` as the office and the public read
#: them: name, and what the rule flags and excludes once adopted.
RULES = {
    scoring.FlagKind.STRAIGHT_LINING: (
        _("一律同选"),
        _(
            "答了10项以上，且全部是同一个选项——任何选项都一样（全是满意、全是比较满意……"
            "全是不了解）；采用后全部剔除。"
        ),
    ),
    scoring.FlagKind.DUPLICATE_SERIAL: (
        _("问卷编号重复"),
        _("同一纸质问卷编号出现两次以上；采用后全部剔除（无法判断哪一份是原件）。"),
    ),
    scoring.FlagKind.IDENTICAL_ANSWERS: (
        _("答卷完全相同"),
        _(
            "两份以上评议表（各答10项以上）的答案完全相同；采用后每组只保留评议表顺序中的"
            "第一份，其余剔除。"
        ),
    ),
}
FLAG_LABELS = {kind: label for kind, (label, _text) in RULES.items()}
#: Version of the tally procedure stored with the results and printed in the workbook:
#: 2 = intervals over whole sheets, SHAKE-256 bootstrap, exclusions by rule (docs/scoring.md).
TALLY_VERSION = 2


def tally_seed(campaign: Campaign) -> int:
    """The bootstrap seed: the first 8 bytes of SHA-256("tally|" canonical seed "|" roster
    hash), as an unsigned integer — fixed by the public draw, chosen by nobody."""
    text = f"tally|{campaign.seed_canonical}|{campaign.roster_hash}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def sheet_rows(campaign: Campaign, *fields: str) -> list[tuple]:
    """``(answers, id, *fields)`` of every sheet, in the order the tally reads them (and the
    published 评议表 lists them): by answer string, then id. The bootstrap draws by position, so
    this makes the published intervals depend only on the set of sheets — identical sheets are
    interchangeable — not on their random identifiers or on a database's collation."""
    rows = list(AnswerSheet.objects.filter(campaign=campaign).values_list("answers", "id", *fields))
    rows.sort(key=lambda r: (r[0], str(r[1])))
    return rows


def core_campaign(campaign: Campaign, layout: Layout | None = None) -> scoring.Campaign:
    """All sheets of the campaign as the scoring core's arrays (excluded ones included: the
    tally is told which to leave out)."""
    layout = layout or layout_of(campaign)
    strata = list(campaign.strata.all())
    stratum_index = {s.pk: i for i, s in enumerate(strata)}
    rows = sheet_rows(campaign, "stratum_id", "serial")
    n_units, n_dims = len(layout.units), len(layout.dimensions)
    if rows:
        raw = np.frombuffer("".join(r[0] for r in rows).encode("ascii"), dtype=np.uint8)
        codes = raw.astype(np.int16) - ord("0")
        codes[raw == ord(BLANK)] = scoring.NOT_ASKED
        answers = codes.astype(np.int8).reshape(len(rows), n_units, n_dims)
    else:
        answers = np.zeros((0, n_units, n_dims), dtype=np.int8)
    return scoring.Campaign(
        units=tuple(scoring.UnitRef(str(u.pk), u.category) for u in layout.units),
        dimensions=tuple(d.name for d in layout.dimensions),
        strata=tuple(s.name for s in strata),
        labels=tuple(o.label for o in layout.options),
        sheet_ids=tuple(str(r[1]) for r in rows),
        sheet_strata=np.array([stratum_index[r[2]] for r in rows], dtype=np.intp),
        answers=answers,
        serials=tuple(r[3] or None for r in rows) if any(r[3] for r in rows) else None,
    )


def quality(campaign: Campaign, core: scoring.Campaign | None = None) -> scoring.QualityReport:
    """可疑问卷: the careless-response flags, for review before the tally is final."""
    return scoring.check_quality(core or core_campaign(campaign))


def _assessment(campaign: Campaign) -> dict[str, float] | None:
    if campaign.questionnaire_weight is None:
        return None
    scores = dict(campaign.units.values_list("pk", "assessment_score"))
    missing = [pk for pk, v in scores.items() if v is None]
    if missing:
        names = CampaignUnit.objects.filter(pk__in=missing[:5]).select_related("unit")
        raise ValidationError(
            f"问卷与工作考核结合计分，但有 {len(missing)} 个单位没有考核得分（如"
            + "、".join(cu.unit.name for cu in names)
            + "）"
        )
    return {str(pk): float(v) for pk, v in scores.items()}


def compute(
    campaign: Campaign, replicates: int | None = None, core: scoring.Campaign | None = None
) -> scoring.TallyResult:
    """The tally as it stands (excluded sheets left out); nothing is stored. ``core``: the
    sheets already loaded by the caller (for the careless-response check), not read again."""
    core = core or core_campaign(campaign)
    excluded = [
        str(pk) for pk in campaign.sheets.filter(excluded=True).values_list("id", flat=True)
    ]
    try:
        method = services.scoring_method(campaign)
    except ValueError as error:
        raise ValidationError(f"计分方案设置有误：{error}") from None
    return scoring.tally(
        core,
        method,
        exclude=excluded,
        assessment=_assessment(campaign),
        replicates=campaign.replicates if replicates is None else replicates,
        seed=tally_seed(campaign),
    )


def _rate(rate: scoring.Rate) -> dict:
    return {
        "count": rate.count,
        "n": rate.n,
        "value": rate.value,
        "low": rate.low,
        "high": rate.high,
        "deff": rate.design_effect,
        "n_eff": rate.effective_n,
    }


def _unit_json(r: scoring.UnitResult) -> dict:
    return {
        "score": r.score,
        "questionnaire_score": r.questionnaire_score,
        "assessment_score": r.assessment_score,
        "dimensions": dict(r.dimension_scores),
        "strata": dict(r.stratum_scores),
        "top_two": _rate(r.top_two),
        "top_three": _rate(r.top_three),
        "headline": _rate(r.headline_rate),
        "awareness": r.awareness,
        "answers": r.answers,
        "valid_answers": r.valid_answers,
        "sheets": r.sheets,
    }


@transaction.atomic
def finalize(actor: Actor, campaign: Campaign, *, flags_reviewed: bool) -> scoring.TallyResult:
    """统计计分: compute and store the results; from now on they are what is published.
    When there are careless-response flags, the office must say it has reviewed them."""
    step = services.STAGES.begin(actor, campaign, "tally")
    campaign = step.record
    if campaign.pending.exists():  # close_collection releases them all; never tally without
        raise ValidationError(_("还有网上评议表在匿名缓冲池中未入库，不能计分"))
    # Exactly the sheets the adopted rules exclude (sheets.adopt_rule), whatever was marked
    # before: an exclusion is always a rule's.
    apply_rules(campaign)
    if not campaign.sheets.filter(excluded=False).exists():
        raise ValidationError("没有可统计的评议表")
    core = core_campaign(campaign)
    flags = scoring.check_quality(core).flags
    if flags and not flags_reviewed:
        raise ValidationError(
            f"有 {len(flags)} 条可疑问卷提示尚未确认复核，请逐条核对后勾选“已复核”再计分"
        )
    result = compute(campaign, core=core)
    by_id = {u.unit: u for u in result.units}
    units = list(campaign.units.all())
    for cu in units:
        r = by_id[str(cu.pk)]
        cu.score = r.score
        cu.headline_rate = r.headline_rate.value
        cu.rank, cu.rank_low, cu.rank_high = r.rank, r.rank_low, r.rank_high
        cu.last_place = r.last_place.value
        cu.result = _unit_json(r)
    CampaignUnit.objects.bulk_update(
        units,
        ["score", "headline_rate", "rank", "rank_low", "rank_high", "last_place", "result"],
    )
    sheets = campaign.sheets.filter(excluded=False)
    now = timezone.now()
    campaign.summary = {
        "version": TALLY_VERSION,
        "method": result.method,
        "sheets_total": result.sheets_total,
        "sheets_used": result.sheets_used,
        "excluded": len(result.excluded),
        "top_two": _rate(result.top_two),
        "top_three": _rate(result.top_three),
        "headline": _rate(result.headline_rate),
        "awareness": result.awareness,
        "answers": result.answers,
        "valid_answers": result.valid_answers,
        "replicates": result.replicates,
        "bootstrap_seed": result.seed,
        "flags": len(flags),
        "exclusion_rules": sorted(campaign.exclusion_rules),
        "rates_by_dimension": {d: _rate(r) for d, r in result.dimension_rates.items()},
        "rates_by_stratum": {h: _rate(r) for h, r in result.stratum_rates.items()},
        "by_channel": dict(Counter(sheets.values_list("channel", flat=True))),
        "by_stratum": dict(Counter(sheets.values_list("stratum__name", flat=True))),
        "categories": [
            {
                "category": c.category,
                "units": c.units,
                "mean_score": c.mean_score,
                "last_unit": int(c.last_unit) if c.last_unit else None,
                "status": c.status.value if c.status else None,
            }
            for c in result.categories
        ],
    }
    campaign.flags_reviewed_at = now if flags else None
    campaign.tallied_at = now
    step.finish(
        summary=f"统计计分：有效评议表 {result.sheets_used} 份，剔除 {len(result.excluded)} 份",
        fields=["summary", "flags_reviewed_at", "tallied_at"],
        after={
            "sheets_used": result.sheets_used,
            "excluded": len(result.excluded),
            "headline": result.headline_rate.value,
        },
    )
    services.complete_milestone(campaign, Milestone.Kind.TALLY, now)
    return result


@transaction.atomic
def reopen(actor: Actor, campaign: Campaign, reason: str) -> Campaign:
    """撤销计分 (before publication only): back to the review, results cleared."""
    step = services.STAGES.begin(actor, campaign, "undo_tally")
    campaign = step.record
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明撤销计分的理由"})
    campaign.units.update(
        score=None,
        headline_rate=None,
        rank=None,
        rank_low=None,
        rank_high=None,
        last_place="",
        result=None,
    )
    campaign.summary = None
    campaign.tallied_at = None
    step.finish(summary="撤销计分", fields=["summary", "tallied_at"], after={"reason": reason})
    Milestone.objects.filter(campaign=campaign, kind=Milestone.Kind.TALLY).update(done_at=None)
    return campaign


@transaction.atomic
def publish(actor: Actor, campaign: Campaign) -> Campaign:
    """公布结果: the results page becomes public; nothing can change afterwards."""
    step = services.STAGES.begin(actor, campaign, "publish")
    now = timezone.now()
    step.record.published_at = now
    campaign = step.finish(summary="公布评议结果", fields=["published_at"])
    services.complete_milestone(campaign, Milestone.Kind.PUBLICATION, now)
    return campaign


# ---- reading the stored results -------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPoint:
    year: int
    campaign: Campaign
    score: float | None
    rate: float | None
    rank: int | None
    category: str


def earlier_campaigns(campaign: Campaign, *, public: bool) -> list[Campaign]:
    """Campaigns of earlier years with results (published ones only for the public)."""
    states = [Status.PUBLISHED] if public else [Status.PUBLISHED, Status.TALLIED]
    return list(
        Campaign.objects.filter(status__in=states, year__lt=campaign.year).order_by("year", "pk")
    )


def unit_history(
    campaign: Campaign, units: list[CampaignUnit], *, public: bool
) -> dict[int, list[HistoryPoint]]:
    """Per organisation unit of ``units``: its results in earlier campaigns and this one, by
    year (历年对比: 95.2% → 98.7% → 99.0%)."""
    earlier = earlier_campaigns(campaign, public=public)
    unit_ids = [cu.unit_id for cu in units]
    rows = (
        CampaignUnit.objects.filter(campaign__in=earlier, unit_id__in=unit_ids)
        .select_related("campaign")
        .order_by("campaign__year", "campaign_id")
    )
    out: dict[int, list[HistoryPoint]] = {uid: [] for uid in unit_ids}
    for cu in [*rows, *units]:
        out[cu.unit_id].append(
            HistoryPoint(
                cu.campaign.year, cu.campaign, cu.score, cu.headline_rate, cu.rank, cu.category
            )
        )
    return out


def overall_history(campaign: Campaign, *, public: bool) -> list[tuple[int, str, float | None]]:
    """(year, campaign name, published 满意率) of earlier campaigns and this one."""
    out = []
    for c in [*earlier_campaigns(campaign, public=public), campaign]:
        rate = ((c.summary or {}).get("headline") or {}).get("value")
        out.append((c.year, c.name, rate))
    return out


def weakest_dimensions(
    cu: CampaignUnit, k: int = 2, order: list[str] | None = None
) -> list[tuple[str, float]]:
    """The unit's lowest-scoring dimensions (for its 整改通知书). Ties keep the campaign's order
    of dimensions (``order``, read when not given): jsonb does not keep the stored key order."""
    stored = (cu.result or {}).get("dimensions") or {}
    if order is None:
        order = list(cu.campaign.dimensions.values_list("name", flat=True))
    dims = [(d, stored[d]) for d in order if stored.get(d) is not None]
    return sorted(dims, key=lambda x: x[1])[:k]


def stamp(moment: datetime | None) -> str:
    return "" if moment is None else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
