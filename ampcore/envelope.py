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
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ._validation import check_int, check_positive

__all__ = ["amplification_envelope", "effective_parameters", "goldilocks_bins", "law_parameters"]

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


def law_parameters(law: Any) -> dict[str, float]:
    """The parameters of a frozen ``scipy.stats`` law by name: its shapes, then ``loc`` and ``scale``.

    Parameters
    ----------
    law : frozen scipy.stats distribution, or :class:`ampcore.LogLaw` of one
        For a ``LogLaw`` the parameters are those of the law of X.

    Returns
    -------
    dict of str to float

    Examples
    --------
    >>> from scipy import stats
    >>> law_parameters(stats.lognorm(0.5, scale=2.0))
    {'s': 0.5, 'loc': 0.0, 'scale': 2.0}
    """
    family = _family(law, None)
    return dict(zip(family.names, family.values))


def _family(law: Any, params: Sequence[str] | None) -> _Family:
    from .laws import LogLaw

    if isinstance(law, LogLaw):  # bins equiprobable in ln x are the same bins in x
        law = law.law
    dist = getattr(law, "dist", None)
    from scipy import stats

    if not isinstance(dist, stats.rv_continuous):
        raise TypeError(
            "`law` must be a frozen continuous scipy.stats law (e.g. stats.norm(0, 1)) or a LogLaw of one, "
            f"whose family has parameters to fit; got {type(law).__name__}."
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
    if params is None:
        fitted = tuple(range(len(names)))
    else:
        if isinstance(params, str) or not isinstance(params, Sequence) or len(params) == 0:
            raise TypeError(f"`params` must be a non-empty sequence of parameter names of {dist.name} "
                            f"({', '.join(names)}); got {params!r}.")
        unknown = [p for p in params if p not in names]
        if unknown or len(set(params)) != len(params):
            raise ValueError(f"`params` must name distinct parameters of {dist.name} out of {', '.join(names)}; "
                             f"got {tuple(params)!r}.")
        fitted = tuple(names.index(p) for p in params)
    return _Family(dist=dist, names=names, values=values, fitted=fitted)


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


def _fisher_information(family: _Family) -> np.ndarray:
    """Per-event Fisher information ``E[s sᵀ]`` of the fitted parameters, s = ∂θ ln f.

    Closed form for the Normal's loc and scale (``diag(1/σ², 2/σ²)``, Standard); otherwise the
    score by central differences of ``logpdf``, integrated over the truth by quadrature in the
    normal score of its probability. Raises ``ValueError`` if a parameter's score does not average
    to zero (the support moves with it: Cramér–Rao does not apply) or if I is singular.
    """
    theta = family.theta
    names = [family.names[i] for i in family.fitted]
    if family.dist.name == "norm":
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
                f"`params` includes {name!r}, in which the {family.dist.name} family is not regular (the mean "
                f"score is {mean[i]:.3g}, not 0: its support moves with it, so the Cramér–Rao argument does "
                f"not apply); fix it, e.g. params={tuple(n for n in names if n != name)!r}."
            )
    if np.linalg.cond(info) > 1e10:
        raise ValueError(f"`params` {tuple(names)!r} are not identifiable in the {family.dist.name} family "
                         "(singular Fisher information); fit fewer of them.")
    return np.asarray(info)


def _bin_gradients(family: _Family, bins: int) -> np.ndarray:
    """``∇P_j`` of the B equiprobable bins of the truth, shape (k, B)."""
    theta = family.theta
    edges = family.call("ppf", np.arange(1, bins) / bins, theta)
    *shapes, loc, scale = family.values
    names = family.names
    columns = []
    for i in family.fitted:
        if names[i] in ("loc", "scale"):  # closed form: F((x − loc)/scale) differentiated (Standard)
            density = np.asarray(family.dist.pdf(edges, *shapes, loc=loc, scale=scale), dtype=np.float64)
            z = (edges - loc) / scale
            columns.append(-density if names[i] == "loc" else -density * z)
        else:
            one = np.array([theta[family.fitted.index(i)]])
            only = _Family(family.dist, names, family.values, (i,))
            columns.append(_gradient(partial(only.call, "cdf", edges), one)[0])
    grad_f = np.array(columns)  # ∇F at the inner edges; F(±∞) does not move
    padded = np.concatenate([np.zeros((grad_f.shape[0], 1)), grad_f, np.zeros((grad_f.shape[0], 1))], axis=1)
    return np.diff(padded, axis=1)


def amplification_envelope(law: Any, bins: int, *, params: Sequence[str] | None = None) -> float:
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
