"""Sweeper benchmark on PostgreSQL: one pass over 1,000,000 open cases with nothing due, then a
pass in which 10,000 cases are newly overdue (each gets its red light, its card, its audit entry
and its notifications).

    .venv/bin/python bench/bench_sweeper.py [--cases 1000000] [--due 10000]

Creates and drops its own database ``xn_bench_sweeper`` on 127.0.0.1:5432 (user postgres).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

DB = "xn_bench_sweeper"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("XIAONENG_DATA_DIR", "/tmp/xn-bench-sweeper")
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiaoneng.settings"
    subprocess.run([sys.executable, "-m", "xiaoneng.cli", "migrate", "-v0"], check=True)

    import django

    django.setup()
    from django.db import connection

    from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion
    from xiaoneng.org.models import Unit
    from xiaoneng.supervision.models import Card
    from xiaoneng.supervision.watches import sweep

    root = Unit.objects.create(name="示范市", code="SF", kind="region")
    root.path = f"{root.pk}/"
    root.save()
    units = []
    for n in range(64):
        unit = Unit.objects.create(name=f"部门{n}", code=f"D{n}", kind="department", parent=root)
        unit.path = f"{root.path}{unit.pk}/"
        unit.save()
        units.append(unit)
    items = []
    for n, unit in enumerate(units):
        item = ServiceItem.objects.create(code=f"I{n}", name=f"事项{n}", unit=unit)
        version = ServiceItemVersion.objects.create(
            item=item,
            number=1,
            effective_from="2020-01-01",
            legal_basis="x",
            legal_limit_days=20,
            committed_limit_days=10,
        )
        items.append((item.pk, version.pk, unit.pk))

    now = datetime.now(UTC)
    accepted = now - timedelta(days=3)
    later = now + timedelta(days=30)
    t0 = time.perf_counter()
    columns = (
        "number, code_digest, item_id, item_version_id, unit_id, channel, applicant_name, "
        "applicant_kind, joint_mode, status, accepted_at, limit_days, extended_days, "
        "elapsed_days, paused, light, "
        "correction_count, result_reason, created_at, updated_at, due_at, warn_at, deadline_open, "
        "deadline_provisional"
    )
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
            for n in range(args.cases):
                item, version, unit = items[n % len(items)]
                copy.write_row(
                    (
                        f"B{n:08d}",
                        "",
                        item,
                        version,
                        unit,
                        "api",
                        "申请人",
                        "person",
                        "",
                        "accepted",
                        accepted,
                        10,
                        0,
                        1,
                        False,
                        "green",
                        0,
                        "",
                        accepted,
                        accepted,
                        later,
                        later,
                        True,
                        False,
                    )
                )
    connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    fill = time.perf_counter() - t0
    print(f"filled {args.cases} open cases in {fill:.1f}s")

    quiet = []
    for _ in range(20):
        t = time.perf_counter()
        report = sweep(now=now)
        quiet.append((time.perf_counter() - t) * 1000)
        assert report.total == 0
    print(
        f"pass with nothing due: median {statistics.median(quiet):.1f} ms, max {max(quiet):.1f} ms"
    )

    def make_due(field: str, when: datetime) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE cases_case SET {field} = %s WHERE id IN "
                "(SELECT id FROM cases_case ORDER BY id LIMIT %s)",
                [when, args.due],
            )

    def timed_pass(label: str) -> None:
        t = time.perf_counter()
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            report = profiler.runcall(sweep, now=now)
            pstats.Stats(profiler).sort_stats("cumtime").print_stats(35)
        else:
            report = sweep(now=now)
        busy = time.perf_counter() - t
        print(
            f"pass with {args.due} newly {label}: {busy:.2f} s "
            f"(warned {sum(report.warned.values())}, overdue {sum(report.overdue.values())}, "
            f"cards so far {Card.objects.count()})"
        )

    # As in operation: the cases reach their warning instant first, then their due instant.
    make_due("warn_at", now - timedelta(days=1))
    timed_pass("warned (yellow light, a notification each)")
    make_due("due_at", now - timedelta(hours=1))
    timed_pass("overdue (red light, a red card, its audit entry and notifications each)")
    t = time.perf_counter()
    report = sweep(now=now)
    print(f"next pass: {(time.perf_counter() - t) * 1000:.1f} ms, handled {report.total}")
    connection.close()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
