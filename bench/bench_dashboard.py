"""Benchmark: the 办件统计 dashboard over the rollups of 1,000,000 finished cases (PostgreSQL).

Run:  .venv/bin/python bench/bench_dashboard.py [--cases 1000000] [--requests 30] [--keep]

What it does:

1. Creates the database ``xn_bench_dash`` on ``BENCH_PG`` (default
   ``postgres://postgres@127.0.0.1:5432``), dropping an old one first, and migrates it.
2. Builds a city like the demo's: 64 departments with 3 sections each, a service centre with
   12 windows, 1,800 catalog items (60 % 承诺件, 25 % 即办件, 10 % 联办件 with 3 steps, 5 % 上报件).
3. Generates ``--cases`` finished cases spread over the last 12 months (seeded, with a share
   of late ones that varies by department) plus 4 % as many open cases (a quarter of them past
   their deadline), and writes them with ``COPY``: the ``Case`` rows, the steps of the joint
   cases, one card per late case or late step, and the two rollup tables *computed from the same
   generated cases* — exactly what ``cases.services`` would have left after ingesting them.
4. Times requests through Django's test client (the whole view: middleware, session, queries,
   template, ECharts options), after two warm-up requests each, and prints median and p95.

The dashboard never reads ``Case`` rows for its rates; the open/overdue counts do (that is
why the Case rows exist), and the joint-case page reads cases and steps of joint items.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DB_NAME = "xn_bench_dash"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TARGET_MS = 300
DEPARTMENTS = 64
SECTIONS = 3
WINDOWS = 12
ITEMS = 1800
TYPES = [("promised", 0.60), ("instant", 0.25), ("joint", 0.10), ("reported", 0.05)]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def setup_django(data_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ["XIAONENG_DATA_DIR"] = data_dir
    os.environ["XIAONENG_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    import django

    django.setup()


def month_add(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


# ---- the city ------------------------------------------------------------------------------


def build_city(rng: random.Random):
    from xiaoneng.accounts.models import User
    from xiaoneng.accounts.roles import Role
    from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion, Step
    from xiaoneng.org.models import Unit

    def add(name, code, kind, parent):
        unit = Unit.objects.create(name=name, code=code, kind=kind, parent=parent)
        unit.path = f"{parent.path if parent else ''}{unit.pk}/"
        unit.depth = unit.path.count("/") - 1
        unit.save(update_fields=["path", "depth"])
        return unit

    root = add("示范市", "ROOT", "region", None)
    departments, owners = [], []
    for d in range(DEPARTMENTS):
        dept = add(f"市第{d + 1}局", f"D{d:02d}", "department", root)
        departments.append(dept)
        owners.append(dept)
        for s in range(SECTIONS):
            owners.append(add(f"第{d + 1}局第{s + 1}科", f"D{d:02d}S{s}", "section", dept))
    centre = add("政务服务中心", "CENTRE", "centre", root)
    windows = [add(f"综合窗口{w + 1}号", f"W{w:02d}", "window", centre) for w in range(WINDOWS)]

    kinds = [t for t, _ in TYPES]
    weights = [w for _, w in TYPES]
    items = []
    for i in range(ITEMS):
        unit = owners[i % len(owners)]
        kind = rng.choices(kinds, weights)[0]
        limit = 0 if kind == "instant" else rng.choice([3, 5, 7, 10, 15, 20])
        item = ServiceItem.objects.create(
            code=f"I{i:05d}", name=f"事项{i:05d}", unit=unit, handling_type=kind
        )
        version = ServiceItemVersion.objects.create(
            item=item,
            number=1,
            effective_from=date(2020, 1, 1),
            legal_basis="《测试条例》",
            legal_limit_days=max(limit, 20),
            committed_limit_days=limit,
        )
        steps = []
        if kind == "joint":
            partners = rng.sample(departments, 2)
            plan = [
                ("accept", 1, None, unit),
                ("review-a", max(1, limit // 2), 1, partners[0]),
                ("review-b", max(1, limit // 2), 1, partners[1]),
            ]
            for order, (code, days, group, step_unit) in enumerate(plan, start=1):
                Step.objects.create(
                    version=version,
                    order=order,
                    code=code,
                    name=code,
                    limit_days=days,
                    parallel_group=group,
                    unit=step_unit,
                )
                steps.append((order, code, days, group, step_unit.pk))
        items.append((item.pk, version.pk, unit.pk, kind, limit, steps))
    office = User.objects.create_user("office", password="x", role=Role.OFFICE, unit=root)
    liaison = User.objects.create_user(
        "liaison", password="x", role=Role.LIAISON, unit=departments[0]
    )
    return root, departments, windows, items, office, liaison


# ---- cases and rollups ---------------------------------------------------------------------


class Copier:
    """Streams rows into ``COPY … FROM STDIN`` in chunks (tab-separated, \\N for NULL)."""

    def __init__(self, cursor, table: str, columns: list[str]):
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, row) -> None:
        self.buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        self.buffer.write("\n")
        self.rows += 1

    def flush(self) -> None:
        data = self.buffer.getvalue()
        if data:
            cols = ", ".join(f'"{c}"' for c in self.columns)
            with self.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                copy.write(data)
        self.buffer = io.StringIO()


def generate(rng: random.Random, n_cases: int, city, now: datetime) -> dict[str, int]:
    from django.db import connection

    from xiaoneng.cases.models import Case, CaseDurationStat, CaseMonthStat, CaseStep
    from xiaoneng.supervision.models import Card

    _root, departments, windows, items, _office, _liaison = city
    this_month = date(now.year, now.month, 1)
    months = [month_add(this_month, -k) for k in range(11, -1, -1)]
    # Departments differ: some are late far more often than others (what a ranking is for).
    late_share = {d.pk: 0.02 + 0.25 * rng.random() ** 2 for d in departments}
    dept_of = {}
    for d in departments:
        dept_of[d.pk] = d.pk
    from xiaoneng.org.models import Unit

    for unit_id, parent_id in Unit.objects.filter(kind="section").values_list("id", "parent_id"):
        dept_of[unit_id] = parent_id

    case_cols = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    step_cols = [f.column for f in CaseStep._meta.concrete_fields if f.column != "id"]
    card_cols = [f.column for f in Card._meta.concrete_fields if f.column != "id"]
    month_rows: dict[tuple, list[int]] = {}
    month_type: dict[tuple, str] = {}
    durations: Counter = Counter()
    counts = Counter()
    with connection.cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        cases = Copier(cursor, Case._meta.db_table, case_cols)
        steps = Copier(cursor, CaseStep._meta.db_table, step_cols)
        cards = Copier(cursor, Card._meta.db_table, card_cols)
        n_open = n_cases * 4 // 100
        for k in range(n_cases + n_open):
            case_id = k + 1
            if k and k % 100_000 == 0:
                # Cases first: steps and cards refer to them.
                cases.flush()
                steps.flush()
                cards.flush()
            item_id, version_id, unit_id, kind, limit, plan = items[rng.randrange(len(items))]
            window_id = rng.choice(windows).pk if rng.random() < 0.6 else None
            finished = k < n_cases
            late = rng.random() < late_share[dept_of[unit_id]]
            if finished:
                month = months[rng.randrange(12)]
                finished_at = datetime(
                    month.year, month.month, rng.randint(1, 28), rng.randint(1, 9), tzinfo=UTC
                )
                days = limit + rng.randint(1, 8) if late else rng.randint(limit // 3, limit)
                accepted_at = finished_at - timedelta(days=days * 7 // 5 + 1)
                status, light = "approved", "red" if late else "green"
                due_at = accepted_at + timedelta(days=limit * 7 // 5 + 1)
                on_time, early = not late, days < limit
                key = (month, unit_id, item_id, window_id or unit_id)
                row = month_rows.setdefault(key, [0, 0, 0, 0])
                row[0] += 1
                row[1] += on_time
                row[2] += early
                row[3] += days
                month_type[key] = kind
                durations[(month, unit_id, item_id, days)] += 1
                stat = (month, on_time, early, days)
                counts["finished"] += 1
            else:
                accepted_at = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 9))
                due_at = accepted_at + timedelta(days=limit * 7 // 5 + 1)
                finished_at, status, stat = None, "accepted", (None, None, None, None)
                days = max(0, (now - accepted_at).days * 5 // 7)
                light = "red" if due_at < now else "green"
                counts["open"] += 1
                counts["overdue"] += due_at < now
            values = {
                "number": f"N{case_id:08d}",
                "code_digest": "",
                "item_id": item_id,
                "item_version_id": version_id,
                "unit_id": unit_id,
                "window_id": window_id,
                "handler_id": None,
                "channel": "window",
                "applicant_name": "申请人",
                "applicant_kind": "person",
                "joint_mode": "parallel" if kind == "joint" else "",
                "status": status,
                "accepted_at": accepted_at.isoformat(),
                "finished_at": finished_at.isoformat() if finished_at else None,
                "delivered_at": None,
                "limit_days": limit,
                "extended_days": 0,
                "elapsed_days": days,
                "paused": "f",
                "light": light,
                "correction_count": 0,
                "result_reason": "",
                "last_event_at": (finished_at or accepted_at).isoformat(),
                "created_at": accepted_at.isoformat(),
                "updated_at": (finished_at or accepted_at).isoformat(),
                "stat_month": stat[0].isoformat() if stat[0] else None,
                "stat_on_time": None if stat[1] is None else ("t" if stat[1] else "f"),
                "stat_early": None if stat[2] is None else ("t" if stat[2] else "f"),
                "stat_days": stat[3],
                "due_at": due_at.isoformat(),
                "warn_at": None,
                "deadline_open": "f" if finished else "t",
                "warned_at": None,
                "overdue_at": None,
                "deadline_provisional": "f",
            }
            cases.add([values[c] for c in case_cols])
            if late and finished:
                cards.add(
                    _card(
                        card_cols,
                        "red",
                        "case_overdue",
                        f"case:{case_id}:overdue",
                        unit_id,
                        case_id,
                        finished_at,
                    )
                )
                counts["cards"] += 1
            if plan and finished:
                # Steps of a joint case: accept, then the two reviews side by side.
                first = rng.randint(0, 1)
                a, b = rng.randint(0, days), rng.randint(0, days)
                for order, code, step_limit, group, step_unit in plan:
                    elapsed = first if order == 1 else (a if order == 2 else b)
                    steps.add(
                        [
                            {
                                "case_id": case_id,
                                "order": order,
                                "code": code,
                                "name": code,
                                "unit_id": step_unit,
                                "limit_days": step_limit,
                                "parallel_group": group,
                                "started_at": accepted_at.isoformat(),
                                "finished_at": finished_at.isoformat(),
                                "elapsed_days": elapsed,
                                "due_at": None,
                                "warn_at": None,
                                "deadline_open": "f",
                                "warned_at": None,
                                "overdue_at": None,
                                "deadline_provisional": "f",
                            }[c]
                            for c in step_cols
                        ]
                    )
                    counts["steps"] += 1
        cases.flush()
        steps.flush()
        cards.flush()

        month_cols = [f.column for f in CaseMonthStat._meta.concrete_fields if f.column != "id"]
        stats = Copier(cursor, CaseMonthStat._meta.db_table, month_cols)
        for key, (n, on_time, early, days_total) in month_rows.items():
            month, unit_id, item_id, window_id = key
            values = {
                "month": month.isoformat(),
                "unit_id": unit_id,
                "item_id": item_id,
                "window_id": window_id,
                "handling_type": month_type[key],
                "finished": n,
                "on_time": on_time,
                "early": early,
                "days_total": days_total,
            }
            stats.add([values[c] for c in month_cols])
        stats.flush()
        duration_cols = [
            f.column for f in CaseDurationStat._meta.concrete_fields if f.column != "id"
        ]
        dur = Copier(cursor, CaseDurationStat._meta.db_table, duration_cols)
        for (month, unit_id, item_id, days), n in durations.items():
            values = {
                "month": month.isoformat(),
                "unit_id": unit_id,
                "item_id": item_id,
                "days": days,
                "count": n,
            }
            dur.add([values[c] for c in duration_cols])
        dur.flush()
        counts["month_rows"] = len(month_rows)
        counts["duration_rows"] = len(durations)
        # What autovacuum leaves a live database with: statistics and a visibility map (so
        # that index-only scans need not visit the table).
        cursor.execute("VACUUM ANALYZE")
    return dict(counts)


def _card(columns, color, cause, key, unit_id, case_id, at):
    values = {
        "color": color,
        "cause": cause,
        "cause_key": key,
        "unit_id": unit_id,
        "staff_id": None,
        "window_id": None,
        "sequence": None,  # only an accumulation red card has one
        "subject_type": "cases.case",
        "subject_id": str(case_id),
        "summary": "办件超过承诺时限",
        "raised_at": at.isoformat(),
        "status": "active",
        "contest_reason": "",
        "contested_at": None,
        "contested_by_id": None,
        "decision_reason": "",
        "decided_at": None,
        "decided_by_id": None,
    }
    return [values[c] for c in columns]


# ---- timing --------------------------------------------------------------------------------


def timed(client, url: str, n: int, headers: dict | None = None) -> tuple[list[float], int]:
    for _ in range(2):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    return samples, len(response.content)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="time a database kept by an earlier --keep run"
    )
    args = parser.parse_args()

    if not args.reuse:
        recreate_database()
    data_dir = tempfile.mkdtemp(prefix="xn-bench-dash-")
    setup_django(data_dir)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    now = timezone.now()
    if args.reuse:
        from xiaoneng.accounts.models import User
        from xiaoneng.org.models import Unit

        office, liaison = User.objects.get(username="office"), User.objects.get(username="liaison")
        department = Unit.objects.get(code="D00")
        print(f"database {DB_NAME}: reused")
    else:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        rng = random.Random(20260213)
        city = build_city(rng)
        counts = generate(rng, args.cases, city, now)
        build_s = time.perf_counter() - t0
        _root, departments, _w, _items, office, liaison = city
        department = departments[0]
        print(f"database {DB_NAME}: built in {build_s:.0f} s: {counts}")

    # Plain static files: the manifest storage would need a collectstatic first.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        client = Client()
        client.force_login(office)
        scenarios = [
            ("office: last 12 months, all units (unit × month)", "/office/stats/"),
            ("office: year, 承诺件 only", f"/office/stats/?p=y{now.year}&type=promised"),
            ("office: one month", f"/office/stats/?p=m{now:%Y-%m}"),
            (
                "office: drilled into a department (+ its items)",
                f"/office/stats/?unit={department.pk}",
            ),
            ("office: htmx body only", "/office/stats/?p=12m"),
            ("office: windows panel (loaded after the page)", "/office/stats/windows/"),
            ("office: Excel export (all items)", "/office/stats/export.xlsx"),
            ("office: joint-case analysis (≤ 10,000 cases)", "/office/stats/joint/"),
        ]
        liaison_client = Client()
        liaison_client.force_login(liaison)
        scenarios.append(("liaison: own department's subtree", "/office/stats/"))
        results = []
        for label, url in scenarios:
            who = liaison_client if label.startswith("liaison") else client
            headers = {"HX-Request": "true"} if "htmx" in label else {}
            n = args.requests if "Excel" not in label else max(5, args.requests // 3)
            statements: list[str] = []

            def count(run, sql, *rest, statements=statements):
                statements.append(sql)
                return run(sql, *rest)

            with connection.execute_wrapper(count):
                who.get(url, headers=headers)
            samples, size = timed(who, url, n, headers)
            results.append(
                (label, n, statistics.median(samples), p95(samples), len(statements), size)
            )

    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next(
        (line.split(":", 1)[1].strip() for line in cpu.splitlines() if "Model name" in line), "?"
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, PostgreSQL {pg}, nproc {os.cpu_count()}, {model}")
    print(f"load average after the run: {load}")
    print(f"{'request':54} {'n':>3} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>9}")
    for label, n, median, high, q, size in results:
        print(f"{label:54} {n:>3} {median:>10.1f} {high:>8.1f} {q:>8} {size:>9,}")
    main_median, main_p95 = results[0][2], results[0][3]
    verdict = "met" if main_p95 < TARGET_MS else "MISSED"
    print(
        f"target < {TARGET_MS} ms for the unit × month dashboard: median {main_median:.0f} ms, "
        f"p95 {main_p95:.0f} ms: {verdict}"
    )
    if not (args.keep or args.reuse):
        drop_database()


if __name__ == "__main__":
    main()
