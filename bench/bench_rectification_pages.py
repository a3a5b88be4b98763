"""Benchmark: the rectification pages on the demo (整改督办: board, filters, task, Excel, the
专项活动 grid, the public 整改情况公示, the dashboard).

Run:  XIAONENG_DATA_DIR=var/demo .venv/bin/python bench/bench_rectification_pages.py
      [--requests 20]

Needs the demo built in that data directory (``xiaoneng demo``) and its static files collected
(``xiaoneng collectstatic --noinput``; ``./run-demo`` does both). Requests go through Django's
test client with the production settings — the whole view: middleware, session, queries,
template — as the demo's 效能办 (``office``), 单位联络员 (``liaison``) and the public. Nothing is
written except the login sessions. First the process warms up as ``wsgi.py`` makes it do; then
each page once ("first"), then ``--requests`` more (median and max). Target: < 300 ms for every
page; the Excel export of the whole board (a download): < 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")

TARGET_MS = 300
EXPORT_TARGET_MS = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("XIAONENG_DATA_DIR"):
        sys.exit("请设置 XIAONENG_DATA_DIR 为演示数据所在目录（如 var/demo）")

    import django

    django.setup()
    from django.test import Client

    from xiaoneng.accounts.models import User
    from xiaoneng.rectification.models import Drive, Task

    closed = Task.objects.filter(status="closed", flow="plan").order_by("-pk").first()
    running = Task.objects.filter(status="in_progress").order_by("-pk").first()
    public = Task.objects.public().order_by("-pk").first()
    drive = Drive.objects.order_by("-pk").first()
    if closed is None or running is None or public is None or drive is None:
        sys.exit("演示数据中缺少整改任务或专项活动，请用 xiaoneng demo 重新生成")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; database: {django.db.connection.vendor}; "
        f"tasks: {Task.objects.count()}; load average: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    # What a web process does when it starts (wsgi.py runs it in a thread), off the request path.
    from xiaoneng.web.warmup import warm_up

    started = time.perf_counter()
    warm_up()
    print(f"process warm-up (wsgi.py, off the request path): {ms(started):.0f} ms")
    pages = [
        ("office", "看板 board", "/office/rectification/"),
        ("office", "看板 未办结+超期", "/office/rectification/?status=open&late=1"),
        ("office", "看板 按编号", f"/office/rectification/?q={running.number}"),
        ("office", "任务 整改中", f"/office/rectification/{running.pk}/"),
        ("office", "任务 已办结", f"/office/rectification/{closed.pk}/"),
        ("office", "导出 Excel", "/office/rectification/export.xlsx"),
        ("office", "专项活动 grid", f"/office/rectification/drives/{drive.pk}/"),
        ("office", "工作台 dashboard", "/office/"),
        ("liaison", "联络员 本单位", "/office/rectification/"),
        (None, "公示 list", "/rectification/"),
        (None, "公示 detail", f"/rectification/{public.pk}/"),
    ]
    clients = {}
    for username in {user for user, _, _ in pages}:
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        client.handler.load_middleware()
        clients[username] = client

    print(f"\n| page | user | first | median of {args.requests} | max |")
    print("|---|---|---:|---:|---:|")
    worst, worst_export, failed = 0.0, 0.0, []
    for username, label, url in pages:
        client = clients[username]
        first, status = timed(client, url)
        who = username or "公众"
        if status != 200:
            failed.append(url)
            print(f"| {label} `{url}` | {who} | HTTP {status} | | |")
            continue
        runs = [timed(client, url)[0] for _ in range(args.requests)]
        if url.endswith(".xlsx"):
            worst_export = max(worst_export, first, *runs)
        else:
            worst = max(worst, first, *runs)
        print(
            f"| {label} `{url}` | {who} | {first:.0f} ms | "
            f"{statistics.median(runs):.0f} ms | {max(runs):.0f} ms |"
        )
    verdict = "met" if worst < TARGET_MS and not failed else "NOT met"
    print(f"\nslowest page: {worst:.0f} ms; target < {TARGET_MS} ms {verdict}")
    verdict = "met" if worst_export < EXPORT_TARGET_MS else "NOT met"
    print(f"slowest export: {worst_export:.0f} ms; target < {EXPORT_TARGET_MS} ms {verdict}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def timed(client, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    return ms(started), response.status_code


if __name__ == "__main__":
    main()
