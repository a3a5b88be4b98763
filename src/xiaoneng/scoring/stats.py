"""Statistics of the scoring core: Wilson intervals, competition ranks, bootstrap draws.

置信区间 (confidence interval) of a rate by Wilson's score method; 名次 (ranks) with ties sharing
a rank and the next rank skipped (1, 2, 2, 4); the bootstrap resamples answer sheets within each
stratum with replacement (分层自助法).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["bootstrap_counts", "competition_ranks", "rank_interval", "wilson_interval"]


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval of a binomial proportion; None when ``n`` is 0.

    Chosen over the normal (Wald) interval because rates near 100% are common in these
    campaigns, where Wald collapses to a zero-width interval or leaves [0, 1].
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("need 0 ≤ successes ≤ n")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At p = 0 or 1 one bound is exactly 0 or 1 in exact arithmetic; floating point misses it
    # by an ulp, and a published "100%" must lie inside its own interval.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def competition_ranks(scores: NDArray[np.float64], decimals: int) -> NDArray[np.int64]:
    """Ranks along the last axis, 1 = highest; ties share the rank and the next is skipped.

    Scores are rounded to ``decimals`` first (equal as published ⇒ tied). NaN (no score) ranks
    below every scored unit: its rank is 1 + the number of scored units, shared by all NaNs.
    Works on any leading shape (e.g. bootstrap replicates × units).
    """
    s = np.round(np.asarray(scores, dtype=np.float64), decimals)
    s = np.where(np.isnan(s), -np.inf, s)
    # rank = 1 + number of strictly better units; O(n²) per row is fine for a category (≤ ~100).
    better = s[..., None, :] > s[..., :, None]
    return 1 + better.sum(axis=-1)


def bootstrap_counts(
    strata_sizes: Sequence[int], replicates: int, rng: np.random.Generator
) -> list[NDArray[np.float64]]:
    """For each stratum, a (replicates × n_h) matrix of how often each sheet is drawn.

    Drawing n_h sheets with replacement from a stratum of n_h sheets is the same as drawing
    multinomial counts, and counts let the tally use one matrix product per stratum.
    """
    out = []
    for n in strata_sizes:
        if n == 0:
            out.append(np.zeros((replicates, 0)))
            continue
        out.append(rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64))
    return out


def rank_interval(
    ranks: NDArray[np.int64], quantiles: tuple[float, float]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per unit (last axis), the low/high bootstrap percentiles of its rank (axis 0).

    The low end takes the nearest observed rank at or below the percentile and the high end the
    nearest at or above, so the interval is made of ranks that occurred and is never narrower.
    """
    lo = np.quantile(ranks, quantiles[0], axis=0, method="lower")
    hi = np.quantile(ranks, quantiles[1], axis=0, method="higher")
    return lo.astype(np.int64), hi.astype(np.int64)
