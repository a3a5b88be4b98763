"""Wilson intervals, competition ranks and the stratified bootstrap draws."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from xiaoneng.scoring import competition_ranks, wilson_interval
from xiaoneng.scoring.stats import BootstrapStream, bootstrap_counts, rank_interval


def wilson_closed_form(x: int, n: int, z: float = 1.96) -> tuple[float, float]:
    # The same interval written the other usual way, (2x + z² ± z√(z² + 4x(n−x)/n)) / 2(n + z²).
    root = z * math.sqrt(z * z + 4 * x * (n - x) / n)
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def test_wilson_81_of_100() -> None:
    lo, hi = wilson_interval(81, 100)
    # By hand: centre (0.81 + 1.96²/200)/(1 + 1.96²/100) = 0.829208/1.038416 = 0.7985316,
    # half-width 1.96/1.038416 × √(0.81·0.19/100 + 1.96²/40000) = 0.0763219.
    assert lo == pytest.approx(0.7222098, abs=1e-7)
    assert hi == pytest.approx(0.8748535, abs=1e-7)
    assert (lo, hi) == pytest.approx(wilson_closed_form(81, 100), abs=1e-12)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (10, 10), (1, 1), (5, 9), (1000, 1394), (3, 7)])
def test_wilson_matches_closed_form(x: int, n: int) -> None:
    lo, hi = wilson_interval(x, n)
    elo, ehi = wilson_closed_form(x, n)
    assert lo == pytest.approx(max(0.0, elo), abs=1e-12)
    assert hi == pytest.approx(min(1.0, ehi), abs=1e-12)
    assert 0 <= lo <= x / n <= hi <= 1


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) is None
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    # At p = 1 the low end is n/(n + z²) = 10/13.8416.
    assert wilson_interval(10, 10)[0] == pytest.approx(10 / 13.8416, abs=1e-12)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_competition_ranks_share_and_skip() -> None:
    r = competition_ranks(np.array([90.0, 80.0, 80.0, 70.0, np.nan]), 6)
    assert r.tolist() == [1, 2, 2, 4, 5]
    # Equal when rounded to the published precision ⇒ tied.
    assert competition_ranks(np.array([80.0000001, 80.0, 79.0]), 6).tolist() == [1, 1, 3]
    assert competition_ranks(np.array([80.0000001, 80.0, 79.0]), 9).tolist() == [1, 2, 3]
    # Works row by row (bootstrap replicates × units).
    two = competition_ranks(np.array([[1.0, 2.0], [2.0, 2.0]]), 6)
    assert two.tolist() == [[2, 1], [1, 1]]


def test_bootstrap_counts_resample_within_strata_and_are_seeded() -> None:
    a = bootstrap_counts([3, 1, 0, 5], 50, 7)
    b = bootstrap_counts([3, 1, 0, 5], 50, 7)
    c = bootstrap_counts([3, 1, 0, 5], 50, 8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[3], c[3])
    # Each replicate draws exactly n_h sheets in each stratum.
    for n, m in zip([3, 1, 0, 5], a, strict=True):
        assert m.shape == (50, n)
        assert (m.sum(axis=1) == n).all()
    assert (a[1] == 1).all()  # a stratum of one sheet draws it every time


def test_the_bootstrap_stream_is_shake256_as_documented() -> None:
    """docs/scoring.md §4, byte by byte: SHAKE-256 of "xiaoneng-bootstrap|<seed>", 64-bit
    big-endian integers, v mod n after discarding v ≥ 2⁶⁴ − (2⁶⁴ mod n)."""
    raw = hashlib.shake_256(b"xiaoneng-bootstrap|2026").digest(8 * 10)
    values = [int.from_bytes(raw[8 * i : 8 * i + 8], "big") for i in range(10)]
    assert BootstrapStream(2026).take(10).tolist() == values
    assert BootstrapStream(2026).below(7, 10).tolist() == [v % 7 for v in values]
    # Replicate by replicate, stratum by stratum: sizes 2 and 3 take 2, then 3 integers.
    counts = bootstrap_counts([2, 3], 2, 2026)
    draws = [v % 2 for v in values[0:2]], [v % 3 for v in values[2:5]]
    assert counts[0][0].tolist() == [draws[0].count(0), draws[0].count(1)]
    assert counts[1][0].tolist() == [draws[1].count(j) for j in range(3)]
    assert counts[0][1].tolist() == [[v % 2 for v in values[5:7]].count(j) for j in range(2)]


def test_the_stream_discards_what_would_bias_a_draw() -> None:
    stream = BootstrapStream(1)
    n = (1 << 62) + 1  # 2⁶⁴ mod n = n − 4: about a quarter of all integers are discarded
    raw = BootstrapStream(1).take(40).tolist()
    limit = (1 << 64) - ((1 << 64) % n)
    expected = [v % n for v in raw if v < limit][:8]
    assert len(expected) == 8 and any(v >= limit for v in raw[:16])
    assert stream.below(n, 8).tolist() == expected


def test_rank_interval_uses_observed_ranks() -> None:
    ranks = np.array([[1, 2]] * 97 + [[2, 1]] * 3)
    lo, hi = rank_interval(ranks, (0.025, 0.975))
    assert lo.tolist() == [1, 1]
    assert hi.tolist() == [2, 2]
    lo, hi = rank_interval(np.array([[1, 2]] * 99 + [[2, 1]]), (0.025, 0.975))
    assert lo.tolist() == [1, 2]
    assert hi.tolist() == [1, 2]


def test_imports_no_django() -> None:
    # Run in a fresh interpreter: the test process itself may have Django loaded already.
    code = (
        "import sys, xiaoneng.scoring; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "assert not bad, bad"
    )
    src = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
