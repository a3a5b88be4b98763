"""开放数据: 明查暗访 per unit and month — visits made, visits reviewed, confirmed findings by
check-item category. The same rows as the 明查暗访 section of the monthly 效能通报
(``bulletins.monthly.inspection_rows``), read with the office's reach (docs/open-data.md).

Not suppressed: a row counts visits to a unit and the findings about the unit's service that the
office confirmed; a service window's visits are counted under the unit above it, so no row
describes a handful of people, and no finding's text, item or person is published.
"""

from __future__ import annotations

from datetime import timedelta

from xiaoneng.bulletins.monthly import inspection_rows
from xiaoneng.i18n import chinese_labels
from xiaoneng.inspections.models import CheckItem, Visit

from .datasets import MONTH, UNIT, UNIT_CODE, _codes, _month_text
from .registry import Dataset, Field, Row, Snapshot, register

CATEGORIES = chinese_labels(CheckItem.Category)


def inspection_units(s: Snapshot) -> list[Row]:
    last = s.period.next_first_day - timedelta(days=1)
    rows = inspection_rows(Visit.objects.all(), s.period.first_day, last)
    codes = _codes(r.unit_id for r in rows)
    out: list[Row] = [
        (
            _month_text(s),
            codes.get(r.unit_id, ""),
            r.unit,
            r.visits,
            r.reviewed,
            *(r.findings.get(key, 0) for key in CATEGORIES),
            r.total,
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="inspections",
        title="明查暗访情况（按单位）",
        description=(
            "当月进行的明查暗访（按检查日期），按被检查单位汇总（服务窗口计入其上级单位）："
            "检查次数、审核完成的次数、经效能办确认且未撤销的问题按检查项目类别的个数。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            Field("visits", "integer", "检查次数", "当月检查日期的检查记录（记录中的不计）", "次"),
            Field("reviewed", "integer", "已审核", "审核完成（办结）的检查记录", "次"),
            *(
                Field(f"findings_{key}", "integer", f"问题：{label}", "经确认的问题", "个")
                for key, label in CATEGORIES.items()
            ),
            Field("findings", "integer", "问题合计", "经确认且未撤销的问题", "个"),
        ),
        rows=inspection_units,
        primary_key=("month", "unit_code"),
        same_as="效能通报（/office/bulletins/monthly/，该月）的“明查暗访情况”",
        order=45,
    )
)
