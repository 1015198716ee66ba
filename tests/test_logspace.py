"""Tests of ampcore.logspace: the law of ln X and the exact log-space floor."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.divergence import histogram_kl
from ampcore.logspace import LogLaw, log_floor

LOGNORMAL = stats.lognorm(1.0)


class TestLogLaw:
    def test_lognormal_is_normal(self):
        # Exact identity (change of variables): ln LogN(0, 1) ~ N(0, 1); rounding-level tolerance.
        y = np.linspace(-6, 6, 101)
        law = LogLaw(LOGNORMAL)
        np.testing.assert_allclose(law.logpdf(y), stats.norm.logpdf(y), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(law.cdf(y), stats.norm.cdf(y), rtol=1e-10, atol=1e-14)
        assert law.support() == (-math.inf, math.inf)
        assert law.entropy() == pytest.approx(stats.norm().entropy(), abs=1e-7)  # quadrature in expect

    def test_other_law_normalised(self):
        # Gamma(2): the density of ln X must integrate to 1 (quad error ~1e-10).
        law = LogLaw(stats.gamma(2.0))
        total, _ = integrate.quad(law.pdf, -30, 5)
        assert total == pytest.approx(1.0, abs=1e-8)

    def test_rvs_are_logs(self):
        a = LogLaw(LOGNORMAL).rvs(size=5, random_state=3)
        b = np.log(LOGNORMAL.rvs(size=5, random_state=np.random.default_rng(3)))
        np.testing.assert_array_equal(a, b)

    def test_negative_support_rejected(self):
        with pytest.raises(ValueError, match=r"support in \[0, inf\)"):
            LogLaw(stats.norm())

    def test_not_a_law(self):
        with pytest.raises(TypeError, match="frozen scipy.stats distribution"):
            LogLaw("lognormal")


class TestLogFloor:
    def test_invariance_identity(self, rng):
        # KL is invariant under y = ln x; for LogN(0,1) the law of ln X is N(0,1), where
        # histogram_kl's quadrature is exact (ln p quadratic): agreement to rounding.
        x = LOGNORMAL.rvs(size=2000, random_state=rng)
        a = log_floor(x, 0.2, law=LOGNORMAL)
        b = histogram_kl(np.log(x), 0.2, law=stats.norm())
        assert a == pytest.approx(b, rel=1e-10)

    def test_per_bin(self, rng):
        x = LOGNORMAL.rvs(size=500, random_state=rng)
        table = log_floor(x, 0.3, law=LOGNORMAL, per_bin=True)
        assert table["contribution"].sum() == pytest.approx(log_floor(x, 0.3, law=LOGNORMAL), rel=1e-12)

    def test_bad_width(self):
        with pytest.raises(ValueError, match="`width` must be finite and > 0; got 0.0"):
            log_floor([1.0, 2.0], 0.0, law=LOGNORMAL)
