"""Tests of ampcore.logspace: the exact floor of GenCopy in ln x (the law of ln X: test_laws.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ampcore.generators import GenCopyLog
from ampcore.divergence import histogram_kl
from ampcore.laws import LogLaw
from ampcore.logspace import log_floor

LOGNORMAL = stats.lognorm(1.0)


class TestLogFloor:
    def test_invariance_identity(self, rng):
        # KL is invariant under y = ln x; for LogN(0,1) the law of ln X is N(0,1), where
        # histogram_kl's quadrature is exact (ln p quadratic): agreement to rounding.
        x = LOGNORMAL.rvs(size=2000, random_state=rng)
        a = log_floor(x, 0.2, law=LOGNORMAL)
        b = histogram_kl(np.log(x), 0.2, law=stats.norm())
        assert a == pytest.approx(b, rel=1e-10)

    def test_is_histogram_kl_of_the_logs(self, rng):
        # the definition, for a law whose log-law is not a scipy law (Gamma): bitwise equal
        law = stats.gamma(2.0)
        x = law.rvs(size=500, random_state=rng)
        assert log_floor(x, 0.25, law=law, origin=-3.0) == histogram_kl(
            np.log(x), 0.25, origin=-3.0, law=LogLaw(law)
        )

    def test_matches_the_log_amplifier_bins(self, rng):
        # the floor of GenCopyLog is the KL of its own log-histogram: same width and origin
        x = LOGNORMAL.rvs(size=800, random_state=rng)
        model = GenCopyLog(m=2.5).fit(x)
        floor = log_floor(x, model.width, law=LOGNORMAL, origin=model.origin)
        assert floor == log_floor(x, model.width, law=LOGNORMAL)  # default origin: min(ln x)
        assert 0 < floor < 0.2

    def test_per_bin(self, rng):
        x = LOGNORMAL.rvs(size=500, random_state=rng)
        table = log_floor(x, 0.3, law=LOGNORMAL, per_bin=True)
        assert table["contribution"].sum() == pytest.approx(log_floor(x, 0.3, law=LOGNORMAL), rel=1e-12)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="`width` must be finite and > 0; got 0.0"):
            log_floor([1.0, 2.0], 0.0, law=LOGNORMAL)
        with pytest.raises(ValueError, match="`x` must be > 0 to be amplified in log x"):
            log_floor([1.0, -2.0], 0.1, law=LOGNORMAL)
        with pytest.raises(ValueError, match=r"support in \[0, inf\)"):
            log_floor([1.0, 2.0], 0.1, law=stats.norm())
