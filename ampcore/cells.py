"""Histograms on a d-dimensional grid of cells at the Goldilocks resolution, and their floor.

Use :func:`cell_width` for the per-axis width of cubic cells at which a sample of N events in d
dimensions has histogram entropy ``ln N / M`` (its differential entropy estimated from the sample
by :func:`ampcore.information.knn_entropy`, or given), :func:`goldilocks_cell_width` for the same
width from a known entropy, :func:`cell_histogram` to count a sample of shape
``(n, d)`` in those cells (sparsely: only occupied cells are stored, so d = 5 allocates no dense
grid), :func:`effective_m_cells` for the measured Goldilocks statistic in d dimensions,
:func:`product_floor` for the exact floor ``D(q‖p)`` of a training histogram when the law is a
product of 1-D laws (e.g. ``N(0, I_d)``), :func:`binning_bias` for the part of it that remains
with exact cell probabilities, and :func:`cell_floor_mc` for a Monte Carlo estimate of the floor,
with its standard error, for any law with a density (the spherical shell).

Provenance:

* ``H_V ≈ h − ln V`` for cells of volume V (**Standard**, Cover & Thomas 2006, Thm 8.3.1 in d
  dimensions) and ``H = ln N / M`` (Watts & Crow 2022, arXiv:2210.02848, in 1-D) give the cell
  volume ``V = e^h N^(−1/M)`` and the per-axis width ``V^(1/d)``: the d-D rule is
  **Reconstructed** (ours; the papers are 1-D). So is ``M = ln N / Ĥ`` measured on cells. The
  entropy h of a sample is the k-nearest-neighbour estimate (**Standard**, Kozachenko &
  Leonenko 1987, in R FNN's form) unless the law's is given.
* The floor ``D(q_V‖p) = Σ_j Q_j [ln(Q_j/V) − mean_{cell j} ln p]`` is the definition of KL
  (**Standard**); that it is the limit of GenCopy as G → ∞ is **Reconstructed** (as in 1-D,
  :func:`ampcore.divergence.histogram_kl`). For a product law the cell mean of ``ln p`` is the sum
  of the per-axis means (Standard), computed by 32-point Gauss–Legendre per axis (exact for a
  Normal). With exact cell probabilities on a product grid the KL is the sum of the 1-D ones
  (**Standard**: the KL of product laws is additive).
* Monte Carlo mean and its standard error ``sd/√S`` are **Standard**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._rng import RNGLike, normalize_rng
from ._validation import (as_points, as_real_array, check_bin_precision, check_finite, check_int, check_law,
                          check_memory, check_positive)
from .information import goldilocks_width, histogram_entropy, knn_entropy
from .laws import Law, LawND

__all__ = [
    "CellHistogram",
    "as_points",
    "goldilocks_cell_width",
    "cell_width",
    "cell_histogram",
    "effective_m_cells",
    "product_floor",
    "binning_bias",
    "CellFloor",
    "cell_floor_mc",
]

_GAUSS_ORDER = 32


def goldilocks_cell_width(n: int, m: float, h: float, dim: int) -> float:
    """Per-axis width of cubic cells at which n events have histogram entropy ``ln n / M``.

    Parameters
    ----------
    n : int
        Number of events, >= 2.
    m : float
        Goldilocks statistic, > 0.
    h : float
        Differential entropy of the d-D law, in nats.
    dim : int
        Dimension d >= 1.

    Returns
    -------
    float
        ``V^(1/d)`` with ``V = e^h n^(−1/M)``, i.e. ``e^(h/d) n^(−1/(d M))``; at d = 1 it is
        :func:`ampcore.information.goldilocks_width`.

    Notes
    -----
    Provenance: Reconstructed (see the module docstring).

    Examples
    --------
    >>> h = 0.5 * math.log(2 * math.pi * math.e)
    >>> round(goldilocks_cell_width(2000, 2, h, 1), 4), round(goldilocks_cell_width(2000, 2, 2 * h, 2), 4)
    (0.0924, 0.618)
    """
    dim = check_int(dim, "dim", minimum=1)
    volume = float(goldilocks_width(n, m, h))
    return float(math.exp(math.log(volume) / dim))


# Neighbour order of the entropy estimate behind `cell_width`: k = 1, as the 1-D rule's
# `nn_entropy`; it is the least biased order (N(0, I_3), n = 2e4: -0.006 nats at k = 1, -0.018 at
# k = 4, both with sd 0.007 over samples).
CELL_ENTROPY_K = 1


def cell_width(x: ArrayLike, m: float, *, h: float | None = None, law: LawND | None = None) -> float:
    """Per-axis Goldilocks cell width for a sample of shape ``(n, d)`` at statistic `m`.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
        The training sample, ``n >= 2`` distinct points.
    m : float
        Goldilocks statistic, > 0.
    h : float, optional
        Differential entropy of the law in nats, if known.
    law : optional
        A d-D law whose ``entropy()`` gives h (e.g. :class:`ampcore.laws.GaussianND`).

    Returns
    -------
    float
        :func:`goldilocks_cell_width` ``(n, m, h, d)``, with h, by default, the sample's own
        k = 1 nearest-neighbour entropy ``knn_entropy(x, k=1)[0]``
        (:func:`ampcore.information.knn_entropy`, R FNN's estimate); give `h` or `law` to use
        the law's entropy instead (the analytic option, for a law known in a simulation).

    Raises
    ------
    ValueError
        If both `h` and `law` are given, or if, without them, `x` has duplicate points (their
        nearest-neighbour distance is 0 and the estimate is -inf): give `h` or `law` then.

    Notes
    -----
    The estimate's error moves the width by a factor ``e^(δh/d)``: at d = 3, n = 1000 (sd of
    ``h`` about 0.05 nats at k = 1) that is about 2 %. At d = 1 the width is
    :func:`ampcore.information.bin_width` (which uses :func:`ampcore.information.nn_entropy`)
    times ``e^(ψ(n) − ln n) ≈ 1 − 1/(2n)``.

    Provenance: Reconstructed (the d-D cell rule, see the module docstring), with the Standard
    kNN entropy.

    Examples
    --------
    >>> from ampcore.laws import GaussianND
    >>> x = GaussianND(3).rvs(2000, random_state=1)
    >>> round(cell_width(x, 2.0), 4), round(cell_width(x, 2.0, law=GaussianND(3)), 4)
    (1.1637, 1.1643)
    """
    pts = as_points(x, min_size=2)
    n, dim = pts.shape
    m = check_positive(m, "m")
    if h is not None and law is not None:
        raise ValueError(f"Give at most one of `h` and `law`; got h={h!r} and law={law!r}.")
    if law is not None:
        h = float(law.entropy())
        if not math.isfinite(h):
            raise ValueError(f"`law` must have a finite differential entropy (its entropy()); got {h!r}.")
    elif h is not None:
        h = check_finite(h, "h")
    else:
        try:
            h = float(knn_entropy(pts, k=CELL_ENTROPY_K, ties="raise")[0])
        except ValueError as exc:
            raise ValueError(
                f"`x` has duplicate points, so its nearest-neighbour entropy is -inf ({exc}); "
                "give `h` or `law` for the cell width."
            ) from None
    return goldilocks_cell_width(n, m, h, dim)


@dataclass(frozen=True)
class CellHistogram:
    """Occupied cubic cells of a sample of shape ``(n, d)``.

    Cell ``j`` (a row of integers) is the box ``origin + [j, j + 1) · width`` on every axis.

    Attributes
    ----------
    origin : numpy.ndarray, shape (d,)
        Corner of cell 0.
    width : float
        Per-axis width; the cell volume is ``width ** d``.
    index : numpy.ndarray of int64, shape (B, d)
        The occupied cells, sorted lexicographically.
    counts : numpy.ndarray of int64, shape (B,)
        Events in each occupied cell.
    """

    origin: np.ndarray
    width: float
    index: np.ndarray
    counts: np.ndarray

    @property
    def dim(self) -> int:
        """Dimension d."""
        return int(self.origin.size)

    @property
    def n(self) -> int:
        """Total number of events."""
        return int(self.counts.sum())

    @property
    def log_volume(self) -> float:
        """``ln V = d ln width``."""
        return self.dim * math.log(self.width)

    @property
    def occupied(self) -> int:
        """Number of occupied cells."""
        return int(self.counts.size)

    def entropy(self) -> float:
        """Plug-in Shannon entropy of the cell frequencies, nats."""
        return histogram_entropy(self.counts)

    def cells_of(self, x: ArrayLike) -> np.ndarray:
        """Integer cell index (shape ``(n, d)``) of each point of `x` on this grid."""
        pts = as_points(x)
        if pts.shape[1] != self.dim:
            raise ValueError(f"`x` must have dimension {self.dim}; got {pts.shape[1]}.")
        return np.asarray(np.floor((pts - self.origin) / self.width), dtype=np.int64)

    def lookup(self, cells: np.ndarray) -> np.ndarray:
        """Position in :attr:`index` of each row of `cells`, or −1 for an empty cell."""
        asked = np.asarray(cells, dtype=np.int64).reshape(-1, self.dim)
        low, high = self.index.min(axis=0), self.index.max(axis=0)
        inside = np.all((asked >= low) & (asked <= high), axis=1)
        own = _keys(self.index, low, high)
        keys = _keys(asked[inside], low, high)
        pos = np.minimum(np.searchsorted(own, keys), own.size - 1)
        out = np.full(asked.shape[0], -1, dtype=np.int64)
        out[inside] = np.where(own[pos] == keys, pos, -1)
        return out


def _keys(cells: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None) -> np.ndarray:
    """One int64 key per row, ordered as the rows lexicographically (mixed radix over the spans)."""
    low = cells.min(axis=0) if low is None else low
    high = cells.max(axis=0) if high is None else high
    span = high - low + 1
    if float(np.prod(span.astype(np.float64))) >= 2.0**62:
        raise ValueError(
            f"the cells span {span.tolist()} per axis: too many to number; use a larger `width`."
        )
    key = np.zeros(cells.shape[0], dtype=np.int64)
    for axis in range(cells.shape[1]):
        key = key * span[axis] + (cells[:, axis] - low[axis])
    return key


def cell_histogram(x: ArrayLike, width: float, *, origin: ArrayLike | None = None) -> CellHistogram:
    """Count a sample of shape ``(n, d)`` in cubic cells of per-axis `width` from `origin`.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,)
        Finite sample.
    width : float
        Per-axis cell width > 0.
    origin : array_like, shape (d,), optional
        Corner of cell 0; default the per-axis minimum of `x`.

    Returns
    -------
    CellHistogram
        Only the occupied cells (sparse counting: one integer key per event, then ``np.unique``).

    Examples
    --------
    >>> h = cell_histogram([[0.1, 0.1], [0.2, 0.3], [1.5, 0.2]], 1.0, origin=[0.0, 0.0])
    >>> h.index.tolist(), h.counts.tolist()
    ([[0, 0], [1, 0]], [2, 1])
    """
    pts = as_points(x)
    width = check_positive(width, "width")
    corner = pts.min(axis=0) if origin is None else as_points(np.atleast_2d(origin), "origin")[0]
    if corner.size != pts.shape[1]:
        raise ValueError(f"`origin` must have {pts.shape[1]} coordinates; got {corner.size}.")
    # each axis as the 1-D histogram: far from 0 or from the origin, float64 cannot place a
    # value in its cell (every point lands in one cell, redrawn positions collapse)
    low, high = pts.min(axis=0), pts.max(axis=0)
    for axis in range(pts.shape[1]):
        check_bin_precision(float(low[axis]), float(high[axis]), float(corner[axis]), width,
                            data="x")
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.floor((pts - corner) / width)
    if not (np.all(np.isfinite(scaled)) and np.abs(scaled).max() < 2.0**62):
        raise ValueError(f"`width` = {width!r} is too small for the data: cell indices overflow.")
    cells = scaled.astype(np.int64)
    keys = _keys(cells)
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return CellHistogram(origin=np.asarray(corner, dtype=np.float64), width=width, index=cells[first],
                         counts=counts.astype(np.int64))


def effective_m_cells(x: ArrayLike, width: float, *, origin: ArrayLike | None = None) -> float:
    """Measured Goldilocks statistic ``ln N / Ĥ`` of a ``(n, d)`` sample in cells of `width`.

    At d = 1 it equals :func:`ampcore.information.effective_m`; ``inf`` if one cell holds every
    event. Provenance: Reconstructed (the 1-D rule of Watts & Crow 2022 on cells).

    Examples
    --------
    >>> pts = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0)), -1).reshape(-1, 2)
    >>> round(effective_m_cells(pts, 1.0), 6)  # 100 events in 100 cells: ln 100 / ln 100
    1.0
    """
    pts = as_points(x, min_size=2)
    h = cell_histogram(pts, width, origin=origin).entropy()
    return math.inf if h == 0.0 else math.log(pts.shape[0]) / h


def _axis_mean_log(law: Law, lefts: np.ndarray, width: float) -> np.ndarray:
    """Mean of ``law.logpdf`` over ``[left, left + width)`` for each left (Gauss–Legendre)."""
    nodes, weights = np.polynomial.legendre.leggauss(_GAUSS_ORDER)
    points = lefts[..., None] + 0.5 * width * (1.0 + nodes)
    with np.errstate(divide="ignore"):
        return np.asarray(0.5 * (np.asarray(law.logpdf(points), dtype=np.float64) * weights).sum(axis=-1))


def product_floor(hist: CellHistogram, marginal: Any) -> float:
    """Exact ``D(q‖p)`` of a cell histogram's density from the product law ``p = Π marginal``.

    Parameters
    ----------
    hist : CellHistogram
        The training histogram; q is ``counts_j / (n V)`` on each occupied cell.
    marginal : Law
        The 1-D law of every coordinate (e.g. ``scipy.stats.norm()`` for ``N(0, I_d)``).

    Returns
    -------
    float
        ``Σ_j Q_j [ln(Q_j/V) − Σ_axes mean ln p_axis]`` nats (``Q_j = counts_j/n``): the floor that
        GenCopy approaches as G → ∞. At d = 1 it is :func:`ampcore.divergence.histogram_kl`.

    Notes
    -----
    Provenance: Standard (KL; additivity of ``ln p`` over a product law; Gauss–Legendre, exact for
    a Normal). Its reading as the floor is Reconstructed.

    Examples
    --------
    >>> from scipy import stats
    >>> x = np.random.default_rng(3).normal(size=(2000, 1))
    >>> round(product_floor(cell_histogram(x, 0.0924), stats.norm()), 3)
    0.019
    """
    check_law(marginal, "marginal")
    if not isinstance(hist, CellHistogram):
        raise TypeError(f"`hist` must be a CellHistogram; got {type(hist).__name__}.")
    lefts = hist.origin + hist.index * hist.width
    mean_log_p = _axis_mean_log(marginal, lefts, hist.width).sum(axis=1)
    q = hist.counts / hist.n
    return float(np.sum(q * (np.log(q) - hist.log_volume - mean_log_p)))


def binning_bias(marginal: Any, width: float, dim: int, *, origin: ArrayLike = 0.0) -> float:
    """``D(p‖p_V)`` for the product law ``Π marginal`` and its exact cell probabilities.

    ``p_V`` is constant on each cell of a product grid (width `width`, corner `origin`), with the
    law's own probability of the cell. For a product law the divergence is the sum of the d 1-D
    ones, ``Σ_axes [H_Δ(P) + ln Δ − h]`` (1-D cell probabilities P from the cdf).

    Parameters
    ----------
    marginal : Law
        The 1-D law of every coordinate.
    width : float
        Per-axis width Δ > 0.
    dim : int
        Dimension d >= 1.
    origin : float or array_like of d floats
        Corner of cell 0 (one value for every axis, or one per axis).

    Notes
    -----
    Provenance: Standard (KL of product laws is additive; ``D(p‖p_Δ) = H_Δ + ln Δ − h`` is the
    definition of KL with ``p_Δ = P_j/Δ``).

    Examples
    --------
    >>> from scipy import stats
    >>> b1, b3 = binning_bias(stats.norm(), 0.5, 1), binning_bias(stats.norm(), 0.5, 3)
    >>> round(b3 / b1, 9), round(b1, 5)  # about Δ²/24 = 0.0104 for small Δ
    (3.0, 0.01031)
    """
    check_law(marginal, "marginal")
    width = check_positive(width, "width")
    dim = check_int(dim, "dim", minimum=1)
    corners = np.ravel(as_real_array(origin, "origin"))
    if corners.size == 1:
        corners = np.repeat(corners, dim)
    if np.ndim(origin) > 1 or corners.size != dim or not np.all(np.isfinite(corners)):
        raise ValueError(f"`origin` must be one finite value or {dim} of them; got {origin!r}.")
    lo, hi = (float(v) for v in marginal.ppf([1e-15, 1 - 1e-15]))
    h = float(marginal.entropy())
    total = 0.0
    for corner in corners:
        first = math.floor((lo - corner) / width)
        last = math.ceil((hi - corner) / width)
        edges = corner + width * np.arange(first, last + 1, dtype=np.float64)
        prob = np.diff(np.concatenate([[0.0], np.asarray(marginal.cdf(edges[1:-1]), dtype=np.float64), [1.0]]))
        prob = prob[prob > 0]
        total += float(-np.sum(prob * np.log(prob)) + math.log(width) - h)
    return total


@dataclass(frozen=True)
class CellFloor:
    """A Monte Carlo estimate of the floor ``D(q‖p)`` with its standard error (nats)."""

    value: float
    se: float
    draws: int


def cell_floor_mc(hist: CellHistogram, law: LawND, *, draws: int = 100_000, rng: RNGLike = None) -> CellFloor:
    """Monte Carlo estimate of ``D(q‖p)`` for a cell histogram and any d-D law with ``logpdf``.

    ``D = Σ_j Q_j ln(Q_j/V) − E_q[ln p(U)]``: the first sum is exact; the expectation is the
    mean of ``ln p`` over `draws` points drawn from q (a cell with probability ``Q_j``, then
    uniform inside it), with standard error ``sd/√draws``.

    Parameters
    ----------
    hist : CellHistogram
    law : a d-D law with ``logpdf`` taking points on the last axis (:class:`ampcore.laws.Shell`)
    draws : int
        Monte Carlo points, >= 100.
    rng : int, Generator or None

    Returns
    -------
    CellFloor

    Notes
    -----
    Provenance: Standard (KL; Monte Carlo mean and its standard error).

    Examples
    --------
    >>> from ampcore.laws import GaussianND
    >>> x = GaussianND(2).rvs(1000, random_state=1)
    >>> h = cell_histogram(x, 0.5)
    >>> f = cell_floor_mc(h, GaussianND(2), draws=200_000, rng=2)
    >>> from scipy import stats
    >>> abs(f.value - product_floor(h, stats.norm())) < 4 * f.se
    True
    """
    if not isinstance(hist, CellHistogram):
        raise TypeError(f"`hist` must be a CellHistogram; got {type(hist).__name__}.")
    if not callable(getattr(law, "logpdf", None)):
        raise TypeError(f"`law` must have a logpdf; got {type(law).__name__}.")
    draws = check_int(draws, "draws", minimum=100)
    check_memory(8 * draws * (2 * hist.dim + 2), name="draws", value=draws, what=f"{draws:.3g} Monte Carlo points")
    gen = normalize_rng(rng)
    q = hist.counts / hist.n
    exact = float(np.sum(q * (np.log(q) - hist.log_volume)))
    chosen = gen.choice(hist.occupied, size=draws, p=q)
    points = hist.origin + (hist.index[chosen] + gen.random((draws, hist.dim))) * hist.width
    log_p = np.asarray(law.logpdf(points), dtype=np.float64)
    if not np.all(np.isfinite(log_p)):
        return CellFloor(value=math.inf, se=math.nan, draws=draws)
    return CellFloor(value=exact - float(log_p.mean()), se=float(log_p.std(ddof=1) / math.sqrt(draws)), draws=draws)
