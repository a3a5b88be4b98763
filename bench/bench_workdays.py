"""Benchmark: working-day addition through the public API vs a naive day-by-day loop.

Run:  .venv/bin/python bench/bench_workdays.py [N]

Both contestants get the same seeded random starts (aware datetimes in Asia/Shanghai and UTC,
2004–2030) and add 20 working days; their results are checked to agree before timing.
Targets: ≥ 300,000 additions/s and ≥ 20× the naive loop.
"""

from __future__ import annotations

import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xiaoneng.workdays import SHANGHAI, WorkCalendar, add_workdays, default_calendar

SPAN = 20
ONE_DAY = timedelta(days=1)
END_OF_DAY = (23, 59, 59)


def naive_add(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    """The obvious implementation: step one day at a time and count working days."""
    d: date = start.astimezone(SHANGHAI).date()
    count = 0
    while count < n:
        d += ONE_DAY
        if cal.is_workday(d):
            count += 1
    return datetime(d.year, d.month, d.day, *END_OF_DAY, tzinfo=SHANGHAI)


def make_inputs(n: int, seed: int = 20260213) -> list[datetime]:
    rng = random.Random(seed)
    lo = datetime(2004, 1, 1, tzinfo=SHANGHAI).timestamp()
    hi = datetime(2030, 12, 31, tzinfo=SHANGHAI).timestamp()
    # Mostly local times (what forms produce), a quarter UTC (what timezone.now() returns).
    zones = [SHANGHAI, SHANGHAI, SHANGHAI, UTC]
    return [datetime.fromtimestamp(rng.uniform(lo, hi), tz=rng.choice(zones)) for _ in range(n)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    t0 = time.perf_counter()
    cal = WorkCalendar.from_chinesecalendar()
    cal.add_workdays_date(date(2026, 1, 1), 1)  # force the lazy tables
    build_ms = (time.perf_counter() - t0) * 1000
    cal = default_calendar()
    starts = make_inputs(n)

    for s in starts[:2000]:
        assert add_workdays(s, SPAN).due == naive_add(cal, s, SPAN), s
    # Warm-up pass so that both run with their lookup tables built.
    for s in starts[:1000]:
        add_workdays(s, SPAN)

    t0 = time.perf_counter()
    for s in starts:
        add_workdays(s, SPAN)
    fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    for s in starts:
        naive_add(cal, s, SPAN)
    slow = time.perf_counter() - t0

    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"calendar construction + table build: {build_ms:.1f} ms")
    print(f"N = {n:,} additions of {SPAN} working days, starts 2004–2030 (seeded)")
    print(f"add_workdays (public function): {n / fast:>12,.0f} additions/s ({fast:.3f} s)")
    print(f"naive day-by-day loop:          {n / slow:>12,.0f} additions/s ({slow:.3f} s)")
    print(f"ratio: {slow / fast:.1f}×")


if __name__ == "__main__":
    main()
