"""Benchmark: the bulletin pages on the demo — the monthly 效能通报's draft (page and Word), the
complaint bulletin's draft, and an issued bulletin (page and Word, read from its snapshot).

Run:  XIAONENG_DATA_DIR=var/demo .venv/bin/python bench/bench_bulletin_pages.py
      [--requests 10] [--month 2026-10]

Needs the demo built in that data directory (``xiaoneng demo``; ``./run-demo`` builds it) and its
static files collected. Requests go through Django's test client as the demo's 效能办
(``office``) and the public. **Writes**: it issues one monthly 效能通报 (and one more each run)
in that data directory, to time the issued pages — use a throwaway demo. Each page once
("first"), then ``--requests`` more (median and max). Target: < 300 ms for the pages where
feasible (the draft computes six apps' figures; an issued bulletin reads its snapshot).
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
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--month", default="")
    args = parser.parse_args()
    if not os.environ.get("XIAONENG_DATA_DIR"):
        sys.exit("请设置 XIAONENG_DATA_DIR 为演示数据所在目录（如 var/demo）")

    import django

    django.setup()
    from django.test import Client

    from xiaoneng.accounts.models import User
    from xiaoneng.bulletins import drafts, issuing
    from xiaoneng.bulletins.services import Period
    from xiaoneng.web.warmup import warm_up

    month = args.month or Period.default().key
    office = User.objects.get(username="office")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; database: {django.db.connection.vendor}; month: {month}; "
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    started = time.perf_counter()
    warm_up()
    print(f"process warm-up: {ms(started):.0f} ms")
    started = time.perf_counter()
    issued = issuing.issue(office, drafts.build(office, "monthly", month))
    print(f"issuing the monthly bulletin (draft + Word + store): {ms(started):.0f} ms")
    at = f"{issued.kind}/{issued.year}-{issued.sequence}/v{issued.version}/"
    pages = [
        ("office", "效能通报 draft", f"/office/bulletins/monthly/?key={month}"),
        ("office", "效能通报 draft Word", f"/office/bulletins/draft/monthly/word/?key={month}"),
        ("office", "投诉通报 draft", f"/office/bulletins/draft/complaints/?key={month}"),
        ("office", "投诉通报 live page", f"/office/bulletins/?period={month}"),
        ("office", "issued list", "/office/bulletins/issued/"),
        ("office", "issued page", f"/office/bulletins/issued/{at}"),
        ("office", "issued Word", f"/office/bulletins/issued/{at}word/"),
        (None, "public issued page", f"/open/bulletins/{at}"),
        (None, "public list", "/open/bulletins/"),
    ]
    clients = {}
    for username in {user for user, _, _ in pages}:
        client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        clients[username] = client

    print(f"\n| page | user | first | median of {args.requests} | max |")
    print("|---|---|---:|---:|---:|")
    failed = []
    for username, label, url in pages:
        client = clients[username]
        first, status = timed(client, url)
        if status != 200:
            failed.append(url)
            print(f"| {label} `{url}` | {username or '公众'} | HTTP {status} | | |")
            continue
        runs = [timed(client, url)[0] for _ in range(args.requests)]
        print(
            f"| {label} `{url}` | {username or '公众'} | {first:.0f} ms | "
            f"{statistics.median(runs):.0f} ms | {max(runs):.0f} ms |"
        )
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
