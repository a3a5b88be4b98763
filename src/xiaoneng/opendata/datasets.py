"""The datasets Xiaoneng publishes every month (definitions: docs/open-data.md).

Each reads its figures through the function that the staff page showing the same figures uses
— the case dashboards (``casestats``), the complaint bulletin (``bulletins``), the 好差评
statistics (``ratings``), rectification's 整改完成率 (``rectification.figures``), the published
千人评议 results (``evaluation``) — with the reach of the supervision office over the whole city,
so that a published figure always equals the one inside (tested). Nothing here writes.

Rates are percentages rounded to one decimal, as the bulletins print them (千人评议: two), each
with its denominator and a Wilson 95% interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Subquery, Sum

from xiaoneng.accounts.models import User
from xiaoneng.accounts.roles import Role
from xiaoneng.bulletins import services as bulletins
from xiaoneng.cases.models import CaseMonthStat
from xiaoneng.casestats import services as casestats
from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion
from xiaoneng.i18n import chinese, chinese_labels
from xiaoneng.org.models import Unit
from xiaoneng.ratings import services as ratings
from xiaoneng.ratings.models import Level, Rating
from xiaoneng.rectification import figures as rectification
from xiaoneng.rectification.models import Task
from xiaoneng.scoring import wilson_interval
from xiaoneng.workdays import SHANGHAI

from .registry import Dataset, Field, Row, Snapshot, register
from .suppression import THRESHOLD


def reader() -> User:
    """Who the published figures are read as: a user with the supervision office's reach over
    the whole city, never saved and never signed in. The public sees these figures only as the
    tables below, with small counts suppressed."""
    return User(username="opendata", display_name="开放数据", role=Role.OFFICE, is_active=True)


# ---- fields and values shared by the datasets ---------------------------------------------------

MONTH = Field("month", "yearmonth", "统计月份", "YYYY-MM，北京时间", required=True)
UNIT_CODE = Field("unit_code", "string", "单位代码", "组织机构的单位代码", required=True)
UNIT = Field("unit", "string", "单位名称", required=True)


def _count(name: str, title: str, description: str = "", *, suppressible: bool = False) -> Field:
    return Field(name, "integer", title, description, "件", suppressible)


def _rate_fields(
    prefix: str, title: str, description: str, *, suppressible: bool = False
) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}_rate", "number", title, description, "%", suppressible),
        Field(f"{prefix}_low", "number", f"{title}95%区间下限", "Wilson 区间", "%", suppressible),
        Field(f"{prefix}_high", "number", f"{title}95%区间上限", "Wilson 区间", "%", suppressible),
    )


def percent(part: int, whole: int, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


def rate_cells(part: int, whole: int, digits: int = 1) -> tuple[float | None, ...]:
    """The rate and its Wilson 95% interval, in percent; empty when there is no denominator."""
    interval = wilson_interval(part, whole)
    if interval is None:
        return (None, None, None)
    low, high = interval
    return (percent(part, whole, digits), round(100 * low, digits), round(100 * high, digits))


def _codes(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in set(ids) if i is not None]
    return dict(Unit.objects.filter(pk__in=wanted).values_list("pk", "code"))


def _month_text(s: Snapshot) -> str:
    return s.period.key


# ---- 办件 (cases): per unit and per item ---------------------------------------------------------


def _case_filters(s: Snapshot) -> casestats.Filters:
    month = s.period.first_day
    label = casestats.month_label(month)
    return casestats.Filters(casestats.Period(f"m{month:%Y-%m}", month, month, label))


def _case_frame(user: User) -> casestats.Frame:
    scope = casestats.scope_of(user)
    return casestats.frame_for(scope, scope.base)


CASE_FIGURES = (
    _count("finished", "办结件数", "作出准予或不予许可决定的办件，按办结月份计"),
    _count("on_time", "按时办结件数", "办结不晚于承诺时限（含批准的延期）届满"),
    *_rate_fields("on_time", "按时办结率", "按时办结件数 ÷ 办结件数"),
    _count("early", "提前办结件数", "已用工作日少于承诺时限"),
    Field("early_rate", "number", "提前办结率", "提前办结件数 ÷ 办结件数", "%"),
    Field("average_days", "number", "平均用时", "办结件已用工作日的平均数", "个工作日"),
    Field("median_days", "integer", "用时中位数", "最近秩法", "个工作日"),
    Field("p90_days", "integer", "用时第90百分位数", "最近秩法", "个工作日"),
)


def _case_cells(f: casestats.Figures) -> Row:
    return (
        f.finished,
        f.on_time,
        *rate_cells(f.on_time, f.finished),
        f.early,
        percent(f.early, f.finished),
        round(f.average_days, 1) if f.average_days is not None else None,
        f.median_days,
        f.p90_days,
    )


def case_units(s: Snapshot) -> list[Row]:
    """The case dashboard's unit table for the city in the month (每个下一级单位含其下属单位)."""
    user = reader()
    frame = _case_frame(user)
    rows = casestats.unit_breakdown(user, _case_filters(s), frame, s.as_of)
    codes = _codes(r.key for r in rows)
    out = []
    for r in rows:
        f = r.figures
        out.append(
            (
                _month_text(s),
                codes.get(r.key, ""),
                r.label,
                f.promised_finished,
                f.promised_on_time,
                *_case_cells(f),
                f.yellow_cards,
                f.red_cards,
            )
        )
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="cases",
        title="办件按时办结情况（按单位）",
        description=(
            "当月办结的办件，按承办单位汇总（部门含其内设科室、窗口；“本级”为上级单位自身的办件），"
            "以及当月发出的黄牌、红牌（已撤销的不计）。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            _count("promised_finished", "承诺件办结件数"),
            _count(
                "promised_on_time", "承诺件按时办结件数", "承诺件办结率 = 本列 ÷ 承诺件办结件数"
            ),
            *CASE_FIGURES,
            Field("yellow_cards", "integer", "黄牌", "当月发出、未撤销", "张"),
            Field("red_cards", "integer", "红牌", "当月发出、未撤销", "张"),
        ),
        rows=case_units,
        primary_key=("month", "unit_code"),
        same_as="办件统计页（/office/stats/，统计周期选该月）的“按单位”表",
        order=10,
    )
)


def case_items(s: Snapshot) -> list[Row]:
    """The case dashboard's item table (every item with finished cases in the month)."""
    user = reader()
    rows = casestats.item_breakdown(user, _case_filters(s), _case_frame(user), s.as_of)
    out = [
        (
            _month_text(s),
            r.extra.get("code", ""),
            r.label,
            chinese(r.extra.get("handling_type", "")),
            r.extra.get("unit", ""),
            *_case_cells(r.figures),
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="cases-items",
        title="办件按时办结情况（按事项）",
        description="当月有办结件的每个事项：办结件数、按时办结率、提前办结率和用时。",
        fields=(
            MONTH,
            Field("item_code", "string", "事项编码", required=True),
            Field("item", "string", "事项名称", required=True),
            Field("handling_type", "string", "办件类型", "即办件、承诺件、联办件或上报件"),
            Field("unit", "string", "实施单位"),
            *CASE_FIGURES,
        ),
        rows=case_items,
        primary_key=("month", "item_code"),
        same_as="办件统计页导出的 Excel 的“按事项”表（统计周期选该月）",
        order=11,
    )
)


# ---- 效能投诉 (complaints): the bulletin's figures ------------------------------------------


def bulletin(s: Snapshot) -> bulletins.Figures:
    """The city-wide complaint bulletin of the month, as of the snapshot (shared)."""
    return s.shared(
        "bulletin",
        lambda: bulletins.compute(reader(), s.period, None, now=s.as_of, with_previous=False),
    )


def complaint_units(s: Snapshot) -> list[Row]:
    fig = bulletin(s)
    codes = _codes(r.unit_id for r in fig.ranking)
    rows = [
        (
            _month_text(s),
            codes.get(r.unit_id, ""),
            r.name,
            r.complaints,
            r.substantiated,
            r.handle_on_time,
            r.handle_judged,
            *rate_cells(r.handle_on_time, r.handle_judged),
        )
        for r in fig.ranking
    ]
    return sorted(rows, key=lambda row: str(row[1]))


register(
    Dataset(
        name="complaints",
        title="效能投诉办理情况（按单位）",
        description=(
            "当月收到的效能投诉，按承办单位所属的部门、区县汇总（与投诉通报的单位排名相同）："
            "投诉件数、经审核成立的属实及部分属实件数、承办单位办理环节的按时办理率。"
            "投诉件数为1～4件的单位不公布其数字（见说明）。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            _count("complaints", "投诉件数", "按投诉时间计入当月", suppressible=True),
            _count(
                "substantiated", "属实及部分属实", "调查结论经效能办审核成立", suppressible=True
            ),
            _count("handle_on_time", "承办按时件数", "承办单位办理环节按时完成", suppressible=True),
            _count("handle_judged", "承办已评判件数", "按时与超时之和", suppressible=True),
            *_rate_fields(
                "handle", "承办按时办理率", "承办按时件数 ÷ 承办已评判件数", suppressible=True
            ),
        ),
        rows=complaint_units,
        primary_key=("month", "unit_code"),
        population="complaints",
        same_as="投诉通报（/office/bulletins/，全市、该月）的单位排名",
        order=20,
    )
)


def complaint_summary(s: Snapshot) -> list[Row]:
    """The bulletin's headline figures, one line each: counts, then rates with n and interval.

    In a month with few complaints the city's figures are a few people's: with fewer than
    ``THRESHOLD`` received, the categories (what someone was accused of) are withheld; with
    fewer accepted, so is everything that follows acceptance — findings, the unit's and the
    reply's timeliness, visits, reopenings, 督办 (docs/open-data.md)."""
    fig = bulletin(s)
    month = _month_text(s)
    rows: list[Row] = []
    few_received = 0 < fig.total < THRESHOLD
    few_accepted = 0 < fig.accepted < THRESHOLD

    def count(code: str, label: str, value: int, hide: bool = False) -> None:
        rows.append((month, code, label, None if hide else value, "件", None, None, None, hide))

    def rate(code: str, label: str, part: int, whole: int, hide: bool = False) -> None:
        value, low, high = (None, None, None) if hide else rate_cells(part, whole)
        rows.append((month, code, label, value, "%", None if hide else whole, low, high, hide))

    count("received", "收到投诉", fig.total)
    for r in fig.by_channel:
        count(f"channel.{r.key}", f"渠道：{r.label}", r.count)
    for r in fig.by_category:
        count(f"category.{r.key}", f"类别：{r.label}", r.count, few_received)
    count("accepted", "受理", fig.accepted)
    count("declined", "不予受理", fig.declined)
    count("awaiting", "待受理", fig.awaiting)
    count("merged", "并单办理", fig.merged)
    for r in fig.findings:
        count(f"finding.{r.key}", f"调查结论：{r.label}", r.count, few_accepted)
    decided = sum(r.count for r in fig.findings if r.key != "pending")
    rate("substantiated_rate", "属实率（含部分属实）", fig.substantiated, decided, few_accepted)
    for step in fig.steps:
        hide = few_accepted and step.step != "accept"
        rate(f"on_time.{step.step}", f"按时办理率：{step.label}", step.on_time, step.judged, hide)
    on_time = sum(st.on_time for st in fig.steps)
    judged = sum(st.judged for st in fig.steps)
    rate("on_time", "按时办理率（各环节）", on_time, judged, few_accepted)
    count("visit.satisfied", "回访满意", fig.satisfied, few_accepted)
    count("visit.dissatisfied", "回访不满意", fig.dissatisfied, few_accepted)
    count("visit.none", "尚未回访", fig.not_visited, few_accepted)
    satisfaction = (fig.satisfied, fig.satisfied + fig.dissatisfied)
    rate("satisfaction_rate", "回访满意率", *satisfaction, few_accepted)
    count("reopened", "重新办理", fig.reopened, few_accepted)
    count("escalated", "超期督办", fig.escalated, few_accepted)
    count("closed", "已办结", fig.closed, few_accepted)
    return rows


register(
    Dataset(
        name="complaints-summary",
        title="效能投诉总体情况（全市）",
        description=(
            "当月收到的效能投诉的全市汇总：按渠道、类别的件数，受理、调查结论、各环节按时办理率、"
            "回访满意率、重新办理和督办件数。每行一个指标。"
        ),
        fields=(
            MONTH,
            Field("indicator", "string", "指标代码", required=True),
            Field("label", "string", "指标名称", required=True),
            Field("value", "number", "数值", "件数或百分比，见“计量单位”列"),
            Field("measure", "string", "计量单位", "件 或 %"),
            Field("n", "integer", "分母", "比率的分母（件）", "件"),
            Field("low", "number", "95%区间下限", "比率的 Wilson 区间", "%"),
            Field("high", "number", "95%区间上限", "比率的 Wilson 区间", "%"),
            Field(
                "suppressed",
                "boolean",
                "数字不公布",
                f"当月投诉不足{THRESHOLD}件时，类别和受理以后的数字不公布",
                required=True,
            ),
        ),
        rows=complaint_summary,
        primary_key=("month", "indicator"),
        same_as="投诉通报（/office/bulletins/，全市、该月）的总体情况、分类情况和办理情况",
        order=21,
    )
)


# ---- 好差评 (ratings) ---------------------------------------------------------------------------


RATING_FIGURES = (
    _count("ratings", "评价件数", suppressible=True),
    *(
        _count(f"level_{level}", label, suppressible=True)
        for level, label in sorted(chinese_labels(Level).items(), reverse=True)
    ),
    _count("bad", "差评件数", "不满意与非常不满意", suppressible=True),
    *_rate_fields(
        "satisfaction", "满意率", "非常满意、满意、基本满意 ÷ 评价件数", suppressible=True
    ),
)


def _rating_cells(r: ratings.StatRow) -> Row:
    """评价件数, each level's count from the best down, 差评件数 and the 满意率 cells."""
    return (
        r.total,
        *(r.levels.get(level, 0) for level in sorted(Level.values, reverse=True)),
        r.bad,
        *rate_cells(r.good, r.total),
    )


def rating_units(s: Snapshot) -> list[Row]:
    last = s.period.next_first_day - timedelta(days=1)
    rated = Rating.objects.filter(ratings.period_bounds(s.period.first_day, last))
    rows = ratings.statistics(rated, "unit", now=s.as_of)
    codes = _codes(r.key for r in rows if isinstance(r.key, int))
    out = []
    for r in rows:
        key = r.key if isinstance(r.key, int) else None
        out.append(
            (
                _month_text(s),
                codes.get(key, "") if key is not None else "",
                r.name,
                *_rating_cells(r),
            )
        )
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="ratings",
        title="好差评（按承办单位）",
        description=(
            "当月作出的服务评价，按办件的承办单位汇总：各等级件数、差评件数和满意率"
            "（非常满意、满意、基本满意占全部评价的比例）。评价件数为1～4件的单位不公布其数字。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            *RATING_FIGURES,
        ),
        rows=rating_units,
        primary_key=("month", "unit_code"),
        population="ratings",
        same_as="好差评统计页（/office/ratings/，按承办单位，起止日期为该月）",
        order=30,
    )
)


def rating_items(s: Snapshot) -> list[Row]:
    """好差评 per service item: the statistics page grouped by 事项."""
    last = s.period.next_first_day - timedelta(days=1)
    rated = Rating.objects.filter(ratings.period_bounds(s.period.first_day, last))
    rows = ratings.statistics(rated, "item", now=s.as_of)
    items = {
        i["pk"]: i
        for i in ServiceItem.objects.filter(pk__in=[r.key for r in rows]).values(
            "pk", "code", "unit__name"
        )
    }
    out = []
    for r in rows:
        item = items.get(r.key, {})
        out.append(
            (
                _month_text(s),
                item.get("code", ""),
                r.name,
                item.get("unit__name", ""),
                *_rating_cells(r),
            )
        )
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="ratings-items",
        title="好差评（按事项）",
        description=(
            "当月作出的服务评价，按事项汇总：各等级件数、差评件数和满意率。"
            "评价件数为1～4件的事项不公布其数字。"
        ),
        fields=(
            MONTH,
            Field("item_code", "string", "事项编码", required=True),
            Field("item", "string", "事项名称", required=True),
            Field("unit", "string", "实施单位"),
            *RATING_FIGURES,
        ),
        rows=rating_items,
        primary_key=("month", "item_code"),
        population="ratings",
        same_as="好差评统计页（/office/ratings/，按事项，起止日期为该月）",
        order=31,
    )
)


# ---- 整改 (rectification) -----------------------------------------------------------------------


def window_rollup(rows: Iterable[rectification.Rates]) -> list[rectification.Rates]:
    """The rows with each service window's tasks counted under the unit above it: a window's
    task is mostly a 差评 of one clerk's service, which a window of a few people would name."""
    rows = list(rows)
    ids = {r.unit_id for r in rows if r.unit_id is not None}
    windows = dict(
        Unit.objects.filter(pk__in=ids, kind=Unit.Kind.WINDOW, parent__isnull=False).values_list(
            "pk", "parent_id"
        )
    )
    if not windows:
        return rows
    names = dict(Unit.objects.filter(pk__in=set(windows.values())).values_list("pk", "name"))
    merged: dict[int | None, list[int]] = {}
    label: dict[int | None, str] = {}
    for r in rows:
        key = windows.get(r.unit_id, r.unit_id) if r.unit_id is not None else None
        label.setdefault(key, names.get(key, r.name) if r.unit_id in windows else r.name)
        sums = merged.setdefault(key, [0, 0, 0, 0])
        for i, n in enumerate((r.due, r.completed, r.on_time, r.overdue_open)):
            sums[i] += n
    return [rectification.Rates(key, label[key], *sums) for key, sums in merged.items()]


def rectification_units(s: Snapshot) -> list[Row]:
    last = s.period.next_first_day - timedelta(days=1)
    rows = window_rollup(
        rectification.by_unit(Task.objects.all(), s.period.first_day, last, now=s.as_of)
    )
    codes = _codes(r.unit_id for r in rows)
    out = [
        (
            _month_text(s),
            codes.get(r.unit_id, "") if r.unit_id is not None else "",
            r.name,
            r.due,
            r.completed,
            r.on_time,
            r.overdue_open,
            *rate_cells(r.completed, r.due),
            *rate_cells(r.on_time, r.due),
        )
        for r in rows
    ]
    return sorted(out, key=lambda row: str(row[1]))


register(
    Dataset(
        name="rectification",
        title="整改落实情况（按责任单位）",
        description=(
            "整改时限在当月的整改任务（来自投诉、差评、评议、检查等），按责任单位汇总："
            "应完成、已完成、按期完成、超期未完成件数，整改完成率和按期完成率。"
            "服务窗口的任务计入其上级单位。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            _count("due", "应完成", "整改时限（含批准的延期）在当月"),
            _count("completed", "已完成", "差评核实完毕或通过验收，不论何时完成"),
            _count("on_time", "按期完成", "不晚于整改时限完成"),
            _count("overdue_open", "超期未完成", "截至数据截止时刻仍未完成且已过整改时限"),
            *_rate_fields("completion", "整改完成率", "已完成 ÷ 应完成"),
            *_rate_fields("punctual", "按期完成率", "按期完成 ÷ 应完成"),
        ),
        rows=rectification_units,
        primary_key=("month", "unit_code"),
        same_as="投诉通报（/office/bulletins/，全市、该月）的“整改落实情况”",
        order=40,
    )
)


# ---- 千人评议 (published evaluation results) ---------------------------------------------


def _pct(value: object, digits: int = 2) -> float | None:
    return round(100 * float(value), digits) if isinstance(value, int | float) else None


def evaluation_units(s: Snapshot) -> list[Row]:
    from xiaoneng.evaluation.models import Campaign, CampaignUnit

    published = Campaign.objects.filter(
        status=Campaign.Status.PUBLISHED,
        published_at__gte=s.period.start,
        published_at__lt=s.period.end,
    )
    units = (
        CampaignUnit.objects.filter(campaign__in=published)
        .select_related("campaign", "unit")
        .order_by("campaign__year", "campaign_id", "sort_order", "pk")
    )
    out: list[Row] = []
    for cu in units:
        result = cu.result or {}
        headline = result.get("headline") or {}
        top_three = result.get("top_three") or {}
        out.append(
            (
                _month_text(s),
                cu.campaign.year,
                cu.campaign.name,
                cu.category,
                cu.unit.code,
                cu.unit.name,
                round(cu.score, 2) if cu.score is not None else None,
                cu.rank,
                cu.rank_low,
                cu.rank_high,
                _pct(headline.get("value")),
                _pct(headline.get("low")),
                _pct(headline.get("high")),
                headline.get("n"),
                _pct(top_three.get("value")),
                _pct(result.get("awareness")),
                cu.get_last_place_display() if cu.last_place else "",
            )
        )
    return out


register(
    Dataset(
        name="evaluation",
        title="千人评议结果（当月公布的）",
        description=(
            "当月公布结果的群众评议（千人评议）活动中各被评议单位的得分、类别内名次及名次区间、"
            "满意率及其95%区间、有效回答数、知晓率和末位判定。与评议活动公开页上的结果相同。"
        ),
        fields=(
            MONTH,
            Field("year", "integer", "评议年度", required=True),
            Field("campaign", "string", "评议活动", required=True),
            Field("category", "string", "单位类别"),
            UNIT_CODE,
            UNIT,
            Field("score", "number", "得分", "百分制", "分"),
            Field("rank", "integer", "类别内名次", "得分相同的并列", "名"),
            Field("rank_low", "integer", "名次区间（高）", "自助法名次区间", "名"),
            Field("rank_high", "integer", "名次区间（低）", "自助法名次区间", "名"),
            Field("satisfaction_rate", "number", "满意率", "公布的满意率口径", "%"),
            Field("satisfaction_low", "number", "满意率95%区间下限", "", "%"),
            Field("satisfaction_high", "number", "满意率95%区间上限", "", "%"),
            Field("valid_answers", "integer", "有效回答", "满意率的分母", "条"),
            Field("top_three_rate", "number", "前三项满意率", "满意＋比较满意＋基本满意", "%"),
            Field("awareness", "number", "知晓率", "了解的回答 ÷ 全部回答", "%"),
            Field("last_place", "string", "末位判定", "末位、末位不可区分、无有效评价或空"),
        ),
        rows=evaluation_units,
        primary_key=("month", "campaign", "unit_code"),
        same_as="评议活动公开页（/evaluations/）上公布的结果",
        order=50,
    )
)


# ---- 政务公开 (disclosure by channel, seed 001) ------------------------------------------

#: The channels through which Xiaoneng itself discloses, in the order of the seed's statistics
#: (网站公开 first); each counts what the catalog, the cases and the public pages show.
CHANNELS = (
    ("guide", "网站公开：办事指南", "当月最后一天有效、可在网上查阅办事指南的事项", "项"),
    ("guide_update", "网站公开：新发布或更新的办事指南", "当月生效的办事指南版本", "条"),
    ("online", "网上办理", "当月最后一天有效的办事指南注明可网上办理的事项", "项"),
    ("results", "办事结果公开", "当月办结、结果可凭申请号和查询码在网上查询的办件", "件"),
    ("rectification", "整改情况公示", "当月开始公示的整改任务", "条"),
)


def disclosure(s: Snapshot) -> list[Row]:
    """政务公开 by channel and unit: what the catalog, the cases and the public pages disclose."""
    last = s.period.next_first_day - timedelta(days=1)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    public = ServiceItem.objects.public(last)
    for unit_id, n in public.values_list("unit_id").annotate(n=Count("pk")).order_by():
        counts["guide", unit_id] = n
    in_force = ServiceItemVersion.objects.filter(item=OuterRef("pk"), effective_from__lte=last)
    online = public.annotate(
        online=Subquery(
            in_force.order_by("-effective_from", "-number").values("online_available")[:1]
        )
    ).filter(online=True)
    for unit_id, n in online.values_list("unit_id").annotate(n=Count("pk")).order_by():
        counts["online", unit_id] = n
    updated = ServiceItemVersion.objects.filter(
        item__is_active=True, effective_from__gte=s.period.first_day, effective_from__lte=last
    )
    for unit_id, n in updated.values_list("item__unit_id").annotate(n=Count("pk")).order_by():
        counts["guide_update", unit_id] = n
    finished = CaseMonthStat.objects.filter(month=s.period.first_day)
    for unit_id, n in finished.values_list("unit_id").annotate(n=Sum("finished")).order_by():
        if n:
            counts["results", unit_id] = int(n)
    start = datetime.combine(s.period.first_day, time.min, SHANGHAI)
    end = datetime.combine(s.period.next_first_day, time.min, SHANGHAI)
    shown = Task.objects.public().filter(opened_at__gte=start, opened_at__lt=end)
    for unit_id, n in shown.values_list("unit_id").annotate(n=Count("pk")).order_by():
        counts["rectification", unit_id] = n
    # Windows count under the unit above them, as in the rectification dataset.
    windows = dict(
        Unit.objects.filter(
            pk__in={u for _c, u in counts}, kind=Unit.Kind.WINDOW, parent__isnull=False
        ).values_list("pk", "parent_id")
    )
    if windows:
        rolled: dict[tuple[str, int], int] = defaultdict(int)
        for (channel, unit_id), n in counts.items():
            rolled[channel, windows.get(unit_id, unit_id)] += n
        counts = rolled
    named = Unit.objects.filter(pk__in={u for _c, u in counts}).values("pk", "code", "name")
    units = {u["pk"]: u for u in named}
    order = {code: i for i, (code, *_rest) in enumerate(CHANNELS)}
    labels = {code: (label, measure) for code, label, _d, measure in CHANNELS}
    rows: list[Row] = []
    for (channel, unit_id), n in counts.items():
        unit = units[unit_id]
        label, measure = labels[channel]
        rows.append((_month_text(s), unit["code"], unit["name"], channel, label, n, measure))
    return sorted(rows, key=lambda r: (str(r[1]), order[str(r[3])]))


def channel_totals(rows: Iterable[Row]) -> list[tuple[str, str, int, str]]:
    """The disclosure rows summed by channel, every channel listed (the seed's 其中…)."""
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        count = row[5]
        sums[str(row[3])] += count if isinstance(count, int) else 0
    return [(code, label, sums.get(code, 0), measure) for code, label, _d, measure in CHANNELS]


register(
    Dataset(
        name="disclosure",
        title="政务公开情况（按渠道、单位）",
        description=(
            "本平台公开的政务信息按公开渠道和单位统计："
            + "；".join(f"{label}——{d}" for _c, label, d, _m in CHANNELS)
            + "。"
        ),
        fields=(
            MONTH,
            UNIT_CODE,
            UNIT,
            Field("channel", "string", "渠道代码", required=True),
            Field("channel_name", "string", "公开渠道"),
            Field("count", "integer", "公开数量", "见计量单位列"),
            Field("measure", "string", "计量单位", "项、条或件"),
        ),
        rows=disclosure,
        primary_key=("month", "unit_code", "channel"),
        same_as="办事指南（/guide/）、办件查询和整改情况公示（/rectification/）",
        order=60,
    )
)


def first_month() -> date | None:
    """The earliest month with figures to publish: the first case finished, complaint
    received, rating made or evaluation result published (remembered for ten minutes: every
    request for a file asks)."""
    from django.core.cache import cache

    found = cache.get(FIRST_MONTH_KEY)
    if found is None:
        found = _first_month() or "none"
        cache.set(FIRST_MONTH_KEY, found, 600)
    return found if isinstance(found, date) else None


FIRST_MONTH_KEY = "opendata:first-month"


def _first_month() -> date | None:
    from django.db.models import Min

    from xiaoneng.complaints.models import Complaint

    candidates: list[date] = []
    month = CaseMonthStat.objects.aggregate(m=Min("month"))["m"]
    if month:
        candidates.append(month)
    from xiaoneng.evaluation.models import Campaign

    dated = ((Complaint, "submitted_at"), (Rating, "rated_at"), (Campaign, "published_at"))
    for model, field_name in dated:
        moment = model.objects.aggregate(m=Min(field_name))["m"]
        if moment:
            candidates.append(moment.astimezone(SHANGHAI).date().replace(day=1))
    return min(candidates) if candidates else None
