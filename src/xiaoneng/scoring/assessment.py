"""The arithmetic of performance assessment (绩效考评): a pure core, standard library only.

One call, :func:`assess`, turns a category's units — each with its raw component values, its
bonus and deduction counts, its veto items and its monthly 末位 record — and a :class:`Scheme`
into scorecards: component scores on 0–100, the weighted base, the adjustments, rank bonuses,
the final score with an interval, the shared rank, the grade, 末位 and the pay coefficient.
The method, with a worked example, is in docs/assessment.md; ``tools/redo_assessment.py``
repeats it from the published workbook alone.

The steps, in order:

1. **normalise** each component: ``score = clamp(100 · (x − zero_at) / (full_at − zero_at))``
   (a rate scored from ``zero_at`` = 0 points to ``full_at`` = 100 points; ``full_at`` below
   ``zero_at`` for “lower is better”, e.g. complaints per 10,000 cases);
2. **base** = Σ wᵢ·scoreᵢ / Σ wᵢ over the components the unit has data for (weights renormalised
   over those, as the evaluation renormalises over strata that answered);
3. **adjustments**: each bonus/deduction item is ``points × count`` limited to its cap, the
   bonuses together to ``bonus_cap`` and the deductions to ``deduction_cap``; the consecutive-
   末位 deduction (``d`` for a month at 末位, doubled for each further month in a row) with its
   cap;
4. **rank bonus**: the shared rank of base + adjustments within the category (1, 2, 2, 4) gives
   ``rank_bonus_top[rank − 1]``; the shared rank from the bottom gives
   ``−rank_deduction_bottom[rank_from_bottom − 1]``; since both follow the order, the final
   order is the same and ties stay tied;
5. **grade** by thresholds, or 优秀 by a quota (a tied group gets 优秀 only if all of it fits),
   then capped by any veto item (一票否决);
6. **末位**: the bottom ``last_count`` by rank, flagged only where the unit's interval lies
   wholly below every other unit's interval (else “不可区分”);
7. **pay coefficient** by grade, less ``last_pay_deduction`` for a flagged 末位 unit.

Intervals: a component that is a proportion ``k/n`` of records has a Wilson 95 % interval on
the proportion, mapped through the normalisation (monotone, so the ends map to the ends); a
component without such counts is exact. The composite interval adds the ends with the weights
(conservative: all components at their worst at once).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

#: Grades from best to worst (优秀/良好/一般/较差).
GRADES: tuple[str, ...] = ("优秀", "良好", "一般", "较差")
DECIMALS = 2


class LastStatus(StrEnum):
    NOT_LAST = "not_last"
    LAST = "last"  # 末位: in the bottom group and distinguishable from every other unit
    NOT_DISTINGUISHABLE = "not_distinguishable"  # in the bottom group by points only


@dataclass(frozen=True)
class Component:
    """One indicator of a scheme: its key (the data source), weight and normalisation."""

    key: str
    label: str
    weight: float
    zero_at: float
    full_at: float

    def normalise(self, x: float) -> float:
        return normalise(x, self.zero_at, self.full_at)


@dataclass(frozen=True)
class Adjustment:
    """A bonus (points > 0) or deduction (points < 0) item with its cap (a positive number of
    points the item may add or take at most; None: no cap)."""

    key: str
    label: str
    points: float
    cap: float | None = None

    def amount(self, count: int) -> float:
        raw = self.points * count
        if self.cap is None:
            return raw
        return max(-self.cap, min(self.cap, raw))


@dataclass(frozen=True)
class Veto:
    """一票否决: an item that, when it applies, caps the grade at ``cap_grade``."""

    key: str
    label: str
    cap_grade: str


@dataclass(frozen=True)
class Scheme:
    components: tuple[Component, ...]
    adjustments: tuple[Adjustment, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    bonus_cap: float | None = None
    deduction_cap: float | None = None
    #: Lower bounds of 优秀, 良好, 一般 (below the last: 较差).
    thresholds: tuple[float, float, float] = (90.0, 80.0, 60.0)
    #: 优秀 by quota: at most this share of the category (None: by threshold only).
    excellent_quota: float | None = None
    rank_bonus_top: tuple[float, ...] = ()
    rank_deduction_bottom: tuple[float, ...] = ()
    consecutive_last_points: float = 0.0
    consecutive_last_cap: float | None = None
    last_count: int = 1
    last_pay_deduction: float = 0.0
    pay_coefficients: tuple[float, float, float, float] = (1.2, 1.0, 0.9, 0.8)
    #: A component resting on fewer records than this is flagged “样本少”.
    min_records: int = 30


@dataclass(frozen=True)
class Figure:
    """A unit's raw value for one component: ``value`` (None: no data), and for a proportion,
    ``count`` of ``n`` records (the interval rests on them); ``n`` None: not a proportion."""

    value: float | None
    count: int | None = None
    n: int | None = None
    #: Proportions per ``scale`` records (100: a percentage, 10000: per 10,000 cases).
    scale: float = 100.0


@dataclass(frozen=True)
class UnitInput:
    unit: str
    figures: Mapping[str, Figure]
    counts: Mapping[str, int] = field(default_factory=dict)  # adjustment key → occurrences
    vetoes: frozenset[str] = frozenset()
    #: Monthly 末位 in the period, in order (True: the unit was 末位 that month).
    monthly_last: tuple[bool, ...] = ()


@dataclass(frozen=True)
class ComponentScore:
    key: str
    value: float | None
    score: float | None
    low: float | None
    high: float | None
    n: int | None
    few_records: bool


@dataclass(frozen=True)
class UnitScore:
    unit: str
    components: tuple[ComponentScore, ...]
    base: float | None
    adjustments: tuple[tuple[str, float], ...]
    consecutive_last: float
    rank_bonus: float
    score: float | None
    low: float | None
    high: float | None
    rank: int | None
    grade: str | None
    veto: tuple[str, ...]
    last: LastStatus
    coefficient: float | None


# ---- the parts -----------------------------------------------------------------------------------


def normalise(x: float, zero_at: float, full_at: float) -> float:
    """0–100 points, linear from ``zero_at`` (0) to ``full_at`` (100), clamped."""
    if full_at == zero_at:
        raise ValueError("zero_at and full_at must differ")
    return max(0.0, min(100.0, 100.0 * (x - zero_at) / (full_at - zero_at)))


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of k/n (n > 0), as proportions."""
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Shared ranks, best (highest) first, the next rank skipped after a tie: 1, 2, 2, 4."""
    keys = [round(s, DECIMALS) for s in scores]
    return [1 + sum(1 for other in keys if other > mine) for mine in keys]


def consecutive_last_deduction(months: Sequence[bool], points: float, cap: float | None) -> float:
    """``points`` for a month at 末位, doubled for each further month in a row (d, 2d, 4d…)."""
    total, streak = 0.0, 0
    for last in months:
        streak = streak + 1 if last else 0
        if last:
            total += points * 2 ** (streak - 1)
    return total if cap is None else min(total, cap)


def check_scheme(scheme: Scheme) -> list[str]:
    """What is wrong with a scheme, in Chinese (empty: nothing)."""
    problems = []
    if not scheme.components:
        problems.append("方案至少需要一个考评指标")
    if any(c.weight <= 0 for c in scheme.components):
        problems.append("指标权重应大于0")
    if any(c.zero_at == c.full_at for c in scheme.components):
        problems.append("指标的零分值与满分值不能相同")
    if len({c.key for c in scheme.components}) != len(scheme.components):
        problems.append("同一数据来源不能作为两个指标")
    a, b, c = scheme.thresholds
    if not 100 >= a >= b >= c >= 0:
        problems.append("等次分数线应为 100 ≥ 优秀 ≥ 良好 ≥ 一般 ≥ 0")
    if scheme.excellent_quota is not None and not 0 < scheme.excellent_quota <= 1:
        problems.append("优秀比例应在0～100%之间")
    if any(v.cap_grade not in GRADES for v in scheme.vetoes):
        problems.append("一票否决项须指定封顶等次")
    if any(x < 0 for x in (*scheme.rank_bonus_top, *scheme.rank_deduction_bottom)):
        problems.append("名次加减分应填正数")
    if scheme.last_count < 0 or not 0 <= scheme.last_pay_deduction < 1:
        problems.append("末位单位数应不小于0，末位扣减比例应在0～100%之间")
    return problems


def _component(c: Component, figure: Figure | None, min_records: int) -> ComponentScore:
    if figure is None or figure.value is None:
        n = figure.n if figure is not None else None
        return ComponentScore(c.key, None, None, None, None, n, False)
    score = c.normalise(figure.value)
    low = high = score
    if figure.n and figure.count is not None:
        p_low, p_high = wilson(figure.count, figure.n)
        ends = (c.normalise(p_low * figure.scale), c.normalise(p_high * figure.scale))
        low, high = min(ends), max(ends)
    few = figure.n is not None and figure.n < min_records
    return ComponentScore(c.key, figure.value, score, low, high, figure.n, few)


def _weighted(scheme: Scheme, parts: Sequence[ComponentScore], attr: str) -> float | None:
    pairs = [
        (c.weight, getattr(p, attr))
        for c, p in zip(scheme.components, parts, strict=True)
        if getattr(p, attr) is not None
    ]
    total = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / total if total else None


def _adjust(scheme: Scheme, unit: UnitInput) -> tuple[tuple[tuple[str, float], ...], float]:
    items = tuple((a.key, a.amount(unit.counts.get(a.key, 0))) for a in scheme.adjustments)
    bonus = sum(x for _, x in items if x > 0)
    deduction = -sum(x for _, x in items if x < 0)
    if scheme.bonus_cap is not None:
        bonus = min(bonus, scheme.bonus_cap)
    if scheme.deduction_cap is not None:
        deduction = min(deduction, scheme.deduction_cap)
    return items, bonus - deduction


def grade_of(score: float, thresholds: tuple[float, float, float]) -> str:
    for grade, floor in zip(GRADES, thresholds, strict=False):
        if score >= floor - 1e-9:
            return grade
    return GRADES[-1]


def cap_grade(grade: str, cap: str) -> str:
    """The worse of the two."""
    return GRADES[max(GRADES.index(grade), GRADES.index(cap))]


def _grades(scheme: Scheme, scores: Sequence[float], ranks: Sequence[int]) -> list[str]:
    grades = [grade_of(s, scheme.thresholds) for s in scores]
    if scheme.excellent_quota is None:
        return grades
    places = math.floor(scheme.excellent_quota * len(scores) + 1e-9)
    for i, rank in enumerate(ranks):
        tied = sum(1 for r in ranks if r == rank)
        if grades[i] == GRADES[0] and rank + tied - 1 > places:
            grades[i] = GRADES[1]  # over the quota: the next grade (a quota never raises one)
    return grades


def _last(
    scheme: Scheme, ranks: Sequence[int], lows: Sequence[float], highs: Sequence[float]
) -> list[LastStatus]:
    size = len(ranks)
    status = [LastStatus.NOT_LAST] * size
    if scheme.last_count <= 0 or size < 2:
        return status
    from_bottom = competition_ranks([float(r) for r in ranks])  # the worst rank first
    bottom = [i for i in range(size) if from_bottom[i] <= scheme.last_count]
    above = [j for j in range(size) if from_bottom[j] > scheme.last_count]
    for i in bottom:
        clear = bool(above) and all(highs[i] < lows[j] for j in above)
        status[i] = LastStatus.LAST if clear else LastStatus.NOT_DISTINGUISHABLE
    return status


# ---- the whole -----------------------------------------------------------------------------------


def assess(scheme: Scheme, units: Sequence[UnitInput]) -> list[UnitScore]:
    """Score one category's units under ``scheme`` (in the order given).

    A unit with no data for any component has no score, rank or grade (“无数据”)."""
    problems = check_scheme(scheme)
    if problems:
        raise ValueError("；".join(problems))
    parts = [
        tuple(_component(c, u.figures.get(c.key), scheme.min_records) for c in scheme.components)
        for u in units
    ]
    bases = [_weighted(scheme, p, "score") for p in parts]
    lows = [_weighted(scheme, p, "low") for p in parts]
    highs = [_weighted(scheme, p, "high") for p in parts]
    adjusted = [_adjust(scheme, u) for u in units]
    streaks = [
        consecutive_last_deduction(
            u.monthly_last, scheme.consecutive_last_points, scheme.consecutive_last_cap
        )
        for u in units
    ]
    scored = [i for i, b in enumerate(bases) if b is not None]
    pre = {i: bases[i] + adjusted[i][1] - streaks[i] for i in scored}  # type: ignore[operator]
    pre_ranks = dict(zip(scored, competition_ranks([pre[i] for i in scored]), strict=True))
    bottom = dict(zip(scored, competition_ranks([-pre[i] for i in scored]), strict=True))
    bonus = {
        i: _at(scheme.rank_bonus_top, pre_ranks[i]) - _at(scheme.rank_deduction_bottom, bottom[i])
        for i in scored
    }
    final = {i: round(pre[i] + bonus[i], DECIMALS) for i in scored}
    shift = {i: final[i] - bases[i] for i in scored}  # type: ignore[operator]
    ranks = dict(zip(scored, competition_ranks([final[i] for i in scored]), strict=True))
    order = [ranks[i] for i in scored]
    grades = dict(zip(scored, _grades(scheme, [final[i] for i in scored], order), strict=True))
    ends = [
        (lows[i] + shift[i], highs[i] + shift[i])  # type: ignore[operator]
        for i in scored
    ]
    last = dict(
        zip(scored, _last(scheme, order, [e[0] for e in ends], [e[1] for e in ends]), strict=True)
    )
    caps = {v.key: v for v in scheme.vetoes}
    results = []
    for i, u in enumerate(units):
        vetoes = tuple(sorted(k for k in u.vetoes if k in caps))
        if i not in final:
            results.append(
                UnitScore(
                    unit=u.unit,
                    components=parts[i],
                    base=None,
                    adjustments=adjusted[i][0],
                    consecutive_last=streaks[i],
                    rank_bonus=0.0,
                    score=None,
                    low=None,
                    high=None,
                    rank=None,
                    grade=None,
                    veto=vetoes,
                    last=LastStatus.NOT_LAST,
                    coefficient=None,
                )
            )
            continue
        grade = grades[i]
        for key in vetoes:
            grade = cap_grade(grade, caps[key].cap_grade)
        coefficient = scheme.pay_coefficients[GRADES.index(grade)]
        if last[i] is LastStatus.LAST:
            coefficient *= 1 - scheme.last_pay_deduction
        results.append(
            UnitScore(
                unit=u.unit,
                components=parts[i],
                base=round(bases[i], DECIMALS),  # type: ignore[arg-type]
                adjustments=adjusted[i][0],
                consecutive_last=streaks[i],
                rank_bonus=bonus[i],
                score=final[i],
                low=round(lows[i] + shift[i], DECIMALS),  # type: ignore[operator]
                high=round(highs[i] + shift[i], DECIMALS),  # type: ignore[operator]
                rank=ranks[i],
                grade=grade,
                veto=vetoes,
                last=last[i],
                coefficient=round(coefficient, 4),
            )
        )
    return results


def _at(table: Sequence[float], rank: int) -> float:
    return float(table[rank - 1]) if 1 <= rank <= len(table) else 0.0
