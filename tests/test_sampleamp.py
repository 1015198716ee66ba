"""Tests of ampcore.sampleamp: the Gaussian-mean amplifier, its best test and its exact TV."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.sampleamp import (
    VALIDITY_LIMIT,
    GaussianMeanTest,
    amplify_gaussian_mean,
    asymptotic_valid_scale,
    gaussian_mean_success,
    gaussian_mean_tv,
    valid_extra,
)


class TestAmplifier:
    def test_shapes_and_the_mean_is_kept_exactly(self, rng):
        x = rng.normal(size=(40, 5))
        y = amplify_gaussian_mean(x, 70, sd=2.0, rng=1)
        assert y.shape == (70, 5)
        np.testing.assert_allclose(y.mean(axis=0), x.mean(axis=0), atol=1e-12)
        flat = amplify_gaussian_mean(x[:, 0], 55, rng=1)
        assert flat.shape == (55,)
        assert flat.mean() == pytest.approx(x[:, 0].mean(), abs=1e-12)

    def test_m_equal_n_is_allowed_and_the_output_is_fresh(self, rng):
        x = rng.normal(size=30)
        y = amplify_gaussian_mean(x, 30, rng=2)
        assert y.mean() == pytest.approx(x.mean(), abs=1e-12)
        assert not np.any(np.isin(y, x))  # no input point is copied

    def test_same_rng_same_output_and_different_rng_differs(self, rng):
        x = rng.normal(size=(10, 2))
        a = amplify_gaussian_mean(x, 20, rng=7)
        np.testing.assert_array_equal(a, amplify_gaussian_mean(x, 20, rng=7))
        assert not np.array_equal(a, amplify_gaussian_mean(x, 20, rng=8))

    def test_deviations_have_the_iid_law(self):
        # Σ|y_i − ȳ|²/sd² ~ χ²_{(m−1)d} for m iid draws; ours must match. 2000 repetitions of
        # m = 8, d = 3 (21 degrees of freedom): the mean has sd √(2·21/2000) = 0.145, so a 4-sd
        # band is ±0.58 around 21 (chance of a false failure < 1e-4).
        gen = np.random.default_rng(11)
        values = []
        for _ in range(2000):
            y = amplify_gaussian_mean(gen.normal(size=(5, 3)), 8, sd=1.5, rng=gen)
            values.append(float(((y - y.mean(axis=0)) ** 2).sum()) / 1.5**2)
        assert np.mean(values) == pytest.approx(21.0, abs=0.58)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"x": np.zeros((3, 2, 2)), "size": 4}, ValueError, r"1-D \(n,\) or 2-D \(n, d\)"),
            ({"x": [1.0, np.nan], "size": 4}, ValueError, "must be finite"),
            ({"x": [1.0, 2.0, 3.0], "size": 2}, ValueError, "`size` must be >= the number of input points n = 3"),
            ({"x": [1.0, 2.0], "size": 4, "sd": 0.0}, ValueError, "`sd` must be finite and > 0"),
            ({"x": [1.0, 2.0], "size": 2.5}, TypeError, "`size` must be an integer"),
            ({"x": [1.0, 2.0], "size": 4, "rng": "seed"}, TypeError, "`rng` must be an int seed"),
            ({"x": np.zeros((0, 2)), "size": 4}, ValueError, "must not be empty"),
        ],
    )
    def test_validation(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            amplify_gaussian_mean(**kwargs)


def _tv_by_quadrature(n: int, m: int, d: int) -> float:
    """½∫|f_n − f_m| over the squared radius r = |ȳ − μ|², an independent route to the TV."""
    def f(r: float, size: int) -> float:
        return float(size * stats.chi2.pdf(size * r, d))

    upper = stats.chi2.ppf(1 - 1e-14, d) / n
    value, _ = integrate.quad(lambda r: abs(f(r, n) - f(r, m)), 0.0, upper, limit=400,
                              points=[d * math.log(m / n) / (m - n)])
    return 0.5 * value


class TestExactDistance:
    @pytest.mark.parametrize(("n", "m", "d"), [(100, 150, 1), (100, 400, 1), (50, 60, 16), (20, 21, 100)])
    def test_tv_agrees_with_numerical_integration(self, n, m, d):
        assert gaussian_mean_tv(n, m, d) == pytest.approx(_tv_by_quadrature(n, m, d), abs=1e-7)

    def test_identities(self):
        assert gaussian_mean_tv(40, 40, 3) == 0.0
        assert gaussian_mean_success(40, 40, 3) == 0.5
        # depends on n and m only through m/n
        assert gaussian_mean_tv(30, 45, 4) == pytest.approx(gaussian_mean_tv(300, 450, 4), rel=1e-12)
        values = [gaussian_mean_tv(100, m, 8) for m in (101, 120, 150, 300, 1000)]
        assert values == sorted(values) and values[-1] < 1.0

    @pytest.mark.parametrize("s", [0.5, 1.0, 2.0])
    def test_large_d_limit(self, s):
        # TV → 2Φ(s/√8) − 1 as d → ∞ at m − n = s n/√d (normal approximation of χ²_d); at
        # d = 10⁴ the χ² skewness correction is of order 1/√d = 0.01
        d, n = 10_000, 1_000_000
        m = n + int(round(s * n / math.sqrt(d)))
        assert gaussian_mean_tv(n, m, d) == pytest.approx(2 * stats.norm.cdf(s / math.sqrt(8)) - 1, abs=0.01)

    def test_the_likelihood_ratio_cut_is_the_best_cut(self):
        # success of "amplified if r > c" at equal priors, for any c; the LR cut maximises it
        n, m, d = 100, 180, 4

        def success(c: float) -> float:
            return 0.5 * (stats.chi2.cdf(m * c, d) + stats.chi2.sf(n * c, d))

        cut = GaussianMeanTest(n=n).threshold(m, d)
        assert success(cut) == pytest.approx(gaussian_mean_success(n, m, d), abs=1e-12)
        for factor in (0.5, 0.8, 0.95, 1.05, 1.25, 2.0):
            assert success(factor * cut) < success(cut)

    def test_validation(self):
        with pytest.raises(ValueError, match="`m` must be >= `n`"):
            gaussian_mean_tv(10, 5, 1)
        with pytest.raises(ValueError, match="`d` must be an integer >= 1"):
            gaussian_mean_success(10, 20, 0)


class TestValidExtra:
    @pytest.mark.parametrize(("n", "d"), [(100, 1), (100, 4), (100, 64), (1000, 16), (7, 3)])
    def test_is_the_last_valid_extra(self, n, d):
        k = valid_extra(n, d)
        assert gaussian_mean_success(n, n + k, d) <= VALIDITY_LIMIT < gaussian_mean_success(n, n + k + 1, d)

    def test_scales_like_n_over_root_d(self):
        # Θ(n/√d): k√d/n falls from 3.2 (d = 1) towards √8 Φ^{-1}(2/3) = 1.218 (d → ∞)
        asymptote = asymptotic_valid_scale()
        assert asymptote == pytest.approx(math.sqrt(8) * stats.norm.ppf(2 / 3), rel=1e-12)
        ratios = [valid_extra(10_000, d) * math.sqrt(d) / 10_000 for d in (1, 4, 16, 64, 256, 4096)]
        assert ratios == sorted(ratios, reverse=True)
        assert ratios[0] == pytest.approx(3.2, abs=0.01)
        assert ratios[-1] == pytest.approx(asymptote, abs=0.02)

    def test_other_limits_and_validation(self):
        assert valid_extra(100, 1, limit=0.55) < valid_extra(100, 1) < valid_extra(100, 1, limit=0.8)
        with pytest.raises(ValueError, match=r"`limit` must be in \(0.5, 1\)"):
            valid_extra(100, 1, limit=0.4)


class TestGaussianMeanTest:
    def test_statistic_and_threshold(self):
        test = GaussianMeanTest(n=10, mean=[1.0, -1.0], sd=2.0)
        sample = np.array([[3.0, -1.0], [3.0, -1.0]])  # mean shift (2, 0): r = 4/4 = 1
        assert test.statistic(sample) == pytest.approx(1.0)
        assert test.threshold(20, 2) == pytest.approx(2 * math.log(2) / 10)
        assert test.says_amplified(np.tile(sample, (10, 1)))
        assert math.isinf(test.threshold(10, 2))

    def test_simulated_success_matches_the_exact_value(self):
        # 3000 real and 3000 amplified sets: the success fraction has sd <= √(p(1−p)/6000) = 0.0063;
        # 4 sd = 0.025 (chance of a false failure < 1e-4)
        n, m, d = 40, 80, 4
        gen = np.random.default_rng(3)
        test = GaussianMeanTest(n=n)
        real = sum(not test.says_amplified(gen.normal(size=(m, d))) for _ in range(3000))
        fake = sum(test.says_amplified(amplify_gaussian_mean(gen.normal(size=(n, d)), m, rng=gen)) for _ in range(3000))
        assert (real + fake) / 6000 == pytest.approx(gaussian_mean_success(n, m, d), abs=0.025)

    def test_validation(self):
        with pytest.raises(ValueError, match="`mean` has 2 coordinates but the sample has d = 3"):
            GaussianMeanTest(n=5, mean=[0.0, 0.0]).statistic(np.zeros((4, 3)))
        with pytest.raises(ValueError, match="`mean` must be a finite number"):
            GaussianMeanTest(n=5, mean=np.nan)
        with pytest.raises(ValueError, match="`n` must be an integer >= 1"):
            GaussianMeanTest(n=0)
