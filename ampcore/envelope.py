"""The envelope of amplification: what an efficient fitted model is worth on B equiprobable bins.

A generator trained on N events and sampled without limit scores, on ``B`` bins of probability
``1/B`` under the truth, only the error of its own bin probabilities ``P_j(θ̂)``: its counting noise
has gone. For a fitted parametric model that error is inherited from the fit. Use
:func:`amplification_envelope` for the amplification factor such a model reaches as the generated
size grows, ``G_eff(∞)``, and :func:`effective_parameters` to read any generator's measured
``G_eff(∞)`` as a number of parameters.

Provenance: the argument is Reconstructed (ours); its steps are Standard:

* a sample of n true events scores ``E[qMSE] = (1 − 1/B)/(B n)`` on B equiprobable bins
  (multinomial variance, Standard; :func:`ampcore.ampfactor.expected_quantile_mse`);
* a maximum-likelihood fit of k parameters on N events has ``Cov θ̂ ≈ I⁻¹/N`` with ``I`` the
  per-event Fisher information (Cramér–Rao bound attained asymptotically, Standard; e.g.
  Casella & Berger 2002, §10.1), so by the delta method the model's bin probabilities have
  ``E Σ_j (P_j(θ̂) − 1/B)² ≈ tr(I⁻¹ J)/N`` with ``J = Σ_j ∇P_j ∇P_jᵀ`` (Standard);
* equating the two scores gives the number of true events the infinite generated sample is worth,
  ``n_equiv = N (1 − 1/B)/tr(I⁻¹ J)``, hence ``G_eff(∞) = (1 − 1/B)/tr(I⁻¹ J)`` (Reconstructed).

As B grows, ``B J`` (the Fisher information of the binned data) tends to ``I``, so
``tr(I⁻¹ J) → k/B`` and ``G_eff(∞) → (B − 1)/k ≈ B/k``: a k-parameter model is worth about B/k
training samples on B bins, and never less than ``(B − 1)/k`` (``B J ≤ I``: binning loses
information, so the bins are less sensitive to the fit's error than the fit itself).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import check_int, check_positive
from .laws import Law

__all__ = [
    "amplification_envelope", "effective_parameters", "goldilocks_bins", "law_parameters",
    "CellTruth", "CellScore", "CellEnvelope", "cell_truth", "cell_score", "amplification_envelope_cells",
]

_QUADRATURE_Z = np.linspace(-10.0, 10.0, 4001)
"""Nodes of the Fisher-information quadrature in the normal score ``z = Φ⁻¹(u)`` of the truth's
probability u: trapezoid with the weight ``φ(z)``, spectrally accurate for smooth integrands; the
mass beyond ``|z| = 10`` is 1.5e-23."""

_DIFF_STEP = 1e-5
"""Relative step of the central differences (error O(step²) ≈ 1e-10 relative)."""


@dataclass(frozen=True)
class _Family:
    """A scipy family with its parameters split into fitted (θ) and fixed."""

    dist: Any
    names: tuple[str, ...]      # every parameter of the family, shapes then loc, scale
    values: tuple[float, ...]   # the law's values of them
    fitted: tuple[int, ...]     # indices into names of the fitted ones

    def full(self, theta: np.ndarray) -> list[float]:
        out = list(self.values)
        for i, value in zip(self.fitted, theta):
            out[i] = float(value)
        return out

    def call(self, method: str, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        *shapes, loc, scale = self.full(theta)
        with np.errstate(all="ignore"):
            return np.asarray(getattr(self.dist, method)(x, *shapes, loc=loc, scale=scale), dtype=np.float64)

    @property
    def theta(self) -> np.ndarray:
        return np.array([self.values[i] for i in self.fitted], dtype=np.float64)

    @property
    def name(self) -> str:
        return str(self.dist.name)

    def only(self, i: int) -> _Family:
        """The same family with only parameter `i` fitted."""
        return _Family(self.dist, self.names, self.values, (i,))


@dataclass(frozen=True)
class _MixtureFamily:
    """A mixture of c Normals (:class:`ampcore.laws.CamelBack`, :class:`ampcore.laws.TwoPeaks`) as a
    family of ``3c − 1`` parameters: the weights ``w1 … w(c−1)`` (the last is ``1 − Σ``), the means
    ``mu1 … muc`` and the standard deviations ``sd1 … sdc`` — what a c-component Gaussian mixture
    fitted by EM estimates."""

    components: int
    names: tuple[str, ...]
    values: tuple[float, ...]
    fitted: tuple[int, ...]
    name: str = "normal mixture"

    def full(self, theta: np.ndarray) -> list[float]:
        out = list(self.values)
        for i, value in zip(self.fitted, theta):
            out[i] = float(value)
        return out

    def call(self, method: str, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``cdf``, ``logpdf`` or ``ppf`` (bisection on the cdf) of the mixture at θ (Standard)."""
        from scipy import special

        c = self.components
        values = np.array(self.full(theta))
        weights = np.append(values[: c - 1], 1.0 - values[: c - 1].sum())
        means, sds = values[c - 1: 2 * c - 1], values[2 * c - 1:]

        def cdf(e: np.ndarray) -> np.ndarray:
            return np.asarray((weights * special.ndtr((e[..., None] - means) / sds)).sum(axis=-1))

        with np.errstate(all="ignore"):
            if method == "cdf":
                return cdf(np.asarray(x, dtype=np.float64))
            if method == "logpdf":
                z = (np.asarray(x, dtype=np.float64)[..., None] - means) / sds
                terms = np.log(weights) - 0.5 * z**2 - np.log(sds * math.sqrt(2 * math.pi))
                return np.asarray(special.logsumexp(terms, axis=-1), dtype=np.float64)
            q = np.asarray(x, dtype=np.float64)  # ppf, for 0 < q < 1
            lo = np.full(q.shape, float(means.min()) - 40 * float(sds.max()))
            hi = np.full(q.shape, float(means.max()) + 40 * float(sds.max()))
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                below = cdf(mid) < q
                lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
                if np.all(hi - lo <= 1e-14 * np.maximum(1.0, np.abs(mid))):
                    break
            return np.asarray(0.5 * (lo + hi))

    @property
    def theta(self) -> np.ndarray:
        return np.array([self.values[i] for i in self.fitted], dtype=np.float64)

    def only(self, i: int) -> _MixtureFamily:
        """The same family with only parameter `i` fitted."""
        return _MixtureFamily(self.components, self.names, self.values, (i,))


def law_parameters(law: Law) -> dict[str, float]:
    """The parameters of a frozen ``scipy.stats`` law by name: its shapes, then ``loc`` and ``scale``.

    For a mixture of c Normals (:class:`ampcore.laws.CamelBack`, :class:`ampcore.laws.TwoPeaks`):
    the weights ``w1 … w(c−1)``, the means ``mu1 … muc`` and the standard deviations ``sd1 … sdc``.

    Parameters
    ----------
    law : frozen scipy.stats distribution, :class:`ampcore.LogLaw` of one, or a mixture of Normals
        For a ``LogLaw`` the parameters are those of the law of X.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> from scipy import stats
    >>> law_parameters(stats.lognorm(0.5, scale=2.0))
    {'s': 0.5, 'loc': 0.0, 'scale': 2.0}
    >>> from ampcore.laws import CamelBack
    >>> law_parameters(CamelBack())
    {'w1': 0.5, 'mu1': -2.0, 'mu2': 2.0, 'sd1': 1.0, 'sd2': 1.0}
    """
    family = _family(law, None)
    return dict(zip(family.names, family.values))


def _fitted_indices(names: tuple[str, ...], params: Sequence[str] | None, family: str) -> tuple[int, ...]:
    if params is None:
        return tuple(range(len(names)))
    if isinstance(params, str) or not isinstance(params, Sequence) or len(params) == 0:
        raise TypeError(f"`params` must be a non-empty sequence of parameter names of {family} "
                        f"({', '.join(names)}); got {params!r}.")
    unknown = [p for p in params if p not in names]
    if unknown or len(set(params)) != len(params):
        raise ValueError(f"`params` must name distinct parameters of {family} out of {', '.join(names)}; "
                         f"got {tuple(params)!r}.")
    return tuple(names.index(p) for p in params)


def _family(law: Any, params: Sequence[str] | None) -> _Family | _MixtureFamily:  # Any: scipy's, LogLaw or a mixture, by their parts
    from .laws import LogLaw

    if isinstance(law, LogLaw):  # bins equiprobable in ln x are the same bins in x
        law = law.law
    if all(hasattr(law, a) for a in ("_weights", "_means", "_sds")):  # a mixture of Normals of ampcore.laws
        c = int(law._weights.size)
        names = (*(f"w{i + 1}" for i in range(c - 1)), *(f"mu{i + 1}" for i in range(c)),
                 *(f"sd{i + 1}" for i in range(c)))
        values = tuple(float(v) for v in (*law._weights[: c - 1], *law._means, *law._sds))
        return _MixtureFamily(c, names, values, _fitted_indices(names, params, "the normal mixture"))
    dist = getattr(law, "dist", None)
    from scipy import stats

    if not isinstance(dist, stats.rv_continuous):
        raise TypeError(
            "`law` must be a frozen continuous scipy.stats law (e.g. stats.norm(0, 1)), a LogLaw of one "
            f"or a mixture of Normals (CamelBack, TwoPeaks), whose family has parameters to fit; got {type(law).__name__}."
        )
    shape_names = tuple(s.strip() for s in dist.shapes.split(",")) if dist.shapes else ()
    names = (*shape_names, "loc", "scale")
    given = dict(zip(names, law.args))
    if len(law.args) > len(names):
        raise TypeError(f"`law` has {len(law.args)} positional parameters; its family takes at most {len(names)}.")
    given.update(law.kwds)
    given.setdefault("loc", 0.0)
    given.setdefault("scale", 1.0)
    missing = [n for n in names if n not in given]
    if missing:
        raise TypeError(f"`law` lacks the shape parameter(s) {', '.join(missing)} of its family {dist.name}.")
    values = tuple(float(given[n]) for n in names)
    return _Family(dist=dist, names=names, values=values, fitted=_fitted_indices(names, params, dist.name))


def _gradient(fn: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Central-difference gradient of a vector function of θ: shape (k, *fn(θ).shape)."""
    rows = []
    for i in range(theta.size):
        h = _DIFF_STEP * max(abs(theta[i]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        with np.errstate(invalid="ignore"):  # -inf - -inf outside the support: set to 0 by the caller
            rows.append((fn(up) - fn(down)) / (2.0 * h))
    return np.array(rows)


def _fisher_information(family: _Family | _MixtureFamily) -> np.ndarray:
    """Per-event Fisher information ``E[s sᵀ]`` of the fitted parameters, s = ∂θ ln f.

    Closed form for the Normal's loc and scale (``diag(1/σ², 2/σ²)``, Standard); otherwise the
    score by central differences of ``logpdf``, integrated over the truth by quadrature in the
    normal score of its probability. Raises ``ValueError`` if a parameter's score does not average
    to zero (the support moves with it: Cramér–Rao does not apply) or if I is singular.
    """
    theta = family.theta
    names = [family.names[i] for i in family.fitted]
    if family.name == "norm":
        sigma = family.values[-1]
        diagonal = {"loc": 1.0 / sigma**2, "scale": 2.0 / sigma**2}
        return np.diag([diagonal[n] for n in names])
    from scipy import special, stats

    u = special.ndtr(_QUADRATURE_Z)
    x = family.call("ppf", u, theta)
    weight = stats.norm.pdf(_QUADRATURE_Z)
    step = _QUADRATURE_Z[1] - _QUADRATURE_Z[0]
    score = _gradient(lambda t: family.call("logpdf", x, t), theta)  # (k, nodes)
    score = np.where(np.isfinite(score), score, 0.0)
    mean = np.trapezoid(score * weight, dx=step, axis=1)
    info = np.trapezoid(score[:, None, :] * score[None, :, :] * weight, dx=step, axis=2)
    for i, name in enumerate(names):
        if not info[i, i] > 0 or abs(mean[i]) > 1e-3 * math.sqrt(info[i, i]):
            raise ValueError(
                f"`params` includes {name!r}, in which the {family.name} family is not regular (the mean "
                f"score is {mean[i]:.3g}, not 0: its support moves with it, so the Cramér–Rao argument does "
                f"not apply); fix it, e.g. params={tuple(n for n in names if n != name)!r}."
            )
    if np.linalg.cond(info) > 1e10:
        raise ValueError(f"`params` {tuple(names)!r} are not identifiable in the {family.name} family "
                         "(singular Fisher information); fit fewer of them.")
    return np.asarray(info)


def _bin_gradients(family: _Family | _MixtureFamily, bins: int) -> np.ndarray:
    """``∇P_j`` of the B equiprobable bins of the truth, shape (k, B)."""
    theta = family.theta
    edges = family.call("ppf", np.arange(1, bins) / bins, theta)
    *shapes, loc, scale = family.values
    names = family.names
    columns = []
    for i in family.fitted:
        if names[i] in ("loc", "scale"):  # closed form: F((x − loc)/scale) differentiated (Standard)
            assert isinstance(family, _Family)  # a mixture's parameters have other names
            density = np.asarray(family.dist.pdf(edges, *shapes, loc=loc, scale=scale), dtype=np.float64)
            z = (edges - loc) / scale
            columns.append(-density if names[i] == "loc" else -density * z)
        else:
            one = np.array([theta[family.fitted.index(i)]])
            only = family.only(i)
            columns.append(_gradient(partial(only.call, "cdf", edges), one)[0])
    grad_f = np.array(columns)  # ∇F at the inner edges; F(±∞) does not move
    padded = np.concatenate([np.zeros((grad_f.shape[0], 1)), grad_f, np.zeros((grad_f.shape[0], 1))], axis=1)
    return np.diff(padded, axis=1)


def amplification_envelope(law: Law, bins: int, *, params: Sequence[str] | None = None) -> float:
    """The asymptotic amplification factor ``G_eff(∞)`` of an efficient fit of `law`'s family.

    Parameters
    ----------
    law : frozen scipy.stats distribution, or :class:`ampcore.LogLaw` of one
        The truth; its family (``law.dist``) is the fitted model, its values the true parameters.
    bins : int
        B >= 2 bins of probability ``1/B`` each under the truth.
    params : sequence of str, optional
        Which parameters are fitted (by maximum likelihood); the others are known. Default: every
        shape, ``loc`` and ``scale`` of the family. A parameter that moves the support (the
        exponential's ``loc``) is refused: its fit is not Cramér–Rao efficient.

    Returns
    -------
    float
        ``(1 − 1/B)/tr(I⁻¹ J)``, with ``J = Σ_j ∇P_j ∇P_jᵀ`` and ``I`` the per-event Fisher
        information; at least ``(B − 1)/k`` and close to it for large B.

    Notes
    -----
    Provenance: Reconstructed (ours; see the module docstring), from the Standard Cramér–Rao bound
    and delta method. ``∇P_j`` is exact in loc and scale (through the pdf) and by central
    differences of the cdf in shape parameters; ``I`` is closed form for the Normal and by
    quadrature of the numerically differentiated score otherwise.

    Examples
    --------
    >>> from scipy import stats
    >>> round(amplification_envelope(stats.norm(), 10), 2), round(amplification_envelope(stats.norm(), 40), 2)
    (5.42, 20.43)
    >>> round(amplification_envelope(stats.expon(), 10, params=("scale",)), 2)  # k = 1: about B
    10.08
    """
    bins = check_int(bins, "bins", minimum=2)
    family = _family(law, params)
    info = _fisher_information(family)
    grad = _bin_gradients(family, bins)
    j = grad @ grad.T
    trace = float(np.trace(np.linalg.solve(info, j)))
    if not trace > 0:
        raise ValueError(f"the bins do not move with `params` {params!r}: tr(I⁻¹J) = {trace!r}.")
    return (1.0 - 1.0 / bins) / trace


def effective_parameters(bins: int, g_eff_inf: float) -> float:
    """The number of parameters a generator behaves like on `bins` bins: ``B / G_eff(∞)``.

    Parameters
    ----------
    bins : int
        B >= 2 equiprobable bins the factor was measured on.
    g_eff_inf : float
        The generator's asymptotic amplification factor, > 0.

    Returns
    -------
    float
        ``B / G_eff(∞)``: about k for an efficient k-parameter fit (:func:`amplification_envelope`);
        larger for a generator that wastes information, and growing with N for one that is not
        √N-consistent. Provenance: Reconstructed (ours; the inverse of ``G_eff(∞) ≈ B/k``).

    Examples
    --------
    >>> round(effective_parameters(40, 20.43), 2)
    1.96
    """
    bins = check_int(bins, "bins", minimum=2)
    return bins / check_positive(g_eff_inf, "g_eff_inf")


def goldilocks_bins(n: int, m: float = 2.0) -> int:
    """The resolution tied to N: ``B = round(N^{1/M})`` equiprobable bins (at least 2).

    Parameters
    ----------
    n : int
        Training events N >= 1.
    m : float
        The Goldilocks statistic M > 0 (2 in Watts & Crow).

    Returns
    -------
    int

    Notes
    -----
    Provenance: Reconstructed (ours): at the Goldilocks width the effective number of bins ``e^H``
    of the histogram is ``N^{1/M}``; B equiprobable bins have ``e^H = B``.

    Examples
    --------
    >>> goldilocks_bins(100), goldilocks_bins(25_600), goldilocks_bins(1000, m=3.0)
    (10, 160, 10)
    """
    n = check_int(n, "n", minimum=1)
    m = check_positive(m, "m")
    return max(2, int(round(n ** (1.0 / m))))


# --------------------------------------------------------------------------------------------------
# d dimensions: cubic cells of unequal probability
#
# Provenance (this section):
#
# * for n events with cell frequencies f_j, ``E Σ_j (f_j − P_j)² = Σ_j P_j (1 − P_j)/n`` (multinomial
#   variance, **Standard**); so a generator whose frequencies have ``E Σ_j (f̂_j − P_j)² = S`` is worth
#   ``n_equiv = Σ_j P_j (1 − P_j)/S`` true events and ``G_eff = n_equiv/N``. This generalises the
#   quantile recipe of GANplifying (Butter et al. 2021; ``P_j = 1/B``, where it is
#   :func:`ampcore.ampfactor.equivalent_events`) to cells of unequal probability: **Reconstructed**
#   (ours).
# * ``Σ_j f_j (1 − f_j)/(n − 1)`` is an unbiased estimate of a sample's own counting noise
#   ``Σ_j Q_j (1 − Q_j)/n`` given its law Q (**Standard**); subtracting it leaves the error of Q
#   itself, the score as the generated size grows.
# * cell probabilities from a reference sample of R events carry ``E Σ_j (P̂_j − P_j)² =
#   Σ_j P_j (1 − P_j)/R``, estimated without bias by ``Σ_j P̂_j (1 − P̂_j)/(R − 1)`` (**Standard**);
#   it is subtracted from every score and from ``Σ_j P̂_j²``.
# * the envelope ``G_eff(∞) = Σ_j P_j (1 − P_j)/tr(I⁻¹ J)``, ``J = Σ_j ∇P_j ∇P_jᵀ``, is the d-D
#   form of :func:`amplification_envelope` (**Reconstructed**, ours; Cramér–Rao and the delta method
#   Standard). With the scores ``s(x) = ∇_θ ln p_θ(x)``, ``∇P_j = E[1{X ∈ cell j} s(X)]`` and
#   ``I = E[s sᵀ]`` (**Standard**).


@dataclass(frozen=True)
class CellTruth:
    """The truth's probabilities ``P_j`` of the cubic cells of one grid.

    Build it with :func:`cell_truth`: exact for a product law (per-axis cdf), else from a reference
    sample whose own error is accounted for.

    Attributes
    ----------
    width : float
        Per-axis cell width.
    origin : numpy.ndarray, shape (d,)
        Corner of cell 0.
    sum_p2 : float
        ``Σ_j P_j²`` over every cell (unbiased when estimated from a reference).
    correction : float
        Expected ``Σ_j (P̂_j − P_j)²`` of the estimated probabilities (0 when exact); subtracted
        from every score.
    reference_size : int
        Events of the reference sample (0 when exact).
    """

    width: float
    origin: np.ndarray = field(repr=False)
    sum_p2: float
    correction: float
    reference_size: int
    marginal: Any = field(default=None, repr=False)
    reference: Any = field(default=None, repr=False)  # a CellHistogram of the reference sample

    @property
    def dim(self) -> int:
        """Dimension d."""
        return int(self.origin.size)

    @property
    def exact(self) -> bool:
        """Whether the probabilities are exact (a product law)."""
        return self.reference is None

    @property
    def spread(self) -> float:
        """``Σ_j P_j (1 − P_j) = 1 − Σ_j P_j²``: n times the expected score of n true events."""
        return 1.0 - self.sum_p2

    def probabilities(self, cells: ArrayLike) -> np.ndarray:
        """``P_j`` of each row of integer cell indices `cells` (shape ``(m, d)``)."""
        idx = np.asarray(cells, dtype=np.int64).reshape(-1, self.dim)
        if self.reference is None:
            lower = self.origin + idx * self.width
            return np.asarray(np.prod(self.marginal.cdf(lower + self.width) - self.marginal.cdf(lower), axis=1),
                              dtype=np.float64)
        hist = self.reference
        pos = hist.lookup(idx)
        return np.where(pos >= 0, hist.counts[np.maximum(pos, 0)] / hist.n, 0.0)


def _cell_keys(cells: np.ndarray) -> np.ndarray:
    """One int64 key per row of integer cell indices, distinct rows distinct keys (mixed radix)."""
    low = cells.min(axis=0)
    span = cells.max(axis=0) - low + 1
    if float(np.prod(span.astype(np.float64))) >= 2.0**62:
        raise ValueError(f"the cells span {span.tolist()} per axis: too many to number; use a larger `width`.")
    key = np.zeros(cells.shape[0], dtype=np.int64)
    for axis in range(cells.shape[1]):
        key = key * span[axis] + (cells[:, axis] - low[axis])
    return key


def _origin(origin: Any, width: float, dim: int) -> np.ndarray:
    if origin is None:
        return np.full(dim, -0.5 * width)  # a cell centred on the origin of R^d
    corner = np.ravel(np.asarray(origin, dtype=np.float64))
    if corner.size == 1:
        corner = np.repeat(corner, dim)
    if corner.size != dim or not np.all(np.isfinite(corner)):
        raise ValueError(f"`origin` must be one finite value or {dim} of them; got {origin!r}.")
    return corner


def _axis_cells(marginal: Any, width: float, corner: float) -> np.ndarray:
    """Lower edges of the 1-D cells that cover `marginal` (its mass outside is below 1e-15)."""
    lo, hi = (float(v) for v in marginal.ppf([1e-15, 1 - 1e-15]))
    first, last = math.floor((lo - corner) / width), math.ceil((hi - corner) / width)
    return np.asarray(corner + width * np.arange(first, last, dtype=np.float64))


def cell_truth(
    law: Law, width: float, *, origin: ArrayLike | None = None, reference_size: int = 1_000_000, rng: Any = None,
) -> CellTruth:
    """The cell probabilities of a d-D law on cubic cells of per-axis `width`.

    Parameters
    ----------
    law : d-D law
        With ``dim`` and ``rvs``; if it has a 1-D ``marginal`` (:class:`ampcore.laws.GaussianND`) it
        is taken as the product of d copies of it and the probabilities are exact, else they come
        from `reference_size` draws (:class:`ampcore.laws.Shell`).
    width : float
        Per-axis cell width > 0.
    origin : float or array_like of d floats, optional
        Corner of cell 0; default ``−width/2`` on every axis (a cell centred on 0).
    reference_size : int
        Draws of the reference sample (>= 1000) when the probabilities are not exact.
    rng : int, Generator or None
        Stream of the reference sample.

    Returns
    -------
    CellTruth

    Notes
    -----
    Provenance: Standard (product probabilities; the multinomial error of a reference; see the
    comment above this function in the source).

    Examples
    --------
    >>> from ampcore.laws import GaussianND, Shell
    >>> exact = cell_truth(GaussianND(2), 1.0)
    >>> round(exact.spread, 4), exact.exact
    (0.9266, True)
    >>> mc = cell_truth(GaussianND(2), 1.0, reference_size=200_000, rng=1)
    >>> abs(mc.sum_p2 - exact.sum_p2) < 1e-3
    True
    """
    dim = check_int(getattr(law, "dim", None), "law.dim", minimum=1)
    width = check_positive(width, "width")
    corner = _origin(origin, width, dim)
    marginal = getattr(law, "marginal", None)
    if marginal is not None:
        sum_p2 = 1.0
        for c in corner:
            lower = _axis_cells(marginal, width, float(c))
            mass = np.asarray(marginal.cdf(lower + width) - marginal.cdf(lower), dtype=np.float64)
            sum_p2 *= float(np.sum(mass * mass))
        return CellTruth(width=width, origin=corner, sum_p2=sum_p2, correction=0.0, reference_size=0,
                         marginal=marginal)
    from ._rng import normalize_rng
    from .cells import cell_histogram

    size = check_int(reference_size, "reference_size", minimum=1000)
    points = np.asarray(law.rvs(size, random_state=normalize_rng(rng)), dtype=np.float64).reshape(size, dim)
    hist = cell_histogram(points, width, origin=corner)
    p = hist.counts / size
    correction = float(np.sum(p * (1.0 - p)) / (size - 1))
    return CellTruth(width=width, origin=corner, sum_p2=float(np.sum(p * p)) - correction, correction=correction,
                     reference_size=size, reference=hist)


@dataclass(frozen=True)
class CellScore:
    """One sample's squared error on the cells of a :class:`CellTruth`.

    Attributes
    ----------
    n : int
        Events scored.
    error : float
        ``Σ_j (f_j − P_j)²``, less the truth's own estimation error: unbiased for the exact
        ``P_j``. Its expectation for n true events is ``spread/n``.
    noise : float
        ``Σ_j f_j (1 − f_j)/(n − 1)``: unbiased for the sample's own counting noise given its law.
    spread : float
        ``Σ_j P_j (1 − P_j)`` of the truth.
    """

    n: int
    error: float
    noise: float
    spread: float

    @property
    def n_equiv(self) -> float:
        """True events whose expected score is this one's: ``spread/error`` (inf for error <= 0)."""
        return math.inf if self.error <= 0 else self.spread / self.error

    @property
    def limit_error(self) -> float:
        """``error − noise``: the error of the sample's law itself (what is left as n → ∞)."""
        return self.error - self.noise


def cell_score(x: ArrayLike, truth: CellTruth) -> CellScore:
    """Score a sample of shape ``(n, d)`` against the truth's cell probabilities.

    Parameters
    ----------
    x : array_like, shape (n, d)
        The sample (n >= 2).
    truth : CellTruth

    Returns
    -------
    CellScore
        ``n_equiv/N_train`` is the amplification factor ``G_eff`` of a generated sample on these
        cells; with ``P_j = 1/B`` it is the quantile recipe of :mod:`ampcore.ampfactor`.

    Notes
    -----
    Provenance: Standard (multinomial variance); its reading as an amplification factor on cells
    of unequal probability is Reconstructed (ours).

    Examples
    --------
    >>> from ampcore.laws import GaussianND
    >>> truth = cell_truth(GaussianND(2), 1.0)
    >>> scores = [cell_score(GaussianND(2).rvs(500, random_state=s), truth) for s in range(200)]
    >>> n_equiv = truth.spread / np.mean([s.error for s in scores])  # 500 true events are worth about 500
    >>> bool(abs(n_equiv / 500 - 1) < 0.1)
    True
    """
    from .cells import as_points

    if not isinstance(truth, CellTruth):
        raise TypeError(f"`truth` must be a CellTruth; got {type(truth).__name__}.")
    pts = as_points(x, min_size=2)
    if pts.shape[1] != truth.dim:
        raise ValueError(f"`x` must have dimension {truth.dim}; got {pts.shape[1]}.")
    cells = np.floor((pts - truth.origin) / truth.width).astype(np.int64)
    _, first, counts = np.unique(_cell_keys(cells), return_index=True, return_counts=True)
    n = pts.shape[0]
    f = counts / n
    p = truth.probabilities(cells[first])
    # Σ_j (f_j − P_j)² over every cell: Σ f² − 2 Σ f P over the occupied ones, + Σ P² over all
    error = float(np.sum(f * f) - 2.0 * np.sum(f * p) + truth.sum_p2 - truth.correction)
    return CellScore(n=int(n), error=error, noise=float(np.sum(f * (1.0 - f)) / (n - 1)), spread=truth.spread)


@dataclass(frozen=True)
class CellEnvelope:
    """The asymptotic amplification factor of an efficient fit on the cells of a grid.

    Attributes
    ----------
    value : float
        ``G_eff(∞) = spread / tr(I⁻¹ J)``.
    se : float
        Its Monte Carlo standard error (0 when exact).
    spread : float
        ``Σ_j P_j (1 − P_j)``.
    trace : float
        ``tr(I⁻¹ J)``.
    parameters : int
        k, the fitted parameters.
    family : str
        ``"gaussian"`` (mean and full covariance) or ``"radial"`` (a shell's radius and width).
    """

    value: float
    se: float
    spread: float
    trace: float
    parameters: int
    family: str


def _gaussian_trace(width: float, corner: np.ndarray) -> float:
    """``tr(I⁻¹ J)`` of the full Gaussian family at ``N(0, I_d)``, exactly.

    In the exponential-family coordinates whose scores are ``x_a``, ``(x_a² − 1)/√2`` and
    ``x_a x_b`` (a < b), ``I`` is the identity and each ``∇P_j`` is a product of per-axis integrals:
    ``∫ x φ = φ(l) − φ(u)`` and ``∫ (x² − 1) φ = l φ(l) − u φ(u)`` over a cell ``[l, u)``; the trace
    does not depend on the coordinates."""
    from scipy import stats

    norm = stats.norm()
    sums: list[tuple[float, float, float]] = []  # per axis: Σ m², Σ g1², Σ g2²
    for c in corner:
        lower = _axis_cells(norm, width, float(c))
        upper = lower + width
        mass = norm.cdf(upper) - norm.cdf(lower)
        g1 = norm.pdf(lower) - norm.pdf(upper)
        g2 = (lower * norm.pdf(lower) - upper * norm.pdf(upper)) / math.sqrt(2.0)
        sums.append((float(np.sum(mass**2)), float(np.sum(g1**2)), float(np.sum(g2**2))))
    dim = len(sums)
    s = np.array([t[0] for t in sums])

    def others(*axes: int) -> float:
        return float(np.prod([s[b] for b in range(dim) if b not in axes]))

    trace = sum((sums[a][1] + sums[a][2]) * others(a) for a in range(dim))
    trace += sum(sums[a][1] * sums[b][1] * others(a, b) for a in range(dim) for b in range(a + 1, dim))
    return float(trace)


def _envelope_mc(points: np.ndarray, scores: np.ndarray, width: float, corner: np.ndarray, batches: int = 10) -> tuple[float, float, float]:
    """``(spread, tr(I⁻¹ J), se of G_eff(∞))`` from truth draws and their score vectors.

    ``∇P_j`` is the mean of ``1{cell j} s`` over the draws and ``I`` the mean of ``s sᵀ``; the
    draws' noise adds ``(I − J)/R`` to ``Ĵ`` in expectation, which is removed:
    ``tr(I⁻¹ J) ≈ (tr(I⁻¹ Ĵ) − k/R)/(1 − 1/R)``. The standard error is that of the mean of
    `batches` independent batch estimates (Standard)."""

    def estimate(pts: np.ndarray, sc: np.ndarray) -> tuple[float, float]:
        r, k = sc.shape
        cells = np.floor((pts - corner) / width).astype(np.int64)
        _, inverse, counts = np.unique(_cell_keys(cells), return_inverse=True, return_counts=True)
        grad = np.zeros((counts.size, k))
        np.add.at(grad, inverse.ravel(), sc)
        grad /= r
        p = counts / r
        spread = 1.0 - (float(np.sum(p * p)) - float(np.sum(p * (1 - p))) / (r - 1))
        info = sc.T @ sc / r
        raw = float(np.trace(np.linalg.solve(info, grad.T @ grad)))
        return spread, (raw - k / r) / (1.0 - 1.0 / r)

    spread, trace = estimate(points, scores)
    parts = [estimate(p, s) for p, s in zip(np.array_split(points, batches), np.array_split(scores, batches))]
    values = np.array([a / b for a, b in parts])
    # the full-sample estimate has about 1/batches the variance of one batch's
    return spread, trace, float(values.std(ddof=1) / batches)


def amplification_envelope_cells(
    law: Law, width: float, *, origin: ArrayLike | None = None, reference_size: int = 1_000_000, rng: Any = None,
) -> CellEnvelope:
    """The asymptotic amplification factor ``G_eff(∞)`` of an efficient fit, on d-D cubic cells.

    The d-D form of :func:`amplification_envelope` for cells of unequal probability:
    ``G_eff(∞) = Σ_j P_j (1 − P_j)/tr(I⁻¹ J)`` with ``J = Σ_j ∇P_j ∇P_jᵀ``.

    Parameters
    ----------
    law : :class:`ampcore.laws.GaussianND` or :class:`ampcore.laws.Shell`
        The truth. For ``N(0, I_d)`` the family is the Gaussian with free mean and covariance
        (``k = d + d(d + 1)/2``) and the result is exact; for a shell it is the radial family
        (radius and width of the radius's Normal, ``k = 2``), by Monte Carlo over `reference_size`
        draws (the truncation of the radius at 0 is ignored, so ``radius >= 6 width`` is required).
    width : float
        Per-axis cell width > 0.
    origin : float or array_like of d floats, optional
        Corner of cell 0; default ``−width/2`` on every axis.
    reference_size : int
        Monte Carlo draws for a shell (>= 10_000).
    rng : int, Generator or None
        Stream of those draws.

    Returns
    -------
    CellEnvelope

    Notes
    -----
    Provenance: Reconstructed (ours; see the comment above :class:`CellTruth` in the source), from
    the Standard Cramér–Rao bound and delta method; the per-axis integrals of the Gaussian case
    and the Monte Carlo means are Standard.

    Examples
    --------
    >>> from scipy import stats
    >>> from ampcore.laws import GaussianND
    >>> env = amplification_envelope_cells(GaussianND(1), 0.25)
    >>> env.parameters, round(env.value, 2)
    (2, 15.22)
    """
    from .laws import GaussianND, Shell

    width = check_positive(width, "width")
    if isinstance(law, GaussianND):
        corner = _origin(origin, width, law.dim)
        truth = cell_truth(law, width, origin=corner)
        trace = _gaussian_trace(width, corner)
        return CellEnvelope(value=truth.spread / trace, se=0.0, spread=truth.spread, trace=trace,
                            parameters=law.dim + law.dim * (law.dim + 1) // 2, family="gaussian")
    if isinstance(law, Shell):
        if law.radius < 6 * law.width:
            raise ValueError(f"`law` must have radius >= 6 width (the radial scores ignore the truncation at 0); got {law!r}.")
        from ._rng import normalize_rng

        corner = _origin(origin, width, law.dim)
        size = check_int(reference_size, "reference_size", minimum=10_000)
        points = law.rvs(size, random_state=normalize_rng(rng))
        z = (np.sqrt(np.einsum("ij,ij->i", points, points)) - law.radius) / law.width
        scores = np.column_stack([z / law.width, (z * z - 1.0) / law.width])
        spread, trace, se_value = _envelope_mc(points, scores, width, corner)
        return CellEnvelope(value=spread / trace, se=se_value, spread=spread, trace=trace, parameters=2, family="radial")
    raise TypeError(f"`law` must be a GaussianND or a Shell; got {type(law).__name__}.")
