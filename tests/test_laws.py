"""Tests of ampcore.laws: the Law protocol, law names, TwoPeaks, LogLaw and Reference samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.divergence import kl_divergence
from ampcore.laws import Law, LogLaw, Reference, TwoPeaks, law_fingerprint, law_name

LOGNORMAL = stats.lognorm(1.0)
PEAKS = TwoPeaks(0.05, 0.0125)


class TestLawProtocol:
    @pytest.mark.parametrize("law", [stats.norm(), LOGNORMAL, PEAKS, LogLaw(LOGNORMAL)],
                             ids=["norm", "lognorm", "TwoPeaks", "LogLaw"])
    def test_our_laws_and_scipy_laws_satisfy_it(self, law):
        assert isinstance(law, Law)

    def test_a_sample_is_not_a_law(self):
        assert not isinstance(np.zeros(3), Law)


class TestNames:
    def test_law_name(self):
        assert law_name(stats.norm(2.0, 3.0)) == "norm"
        assert law_name(LOGNORMAL) == "lognorm"
        assert law_name(PEAKS) == "TwoPeaks"
        assert law_name(LogLaw(LOGNORMAL)) == "LogLaw"

    def test_fingerprint_tells_parameters_apart(self):
        assert law_fingerprint(stats.norm(0.0, 1.0)) == law_fingerprint(stats.norm(0.0, 1.0))
        assert law_fingerprint(stats.norm(0.0, 1.0)) != law_fingerprint(stats.norm(0.0, 2.0))
        assert law_fingerprint(stats.lognorm(1.0, scale=2.0)) == "lognorm(1.0,){'scale': 2.0}"
        assert law_fingerprint(TwoPeaks(0.1, 0.02)) != law_fingerprint(TwoPeaks(0.1, 0.03))
        assert "separation=0.1" in law_fingerprint(TwoPeaks(0.1, 0.02))

    def test_fingerprint_of_a_log_law_is_its_parameters(self):
        # store keys read it in other processes too: no object address may appear in it
        assert law_fingerprint(LogLaw(stats.lognorm(1.0))) == "LogLaw(lognorm(1.0,){})"
        assert law_fingerprint(LogLaw(stats.lognorm(1.0))) != law_fingerprint(LogLaw(stats.lognorm(0.5)))

    def test_not_a_law(self):
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            law_name("normal")
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            law_fingerprint(object())


class TestTwoPeaks:
    def test_density_integrates_to_one_and_matches_cdf(self):
        # quad on a smooth density with breakpoints at the peaks: error ~1e-10, asked 1e-8
        total, _ = integrate.quad(PEAKS.pdf, -12, 12, points=[-0.025, 0.0, 0.025], limit=200)
        assert total == pytest.approx(1.0, abs=1e-8)
        part, _ = integrate.quad(PEAKS.pdf, -12, 0.01, points=[-0.025, 0.0], limit=200)
        assert part == pytest.approx(float(PEAKS.cdf(0.01)), abs=1e-8)
        assert np.exp(PEAKS.logpdf(0.3)) == pytest.approx(PEAKS.pdf(0.3))

    def test_ppf_inverts_cdf(self):
        # bisection to a relative width of 1e-14: the cdf at the quantile is q to rounding
        q = np.array([1e-6, 0.1, 0.5, 0.77, 1 - 1e-6])
        np.testing.assert_allclose(PEAKS.cdf(PEAKS.ppf(q)), q, rtol=0, atol=1e-12)
        assert PEAKS.ppf(0.0) == -math.inf and PEAKS.ppf(1.0) == math.inf
        with pytest.raises(ValueError, match=r"`q` must be probabilities in \[0, 1\]"):
            PEAKS.ppf(1.5)

    def test_entropy_of_far_apart_peaks(self):
        # two far apart N(., 1) peaks and no background: h = ln 2 + (1/2) ln(2 pi e)
        law = TwoPeaks(100.0, 1.0, background=0.0)
        assert law.entropy() == pytest.approx(math.log(2) + 0.5 * math.log(2 * math.pi * math.e), abs=1e-6)

    def test_moments_and_sampling(self):
        # mean of 200,000 draws: sd sqrt(0.5/2e5) = 0.0016, so 0.008 is 5 sd (chance < 1e-6)
        x = PEAKS.rvs(size=200_000, random_state=np.random.default_rng(0))
        assert x.mean() == pytest.approx(PEAKS.mean(), abs=0.008)
        # variance: relative sd of s^2 is about sqrt(kurtosis-ish 3/2e5) ~ 0.004; 0.03 is > 5 sd
        assert x.var() == pytest.approx(PEAKS.var(), rel=0.03)
        assert PEAKS.support() == (-math.inf, math.inf)
        assert PEAKS.std() == pytest.approx(math.sqrt(PEAKS.var()))
        assert PEAKS.median() == PEAKS.mean() == 0.0

    def test_same_seed_same_draws(self):
        a = PEAKS.rvs(size=10, random_state=3)
        assert np.array_equal(a, PEAKS.rvs(size=10, random_state=3))
        assert not np.array_equal(a, PEAKS.rvs(size=10, random_state=4))
        with pytest.raises(TypeError, match="`random_state` must be an int seed"):
            PEAKS.rvs(size=3, random_state="x")

    def test_repr_names_every_parameter(self):
        assert repr(TwoPeaks(0.1, 0.02, background=0.3, background_sd=2.0, center=1.0)) == (
            "TwoPeaks(separation=0.1, peak_width=0.02, background=0.3, background_sd=2.0, center=1.0)"
        )

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"separation": 0.0, "peak_width": 1.0}, "`separation` must be finite and > 0"),
            ({"separation": 1.0, "peak_width": -1.0}, "`peak_width` must be finite and > 0"),
            ({"separation": 1.0, "peak_width": 1.0, "background": 1.0}, r"`background` must be in \[0, 1\)"),
            ({"separation": 1.0, "peak_width": 1.0, "center": math.nan}, "`center` must be finite"),
        ],
    )
    def test_validation(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            TwoPeaks(**kwargs)


class TestLogLaw:
    def test_lognormal_is_normal(self):
        # Exact identity (change of variables): ln LogN(0, 1) ~ N(0, 1); rounding-level tolerance.
        y = np.linspace(-6, 6, 101)
        law = LogLaw(LOGNORMAL)
        np.testing.assert_allclose(law.logpdf(y), stats.norm.logpdf(y), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(law.cdf(y), stats.norm.cdf(y), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(law.ppf([0.1, 0.5, 0.9]), stats.norm.ppf([0.1, 0.5, 0.9]), rtol=1e-10, atol=1e-14)
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


class TestReference:
    def test_draw_is_sorted_and_seeded(self):
        a = Reference.draw(stats.norm(), 1000, rng=1, name="n")
        b = Reference.draw(stats.norm(), 1000, rng=1, name="n")
        assert np.array_equal(a.sample, b.sample) and np.all(np.diff(a.sample) >= 0)
        assert a.size == 1000 and a.name == "n"

    def test_default_name_is_the_law_name(self):
        assert Reference.draw(LOGNORMAL, 10, rng=0).name == "lognorm"

    def test_unsorted_rejected(self):
        with pytest.raises(ValueError, match="`sample` must be sorted"):
            Reference(stats.norm(), np.array([2.0, 1.0]))

    def test_not_a_law(self):
        with pytest.raises(TypeError, match="frozen scipy.stats distribution"):
            Reference.draw("normal", 10)

    def test_bad_size(self):
        with pytest.raises(ValueError, match="`size` must be an integer >= 2; got 1"):
            Reference.draw(stats.norm(), 1)

    def test_fingerprint_identifies_law_size_and_sample(self):
        a = Reference.draw(stats.norm(), 100, rng=1)
        assert a.fingerprint == Reference.draw(stats.norm(), 100, rng=1).fingerprint
        assert a.fingerprint != Reference.draw(stats.norm(), 100, rng=2).fingerprint
        assert a.fingerprint != Reference.draw(stats.norm(0.0, 2.0), 100, rng=1).fingerprint
        assert a.fingerprint.startswith("norm(){}:100:")

    def test_divergence_uses_presorted_sample(self):
        ref = Reference.draw(stats.norm(), 5000, rng=2)
        x = np.random.default_rng(3).normal(size=500)
        shuffled = np.random.default_rng(4).permutation(ref.sample)
        np.testing.assert_allclose(ref.divergence(x, k=3), kl_divergence(x, shuffled, k=3), atol=1e-15)
        np.testing.assert_array_equal(ref.divergence(x, k=3, workers=1), ref.divergence(x, k=3))
