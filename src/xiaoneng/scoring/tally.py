"""The tally (计票/统计) of an evaluation campaign (民主评议/千人评议): scores, rates, ranks.

Input representation (scales to millions of answers):

- ``Campaign.answers``: numpy int8 array of shape (sheets, units, dimensions). Each entry is a
  code: ``k`` ≥ 0 means ``Campaign.labels[k]`` (e.g. "满意"), ``NOT_ASKED`` (-1) means the sheet
  did not ask about that unit/dimension (a stratum may evaluate only some units).
- ``Campaign.sheet_strata``: int array (sheets,), index into ``Campaign.strata``.
- ``Campaign.sheet_ids`` and optional ``Campaign.serials`` (paper serial numbers, 问卷编号).

Small campaigns can be built from records with ``Campaign.from_records``.

The method (docs/scoring.md gives the formulas): per unit u, dimension d and
stratum h the mean value of the valid answers; per (u, d) the strata-weighted mean over the
strata that gave a valid answer (weights renormalised); per unit the dimension-weighted mean over
the dimensions that have a score (renormalised); optionally combined with an external assessment.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
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
    _check_arguments(campaign, method, exclude, assessment, replicates)
    excluded = set(exclude)
    keep = np.array([sid not in excluded for sid in campaign.sheet_ids], dtype=bool)
    answers = campaign.answers[keep] if excluded else campaign.answers
    strata_of = campaign.sheet_strata[keep]
    n_sheets = answers.shape[0]
    members = [np.flatnonzero(strata_of == h) for h in range(len(campaign.strata))]

    lut = _lookups(campaign.labels, method, answers)
    idx = answers.astype(np.intp) + 1  # (S, U, D) answer codes + 1: indexes the lookups
    counts = _count_answers(idx, lut)
    stacked = _stratum_matrices(idx, lut, members)
    rates = _rates(idx, lut, strata_of, members, method)
    del idx

    w_strata, w_dims = _weights(campaign, method)
    final_of, assess = _combination(campaign, method, assessment)
    q_score, dim_scores, stratum_scores = _scores(
        *_stratum_sums(stacked, campaign), w_strata, w_dims
    )
    scores = _Scores(final_of(q_score), q_score, dim_scores, stratum_scores, assess)

    cat_members = _categories(campaign.units)
    ranks = _ranks_within(scores.final, cat_members, method.rank_decimals)
    rank_lo = rank_hi = None
    if replicates > 0 and n_sheets > 0:
        b_final = final_of(
            _scores(*_bootstrap_sums(stacked, campaign, replicates, seed), w_strata, w_dims)[0]
        )
        b_ranks = _ranks_within(b_final, cat_members, method.rank_decimals)
        rank_lo, rank_hi = rank_interval(b_ranks, method.rank_quantiles)
    status, summaries = _last_places(
        campaign.units, cat_members, scores.final, ranks, rank_lo, rank_hi
    )
    ranking = _Ranking(ranks, rank_lo, rank_hi, status)

    results = _unit_results(campaign, method, counts, rates, scores, ranking)
    headline_top2 = method.headline == HeadlineRate.TOP_TWO
    tot_valid, tot_answers = int(counts.valid.sum()), int(counts.answers.sum())
    top2 = Rate.at(rates.top_two, 0)
    top3 = Rate.at(rates.top_three, 0)
    return TallyResult(
        method=method.name,
        units=results,
        categories=tuple(summaries),
        sheets_total=len(campaign.sheet_ids),
        sheets_used=n_sheets,
        excluded=tuple(sid for sid in campaign.sheet_ids if sid in excluded),
        top_two=top2,
        top_three=top3,
        headline_rate=top2 if headline_top2 else top3,
        awareness=int(counts.known.sum()) / tot_answers if tot_answers else None,
        answers=tot_answers,
        valid_answers=tot_valid,
        replicates=replicates if n_sheets else 0,
        seed=seed,
        dimension_rates=MappingProxyType(
            {d: Rate.at(rates.by_dimension, k) for k, d in enumerate(campaign.dimensions)}
        ),
        stratum_rates=MappingProxyType(
            {h: Rate.at(rates.by_stratum, k) for k, h in enumerate(campaign.strata)}
        ),
        _by_id=MappingProxyType({r.unit: r for r in results}),
    )


# ---- the steps of the tally, in the order it takes them -----------------------------------------


def _check_arguments(
    campaign: Campaign,
    method: ScoringMethod,
    exclude: Collection[Hashable],
    assessment: Mapping[str, float] | None,
    replicates: int,
) -> None:
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


@dataclass(frozen=True)
class _Lookups:
    """What each answer code means under the method, indexed by code + 1 (0 = NOT_ASKED)."""

    value: NDArray[np.float64]  # the option's value (0 where it has none)
    valid: NDArray[np.bool_]  # scored: an option with a value
    asked: NDArray[np.bool_]  # any answer at all
    known: NDArray[np.bool_]  # asked and not an option without value (不了解): for 知晓率
    top_two: NDArray[np.bool_]
    top_three: NDArray[np.bool_]


def _lookups(labels: Sequence[str], method: ScoringMethod, answers: NDArray[np.int8]) -> _Lookups:
    """The method's meaning of each label; a label used in ``answers`` must be the method's."""
    n_labels = len(labels)
    used = np.bincount((answers.reshape(-1).astype(np.int16) + 1), minlength=n_labels + 1)
    options = {o.label: o for o in method.options}
    bad = [lab for k, lab in enumerate(labels) if used[k + 1] and lab not in options]
    if bad:
        raise ValueError(f"answers use labels the method does not know: {bad}")
    value = np.zeros(n_labels + 1)
    valid = np.zeros(n_labels + 1, dtype=bool)
    asked = np.ones(n_labels + 1, dtype=bool)
    asked[0] = False
    known = asked.copy()
    top_two = np.zeros(n_labels + 1, dtype=bool)
    top_three = np.zeros(n_labels + 1, dtype=bool)
    for k, lab in enumerate(labels):
        opt = options.get(lab)
        if opt is not None and opt.value is not None:
            value[k + 1] = opt.value
            valid[k + 1] = True
        if opt is not None and opt.value is None:
            known[k + 1] = False
        top_two[k + 1] = lab in method.top_two
        top_three[k + 1] = lab in method.top_three
    return _Lookups(value, valid, asked, known, top_two, top_three)


@dataclass(frozen=True)
class _Counts:
    """Per unit, over the kept sheets: answers given, scored, known, and sheets that scored it."""

    answers: NDArray[np.int64]
    valid: NDArray[np.int64]
    known: NDArray[np.int64]
    sheets: NDArray[np.int64]


def _count_answers(idx: NDArray[np.intp], lut: _Lookups) -> _Counts:
    valid = lut.valid[idx]  # (S, U, D)
    return _Counts(
        answers=lut.asked[idx].sum(axis=(0, 2)),
        valid=valid.sum(axis=2).astype(np.float64).sum(axis=0).astype(np.int64),
        known=lut.known[idx].sum(axis=(0, 2)),
        sheets=valid.any(axis=2).sum(axis=0),
    )


def _stratum_matrices(
    idx: NDArray[np.intp], lut: _Lookups, members: Sequence[NDArray[np.intp]]
) -> list[NDArray[np.float64]]:
    """Per stratum, one row per sheet: its values, then its valid flags, over (unit, dimension).
    The sums and every bootstrap replicate are made from these."""
    n_sheets, n_units, n_dims = idx.shape
    values = lut.value[idx].reshape(n_sheets, n_units * n_dims)
    validf = lut.valid[idx].reshape(n_sheets, n_units * n_dims).astype(np.float64)
    return [np.concatenate([values[m], validf[m]], axis=1) for m in members]


@dataclass(frozen=True)
class _Rates:
    """The rates with their intervals over whole sheets (``stats.rate_intervals``)."""

    unit_top_two: RateIntervals  # per unit
    unit_top_three: RateIntervals
    top_two: RateIntervals  # all units pooled
    top_three: RateIntervals
    by_dimension: RateIntervals  # the headline rate of all units
    by_stratum: RateIntervals


def _rates(
    idx: NDArray[np.intp],
    lut: _Lookups,
    strata_of: NDArray[np.intp],
    members: Sequence[NDArray[np.intp]],
    method: ScoringMethod,
) -> _Rates:
    # Per sheet and unit: valid, top-two and top-three answers (pooled over dimensions). The
    # rates are their sums; their intervals are computed over whole sheets.
    valid = lut.valid[idx]
    valid_su = valid.sum(axis=2).astype(np.float64)
    top2_sud = lut.top_two[idx]
    top3_sud = lut.top_three[idx]
    top2_su = top2_sud.sum(axis=2).astype(np.float64)
    top3_su = top3_sud.sum(axis=2).astype(np.float64)
    z = method.z
    headline_top2 = method.headline == HeadlineRate.TOP_TWO
    # The same over all units: in total, by dimension, by stratum (a sheet of another stratum
    # says nothing about a stratum: its row is 0 there).
    head_sud = top2_sud if headline_top2 else top3_sud
    total_valid = valid_su.sum(axis=1, keepdims=True)
    in_stratum = (strata_of[:, None] == np.arange(len(members))[None, :]).astype(np.float64)
    head_s = (top2_su if headline_top2 else top3_su).sum(axis=1, keepdims=True)
    return _Rates(
        unit_top_two=rate_intervals(top2_su, valid_su, members, z),
        unit_top_three=rate_intervals(top3_su, valid_su, members, z),
        top_two=rate_intervals(top2_su.sum(axis=1, keepdims=True), total_valid, members, z),
        top_three=rate_intervals(top3_su.sum(axis=1, keepdims=True), total_valid, members, z),
        by_dimension=rate_intervals(
            head_sud.sum(axis=1).astype(np.float64),
            valid.sum(axis=1).astype(np.float64),
            members,
            z,
        ),
        by_stratum=rate_intervals(head_s * in_stratum, total_valid * in_stratum, members, z),
    )


def _weights(
    campaign: Campaign, method: ScoringMethod
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(units × strata) and (units × dimensions) weights, a unit's category's where it has some."""
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
    return w_strata, w_dims


def _stratum_sums(
    stacked: Sequence[NDArray[np.float64]], campaign: Campaign
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sums of values and counts of valid answers, (strata × units × dimensions)."""
    n_units, n_dims = len(campaign.units), len(campaign.dimensions)
    flat = n_units * n_dims
    sums = np.zeros((len(stacked), n_units, n_dims))
    ns = np.zeros((len(stacked), n_units, n_dims))
    for h, mat in enumerate(stacked):
        tot = mat.sum(axis=0)
        sums[h] = tot[:flat].reshape(n_units, n_dims)
        ns[h] = tot[flat:].reshape(n_units, n_dims)
    return sums, ns


def _bootstrap_sums(
    stacked: Sequence[NDArray[np.float64]], campaign: Campaign, replicates: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The same sums in every replicate, the sheets of each stratum resampled (stats)."""
    n_units, n_dims = len(campaign.units), len(campaign.dimensions)
    flat = n_units * n_dims
    counts = bootstrap_counts([mat.shape[0] for mat in stacked], replicates, seed)
    b_sums = np.zeros((replicates, len(stacked), n_units, n_dims))
    b_ns = np.zeros((replicates, len(stacked), n_units, n_dims))
    for h, (c, mat) in enumerate(zip(counts, stacked, strict=True)):
        if mat.shape[0] == 0:
            continue
        prod = c @ mat  # (B, 2·U·D): how often each sheet was drawn × its answers
        b_sums[:, h] = prod[:, :flat].reshape(replicates, n_units, n_dims)
        b_ns[:, h] = prod[:, flat:].reshape(replicates, n_units, n_dims)
    return b_sums, b_ns


FinalScore = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def _combination(
    campaign: Campaign, method: ScoringMethod, assessment: Mapping[str, float] | None
) -> tuple[FinalScore, NDArray[np.float64] | None]:
    """How a questionnaire score becomes the final one, and the assessment scores if any."""
    if method.combination is None or assessment is None:
        return lambda q: q, None
    wq, wa = method.combination.normalised
    assess = np.array([float(assessment[u.id]) for u in campaign.units])
    return lambda q: q * wq + assess * wa, assess


def _categories(units: Sequence[UnitRef]) -> dict[str, NDArray[np.intp]]:
    """The units' positions per category, categories in order of first appearance."""
    categories: list[str] = []
    for u in units:
        if u.category not in categories:
            categories.append(u.category)
    return {c: np.array([i for i, u in enumerate(units) if u.category == c]) for c in categories}


def _ranks_within(
    final: NDArray[np.float64], cat_members: Mapping[str, NDArray[np.intp]], decimals: int
) -> NDArray[np.int64]:
    """Competition ranks within each category, along the last axis (units)."""
    ranks = np.zeros(final.shape, dtype=np.int64)
    for m in cat_members.values():
        ranks[..., m] = competition_ranks(final[..., m], decimals)
    return ranks


def _last_places(
    units: Sequence[UnitRef],
    cat_members: Mapping[str, NDArray[np.intp]],
    final: NDArray[np.float64],
    ranks: NDArray[np.int64],
    rank_lo: NDArray[np.int64] | None,
    rank_hi: NDArray[np.int64] | None,
) -> tuple[list[LastPlace], list[CategorySummary]]:
    """末位: see docs/scoring.md. A unique point-last unit whose whole bootstrap rank interval
    lies below (numerically above) every other ranked unit's interval in the category."""
    status = [LastPlace.NOT_LAST] * len(units)
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
                last_unit=units[last[0]].id if flagged else None,
                status=LastPlace.LAST if flagged else LastPlace.NOT_DISTINGUISHABLE,
            )
        )
    return status, summaries


@dataclass(frozen=True)
class _Scores:
    """Per unit: the final score, its questionnaire part, the dimension scores (U × D), the
    per-stratum scores (H × U) and the assessment scores if combined. NaN = no score."""

    final: NDArray[np.float64]
    questionnaire: NDArray[np.float64]
    dimensions: NDArray[np.float64]
    strata: NDArray[np.float64]
    assessment: NDArray[np.float64] | None


@dataclass(frozen=True)
class _Ranking:
    """Per unit: rank within its category, the bootstrap rank interval (None without
    replicates) and its 末位 status."""

    ranks: NDArray[np.int64]
    low: NDArray[np.int64] | None
    high: NDArray[np.int64] | None
    last_place: Sequence[LastPlace]


def _unit_results(
    campaign: Campaign,
    method: ScoringMethod,
    counts: _Counts,
    rates: _Rates,
    scores: _Scores,
    ranking: _Ranking,
) -> tuple[UnitResult, ...]:
    headline_top2 = method.headline == HeadlineRate.TOP_TWO
    results = []
    for i, u in enumerate(campaign.units):
        top2 = Rate.at(rates.unit_top_two, i)
        top3 = Rate.at(rates.unit_top_three, i)
        ranked = not np.isnan(scores.final[i])
        results.append(
            UnitResult(
                unit=u.id,
                category=u.category,
                score=_opt(scores.final[i]),
                questionnaire_score=_opt(scores.questionnaire[i]),
                assessment_score=None if scores.assessment is None else float(scores.assessment[i]),
                dimension_scores=MappingProxyType(
                    {d: _opt(scores.dimensions[i, k]) for k, d in enumerate(campaign.dimensions)}
                ),
                stratum_scores=MappingProxyType(
                    {h: _opt(scores.strata[k, i]) for k, h in enumerate(campaign.strata)}
                ),
                top_two=top2,
                top_three=top3,
                headline_rate=top2 if headline_top2 else top3,
                awareness=float(counts.known[i] / counts.answers[i]) if counts.answers[i] else None,
                answers=int(counts.answers[i]),
                valid_answers=int(counts.valid[i]),
                sheets=int(counts.sheets[i]),
                rank=int(ranking.ranks[i]) if ranked else None,
                rank_low=int(ranking.low[i]) if ranked and ranking.low is not None else None,
                rank_high=int(ranking.high[i]) if ranked and ranking.high is not None else None,
                last_place=ranking.last_place[i],
            )
        )
    return tuple(results)
