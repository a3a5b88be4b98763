"""Benchmark: the complaint pages on the demo (效能投诉: list, detail, 受理转办, dashboard).

Run:  XIAONENG_DATA_DIR=var/demo .venv/bin/python bench/bench_complaint_pages.py [--requests 20]
      [--no-warm-up]

Needs the demo built in that data directory (``xiaoneng demo``) and its static files collected
(``xiaoneng collectstatic --noinput``; ``./run-demo`` does both). Requests go through Django's
test client with the production settings — the whole view: middleware, session, queries,
template — as the demo's 效能办 user (``office``) and, for the unit's view, its 单位联络员
(``liaison``). Nothing is written except the two login sessions.

First the process does what a web process does when it starts (``xiaoneng.web.warmup``, which
``wsgi.py`` runs in a thread: the URL configuration, jieba's dictionary and the routing model;
timed here on its own), unless ``--no-warm-up``.
Then each page once ("first": this process has not rendered it yet), then ``--requests`` more
(median and max). Target: < 300 ms for every page.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--no-warm-up", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("XIAONENG_DATA_DIR"):
        sys.exit("请设置 XIAONENG_DATA_DIR 为演示数据所在目录（如 var/demo）")

    import django

    django.setup()
    from django.test import Client

    from xiaoneng.accounts.models import User
    from xiaoneng.complaints.models import Complaint

    waiting = Complaint.objects.filter(status=Complaint.Status.SUBMITTED).order_by("-pk").first()
    handling = Complaint.objects.filter(status=Complaint.Status.HANDLING).order_by("-pk").first()
    closed = Complaint.objects.filter(status=Complaint.Status.CLOSED).order_by("-pk").first()
    if waiting is None or handling is None or closed is None:
        sys.exit("演示数据中缺少待受理、办理中或已办结的投诉，请用 xiaoneng demo 重新生成")

    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; database: {django.db.connection.vendor}; "
        f"complaints: {Complaint.objects.count()}; load average: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if args.no_warm_up:
        print("process warm-up: skipped (--no-warm-up)")
    else:
        from xiaoneng.web.warmup import warm_up

        started = time.perf_counter()
        warm_up()
        print(f"process warm-up (wsgi.py, off the request path): {ms(started):.0f} ms")

    pages = [
        ("office", "列表 list", "/office/complaints/"),
        ("office", "列表 待受理", "/office/complaints/?status=submitted"),
        ("office", "列表 按编号", f"/office/complaints/?q={waiting.number}"),
        ("office", "列表 超期", "/office/complaints/?overdue=1"),
        ("office", "详情 已办结", f"/office/complaints/{closed.pk}/"),
        ("office", "详情 办理中", f"/office/complaints/{handling.pk}/"),
        ("office", "受理转办", f"/office/complaints/{waiting.pk}/route/"),
        ("office", "工作台 dashboard", "/office/"),
        ("liaison", "联络员 列表", "/office/complaints/"),
    ]
    clients = {}
    for username in {user for user, _, _ in pages}:
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        # A server loads its middleware when it starts (get_wsgi_application), not per request.
        client.handler.load_middleware()
        clients[username] = client

    print(f"\n| page | user | first | median of {args.requests} | max |")
    print("|---|---|---:|---:|---:|")
    worst, failed = 0.0, []
    for username, label, url in pages:
        client = clients[username]
        first, status = timed(client, url)
        if status != 200:
            failed.append(url)
            print(f"| {label} `{url}` | {username} | HTTP {status} | | |")
            continue
        runs = [timed(client, url)[0] for _ in range(args.requests)]
        worst = max(worst, first, *runs)
        print(
            f"| {label} `{url}` | {username} | {first:.0f} ms | "
            f"{statistics.median(runs):.0f} ms | {max(runs):.0f} ms |"
        )
    verdict = "met" if worst < TARGET_MS and not failed else "NOT met"
    print(f"\nslowest request: {worst:.0f} ms; target < {TARGET_MS} ms {verdict}")
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
