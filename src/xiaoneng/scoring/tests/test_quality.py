"""Careless-response flags."""

from __future__ import annotations

import numpy as np
import pytest

from xiaoneng.scoring import (
    NOT_ASKED,
    Campaign,
    FlagKind,
    UnitRef,
    check_quality,
    exclusions,
    tally,
)

LABELS = ("满意", "比较满意", "基本满意", "不满意", "不了解")


def campaign(rows: list[list[int]], serials: list[str | None] | None = None) -> Campaign:
    """Sheets over 4 units × 3 dimensions (12 items); row = the 12 codes of one sheet."""
    arr = np.array(rows, dtype=np.int8).reshape(len(rows), 4, 3)
    return Campaign(
        units=tuple(UnitRef(f"U{i}") for i in range(4)),
        dimensions=("d1", "d2", "d3"),
        strata=("群众",),
        labels=LABELS,
        sheet_ids=tuple(f"s{i}" for i in range(len(rows))),
        sheet_strata=np.zeros(len(rows), dtype=np.intp),
        answers=arr,
        serials=tuple(serials) if serials is not None else None,
    )


VARIED = [0, 1, 2, 0, 1, 2, 0, 1, 3, 0, 4, 1]


def test_straight_lining() -> None:
    rows = [
        [0] * 12,  # all 满意
        [4] * 10 + [NOT_ASKED] * 2,  # 10 answered, all 不了解
        [3] * 9 + [NOT_ASKED] * 3,  # only 9 answered: below min_items
        VARIED,
    ]
    report = check_quality(campaign(rows), min_items=10)
    flags = report.of_kind(FlagKind.STRAIGHT_LINING)
    assert [(f.sheet_ids, f.detail) for f in flags] == [
        (("s0",), "满意 × 12"),
        (("s1",), "不了解 × 10"),
    ]
    assert check_quality(campaign(rows), min_items=9).of_kind(FlagKind.STRAIGHT_LINING)[
        2
    ].sheet_ids == ("s2",)
    assert not check_quality(campaign(rows), straight_lining=False).of_kind(
        FlagKind.STRAIGHT_LINING
    )


def test_duplicate_serials() -> None:
    rows = [VARIED, [1, *VARIED[1:]], [2, *VARIED[1:]], [3, *VARIED[1:]]]
    report = check_quality(campaign(rows, ["No.1", "No.2", "No.1", None]))
    flags = report.of_kind(FlagKind.DUPLICATE_SERIAL)
    assert [(f.sheet_ids, f.detail) for f in flags] == [(("s0", "s2"), "No.1")]
    assert not check_quality(campaign(rows)).flags  # no serials (online forms): nothing


def test_identical_answer_vectors() -> None:
    short = [0, 1] + [NOT_ASKED] * 10
    rows = [VARIED, [1, *VARIED[1:]], VARIED, short, short, VARIED]
    report = check_quality(campaign(rows), min_items=10)
    flags = report.of_kind(FlagKind.IDENTICAL_ANSWERS)
    # s3/s4 are identical but have 2 answered items only: identical by chance is likely.
    assert [(f.sheet_ids, f.detail) for f in flags] == [(("s0", "s2", "s5"), "3 份，各 12 项")]
    assert report.flagged_sheets == {"s0", "s2", "s5"}
    assert len(check_quality(campaign(rows), min_items=2).of_kind(FlagKind.IDENTICAL_ANSWERS)) == 2


def test_review_then_exclude() -> None:
    rows = [VARIED, [3] * 12, VARIED[::-1]]
    c = campaign(rows, ["1", "2", "3"])
    report = check_quality(c)
    assert report.flagged_sheets == {"s1"}
    r = tally(c, exclude=report.flagged_sheets, replicates=0)
    assert r.excluded == ("s1",) and r.sheets_used == 2
    assert tally(c, replicates=0).unit("U0").score < r.unit("U0").score
    with pytest.raises(ValueError):
        check_quality(c, min_items=0)


def test_a_campaign_without_sheets_has_no_flags() -> None:
    empty = Campaign(
        units=(UnitRef("U0"),),
        dimensions=("d1",),
        strata=("群众",),
        labels=LABELS,
        sheet_ids=(),
        sheet_strata=np.zeros(0, dtype=np.intp),
        answers=np.zeros((0, 1, 1), dtype=np.int8),
    )
    assert check_quality(empty).flags == ()


@pytest.mark.parametrize("option", range(len(LABELS)))
def test_straight_lining_on_any_option_is_excluded_alike(option: int) -> None:
    """The rule is about the pattern, not the option: a sheet with every item 比较满意 (or 不了解,
    or 不满意…) is flagged and excluded exactly like one with every item 满意."""
    rows = [[0] * 12, [option] * 12, VARIED, [1, *VARIED[1:]]]
    report = check_quality(campaign(rows))
    out = exclusions(report, [FlagKind.STRAIGHT_LINING])
    assert out == {"s0": FlagKind.STRAIGHT_LINING, "s1": FlagKind.STRAIGHT_LINING}
    detail = report.of_kind(FlagKind.STRAIGHT_LINING)[-1].detail
    assert detail == f"{LABELS[option]} × 12"
    assert exclusions(report, []) == {}


def test_identical_groups_keep_their_first_sheet_and_rules_apply_in_order() -> None:
    rows = [VARIED, [0] * 12, VARIED, [0] * 12, [2, *VARIED[1:]], VARIED]
    report = check_quality(campaign(rows, ["1", "2", "3", "4", "5", "5"]))
    assert exclusions(report, [FlagKind.IDENTICAL_ANSWERS]) == {
        "s2": FlagKind.IDENTICAL_ANSWERS,
        "s5": FlagKind.IDENTICAL_ANSWERS,
        "s3": FlagKind.IDENTICAL_ANSWERS,
    }
    everything = exclusions(report, list(FlagKind))
    # s1 and s3 are straight-lined (and identical): that rule comes first and excludes both;
    # both sheets of serial 5 go; of the VARIED group s0 stays.
    assert everything == {
        "s1": FlagKind.STRAIGHT_LINING,
        "s3": FlagKind.STRAIGHT_LINING,
        "s4": FlagKind.DUPLICATE_SERIAL,
        "s5": FlagKind.DUPLICATE_SERIAL,
        "s2": FlagKind.IDENTICAL_ANSWERS,
    }
