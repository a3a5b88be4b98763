"""Careless-response flags (无效问卷/敷衍作答筛查) for review before the tally is final, and the
rules that turn them into exclusions.

Flags are suggestions for a person to review; nothing is excluded automatically. What the
reviewer decides is which *rules* to adopt, never which sheets: an adopted rule excludes every
sheet it flags, whatever option was straight-lined (``exclusions``), so that the same pattern
is never kept on one sheet and excluded on another, and anyone can check the exclusions from the
published sheets. The ids to leave out are then passed to ``tally(..., exclude=...)``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .tally import NOT_ASKED, Campaign

__all__ = ["CarelessFlag", "FlagKind", "QualityReport", "check_quality", "exclusions"]


class FlagKind(StrEnum):
    """The careless-response rules, in the order ``exclusions`` applies them."""

    STRAIGHT_LINING = "straight_lining"  # 一律勾选同一选项
    DUPLICATE_SERIAL = "duplicate_serial"  # 问卷编号重复
    IDENTICAL_ANSWERS = "identical_answers"  # 答卷完全相同


@dataclass(frozen=True, slots=True)
class CarelessFlag:
    """One finding: the sheets concerned and a short detail (the label, the serial…)."""

    kind: FlagKind
    sheet_ids: tuple[Hashable, ...]
    detail: str


@dataclass(frozen=True, slots=True)
class QualityReport:
    flags: tuple[CarelessFlag, ...]

    @property
    def flagged_sheets(self) -> frozenset[Hashable]:
        return frozenset(s for f in self.flags for s in f.sheet_ids)

    def of_kind(self, kind: FlagKind) -> tuple[CarelessFlag, ...]:
        return tuple(f for f in self.flags if f.kind == kind)


def check_quality(
    campaign: Campaign, *, min_items: int = 10, straight_lining: bool = True
) -> QualityReport:
    """Flag careless or suspicious sheets.

    - straight-lining: a sheet that answered at least ``min_items`` items, all with the same
      option (one flag per sheet; the detail is the label).
    - duplicate serials: the same paper serial on two or more sheets (one flag per serial).
    - identical answers: two or more sheets whose whole answer arrays are equal, each with at
      least ``min_items`` answered items (one flag per group). Short sheets are left out because
      identical short answers happen by chance.
    """
    if min_items < 1:
        raise ValueError("min_items must be ≥ 1")
    # An explicit width: with no sheets numpy cannot infer -1 from a size of 0.
    a = campaign.answers.reshape(
        len(campaign.sheet_ids), len(campaign.units) * len(campaign.dimensions)
    )
    ids = campaign.sheet_ids
    flags: list[CarelessFlag] = []
    asked = a != NOT_ASKED
    n_asked = asked.sum(axis=1)

    if straight_lining and a.size:
        # Max and min over the answered items only; equal ⇒ all answered items identical.
        hi = np.where(asked, a, np.int8(-128)).max(axis=1)
        lo = np.where(asked, a, np.int8(127)).min(axis=1)
        for s in np.flatnonzero((n_asked >= min_items) & (hi == lo)):
            label = campaign.labels[int(hi[s])]
            flags.append(
                CarelessFlag(FlagKind.STRAIGHT_LINING, (ids[s],), f"{label} × {int(n_asked[s])}")
            )

    if campaign.serials is not None:
        by_serial: dict[str, list[int]] = defaultdict(list)
        for row, serial in enumerate(campaign.serials):
            if serial is not None:
                by_serial[serial].append(row)
        for serial, group in by_serial.items():
            if len(group) > 1:
                flags.append(
                    CarelessFlag(FlagKind.DUPLICATE_SERIAL, tuple(ids[s] for s in group), serial)
                )

    long_enough = np.flatnonzero(n_asked >= min_items)
    if len(long_enough) > 1:
        rows = np.ascontiguousarray(a[long_enough])
        # Compare whole rows as raw bytes: one sort instead of pairwise comparisons.
        keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        for g in np.flatnonzero(counts > 1):
            same = long_enough[np.flatnonzero(inverse == g)]
            flags.append(
                CarelessFlag(
                    FlagKind.IDENTICAL_ANSWERS,
                    tuple(ids[s] for s in same),
                    f"{len(same)} 份，各 {int(n_asked[same[0]])} 项",
                )
            )
    return QualityReport(tuple(flags))


def exclusions(
    report: QualityReport, rules: Collection[FlagKind | str]
) -> dict[Hashable, FlagKind]:
    """The sheets that the adopted ``rules`` exclude, each with the rule that excludes it.

    - straight-lining: every flagged sheet, whichever option it repeats (满意, 比较满意, …
      不了解 alike);
    - duplicate serial: every sheet of the group (which one is the real form cannot be told
      from the answers);
    - identical answers: every sheet of the group but the first in the campaign's sheet order
      (the same answers entered or submitted twice count once).

    Rules are applied in the order of ``FlagKind``; a sheet already excluded by one keeps it.
    """
    adopted = {FlagKind(r) for r in rules}
    out: dict[Hashable, FlagKind] = {}
    for kind in FlagKind:
        if kind not in adopted:
            continue
        for flag in report.of_kind(kind):
            ids = flag.sheet_ids[1:] if kind == FlagKind.IDENTICAL_ANSWERS else flag.sheet_ids
            for sid in ids:
                out.setdefault(sid, kind)
    return out
