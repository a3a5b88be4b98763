"""小数抑制 (small-count suppression): which rows of a published table hide their counts.

A pure core (no Django). A row whose population — the complaints about a unit, the ratings of a
unit in a month — is between 1 and ``threshold - 1`` could point at a person: the one
complainant, the one applicant who rated, the one member of staff at a small window. Such a row
is *primarily* suppressed: its counts are not published. When exactly one row of a table is
suppressed, the table's total (published elsewhere) minus the other rows would give its count
back, so a second row — the smallest other row with a population — is suppressed with it
(*complementary* suppression). Rows with a population of 0 are never suppressed: there is no
one to identify.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Populations below this (and above 0) are suppressed.
THRESHOLD = 5


def suppressed(populations: Sequence[int], threshold: int = THRESHOLD) -> frozenset[int]:
    """The indices of the rows to suppress, given each row's population.

    Every row with ``0 < population < threshold`` is in it; if that makes exactly one row and
    another row has a population, the smallest such other row (the first of equals) joins it,
    so that no suppressed count can be recovered by subtracting the others from a total.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    if any(n < 0 for n in populations):
        raise ValueError("a population cannot be negative")
    primary = {i for i, n in enumerate(populations) if 0 < n < threshold}
    if len(primary) == 1:
        others = [(n, i) for i, n in enumerate(populations) if n > 0 and i not in primary]
        if others:
            primary.add(min(others)[1])
    return frozenset(primary)
