import time

from django.core.management.base import BaseCommand, CommandError

from xiaoneng.notifications.services import process_deliveries


class Command(BaseCommand):
    help = "通知：deliver 发送到期的电子邮件和 Webhook 投递（--loop 持续运行）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="发送到期的投递，失败的按退避策略重试")
        deliver.add_argument("--loop", action="store_true", help="持续运行，直到按 Ctrl-C")
        deliver.add_argument(
            "--interval", type=float, default=5.0, help="队列为空时的等待秒数（默认 5）"
        )
        deliver.add_argument("--limit", type=int, default=100, help="每轮最多处理条数（默认 100）")

    def handle(self, *args, **options):
        if options["limit"] < 1 or options["interval"] <= 0:
            raise CommandError("--limit 须为正整数，--interval 须大于 0")
        if not options["loop"]:
            self.stdout.write(str(process_deliveries(limit=options["limit"])))
            return
        try:
            while True:
                report = process_deliveries(limit=options["limit"])
                if report.claimed:
                    self.stdout.write(str(report))
                # A full round means more may be waiting: go again at once.
                if report.claimed < options["limit"]:
                    time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("已停止")
