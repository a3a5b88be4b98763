"""Scoring of evaluation campaigns (民主评议/千人评议计分): scores, 满意率, 知晓率, ranks, 末位.

A pure core: it imports no Django, only the standard library and numpy. See docs/scoring.md for
the method, the presets, the intervals, the bootstrap rank intervals and the careless-response
rules. ``redo_tally.py`` (also ``tools/redo_tally.py``) repeats all of it for the public, from the
published workbook alone.
"""

from pathlib import Path

from .method import (
    DEFAULT,
    DEFAULT_DIMENSIONS,
    DEFAULT_OPTIONS,
    GROUP_WEIGHTED,
    HANGZHOU,
    PRESETS,
    QUESTIONNAIRE_70_ASSESSMENT_30,
    SHANDONG_2008,
    AnswerOption,
    Combination,
    HeadlineRate,
    ScoringMethod,
)
from .quality import CarelessFlag, FlagKind, QualityReport, check_quality, exclusions
from .stats import competition_ranks, rate_intervals, wilson_bounds, wilson_interval
from .tally import (
    NOT_ASKED,
    Campaign,
    CategorySummary,
    LastPlace,
    Rate,
    Sheet,
    TallyResult,
    UnitRef,
    UnitResult,
    tally,
)

#: The standalone re-check of a published tally, served on the public site and linked from
#: tools/redo_tally.py.
SCRIPT_PATH = Path(__file__).with_name("redo_tally.py")

__all__ = [
    "DEFAULT",
    "DEFAULT_DIMENSIONS",
    "DEFAULT_OPTIONS",
    "GROUP_WEIGHTED",
    "HANGZHOU",
    "NOT_ASKED",
    "PRESETS",
    "QUESTIONNAIRE_70_ASSESSMENT_30",
    "SCRIPT_PATH",
    "SHANDONG_2008",
    "AnswerOption",
    "Campaign",
    "CarelessFlag",
    "CategorySummary",
    "Combination",
    "FlagKind",
    "HeadlineRate",
    "LastPlace",
    "QualityReport",
    "Rate",
    "ScoringMethod",
    "Sheet",
    "TallyResult",
    "UnitRef",
    "UnitResult",
    "check_quality",
    "competition_ranks",
    "exclusions",
    "rate_intervals",
    "tally",
    "wilson_bounds",
    "wilson_interval",
]
