"""The floor of copy-and-redraw amplification, and its split into noise and binning bias.

Use this module to predict how close GenCopy-style amplified data can ever come to the true law:
as the gain G grows, the generated density tends to the training histogram density ``q_Δ``, so no
gain brings the divergence below ``KL(q_Δ‖p)`` (computed exactly by
:func:`ampcore.divergence.histogram_kl`). :func:`floor_terms` gives the two-term approximation

``E[KL(q_Δ‖p)] ≈ (B_occ − 1)/(2N) + Δ²·J/24``

(bin-count noise plus binning bias, J the Fisher information of the location family of p),
:func:`fisher_information` computes J (:func:`ampcore.studies.floor_scan` tabulates the
approximation and the exact value over M and several training samples), and
:func:`kld_gain_law` says how the kNN estimate of GenCopy's divergence approaches the exact floor
as the gain grows: ``D(G) ≈ floor − noise/G``.

All values are in nats.

Provenance: the two pieces are **Standard** (the chi-square expansion of the discrete KL of a
multinomial frequency vector, as in the Miller–Madow correction; the second-order expansion of
KL between close densities). Using their sum as the floor of GenCopy is **Reconstructed** (ours);
it is not in Watts & Crow 2025, and so is the gain law :func:`kld_gain_law`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, as_sample_1d, check_finite, check_law, check_positive
from .information import histogram

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FloorTerms", "fisher_information", "floor_terms", "kl_by_region", "kld_gain_law"]


@dataclass(frozen=True)
class FloorTerms:
    """The two-term approximation of the floor ``KL(q_Δ‖p)`` for one training histogram.

    Attributes
    ----------
    width : float
        Bin width Δ.
    occupied_bins : int
        Number of occupied bins B_occ.
    n : int
        Number of training events N.
    noise : float
        ``(B_occ − 1)/(2N)`` nats: the expected KL of the bin frequencies from the bin probabilities.
    bias : float
        ``Δ²·J/24`` nats: the KL of the binned true density from the true density.
    """

    width: float
    occupied_bins: int
    n: int
    noise: float
    bias: float

    @property
    def total(self) -> float:
        """``noise + bias`` in nats."""
        return self.noise + self.bias


def fisher_information(law: Any, *, log: bool = False) -> float:  # Any: a Law with median() (scipy's, TwoPeaks)
    """Fisher information of the location family of `law`: ``J = ∫ p'(x)² / p(x) dx``.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
        A smooth density p on its support.
    log : bool
        Give J of the law of ``Y = ln X`` instead (density ``p(e^y) e^y``), the J that sets the
        binning bias of GenCopy in ``ln x`` (:class:`ampcore.generators.GenCopyLog`). Needs a law
        on ``(0, ∞)``.

    Returns
    -------
    float
        J in units of 1/x². It is ``1/σ²`` for a Normal law and ``2 e²`` ≈ 14.78 for
        LogNormal(0, 1) (``E[(1 + Z)² e^(−2Z)]`` with Z standard normal).

    Raises
    ------
    TypeError
        If `law` is not a frozen scipy.stats distribution.
    ValueError
        If the integral is not finite (e.g. a density with a jump, such as a Uniform law).

    Notes
    -----
    ``J = E[(d/dx ln p(X))²]``. The score is taken by a central difference of ``law.logpdf``
    with step ``1e-5·(1 + |x|)`` (error O(step²) relative), and the expectation by
    :func:`scipy.integrate.quad` over the quantile range ``[ppf(1e-12), ppf(1 − 1e-12)]``, whose
    left-out mass changes J by far less than the 1e-6 relative accuracy asked of it for laws with
    Gaussian or log-Gaussian tails.

    Provenance: Standard (Fisher information of a location family; Cover & Thomas 2006, §11.10).

    Examples
    --------
    >>> from scipy import stats
    >>> round(fisher_information(stats.norm(scale=2.0)), 6)
    0.25
    >>> round(fisher_information(stats.lognorm(1.0)) / (2 * np.e**2), 5)
    1.0
    >>> round(fisher_information(stats.lognorm(0.5), log=True), 5)  # ln X ~ N(0, 0.5²)
    4.0
    """
    from scipy import integrate

    check_law(law)
    lo, hi = float(law.ppf(1e-12)), float(law.ppf(1.0 - 1e-12))
    if not isinstance(log, bool):
        raise TypeError(f"`log` must be True or False; got {log!r}.")
    if log:
        if not float(law.support()[0]) >= 0:
            raise ValueError(f"`log=True` needs a law on (0, inf); its support starts at {float(law.support()[0])!r}.")

        def logpdf(y: float) -> float:  # density of Y = ln X: p(e^y) e^y
            return float(law.logpdf(math.exp(y))) + y

        lo, hi, centre = math.log(lo), math.log(hi), math.log(float(law.median()))
    else:

        def logpdf(y: float) -> float:
            return float(law.logpdf(y))

        centre = float(law.median())

    def integrand(x: float) -> float:
        step = 1e-5 * (1.0 + abs(x))
        score = (logpdf(x + step) - logpdf(x - step)) / (2.0 * step)
        return math.exp(logpdf(x)) * score * score

    value, _ = integrate.quad(integrand, lo, hi, limit=400, epsrel=1e-8, points=[centre])
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"`law` must have a smooth density with finite Fisher information; got J = {value!r}."
        )
    return float(value)


def floor_terms(
    x: ArrayLike, width: float, *, fisher: float, origin: float | None = None
) -> FloorTerms:
    r"""Noise and bias terms of the floor ``KL(q_Δ‖p)`` for a training sample `x` binned at `width`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Training sample, ``n >= 2``.
    width : float
        Bin width Δ > 0.
    fisher : float
        Fisher information J > 0 of the true law's location family (see
        :func:`fisher_information`; 1 for N(0, 1)).
    origin : float, optional
        Left edge of bin 0; default ``min(x)``.

    Returns
    -------
    FloorTerms
        ``noise = (B_occ − 1)/(2N)``, ``bias = Δ² J / 24``.

    Raises
    ------
    TypeError, ValueError
        If `x` is not a finite 1-D sample of at least 2 values, or `width` or `fisher` is not
        finite and > 0.

    Notes
    -----
    Let ``P_j`` be the true probability of bin j, ``P̂_j = n_j/N`` its observed frequency and
    ``p_Δ`` the binned true density (``P_j/Δ`` on bin j). Then exactly

    .. math::

        KL(q_\Delta\|p) = \sum_j \hat P_j \ln\frac{\hat P_j}{P_j}
                        + \sum_j \hat P_j\Big[\ln\frac{P_j}{\Delta}
                          - \frac{1}{\Delta}\int_j \ln p\Big].

    *Noise.* The first sum is the discrete KL of the frequencies from the probabilities. Its
    second-order expansion is ``χ²/(2N)`` with ``χ²`` Pearson's statistic, whose mean is
    ``B − 1`` for B bins, so ``E ≈ (B − 1)/(2N)`` — the same term as the Miller–Madow entropy
    correction. B is estimated by the number of occupied bins.

    *Bias.* The second sum has mean ``KL(p_Δ‖p)``. Inside a bin of centre c,
    ``p(t) ≈ p(c) + p'(c)(t − c)``, and ``KL(p_Δ‖p) ≈ ∫ (p_Δ − p)²/(2p)``; the linear term has
    mean square ``p'(c)² Δ²/12`` over the bin, so ``KL(p_Δ‖p) ≈ (Δ²/24) ∫ p'²/p = Δ² J/24``.

    With ``Δ = e^h N^(-1/M)`` the noise scales like ``N^(1/M − 1)`` and the bias like
    ``N^(−2/M)``; with ``B_occ ≈ L/Δ`` for an occupied range L, their sum is smallest where
    ``Δ³ ≈ 6 L/(N J)``, i.e. ``Δ ∝ N^(−1/3)``:
    M → 3 as N grows (Scott's rule). Both expansions need many events per bin and ``Δ`` small on
    the scale of p; with few events per bin (small M) the chi-square expansion of the noise term
    is only rough, and B_occ undercounts the bins of the tails.

    Provenance: both terms are Standard (the second-order expansion ``KL ≈ χ²/2`` of the
    divergence between close distributions, whose multinomial mean gives the Miller 1955 term;
    the same expansion for close densities). Their sum as the floor of
    GenCopy is Reconstructed (ours).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=2000)
    >>> t = floor_terms(x, 0.0924, fisher=1.0)
    >>> t.occupied_bins, round(t.noise, 4), round(t.bias, 5)
    (69, 0.017, 0.00036)
    """
    xs = as_sample_1d(x, "x", min_size=2)
    width = check_positive(width, "width")
    fisher = check_positive(fisher, "fisher")
    if origin is not None:
        origin = check_finite(origin, "origin")
    hist = histogram(xs, width, origin=origin)
    occupied = int(hist.index.size)
    return FloorTerms(
        width=width,
        occupied_bins=occupied,
        n=int(xs.size),
        noise=(occupied - 1) / (2.0 * xs.size),
        bias=width * width * fisher / 24.0,
    )


def kl_by_region(table: pd.DataFrame, edges: Sequence[float] | np.ndarray, labels: Sequence[str]) -> pd.Series:
    """Add up per-bin KL contributions over regions of the x axis.

    Parameters
    ----------
    table : pandas.DataFrame
        ``histogram_kl(..., per_bin=True)`` output (columns ``left``, ``right``,
        ``contribution``).
    edges : sequence of float
        Increasing region boundaries, ``len(labels) + 1`` of them; use ``-inf``/``inf`` at the
        ends to cover everything. A bin belongs to the region that holds its midpoint.
    labels : sequence of str
        Region names.

    Returns
    -------
    pandas.Series
        Contribution (nats) per region, indexed by `labels`; the values sum to the total
        divergence when the edges cover every bin.

    Notes
    -----
    Provenance: Standard (the KL sum over bins is additive, ``DESIGN.md`` §4 for the floor).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"left": [0.0, 1.0, 2.0], "right": [1.0, 2.0, 3.0],
    ...                   "contribution": [0.01, -0.002, 0.005]})
    >>> kl_by_region(t, [-np.inf, 1.0, np.inf], ["low", "high"]).round(3).tolist()
    [0.01, 0.003]
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or not {"left", "right", "contribution"} <= set(table.columns):
        raise TypeError("`table` must be the per-bin DataFrame of histogram_kl(..., per_bin=True).")
    e = as_real_array(edges, "edges")
    names = [str(s) for s in labels]
    if e.ndim != 1 or e.size != len(names) + 1:
        raise ValueError(f"`edges` must have len(labels) + 1 = {len(names) + 1} values; got {e.size}.")
    if not np.all(np.diff(e) > 0) or np.isnan(e).any():
        raise ValueError(f"`edges` must be strictly increasing (no NaN); got {e.tolist()}.")
    mid = 0.5 * (table["left"].to_numpy() + table["right"].to_numpy())
    which = np.searchsorted(e, mid, side="right") - 1
    valid = (which >= 0) & (which < len(names))
    sums = np.zeros(len(names))
    np.add.at(sums, which[valid], table["contribution"].to_numpy()[valid])
    return pd.Series(sums, index=names, name="contribution")


def kld_gain_law(gain: ArrayLike, *, noise: ArrayLike, floor: ArrayLike) -> np.ndarray:
    r"""The gain law of GenCopy: the kNN divergence after G copies, ``D(G) ≈ floor − noise/G``.

    Parameters
    ----------
    gain : array_like of int or float
        Gains G >= 1 (broadcast against the other arguments).
    noise : array_like
        The noise term ``(B_occ − 1)/(2N)`` of the training histogram (``FloorTerms.noise``), nats.
    floor : array_like
        The exact floor ``KL(q_Δ‖p)`` of the same training sample
        (:func:`ampcore.divergence.histogram_kl`), or, for the curve expected over training
        samples, its mean over them; nats.

    Returns
    -------
    numpy.ndarray
        The expected kNN estimate ``E[D_k(generated‖p)]`` in nats, one value per broadcast
        element (a 0-d array for scalar input).

    Raises
    ------
    TypeError
        If `floor` is missing (the two-term form ``bias + noise·(1 − 1/G)`` is gone: see Notes).
    ValueError
        If a value is not finite, `gain` < 1, or `noise` < 0.

    Notes
    -----
    GenCopy writes G copies of the training sample, each event redrawn uniformly inside its own
    bin of width Δ, so bin j holds exactly ``G n_j`` generated events.

    *G = 1.* Event i is a draw from p moved to a uniform position inside its own bin, so the
    generated events are marginally iid draws from the binned true density ``p_Δ`` (``P_j/Δ``
    on bin j). The kNN estimator is (nearly) unbiased for an iid sample, so ``D(1) ≈ KL(p_Δ‖p)``,
    the bias term: the training sample's bin-count noise is invisible at G = 1.

    *Given the training sample.* In bin j the generated events are ``c = G n_j`` uniform points.
    The estimator's within-sample distance ``ρ_k`` to the k-th neighbour is calibrated for a
    sample whose count in any region fluctuates (binomially); for c points fixed in a bin,
    ``E[ln ρ_k] = ln(Δ/2) + ψ(k) − ψ(c)`` (order statistics of uniforms; k < c), and
    ``ψ(c) ≈ ln c − 1/(2c)`` reads the log density low by ``1/(2c)``. Averaging over the
    generated events, a fraction ``n_j/N`` of them in bin j,

    .. math::

        E[\hat D_k \mid \text{training}] \approx KL(q_\Delta\|p)
            - \sum_j \frac{n_j}{N}\,\frac{1}{2 G n_j} = KL(q_\Delta\|p) - \frac{B_{occ}}{2GN} ,

    which is ``floor − noise/G`` to O(1/(GN)). The approach to the floor goes like 1/G whatever
    N, and whatever the number of events per bin, as long as bins hold more than k generated
    events (``G n_j > k``); with fewer (very fine bins, M well below 2) the k-th neighbour lies
    outside the bin and the approach is slower.

    *Why the floor must be given.* Over training samples ``E[KL(q_Δ‖p)] ≈ Δ²J/24 + noise``
    (:func:`floor_terms`) only to second order, and the chi-square expansion behind the noise
    term misses the bins that hold a few events: for N(0, 1) at N = 4000, M = 2 (40 training
    samples) the exact floor is 0.01516 ± 0.00032 nats against 0.01232 for the two terms, so
    the former two-term law ``Δ²J/24 + noise·(1 − 1/G)`` predicted 0.0121 at G = 64 where the
    measured kNN divergence (k = 5, reference of 10⁶ events) is 0.01469 ± 0.00043: it differs
    by 5.7 SE, while ``floor − noise/G`` = 0.01497 differs by −1.1 SE
    (``tests/test_floor.py::TestGainLaw::test_against_measured_divergence``). Hence the law
    takes the exact floor only.

    Provenance: Reconstructed (ours; from the Standard order statistics of uniform points and the
    Standard expansion of :func:`floor_terms`); not in Watts & Crow 2025.

    Examples
    --------
    >>> kld_gain_law([1, 2, 10, 100], noise=0.016, floor=0.021).round(5).tolist()
    [0.005, 0.013, 0.0194, 0.02084]
    """
    g = np.asarray(gain, dtype=np.float64)
    noise_ = np.asarray(noise, dtype=np.float64)
    floor_ = np.asarray(floor, dtype=np.float64)
    for name, arr in (("gain", g), ("noise", noise_), ("floor", floor_)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"`{name}` must be finite; got {arr.tolist()!r}.")
    if np.any(g < 1):
        raise ValueError(f"`gain` must be >= 1; got {g.tolist()!r}.")
    if np.any(noise_ < 0):
        raise ValueError(f"`noise` must be >= 0; got {noise!r}.")
    return np.asarray(floor_ - noise_ / g)
