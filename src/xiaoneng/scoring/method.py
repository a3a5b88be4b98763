"""The scoring method (计分办法) of an evaluation campaign and the shipped presets.

A method says what each answer is worth, which answers count as satisfied for the published
satisfaction rates (满意率), and how strata (评议层面/群体), dimensions (评议内容) and an external
work assessment (工作考核) are weighted. Everything has a default (docs/scoring.md); the presets
record practice that differs (Shandong 2008, Hangzhou, weighted evaluator groups, 70/30).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

__all__ = [
    "DEFAULT",
    "DEFAULT_DIMENSIONS",
    "DEFAULT_OPTIONS",
    "GROUP_WEIGHTED",
    "HANGZHOU",
    "PRESETS",
    "QUESTIONNAIRE_70_ASSESSMENT_30",
    "SHANDONG_2008",
    "AnswerOption",
    "Combination",
    "HeadlineRate",
    "ScoringMethod",
]

# The six evaluation dimensions of seed 004, in its order.
DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "科学发展",
    "服务意识",
    "行政效能",
    "依法行政",
    "勤政廉洁",
    "自身建设",
)


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One answer option (选项) and its value.

    ``value`` None means the answer is excluded from the score and rate denominators (不了解,
    "don't know"); such answers still count in the 知晓率 (awareness) denominator.
    """

    label: str
    value: float | None

    def __post_init__(self) -> None:
        if self.value is not None and not (math.isfinite(self.value) and 0 <= self.value <= 100):
            raise ValueError(f"option {self.label!r}: value must be in [0, 100] or None")


class HeadlineRate(StrEnum):
    """Which satisfaction rate is the headline (公布的满意率)."""

    TOP_TWO = "top_two"
    TOP_THREE = "top_three"


@dataclass(frozen=True, slots=True)
class Combination:
    """Combination of the questionnaire score with an external work-assessment score (综合得分).

    final = questionnaire × ``questionnaire`` + assessment × ``assessment``, after dividing both
    weights by their sum (so 70/30 and 0.7/0.3 mean the same).
    """

    questionnaire: float = 0.7
    assessment: float = 0.3

    def __post_init__(self) -> None:
        for w in (self.questionnaire, self.assessment):
            if not (math.isfinite(w) and w >= 0):
                raise ValueError("combination weights must be finite and ≥ 0")
        if self.questionnaire + self.assessment <= 0:
            raise ValueError("combination weights must not both be 0")

    @property
    def normalised(self) -> tuple[float, float]:
        total = self.questionnaire + self.assessment
        return self.questionnaire / total, self.assessment / total


DEFAULT_OPTIONS: tuple[AnswerOption, ...] = (
    AnswerOption("满意", 100.0),
    AnswerOption("比较满意", 80.0),
    AnswerOption("基本满意", 60.0),
    AnswerOption("不满意", 0.0),
    AnswerOption("不了解", None),
)


def _check_weights(name: str, weights: Mapping[str, float] | None) -> None:
    if weights is None:
        return
    for key, w in weights.items():
        if not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
            raise ValueError(f"{name}[{key!r}] must be a finite number ≥ 0, got {w!r}")


@dataclass(frozen=True)
class ScoringMethod:
    """How a campaign is scored. All weights are relative: they are divided by their sum.

    - ``options``: the answer scale; the campaign's answer labels must all appear here.
    - ``top_two`` / ``top_three``: labels counted as satisfied for the two published rates
      (满意率); ``headline`` says which one is the published 满意率.
    - ``stratum_weights``: weight per stratum (层面权重); None = all strata equal. A stratum that
      did not answer a unit/dimension is left out and the others are renormalised. A stratum
      missing from the mapping is an error (a silent weight 0 would hide a typo).
    - ``dimension_weights``: weight per dimension (评议内容权重); None = equal. Renormalised over
      the dimensions that have a score for the unit.
    - ``category_stratum_weights`` / ``category_dimension_weights``: per unit category (单位类别),
      replace the two mappings above for the units of that category.
    - ``combination``: optional combination with an external assessment score (e.g. 70/30).
    - ``z``: normal quantile of the Wilson intervals (1.96 = 95%).
    - ``rank_decimals``: scores are compared for ranking after rounding to this many decimals,
      so that scores equal as published share a rank.
    - ``rank_quantiles``: the bootstrap percentiles of each unit's rank (2.5/97.5).
    """

    name: str = "default"
    options: tuple[AnswerOption, ...] = DEFAULT_OPTIONS
    top_two: frozenset[str] = frozenset({"满意", "比较满意"})
    top_three: frozenset[str] = frozenset({"满意", "比较满意", "基本满意"})
    headline: HeadlineRate = HeadlineRate.TOP_TWO
    stratum_weights: Mapping[str, float] | None = None
    dimension_weights: Mapping[str, float] | None = None
    category_stratum_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    category_dimension_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    combination: Combination | None = None
    z: float = 1.96
    rank_decimals: int = 6
    rank_quantiles: tuple[float, float] = (0.025, 0.975)

    def __post_init__(self) -> None:
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError("option labels must be unique")
        scored = {o.label for o in self.options if o.value is not None}
        for name, rate in (("top_two", self.top_two), ("top_three", self.top_three)):
            if not rate <= scored:
                raise ValueError(f"{name} must name scored options only: {sorted(rate - scored)}")
        _check_weights("stratum_weights", self.stratum_weights)
        _check_weights("dimension_weights", self.dimension_weights)
        for cat, ws in self.category_stratum_weights.items():
            _check_weights(f"category_stratum_weights[{cat!r}]", ws)
        for cat, ws in self.category_dimension_weights.items():
            _check_weights(f"category_dimension_weights[{cat!r}]", ws)
        if not (self.z > 0 and math.isfinite(self.z)):
            raise ValueError("z must be > 0")
        lo, hi = self.rank_quantiles
        if not 0 <= lo <= hi <= 1:
            raise ValueError("rank_quantiles must satisfy 0 ≤ low ≤ high ≤ 1")

    def option(self, label: str) -> AnswerOption:
        for o in self.options:
            if o.label == label:
                return o
        raise KeyError(label)

    def with_stratum_weights(self, weights: Mapping[str, float], name: str = "") -> ScoringMethod:
        """A copy with other stratum (evaluator group) weights."""
        return replace(self, stratum_weights=dict(weights), name=name or self.name)


DEFAULT = ScoringMethod()

# 山东 2008: 满意/基本满意/不满意 scored 100%/75%/55%, 不了解 not scored. The scale has no
# 比较满意, so top-two and top-three are both 满意+基本满意 (the published 满意率).
SHANDONG_2008 = ScoringMethod(
    name="shandong_2008",
    options=(
        AnswerOption("满意", 100.0),
        AnswerOption("基本满意", 75.0),
        AnswerOption("不满意", 55.0),
        AnswerOption("不了解", None),
    ),
    top_two=frozenset({"满意", "基本满意"}),
    top_three=frozenset({"满意", "基本满意"}),
)

# 杭州: the published 总体满意率 is 满意+比较满意+基本满意 (top three); scores as the default.
HANGZHOU = ScoringMethod(name="hangzhou", headline=HeadlineRate.TOP_THREE)

# Evaluator groups weighted: 服务对象 50%, 监督员 25%, 社会各界 25% (the strata of the campaign
# must be exactly these groups, or use DEFAULT.with_stratum_weights(...) with one's own).
GROUP_WEIGHTED = ScoringMethod(
    name="group_weighted",
    stratum_weights={"服务对象": 50.0, "监督员": 25.0, "社会各界": 25.0},
)

# Questionnaire 70% combined with the work assessment 30%.
QUESTIONNAIRE_70_ASSESSMENT_30 = ScoringMethod(
    name="questionnaire_70_assessment_30", combination=Combination(70.0, 30.0)
)

PRESETS: Mapping[str, ScoringMethod] = {
    m.name: m
    for m in (DEFAULT, SHANDONG_2008, HANGZHOU, GROUP_WEIGHTED, QUESTIONNAIRE_70_ASSESSMENT_30)
}
