"""Statistics of the scoring core: rate intervals at the level of the evaluator, competition
ranks, and the bootstrap draws.

置信区间 (confidence interval) of a rate: Wilson's score interval, with the number of answers
replaced by the *effective* number (有效样本量) that the stratified design over whole answer
sheets supports (``rate_intervals``); 名次 (ranks) with ties sharing a rank and the next rank
skipped (1, 2, 2, 4); the bootstrap resamples answer sheets within each stratum with replacement
(分层自助法), its random numbers read from SHAKE-256 so that anyone can redo them in any
language (``bootstrap_counts``; docs/scoring.md §4 gives the procedure byte by byte).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BootstrapStream",
    "RateIntervals",
    "bootstrap_counts",
    "competition_ranks",
    "rank_interval",
    "rate_intervals",
    "wilson_bounds",
    "wilson_interval",
]

#: The prefix of the message whose SHAKE-256 output is the bootstrap's random byte stream.
STREAM_PREFIX = "xiaoneng-bootstrap|"


def wilson_bounds(p: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` (> 0, not necessarily
    whole: an effective sample size) independent trials.

    Chosen over the normal (Wald) interval because rates near 100% are common in these
    campaigns, where Wald collapses to a zero-width interval or leaves [0, 1].
    """
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n))
    # At p = 0 or 1 one bound is exactly 0 or 1 in exact arithmetic; floating point misses it
    # by an ulp, and a published "100%" must lie inside its own interval.
    low = 0.0 if p <= 0 else max(0.0, centre - half)
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval of a binomial proportion ``successes``/``n`` (answers taken as
    independent); None when ``n`` is 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("need 0 ≤ successes ≤ n")
    if n == 0:
        return None
    return wilson_bounds(successes / n, n, z)


@dataclass(frozen=True)
class RateIntervals:
    """Rates of K domains (units, dimensions, strata…) with their intervals, element-wise.

    ``count``/``n``: satisfied and valid answers; ``value`` = count/n (NaN when n = 0);
    ``design_effect`` (设计效应): the variance of the rate over whole answer sheets divided by
    the variance it would have if the answers were independent, at least 1; ``effective_n``
    (有效样本量) = n / design_effect; ``low``/``high``: the Wilson interval on ``effective_n``.
    """

    count: NDArray[np.int64]
    n: NDArray[np.int64]
    value: NDArray[np.float64]
    design_effect: NDArray[np.float64]
    effective_n: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]


def rate_intervals(
    y: NDArray[np.float64],
    x: NDArray[np.float64],
    strata: Sequence[NDArray[np.intp]],
    z: float = 1.96,
) -> RateIntervals:
    """The rates Σy/Σx of K domains at once, with intervals at the level of the evaluator.

    ``y`` and ``x`` are (sheets × K): per answer sheet, its satisfied and its valid answers in
    each domain (0 for a sheet that said nothing about it); ``strata`` the row indices of each
    stratum's sheets. One evaluator's answers about several dimensions or units are correlated,
    so they are not as many independent observations as they are answers: the variance of the
    ratio p̂ = Σy/Σx is estimated over whole sheets, stratified and linearised (Taylor),

        V = Σ_h n_h/(n_h − 1) · Σ_{i∈h} (z_i − z̄_h)² / (Σx)²,   z_i = y_i − p̂·x_i,

    (a stratum of a single sheet adds z_i², its mean taken as 0), and compared with the
    binomial p̂(1 − p̂)/Σx. Their ratio is the design effect, never taken below 1 (the interval
    is never narrower than the one counting answers as independent). When it cannot be
    estimated — p̂ is 0 or 1, or fewer than two sheets answered — it is Σx divided by the
    number of answering sheets, as if every sheet counted once. The interval is Wilson's with
    Σx replaced by the effective n = Σx / design effect.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n = x.sum(axis=0)
    count = y.sum(axis=0)
    k = n.shape[0]
    safe_n = np.where(n > 0, n, 1.0)
    p = np.where(n > 0, count / safe_n, np.nan)
    zres = y - np.where(n > 0, p, 0.0) * x
    ss = np.zeros(k)
    for rows in strata:
        m = len(rows)
        if m == 0:
            continue
        zh = zres[rows]
        if m == 1:
            ss += zh[0] ** 2
        else:
            ss += m / (m - 1) * ((zh - zh.mean(axis=0)) ** 2).sum(axis=0)
    answering = (x > 0).sum(axis=0)
    var = ss / safe_n**2
    binomial = np.where(n > 0, p * (1 - p) / safe_n, 0.0)
    estimable = (n > 0) & (p > 0) & (p < 1) & (answering >= 2) & (binomial > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.where(
            estimable,
            var / np.where(binomial > 0, binomial, 1.0),
            n / np.where(answering > 0, answering, 1),
        )
    deff = np.where(n > 0, np.maximum(deff, 1.0), np.nan)
    n_eff = np.where(n > 0, n / np.where(n > 0, deff, 1.0), np.nan)
    low = np.full(k, np.nan)
    high = np.full(k, np.nan)
    for j in np.flatnonzero(n > 0):
        low[j], high[j] = wilson_bounds(float(p[j]), float(n_eff[j]), z)
    return RateIntervals(
        count=np.rint(count).astype(np.int64),
        n=np.rint(n).astype(np.int64),
        value=p,
        design_effect=deff,
        effective_n=n_eff,
        low=low,
        high=high,
    )


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
    ranks: NDArray[np.int64] = 1 + better.sum(axis=-1)
    return ranks


class BootstrapStream:
    """The bootstrap's random numbers: the SHAKE-256 output of the UTF-8 bytes of
    ``"xiaoneng-bootstrap|" + str(seed)`` (the seed in decimal), read as consecutive unsigned
    64-bit big-endian integers. ``below(n, count)`` draws ``count`` integers uniform in
    [0, n): each takes the next integer v, discards it when v ≥ 2⁶⁴ − (2⁶⁴ mod n) (so that every
    remainder is equally likely) and otherwise gives v mod n."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("the seed must be ≥ 0")
        self._message = f"{STREAM_PREFIX}{seed}".encode()
        self._values = np.zeros(0, dtype=np.uint64)
        self._used = 0

    def reserve(self, count: int) -> None:
        """Make at least ``count`` integers available after the ones used (SHAKE's output of a
        longer length starts with the shorter one, so growing it keeps what was read)."""
        need = self._used + count
        if need <= len(self._values):
            return
        total = max(need, 2 * len(self._values), 1024)
        raw = hashlib.shake_256(self._message).digest(8 * total)
        self._values = np.frombuffer(raw, dtype=">u8").astype(np.uint64)

    def take(self, count: int) -> NDArray[np.uint64]:
        """The next ``count`` raw 64-bit integers."""
        self.reserve(count)
        out = self._values[self._used : self._used + count]
        self._used += count
        return out

    def below(self, n: int, count: int) -> NDArray[np.int64]:
        if n < 1:
            raise ValueError("n must be ≥ 1")
        remainder = (1 << 64) % n
        values = self.take(count)
        if remainder:
            limit = np.uint64((1 << 64) - remainder)
            values = values[values < limit]
            while len(values) < count:  # about once in 2⁶⁴ / n draws: in order, one by one
                more = self.take(count - len(values))
                values = np.concatenate([values, more[more < limit]])
        return (values % np.uint64(n)).astype(np.int64)


def bootstrap_counts(
    strata_sizes: Sequence[int], replicates: int, seed: int
) -> list[NDArray[np.float64]]:
    """For each stratum, a (replicates × n_h) matrix of how often each sheet is drawn.

    Replicate by replicate (b = 1 … B), stratum by stratum in the campaign's order, n_h
    integers below n_h from ``BootstrapStream(seed)``: integer j draws the stratum's j-th sheet
    (0-based, in the order the sheets are listed). A stratum without sheets draws nothing.
    Counts let the tally use one matrix product per stratum.
    """
    stream = BootstrapStream(seed)
    stream.reserve(replicates * sum(strata_sizes))
    out = [np.zeros((replicates, n)) for n in strata_sizes]
    for b in range(replicates):
        for h, n in enumerate(strata_sizes):
            if n:
                out[h][b] = np.bincount(stream.below(n, n), minlength=n)
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
