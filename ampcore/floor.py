"""The floor of copy-and-redraw amplification, and its split into noise and binning bias.

Use this module to predict how close GenCopy-style amplified data can ever come to the true law:
as the gain G grows, the generated density tends to the training histogram density ``q_Δ``, so no
gain brings the divergence below ``KL(q_Δ‖p)`` (computed exactly by
:func:`ampcore.divergence.histogram_kl`). :func:`floor_terms` gives the two-term approximation

``E[KL(q_Δ‖p)] ≈ (B_occ − 1)/(2N) + Δ²·J/24``

(bin-count noise plus binning bias, J the Fisher information of the location family of p),
:func:`fisher_information` computes J (:func:`ampcore.studies.floor_scan` tabulates the
approximation and the exact value over M and several training samples).

All values are in nats.

Provenance: the two pieces are **Standard** (the chi-square expansion of the discrete KL of a
multinomial frequency vector, as in the Miller–Madow correction; the second-order expansion of
KL between close densities). Using their sum as the floor of GenCopy is **Reconstructed** (ours);
it is not in Watts & Crow 2025.
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

__all__ = ["FloorTerms", "fisher_information", "floor_terms", "kl_by_region"]


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


def fisher_information(law: Any) -> float:
    """Fisher information of the location family of `law`: ``J = ∫ p'(x)² / p(x) dx``.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
        A smooth density p on its support.

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
    """
    from scipy import integrate

    check_law(law)
    lo, hi = float(law.ppf(1e-12)), float(law.ppf(1.0 - 1e-12))

    def integrand(x: float) -> float:
        step = 1e-5 * (1.0 + abs(x))
        score = (law.logpdf(x + step) - law.logpdf(x - step)) / (2.0 * step)
        return float(law.pdf(x) * score * score)

    value, _ = integrate.quad(integrand, lo, hi, limit=400, epsrel=1e-8, points=[float(law.median())])
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
