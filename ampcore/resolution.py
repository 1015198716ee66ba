"""Resolution and significance of amplified data: two close peaks, and estimates with error bars.

Use :class:`TwoPeaks` for a law with two narrow peaks on a broad background, :func:`valley_depth`
to measure whether a sample resolves the dip between the peaks (and how significant a naive
Poisson error would call it), :func:`resolution_study` to compare training, GenCopy and Monte
Carlo samples of the same size at many gains, and :func:`estimate_study` with
:func:`spread_summary` to compare the real spread (over training seeds) of an estimate made from
amplified data with its naive ``1/sqrt(N_G)`` error and with Monte Carlo of the same size.

Provenance:

* "the resolution of variables in amplified data is not improved by the process but the increase
  in sample size can still improve statistical significance" is **Quoted** (abstract of Watts &
  Crow 2025, arXiv:2412.18041).
* The two-peak law, the valley statistic and the error decomposition
  ``Var = σ²/N + σ_gen²/N_G`` are **Reconstructed** (ours); the binomial and Poisson errors are
  **Standard**.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import integrate, special

from ._rng import RNGLike, normalize_rng
from ._validation import (
    as_sample_1d,
    check_choice,
    check_finite,
    check_int,
    check_law,
    check_positive,
)
from .amplify import gencopy
from .information import bin_width

__all__ = [
    "TwoPeaks",
    "Valley",
    "estimate_study",
    "resolution_study",
    "spread_summary",
    "true_valley_depth",
    "valley_depth",
]


class TwoPeaks:
    """Two Normal peaks of width `peak_width`, `separation` apart, on a broad Normal background.

    Density: ``(1-b)/2 · [N(c - s/2, w²) + N(c + s/2, w²)] + b · N(c, σ_b²)``. The object behaves
    like a frozen ``scipy.stats`` law (``rvs, pdf, logpdf, cdf, entropy, support, mean, var,
    std``), so it can be used with :class:`ampcore.experiment.Reference` and
    :func:`ampcore.divergence.histogram_kl`.

    Parameters
    ----------
    separation : float
        Distance s > 0 between the peak centres.
    peak_width : float
        Standard deviation w > 0 of each peak.
    background : float, optional
        Weight b in [0, 1) of the background; default 0.5.
    background_sd : float, optional
        Standard deviation σ_b > 0 of the background; default 1.
    center : float, optional
        Centre c of the structure; default 0.

    Notes
    -----
    Provenance: Reconstructed (a test law of ours; the entropy is computed by adaptive quadrature).

    Examples
    --------
    The variance is ``b σ_b² + (1-b)(w² + s²/4)`` = 0.5 + 0.5 (0.0009 + 0.0036):

    >>> law = TwoPeaks(0.12, 0.03)
    >>> round(law.mean(), 6), round(law.var(), 5)
    (0.0, 0.50225)
    >>> x = law.rvs(size=5, random_state=np.random.default_rng(0))
    >>> x.shape
    (5,)
    """

    def __init__(
        self,
        separation: float,
        peak_width: float,
        *,
        background: float = 0.5,
        background_sd: float = 1.0,
        center: float = 0.0,
    ) -> None:
        self.separation = check_positive(separation, "separation")
        self.peak_width = check_positive(peak_width, "peak_width")
        background = check_positive(background, "background", allow_zero=True)
        if background >= 1:
            raise ValueError(f"`background` must be in [0, 1); got {background!r}.")
        self.background = background
        self.background_sd = check_positive(background_sd, "background_sd")
        self.center = check_finite(center, "center")
        half = self.separation / 2
        self._means = np.array([self.center - half, self.center + half, self.center])
        self._sds = np.array([self.peak_width, self.peak_width, self.background_sd])
        self._weights = np.array([(1 - background) / 2, (1 - background) / 2, background])

    def __repr__(self) -> str:
        return (
            f"TwoPeaks(separation={self.separation!r}, peak_width={self.peak_width!r}, "
            f"background={self.background!r}, background_sd={self.background_sd!r}, "
            f"center={self.center!r})"
        )

    def _parts(self, x: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        arr = np.asarray(x, dtype=np.float64)
        z = (arr[..., None] - self._means) / self._sds
        return arr, z

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """Log density."""
        _, z = self._parts(x)
        log_terms = (
            np.log(self._weights, where=self._weights > 0, out=np.full(3, -np.inf))
            - 0.5 * z**2
            - np.log(self._sds * math.sqrt(2 * math.pi))
        )
        return np.asarray(special.logsumexp(log_terms, axis=-1), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """Density."""
        return np.asarray(np.exp(self.logpdf(x)), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """Cumulative distribution function."""
        _, z = self._parts(x)
        return np.asarray((self._weights * special.ndtr(z)).sum(axis=-1), dtype=np.float64)

    def rvs(self, size: int = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draw `size` events (component labels, then Normal draws)."""
        size = check_int(size, "size", minimum=0)
        gen = normalize_rng(random_state, name="random_state")
        labels = gen.choice(3, size=size, p=self._weights)
        return self._means[labels] + self._sds[labels] * gen.standard_normal(size)

    def support(self) -> tuple[float, float]:
        """The whole real line."""
        return (-math.inf, math.inf)

    def mean(self) -> float:
        """Mean (= `center`)."""
        return float((self._weights * self._means).sum())

    def var(self) -> float:
        """Variance."""
        second = (self._weights * (self._sds**2 + self._means**2)).sum()
        return float(second - self.mean() ** 2)

    def std(self) -> float:
        """Standard deviation."""
        return math.sqrt(self.var())

    def entropy(self) -> float:
        """Differential entropy in nats (adaptive quadrature over ±12 component widths)."""

        def integrand(t: float) -> float:
            lp = float(self.logpdf(t))
            return -math.exp(lp) * lp if lp > -700 else 0.0

        lo = float((self._means - 12 * self._sds).min())
        hi = float((self._means + 12 * self._sds).max())
        points = sorted(
            set(
                np.concatenate(
                    [self._means, self._means - 3 * self._sds, self._means + 3 * self._sds]
                )
            )
        )
        value, _ = integrate.quad(integrand, lo, hi, points=points, limit=200)
        return float(value)


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


def true_valley_depth(law: Any, *, separation: float, window: float, center: float = 0.0) -> float:
    """The depth :func:`valley_depth` converges to for infinitely many events from `law`.

    Uses ``law.cdf`` over the three windows. Provenance: Standard (window probabilities).

    Examples
    --------
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


def _check_gains(gains: Any) -> list[int]:
    if isinstance(gains, (str, bytes)) or not isinstance(gains, Sequence) or len(gains) == 0:
        raise ValueError(f"`gains` must be a non-empty list of integers >= 1; got {gains!r}.")
    return [check_int(g, "gains", minimum=1) for g in gains]


def resolution_study(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    separation: float,
    window: float,
    center: float = 0.0,
    m: float = 2.5,
    replicates: int = 5,
    variant: str = "jitter",
    root_seed: int = 20250701,
) -> pd.DataFrame:
    """Valley depth of the training sample, of GenCopy at each gain, and of MC of the same size.

    Parameters
    ----------
    law : frozen scipy.stats-like law
        Two-peak law (e.g. :class:`TwoPeaks`).
    n : int
        Training events N >= 2.
    gains : sequence of int
        Gains G; GenCopy and MC samples have ``G·N`` events.
    separation, window, center
        As in :func:`valley_depth`.
    m : float, optional
        Goldilocks statistic for GenCopy's Δ (nearest-neighbour entropy of the training sample).
    replicates : int, optional
        Independent training samples.
    variant : {"jitter", "multinomial"}, optional
        GenCopy variant (see :func:`ampcore.amplify.gencopy`).
    root_seed : int, optional
        Replicate r uses ``SeedSequence(root_seed, spawn_key=(r,))``.

    Returns
    -------
    pandas.DataFrame
        Columns ``replicate, source`` (``"training"``, ``"gencopy"``, ``"mc"``), ``gain,
        n_events, width`` (GenCopy Δ), ``depth, z_naive``.

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours).

    Examples
    --------
    >>> df = resolution_study(TwoPeaks(0.12, 0.03), 500, [1, 10], separation=0.12, window=0.03,
    ...                       replicates=2)
    >>> sorted(df["source"].unique()), len(df)
    (['gencopy', 'mc', 'training'], 10)
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gain_list = _check_gains(gains)
    replicates = check_int(replicates, "replicates", minimum=1)
    check_choice(variant, "variant", ("jitter", "multinomial"))
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    rows = []
    for r in range(replicates):
        gen = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=(r,)))
        train = np.asarray(law.rvs(size=n, random_state=gen), dtype=np.float64)
        width = bin_width(train, m)
        v = valley_depth(train, separation=separation, window=window, center=center)
        rows.append(
            {
                "replicate": r,
                "source": "training",
                "gain": 1,
                "n_events": n,
                "width": width,
                "depth": v.depth,
                "z_naive": v.z_naive,
            }
        )
        for g in gain_list:
            amp = gencopy(train, g, width=width, variant=variant, rng=gen).sample
            mc = np.asarray(law.rvs(size=g * n, random_state=gen), dtype=np.float64)
            for source, sample in (("gencopy", amp), ("mc", mc)):
                v = valley_depth(sample, separation=separation, window=window, center=center)
                rows.append(
                    {
                        "replicate": r,
                        "source": source,
                        "gain": g,
                        "n_events": g * n,
                        "width": width,
                        "depth": v.depth,
                        "z_naive": v.z_naive,
                    }
                )
    return pd.DataFrame(rows)


def estimate_study(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    cut: float,
    m: float = 2.5,
    replicates: int = 200,
    variants: Sequence[str] = ("jitter", "multinomial"),
    root_seed: int = 20250702,
) -> pd.DataFrame:
    """Estimates made from amplified data, over many training seeds: a fraction and a mean.

    For each replicate, draw N training events; for each gain G and GenCopy variant, amplify
    and record the fraction of events above `cut` and the sample mean; do the same for an MC
    sample of ``G·N`` events.

    Parameters
    ----------
    law : frozen scipy.stats-like law
    n : int
        Training events N >= 2.
    gains : sequence of int
    cut : float
        The window is ``[cut, +inf)``.
    m : float, optional
        Goldilocks statistic for GenCopy's Δ.
    replicates : int, optional
        Training seeds (>= 2; the spread over them is the real error).
    variants : sequence of {"jitter", "multinomial"}
        GenCopy variants to run.
    root_seed : int, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``replicate, source`` (``"gencopy-jitter"``, ``"gencopy-multinomial"``, ``"mc"``),
        ``gain, n_events, fraction, mean``.

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours).

    Examples
    --------
    >>> df = estimate_study(TwoPeaks(0.12, 0.03), 200, [1, 5], cut=0.5, replicates=3)
    >>> sorted(df["source"].unique())
    ['gencopy-jitter', 'gencopy-multinomial', 'mc']
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gain_list = _check_gains(gains)
    cut = check_finite(cut, "cut")
    replicates = check_int(replicates, "replicates", minimum=2)
    if isinstance(variants, str) or len(variants) == 0:
        raise ValueError(
            f"`variants` must be a non-empty list of 'jitter'/'multinomial'; got {variants!r}."
        )
    for v in variants:
        check_choice(v, "variants", ("jitter", "multinomial"))
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    rows = []
    for r in range(replicates):
        gen = np.random.default_rng(np.random.SeedSequence(root_seed, spawn_key=(r,)))
        train = np.asarray(law.rvs(size=n, random_state=gen), dtype=np.float64)
        width = bin_width(train, m)
        for g in gain_list:
            samples = [
                (f"gencopy-{v}", gencopy(train, g, width=width, variant=v, rng=gen).sample)
                for v in variants
            ]
            samples.append(
                ("mc", np.asarray(law.rvs(size=g * n, random_state=gen), dtype=np.float64))
            )
            for source, sample in samples:
                rows.append(
                    {
                        "replicate": r,
                        "source": source,
                        "gain": g,
                        "n_events": g * n,
                        "fraction": float(np.mean(sample >= cut)),
                        "mean": float(sample.mean()),
                    }
                )
    return pd.DataFrame(rows)


def spread_summary(frame: pd.DataFrame, *, n: int, sd: float) -> pd.DataFrame:
    """Real spread over training seeds vs the naive error, per (source, gain).

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`estimate_study`.
    n : int
        Training events N (for the N-event error level).
    sd : float
        Standard deviation of the law, > 0 (for the errors of the mean).

    Returns
    -------
    pandas.DataFrame
        One row per (source, gain) with ``n_events``, ``fraction_sd`` (sd over seeds, the real
        error), ``fraction_naive`` (mean of ``sqrt(f(1-f)/N_G)``, the binomial error one would
        quote treating the events as independent), ``fraction_train`` (``sqrt(f̄(1-f̄)/N)``),
        and the same three for the mean (``mean_sd``, ``mean_naive`` = ``sd/sqrt(N_G)``,
        ``mean_train`` = ``sd/sqrt(N)``), plus
        ``fraction_ratio = fraction_sd / fraction_naive``.

    Notes
    -----
    Provenance: Standard (binomial error ``sqrt(f(1-f)/n)``, standard error of a mean);
    Reconstructed: the comparison.

    Examples
    --------
    >>> df = estimate_study(TwoPeaks(0.12, 0.03), 200, [1, 5], cut=0.5, replicates=3)
    >>> spread_summary(df, n=200, sd=TwoPeaks(0.12, 0.03).std()).shape[0]
    6
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"`frame` must be a pandas DataFrame from estimate_study; got {type(frame).__name__}."
        )
    needed = {"source", "gain", "n_events", "fraction", "mean", "replicate"}
    missing = needed - set(frame.columns)
    if missing:
        raise ValueError(
            f"`frame` lacks column(s) {sorted(missing)}; pass the output of estimate_study."
        )
    n = check_int(n, "n", minimum=2)
    sd_law = check_positive(sd, "sd")
    rows = []
    for (source, gain), grp in frame.groupby(["source", "gain"], sort=True):
        f = grp["fraction"].to_numpy()
        n_g = int(grp["n_events"].iloc[0])
        f_bar = float(f.mean())
        rows.append(
            {
                "source": source,
                "gain": int(gain),
                "n_events": n_g,
                "fraction_sd": float(f.std(ddof=1)),
                "fraction_naive": float(np.mean(np.sqrt(f * (1 - f) / n_g))),
                "fraction_train": math.sqrt(f_bar * (1 - f_bar) / n),
                "mean_sd": float(grp["mean"].std(ddof=1)),
                "mean_naive": sd_law / math.sqrt(n_g),
                "mean_train": sd_law / math.sqrt(n),
            }
        )
    out = pd.DataFrame(rows)
    out["fraction_ratio"] = out["fraction_sd"] / out["fraction_naive"]
    return out
