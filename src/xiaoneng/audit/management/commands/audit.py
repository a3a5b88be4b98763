import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xiaoneng.audit.services import anchor, parse_anchor, verify


class Command(BaseCommand):
    help = (
        "审计日志：verify 逐条校验哈希链，报告第一条被改动、删除或调换的记录；"
        "anchor 输出当前链头的锚点（序号、哈希），存档后可用 verify --expect/--anchor 核对"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="校验审计哈希链")
        check.add_argument(
            "--expect",
            action="append",
            default=[],
            metavar="序号:哈希",
            help="存档的锚点（可重复）：链中该序号的记录必须是这个哈希",
        )
        check.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="FILE",
            help="锚点文件（audit anchor --output 写的，每行一个；可重复）",
        )
        point = sub.add_parser("anchor", help="输出当前的锚点")
        point.add_argument("--output", metavar="FILE", help="把锚点追加到文件（每行一个 JSON）")

    def handle(self, *args, **options):
        if options["action"] == "anchor":
            self._anchor(options["output"])
        else:
            self._verify(options["expect"], options["anchor"])

    def _anchor(self, output: str | None) -> None:
        point = anchor()
        line = json.dumps(
            {"seq": point.seq, "hash": point.hash, "at": point.at.isoformat() if point.at else None}
        )
        if output:
            with Path(output).open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        self.stdout.write(line)

    def _verify(self, expect: list[str], files: list[str]) -> None:
        texts = list(expect)
        for name in files:
            try:
                lines = Path(name).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(f"无法读取锚点文件 {name}：{error.strerror}") from error
            texts.extend(line for line in lines if line.strip())
        try:
            anchors = [parse_anchor(text) for text in texts]
        except ValueError as error:
            raise CommandError(str(error)) from error
        report = verify(anchors)
        if report.ok:
            checked = f"，核对锚点 {len(anchors)} 个" if anchors else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"审计链完整：共 {report.checked} 条{checked}，链头哈希 {report.head_hash}"
                )
            )
            return
        raise CommandError(
            f"审计链断裂：第 {report.first_broken_seq} 条。{report.problem}"
            f"（此前 {report.checked} 条完好）"
        )
