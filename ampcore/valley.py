"""The valley statistic: does a sample resolve two close peaks?

Use :func:`valley_depth` to count a sample's events in three windows — on each of two peaks and
at their midpoint — and read off the dip between the peaks (and the naive Poisson significance a
user would quote for it), and :func:`true_valley_depth` for the value infinitely many events from
a law would give. :class:`ampcore.laws.TwoPeaks` is a law with such structure.

Provenance: the statistic is **Reconstructed** (ours); the window probabilities and Poisson
errors are **Standard**.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_sample_1d, check_finite, check_law, check_positive
from .laws import Law

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Valley", "valley_depth", "true_valley_depth", "valley_table"]


class Valley(NamedTuple):
    """The dip between two peaks, measured by counts in three windows."""

    depth: float  #: ``1 - mid / mean(left, right)``: 0 = no dip, 1 = empty middle
    z_naive: float  #: ``(mean(left, right) - mid) / sqrt((left + right)/4 + mid)``, Poisson errors
    left: int  #: events in the window at the left peak
    mid: int  #: events in the window at the midpoint
    right: int  #: events in the window at the right peak


def _windows(separation: float, window: float, center: float) -> np.ndarray:
    half = separation / 2
    centres = np.array([center - half, center, center + half])
    return np.stack([centres - window / 2, centres + window / 2], axis=1)


def valley_depth(x: ArrayLike, *, separation: float, window: float, center: float = 0.0) -> Valley:
    """Count events in windows at the two peaks and at their midpoint; return the dip.

    Parameters
    ----------
    x : array_like, shape (n,)
        The sample.
    separation : float
        Distance s > 0 between the peak positions (known in advance).
    window : float
        Width of each counting window, ``0 < window <= separation`` (the windows must not overlap).
    center : float, optional
        Midpoint between the peaks.

    Returns
    -------
    Valley
        ``depth = 1 - mid / ((left + right)/2)`` and the naive significance ``z_naive`` that a
        Poisson error on each count would give; ``depth`` is NaN if both peak windows are empty.

    Notes
    -----
    Provenance: Reconstructed (our resolvability statistic). The Poisson error treats every
    event as independent: true for Monte Carlo, false for amplified data, whose events share
    the N training events, so ``z_naive`` grows like ``sqrt(N_G)`` for both.

    Examples
    --------
    >>> v = valley_depth([-1.0, -1.0, 0.0, 1.0, 1.0, 1.0], separation=2.0, window=0.5)
    >>> v.left, v.mid, v.right, round(v.depth, 2)
    (2, 1, 3, 0.6)
    """
    xs = as_sample_1d(x, "x")
    separation = check_positive(separation, "separation")
    window = check_positive(window, "window")
    center = check_finite(center, "center")
    if window > separation:
        raise ValueError(
            f"`window` must be <= `separation` so that the three windows do not overlap; "
            f"got window={window!r}, separation={separation!r}."
        )
    edges = _windows(separation, window, center)
    xs_sorted = np.sort(xs)
    counts = np.searchsorted(xs_sorted, edges[:, 1], side="left") - np.searchsorted(
        xs_sorted, edges[:, 0], side="left"
    )
    left, mid, right = (int(c) for c in counts)
    peaks = (left + right) / 2
    depth = 1 - mid / peaks if peaks > 0 else math.nan
    var = (left + right) / 4 + mid
    z = (peaks - mid) / math.sqrt(var) if var > 0 else math.nan
    return Valley(depth=depth, z_naive=z, left=left, mid=mid, right=right)


def true_valley_depth(law: Law, *, separation: float, window: float, center: float = 0.0) -> float:
    """The depth :func:`valley_depth` converges to for infinitely many events from `law`.

    Uses ``law.cdf`` over the three windows. Provenance: Standard (window probabilities).

    Examples
    --------
    >>> from ampcore.laws import TwoPeaks
    >>> round(true_valley_depth(TwoPeaks(0.12, 0.03), separation=0.12, window=0.03), 3)
    0.643
    """
    check_law(law)
    separation = check_positive(separation, "separation")
    window = check_positive(window, "window")
    center = check_finite(center, "center")
    edges = _windows(separation, window, center)
    probs = np.asarray(law.cdf(edges[:, 1]), dtype=np.float64) - np.asarray(
        law.cdf(edges[:, 0]), dtype=np.float64
    )
    return float(1 - probs[1] / ((probs[0] + probs[2]) / 2))


def valley_table(samples: Mapping[str, ArrayLike], *, separation: float, window: float, center: float = 0.0) -> pd.DataFrame:
    """:func:`valley_depth` of several samples side by side.

    Parameters
    ----------
    samples : mapping label -> array_like
        The samples, in the order the table lists them.
    separation, window, center
        As in :func:`valley_depth`.

    Returns
    -------
    pandas.DataFrame
        ``sample, events, valley depth, naive z`` (depth and z rounded to 3 and 1 decimals).

    Examples
    --------
    >>> valley_table({"a": [-1.0, -1.0, 0.0, 1.0, 1.0, 1.0]}, separation=2.0, window=0.5).values.tolist()
    [['a', 6, 0.6, 1.0]]
    """
    import pandas as pd

    rows = []
    for label, sample in samples.items():
        v = valley_depth(sample, separation=separation, window=window, center=center)
        rows.append({"sample": str(label), "events": int(np.size(sample)), "valley depth": round(v.depth, 3),
                     "naive z": round(v.z_naive, 1)})
    return pd.DataFrame(rows)
