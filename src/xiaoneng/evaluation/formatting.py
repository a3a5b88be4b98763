"""How rates and their intervals are printed, the same on the pages, in Word and in Excel.

An interval can be narrower than a tenth of a percentage point (a campaign's, counting its
answers as independent, was): printed with one decimal it would read "98.7%—98.7%", as if there
were no uncertainty at all. ``interval_digits`` picks the fewest decimals (one at least) at which
the two bounds print differently; the rate itself is printed with the same decimals so that the
three figures line up. Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: One decimal is what the results have always shown; four is the most a reader needs (an
#: interval that still prints equal at 0.0001 % is equal for every practical purpose).
DEFAULT_DIGITS = 1
MAX_DIGITS = 4
DASH = "—"


def percent(value: float | None, digits: int = DEFAULT_DIGITS) -> str:
    """0.9534 → "95.3%"; None → "—"."""
    if value is None:
        return DASH
    return f"{float(value) * 100:.{digits}f}%"


def interval_digits(
    low: float | None, high: float | None, digits: int = DEFAULT_DIGITS, most: int = MAX_DIGITS
) -> int:
    """The decimals at which ``low`` and ``high`` (fractions) print as different percentages;
    ``digits`` when they already do, are missing, or are truly equal."""
    if low is None or high is None or low == high:
        return digits
    while digits < most and percent(low, digits) == percent(high, digits):
        digits += 1
    return digits


@dataclass(frozen=True)
class RateText:
    """A rate and its interval, printed with decimals enough to tell the bounds apart."""

    value: str
    low: str
    high: str
    digits: int

    @property
    def interval(self) -> str:
        """ "98.66%—98.74%" (empty when there is no interval)."""
        if self.low == DASH and self.high == DASH:
            return ""
        return f"{self.low}{DASH}{self.high}"


def rate_text(rate: Mapping | None, digits: int = DEFAULT_DIGITS) -> RateText:
    """A stored rate (``{"value", "low", "high", ...}``, fractions) as text."""
    rate = rate or {}
    low, high = rate.get("low"), rate.get("high")
    d = interval_digits(low, high, digits)
    return RateText(percent(rate.get("value"), d), percent(low, d), percent(high, d), d)


def excel_percent_format(digits: int) -> str:
    """The Excel number format showing ``digits`` decimals of a percentage ("0.00%")."""
    return "0%" if digits <= 0 else "0." + "0" * digits + "%"
