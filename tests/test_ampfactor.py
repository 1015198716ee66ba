"""Tests of ampcore.ampfactor: quantile bins, the quantile MSE and the amplification factor."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore.ampfactor import (
    amplification_factor,
    equivalent_events,
    expected_quantile_mse,
    quantile_edges,
    quantile_mse,
)

NORMAL = stats.norm()


class TestEdges:
    def test_law_edges_have_equal_probability(self):
        edges = quantile_edges(10, law=NORMAL)
        np.testing.assert_allclose(np.diff(NORMAL.cdf(np.r_[-np.inf, edges, np.inf])), 0.1, rtol=1e-12)

    def test_reference_edges_are_empirical_quantiles(self, rng):
        ref = rng.normal(size=10_001)
        np.testing.assert_array_equal(quantile_edges(4, reference=ref), np.quantile(ref, [0.25, 0.5, 0.75]))

    @pytest.mark.parametrize("kwargs, match", [
        ({}, "exactly one"), ({"law": NORMAL, "reference": [1.0, 2.0]}, "exactly one"),
    ])
    def test_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            quantile_edges(4, **kwargs)

    def test_too_few_bins(self):
        with pytest.raises(ValueError, match="`n_q` must be an integer >= 2"):
            quantile_edges(1, law=NORMAL)


class TestScore:
    def test_hand_values(self):
        # bins (-inf, 0), [0, inf): fractions 1/4, 3/4 -> ((1/4 - 1/2)^2 + (3/4 - 1/2)^2) / 2
        assert quantile_mse([-1.0, 0.0, 1.0, 2.0], [0.0]) == pytest.approx(0.0625, abs=1e-15)

    def test_expectation_matches_true_samples(self, rng):
        # E[qMSE] = (1 - 1/Nq) / (Nq n) (multinomial variance). Over 2000 samples of n = 200 the
        # mean qMSE has relative standard error about sqrt(2/(Nq - 1)) / sqrt(2000) ~ 1%; 5 % is
        # > 4 s.e. (false failure < 1e-4).
        edges = quantile_edges(10, law=NORMAL)
        scores = [quantile_mse(rng.normal(size=200), edges) for _ in range(2000)]
        assert np.mean(scores) == pytest.approx(expected_quantile_mse(200, 10), rel=0.05)

    def test_inversion(self):
        assert equivalent_events(expected_quantile_mse(123.0, 20), 20) == pytest.approx(123.0, rel=1e-12)
        assert equivalent_events(0.0, 10) == math.inf


class TestFactor:
    def test_true_sample_is_worth_its_size(self, rng):
        # For n true events, qMSE · Nq n / (1 - 1/Nq) is close to chi2(Nq - 1) / (Nq - 1), so
        # G_eff = 1 / that and its median is 9 / median(chi2_9) = 1.079 at Nq = 10. G_eff has sd
        # ~0.55, so the median of 400 draws has sd ~1.25 * 0.55 / 20 ~ 0.035; 0.15 is > 4 sd.
        gains = [amplification_factor(rng.normal(size=500), 500, n_q=10, law=NORMAL).gain for _ in range(400)]
        assert np.median(gains) == pytest.approx(9 / stats.chi2(9).median(), abs=0.15)

    def test_copies_of_a_small_sample_are_not_worth_more_on_fine_bins(self, rng):
        # G copies of N events have exactly the training fractions: G_eff is the training
        # sample's own factor, whatever G (the score only sees fractions).
        x = rng.normal(size=100)
        a = amplification_factor(x, 100, n_q=20, law=NORMAL)
        b = amplification_factor(np.tile(x, 50), 100, n_q=20, law=NORMAL)
        assert a.gain == pytest.approx(b.gain, rel=1e-12)
        assert b.n_generated == 5000
