"""``xiaoneng worker``: the supervision loop (监察扫描). Run one or several copies."""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand

from xiaoneng.notifications.services import process_deliveries
from xiaoneng.supervision.watches import CALENDAR_HOOKS, sweep
from xiaoneng.workcalendar.models import CalendarVersion

log = logging.getLogger("xiaoneng.worker")


def calendar_version() -> int:
    return CalendarVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


class Command(BaseCommand):
    help = "电子监察后台：扫描到期预警与超期、亮牌、发送通知；日历变更后重算临时期限"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="两轮之间的秒数（默认 30）"
        )
        parser.add_argument("--batch", type=int, default=500, help="每个事务处理的记录数")

    def handle(self, *args, once: bool, interval: float, batch: int, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # Provisional deadlines are recomputed at start too: an import may have happened while no
        # worker was running.
        seen_version = None
        while True:
            started = time.monotonic()
            version = calendar_version()
            if version != seen_version:
                touched = sum(hook() for hook in CALENDAR_HOOKS)
                if touched:
                    self.stdout.write(f"工作日历已更新：重算临时期限 {touched} 条")
                seen_version = version
            report = sweep(batch=batch)
            delivered = process_deliveries()
            if report.total or delivered.claimed:
                self.stdout.write(
                    f"预警 {sum(report.warned.values())}，超期 {sum(report.overdue.values())}，"
                    f"通知发送 {delivered.sent}，重试 {delivered.retrying}，失败 {delivered.failed}"
                )
            if once or stopping:
                return
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
            if stopping:
                return
