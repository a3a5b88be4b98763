"""Benchmark: the tally of a 10,000-evaluator campaign from the database (issue 6).

Run:  .venv/bin/python bench/bench_evaluation.py [--sheets 10000] [--runs 3]
                                                 [--backends sqlite,postgresql] [--keep]

Each backend runs in its own process (Django is set up once per process, and the peak memory
is then that backend's alone):

- **sqlite**: a fresh database file in a temporary ``XIAONENG_DATA_DIR``.
- **postgresql**: its own database ``xiaoneng_bench_eval`` on ``BENCH_PG`` (default
  ``postgres://postgres@127.0.0.1:5432``), dropped first and (without ``--keep``) afterwards;
  skipped when the server is not reachable. Never ``xiaoneng`` or ``test_xiaoneng``: the test
  suite uses those.

Set-up (not timed): 100 units in the four categories of seed 004, the six dimensions, ten
strata with quotas of 1,000 and a pool of 11,000, frozen, seeded and drawn through the services
(so the bootstrap seed is the real one), collection opened; then **10,000 answer sheets bulk
inserted** (100 units × 6 dimensions = 600 answers each, 6,000,000 in all), 30% of them paper
with serials, answers drawn by the demo's model (``xiaoneng.demo.evaluation_data``: unit
quality, stratum leniency, 不了解 for units far from the stratum — about 37% here) with a few
straight-lined sheets; collection closed.

Timed, ``--runs`` times each (median and range printed):

- ``results.compute``: loading the sheets from the database into the scoring arrays plus the
  tally with Wilson intervals and 200 bootstrap replicates for the rank intervals;
- the load alone (``results.core_campaign``), for the split;
- ``results.finalize``: the careless-response check, the same compute and storing every unit's
  results and the summary (``results.reopen`` between runs, not timed).

Target: under 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DB_NAME = "xiaoneng_bench_eval"
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TARGET_S = 20.0
N_UNITS = 100
# Seed 004's four categories, sized like a city's list (法检 few, 政府机构 most).
CATEGORY_SIZES = (("法检机关", 6), ("政府机构", 44), ("窗口单位", 30), ("党政机关和驻地单位", 20))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# ---- the worker (one backend per process) -----------------------------------------------------


def setup_django(backend: str, data_dir: str) -> None:
    os.environ["XIAONENG_DATA_DIR"] = data_dir
    if backend == "postgresql":
        os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")
    import django

    django.setup()


def recreate_pg() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_pg() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def build_campaign(n_sheets: int, seed: int):
    """The campaign, closed, with ``n_sheets`` sheets (see the module docstring)."""
    import uuid

    import numpy as np
    from django.contrib.auth import get_user_model

    from xiaoneng import crypto
    from xiaoneng.accounts.roles import Role
    from xiaoneng.demo import evaluation_data as demo
    from xiaoneng.evaluation import services, sheets
    from xiaoneng.evaluation.models import AnswerSheet, Evaluator
    from xiaoneng.org import services as org

    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", email="", password=None, role=Role.ADMIN)
    root = org.create_unit(admin, name="示范市", code="ROOT", kind="region")
    office = User.objects.create_user("bench-office", role=Role.OFFICE, unit=root)
    units, rows = [], []
    for category, count in CATEGORY_SIZES:
        for k in range(count):
            code = f"U{len(units):03d}"
            unit = org.create_unit(
                admin, name=f"{category}第{k + 1}单位", code=code, kind="department", parent=root
            )
            profile = {"法检机关": "law", "政府机构": "government", "窗口单位": "counter"}
            units.append(
                demo.EvaluatedUnit(
                    unit.pk,
                    code,
                    unit.name,
                    unit.name,
                    "department",
                    category,
                    "负责本单位职责范围内的工作。",
                    profile.get(category, "party"),
                )
            )
            rows.append(services.UnitRow(unit.pk, category, "负责本单位职责范围内的工作。"))
    assert len(units) == N_UNITS
    campaign = services.create_campaign(
        office,
        name="基准测试：万人评议",
        year=2026,
        dates=services.suggested_dates(date(2026, 9, 1)),
    )
    services.set_units(office, campaign, rows)
    strata = list(campaign.strata.order_by("sort_order"))
    per_stratum = n_sheets // len(strata)
    # The pool straight into the table (the import is not what is measured); the draw below
    # goes through the services, so the bootstrap seed is the real one.
    pool = [s for s in strata for _ in range(per_stratum + per_stratum // 10)]
    Evaluator.objects.bulk_create(
        [
            Evaluator(
                campaign=campaign,
                number=services.evaluator_number(campaign, n + 1),
                stratum=s,
                identity_token=crypto.encrypt_identity({"name": f"评议人{n + 1}"}),
            )
            for n, s in enumerate(pool)
        ],
        batch_size=2000,
    )
    services.set_strata(
        office, campaign, [services.StratumRow(s.name, per_stratum, 1) for s in strata]
    )
    services.freeze_roster(office, campaign)
    services.announce_seed_source(
        office, campaign, "基准测试：以固定号码作为随机种子，不用于实际评议"
    )
    services.enter_seed_and_draw(office, campaign, "03 09 14 21 26 33 / 07")
    services.open_collection(office, campaign)
    campaign.refresh_from_db()

    layout = sheets.layout_of(campaign)
    labels = [o.label for o in layout.options]
    positions = [labels.index(x) for x in ("满意", "比较满意", "基本满意", "不满意", "不了解")]
    model = demo.unit_model(seed, units, 0)
    rng = np.random.default_rng(seed)
    paper = 0
    for h, stratum in enumerate(strata):
        # One stratum at a time keeps the generator's float arrays small (memory is reported).
        codes = demo.generate_answers(
            rng, units, model, np.full(per_stratum, h, dtype=np.intp), 0.987
        )
        codes[:2] = 0  # two straight-lined sheets per stratum for the careless check
        batch = []
        for i in range(per_stratum):
            is_paper = i % 10 < 3
            batch.append(
                AnswerSheet(
                    id=uuid.UUID(bytes=rng.bytes(16), version=4),
                    campaign=campaign,
                    stratum=stratum,
                    channel="paper" if is_paper else "online",
                    serial=f"2026-{paper + 1:05d}" if is_paper else "",
                    answers=demo.sheet_text(codes[i], positions),
                )
            )
            paper += is_paper
        AnswerSheet.objects.bulk_create(batch, batch_size=1000)
        del codes, batch
    services.close_collection(office, campaign)
    campaign.refresh_from_db()
    return office, campaign


def worker(backend: str, n_sheets: int, runs: int, seed: int, keep: bool) -> dict:
    data_dir = tempfile.mkdtemp(prefix="xn-bench-eval-")
    if backend == "postgresql":
        recreate_pg()
    setup_django(backend, data_dir)
    from django.core.management import call_command
    from django.db import connection

    from xiaoneng.evaluation import results

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    office, campaign = build_campaign(n_sheets, seed)
    if backend == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE evaluation_answersheet")
    setup_s = time.perf_counter() - t0
    setup_mb = peak_mb()
    answers = sum(len(a) for a in campaign.sheets.values_list("answers", flat=True))

    load, compute, finalize = [], [], []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        results.core_campaign(campaign)
        load.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = results.compute(campaign)
        compute.append(time.perf_counter() - t)
        t = time.perf_counter()
        results.finalize(office, campaign, flags_reviewed=True)
        finalize.append(time.perf_counter() - t)
        campaign.refresh_from_db()
        results.reopen(office, campaign, "基准测试：重复计时")
        campaign.refresh_from_db()
    widths = [u.rank_high - u.rank_low for u in result.units if u.rank_high is not None]
    out = {
        "backend": backend,
        "server": connection.cursor().connection.info.server_version
        if backend == "postgresql"
        else __import__("sqlite3").sqlite_version,
        "sheets": result.sheets_total,
        "answers": answers,
        "replicates": result.replicates,
        "flags": len(results.quality(campaign).flags),
        "headline": result.headline_rate.value,
        "awareness": result.awareness,
        "median_rank_width": statistics.median(widths),
        "setup_s": setup_s,
        "load_s": load,
        "compute_s": compute,
        "finalize_s": finalize,
        "peak_mb_after_setup": setup_mb,
        "peak_mb": peak_mb(),
    }
    if not keep:
        if backend == "postgresql":
            drop_pg()
        else:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)
    return out


# ---- the driver ---------------------------------------------------------------------------------


def pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # any failure to connect means: skip PostgreSQL
        return False


def fmt(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sheets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL database and the data directory"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.sheets, args.runs, args.seed, args.keep)))
        return

    import numpy as np

    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores")
    load_avg = os.getloadavg()
    print(f"load average at start: {load_avg[0]:.1f}")
    failed = False
    for backend in args.backends.split(","):
        if backend == "postgresql" and not pg_reachable():
            print(f"postgresql: {SERVER} not reachable, skipped")
            continue
        run = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                backend,
                "--sheets",
                str(args.sheets),
                "--runs",
                str(args.runs),
                "--seed",
                str(args.seed),
                *(["--keep"] if args.keep else []),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            print(f"{backend}: failed\n{run.stderr[-3000:]}")
            failed = True
            continue
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(
            f"\n== {backend} {r['server']}: {r['sheets']:,} sheets, {r['answers']:,} answers, "
            f"{r['replicates']} bootstrap replicates =="
        )
        print(f"set-up (not timed)            {r['setup_s']:6.1f} s")
        print(f"load sheets from the database {fmt(r['load_s'])}")
        print(f"results.compute               {fmt(r['compute_s'])}")
        print(f"results.finalize              {fmt(r['finalize_s'])}")
        print(
            f"peak RSS {r['peak_mb']:.0f} MB (after set-up {r['peak_mb_after_setup']:.0f} MB); "
            f"headline {r['headline']:.4f}, 知晓率 {r['awareness']:.3f}, "
            f"median rank-interval width {r['median_rank_width']}, flags {r['flags']}"
        )
        worst = max(statistics.median(r["compute_s"]), statistics.median(r["finalize_s"]))
        if worst >= TARGET_S:
            print(f"TARGET MISSED: {worst:.1f} s ≥ {TARGET_S:.0f} s")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
