"""Benchmark: case events through the real HTTP API (C13) versus PostgreSQL COPY.

What it does, in one run:

1. creates (and at the end drops) its own PostgreSQL database, runs the migrations, and builds a
   demo-like catalog: 5 departments × 10 items (50), each item 10 working days with two steps;
2. issues an API key and starts ``xiaoneng serve`` (gunicorn, 2 workers) on a free local port;
3. posts N events for N/4 cases — accept, step start, step finish, finish — as bulk requests of
   1,000 from two concurrent senders (each owns half of the cases and sends them in time order,
   as a department system catching up on a backlog would), and measures events/s;
4. loads the same rows with ``COPY`` into a plain table of the same shape and measures rows/s.

``--profile`` instead runs the same batches in-process through the ingest service under cProfile
and prints where the time goes.

    .venv/bin/python bench/bench_ingest.py                       # 20,000 events, 5,000 cases
    .venv/bin/python bench/bench_ingest.py --events 4000 --profile

Only loopback traffic; every loop is bounded by the number of events.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SHANGHAI_OFFSET = "+08:00"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="multiple of 4 (4 per case)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="xn_bench_ingest")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile the service in-process")
    return parser.parse_args()


# ---- database --------------------------------------------------------------------------------


def recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def build_catalog() -> tuple[str, list[str]]:
    """5 departments × 10 items; returns an API key's plaintext and the item codes."""
    from xiaoneng.accounts.models import User
    from xiaoneng.accounts.roles import Role
    from xiaoneng.api import services as api_services
    from xiaoneng.catalog.models import ServiceItem, ServiceItemVersion, Step
    from xiaoneng.org.models import Unit
    from xiaoneng.org.services import assign_path

    def unit(name: str, code: str, kind: str, parent=None) -> Unit:
        u = Unit.objects.create(name=name, code=code, kind=kind, parent=parent)
        assign_path(u)
        return u

    root = unit("示范市", "BENCH", "region")
    codes = []
    for d in range(5):
        dept = unit(f"示范市第{d + 1}局", f"D{d + 1}", "department", root)
        for i in range(10):
            code = f"D{d + 1}-{i + 1:02d}"
            item = ServiceItem.objects.create(code=code, name=f"测试事项{code}", unit=dept)
            version = ServiceItemVersion.objects.create(
                item=item,
                number=1,
                effective_from=date(2020, 1, 1),
                legal_basis="《示范条例》",
                legal_limit_days=20,
                committed_limit_days=10,
            )
            Step.objects.create(version=version, order=1, code="review", name="审查", limit_days=5)
            Step.objects.create(version=version, order=2, code="approve", name="决定", limit_days=3)
            codes.append(code)
    office = User.objects.create(username="bench-office", role=Role.OFFICE, unit=root)
    _key, plaintext = api_services.create_key(office, "压测系统", root)
    return plaintext, codes


def make_events(n_cases: int, codes: list[str], seed: int) -> list[list[dict]]:
    """Each case: accept, step start, step finish, finish; a stream per case, time-ordered."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0)
    streams = []
    for n in range(n_cases):
        number = f"BENCH-{n:06d}"
        accepted = start + timedelta(days=rng.randrange(0, 280), minutes=rng.randrange(0, 480))

        def at(delta_hours: float, _base=accepted) -> str:
            return (_base + timedelta(hours=delta_hours)).isoformat() + SHANGHAI_OFFSET

        streams.append(
            [
                {
                    "event_id": f"{number}-1",
                    "case_number": number,
                    "kind": "accept",
                    "at": at(0),
                    "item_code": rng.choice(codes),
                    "applicant": {"name": f"申请人{n}", "kind": "person"},
                },
                {
                    "event_id": f"{number}-2",
                    "case_number": number,
                    "kind": "step_start",
                    "at": at(1),
                    "step_code": "review",
                },
                {
                    "event_id": f"{number}-3",
                    "case_number": number,
                    "kind": "step_finish",
                    "at": at(49),
                    "step_code": "review",
                },
                {
                    "event_id": f"{number}-4",
                    "case_number": number,
                    "kind": "finish",
                    "at": at(73),
                    "result": "approved",
                },
            ]
        )
    return streams


def batches_per_sender(streams: list[list[dict]], senders: int, size: int) -> list[list[list]]:
    """Cases are split between senders (a case's events always come from one sender, in order);
    each sender sends its events sorted by time, ``size`` per request."""
    out = []
    for s in range(senders):
        events = [e for i, stream in enumerate(streams) if i % senders == s for e in stream]
        events.sort(key=lambda e: e["at"])
        out.append([events[i : i + size] for i in range(0, len(events), size)])
    return out


# ---- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "xiaoneng"),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
                return proc
            except OSError:  # refused, reset or timed out while gunicorn boots
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: see {log}") from None
                time.sleep(0.2)
        raise RuntimeError("server did not start within 60 s")
    except BaseException:
        proc.terminate()
        proc.wait(timeout=30)
        raise


def post(url: str, key: str, body: dict) -> tuple[int, dict, float]:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read()), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), time.perf_counter() - started


def send_all(url: str, key: str, plan: list[list[list]]) -> dict:
    latencies: list[float] = []
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0}
    problems: list[str] = []
    lock = threading.Lock()

    def sender(batches: list[list]) -> None:
        for batch in batches:
            status, body, took = post(url, key, {"events": batch})
            with lock:
                latencies.append(took)
                if status != 200:
                    totals["errors"] += 1
                    problems.append(f"HTTP {status}: {body}")
                    continue
                for name in ("accepted", "duplicates", "rejected"):
                    totals[name] += body[name]
                problems.extend(
                    f"{r['event_id']}: {r['code']} {r['message']}"
                    for r in body["results"]
                    if r["status"] == "rejected"
                )

    threads = [threading.Thread(target=sender, args=(p,)) for p in plan]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {**totals, "elapsed": elapsed, "latencies": latencies, "problems": problems}


# ---- COPY --------------------------------------------------------------------------------------

COPY_TABLE = """
CREATE TABLE bench_event_copy (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL,
    source varchar(40) NOT NULL,
    external_id varchar(100) NOT NULL,
    body_hash varchar(64) NOT NULL,
    kind varchar(20) NOT NULL,
    at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    step_code varchar(30) NOT NULL,
    data jsonb NOT NULL
)
"""
COPY_COLUMNS = "case_id, source, external_id, body_hash, kind, at, recorded_at, step_code, data"


def copy_rows(dsn: str) -> tuple[int, float]:
    """COPY the stored events (same rows, same shape) into a plain table; returns (rows, s)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(f"SELECT {COPY_COLUMNS} FROM cases_caseevent ORDER BY id").fetchall()
        conn.execute(COPY_TABLE)
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY bench_event_copy ({COPY_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([*row[:-1], json.dumps(row[-1], ensure_ascii=False)])
        conn.commit()
        elapsed = time.perf_counter() - started
        (count,) = conn.execute("SELECT count(*) FROM bench_event_copy").fetchone()
    return count, elapsed


# ---- profile ---------------------------------------------------------------------------------


def profile_in_process(key_plaintext: str, plan: list[list[list]]) -> None:
    from xiaoneng.api import services as api_services
    from xiaoneng.cases import services as cases

    key = api_services.authenticate(key_plaintext)
    batches = [b for sender in plan for b in sender]
    batches.sort(key=lambda b: b[0]["at"])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for batch in batches:
        cases.ingest(batch, source=key.source, actor=key.actor_name, scope_unit=key.unit)
    profiler.disable()
    elapsed = time.perf_counter() - started
    n = sum(len(b) for b in batches)
    print(f"in-process ingest: {n} events in {elapsed:.2f} s = {n / elapsed:,.0f} events/s")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


# ---- main ------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.events % 4:
        raise SystemExit("--events must be a multiple of 4")
    n_cases = args.events // 4
    data_dir = Path(tempfile.mkdtemp(prefix="xn-bench-"))
    dsn = f"{args.server}/{args.database}"
    env = {
        "DATABASE_URL": dsn,
        "XIAONENG_DATA_DIR": str(data_dir),
        "SECRET_KEY": "bench-only-not-secret",
        "DJANGO_SETTINGS_MODULE": "xiaoneng.settings",
        "XIAONENG_LOG_LEVEL": "WARNING",
    }
    print(f"database {args.database} on {args.server}; data dir {data_dir}")
    recreate_database(args.server, args.database)
    server = None
    try:
        subprocess.run(
            [str(VENV_BIN / "xiaoneng"), "migrate", "-v0"], env={**os.environ, **env}, check=True
        )
        setup_django(env)
        key, codes = build_catalog()
        streams = make_events(n_cases, codes, args.seed)
        plan = batches_per_sender(streams, args.senders, args.batch)
        if args.profile:
            profile_in_process(key, plan)
            return 0

        port = free_port()
        log = data_dir / "server.log"
        server = start_server(env, port, args.workers, log)
        url = f"http://127.0.0.1:{port}/api/v1/cases/events/bulk"
        result = send_all(url, key, plan)
        server.terminate()
        server.wait(timeout=30)
        server = None

        lat = sorted(result["latencies"])
        rate = args.events / result["elapsed"]
        print(
            f"API: {args.events:,} events ({n_cases:,} cases) in {result['elapsed']:.2f} s "
            f"= {rate:,.0f} events/s  [{len(lat)} requests of ≤{args.batch}, "
            f"{args.senders} senders, {args.workers} workers]"
        )
        print(
            f"     accepted {result['accepted']:,}, duplicates {result['duplicates']}, "
            f"rejected {result['rejected']}, failed requests {result['errors']}"
        )
        print(f"     request latency: median {statistics.median(lat):.2f} s, max {lat[-1]:.2f} s")
        for problem in result["problems"][:10]:
            print("     !", problem)

        rows, copy_s = copy_rows(dsn)
        print(f"COPY: {rows:,} rows in {copy_s:.3f} s = {rows / copy_s:,.0f} rows/s")
        print(f"ratio COPY / API: {(rows / copy_s) / rate:,.0f}×")
        return 0 if result["errors"] == 0 and result["accepted"] == args.events else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if "django" in sys.modules:
            from django.conf import settings

            if settings.configured:
                from django.db import connections

                connections.close_all()
        if not args.keep:
            drop_database(args.server, args.database)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
