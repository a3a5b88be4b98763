"""Benchmark: 待立案线索 (``/office/accountability/sources/``) on the demo.

Run:  XIAONENG_DATA_DIR=var/demo .venv/bin/python bench/bench_accountability_sources.py
      [--requests 10]

Needs the demo built in that data directory (``xiaoneng demo``; ``./run-demo`` builds it) and
its static files collected. Compares, on the same database and the same 90 days:

- **before** — ``services.candidates``: every provider's ``find`` describes all its records of
  90 days in Python, then the opened ones are dropped and the rest sorted (what the page did
  until it was paged in the database; the automatic intake still uses it, over 30 days);
- **after** — ``services.pending``: per provider one ``COUNT`` and one ordered, limited query
  that leave the opened sources out in SQL, then the page's 50 records described;
- the page itself through Django's test client as the demo's 效能办 (``office``): the whole
  view, middleware to template; first request, then ``--requests`` more (median and max).

It checks first that both give the same newest 50. Nothing is written but the login session.
Target: the page < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")

TARGET_MS = 300
PAGE = 50


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    if not os.environ.get("XIAONENG_DATA_DIR"):
        sys.exit("请设置 XIAONENG_DATA_DIR 为演示数据所在目录（如 var/demo）")

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from xiaoneng.accountability import services
    from xiaoneng.accountability.models import Violation
    from xiaoneng.accounts.models import User
    from xiaoneng.web.warmup import warm_up

    warm_up()
    now = timezone.now()
    since = now - timedelta(days=90)
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; database: {django.db.connection.vendor}; "
        f"violations: {Violation.objects.count()}; load average: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    old = list(reversed(services.candidates(since, now)))
    new = services.pending(since, now, PAGE)
    if list(new.records) != old[:PAGE] or new.total != len(old):
        sys.exit("before and after disagree on the newest records")
    per_cause = {str(c): n for c, n in new.by_cause}
    print(f"unopened source records of 90 days: {new.total} ({per_cause})")

    def runs(work) -> list[float]:
        found = []
        for _ in range(args.requests):
            started = time.perf_counter()
            work()
            found.append(ms(started))
        return found

    before = runs(lambda: services.candidates(since, now))
    after = runs(lambda: services.pending(since, now, PAGE))
    client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    client.force_login(User.objects.get(username="office"))
    client.handler.load_middleware()
    last = (new.total - 1) // PAGE + 1
    print(f"\n| what | first | median of {args.requests} | max |")
    print("|---|---:|---:|---:|")
    for label, figures in (("before: `candidates` (90 days)", before), ("after: `pending`", after)):
        print(f"| {label} | | {statistics.median(figures):.0f} ms | {max(figures):.0f} ms |")
    worst = 0.0
    for label, url in (
        ("page 1", "/office/accountability/sources/"),
        (f"page {last} (last)", f"/office/accountability/sources/?page={last}"),
    ):
        started = time.perf_counter()
        status = client.get(url).status_code
        first = ms(started)
        if status != 200:
            sys.exit(f"{url}: HTTP {status}")
        timings = runs(lambda url=url: client.get(url))
        worst = max(worst, first, *timings)
        print(
            f"| {label} `{url}` | {first:.0f} ms | {statistics.median(timings):.0f} ms | "
            f"{max(timings):.0f} ms |"
        )
    verdict = "met" if worst < TARGET_MS else "NOT met"
    print(f"\nslowest page request: {worst:.0f} ms; target < {TARGET_MS} ms {verdict}")


if __name__ == "__main__":
    main()
