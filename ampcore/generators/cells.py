"""Generators of d-D point clouds (samples of shape (n, d)): GenCopy on cells, a d-D KDE, a radial fit.

Provenance: GenCopy on the cells of :mod:`ampcore.cells` (a cell with probability count/N,
uniform inside it) is **Reconstructed** (ours); the d-D Gaussian KDE with Scott's bandwidth
matrix ``n^(−2/(d+4)) Σ̂`` (Scott 1992, §6.3; Multivariate Density Estimation) and the
maximum-likelihood Normal fit of the radius are **Standard**; using that fit with a uniform
direction as the shell's model is **Reconstructed**.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import check_positive
from ..cells import CellHistogram, as_points, cell_histogram, cell_width, effective_m_cells
from .base import FittedModel, check_size
from ..laws import LawND

__all__ = ["CellModel", "GenCopyCells", "KDECellsModel", "KDECells", "RadialModel", "RadialFit",
           "GaussianFitModel", "GaussianFit"]


# --------------------------------------------------------------------------------------------------
# d dimensions: samples of shape (n, d)


@dataclass(frozen=True)
class CellModel(FittedModel):
    """The training histogram on d-D cells, from which :class:`GenCopyCells` draws events.

    Attributes
    ----------
    hist : CellHistogram
        The occupied cells and their training counts.
    n_train : int
    m_eff : float
        Measured M of the training sample on these cells (``ln N / Ĥ``).
    m : float or None
        The Goldilocks statistic that set the width (None if the width was given).
    """

    hist: CellHistogram = field(repr=False)
    n_train: int
    m_eff: float
    m: float | None = None
    generator = "gencopy_cells"

    @property
    def _bytes_per_event(self) -> int:  # type: ignore[override]  # depends on d
        return 8 * (3 * self.hist.dim + 2)

    def _record(self) -> dict[str, Any]:
        return {"width": self.hist.width, "m": self.m, "m_eff": self.m_eff}

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """`size` events, shape ``(size, d)``: a cell with probability count/N, then uniform in it."""
        size = check_size(size, self._bytes_per_event)
        gen = normalize_rng(rng)
        hist = self.hist
        chosen = gen.choice(hist.occupied, size=size, p=hist.counts / hist.n)
        return np.asarray(hist.origin + (hist.index[chosen] + gen.random((size, hist.dim))) * hist.width)


@dataclass(frozen=True)
class GenCopyCells:
    """GenCopy in d dimensions: count the training sample in cubic cells, redraw inside them.

    Parameters
    ----------
    m : float, optional
        Goldilocks statistic; the per-axis width is
        :func:`ampcore.cells.cell_width` ``(x, M, h=h, law=law)``: by default with the training
        sample's own nearest-neighbour entropy (:func:`ampcore.information.knn_entropy`), or
        with the entropy `h` or ``law.entropy()`` when one of them is given. Give exactly one of
        `m` and `width`.
    width : float, optional
        Per-axis cell width.
    origin : array_like, optional
        Corner of cell 0; default the per-axis minimum of the training sample.
    h : float, optional
        Differential entropy of the law in nats (instead of the sample's estimate).
    law : optional
        A d-D law (``law.entropy()`` gives h, instead of the sample's estimate), e.g.
        :class:`ampcore.laws.Shell`.

    Notes
    -----
    Provenance: Reconstructed (the cell rule and the redraw; see :mod:`ampcore.cells`). As G → ∞
    the generated density is the training histogram density q, and the divergence cannot fall
    below ``D(q‖p)`` (:func:`ampcore.cells.product_floor`, :func:`ampcore.cells.cell_floor_mc`).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(500, 2))
    >>> model = GenCopyCells(width=0.5).fit(x)
    >>> model.sample(7, rng=1).shape, model.hist.occupied > 10
    ((7, 2), True)
    """

    m: float | None = None
    width: float | None = None
    origin: Any = None
    h: float | None = None
    law: LawND | None = None

    @property
    def name(self) -> str:
        """``"gencopy_cells"``, its name in the registry."""
        return "gencopy_cells"

    def fit(self, x: ArrayLike) -> CellModel:
        """Count `x` (shape (n, d), n >= 2) in cells."""
        pts = as_points(x, min_size=2)
        n, dim = pts.shape
        if (self.m is None) == (self.width is None):
            raise ValueError(f"Give exactly one of `m` and `width`; got m={self.m!r}, width={self.width!r}.")
        if self.width is not None:
            width = check_positive(self.width, "width")
        else:
            width = cell_width(pts, check_positive(self.m, "m"), h=self.h, law=self.law)
        hist = cell_histogram(pts, width, origin=self.origin)
        return CellModel(hist=hist, n_train=n, m=self.m, m_eff=effective_m_cells(pts, width, origin=hist.origin))


@dataclass(frozen=True)
class KDECellsModel(FittedModel):
    """A d-D Gaussian KDE: the training events as centres, one bandwidth matrix ``H``."""

    centers: np.ndarray = field(repr=False)
    cholesky: np.ndarray = field(repr=False)
    n_train: int
    generator = "kde_cells"

    @property
    def _bytes_per_event(self) -> int:  # type: ignore[override]  # depends on d
        return 8 * (3 * int(self.centers.shape[1]) + 1)

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Pick centres with replacement, add ``N(0, H)`` noise; shape ``(size, d)``."""
        size = check_size(size, self._bytes_per_event)
        gen = normalize_rng(rng)
        picks = self.centers[gen.integers(0, self.centers.shape[0], size=size)]
        return np.asarray(picks + gen.standard_normal((size, self.centers.shape[1])) @ self.cholesky.T)


@dataclass(frozen=True)
class KDECells:
    """Gaussian KDE in d dimensions with Scott's bandwidth matrix ``H = n^(−2/(d+4)) Σ̂``.

    Parameters
    ----------
    factor : float, optional
        Multiplies Scott's factor ``n^(−1/(d+4))`` (1 by default).

    Notes
    -----
    Provenance: Standard (Scott 1992, §6.3; the default of :class:`scipy.stats.gaussian_kde`).
    The bandwidth is a closed-form rule, so there is no fit to converge.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(400, 3))
    >>> KDECells().fit(x).sample(5, rng=1).shape
    (5, 3)
    """

    factor: float = 1.0

    @property
    def name(self) -> str:
        """``"kde_cells"``, its name in the registry."""
        return "kde_cells"

    def fit(self, x: ArrayLike) -> KDECellsModel:
        """Keep `x` (shape (n, d), n > d) and the Cholesky factor of H."""
        factor = check_positive(self.factor, "factor")
        pts = as_points(x, min_size=2)
        n, dim = pts.shape
        if n <= dim:
            raise ValueError(f"`x` needs more events than dimensions for a covariance; got {n} in d = {dim}.")
        cov = np.atleast_2d(np.cov(pts, rowvar=False)) * (factor * n ** (-1.0 / (dim + 4))) ** 2
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError as exc:
            raise ValueError("`x` has a singular covariance (points on a subspace); the KDE needs full rank.") from exc
        return KDECellsModel(centers=pts, cholesky=chol, n_train=n)


@dataclass(frozen=True)
class RadialModel(FittedModel):
    """A fitted shell: ``Shell(d, radius, width)`` with the fitted radius mean and sd."""

    law: LawND
    n_train: int
    generator = "radial_fit"

    @property
    def _bytes_per_event(self) -> int:  # type: ignore[override]  # depends on d
        return 8 * (2 * int(self.law.dim) + 2)

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Draws of the fitted shell, shape ``(size, d)``."""
        return np.asarray(self.law.rvs(check_size(size, self._bytes_per_event), random_state=normalize_rng(rng)))


@dataclass(frozen=True)
class RadialFit:
    """Fit a shell: the mean and sd of the training radii, a uniform direction.

    A model of the right form for :class:`ampcore.laws.Shell` (as a refitted Normal is for a
    Normal): two numbers learnt from N events, the rest assumed.

    Notes
    -----
    Provenance: Standard (maximum-likelihood Normal fit of the radii, ignoring the truncation at
    0, which for the default shell lies 8 widths below the mean); using it as the shell's
    "fitted model" is Reconstructed.

    Examples
    --------
    >>> from ampcore.laws import Shell
    >>> model = RadialFit().fit(Shell(3).rvs(2000, random_state=0))
    >>> round(model.law.radius, 1), round(model.law.width, 1)
    (4.0, 0.5)
    """

    @property
    def name(self) -> str:
        """``"radial_fit"``, its name in the registry."""
        return "radial_fit"

    def fit(self, x: ArrayLike) -> RadialModel:
        """Fit to `x` (shape (n, d), n >= 2)."""
        from ..laws import Shell

        pts = as_points(x, min_size=2)
        radii = np.sqrt(np.einsum("ij,ij->i", pts, pts))
        sd = float(np.std(radii, ddof=0))
        if not sd > 0:
            raise ValueError("`x` has all radii equal; the radial fit needs a spread.")
        return RadialModel(law=Shell(pts.shape[1], float(np.mean(radii)), sd), n_train=int(pts.shape[0]))


# --------------------------------------------------------------------------------------------------
# the fitted d-dimensional Normal


@dataclass(frozen=True)
class GaussianFitModel(FittedModel):
    """A d-D Normal with the maximum-likelihood mean and covariance of the training events."""

    mean: np.ndarray = field(repr=False)
    cholesky: np.ndarray = field(repr=False)
    n_train: int
    generator = "gaussian_fit"

    @property
    def _bytes_per_event(self) -> int:  # type: ignore[override]  # depends on d
        return 8 * (2 * int(self.mean.size) + 1)

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Draws of the fitted Normal, shape ``(size, d)``."""
        size = check_size(size, self._bytes_per_event)
        gen = normalize_rng(rng)
        return np.asarray(self.mean + gen.standard_normal((size, self.mean.size)) @ self.cholesky.T)


@dataclass(frozen=True)
class GaussianFit:
    """Fit a d-D Normal: the sample mean and the maximum-likelihood covariance (``ddof=0``).

    The efficient model of :class:`ampcore.laws.GaussianND`: ``k = d + d(d+1)/2`` parameters. A
    closed form, so there is no iteration and nothing to converge.

    Notes
    -----
    Provenance: Standard (maximum likelihood of the multivariate Normal).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4000, 2)) @ np.array([[1.0, 0.0], [0.5, 1.0]])
    >>> model = GaussianFit().fit(x)
    >>> np.round(model.cholesky @ model.cholesky.T, 1).tolist()
    [[1.2, 0.5], [0.5, 1.0]]
    """

    @property
    def name(self) -> str:
        """``"gaussian_fit"``, its name in the registry."""
        return "gaussian_fit"

    def fit(self, x: ArrayLike) -> GaussianFitModel:
        """Fit to `x` (shape (n, d), n > d, with a covariance of full rank)."""
        pts = as_points(x, min_size=2)
        cov = np.atleast_2d(np.cov(pts, rowvar=False, ddof=0))
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"`x` of shape {pts.shape} has a singular covariance (a constant or linearly dependent "
                "axis, or n <= d); the d-D Normal fit needs a covariance of full rank."
            ) from None
        return GaussianFitModel(mean=pts.mean(axis=0), cholesky=chol, n_train=int(pts.shape[0]))
