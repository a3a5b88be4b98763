"""The evaluator draw (评议人抽取): the published roster, quotas, the public seed and the
RFC 3797-style hash ordering that anyone can redo with ``tools/redo_draw.py``.

A pure-Python core: it imports no Django and nothing outside the standard library.
See docs/draw.md for the procedure, the file formats and the exact formulas.
"""

from pathlib import Path

from .roster import (
    HEADER,
    Roster,
    RosterError,
    RosterRow,
    canonical_roster,
    normalise_stratum,
    parse_roster,
    roster_hash,
)
from .select import (
    DrawResult,
    QuotaError,
    SeedError,
    canonical_quotas,
    canonical_seed,
    check_quotas,
    draw,
    draw_key,
    draw_roster,
    format_result,
    parse_quotas_json,
    result_json,
)

#: The standalone re-check script (standard library only), served on the public results pages
#: and linked from tools/redo_draw.py.
SCRIPT_PATH = Path(__file__).with_name("redo_draw.py")

__all__ = [
    "HEADER",
    "SCRIPT_PATH",
    "DrawResult",
    "QuotaError",
    "Roster",
    "RosterError",
    "RosterRow",
    "SeedError",
    "canonical_quotas",
    "canonical_roster",
    "canonical_seed",
    "check_quotas",
    "draw",
    "draw_key",
    "draw_roster",
    "format_result",
    "normalise_stratum",
    "parse_quotas_json",
    "parse_roster",
    "result_json",
    "roster_hash",
]
