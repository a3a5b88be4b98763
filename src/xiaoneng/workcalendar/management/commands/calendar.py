from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from xiaoneng.workcalendar.models import CalendarDay, CalendarVersion, CalendarYear
from xiaoneng.workcalendar.services import ScheduleError, get_calendar, import_schedule
from xiaoneng.workdays import SHANGHAI, WorkCalendar

NOT_MIGRATED = "数据库尚未初始化，请先运行：xiaoneng migrate"


def database_ready() -> bool:
    """Whether the calendar's tables exist (``xiaoneng migrate`` has run); False also when the
    database cannot be reached at all."""
    wanted = {m._meta.db_table for m in (CalendarDay, CalendarVersion, CalendarYear)}
    try:
        return wanted <= set(connection.introspection.table_names())
    except DatabaseError:
        return False


WEEKDAYS = "一二三四五六日"


class Command(BaseCommand):
    help = "工作日历：show YEAR 显示节假日与调休；due FROM N 计算到期时间；import FILE 导入年度安排"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="显示某年的放假与调休上班日")
        show.add_argument("year", type=int)
        due = sub.add_parser("due", help="从某一时刻起加 N 个工作日的到期时间")
        due.add_argument("start", help="ISO 8601 时刻，须带时区，如 2026-02-13T10:00+08:00")
        due.add_argument("days", type=int)
        imp = sub.add_parser(
            "import", help="从文本文件导入年度放假安排（格式见 docs/calendar-format.md）"
        )
        imp.add_argument("file")

    def handle(self, *args, **options):
        getattr(self, "do_" + options["action"])(options)

    def calendar(self) -> WorkCalendar:
        """The calendar in force; before ``migrate``, the schedule shipped with the software
        (one line on stderr says so, so that ``due`` still prints only its answer on stdout)."""
        if database_ready():
            return get_calendar()
        self.stderr.write(
            "提示：数据库尚未初始化（未运行 xiaoneng migrate），以下按软件自带的国务院放假安排"
            "计算，不含本地导入或修改的日历。"
        )
        return WorkCalendar.from_chinesecalendar()

    def do_show(self, options):
        year = options["year"]
        if not 1990 <= year <= 2199:
            raise CommandError(f"年份 {year} 超出支持范围（1990–2199）")
        calendar = self.calendar()
        state = (
            "已发布" if calendar.is_published(year) else "未发布（暂按周一至周五计算，结果为临时）"
        )
        self.stdout.write(f"{year}年工作日历：{state}")
        specials = calendar.specials_in_year(year)
        if not specials:
            self.stdout.write("（无放假或调休上班日）")
        for day in specials:
            kind = "放假" if day.kind == "holiday" else "上班"
            self.stdout.write(
                f"{day.date.isoformat()} 周{WEEKDAYS[day.date.weekday()]} {kind} {day.name}"
            )
        workdays = calendar.workdays_between_dates(date(year - 1, 12, 31), date(year, 12, 31))
        self.stdout.write(f"全年工作日：{workdays} 天")

    def do_due(self, options):
        try:
            start = datetime.fromisoformat(options["start"])
        except ValueError as exc:
            raise CommandError(f"无法识别的时刻“{options['start']}”：{exc}") from exc
        if start.tzinfo is None:
            raise CommandError("时刻须带时区，例如 2026-02-13T10:00+08:00")
        if options["days"] < 0:
            raise CommandError("工作日数不能为负")
        result = self.calendar().add_workdays(start, options["days"])
        line = result.due.astimezone(SHANGHAI).isoformat()
        if result.provisional:
            line += " provisional"
        self.stdout.write(line)

    def do_import(self, options):
        if not database_ready():
            raise CommandError(NOT_MIGRATED)
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {path}：{exc}") from exc
        try:
            result = import_schedule("命令行导入", text, source_name=path.name)
        except ScheduleError as exc:
            raise CommandError("导入失败，未做任何修改：\n" + str(exc)) from exc
        years = "、".join(map(str, result.years))
        self.stdout.write(self.style.SUCCESS(f"已导入 {years} 年，共 {result.days} 个特殊日期"))
