"""Benchmark: draw 1,000 evaluators from a 100,000-person roster (library and standalone script).

Run:  .venv/bin/python bench/bench_draw.py [ROSTER_SIZE] [DRAWN]

The roster has ten strata of equal size; quotas are spread evenly. Timed: building the canonical
roster file, ``draw`` from its bytes (parse, hash, one SHA-256 per evaluator, sort), and the
standalone ``tools/redo_draw.py`` run as a subprocess on the same file (wall time, including
interpreter start-up). Both must print the same report.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from xiaoneng.draw import canonical_roster, draw, format_result  # noqa: E402

STRATA = ["两代表一委员", "领导干部", "科级干部", "企业", "街道社区",
          "乡镇工作人员", "城镇居民", "农村居民", "服务对象", "监督员"]  # fmt: skip


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    drawn = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    rows = [(f"PY{n:07d}", STRATA[n % len(STRATA)]) for n in range(size)]
    quotas = {s: drawn // len(STRATA) + (i < drawn % len(STRATA)) for i, s in enumerate(STRATA)}
    seed = "03 09 14 21 26 33 / 07"

    t0 = time.perf_counter()
    data = canonical_roster(rows)
    t1 = time.perf_counter()
    result = draw(data, seed, quotas)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_bytes(data)
        args = [f"{s}={n}" for s, n in quotas.items()]
        t3 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-I", str(ROOT / "tools" / "redo_draw.py"), str(path), seed, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=True,
        )
        t4 = time.perf_counter()
    assert out.stdout == format_result(result), "script and library disagree"
    assert sum(len(v) for v in result.selected.values()) == drawn
    print(
        f"Python {platform.python_version()} ({platform.machine()}),",
        f"roster {size:,}, drawn {drawn:,}",
    )
    print(f"roster file: {len(data):,} bytes, canonical_roster {1000 * (t1 - t0):.0f} ms")
    print(f"draw (parse + hash + keys + sort): {1000 * (t2 - t1):.0f} ms")
    print(f"tools/redo_draw.py subprocess (wall): {1000 * (t4 - t3):.0f} ms; output identical")


if __name__ == "__main__":
    main()
