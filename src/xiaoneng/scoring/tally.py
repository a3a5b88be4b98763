"""The tally (计票/统计) of an evaluation campaign (民主评议/千人评议): scores, rates, ranks.

Input representation (scales to millions of answers):

- ``Campaign.answers``: numpy int8 array of shape (sheets, units, dimensions). Each entry is a
  code: ``k`` ≥ 0 means ``Campaign.labels[k]`` (e.g. "满意"), ``NOT_ASKED`` (-1) means the sheet
  did not ask about that unit/dimension (a stratum may evaluate only some units).
- ``Campaign.sheet_strata``: int array (sheets,), index into ``Campaign.strata``.
- ``Campaign.sheet_ids`` and optional ``Campaign.serials`` (paper serial numbers, 问卷编号).

Small campaigns can be built from records with ``Campaign.from_records``.

The method (DESIGN.md §2, see docs/scoring.md for the formulas): per unit u, dimension d and
stratum h the mean value of the valid answers; per (u, d) the strata-weighted mean over the
strata that gave a valid answer (weights renormalised); per unit the dimension-weighted mean over
the dimensions that have a score (renormalised); optionally combined with an external assessment.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from .method import DEFAULT, HeadlineRate, ScoringMethod
from .stats import (
    RateIntervals,
    bootstrap_counts,
    competition_ranks,
    rank_interval,
    rate_intervals,
    wilson_interval,
)

__all__ = [
    "NOT_ASKED",
    "Campaign",
    "CategorySummary",
    "LastPlace",
    "Rate",
    "Sheet",
    "TallyResult",
    "UnitRef",
    "UnitResult",
    "tally",
]

NOT_ASKED = -1


@dataclass(frozen=True, slots=True)
class UnitRef:
    """An evaluated unit (被评议单位) and its category (单位类别, ranks are within it)."""

    id: str
    category: str = ""


@dataclass(frozen=True)
class Sheet:
    """One answer sheet (问卷) as a record: ``answers`` maps (unit id, dimension) → label."""

    id: Hashable
    stratum: str
    answers: Mapping[tuple[str, str], str]
    serial: str | None = None


@dataclass(frozen=True, eq=False)
class Campaign:
    """A campaign's answers in compact array form (see the module docstring)."""

    units: tuple[UnitRef, ...]
    dimensions: tuple[str, ...]
    strata: tuple[str, ...]
    labels: tuple[str, ...]
    sheet_ids: tuple[Hashable, ...]
    sheet_strata: NDArray[np.intp]
    answers: NDArray[np.int8]
    serials: tuple[str | None, ...] | None = None

    def __post_init__(self) -> None:
        s, u, d = len(self.sheet_ids), len(self.units), len(self.dimensions)
        if self.answers.shape != (s, u, d):
            raise ValueError(f"answers must have shape {(s, u, d)}, got {self.answers.shape}")
        if self.answers.dtype != np.int8:
            raise ValueError("answers must be int8 codes")
        if len(self.labels) > 127:
            raise ValueError("at most 127 answer labels")
        if len(set(self.sheet_ids)) != s:
            raise ValueError("sheet ids must be unique")
        if len({x.id for x in self.units}) != u:
            raise ValueError("unit ids must be unique")
        if len(set(self.dimensions)) != d or len(set(self.strata)) != len(self.strata):
            raise ValueError("dimensions and strata must be unique")
        if self.sheet_strata.shape != (s,):
            raise ValueError("sheet_strata must have one entry per sheet")
        if s and (self.sheet_strata.min() < 0 or self.sheet_strata.max() >= len(self.strata)):
            raise ValueError("sheet_strata out of range")
        if s and (self.answers.min() < NOT_ASKED or self.answers.max() >= len(self.labels)):
            raise ValueError("answer code out of range")
        if self.serials is not None and len(self.serials) != s:
            raise ValueError("serials must have one entry per sheet")

    @classmethod
    def from_records(
        cls,
        units: Sequence[UnitRef],
        dimensions: Sequence[str],
        strata: Sequence[str],
        sheets: Iterable[Sheet],
        labels: Sequence[str] = ("满意", "比较满意", "基本满意", "不满意", "不了解"),
    ) -> Campaign:
        """Build the arrays from per-sheet records (for small campaigns, tests, imports)."""
        sheets = list(sheets)
        u_ix = {x.id: i for i, x in enumerate(units)}
        d_ix = {x: i for i, x in enumerate(dimensions)}
        h_ix = {x: i for i, x in enumerate(strata)}
        l_ix = {x: i for i, x in enumerate(labels)}
        arr = np.full((len(sheets), len(units), len(dimensions)), NOT_ASKED, dtype=np.int8)
        for s, sheet in enumerate(sheets):
            for (unit, dim), label in sheet.answers.items():
                arr[s, u_ix[unit], d_ix[dim]] = l_ix[label]
        has_serials = any(sh.serial is not None for sh in sheets)
        return cls(
            units=tuple(units),
            dimensions=tuple(dimensions),
            strata=tuple(strata),
            labels=tuple(labels),
            sheet_ids=tuple(sh.id for sh in sheets),
            sheet_strata=np.array([h_ix[sh.stratum] for sh in sheets], dtype=np.intp),
            answers=arr,
            serials=tuple(sh.serial for sh in sheets) if has_serials else None,
        )


@dataclass(frozen=True, slots=True)
class Rate:
    """A satisfaction rate (满意率): ``count`` of ``n`` valid answers, with its 95% interval.

    The interval is at the level of the evaluator (``stats.rate_intervals``): Wilson's on the
    effective number of answers ``effective_n`` = ``n`` / ``design_effect``. ``Rate.of`` gives
    the interval that takes every answer as independent (design effect 1), for comparison.
    """

    count: int
    n: int
    value: float | None
    low: float | None
    high: float | None
    design_effect: float | None = None
    effective_n: float | None = None

    @classmethod
    def of(cls, count: int, n: int, z: float) -> Rate:
        ci = wilson_interval(count, n, z)
        if ci is None:
            return cls(count, n, None, None, None)
        return cls(count, n, count / n, ci[0], ci[1], 1.0, float(n))

    @classmethod
    def at(cls, rates: RateIntervals, j: int) -> Rate:
        """Domain ``j`` of ``rates``."""
        count, n = int(rates.count[j]), int(rates.n[j])
        if n == 0:
            return cls(count, n, None, None, None)
        return cls(
            count,
            n,
            float(rates.value[j]),
            float(rates.low[j]),
            float(rates.high[j]),
            float(rates.design_effect[j]),
            float(rates.effective_n[j]),
        )


class LastPlace(StrEnum):
    """末位 status of a unit within its category."""

    NOT_LAST = "not_last"
    LAST = "last"  # 末位: last, and distinguishable from the rest of the category
    NOT_DISTINGUISHABLE = "not_distinguishable"  # last by point score, but not distinguishable
    UNRANKED = "unranked"  # no valid answer at all: no score, no rank


@dataclass(frozen=True)
class UnitResult:
    """The published figures of one unit.

    ``score`` is the final score (combined with the assessment when the method says so);
    ``questionnaire_score`` the questionnaire part alone. ``awareness`` is the 知晓率: answers
    other than an excluded option (不了解) over all answers given. ``valid_answers`` counts scored
    answers, ``sheets`` the sheets with at least one scored answer about the unit.
    """

    unit: str
    category: str
    score: float | None
    questionnaire_score: float | None
    assessment_score: float | None
    dimension_scores: Mapping[str, float | None]
    stratum_scores: Mapping[str, float | None]
    top_two: Rate
    top_three: Rate
    headline_rate: Rate
    awareness: float | None
    answers: int
    valid_answers: int
    sheets: int
    rank: int | None
    rank_low: int | None
    rank_high: int | None
    last_place: LastPlace


@dataclass(frozen=True, slots=True)
class CategorySummary:
    category: str
    units: int  # ranked units
    mean_score: float | None  # unweighted mean of the units' final scores
    last_unit: str | None  # the unit flagged 末位, if distinguishable
    status: LastPlace | None  # LAST, NOT_DISTINGUISHABLE, or None when no unit is ranked


@dataclass(frozen=True)
class TallyResult:
    method: str
    units: tuple[UnitResult, ...]
    categories: tuple[CategorySummary, ...]
    sheets_total: int
    sheets_used: int
    excluded: tuple[Hashable, ...]
    top_two: Rate  # pooled over all units, dimensions and strata
    top_three: Rate
    headline_rate: Rate
    awareness: float | None
    answers: int
    valid_answers: int
    replicates: int
    seed: int
    #: The headline rate of all units by dimension (评议内容) and by stratum (层面).
    dimension_rates: Mapping[str, Rate] = field(default_factory=dict)
    stratum_rates: Mapping[str, Rate] = field(default_factory=dict)
    _by_id: Mapping[str, UnitResult] = field(repr=False, compare=False, default_factory=dict)

    def unit(self, unit_id: str) -> UnitResult:
        return self._by_id[unit_id]


def _weight_matrix(
    keys: Sequence[str],
    default: Mapping[str, float] | None,
    per_category: Mapping[str, Mapping[str, float]],
    units: Sequence[UnitRef],
    what: str,
) -> NDArray[np.float64]:
    """(units × keys) weights; None = equal. Every key must be weighted (typos are errors)."""
    cache: dict[str | None, NDArray[np.float64]] = {}
    rows = []
    for unit in units:
        weights = per_category.get(unit.category, default)
        key = unit.category if unit.category in per_category else None
        if key not in cache:
            if weights is None:
                cache[key] = np.ones(len(keys))
            else:
                missing = [k for k in keys if k not in weights]
                if missing:
                    raise ValueError(f"{what} weights missing for {missing}")
                cache[key] = np.array([float(weights[k]) for k in keys])
        rows.append(cache[key])
    return np.array(rows, dtype=np.float64).reshape(len(units), len(keys))


def _scores(
    sums: NDArray[np.float64],
    ns: NDArray[np.float64],
    w_strata: NDArray[np.float64],
    w_dims: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """From per-stratum sums and counts (..., H, U, D): unit scores (..., U), dimension scores
    (..., U, D) and per-stratum unit scores (..., H, U). NaN = no score."""
    answered = ns > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(answered, sums / np.where(answered, ns, 1.0), 0.0)
        wh = w_strata.T[:, :, None] * answered  # (…, H, U, D), 0 where the stratum is silent
        wsum = wh.sum(axis=-3)
        dim = np.where(wsum > 0, (wh * means).sum(axis=-3) / np.where(wsum > 0, wsum, 1), np.nan)
        has = ~np.isnan(dim)
        wd = w_dims * has
        wdsum = wd.sum(axis=-1)
        unit = np.where(
            wdsum > 0,
            (wd * np.where(has, dim, 0)).sum(axis=-1) / np.where(wdsum > 0, wdsum, 1),
            np.nan,
        )
        # Per stratum: the dimension-weighted mean of that stratum's dimension means.
        wds = w_dims * answered
        wdss = wds.sum(axis=-1)
        per_stratum = np.where(
            wdss > 0, (wds * means).sum(axis=-1) / np.where(wdss > 0, wdss, 1), np.nan
        )
    return unit, dim, per_stratum


def _opt(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def tally(
    campaign: Campaign,
    method: ScoringMethod = DEFAULT,
    *,
    exclude: Collection[Hashable] = (),
    assessment: Mapping[str, float] | None = None,
    replicates: int = 200,
    seed: int = 0,
) -> TallyResult:
    """Score, rate and rank every unit of ``campaign`` by ``method``.

    ``exclude``: sheet ids left out (after reviewing the careless-response flags of
    ``check_quality``). ``assessment``: the external work-assessment score (0–100) per unit id,
    required exactly when the method has a ``combination``. ``replicates``: bootstrap
    replicates for the rank intervals (0 = none; then no unit can be flagged 末位), drawn from
    ``stats.BootstrapStream(seed)`` so that anyone can redo them (docs/scoring.md §4). The
    sheets are resampled in the order of ``campaign.sheet_ids``.
    """
    if replicates < 0:
        raise ValueError("replicates must be ≥ 0")
    unknown = set(exclude) - set(campaign.sheet_ids)
    if unknown:
        raise ValueError(f"excluded sheets not in the campaign: {sorted(map(str, unknown))}")
    if (assessment is None) != (method.combination is None):
        raise ValueError("an assessment is needed exactly when the method has a combination")
    if assessment is not None:
        missing = [u.id for u in campaign.units if u.id not in assessment]
        if missing:
            raise ValueError(f"assessment scores missing for {missing}")
        if any(not 0 <= float(v) <= 100 for v in assessment.values()):
            raise ValueError("assessment scores must be in [0, 100]")

    excluded = set(exclude)
    keep = np.array([sid not in excluded for sid in campaign.sheet_ids], dtype=bool)
    answers = campaign.answers[keep] if excluded else campaign.answers
    strata_of = campaign.sheet_strata[keep]
    n_sheets, n_units, n_dims = answers.shape
    n_strata = len(campaign.strata)

    # Lookup tables indexed by code + 1 (index 0 = NOT_ASKED).
    n_labels = len(campaign.labels)
    used = np.bincount((answers.reshape(-1).astype(np.int16) + 1), minlength=n_labels + 1)
    options = {o.label: o for o in method.options}
    bad = [lab for k, lab in enumerate(campaign.labels) if used[k + 1] and lab not in options]
    if bad:
        raise ValueError(f"answers use labels the method does not know: {bad}")
    value_lut = np.zeros(n_labels + 1)
    valid_lut = np.zeros(n_labels + 1, dtype=bool)
    asked_lut = np.ones(n_labels + 1, dtype=bool)
    asked_lut[0] = False
    top2_lut = np.zeros(n_labels + 1, dtype=bool)
    top3_lut = np.zeros(n_labels + 1, dtype=bool)
    for k, lab in enumerate(campaign.labels):
        opt = options.get(lab)
        if opt is not None and opt.value is not None:
            value_lut[k + 1] = opt.value
            valid_lut[k + 1] = True
        top2_lut[k + 1] = lab in method.top_two
        top3_lut[k + 1] = lab in method.top_three

    idx = answers.astype(np.intp) + 1
    valid = valid_lut[idx]  # (S, U, D)

    # Per sheet and unit: valid, top-two and top-three answers (pooled over dimensions). The
    # rates are their sums; their intervals are computed over whole sheets (stats.rate_intervals).
    n_answers = asked_lut[idx].sum(axis=(0, 2))
    valid_su = valid.sum(axis=2).astype(np.float64)
    top2_sud = top2_lut[idx]
    top3_sud = top3_lut[idx]
    top2_su = top2_sud.sum(axis=2).astype(np.float64)
    top3_su = top3_sud.sum(axis=2).astype(np.float64)
    n_valid = valid_su.sum(axis=0).astype(np.int64)
    sheets_per_unit = valid.any(axis=2).sum(axis=0)
    # 知晓率: asked answers that are not excluded (不了解). An option the method has with value
    # None is "not known"; all others are known.
    known_lut = asked_lut.copy()
    for k, lab in enumerate(campaign.labels):
        opt = options.get(lab)
        if opt is not None and opt.value is None:
            known_lut[k + 1] = False
    n_known = known_lut[idx].sum(axis=(0, 2))

    # Per-stratum sums and counts; the bootstrap reuses the same per-sheet matrices.
    flat = n_units * n_dims
    values = value_lut[idx].reshape(n_sheets, flat)
    validf = valid.reshape(n_sheets, flat).astype(np.float64)
    members = [np.flatnonzero(strata_of == h) for h in range(n_strata)]
    stacked = [np.concatenate([values[m], validf[m]], axis=1) for m in members]
    del values, validf, idx

    z = method.z
    headline_top2 = method.headline == HeadlineRate.TOP_TWO
    unit_top2 = rate_intervals(top2_su, valid_su, members, z)
    unit_top3 = rate_intervals(top3_su, valid_su, members, z)
    # The same over all units: in total, by dimension, by stratum (a sheet of another stratum
    # says nothing about a stratum: its row is 0 there).
    head_sud = top2_sud if headline_top2 else top3_sud
    total_valid = valid_su.sum(axis=1, keepdims=True)
    total_top2 = rate_intervals(top2_su.sum(axis=1, keepdims=True), total_valid, members, z)
    total_top3 = rate_intervals(top3_su.sum(axis=1, keepdims=True), total_valid, members, z)
    by_dim = rate_intervals(
        head_sud.sum(axis=1).astype(np.float64), valid.sum(axis=1).astype(np.float64), members, z
    )
    in_stratum = (strata_of[:, None] == np.arange(n_strata)[None, :]).astype(np.float64)
    head_s = (top2_su if headline_top2 else top3_su).sum(axis=1, keepdims=True)
    by_stratum = rate_intervals(head_s * in_stratum, total_valid * in_stratum, members, z)
    del valid, top2_sud, top3_sud, head_sud
    sums = np.zeros((n_strata, n_units, n_dims))
    ns = np.zeros((n_strata, n_units, n_dims))
    for h, mat in enumerate(stacked):
        tot = mat.sum(axis=0)
        sums[h] = tot[:flat].reshape(n_units, n_dims)
        ns[h] = tot[flat:].reshape(n_units, n_dims)

    w_strata = _weight_matrix(
        campaign.strata,
        method.stratum_weights,
        method.category_stratum_weights,
        campaign.units,
        "stratum",
    )
    w_dims = _weight_matrix(
        campaign.dimensions,
        method.dimension_weights,
        method.category_dimension_weights,
        campaign.units,
        "dimension",
    )
    q_score, dim_scores, stratum_scores = _scores(sums, ns, w_strata, w_dims)

    if method.combination is not None and assessment is not None:
        wq, wa = method.combination.normalised
        assess = np.array([float(assessment[u.id]) for u in campaign.units])

        def final_of(q: NDArray[np.float64]) -> NDArray[np.float64]:
            return q * wq + assess * wa
    else:
        assess = None

        def final_of(q: NDArray[np.float64]) -> NDArray[np.float64]:
            return q

    final = final_of(q_score)

    categories: list[str] = []
    for u in campaign.units:
        if u.category not in categories:
            categories.append(u.category)
    cat_members = {
        c: np.array([i for i, u in enumerate(campaign.units) if u.category == c])
        for c in categories
    }
    ranks = np.zeros(n_units, dtype=np.int64)
    for m in cat_members.values():
        ranks[m] = competition_ranks(final[m], method.rank_decimals)

    rank_lo = rank_hi = None
    if replicates > 0 and n_sheets > 0:
        counts = bootstrap_counts([len(m) for m in members], replicates, seed)
        b_sums = np.zeros((replicates, n_strata, n_units, n_dims))
        b_ns = np.zeros((replicates, n_strata, n_units, n_dims))
        for h, (c, mat) in enumerate(zip(counts, stacked, strict=True)):
            if mat.shape[0] == 0:
                continue
            prod = c @ mat  # (B, 2·U·D): how often each sheet was drawn × its answers
            b_sums[:, h] = prod[:, :flat].reshape(replicates, n_units, n_dims)
            b_ns[:, h] = prod[:, flat:].reshape(replicates, n_units, n_dims)
        b_final = final_of(_scores(b_sums, b_ns, w_strata, w_dims)[0])
        b_ranks = np.zeros((replicates, n_units), dtype=np.int64)
        for m in cat_members.values():
            b_ranks[:, m] = competition_ranks(b_final[:, m], method.rank_decimals)
        rank_lo, rank_hi = rank_interval(b_ranks, method.rank_quantiles)

    # 末位: see docs/scoring.md. A unique point-last unit whose whole bootstrap rank interval
    # lies below (numerically above) every other ranked unit's interval in the category.
    status = [LastPlace.NOT_LAST] * n_units
    summaries = []
    for cat, m in cat_members.items():
        scored = [i for i in m if not np.isnan(final[i])]
        for i in m:
            if np.isnan(final[i]):
                status[i] = LastPlace.UNRANKED
        if not scored:
            summaries.append(CategorySummary(cat, 0, None, None, None))
            continue
        worst = max(ranks[i] for i in scored)
        last = [i for i in scored if ranks[i] == worst]
        flagged = (
            len(last) == 1
            and len(scored) >= 2
            and rank_lo is not None
            and rank_hi is not None
            and all(rank_lo[last[0]] > rank_hi[j] for j in scored if j != last[0])
        )
        for i in last:
            status[i] = LastPlace.LAST if flagged else LastPlace.NOT_DISTINGUISHABLE
        summaries.append(
            CategorySummary(
                category=cat,
                units=len(scored),
                mean_score=float(np.mean([final[i] for i in scored])),
                last_unit=campaign.units[last[0]].id if flagged else None,
                status=LastPlace.LAST if flagged else LastPlace.NOT_DISTINGUISHABLE,
            )
        )

    results = []
    for i, u in enumerate(campaign.units):
        top2 = Rate.at(unit_top2, i)
        top3 = Rate.at(unit_top3, i)
        ranked = not np.isnan(final[i])
        results.append(
            UnitResult(
                unit=u.id,
                category=u.category,
                score=_opt(final[i]),
                questionnaire_score=_opt(q_score[i]),
                assessment_score=None if assess is None else float(assess[i]),
                dimension_scores=MappingProxyType(
                    {d: _opt(dim_scores[i, k]) for k, d in enumerate(campaign.dimensions)}
                ),
                stratum_scores=MappingProxyType(
                    {h: _opt(stratum_scores[k, i]) for k, h in enumerate(campaign.strata)}
                ),
                top_two=top2,
                top_three=top3,
                headline_rate=top2 if headline_top2 else top3,
                awareness=float(n_known[i] / n_answers[i]) if n_answers[i] else None,
                answers=int(n_answers[i]),
                valid_answers=int(n_valid[i]),
                sheets=int(sheets_per_unit[i]),
                rank=int(ranks[i]) if ranked else None,
                rank_low=int(rank_lo[i]) if ranked and rank_lo is not None else None,
                rank_high=int(rank_hi[i]) if ranked and rank_hi is not None else None,
                last_place=status[i],
            )
        )

    tot_valid, tot_answers = int(n_valid.sum()), int(n_answers.sum())
    top2 = Rate.at(total_top2, 0)
    top3 = Rate.at(total_top3, 0)
    return TallyResult(
        method=method.name,
        units=tuple(results),
        categories=tuple(summaries),
        sheets_total=len(campaign.sheet_ids),
        sheets_used=n_sheets,
        excluded=tuple(sid for sid in campaign.sheet_ids if sid in excluded),
        top_two=top2,
        top_three=top3,
        headline_rate=top2 if headline_top2 else top3,
        awareness=int(n_known.sum()) / tot_answers if tot_answers else None,
        answers=tot_answers,
        valid_answers=tot_valid,
        replicates=replicates if n_sheets else 0,
        seed=seed,
        dimension_rates=MappingProxyType(
            {d: Rate.at(by_dim, k) for k, d in enumerate(campaign.dimensions)}
        ),
        stratum_rates=MappingProxyType(
            {h: Rate.at(by_stratum, k) for k, h in enumerate(campaign.strata)}
        ),
        _by_id=MappingProxyType({r.unit: r for r in results}),
    )
