"""``xiaoneng catalog export FILE`` / ``xiaoneng catalog import FILE``: the catalog as Excel."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xiaoneng.catalog.excel import WorkbookError, export_workbook, import_workbook
from xiaoneng.catalog.models import ServiceItem


class Command(BaseCommand):
    help = "事项目录：export FILE 导出为 Excel；import FILE 从 Excel 导入（全部成功或全部不导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="把事项目录（各事项的最新版本）导出为 .xlsx")
        export.add_argument("file")
        export.add_argument("--unit", help="只导出该单位编码及其下级单位的事项")
        imp = sub.add_parser("import", help="从 .xlsx 导入事项目录（格式见 docs/catalog.md）")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只检查，不导入")

    def handle(self, *args, **options) -> None:
        getattr(self, "do_" + options["action"])(options)

    def do_export(self, options) -> None:
        items = ServiceItem.objects.all()
        if options.get("unit"):
            items = items.filter(unit__path__startswith=self._unit_path(options["unit"]))
        data = export_workbook(items)
        path = Path(options["file"])
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出 {items.count()} 个事项到 {path}"))

    def _unit_path(self, code: str) -> str:
        from xiaoneng.org.models import Unit

        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"单位编码“{code}”不存在")
        return unit.path

    def do_import(self, options) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc}") from exc
        try:
            outcome = import_workbook(
                "命令行导入", data, source_name=path.name, dry_run=options["dry_run"]
            )
        except WorkbookError as exc:
            raise CommandError("导入失败，未做任何修改：\n" + "\n".join(exc.errors)) from exc
        prefix = "检查通过（未导入）：" if options["dry_run"] else "导入完成："
        self.stdout.write(self.style.SUCCESS(prefix + outcome.result.summary()))
