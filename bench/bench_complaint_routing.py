"""Benchmark: routing accuracy (分办建议准确率) on held-out demo complaints.

Run:  .venv/bin/python bench/bench_complaint_routing.py [COUNT] [SEED]

Generates COUNT demo complaints with the demo's own text generator
(``xiaoneng.demo.complaints_data``), keeps the routed ones, splits them 80/20 by SEED, trains on
80% and reports top-1/top-3 accuracy on the 20% — once as generated (the text names the unit)
and once with the unit's name removed. See ``xiaoneng.complaints.routing_eval``.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
# The demo's text templates live in a module that imports Django models; no database is used.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaoneng.settings")

import django

django.setup()

from xiaoneng.complaints.routing_eval import evaluate  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    for masked in (False, True):
        r = evaluate(count, seed, masked=masked)
        label = "unit name removed" if masked else "as generated"
        print(
            f"{label}: units {r.units}, train {r.train}, test {r.test}, seed {seed}: "
            f"top-1 {r.top1:.1%}  top-3 {r.top3:.1%}  "
            f"(training {r.train_seconds:.1f} s, {r.suggest_ms:.1f} ms per suggestion)"
        )


if __name__ == "__main__":
    main()
