"""``xiaoneng worker``: the supervision loop (监察扫描). Run one or several copies.

SIGTERM or Ctrl+C ends the loop: a pass under way finishes (each batch is its own transaction),
the pause between passes is cut short, and the process exits within a second or so. What each
pass did is logged at INFO (``xiaoneng.worker``), so ``XIAONENG_LOG_LEVEL=WARNING`` keeps a
console quiet without hiding warnings and errors.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand

from xiaoneng.notifications.services import process_deliveries
from xiaoneng.supervision.watches import CALENDAR_HOOKS, sweep
from xiaoneng.workcalendar.models import CalendarVersion

log = logging.getLogger("xiaoneng.worker")

#: How often the pause between passes looks whether a stop was asked for.
WAKE_SECONDS = 0.2


def calendar_version() -> int:
    return CalendarVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def pause(seconds: float, stopping: Callable[[], bool]) -> None:
    """Sleep ``seconds`` unless ``stopping()`` turns true first.

    A signal handler cannot cut ``time.sleep`` short (Python resumes the sleep after the
    handler returns, PEP 475), so the pause is taken in short naps.
    """
    deadline = time.monotonic() + seconds
    while not stopping():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(WAKE_SECONDS, left))


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

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True
            log.info("收到信号 %s，本轮结束后退出", signal.Signals(signum).name)

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
                    log.info("工作日历已更新：重算临时期限 %d 条", touched)
                seen_version = version
            report = sweep(batch=batch)
            delivered = process_deliveries()
            if report.total or delivered.claimed:
                log.info(
                    "预警 %d，超期 %d，通知发送 %d，重试 %d，失败 %d",
                    sum(report.warned.values()),
                    sum(report.overdue.values()),
                    delivered.sent,
                    delivered.retrying,
                    delivered.failed,
                )
            if once or stopping:
                return
            wait = max(0.0, interval - (time.monotonic() - started))
            log.debug("本轮结束，%.0f 秒后开始下一轮", wait)
            pause(wait, lambda: stopping)
            if stopping:
                return
