from django.core.management.base import BaseCommand, CommandError

from xiaoneng.audit.services import verify


class Command(BaseCommand):
    help = "审计日志：verify 逐条校验哈希链，报告第一条被改动、删除或调换的记录"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验审计哈希链")

    def handle(self, *args, **options):
        report = verify()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"审计链完整：共 {report.checked} 条，链头哈希 {report.head_hash}"
                )
            )
            return
        raise CommandError(
            f"审计链断裂：第 {report.first_broken_seq} 条。{report.problem}"
            f"（此前 {report.checked} 条完好）"
        )
