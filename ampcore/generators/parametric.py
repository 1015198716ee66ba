"""Parametric generators: a refitted Normal and a Gaussian mixture fitted by EM.

A fit of the right functional form adds the model's assumption to the N events: that is where
its extra precision on summaries comes from (and a fit of the wrong form, its bias).

Provenance: the maximum-likelihood Normal fit and the EM Gaussian-mixture fit are **Standard**
(Dempster, Laird & Rubin 1977; :class:`sklearn.mixture.GaussianMixture`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_int, check_positive
from .base import Amplified, ConvergenceWarning, FittedModel, check_gain, check_size

__all__ = ["NormalModel", "RefitNormal", "MixtureModel", "GaussianMixture", "refit_normal"]


@dataclass(frozen=True)
class NormalModel(FittedModel):
    """A Normal law N(mean, sd²) fitted to the training sample."""

    mean: float
    sd: float
    n_train: int
    generator = "refit_normal"
    _bytes_per_event = 8

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """`size` draws from N(mean, sd²)."""
        return np.asarray(normalize_rng(rng).normal(self.mean, self.sd, size=check_size(size, self._bytes_per_event)))


@dataclass(frozen=True)
class RefitNormal:
    """Fit a Normal by maximum likelihood (mean, ``std`` with ddof=0) and draw from it.

    Provenance: Standard. Refitting on its own output shrinks the variance by ``(n-1)/n`` per
    generation on average — the collapse seen in model-collapse studies (Shumailov et al. 2024).
    """

    @property
    def name(self) -> str:
        """``"refit_normal"``, its name in the registry."""
        return "refit_normal"

    def fit(self, x: ArrayLike) -> NormalModel:
        """Maximum-likelihood mean and standard deviation of `x` (n >= 2)."""
        xs = as_sample_1d(x, "x", min_size=2)
        with np.errstate(over="ignore", invalid="ignore"):
            mean, sd = float(xs.mean()), float(xs.std())
        if not sd > 0:
            raise ValueError(f"`x` has zero spread (all {xs.size} values equal); a Normal cannot be fitted to it.")
        if not (math.isfinite(mean) and math.isfinite(sd)):
            raise ValueError(
                f"`x`'s mean or spread overflows float64 (values up to {float(np.abs(xs).max())!r}); rescale "
                "it (divide by a power of 10) and scale the results back."
            )
        return NormalModel(mean=mean, sd=sd, n_train=int(xs.size))


@dataclass(frozen=True)
class MixtureModel(FittedModel):
    """A one-dimensional Gaussian mixture: weights, means and standard deviations.

    Attributes
    ----------
    weights, means, sds : numpy.ndarray, shape (components,)
        The fitted mixture, components in increasing order of their means.
    n_train : int
    converged : bool
        Whether the kept EM run met :class:`GaussianMixture`'s stopping rule (a change of the
        mean log-likelihood per event below `tol`) before `max_iter` iterations.
    n_iter : int
        EM iterations of the kept run (the restart that won, then its refinement to `tol`).
    log_likelihood : float
        Mean log-likelihood per training event of the kept run (nats).
    """

    weights: np.ndarray = field(repr=False)
    means: np.ndarray = field(repr=False)
    sds: np.ndarray = field(repr=False)
    n_train: int
    converged: bool
    n_iter: int
    log_likelihood: float
    generator = "gaussian_mixture"
    _bytes_per_event = 40  # labels, noise, gathered means and sds, the result

    def sample(self, size: int, *, rng: RNGLike = None) -> np.ndarray:
        """Component labels with probabilities `weights`, then Normal draws (our `rng` only)."""
        gen = normalize_rng(rng)
        labels = gen.choice(self.weights.size, size=check_size(size, self._bytes_per_event), p=self.weights)
        return np.asarray(self.means[labels] + self.sds[labels] * gen.standard_normal(labels.size))

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """Log density of the mixture at `x`."""
        points = np.asarray(x, dtype=np.float64)
        z = (points[..., None] - self.means) / self.sds
        terms = np.log(self.weights) - 0.5 * z**2 - np.log(self.sds * np.sqrt(2 * np.pi))
        peak = terms.max(axis=-1, keepdims=True)
        return np.asarray(peak[..., 0] + np.log(np.exp(terms - peak).sum(axis=-1)), dtype=np.float64)


# EM restarts are compared at this tolerance before the best is run on to the requested one
_EM_SELECT_TOL = 1e-3


@dataclass(frozen=True)
class GaussianMixture:
    """Fit a Gaussian mixture of `components` Normals by EM (scikit-learn), then draw from it.

    Parameters
    ----------
    components : int
        Number of Normal components, >= 1 (2 for a camel back).
    seed : int
        Seed of EM's k-means initialisation (the fit is deterministic for a given seed).
    restarts : int
        EM runs from different initialisations; the best likelihood is kept.
    tol : float
        Convergence criterion: EM stops when one iteration changes the mean log-likelihood per
        training event by less than `tol` nats (default 1e-7).
    max_iter : int
        Most EM iterations per run and again for the refinement of the best run (default 1500); a
        refinement that reaches it has not converged.

    Warns
    -----
    ConvergenceWarning
        When the kept run stopped at `max_iter` before meeting `tol` (the fitted model records it
        as ``converged=False``).

    Notes
    -----
    Provenance: Standard (maximum-likelihood Gaussian mixture by expectation–maximisation,
    Dempster, Laird & Rubin 1977; :class:`sklearn.mixture.GaussianMixture`). A fit of the right
    functional form adds the model's assumption to the N events: that is where its extra
    precision on summaries comes from.

    **Threads.** The fit runs on one thread (``threadpoolctl``): the k-means start's OpenMP
    threads buy nothing on one-dimensional data and contend with the engine's worker processes.

    **Restarts.** The `restarts` runs from different k-means starts compete at scikit-learn's
    default tolerance 1e-3 (the best likelihood wins), and only the winner is then run on, from
    where it stopped, until it meets `tol` (or `max_iter` more iterations): this gives the same
    criterion at about a quarter of the cost of running every restart to 1e-7 (measured on
    two-component fits to Normal samples, where EM creeps for hundreds of iterations).

    **Why tol = 1e-7.** EM creeps: near the optimum each iteration changes the likelihood less
    and less while the parameters still move. scikit-learn's default ``tol = 1e-3`` stops a
    camel-back fit after about 3 iterations, early enough to leave a visible bias in a tail
    fraction of the fitted mixture (the estimate study of chapter 7); at ``tol = 1e-7`` the bias
    is not distinguishable from zero and the fit takes about 12 iterations (milliseconds at
    N = 1000).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.concatenate([rng.normal(-2, 0.5, 500), rng.normal(2, 0.5, 500)])
    >>> model = GaussianMixture(components=2).fit(x)
    >>> np.sort(model.means).round(1).tolist(), model.sample(10, rng=1).shape, model.converged
    ([-2.0, 2.0], (10,), True)
    """

    components: int = 2
    seed: int = 0
    restarts: int = 3
    tol: float = 1e-7
    max_iter: int = 1500

    @property
    def name(self) -> str:
        """``"gaussian_mixture"``, its name in the registry."""
        return "gaussian_mixture"

    def fit(self, x: ArrayLike) -> MixtureModel:
        """EM fit to `x` (n >= 2 * components); warns with :class:`ConvergenceWarning` if it did not converge."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning as _SklearnConvergence
        from sklearn.mixture import GaussianMixture as _EM
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # comes with scikit-learn

        components = check_int(self.components, "components", minimum=1)
        restarts = check_int(self.restarts, "restarts", minimum=1)
        seed = check_int(self.seed, "seed", minimum=0)
        tol = check_positive(self.tol, "tol")
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        xs = as_sample_1d(x, "x", min_size=2 * components)
        # the restarts compete at a loose tolerance; the best is then run on to `tol` (warm start)
        em = _EM(n_components=components, n_init=restarts, random_state=seed, covariance_type="full",
                 tol=max(tol, _EM_SELECT_TOL), max_iter=max_iter, warm_start=True)
        # one thread: EM's k-means start runs OpenMP threads, which on one-dimensional data only
        # contend with a study's other worker processes (about 10x slower on a busy 2-core machine)
        with threadpool_limits(limits=1), warnings.catch_warnings():  # our own warning below names the options
            warnings.simplefilter("ignore", _SklearnConvergence)
            em.fit(xs[:, None])
            n_iter = int(em.n_iter_)
            if tol < _EM_SELECT_TOL:
                em.set_params(tol=tol)
                em.fit(xs[:, None])
                n_iter += int(em.n_iter_)
        converged = bool(em.converged_)
        if not converged:
            warnings.warn(
                f"GaussianMixture: EM did not converge within max_iter={max_iter} iterations "
                f"(tol={tol:g} on the mean log-likelihood per event); the fitted model has "
                "converged=False. Raise `max_iter` or loosen `tol`.",
                ConvergenceWarning,
                stacklevel=2,
            )
        order = np.argsort(em.means_[:, 0])
        return MixtureModel(
            weights=np.asarray(em.weights_[order], dtype=np.float64),
            means=np.asarray(em.means_[order, 0], dtype=np.float64),
            sds=np.sqrt(np.asarray(em.covariances_[order, 0, 0], dtype=np.float64)),
            n_train=int(xs.size),
            converged=converged,
            n_iter=n_iter,
            log_likelihood=float(em.lower_bound_),
        )


def refit_normal(x: ArrayLike, gain: int, *, rng: RNGLike = None) -> Amplified:
    """Fit a Normal by maximum likelihood and draw ``G · n`` events (:class:`RefitNormal`).

    Examples
    --------
    >>> refit_normal([0.0, 1.0, 2.0], 2, rng=0).n_generated
    6
    """
    gain = check_gain(gain)
    return RefitNormal().fit(x).amplify(gain, rng=rng)
