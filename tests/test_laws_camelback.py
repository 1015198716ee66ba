"""ampcore.laws.CamelBack (chapter 8): exact density, sampling, quantiles and entropy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.laws import CamelBack, Law, law_fingerprint, law_name


def test_exact_moments_density_and_quantiles():
    law = CamelBack(3.0, 0.5, weight=0.3, center=1.0)
    # density = 0.3 N(-0.5, 0.25) + 0.7 N(2.5, 0.25), to rounding
    t = np.linspace(-3, 5, 41)
    expected = 0.3 * stats.norm.pdf(t, -0.5, 0.5) + 0.7 * stats.norm.pdf(t, 2.5, 0.5)
    assert np.allclose(law.pdf(t), expected, rtol=1e-12, atol=0)
    assert integrate.quad(law.pdf, -10, 12)[0] == pytest.approx(1.0, abs=1e-10)
    assert law.mean() == pytest.approx(0.3 * -0.5 + 0.7 * 2.5, abs=1e-12)
    assert law.var() == pytest.approx(0.25 + 0.21 * 9.0, abs=1e-12)
    q = np.array([0.01, 0.3, 0.5, 0.99])
    assert np.allclose(law.cdf(law.ppf(q)), q, atol=1e-12)
    assert law.ppf(0.0) == -np.inf and law.ppf(1.0) == np.inf


def test_sampling_follows_the_law():
    law = CamelBack()
    x = law.rvs(size=20_000, random_state=np.random.default_rng(4))
    # KS against the exact cdf: failing at p < 1e-3 is a 0.1 % false failure for a correct sampler
    assert stats.kstest(x, law.cdf).pvalue > 1e-3
    assert np.array_equal(x, law.rvs(size=20_000, random_state=4))


def test_entropy_by_quadrature_matches_monte_carlo():
    law = CamelBack()
    x = law.rvs(size=200_000, random_state=np.random.default_rng(5))
    # -mean(log p) over 2e5 draws has sd ~ sd(log p)/sqrt(2e5) ~ 0.002 nats; 0.01 is 5 sd
    assert law.entropy() == pytest.approx(-np.mean(law.logpdf(x)), abs=0.01)


def test_satisfies_the_law_protocol_and_validates():
    law = CamelBack()
    assert isinstance(law, Law) and law_name(law) == "CamelBack"
    assert law_fingerprint(law) == "CamelBack(separation=4.0, sd=1.0, weight=0.5, center=0.0)"
    with pytest.raises(ValueError, match="`weight` must be in"):
        CamelBack(weight=1.0)
    with pytest.raises(ValueError, match="`sd`"):
        CamelBack(sd=0.0)
    with pytest.raises(ValueError, match="`q`"):
        law.ppf(1.5)
