"""Tests of ampcore.resolution: the two-peak law, the valley statistic and the spread studies."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import integrate

from ampcore import plotting
from ampcore.resolution import (
    TwoPeaks,
    estimate_study,
    resolution_study,
    spread_summary,
    true_valley_depth,
    valley_depth,
)

LAW = TwoPeaks(0.05, 0.0125)


class TestTwoPeaks:
    def test_density_integrates_to_one_and_matches_cdf(self):
        total, _ = integrate.quad(LAW.pdf, -12, 12, points=[-0.025, 0.0, 0.025], limit=200)
        assert total == pytest.approx(1.0, abs=1e-8)
        part, _ = integrate.quad(LAW.pdf, -12, 0.01, points=[-0.025, 0.0], limit=200)
        assert part == pytest.approx(float(LAW.cdf(0.01)), abs=1e-8)
        assert np.exp(LAW.logpdf(0.3)) == pytest.approx(LAW.pdf(0.3))

    def test_entropy_of_far_apart_peaks(self):
        # two far apart N(., 1) peaks and no background: h = ln 2 + (1/2) ln(2 pi e)
        law = TwoPeaks(100.0, 1.0, background=0.0)
        assert law.entropy() == pytest.approx(
            math.log(2) + 0.5 * math.log(2 * math.pi * math.e), abs=1e-6
        )

    def test_moments_and_sampling(self):
        # mean of 200,000 draws: sd sqrt(0.5/2e5) = 0.0016, so 0.008 is 5 sd (chance < 1e-6)
        x = LAW.rvs(size=200_000, random_state=np.random.default_rng(0))
        assert x.mean() == pytest.approx(LAW.mean(), abs=0.008)
        # variance: relative sd of s^2 is about sqrt(kurtosis-ish 3/2e5) ~ 0.004; 0.03 is > 5 sd
        assert x.var() == pytest.approx(LAW.var(), rel=0.03)
        assert LAW.support() == (-math.inf, math.inf)
        assert LAW.std() == pytest.approx(math.sqrt(LAW.var()))

    def test_same_seed_same_draws(self):
        a = LAW.rvs(size=10, random_state=3)
        assert np.array_equal(a, LAW.rvs(size=10, random_state=3))
        with pytest.raises(TypeError, match="`random_state` must be an int seed"):
            LAW.rvs(size=3, random_state="x")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"separation": 0.0, "peak_width": 1.0}, "`separation` must be finite and > 0"),
            ({"separation": 1.0, "peak_width": -1.0}, "`peak_width` must be finite and > 0"),
            (
                {"separation": 1.0, "peak_width": 1.0, "background": 1.0},
                r"`background` must be in \[0, 1\)",
            ),
        ],
    )
    def test_validation(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            TwoPeaks(**kwargs)


class TestValley:
    def test_counts_and_depth(self):
        v = valley_depth([-1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 5.0], separation=2.0, window=0.5)
        assert (v.left, v.mid, v.right) == (2, 1, 3)
        assert v.depth == pytest.approx(1 - 1 / 2.5)
        assert v.z_naive == pytest.approx((2.5 - 1) / math.sqrt(5 / 4 + 1))

    def test_empty_peaks_give_nan(self):
        v = valley_depth([0.0, 0.0], separation=2.0, window=0.5)
        assert math.isnan(v.depth)

    def test_window_must_not_exceed_separation(self):
        with pytest.raises(ValueError, match="`window` must be <= `separation`"):
            valley_depth([0.0, 1.0], separation=0.1, window=0.2)

    def test_true_depth_matches_a_large_sample(self):
        # 2e6 draws: the windows hold ~1e5 events each, depth sd ~ 0.004; 0.02 is 5 sd
        x = LAW.rvs(size=2_000_000, random_state=np.random.default_rng(1))
        truth = true_valley_depth(LAW, separation=0.05, window=0.0125)
        assert valley_depth(x, separation=0.05, window=0.0125).depth == pytest.approx(
            truth, abs=0.02
        )
        assert 0.6 < truth < 0.7


class TestStudies:
    def test_gencopy_does_not_resolve_what_mc_resolves(self):
        # N = 2000, Delta ~ 0.055 > separation 0.05. Probe: GenCopy depth -0.13 +- 0.1 per seed,
        # MC 0.66 +- 0.01 at G = 10. Means over 5 seeds: GenCopy sd ~0.05, so < 0.25 is > 7 sd.
        df = resolution_study(LAW, 2000, [10], separation=0.05, window=0.0125, replicates=5)
        depth = df.groupby("source")["depth"].mean()
        assert depth["gencopy"] < 0.25
        assert depth["mc"] == pytest.approx(
            true_valley_depth(LAW, separation=0.05, window=0.0125), abs=0.05
        )
        assert (df["width"] > 0.05).all()

    def test_spread_of_amplified_estimates_stays_at_the_training_level(self):
        # 200 training seeds: the sd over seeds of an sd estimate has relative error
        # 1/sqrt(2*199) = 5%; bands of +-30% are 6 sd wide (false failure < 1e-8).
        df = estimate_study(LAW, 500, [1, 30], cut=0.5, replicates=200)
        s = spread_summary(df, n=500, sd=LAW.std()).set_index(["source", "gain"])
        # MC of N_G events: the naive error is right
        assert s.loc[("mc", 30), "fraction_sd"] == pytest.approx(
            s.loc[("mc", 30), "fraction_naive"], rel=0.3
        )
        # GenCopy: the real error stays at the N-event level, sqrt(30) = 5.5 times the naive one
        jit = s.loc[("gencopy-jitter", 30)]
        assert jit["fraction_sd"] == pytest.approx(jit["fraction_train"], rel=0.3)
        assert jit["fraction_ratio"] > 3.5
        assert s.loc[("gencopy-multinomial", 30), "mean_sd"] == pytest.approx(
            s.loc[("gencopy-multinomial", 30), "mean_train"], rel=0.3
        )
        # multinomial GenCopy at G = 1 adds its own sampling noise: sd ~ sqrt(2) x training level
        ratio = (
            s.loc[("gencopy-multinomial", 1), "fraction_sd"]
            / s.loc[("gencopy-multinomial", 30), "fraction_sd"]
        )
        assert ratio == pytest.approx(math.sqrt(1 + 1) / math.sqrt(1 + 1 / 30), rel=0.3)

    def test_study_validation(self):
        with pytest.raises(ValueError, match="`gains` must be a non-empty list"):
            resolution_study(LAW, 100, [], separation=0.05, window=0.01)
        with pytest.raises(ValueError, match="`variant` must be one of"):
            resolution_study(LAW, 100, [1], separation=0.05, window=0.01, variant="x")
        with pytest.raises(ValueError, match="`replicates` must be an integer >= 2"):
            estimate_study(LAW, 100, [1], cut=0.0, replicates=1)
        with pytest.raises(ValueError, match="`cut` must be finite"):
            estimate_study(LAW, 100, [1], cut=math.inf)
        with pytest.raises(TypeError, match="`frame` must be a pandas DataFrame"):
            spread_summary([1, 2], n=10, sd=1.0)
        with pytest.raises(ValueError, match="`sd` must be finite and > 0"):
            spread_summary(estimate_study(LAW, 50, [1], cut=0.0, replicates=2), n=10, sd=0.0)


def test_fine_histograms_draws_each_sample():
    ax = plotting.fine_histograms({"a": [0.1, 0.2], "b": [0.3]}, edges=np.linspace(0, 1, 11))
    assert len(ax.patches) == 2
    with pytest.raises(ValueError, match="`edges` must be an increasing"):
        plotting.fine_histograms({"a": [0.1]}, edges=[1.0, 0.0])
    plt.close("all")
