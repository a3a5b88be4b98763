"""Benchmark: every staff page a demo role sees, on the demo database, in one run.

Run (after ``./run-demo`` or ``xiaoneng demo`` has built the default demo)::

    XIAONENG_DATA_DIR=var/demo .venv/bin/python bench/bench_pages.py [--requests 5] [--roles …]

For each demo account (admin, office, leader, liaison, window, supervisor) it opens the office
home, reads the side navigation from the page, and times every page listed there plus the
first detail page linked from each list (a case, a card, a complaint, a campaign, a unit, a
person, an inquiry, a catalog item, an audit entry …) and a few pages reached from those lists
(the statistics' windows panel and joint cases, the inbox).

Each page is requested through Django's test client in-process (middleware, session, every
query, the template; no HTTP server, no browser) after one warm-up request; the table shows the
median and the maximum of ``--requests`` timed requests, the number of SQL queries and the size
of the HTML. Pages over the target (300 ms) are marked. Nothing is written to the database
except sessions.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TARGET_MS = 300
ROLES = ("admin", "office", "leader", "liaison", "window", "supervisor")
#: Pages reached from a list rather than from the navigation, when the role's navigation has
#: the list: (list URL, page).
EXTRA = (
    ("/office/stats/", "/office/stats/windows/"),
    ("/office/stats/", "/office/stats/joint/"),
    ("/office/", "/office/inbox/"),
)
NAV = re.compile(r'<nav class="sidenav".*?</nav>', re.S)
HREF = re.compile(r'href="(/[^"#?]*)"')


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    os.environ.setdefault("XIAONENG_ALLOWED_HOSTS", "testserver")
    hosts = os.environ["XIAONENG_ALLOWED_HOSTS"]
    if "testserver" not in hosts.split(","):
        os.environ["XIAONENG_ALLOWED_HOSTS"] = hosts + ",testserver"
    import logging

    import django

    django.setup()
    # A page that fails shows as its status in the table; its traceback would bury the table.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def pages_for(client, first_html: str) -> list[str]:
    """The navigation's pages, each list's first detail page and the extras."""
    nav = NAV.search(first_html)
    if nav is None:
        raise SystemExit("首页没有侧边导航：该账号不能使用办公页面？")
    listed = list(dict.fromkeys(HREF.findall(nav.group(0))))
    found = list(listed)
    for url in listed:
        if url == "/office/":
            continue
        html = client.get(url).content.decode()
        detail = re.search(rf'href="({re.escape(url)}\d+/)"', html)
        if detail:
            found.append(detail.group(1))
    for parent, url in EXTRA:
        if parent in listed:
            found.append(url)
    return found


def time_page(client, url: str, requests: int) -> tuple[float, list[float], int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The first request of a page compiles its templates and fills caches: shown apart.
    started = time.perf_counter()
    client.get(url)
    first = (time.perf_counter() - started) * 1000
    times = []
    status = size = queries = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        status, size, queries = response.status_code, len(response.content), len(captured)
    return first, times, status, size, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--roles", default=",".join(ROLES))
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from xiaoneng.cases.models import Case

    if not Case.objects.exists():
        raise SystemExit(f"{settings.DATA_DIR} 中没有演示数据：先运行 ./run-demo 或 xiaoneng demo")
    db = settings.DATABASES["default"]
    print(
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']} · cases {Case.objects.count():,}"
        f" · {platform.python_version()} · nproc {os.cpu_count()} · load {os.getloadavg()[0]:.2f}"
    )
    User = get_user_model()
    rows = []
    started = time.perf_counter()
    for username in args.roles.split(","):
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        home = client.get("/office/")
        for url in pages_for(client, home.content.decode()):
            first, times, status, size, queries = time_page(client, url, args.requests)
            median, worst = statistics.median(times), max(times)
            rows.append((username, url, first, median, worst, status, queries, size))
    header = f"{'role':<11}{'page':<44}{'first ms':>9}{'median ms':>10}{'max ms':>9}{'status':>7}"
    print(f"{header}{'queries':>8}{'KB':>8}")
    for username, url, first, median, worst, status, queries, size in rows:
        flag = "  > target" if median > TARGET_MS or status != 200 else ""
        print(
            f"{username:<11}{url:<44}{first:>9.1f}{median:>10.1f}{worst:>9.1f}{status:>7}"
            f"{queries:>8}{size / 1024:>8.1f}{flag}"
        )
    slow = [r for r in rows if r[3] > TARGET_MS or r[5] != 200]
    slowest = max(r[3] for r in rows)
    took = time.perf_counter() - started
    print(
        f"{len(rows)} pages, {len(slow)} over {TARGET_MS} ms or not 200; slowest median "
        f"{slowest:.1f} ms; run took {took:.0f} s (load {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()
