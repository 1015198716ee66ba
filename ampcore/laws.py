"""Laws: what the code needs of a probability law, our own test laws, and reference samples.

Use :class:`Law` to type a law argument (a frozen ``scipy.stats`` distribution satisfies it, and
so do :class:`TwoPeaks` and :class:`LogLaw`), :func:`law_name` for the name a law is known by in
tables and seeds, and :class:`Reference` for a large Monte Carlo sample of a law that is sorted
once and then reused by every divergence against it.

Provenance:

* :class:`TwoPeaks` is a test law of ours (**Reconstructed**); its entropy and quantiles are
  computed numerically (adaptive quadrature, bisection on the cdf).
* :class:`CamelBack` is the one-dimensional "camel back" of Butter et al. 2021 (GANplifying), a
  mixture of two Normals; their means and widths were not available to us, so ours are
  **Reconstructed**. Sampling and density are exact; quantiles by bisection on the exact cdf.
* :class:`LogLaw` is the change of variables ``y = ln x`` (**Standard**; Cover & Thomas 2006,
  §8.6): ``ln q(y) = ln p(e^y) + y``, ``F_Y(y) = F_X(e^y)``, ``h(Y) = h(X) − E[ln X]``.
* :class:`Shell` (and :class:`Ring`, its 2-D case) are GANplifying's spherical shell and ring
  (form from Butter et al. 2021; parameters **Reconstructed**); :class:`GaussianND` is
  ``N(0, I_d)`` (**Standard**). These three are laws on ``R^d``: ``rvs`` gives ``(size, d)``,
  densities take points on the last axis, and their 1-D parts (``radial``, ``marginal``) are
  :class:`Law` objects.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from ._rng import RNGLike, normalize_rng
from ._validation import as_points, as_sample_1d, check_finite, check_int, check_law, check_memory, check_positive

__all__ = [
    "Law", "LawND", "law_name", "law_fingerprint", "TwoPeaks", "LogLaw", "Reference", "CamelBack",
    "Shell", "Ring", "GaussianND", "sphere_log_area",
]


@runtime_checkable
class Law(Protocol):
    """What ampcore needs of a continuous law on the real line.

    A frozen ``scipy.stats`` distribution (``stats.norm()``, ``stats.lognorm(1.0)``) satisfies it,
    as do :class:`TwoPeaks` and :class:`LogLaw`. Densities and distribution functions take arrays
    and return arrays of the same shape; ``rvs`` takes ``random_state`` as a seed or a
    :class:`numpy.random.Generator`; ``entropy`` is the differential entropy in nats;
    ``support`` is ``(low, high)``.
    """

    def rvs(self, size: Any = ..., random_state: Any = ...) -> Any: ...  # pragma: no cover

    def pdf(self, x: Any) -> Any: ...  # pragma: no cover

    def logpdf(self, x: Any) -> Any: ...  # pragma: no cover

    def cdf(self, x: Any) -> Any: ...  # pragma: no cover

    def ppf(self, q: Any) -> Any: ...  # pragma: no cover

    def entropy(self) -> Any: ...  # pragma: no cover

    def support(self) -> Any: ...  # pragma: no cover


@runtime_checkable
class LawND(Protocol):
    """What ampcore needs of a continuous law on ``R^d`` (:class:`Shell`, :class:`Ring`, :class:`GaussianND`).

    ``dim`` is d; ``rvs`` returns an array of shape ``(size, dim)``; ``pdf`` and ``logpdf`` take
    points on the last axis; ``entropy`` is the d-dimensional differential entropy in nats; and
    ``radial``, the law of the distance ``|x|`` from the origin, is a one-dimensional :class:`Law`
    (for the quantile tools). Unlike a :class:`Law` it has no ``cdf``, ``ppf`` or ``support``.

    Examples
    --------
    >>> isinstance(Shell(3), LawND), isinstance(GaussianND(2), LawND), isinstance(TwoPeaks(0.1, 0.02), LawND)
    (True, True, False)
    """

    dim: int

    @property
    def radial(self) -> Any: ...  # pragma: no cover

    def rvs(self, size: int = ..., random_state: Any = ...) -> Any: ...  # pragma: no cover

    def pdf(self, x: Any) -> Any: ...  # pragma: no cover

    def logpdf(self, x: Any) -> Any: ...  # pragma: no cover

    def entropy(self) -> Any: ...  # pragma: no cover


def law_name(law: Law) -> str:
    """The short name of a law: scipy's distribution name, else the class name.

    It labels tables and enters the value-keyed seeds of the study engine, so the same law always
    gets the same streams.

    Examples
    --------
    >>> from scipy import stats
    >>> law_name(stats.norm()), law_name(stats.lognorm(1.0)), law_name(TwoPeaks(0.1, 0.02))
    ('norm', 'lognorm', 'TwoPeaks')
    """
    check_law(law)
    dist = getattr(law, "dist", None)
    name = getattr(dist, "name", None)
    return str(name) if name else type(law).__name__


def law_fingerprint(law: Law) -> str:
    """A text that identifies a law and its parameters (for store keys and cache checks).

    For a frozen scipy law: the distribution name, its positional and keyword arguments; for any
    other law: its ``repr`` (our laws print every parameter).

    Examples
    --------
    >>> from scipy import stats
    >>> law_fingerprint(stats.lognorm(1.0, scale=2.0))
    "lognorm(1.0,){'scale': 2.0}"
    """
    check_law(law)
    dist = getattr(law, "dist", None)
    if dist is not None and hasattr(law, "args"):
        kwds = dict(sorted(getattr(law, "kwds", {}).items()))
        return f"{dist.name}{tuple(law.args)!r}{kwds!r}"
    return repr(law)


class _NormalMixture:
    """What every finite mixture of Normals here shares: the density, cdf, quantiles, moments and
    entropy from the arrays ``_means``, ``_sds`` and ``_weights`` that a subclass sets.

    Provenance: Standard (the mixture's density and cdf are the weighted sums of its components');
    the entropy is computed by adaptive quadrature and the quantiles by bisection on the cdf.
    """

    _means: np.ndarray
    _sds: np.ndarray
    _weights: np.ndarray

    def _z(self, x: ArrayLike) -> np.ndarray:
        arr = np.asarray(x, dtype=np.float64)
        return np.asarray((arr[..., None] - self._means) / self._sds)

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """Log density."""
        from scipy import special

        z = self._z(x)
        log_terms = (
            np.log(self._weights, where=self._weights > 0, out=np.full(self._weights.shape, -np.inf))
            - 0.5 * z**2
            - np.log(self._sds * math.sqrt(2 * math.pi))
        )
        return np.asarray(special.logsumexp(log_terms, axis=-1), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """Density."""
        return np.asarray(np.exp(self.logpdf(x)), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """Cumulative distribution function."""
        from scipy import special

        return np.asarray((self._weights * special.ndtr(self._z(x))).sum(axis=-1), dtype=np.float64)

    def ppf(self, q: ArrayLike) -> np.ndarray:
        """Quantile function, by bisection on :meth:`cdf` to a relative width of 1e-14."""
        qs = np.asarray(q, dtype=np.float64)
        if np.any((qs < 0) | (qs > 1) | np.isnan(qs)):
            raise ValueError(f"`q` must be probabilities in [0, 1]; got {q!r}.")
        reach = 40 * float(self._sds.max())
        lo = np.full(qs.shape, float(self._means.min()) - reach)
        hi = np.full(qs.shape, float(self._means.max()) + reach)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < qs
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
            if np.all(hi - lo <= 1e-14 * np.maximum(1.0, np.abs(mid))):
                break
        out = 0.5 * (lo + hi)
        out = np.where(qs == 0, -np.inf, np.where(qs == 1, np.inf, out))
        return np.asarray(out, dtype=np.float64)

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
        from scipy import integrate

        def integrand(t: float) -> float:
            lp = float(self.logpdf(t))
            return -math.exp(lp) * lp if lp > -700 else 0.0

        lo = float((self._means - 12 * self._sds).min())
        hi = float((self._means + 12 * self._sds).max())
        points = sorted(
            {float(v) for v in np.concatenate([self._means, self._means - 3 * self._sds, self._means + 3 * self._sds])}
        )
        value, _ = integrate.quad(integrand, lo, hi, points=points, limit=200)
        return float(value)


class TwoPeaks(_NormalMixture):
    """Two Normal peaks of width `peak_width`, `separation` apart, on a broad Normal background.

    Density: ``(1-b)/2 · [N(c - s/2, w²) + N(c + s/2, w²)] + b · N(c, σ_b²)``. It satisfies
    :class:`Law` (``rvs, pdf, logpdf, cdf, ppf, entropy, support``, plus ``mean, var, std,
    median``).

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
    Provenance: Reconstructed (a test law of ours; the entropy is computed by adaptive
    quadrature and the quantiles by bisection on the cdf).

    Examples
    --------
    The variance is ``b σ_b² + (1-b)(w² + s²/4)`` = 0.5 + 0.5 (0.0009 + 0.0036):

    >>> law = TwoPeaks(0.12, 0.03)
    >>> round(law.mean(), 6), round(law.var(), 5)
    (0.0, 0.50225)
    >>> round(float(law.cdf(law.ppf(0.3))), 12)
    0.3
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

    def rvs(self, size: int = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draw `size` events (component labels, then Normal draws)."""
        size = check_int(size, "size", minimum=0)
        gen = normalize_rng(random_state, name="random_state")
        labels = gen.choice(3, size=size, p=self._weights)
        return np.asarray(self._means[labels] + self._sds[labels] * gen.standard_normal(size))

    def median(self) -> float:
        """Median (= `center`, by symmetry)."""
        return self.center


@dataclass(frozen=True)
class LogLaw:
    """The law of ``Y = ln X`` for a law of a positive X.

    Parameters
    ----------
    law : Law
        The law of X; its support must lie in ``[0, inf)``.

    Notes
    -----
    ``ln q(y) = ln p_X(e^y) + y``, ``F_Y(y) = F_X(e^y)``, ``F_Y^{-1}(u) = ln F_X^{-1}(u)`` and
    ``h(Y) = h(X) − E[ln X]`` (change of variables). Provenance: Standard (Cover & Thomas 2006,
    §8.6). For ``lognorm(s, scale=e^μ)`` this is ``norm(μ, s)``.

    Examples
    --------
    >>> from scipy import stats
    >>> y = LogLaw(stats.lognorm(1.0))
    >>> round(float(y.logpdf(0.3)), 10) == round(float(stats.norm.logpdf(0.3)), 10)
    True
    >>> round(y.entropy(), 4), round(float(stats.norm().entropy()), 4)
    (1.4189, 1.4189)
    """

    law: Any  # a frozen scipy law: its expect() gives E[ln X]

    def __post_init__(self) -> None:
        check_law(self.law)
        low, _ = self.law.support()
        if not low >= 0:
            raise ValueError(f"`law` must have support in [0, inf) to take logs; its support starts at {low!r}.")

    def __repr__(self) -> str:
        # the law's parameters, not the address of a frozen scipy object: law_fingerprint (store
        # keys) reads this repr, so it must be the same in every process
        return f"LogLaw({law_fingerprint(self.law)})"

    def logpdf(self, y: ArrayLike) -> np.ndarray:
        """``ln p_X(e^y) + y``."""
        ys = np.asarray(y, dtype=np.float64)
        with np.errstate(over="ignore"):
            return np.asarray(self.law.logpdf(np.exp(ys)), dtype=np.float64) + ys

    def pdf(self, y: ArrayLike) -> np.ndarray:
        """Density of ``ln X``."""
        return np.asarray(np.exp(self.logpdf(y)), dtype=np.float64)

    def cdf(self, y: ArrayLike) -> np.ndarray:
        """``F_X(e^y)``."""
        with np.errstate(over="ignore"):
            return np.asarray(self.law.cdf(np.exp(np.asarray(y, dtype=np.float64))), dtype=np.float64)

    def ppf(self, q: ArrayLike) -> np.ndarray:
        """``ln F_X^{-1}(q)``."""
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(np.asarray(self.law.ppf(q), dtype=np.float64)), dtype=np.float64)

    def rvs(self, size: int | tuple[int, ...] = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draws of ``ln X`` (the logs of draws of X)."""
        return np.log(np.asarray(self.law.rvs(size=size, random_state=normalize_rng(random_state)), dtype=np.float64))

    def support(self) -> tuple[float, float]:
        """``(ln low, ln high)`` of X's support (``-inf`` for low = 0)."""
        low, high = self.law.support()
        with np.errstate(divide="ignore"):
            return float(np.log(low)), float(np.log(high))

    def entropy(self) -> float:
        """``h(ln X) = h(X) − E[ln X]`` in nats (E by scipy's ``expect`` quadrature)."""
        return float(self.law.entropy()) - float(self.law.expect(np.log))


@dataclass(frozen=True)
class Reference:
    """A large Monte Carlo sample from `law`, sorted once and reused by every divergence.

    Attributes
    ----------
    law : Law
    sample : numpy.ndarray
        Sorted (non-decreasing) float64 draws; :func:`ampcore.divergence.kl_divergence` detects
        the order and skips its own sort.
    name : str
        A label used in tables (default: :func:`law_name` of `law`).
    """

    law: Law
    sample: np.ndarray = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        check_law(self.law)
        xs = as_sample_1d(self.sample, "sample", min_size=2)
        if np.any(xs[1:] < xs[:-1]):
            raise ValueError("`sample` must be sorted; use Reference.draw(...) to build one.")
        object.__setattr__(self, "sample", xs)
        if not self.name:
            object.__setattr__(self, "name", law_name(self.law))

    @classmethod
    def draw(cls, law: Law, size: int, *, rng: RNGLike = None, name: str = "") -> Reference:
        """Draw `size` events from `law` and sort them.

        Examples
        --------
        >>> from scipy import stats
        >>> ref = Reference.draw(stats.norm(), 1000, rng=0, name="normal")
        >>> ref.size, bool(np.all(np.diff(ref.sample) >= 0))
        (1000, True)
        """
        check_law(law)
        size = check_int(size, "size", minimum=2)
        check_memory(24 * size, name="size", value=size, what=f"{size:.3g} reference events (draws, sorted copy, 8 bytes each)")
        sample = np.sort(np.asarray(law.rvs(size=size, random_state=normalize_rng(rng)), dtype=np.float64))
        return cls(law=law, sample=sample, name=name)

    @property
    def size(self) -> int:
        """Number of reference events."""
        return int(self.sample.size)

    @property
    def fingerprint(self) -> str:
        """The law, the size and a SHA-256 of the sample: what makes two references the same."""
        digest = hashlib.sha256(self.sample.tobytes()).hexdigest()[:20]
        return f"{law_fingerprint(self.law)}:{self.size}:{digest}"

    def divergence(self, x: ArrayLike, *, k: int = 5, workers: int = -1) -> np.ndarray:
        """FNN-exact ``D(x‖reference)`` for j = 1..k, in nats."""
        from .divergence import kl_divergence

        return kl_divergence(x, self.sample, k=k, workers=workers)


class CamelBack(_NormalMixture):
    """The "camel back": two Normal humps of equal width, `separation` apart.

    Density: ``w · N(c − s/2, σ²) + (1 − w) · N(c + s/2, σ²)``. It satisfies :class:`Law`
    (``rvs, pdf, logpdf, cdf, ppf, entropy, support``, plus ``mean, var, std``).

    Parameters
    ----------
    separation : float, optional
        Distance s > 0 between the two means; default 4.
    sd : float, optional
        Standard deviation σ > 0 of each hump; default 1.
    weight : float, optional
        Weight w in (0, 1) of the left hump; default 0.5.
    center : float, optional
        Midpoint c of the two means; default 0.

    Notes
    -----
    Provenance: the law's form (a one-dimensional camel back, a two-Gaussian mixture) is that of
    Butter et al. 2021 (GANplifying, section 2, from its table of contents); its parameters were
    not available to us, so the defaults (means ±2, σ = 1, equal weights) are **Reconstructed**:
    chosen so that the valley at the midpoint is clearly visible (density 0.27 of a peak) and the
    law is far enough from one Normal that 1000 events tell them apart (a Kolmogorov distance of
    0.099). Sampling (component labels, then Normal draws) and the density are exact; the entropy
    is computed by adaptive quadrature and the quantiles by bisection on the cdf.

    Examples
    --------
    >>> law = CamelBack()
    >>> round(law.mean(), 6), round(law.var(), 6)
    (0.0, 5.0)
    >>> round(float(law.cdf(law.ppf(0.3))), 12), round(float(law.pdf(0.0) / law.pdf(2.0)), 3)
    (0.3, 0.271)
    """

    def __init__(self, separation: float = 4.0, sd: float = 1.0, *, weight: float = 0.5, center: float = 0.0) -> None:
        self.separation = check_positive(separation, "separation")
        self.sd = check_positive(sd, "sd")
        weight = check_positive(weight, "weight")
        if not weight < 1:
            raise ValueError(f"`weight` must be in (0, 1); got {weight!r}.")
        self.weight = weight
        self.center = check_finite(center, "center")
        half = self.separation / 2
        self._means = np.array([self.center - half, self.center + half])
        self._sds = np.array([self.sd, self.sd])
        self._weights = np.array([weight, 1.0 - weight])

    def __repr__(self) -> str:
        return (
            f"CamelBack(separation={self.separation!r}, sd={self.sd!r}, weight={self.weight!r}, "
            f"center={self.center!r})"
        )

    def rvs(self, size: int = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draw `size` events: a hump with probabilities (w, 1 − w), then a Normal draw."""
        size = check_int(size, "size", minimum=0)
        gen = normalize_rng(random_state, name="random_state")
        right = gen.random(size) >= self.weight
        return np.asarray(self._means[right.astype(np.intp)] + self.sd * gen.standard_normal(size))

    def var(self) -> float:
        """Variance ``σ² + w (1 − w) s²``."""
        return float(self.sd**2 + self.weight * (1 - self.weight) * self.separation**2)


# --------------------------------------------------------------------------------------------------
# laws in d dimensions (chapter 10)


def sphere_log_area(dim: int) -> float:
    """``ln S_{d-1}``, the log surface area of the unit sphere in ``R^d``: ``ln(2 π^{d/2} / Γ(d/2))``.

    Provenance: Standard (e.g. DLMF 5.19.4). ``S_0 = 2`` (the two points ±1), ``S_1 = 2π``,
    ``S_2 = 4π``.

    Examples
    --------
    >>> [round(math.exp(sphere_log_area(d)), 6) for d in (1, 2, 3)]
    [2.0, 6.283185, 12.566371]
    """
    dim = check_int(dim, "dim", minimum=1)
    return math.log(2.0) + 0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim)


class Shell:
    """A spherical shell in ``R^d``: a direction uniform on the sphere, a radius from a Normal.

    The radius R follows ``Normal(radius, width²)`` truncated to ``R > 0``; the direction is
    uniform on ``S^{d−1}`` and independent of R. The density is

    ``p(x) = f_R(|x|) / (S_{d−1} |x|^{d−1})``,

    with ``S_{d−1}`` the area of the unit sphere (:func:`sphere_log_area`). With ``dim=2`` it is
    the ring (:class:`Ring`).

    This is a law on ``R^d``, not a :class:`Law` (which is 1-D): ``rvs`` returns an array of
    shape ``(size, dim)``, ``pdf``/``logpdf`` take points on the last axis, ``entropy`` is the
    d-D differential entropy. The 1-D part that the book's quantile tools need is the radius's
    law, :attr:`radial` (a frozen ``scipy.stats.truncnorm``, a :class:`Law` with ``cdf`` and
    ``ppf``).

    Parameters
    ----------
    dim : int
        Dimension d >= 1 (d = 1 is a pair of Normal bumps at ±radius).
    radius : float, optional
        Centre of the radius's Normal, > 0; default 4.
    width : float, optional
        Its standard deviation, > 0; default 0.5.

    Notes
    -----
    Provenance: the laws' form (a 2-D ring, an n-D spherical shell) is that of Butter et al. 2021
    (GANplifying, sections 3 and 4, from its table of contents); their parameters were not
    available to us, so the radial law and its defaults are **Reconstructed** (radius 4 as in the
    "donut" of the Bayesiamplify code, whose radius is 4 plus a Gamma(2, 1/2) draw; we use a
    symmetric Normal width 0.5 instead). The density (change of variables to polar
    coordinates), sampling (a normalised standard Normal vector times R, R by rejection) and the entropy
    ``h = h(R) + ln S_{d−1} + (d − 1) E[ln R]`` (by quadrature) are **Standard** (Cover & Thomas
    2006, §8.6; Muller 1959 for the uniform direction).

    Examples
    --------
    >>> shell = Shell(3)
    >>> shell.rvs(5, random_state=0).shape
    (5, 3)
    >>> ring = Ring()
    >>> round(float(ring.pdf([4.0, 0.0])), 5) == round(float(ring.radial.pdf(4.0) / (2 * math.pi * 4)), 5)
    True
    """

    def __init__(self, dim: int, radius: float = 4.0, width: float = 0.5) -> None:
        self.dim = check_int(dim, "dim", minimum=1)
        self.radius = check_positive(radius, "radius")
        self.width = check_positive(width, "width")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim!r}, radius={self.radius!r}, width={self.width!r})"

    @property
    def radial(self) -> Any:
        """The law of the radius: ``Normal(radius, width²)`` truncated to ``(0, radius + 40 width)`` (scipy; the upper cut holds below 1e-340 of the mass)."""
        from scipy import stats

        # the upper cut at 40 widths (mass below 1e-340) keeps scipy's closed-form entropy finite
        return stats.truncnorm(-self.radius / self.width, 40.0, loc=self.radius, scale=self.width)

    def rvs(self, size: int = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draw `size` points, shape ``(size, dim)``: R from :attr:`radial` times a uniform direction.

        R is drawn by rejection from ``Normal(radius, width²)`` (exact for the truncated law).
        """
        size = check_int(size, "size", minimum=0)
        gen = normalize_rng(random_state, name="random_state")
        z = gen.standard_normal((size, self.dim))
        # the truncated Normal by rejection (exact): redraw the radii outside (0, radius + 40 width)
        r = self.radius + self.width * gen.standard_normal(size)
        bad = np.flatnonzero((r <= 0) | (r >= self.radius + 40 * self.width))
        while bad.size:
            r[bad] = self.radius + self.width * gen.standard_normal(bad.size)
            bad = bad[(r[bad] <= 0) | (r[bad] >= self.radius + 40 * self.width)]
        norm = np.sqrt(np.einsum("ij,ij->i", z, z))
        return np.asarray(z * (r / norm)[:, None])

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """``ln f_R(|x|) − ln S_{d−1} − (d − 1) ln |x|`` for points on the last axis."""
        pts = as_points(x, "x", dim=self.dim, any_leading=True)
        r = np.sqrt(np.sum(pts * pts, axis=-1))
        with np.errstate(divide="ignore"):
            return np.asarray(
                np.asarray(self.radial.logpdf(r), dtype=np.float64) - sphere_log_area(self.dim)
                - (self.dim - 1) * np.log(r),
                dtype=np.float64,
            )

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """Density at points on the last axis."""
        return np.asarray(np.exp(self.logpdf(x)), dtype=np.float64)

    def entropy(self) -> float:
        """``h(R) + ln S_{d−1} + (d − 1) E[ln R]`` in nats (E by quadrature over the radius)."""
        radial = self.radial
        mean_log_r = float(radial.expect(np.log)) if self.dim > 1 else 0.0
        return float(radial.entropy()) + sphere_log_area(self.dim) + (self.dim - 1) * mean_log_r


class Ring(Shell):
    """The ring of GANplifying: :class:`Shell` with ``dim = 2`` (radius 4, width 0.5 by default).

    Provenance: as :class:`Shell` (form from GANplifying's section 3; parameters Reconstructed).

    Examples
    --------
    >>> Ring()
    Ring(dim=2, radius=4.0, width=0.5)
    """

    def __init__(self, radius: float = 4.0, width: float = 0.5) -> None:
        super().__init__(2, radius, width)

    def __repr__(self) -> str:
        return f"Ring(dim=2, radius={self.radius!r}, width={self.width!r})"


class GaussianND:
    """The standard Normal law ``N(0, I_d)`` on ``R^d``, a product of d standard Normals.

    Like :class:`Shell` a d-D law (``rvs`` gives ``(size, dim)``), with its one-dimensional
    marginal :attr:`marginal` (``scipy.stats.norm()``, a :class:`Law`) and the law of its radius
    :attr:`radial` (``scipy.stats.chi(dim)``).

    Notes
    -----
    Provenance: Standard; ``h = (d/2) ln(2πe)`` (Cover & Thomas 2006, Thm 8.4.1).

    Examples
    --------
    >>> law = GaussianND(3)
    >>> round(law.entropy(), 6) == round(1.5 * math.log(2 * math.pi * math.e), 6)
    True
    """

    def __init__(self, dim: int) -> None:
        self.dim = check_int(dim, "dim", minimum=1)

    def __repr__(self) -> str:
        return f"GaussianND(dim={self.dim!r})"

    @property
    def marginal(self) -> Any:
        """The law of one coordinate, ``scipy.stats.norm()``."""
        from scipy import stats

        return stats.norm()

    @property
    def radial(self) -> Any:
        """The law of ``|x|``, ``scipy.stats.chi(dim)``."""
        from scipy import stats

        return stats.chi(self.dim)

    def rvs(self, size: int = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draw `size` points, shape ``(size, dim)``."""
        size = check_int(size, "size", minimum=0)
        return normalize_rng(random_state, name="random_state").standard_normal((size, self.dim))

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """``−|x|²/2 − (d/2) ln 2π`` for points on the last axis."""
        pts = as_points(x, "x", dim=self.dim, any_leading=True)
        return np.asarray(-0.5 * np.sum(pts * pts, axis=-1) - 0.5 * self.dim * math.log(2 * math.pi), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """Density at points on the last axis."""
        return np.asarray(np.exp(self.logpdf(x)), dtype=np.float64)

    def entropy(self) -> float:
        """``(d/2) ln(2πe)`` nats."""
        return 0.5 * self.dim * (math.log(2 * math.pi) + 1.0)
