"""Tests of ampcore.calibration (instrument checks) and of the chapter 1-3 plotting helpers."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import stats

from ampcore import plotting
from ampcore.calibration import (
    NORMAL_PAIRS,
    differential_renyi_entropy,
    discretisation_check,
    estimator_bias,
    fnn_fixture_table,
    generated_m_curve,
    goldilocks_recovery,
    tie_jitter_scan,
)

FNN_DIR = Path(__file__).parent / "data" / "fnn"


class TestDifferentialRenyi:
    @pytest.mark.parametrize("alpha", [0.5, 2.0, 3.0])
    def test_normal_closed_form(self, alpha):
        sd = 1.7
        want = math.log(sd * math.sqrt(2 * math.pi)) + math.log(alpha) / (2 * (alpha - 1))
        assert differential_renyi_entropy(stats.norm(0, sd), alpha) == pytest.approx(want, abs=1e-8)

    def test_shannon_limit(self):
        assert differential_renyi_entropy(stats.norm(), 1.0) == pytest.approx(float(stats.norm().entropy()))
        near = differential_renyi_entropy(stats.norm(), 1.0 + 1e-4)
        assert near == pytest.approx(float(stats.norm().entropy()), abs=1e-4)

    def test_rejects_bad_alpha(self):
        with pytest.raises(ValueError, match="`alpha` must be finite and > 0; got 0.0"):
            differential_renyi_entropy(stats.norm(), 0.0)


class TestDiscretisationCheck:
    def test_tracks_prediction_at_moderate_width(self):
        # n = 2e5, widths 0.05-0.2: the plug-in bias (B-1)/(2n) < 2e-4 and the O(D^2) term
        # is < 3e-3 (probe: mean diffs 0.0005-0.002, sd 0.0013), so 0.006 is > 3 sd away.
        t = discretisation_check(stats.norm(), [0.05, 0.1, 0.2], n=200_000, alphas=(1.0, 2.0), seeds=2, rng=3)
        assert t.shape == (12, 5)
        assert (t["measured"] - t["predicted"]).abs().max() < 0.006

    def test_fails_for_coarse_bins(self):
        # at D = 2 the approximation is off by ~0.14 nats (probe), far beyond noise (sd 0.003)
        t = discretisation_check(stats.norm(), [2.0], n=100_000, seeds=1, rng=0)
        assert (t["measured"] - t["predicted"]).iloc[0] > 0.08

    def test_validation(self):
        with pytest.raises(ValueError, match=r"`widths\[0\]` must be finite and > 0"):
            discretisation_check(stats.norm(), [0.0], n=100)
        with pytest.raises(ValueError, match="`n` must be an integer >= 2"):
            discretisation_check(stats.norm(), [0.1], n=1)


class TestGoldilocksRecovery:
    def test_measured_m_tracks_chosen_m(self):
        # N = 20000, 3 seeds: probe sd of measured M is < 0.02 at M <= 3, bias < 0.01;
        # 0.06 is > 3 sd of a single value.
        laws = {"normal": stats.norm(), "lognormal": stats.lognorm(1.0)}
        t = goldilocks_recovery(laws, [20_000], [2.0, 3.0], seeds=3, rng=4)
        assert t.shape == (12, 6)
        assert (t["m_measured"] - t["m"]).abs().max() < 0.06

    def test_validation(self):
        with pytest.raises(TypeError, match="`laws` must be a non-empty mapping"):
            goldilocks_recovery([stats.norm()], [100], [2.0])
        with pytest.raises(ValueError, match=r"`n_values\[0\]` must be an integer >= 2"):
            goldilocks_recovery({"n": stats.norm()}, [1], [2.0])


class TestGeneratedM:
    def test_gencopy_exact_and_iid_close(self):
        # GenCopy keeps the histogram shape: the identity is exact up to rounding.
        # Fresh draws: probe mean gap 0.02 at N=2000; with N=400 and one seed the sd of the gap
        # is ~0.03, so 0.15 is a > 4 sd band.
        t = generated_m_curve(stats.norm(), 400, [1, 20, 100], seeds=2, rng=2)
        g = t[t["source"] == "gencopy"]
        np.testing.assert_allclose(g["m_measured"], g["m_predicted"], rtol=1e-12)
        i = t[t["source"] == "iid"]
        assert (i["m_measured"] - i["m_predicted"]).abs().max() < 0.15
        # crossing: at N_G = 20 N = 8000 = N^{3/2}, M_G is 3 * M_train / 2
        row = g[g["gain"] == 20].iloc[0]
        assert row["m_measured"] / (1.5 * t[(t["gain"] == 1) & (t["source"] == "gencopy")].iloc[0]["m_measured"]) == pytest.approx(1.0, rel=1e-12)

    def test_validation(self):
        with pytest.raises(ValueError, match=r"`gains\[0\]` must be an integer >= 1"):
            generated_m_curve(stats.norm(), 100, [0])


class TestEstimatorBias:
    def test_close_to_truth_for_large_n(self):
        # n = 50000, k = 5: sd ~ 0.8/sqrt(n) = 0.004 for equal laws and ~0.01 for the others
        # (kld.md section 4); a 0.04 band is > 4 sd for every pair.
        t = estimator_bias([50_000], k=5, seeds=2, rng=8)
        assert set(t["pair"]) == set(NORMAL_PAIRS)
        assert t["error"].abs().max() < 0.04

    def test_noise_shrinks_like_inverse_sqrt_n(self):
        # sd over 10 seeds at n = 1000 vs 16000 should shrink by ~4 (1/sqrt n); with 10 seeds
        # the sd estimate has ~23% relative error, so a ratio between 2 and 8 is a safe band.
        t = estimator_bias([1000, 16_000], pairs={"eq": (0, 1, 0, 1)}, k=5, seeds=10, rng=9)
        sd = t.groupby("n")["estimate"].std()
        assert 2.0 < sd[1000] / sd[16_000] < 8.0

    def test_validation(self):
        with pytest.raises(ValueError, match="`n_values` must all be > k = 5"):
            estimator_bias([5], k=5)
        with pytest.raises(ValueError, match="`pairs` must name at least one"):
            estimator_bias([100], pairs={})


class TestFixtureTable:
    def test_agrees_with_r(self):
        t = fnn_fixture_table(FNN_DIR)
        assert len(t) == 15
        assert t["same_nonfinite"].all()
        # FNN's long-double column means are reproduced; README suggests 1e-12 absolute.
        assert t["max_diff_divergence"].max() <= 1e-12
        assert t["max_diff_distance"].max() <= 1e-12

    def test_missing_folder(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="must contain cases.json"):
            fnn_fixture_table(tmp_path)


class TestTieJitter:
    def test_copies_are_infinite_and_jitter_is_measured(self):
        rng = np.random.default_rng(12)
        x, ref = rng.normal(size=1000), np.sort(rng.normal(size=20_000))
        t = tie_jitter_scan(x, ref, [0.0, 1e-9, 1e-6, 1e-3], gain=10, k=5, rng=1)
        assert math.isinf(t["estimate"][0]) and t["zero_within"][0] == 9000
        est = t["estimate"].to_numpy()[1:]
        # D ~ ln(spacing / s): three decades of s -> ~6.9 nats per step; allow 5.5-8.5
        steps = -np.diff(est)
        assert np.all((steps > 5.5) & (steps < 8.5))

    def test_validation(self):
        with pytest.raises(ValueError, match="`scales` must be a non-empty list"):
            tie_jitter_scan([0.0, 1.0], [0.0, 1.0], [-1.0], gain=2)


class TestPlotHelpers:
    def test_gencopy_picture(self):
        x = np.array([0.05, 0.3, 0.35])
        copies = np.concatenate([x + 0.01, x - 0.01])
        ax = plotting.gencopy_picture(x, copies, 0.2, 0.0, gain=2)
        rug, points = ax.lines[-2], ax.lines[-1]
        np.testing.assert_allclose(rug.get_ydata(), 0.0)
        assert points.get_ydata().tolist() == [1, 1, 1, 2, 2, 2]
        with pytest.raises(ValueError, match="must hold gain"):
            plotting.gencopy_picture(x, copies, 0.2, 0.0, gain=3)
        plt.close("all")

    def test_slope_guide(self):
        ax = plotting.slope_guide(None, [1, 100], anchor=(1.0, 1.0), slope=-0.5)
        np.testing.assert_allclose(ax.lines[-1].get_ydata(), [1.0, 0.1])
        assert ax.get_xscale() == "log"
        with pytest.raises(ValueError, match="must be positive"):
            plotting.slope_guide(None, [0, 1], anchor=(1.0, 1.0))
        plt.close("all")
