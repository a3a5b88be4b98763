"""Benchmark: computing a 绩效考评 period for 300 units over a year of data (PostgreSQL).

Run:  .venv/bin/python bench/bench_assessment.py [--cases 1000000] [--runs 3] [--keep | --reuse]

What it does:

1. Creates the database ``xn_bench_assessment`` on ``BENCH_PG`` (default
   ``postgres://postgres@127.0.0.1:5432``), dropping an old one first, and migrates it.
2. Builds the city and the cases the way ``bench_dashboard.py`` does (its functions, reused):
   299 departments and a service centre with 12 windows — **300 assessed units** in three
   categories of 100 —, 1,800 catalog items, ``--cases`` finished cases over the 12 months of
   2026 plus 4 % open ones, one card per late case, and the case rollups computed from those same
   cases, all written with ``COPY``.
3. Adds, with ``bulk_create``: **10,000 complaints** closed in 2026 (a share 属实, some overdue),
   **100,000 ratings** of distinct finished cases, a year of 明查暗访 (12 monthly plans, 1,500
   visits, ~3,000 findings, most standing) and 责任追究 (900 violations, ~700 decided and
   standing), and a 目标任务 entry per unit. Then ``VACUUM ANALYZE``.
4. Creates the period 2026年度 with a scheme per category that uses **every** registered data
   source (so every component's query runs), and times ``services.compute`` (the preview's
   computation: every figure, the arithmetic, the 300 stored scorecards) ``--runs`` times, then
   ``services.open_preview`` once (compute + the objection window + the liaisons told).
5. Times each component's figure query alone, and each drill-down (the records behind one unit's
   number, as the scorecard links them) for one department, with ``EXPLAIN ANALYZE`` of the
   case drill-down printed.

Target: < 10 s for computing the period.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import bench_dashboard as city_bench  # the 1M-case city, reused

DB_NAME = "xn_bench_assessment"
TARGET_S = 10.0
UNITS = 300
COMPLAINTS = 10_000
RATINGS = 100_000
VISITS = 1_500
VIOLATIONS = 900
# The cases fall in the 12 months before this instant: January to December 2026.
NOW = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
YEAR = 2026

city_bench.DB_NAME = DB_NAME
city_bench.DEPARTMENTS = UNITS - 1  # + the service centre = 300 assessed units
city_bench.SECTIONS = 0


def _moment(rng: random.Random) -> datetime:
    day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
    return datetime(day.year, day.month, day.day, rng.randint(1, 9), tzinfo=UTC)


def categorise(departments, centre) -> list:
    from xiaoneng.org.models import Unit, UnitCategory

    categories = [
        UnitCategory.objects.create(code=code, name=name, sort_order=n)
        for n, (code, name) in enumerate(
            [("gov", "政府部门"), ("window", "窗口单位"), ("party", "党群机关")]
        )
    ]
    assessed = [*departments, centre]
    for n, unit in enumerate(assessed):
        unit.category = categories[n % 3]
    Unit.objects.bulk_update(assessed, ["category"])
    return assessed


def add_complaints(rng: random.Random, assessed) -> int:
    from xiaoneng.complaints.models import Category, Complaint

    category = Category.objects.create(code="bench", name="办事拖拉")
    rows = []
    for k in range(COMPLAINTS):
        unit = rng.choice(assessed)
        submitted = _moment(rng)
        closed = submitted + timedelta(days=rng.randint(3, 25))
        if closed.year != YEAR:
            closed = datetime(YEAR, 12, 30, 3, tzinfo=UTC)
        rows.append(
            Complaint(
                number=f"T{YEAR}{k:06d}",
                code_digest=f"{k:064x}",
                channel=Complaint.Channel.WEB,
                category=category,
                title=f"投诉{k}",
                content="办事拖拉",
                submitted_at=submitted,
                handling_unit=unit,
                status="closed",
                finding=rng.choice(["true", "partly", "false", "false", "false"]),
                closed_at=closed,
                escalated=rng.random() < 0.08,
            )
        )
    Complaint.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def add_ratings(rng: random.Random, n_cases: int) -> int:
    from xiaoneng.cases.models import Case
    from xiaoneng.ratings.models import Rating

    ids = rng.sample(range(1, n_cases + 1), min(RATINGS, n_cases))
    made = 0
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        found = Case.objects.filter(pk__in=chunk).values_list(
            "pk", "unit_id", "item_id", "window_id", "finished_at"
        )
        rows = [
            Rating(
                case_id=pk,
                level=rng.choices([5, 4, 3, 2, 1], [60, 25, 8, 4, 3])[0],
                channel=Rating.Channel.ONLINE,
                unit_id=unit_id,
                item_id=item_id,
                window_id=window_id,
                rated_at=finished_at + timedelta(hours=rng.randint(1, 48)),
            )
            for pk, unit_id, item_id, window_id, finished_at in found
        ]
        Rating.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    return made


def add_inspections(rng: random.Random, assessed, office) -> tuple[int, int]:
    from xiaoneng.inspections.models import Finding, Plan, Visit

    plans = [
        Plan.objects.create(
            title=f"{YEAR}年{m}月明查暗访",
            kind=Plan.Kind.COVERT,
            start=date(YEAR, m, 1),
            end=date(YEAR, m, 28),
            created_at=datetime(YEAR, m, 1, 1, tzinfo=UTC),
            created_by=office,
        )
        for m in range(1, 13)
    ]
    visits = Visit.objects.bulk_create(
        [
            Visit(
                plan=plans[k % 12],
                unit=rng.choice(assessed),
                visited_on=date(YEAR, k % 12 + 1, rng.randint(1, 28)),
                status="reviewed",
                created_at=datetime(YEAR, k % 12 + 1, 1, 2, tzinfo=UTC),
                created_by=office,
            )
            for k in range(VISITS)
        ],
        batch_size=2000,
    )
    findings = [
        Finding(
            visit=visit,
            note="工作人员脱岗",
            deduction=Decimal(rng.choice([1, 2, 3, 5])),
            status=rng.choice(["confirmed", "confirmed", "upheld", "dropped"]),
            recorded_at=datetime.combine(visit.visited_on, datetime.min.time(), UTC),
            recorded_by=office,
        )
        for visit in visits
        for _ in range(rng.randint(0, 3))
    ]
    Finding.objects.bulk_create(findings, batch_size=2000)
    return len(visits), len(findings)


def add_violations(rng: random.Random, assessed) -> int:
    from xiaoneng.accountability.models import Cause, Sanction, Violation

    sanctions = [s.value for s in Sanction]
    rows = []
    for k in range(VIOLATIONS):
        occurred = _moment(rng)
        decided = rng.random() < 0.8
        rows.append(
            Violation(
                cause=Cause.COMPLAINT,
                source_label=f"投诉T{k:06d}",
                unit=rng.choice(assessed),
                summary="效能投诉属实",
                occurred_at=occurred,
                status="closed" if decided else "investigating",
                opened_at=occurred,
                opened_by_name="效能办",
                sanction=rng.choices(sanctions, [30, 25, 15, 12, 8, 5, 3, 2])[0] if decided else "",
                decided_at=occurred + timedelta(days=20) if decided else None,
            )
        )
    Violation.objects.bulk_create(rows, batch_size=2000)
    return sum(1 for r in rows if r.sanction)


def bench_scheme():
    """Every registered source, weights summing to 100."""
    from xiaoneng.assessment import components, services

    sources = list(components.REGISTRY.values())
    weight = 100 // len(sources)
    weights = [weight] * len(sources)
    weights[0] += 100 - weight * len(sources)
    return services.SchemeIn(
        components=tuple(
            services.ComponentIn(s.key, s.label, w, s.zero_at, s.full_at)
            for s, w in zip(sources, weights, strict=True)
        ),
        adjustments=services.preset("default").adjustments,
        vetoes=services.preset("default").vetoes,
        bonus_cap=5,
        rank_bonus_top="5,4,3,2,1",
        rank_deduction_bottom="5,4,3,2,1",
        last_count=3,
    )


def build(n_cases: int) -> dict[str, int]:
    from django.db import connection

    from xiaoneng.assessment import services
    from xiaoneng.assessment.models import Entry, Period
    from xiaoneng.org.models import Unit

    rng = random.Random(20261203)
    city = city_bench.build_city(rng)
    _root, departments, _windows, _items, office, _liaison = city
    counts = city_bench.generate(rng, n_cases, city, NOW)
    centre = Unit.objects.get(code="CENTRE")
    assessed = categorise(departments, centre)
    counts["complaints"] = add_complaints(rng, assessed)
    counts["ratings"] = add_ratings(rng, n_cases)
    counts["visits"], counts["findings"] = add_inspections(rng, assessed, office)
    counts["sanctions"] = add_violations(rng, assessed)
    period = services.create_period(office, Period.Kind.YEAR, YEAR)
    scheme = bench_scheme()
    for s in period.schemes.all():
        services.save_scheme(office, s, scheme)
    Entry.objects.bulk_create(
        Entry(
            period=period,
            unit=u,
            kind=Entry.Kind.TARGET,
            key="",
            value=rng.randint(60, 100),
            basis="年度目标责任制考核",
        )
        for u in assessed
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="time a database kept by an earlier --keep run"
    )
    parser.add_argument("--profile", action="store_true", help="print where one computation spends")
    args = parser.parse_args()

    if not args.reuse:
        city_bench.recreate_database()
    data_dir = tempfile.mkdtemp(prefix="xn-bench-assessment-")
    city_bench.setup_django(data_dir)
    import time_machine
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from xiaoneng.accounts.models import User
    from xiaoneng.assessment import components, services
    from xiaoneng.assessment.models import Period, Result

    with time_machine.travel(NOW + timedelta(days=25), tick=True):
        if args.reuse:
            print(f"database {DB_NAME}: reused")
        else:
            t0 = time.perf_counter()
            call_command("migrate", verbosity=0)
            counts = build(args.cases)
            print(f"database {DB_NAME}: built in {time.perf_counter() - t0:.0f} s: {counts}")
        office = User.objects.get(username="office")
        period = Period.objects.get(name=f"{YEAR}年度")
        if period.status != Period.Status.DRAFT:
            # Previewed by an earlier run on a kept database: back to setting up, for timing.
            Period.objects.filter(pk=period.pk).update(
                status=Period.Status.DRAFT, deadline_open=False
            )
            period.refresh_from_db()

        # The whole computation, as the office's “计算” button runs it.
        statements: list[str] = []

        def count(run, sql, *rest):
            statements.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(count):
            services.compute(office, period)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(services.compute, office, period)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        compute_s = timed(lambda: services.compute(office, period), args.runs)
        results = Result.objects.filter(period=period).count()

        # Each component's figures alone (what the computation reads, per category).
        scheme = period.schemes.select_related("category").first()
        assert scheme is not None  # three categories
        units = services.assessed_units(scheme.category)
        rollup = components.Rollup(units)
        span = components.Span(period.start, period.end, period.pk)
        per_source = []
        for key, source in components.REGISTRY.items():
            # A fresh rollup each time: nothing shared between sources is read from a cache.
            samples = timed(lambda source=source: source.figures(components.Rollup(units), span), 3)
            per_source.append((key, statistics.median(samples)))

        # The drill-down: every number of one department's scorecard opened.
        unit = rollup.units[min(rollup.units)]
        drills = []
        for key, source in components.REGISTRY.items():
            samples = timed(lambda source=source: source.records(office, unit, span), 3)
            drills.append((key, statistics.median(samples)))
        from xiaoneng.cases.models import Case

        first, last = date(YEAR, 1, 1), date(YEAR, 12, 1)
        drill_qs = (
            Case.objects.visible_to(office)
            .filter(unit__path__startswith=unit.path, stat_month__gte=first, stat_month__lte=last)
            .filter(stat_on_time=False)
            .order_by("finished_at", "pk")[:200]
        )
        plan = drill_qs.explain(analyze=True)

        # The preview: compute once more, open the objection window, tell the liaisons.
        t0 = time.perf_counter()
        services.open_preview(office, period)
        preview_s = time.perf_counter() - t0
        reset_queries()

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
    print(f"results stored: {results}; statements in one computation: {len(statements)}")
    print(
        f"compute (n={len(compute_s)}): median {statistics.median(compute_s):.2f} s, "
        f"max {max(compute_s):.2f} s; open_preview: {preview_s:.2f} s"
    )
    print("figures of one category (100 units), median of 3, ms:")
    for key, s in per_source:
        print(f"  {key:24} {1000 * s:8.1f}")
    print(f"drill-down of one department ({unit.name}), median of 3, ms:")
    for key, s in drills:
        print(f"  {key:24} {1000 * s:8.1f}")
    print("EXPLAIN ANALYZE of the late-case drill-down:")
    print(plan)
    worst = max(max(compute_s), preview_s)
    print(
        f"target < {TARGET_S:.0f} s: worst {worst:.2f} s: {'met' if worst < TARGET_S else 'MISSED'}"
    )
    if not (args.keep or args.reuse):
        city_bench.drop_database()


if __name__ == "__main__":
    main()
