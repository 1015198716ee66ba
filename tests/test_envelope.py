"""Tests of ampcore.envelope: the predicted G_eff(∞) of an efficient fit against Monte Carlo fits.

The Monte Carlo: R training samples of N events from the truth, each fitted by maximum likelihood;
the fitted model's own bin probabilities P̂_j on B equiprobable bins of the truth are exact (no
generated sample), so its infinite-gain score is qMSE_∞ = mean_j (P̂_j − 1/B)², and
G_eff(∞) = (1 − 1/B) / (B N mean_r qMSE_∞). Its standard error follows from the sd of qMSE_∞
over the replicates (delta method: se(G)/G = se(mean)/mean). Tolerance: |z| < 4 (a false
failure has chance < 1e-4 per comparison if the mean is normal, which it is at R >= 400 since
qMSE_∞ is a scaled chi-square with k degrees of freedom); the finite-N corrections of the delta
method are O(1/N) = 0.05 % at N = 2000, far below the SE (2-7 %). Each case also asserts that the
SE is below 8 %, so a prediction off by a factor 2 (k = 2 instead of 1) would fail by > 10 SE.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore import LogLaw, amplification_envelope, effective_parameters, goldilocks_bins, law_parameters


def _mc(truth, fit, bins: int, n: int, replicates: int, seed: int) -> tuple[float, float]:
    """Monte Carlo G_eff(∞) and its SE for the fitted family `fit(x) -> frozen law`."""
    rng = np.random.default_rng(seed)
    edges = truth.ppf(np.arange(1, bins) / bins)
    scores = np.empty(replicates)
    for r in range(replicates):
        model = fit(truth.rvs(size=n, random_state=rng))
        p = np.diff(np.concatenate([[0.0], model.cdf(edges), [1.0]]))
        scores[r] = np.mean((p - 1.0 / bins) ** 2)
    mean, se = scores.mean(), scores.std(ddof=1) / math.sqrt(replicates)
    g = (1.0 - 1.0 / bins) / (bins * n * mean)
    return g, g * se / mean


def _normal(x):
    return stats.norm(x.mean(), x.std())  # MLE: ddof = 0


def _expon_scale(x):
    return stats.expon(scale=x.mean())  # MLE of the scale with loc = 0 known


def _lognorm(x):
    y = np.log(x)
    return stats.lognorm(y.std(), scale=math.exp(y.mean()))  # MLE with loc = 0 known


def _gamma(x):
    a, _, scale = stats.gamma.fit(x, floc=0.0)
    return stats.gamma(a, scale=scale)


CASES = [
    ("normal B=10", stats.norm(1.0, 2.0), None, _normal, 10),
    ("normal B=40", stats.norm(), None, _normal, 40),
    ("exponential scale (k=1)", stats.expon(scale=3.0), ("scale",), _expon_scale, 20),
    ("lognormal s, scale", stats.lognorm(0.8, scale=2.0), ("s", "scale"), _lognorm, 20),
    ("gamma a, scale", stats.gamma(2.5, scale=1.5), ("a", "scale"), _gamma, 20),
]


@pytest.mark.parametrize(("label", "truth", "params", "fit", "bins"), CASES, ids=[c[0] for c in CASES])
def test_envelope_matches_monte_carlo_fits(label, truth, params, fit, bins):
    predicted = amplification_envelope(truth, bins, params=params)
    measured, se = _mc(truth, fit, bins, n=2000, replicates=400, seed=sum(map(ord, label)))
    assert se / measured < 0.08, label
    assert abs(measured - predicted) / se < 4.0, (label, measured, se, predicted)


def test_envelope_tends_to_b_over_k_from_above():
    # B J <= I (binning loses information), so G_eff(∞) >= (B − 1)/k, and the ratio falls to 1 as
    # B grows (the binned Fisher information tends to I)
    for k, law, params in ((2, stats.norm(), None), (1, stats.expon(), ("scale",))):
        ratios = [amplification_envelope(law, b, params=params) / ((b - 1) / k) for b in (5, 20, 80, 320)]
        assert all(r >= 1.0 for r in ratios)
        assert ratios == sorted(ratios, reverse=True)
        assert ratios[-1] < 1.02
    assert effective_parameters(320, amplification_envelope(stats.norm(), 320)) == pytest.approx(2.0, abs=0.02)


def test_envelope_normal_numeric_agrees_with_closed_form():
    # the lognormal (s, scale) with loc = 0 is the Normal of ln x: same bins, same envelope, but its
    # Fisher information goes through the numerical route (quadrature of a differenced score)
    for bins in (10, 40, 160):
        assert amplification_envelope(stats.lognorm(0.6, scale=3.0), bins, params=("s", "scale")) == pytest.approx(
            amplification_envelope(stats.norm(), bins), rel=1e-6)
    # a LogLaw has the bins (and so the envelope) of the law of X
    assert amplification_envelope(LogLaw(stats.lognorm(0.6)), 20, params=("s", "scale")) == pytest.approx(
        amplification_envelope(stats.norm(), 20), rel=1e-6)


def test_envelope_scale_and_location_invariant():
    base = amplification_envelope(stats.norm(), 25)
    assert amplification_envelope(stats.norm(-7.0, 0.01), 25) == pytest.approx(base, rel=1e-9)
    one = amplification_envelope(stats.norm(), 25, params=("loc",))
    assert one > base  # one parameter known: fewer ways to be wrong


def test_law_parameters():
    assert law_parameters(stats.norm(1.0, 2.0)) == {"loc": 1.0, "scale": 2.0}
    assert law_parameters(stats.gamma(2.0, scale=3.0)) == {"a": 2.0, "loc": 0.0, "scale": 3.0}


def test_goldilocks_bins():
    assert [goldilocks_bins(n) for n in (100, 400, 1600, 6400, 25_600)] == [10, 20, 40, 80, 160]
    assert goldilocks_bins(1000, 2.5) == round(1000 ** 0.4)
    assert goldilocks_bins(2) == 2  # at least two bins


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: amplification_envelope(stats.norm(), 1), ValueError, "`bins`"),
        (lambda: amplification_envelope(stats.norm(), 10.5), (TypeError, ValueError), "`bins`"),
        (lambda: amplification_envelope(stats.norm(), 10, params=("shape",)), ValueError, "`params`"),
        (lambda: amplification_envelope(stats.norm(), 10, params="loc"), TypeError, "`params`"),
        (lambda: amplification_envelope(stats.norm(), 10, params=()), TypeError, "`params`"),
        (lambda: amplification_envelope(stats.norm(), 10, params=("loc", "loc")), ValueError, "`params`"),
        (lambda: amplification_envelope(stats.expon(), 10), ValueError, "'loc'"),
        (lambda: amplification_envelope(stats.poisson(3.0), 10), TypeError, "`law`"),
        (lambda: amplification_envelope("norm", 10), TypeError, "`law`"),
        (lambda: effective_parameters(10, 0.0), ValueError, "`g_eff_inf`"),
        (lambda: effective_parameters(1, 3.0), ValueError, "`bins`"),
        (lambda: goldilocks_bins(0), ValueError, "`n`"),
        (lambda: goldilocks_bins(100, m=-1.0), ValueError, "`m`"),
    ],
)
def test_envelope_refuses_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()
