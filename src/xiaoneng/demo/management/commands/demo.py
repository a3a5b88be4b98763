"""``xiaoneng demo``: build the fictional demo city 示范市 and print its logins."""

from __future__ import annotations

import gc
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xiaoneng.demo.builder import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    SIZES,
    DemoError,
    DemoSummary,
    build_demo,
    existing_data,
)
from xiaoneng.i18n import chinese_labels
from xiaoneng.org.models import FirstInquiry, Unit


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal; without this the table is ragged.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def format_summary(summary: DemoSummary) -> list[str]:
    kinds = chinese_labels(Unit.Kind)
    statuses = chinese_labels(FirstInquiry.Status)
    # Top-down order reads better than the order the kinds were declared in.
    order = ["region", "district", "centre", "window", "department", "section"]
    order += [k for k in summary.units_by_kind if k not in order]
    counts = summary.units_by_kind
    unit_parts = "、".join(f"{kinds[k]} {counts[k]}" for k in order if counts.get(k))
    inquiry_parts = "、".join(
        f"{statuses[s]} {n}" for s, n in summary.inquiries_by_status.items() if n
    )
    lines = []
    if summary.reset is not None:
        removed = "、".join(f"{k} {v}" for k, v in summary.reset.items() if v) or "无"
        lines.append(f"已删除原有数据：{removed}（审计日志保留，并追加了一条重置记录）")
    lines += [
        f"示范市演示数据已生成（种子 {summary.seed}，规模 {summary.size}，"
        f"参考日期 {summary.today:%Y-%m-%d}，用时 {summary.seconds:.1f} 秒）",
        f"  单位 {summary.units} 个：{unit_parts}；单位类别 {summary.categories} 个",
        f"  工作人员 {summary.staff} 人；岗位 {summary.posts} 个（其中B岗空缺 "
        f"{summary.posts_without_b} 个）",
        f"  缺岗记录 {summary.absences} 条：当前 {summary.absences_current}、"
        f"已结束 {summary.absences_past}、待开始 {summary.absences_future}",
        f"  首问登记 {summary.inquiries} 条：{inquiry_parts}",
        f"  事项目录 {summary.catalog_items} 项（办事指南：/guide/）",
        f"  审计日志新增 {summary.audit_entries} 条（可用 xiaoneng audit verify 校验）",
        "",
        "登录账号：",
    ]
    rows = [[x.username, x.role, x.unit, x.display_name, x.password] for x in summary.logins]
    lines += [
        "  " + line for line in format_table(["账号", "角色", "所属单位", "姓名", "密码"], rows)
    ]
    return lines


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let Python's cycle collector run less often while the demo is written.

    The build allocates millions of short-lived objects (model instances, event dicts); by
    default every few hundred allocations trigger a collection and each full one walks every
    object alive — about an eighth of the build's time for the default city. What was loaded
    before (Django, the apps) is frozen out of those walks.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def existing_logins() -> list[list[str]]:
    from django.contrib.auth import get_user_model

    from xiaoneng.demo.builder import DEMO_USERNAMES

    users = get_user_model().objects.filter(username__in=DEMO_USERNAMES).select_related("unit")
    order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
    return [
        [u.username, u.get_role_display(), str(u.unit or "—"), u.display_name]
        for u in sorted(users, key=lambda u: order[u.username])
    ]


class Command(BaseCommand):
    # The system checks import every view (scikit-learn among them, about a second) and test
    # nothing the demo needs; ./run-demo calls this command twice.
    requires_system_checks: list[str] = []
    help = "生成虚构的演示城市“示范市”（单位、人员、AB岗、缺岗、首问登记和各角色登录账号）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）"
        )
        parser.add_argument(
            "--size", choices=sorted(SIZES), default="default", help="规模（默认 default）"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除现有单位、人员、岗位、缺岗、首问登记和演示账号再重建（审计日志保留）",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库已有数据时不重建，只列出演示账号（./run-demo 每次启动都用它）",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="不生成数据，只列出演示账号和可试用的评议码（./run-demo 在启动网站前用它）",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"所有演示账号的密码（默认 {DEFAULT_PASSWORD}）",
        )

    def handle(self, *args, seed: int, size: str, reset: bool, password: str, **options) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库结构不是最新的，请先运行：xiaoneng migrate")
        if options["logins"]:
            self.write_logins()
            return
        if options["if_empty"] and not reset and (why := existing_data()):
            self.stdout.write(
                f"{why}，沿用现有数据（要重建请加 --reset 或删除数据目录；"
                "账号见 xiaoneng demo --logins）。"
            )
            return
        with fewer_collections():
            try:
                summary = build_demo(seed=seed, size=size, password=password, reset=reset)
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            for line in format_summary(summary):
                self.stdout.write(line)
            self._write_cases(seed, size, summary.today)
            self._write_campaigns(seed, size, summary.today)
            self._write_rectification(seed, size, summary.today)
            self._write_inspections(seed, size, summary.today)
            self._write_accountability(seed, size, summary.today)
            self._write_assessment(seed, size, summary.today)
            self._write_bulletins(size, summary.today)

    def write_logins(self) -> None:
        """The demo accounts and three unused evaluation codes, read from the database."""
        from xiaoneng.demo.evaluation_data import unused_codes

        logins = existing_logins()
        if not logins:
            raise CommandError("数据库中还没有演示账号，请先运行：xiaoneng demo")
        self.stdout.write("登录账号（密码为建库时所设，默认 " + DEFAULT_PASSWORD + "）：")
        for line in format_table(["账号", "角色", "所属单位", "姓名"], logins):
            self.stdout.write("  " + line)
        if codes := unused_codes():
            self.stdout.write(f"可试用评议码：{'、'.join(codes)}，在 /evaluations/answer/ 使用")

    def _write_rectification(self, seed: int, size: str, today) -> None:
        """整改任务 from every source and a 专项活动 in progress (C7)."""
        from xiaoneng.demo.rectification_data import write_rectification

        if not SIZES[size].cases:
            return
        result = write_rectification(seed, today, manual=10 if size == "default" else 4)
        sources = "、".join(f"{k} {v}" for k, v in result.by_source.items())
        self.stdout.write(
            f"整改任务 {result.tasks} 件（{sources}；未办结 {result.open}，逾期 {result.overdue}，"
            f"督办 {result.escalated}，验收不通过 {result.refused}，延期 {result.extended}）；"
            f"专项活动 {result.drive} 材料 {result.drive_reports} 份（逾期 {result.drive_late}），"
            f"用时 {result.seconds:.1f} 秒"
        )

    def _write_inspections(self, seed: int, size: str, today) -> None:
        """明查暗访: a year of plans, visits, findings, contests (C8)."""
        from xiaoneng.demo.inspections_data import write_inspections

        if not SIZES[size].cases:
            return
        r = write_inspections(seed, today)
        self.stdout.write(
            f"明查暗访计划 {r.plans} 个，检查 {r.visits} 次，问题 {r.findings} 个"
            f"（确认 {r.confirmed}，申辩 {r.contested}，亮牌 {r.cards}，立整改 {r.tasks}，"
            f"照片 {r.photos} 张），"
            f"用时 {r.seconds:.1f} 秒"
        )

    def _write_accountability(self, seed: int, size: str, today) -> None:
        """责任追究: a year of violations from the sources above, decided and appealed (C9)."""
        from xiaoneng.demo.accountability_data import write_accountability

        if not SIZES[size].cases:
            return
        r = write_accountability(seed, today)
        levels = "、".join(f"{k} {v}" for k, v in r.by_sanction.items())
        self.stdout.write(
            f"效能问题线索 {r.violations} 件（处理决定 {r.decided}：{levels}；不予追究 "
            f"{r.dismissed}，办理中 {r.open}，申诉 {r.appeals}），用时 {r.seconds:.1f} 秒"
        )

    def _write_assessment(self, seed: int, size: str, today) -> None:
        """绩效考评: the last two years published, this year in preview (C10)."""
        from xiaoneng.demo.assessment_data import write_assessment

        if not SIZES[size].cases:
            return
        result = write_assessment(seed, today)
        self.stdout.write(
            f"绩效考评：{'、'.join(result.periods)}（{result.units} 个单位，末位 "
            f"{result.last_places} 个单位次，异议 {result.objections} 件），"
            f"用时 {result.seconds:.1f} 秒"
        )

    def _write_bulletins(self, size: str, today) -> None:
        """签发: last month's bulletins and the last published assessment's (C11)."""
        from xiaoneng.demo.bulletins_data import write_bulletins

        if not SIZES[size].cases:
            return
        result = write_bulletins(today)
        self.stdout.write(f"已签发通报：{'、'.join(result.numbers)}，用时 {result.seconds:.1f} 秒")

    def _write_campaigns(self, seed: int, size: str, today) -> None:
        """千人评议: last years' published campaigns and this year's open one (C6)."""
        from xiaoneng.demo.evaluation_data import write_campaigns

        if not SIZES[size].evaluators:
            return
        result = write_campaigns(seed, today, size)
        parts = []
        for c in result.campaigns:
            if c.headline is not None:
                parts.append(
                    f"{c.name}（{c.status}，评议表 {c.sheets} 份，满意率 {c.headline:.1%}）"
                )
            else:
                parts.append(
                    f"{c.name}（{c.status}，已收评议表 {c.sheets} 份，"
                    f"纸质表待第二次录入或待核对原件 {c.paper_pending} 份）"
                )
        self.stdout.write(f"评议活动：{'；'.join(parts)}；用时 {result.seconds:.0f} 秒")
        if result.try_codes:
            self.stdout.write(
                f"可试用评议码：{'、'.join(result.try_codes)}，在 /evaluations/answer/ 使用"
            )

    def _write_try_case(self) -> None:
        """A finished, not yet rated case and a fresh query code to try the public pages with:
        the platform keeps only digests, so the code is issued here as a reprint would."""
        from xiaoneng.cases.models import Case
        from xiaoneng.cases.services import reissue_query_code

        case = (
            Case.objects.filter(status=Case.Status.APPROVED, ratings__isnull=True)
            .order_by("-finished_at", "pk")
            .first()
        )
        if case is not None:
            code = reissue_query_code("演示数据生成", case)
            self.stdout.write(
                f"可试用办件查询：申请号 {case.number}，查询码 {code}，"
                "在 /progress/ 查询进度、在 /ratings/new/ 评价"
            )

    def _write_cases(self, seed: int, size: str, today) -> None:
        """A year of cases, after the city itself is committed (it takes a while; show progress)."""
        from xiaoneng.demo.cases_data import write_cases
        from xiaoneng.org.models import Unit as OrgUnit

        count = SIZES[size].cases
        if not count:
            return
        self.stdout.write(f"\n正在生成一年的办件数据（约 {count} 件）……")
        self.stdout.flush()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  已生成 {done}/{total}")
            self.stdout.flush()

        windows = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.WINDOW).order_by("code"))
        result = write_cases(seed, count, today, windows, progress=progress)
        self.stdout.write(
            f"办件 {result.cases} 件（办理中 {result.open_cases}），事件 {result.events} 条，"
            f"黄牌/红牌 {result.cards} 张，用时 {result.seconds:.0f} 秒"
        )
        from xiaoneng.demo.complaints_data import write_complaints
        from xiaoneng.demo.ratings_data import write_ratings

        rated = write_ratings(seed, today)
        self.stdout.write(
            f"服务评价 {rated.ratings} 条（差评 {rated.bad}，整改中 {rated.open_rectifications}，"
            f"整改超期 {rated.overdue_rectifications}）"
        )
        self._write_try_case()
        complained = write_complaints(seed, SIZES[size].complaints, today)
        from xiaoneng.demo.disputes_data import write_disputes

        disputed = write_disputes()
        # A year of history raised thousands of notifications at once; an office that lived through
        # that year would have read them, so the demo's inboxes start with nothing unread.
        from django.utils import timezone as tz

        from xiaoneng.notifications.models import Notification

        Notification.objects.filter(read_at__isnull=True).update(read_at=tz.now())
        self.stdout.write(
            f"效能投诉 {complained.complaints} 件（已办结 {complained.closed}，超期 "
            f"{complained.overdue}，重新办理 {complained.reopened}）；退单 {disputed.disputes} 件"
            f"（改派 {disputed.rerouted}，维持原派 {disputed.insisted}），并单 {disputed.merged} 件"
        )
