"""Sample amplification in the sense of Axelrod, Garg, Sharan & Valiant: m samples out of n.

Use :func:`amplify_gaussian_mean` to turn n draws of a d-dimensional Normal law with unknown mean
(and known covariance ``sd² I``) into m > n points, :class:`GaussianMeanTest` for the most
powerful test that tells those m points from m independent draws when the law is known (the
verifier of the definition), :func:`gaussian_mean_tv` and :func:`gaussian_mean_success` for the
exact total variation distance and the success probability of that test, and
:func:`valid_extra` for the largest ``m − n`` at which the amplifier is still *valid*, i.e. no
test succeeds with probability above :data:`VALIDITY_LIMIT` = 2/3.

Provenance:

* The definition — an (n, m) amplification procedure maps n independent draws of an unknown D
  to m > n "samples", and is valid if no algorithm tells them from m independent draws of D
  "with probability greater than 2/3" — and the rate ``m = n + Θ(n/√d)`` for a d-dimensional
  Gaussian with unknown mean and fixed covariance (tight up to constants) are **Quoted** from
  the abstract of Axelrod et al. (ICML 2020, arXiv:1904.12053); that a follow-up derives
  "generally applicable amplification procedures" is **Quoted** from the abstract of Axelrod,
  Garg, Han, Sharan & Valiant (arXiv:2201.04315).
* The amplifier here is **Reconstructed** (ours): the papers' own algorithms could not be read
  (only their abstracts). It keeps the one thing the n inputs know about the unknown mean, their
  sample mean, and draws everything else afresh: ``y_i = x̄ + (z_i − z̄)`` with
  ``z_1..z_m ~ N(0, sd² I)``. Its output then has exactly the law of m independent draws except
  that the output mean has covariance ``sd²/n I`` instead of ``sd²/m I``.
* That the mean of a Normal sample is independent of its deviations from the mean is
  **Standard** (Cochran's theorem); the total variation distance of two centred isotropic Normals
  through the χ² law, and the Neyman–Pearson likelihood-ratio test (the most powerful test, with
  success probability ``(1 + TV)/2`` at equal priors), are **Standard** (e.g. Lehmann & Romano,
  *Testing Statistical Hypotheses*, §3.2). Putting them together for this amplifier is
  **Reconstructed** (ours).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._rng import RNGLike, normalize_rng
from ._validation import as_points, check_int, check_positive

__all__ = [
    "VALIDITY_LIMIT",
    "amplify_gaussian_mean",
    "GaussianMeanTest",
    "gaussian_mean_tv",
    "gaussian_mean_success",
    "valid_extra",
    "asymptotic_valid_scale",
]

VALIDITY_LIMIT = 2.0 / 3.0
"""An amplifier is valid when no test tells its output from real draws with probability above this."""


def amplify_gaussian_mean(x: ArrayLike, size: int, *, sd: float = 1.0, rng: RNGLike = None) -> np.ndarray:
    """Amplify n draws of ``N(μ, sd² I)`` (μ unknown) into `size` points that keep only their mean.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The n input draws (n >= 1); a 1-D array is n points in one dimension.
    size : int
        Number of output points m, ``size >= n`` (``size``, not ``m``: ``m`` is the Goldilocks
        statistic elsewhere in ampcore).
    sd : float, optional
        The known standard deviation of every coordinate (covariance ``sd² I``).
    rng : int, Generator, SeedSequence or None
        Random source of the fresh deviations.

    Returns
    -------
    numpy.ndarray, shape (m,) or (m, d)
        ``x̄ + (z_i − z̄)`` for ``z_1..z_m`` independent ``N(0, sd² I)``: the output's mean is
        exactly the input mean, and its deviations from that mean have the law of the deviations
        of m independent draws.

    Notes
    -----
    Provenance: Reconstructed (ours), in the setting of Axelrod et al. 2020 (a Gaussian with
    unknown mean and known covariance); their own procedure could not be read. Because a Normal
    sample's mean is independent of its deviations (Standard), the output differs from m real
    draws *only* in its mean, whose covariance is ``sd²/n I`` instead of ``sd²/m I``; see
    :func:`gaussian_mean_tv`.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(10, 3))
    >>> y = amplify_gaussian_mean(x, 15, rng=1)
    >>> y.shape, bool(np.allclose(y.mean(axis=0), x.mean(axis=0)))
    ((15, 3), True)
    """
    points = as_points(x, "x")
    flat = np.ndim(x) == 1
    n = points.shape[0]
    m = check_int(size, "size", minimum=1)
    if m < n:
        raise ValueError(f"`size` must be >= the number of input points n = {n}; got size={m}.")
    sd = check_positive(sd, "sd")
    z = normalize_rng(rng).standard_normal((m, points.shape[1]))
    z -= z.mean(axis=0)
    z *= sd
    z += points.mean(axis=0)
    return z[:, 0] if flat else z


def _check_sizes(n: Any, m: Any, d: Any) -> tuple[int, int, int]:
    n = check_int(n, "n", minimum=1)
    m = check_int(m, "m", minimum=1)
    d = check_int(d, "d", minimum=1)
    if m < n:
        raise ValueError(f"`m` must be >= `n`; got n={n}, m={m}.")
    return n, m, d


def _lr_cut(n: int, m: int, d: int) -> float:
    """The likelihood-ratio cut on ``r = |ȳ − μ|²/sd²``: amplified beyond ``d ln(m/n)/(m − n)``."""
    return d * math.log(m / n) / (m - n)


def gaussian_mean_tv(n: int, m: int, d: int = 1) -> float:
    """Exact total variation distance of :func:`amplify_gaussian_mean`'s output from m real draws.

    Parameters
    ----------
    n, m : int
        Input and output sizes, ``1 <= n <= m``.
    d : int, optional
        Dimension.

    Returns
    -------
    float
        ``TV(N(0, I/n), N(0, I/m))`` in d dimensions, ``P(χ²_d > n r*) − P(χ²_d > m r*)`` with
        ``r* = d ln(m/n)/(m − n)`` (0 for m = n). It depends on n and m only through m/n.

    Notes
    -----
    Provenance: Standard (two centred isotropic Normals differ only in the law of the squared
    radius, a scaled χ²_d; the densities cross at ``r*``) applied to our Reconstructed amplifier.
    For large d it tends to ``2Φ(s/√8) − 1`` with ``s = (m − n)√d/n`` (our normal approximation
    of the χ² law), so TV = 1/3 at ``m − n ≈ 1.22 n/√d``: the ``Θ(n/√d)`` of Axelrod et al.

    Examples
    --------
    >>> round(gaussian_mean_tv(100, 200, 1), 4), round(gaussian_mean_tv(1000, 2000, 1), 4)
    (0.1661, 0.1661)
    >>> gaussian_mean_tv(50, 50, 4)
    0.0
    """
    n, m, d = _check_sizes(n, m, d)
    if m == n:
        return 0.0
    from scipy import stats

    cut = _lr_cut(n, m, d)
    return float(stats.chi2.sf(n * cut, d) - stats.chi2.sf(m * cut, d))


def gaussian_mean_success(n: int, m: int, d: int = 1) -> float:
    """Success probability ``(1 + TV)/2`` of the best test (equal priors) against the amplifier.

    Examples
    --------
    >>> round(gaussian_mean_success(100, 421, 1), 4)
    0.6668
    """
    return 0.5 * (1.0 + gaussian_mean_tv(n, m, d))


def valid_extra(n: int, d: int = 1, *, limit: float = VALIDITY_LIMIT) -> int:
    """The largest ``m − n`` at which no test beats `limit`: where the amplifier stops being valid.

    Parameters
    ----------
    n : int
        Input size.
    d : int, optional
        Dimension.
    limit : float, optional
        Success probability allowed to the best test, in (1/2, 1); the definition's 2/3.

    Returns
    -------
    int
        The largest k >= 0 with ``gaussian_mean_success(n, n + k, d) <= limit``.

    Notes
    -----
    Provenance: Reconstructed (ours; a search over k of the exact success of
    :func:`gaussian_mean_success`, which increases with m). Compare ``k·√d/n`` with the large-d
    value ``√8 Φ^{-1}(limit) ≈ 1.22``.

    Examples
    --------
    >>> valid_extra(100, 1), valid_extra(100, 16), valid_extra(1000, 16)
    (320, 36, 360)
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    limit = check_positive(limit, "limit")
    if not 0.5 < limit < 1.0:
        raise ValueError(f"`limit` must be in (0.5, 1); got {limit!r}.")
    high = max(1, n)
    while gaussian_mean_success(n, n + high, d) <= limit:
        high *= 2
    low = 0  # success(n, n + low) <= limit < success(n, n + high)
    while high - low > 1:
        mid = (low + high) // 2
        if gaussian_mean_success(n, n + mid, d) <= limit:
            low = mid
        else:
            high = mid
    return low


def asymptotic_valid_scale(limit: float = VALIDITY_LIMIT) -> float:
    """The large-d limit of ``valid_extra(n, d) · √d / n``: ``√8 Φ^{-1}(limit)``.

    Notes
    -----
    Provenance: Reconstructed (ours): for large d the squared radius is nearly Normal, the
    output's ``n r`` has mean d and sd ``√(2d)`` against ``d n/m ≈ d − s√d`` for real draws,
    so the best test succeeds with probability ``Φ(s/√8)``; setting it to `limit` gives s. This is
    the constant in Axelrod et al.'s ``m − n = Θ(n/√d)`` for our amplifier.

    Examples
    --------
    >>> round(asymptotic_valid_scale(), 4)
    1.2183
    """
    from scipy import stats

    limit = check_positive(limit, "limit")
    if not 0.5 < limit < 1.0:
        raise ValueError(f"`limit` must be in (0.5, 1); got {limit!r}.")
    return float(math.sqrt(8.0) * stats.norm.ppf(limit))


@dataclass(frozen=True)
class GaussianMeanTest:
    """The most powerful test of "amplified" against "m real draws" when the law is known.

    The verifier of the definition knows D: here the mean `mean` and the standard deviation
    `sd`. Against :func:`amplify_gaussian_mean` with n inputs, the likelihood ratio of the m
    points depends only on ``r = |ȳ − mean|²/sd²`` (the deviations have the same law under both
    hypotheses), so the test says "amplified" when r exceeds ``d ln(m/n)/(m − n)``.

    Parameters
    ----------
    n : int
        Input size of the amplifier under test.
    mean : float or array_like, shape (d,)
        The true mean (one value for every coordinate, or one per coordinate).
    sd : float
        The true standard deviation of every coordinate.

    Notes
    -----
    Provenance: Standard (Neyman–Pearson lemma) for our Reconstructed amplifier. Its success
    probability at equal priors is :func:`gaussian_mean_success`; no test does better.

    Examples
    --------
    >>> test = GaussianMeanTest(n=100, mean=0.0)
    >>> rng = np.random.default_rng(2)
    >>> real = rng.normal(size=(400, 1))
    >>> fake = amplify_gaussian_mean(rng.normal(size=(100, 1)), 400, rng=rng)
    >>> round(test.threshold(400, 1), 5), test.says_amplified(real)
    (0.00462, False)
    """

    n: int
    mean: Any = 0.0
    sd: float = 1.0

    def __post_init__(self) -> None:
        check_int(self.n, "n", minimum=1)
        check_positive(self.sd, "sd")
        mean = np.asarray(self.mean, dtype=np.float64)
        if mean.ndim > 1 or not np.all(np.isfinite(mean)):
            raise ValueError(f"`mean` must be a finite number or a 1-D array of them; got {self.mean!r}.")

    def statistic(self, sample: ArrayLike) -> float:
        """``r = |ȳ − mean|² / sd²`` of a sample of shape (m,) or (m, d)."""
        points = as_points(sample, "sample")
        mean = np.asarray(self.mean, dtype=np.float64)
        if mean.ndim == 1 and mean.size != points.shape[1]:
            raise ValueError(f"`mean` has {mean.size} coordinates but the sample has d = {points.shape[1]}.")
        shift = points.mean(axis=0) - mean
        return float(shift @ shift) / self.sd**2

    def threshold(self, m: int, d: int = 1) -> float:
        """The cut on :meth:`statistic` for m points in d dimensions (``inf`` if m = n)."""
        n, m, d = _check_sizes(self.n, m, d)
        return math.inf if m == n else _lr_cut(n, m, d)

    def says_amplified(self, sample: ArrayLike) -> bool:
        """True if the likelihood ratio favours "amplified" (the statistic exceeds the cut)."""
        points = as_points(sample, "sample")
        return self.statistic(points) > self.threshold(points.shape[0], points.shape[1])
