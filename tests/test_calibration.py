"""Tests of ampcore.studies.calibration: checks of the measuring instruments.

(The differential Rényi entropy they use is tested in test_information.py, the figures in
test_plotting.py.)
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from scipy import stats

from ampcore.studies import (
    FNN_FIXTURES,
    NORMAL_PAIRS,
    Discretisation,
    EstimatorBias,
    FixtureAgreement,
    GeneratedM,
    GoldilocksRecovery,
    TieJitter,
    discretisation_check,
    estimator_bias,
    fnn_fixture_table,
    generated_m_curve,
    goldilocks_recovery,
    tie_jitter_scan,
)


class TestDiscretisationCheck:
    def test_tracks_prediction_at_moderate_width(self):
        # n = 1e6, widths 0.05-0.2: the plug-in bias (B-1)/(2n) < 5e-5 and the O(D^2) term is
        # < 2e-3 (probe over 60 replicates: mean gaps -0.0000 to 0.0016, sd 0.0007), so 0.006 is
        # > 6 sd away for each of the 12 values (false-failure chance < 1e-8).
        t = discretisation_check(stats.norm(), [0.05, 0.1, 0.2], n=1_000_000, alphas=(1.0, 2.0), replicates=2, seed=3)
        assert isinstance(t, Discretisation) and len(t) == 12
        assert {"alpha", "width", "measured", "predicted", "gap"} <= set(t.frame.columns)
        assert (t.frame["measured"] - t.frame["predicted"]).abs().max() < 0.006
        assert t.max_gap(2.0) == pytest.approx(t.select(alpha=2.0)["gap"].abs().max())
        assert t.gap(1.0).shape == (3, 2)  # widths x replicates
        head = t.headline()
        assert head["widest"] == 0.2 and head["max_gap_alpha_1"] == t.max_gap(1.0)
        assert head["finest"] == 0.05 and head["gap_at_finest"] == pytest.approx(float(t.gap(1.0).iloc[0].mean()))

    def test_fails_for_coarse_bins(self):
        # at D = 2 the approximation is off by 0.146 nats (probe, sd 0.006 over replicates):
        # > 0.08 is 10 sd below the mean
        t = discretisation_check(stats.norm(), [2.0], n=100_000, replicates=1, seed=0)
        assert t.frame["gap"].iloc[0] > 0.08

    def test_validation(self):
        with pytest.raises(ValueError, match=r"`widths\[0\]` must be finite and > 0"):
            discretisation_check(stats.norm(), [0.0], n=100)
        with pytest.raises(ValueError, match="`n` must be an integer >= 2"):
            discretisation_check(stats.norm(), [0.1], n=1)
        with pytest.raises(ValueError, match=r"`alphas\[0\]` must be finite and > 0"):
            discretisation_check(stats.norm(), [0.1], n=100, alphas=[-1.0])


class TestGoldilocksRecovery:
    def test_measured_m_tracks_chosen_m(self):
        # N = 20000: probe over 200 replicates, measured M - M has sd 0.004 (M = 2) and 0.009
        # (M = 3), bias < 0.01 for both laws; 0.06 is > 5 sd for each of the 12 values.
        laws = {"normal": stats.norm(), "lognormal": stats.lognorm(1.0)}
        t = goldilocks_recovery(laws, [20_000], [2.0, 3.0], replicates=3, seed=4)
        assert isinstance(t, GoldilocksRecovery) and len(t) == 12
        assert (t.frame["m_measured"] - t.frame["m"]).abs().max() < 0.06
        head = t.headline()
        assert set(head["recovery_by_m"]) == {"2", "3"}
        assert max(head["recovery_worst_error"].values()) < 0.06
        # the band's worst error by N is the largest |mean measured - chosen| over laws and M
        assert head["recovery_band_worst_by_n"]["20000"] == pytest.approx(max(head["recovery_worst_error"].values()))
        signed = head["recovery_signed_by_m_n"]["2"]["20000"]
        assert signed == pytest.approx(float(t.frame[t.frame["m"] == 2.0]["m_measured"].mean() - 2.0))

    def test_validation(self):
        with pytest.raises(TypeError, match="`laws` must be a non-empty mapping"):
            goldilocks_recovery([stats.norm()], [100], [2.0])
        with pytest.raises(ValueError, match=r"`n_values\[0\]` must be an integer >= 2"):
            goldilocks_recovery({"n": stats.norm()}, [1], [2.0])


class TestGeneratedM:
    def test_gencopy_is_exact(self):
        # GenCopy keeps the histogram shape: M_G = M_train ln N_G / ln N is exact up to rounding
        t = generated_m_curve(stats.norm(), 400, [1, 20, 100], replicates=2, seed=2)
        assert isinstance(t, GeneratedM) and len(t) == 2 * 3 * 2
        g = t.select(source="gencopy")
        np.testing.assert_allclose(g["m_measured"], g["m_predicted"], rtol=1e-12)
        # crossing: at N_G = 20 N = 8000 = N^{3/2}, M_G is 3 * M_train / 2
        row = g[g["gain"] == 20].iloc[0]
        first = g[(g["gain"] == 1) & (g["replicate"] == row["replicate"])].iloc[0]
        assert row["m_measured"] / (1.5 * first["m_measured"]) == pytest.approx(1.0, rel=1e-12)

    def test_fresh_draws_are_close(self):
        # Fresh draws carry the law's entropy at D, slightly above the training plug-in value.
        # Probe at N = 2000 (200 replicates): gap mean 0.000 / -0.013 / -0.017 at G = 1 / 10 /
        # 45, sd 0.012; |gap| < 0.08 is > 5 sd for each of the 6 values (chance < 1e-6).
        t = generated_m_curve(stats.norm(), 2000, [1, 10, 45], replicates=2, seed=2)
        i = t.select(source="iid")
        assert (i["m_measured"] - i["m_predicted"]).abs().max() < 0.08

    def test_crossing_of_the_bound(self):
        # measured M of GenCopy is linear in ln N_G through M_train at N, so it reaches 3 where
        # ln N_G = 3 ln N / M_train, exactly (log-linear interpolation is exact on a line)
        t = generated_m_curve(stats.norm(), 400, [1, 10, 100], m=2.0, replicates=1, seed=1)
        m_train = float(t.frame["m_train"].iloc[0])
        assert t.crossing("gencopy") == pytest.approx(400 ** (3 / m_train), rel=1e-9)
        assert math.isnan(t.crossing("gencopy", level=50.0))
        head = t.headline()
        assert head["crossing_ratio_gencopy"] == pytest.approx(t.crossing("gencopy") / 400**1.5)
        assert head["crossing_exponent_gencopy"] == pytest.approx(3 / m_train, rel=1e-9)

    def test_validation(self):
        with pytest.raises(ValueError, match=r"`gains\[0\]` must be an integer >= 1"):
            generated_m_curve(stats.norm(), 100, [0])


class TestEstimatorBias:
    def test_close_to_truth_for_large_n(self):
        # n = 50000, k = 5: sd ~ 0.8/sqrt(n) = 0.004 for equal laws and ~0.01 for the others
        # (kld.md section 4); a 0.04 band is > 4 sd for every pair.
        t = estimator_bias([50_000], k=5, replicates=2, seed=8)
        assert isinstance(t, EstimatorBias)
        assert set(t.frame["law"]) == set(NORMAL_PAIRS)
        assert t.frame["error"].abs().max() < 0.04
        np.testing.assert_allclose(t.frame["error"], t.frame["estimate"] - t.frame["truth"])

    def test_noise_shrinks_like_inverse_sqrt_n(self):
        # sd over replicates at n = 500 vs 8000 should shrink by 4 (1/sqrt n). With 40 replicates
        # each sd estimate has relative sd 1/sqrt(2*39) = 0.11, so ln(ratio) has sd 0.16 around
        # ln 4; the band ratio in (2, 8) (the fitted log-log slope, -1/2 expected, in (-0.75,
        # -0.25)) is +-0.69 = 4.3 sd: false-failure chance < 2e-5.
        t = estimator_bias([500, 8000], pairs={"eq": (0, 1, 0, 1)}, k=5, replicates=40, seed=9)
        sd = t.frame.groupby("n")["estimate"].std()
        assert 2.0 < sd[500] / sd[8000] < 8.0
        slope = t.noise_law().set_index("pair").loc["eq", "slope"]
        assert -0.75 < slope < -0.25
        summary = t.summary().set_index("n")
        assert summary.loc[500, "sd"] == pytest.approx(sd[500]) and (summary["replicates"] == 40).all()
        head = t.headline()
        assert head["sd"]["eq @ 500"] == pytest.approx(sd[500])
        assert head["sem"]["eq @ 500"] == pytest.approx(sd[500] / math.sqrt(40))
        assert head["z_abs_max"] == pytest.approx(float(summary["z"].abs().max()))

    def test_validation(self):
        with pytest.raises(ValueError, match="`n_values` must all be > k = 5"):
            estimator_bias([5], k=5)
        with pytest.raises(ValueError, match="`pairs` must name at least one"):
            estimator_bias([100], pairs={})


class TestFixtureTable:
    def test_agrees_with_r(self):
        t = fnn_fixture_table()
        assert isinstance(t, FixtureAgreement)
        cases = json.loads((FNN_FIXTURES / "cases.json").read_text(encoding="utf-8"))
        assert len(t) == len(cases) == 15
        assert t.frame["same_nonfinite"].all()
        # FNN's long-double column means are reproduced; README suggests 1e-12 absolute.
        assert t.frame["max_diff_divergence"].max() <= 1e-12
        assert t.frame["max_diff_distance"].max() <= 1e-12
        assert t.headline()["within_1e12"] is True and t.headline()["cases"] == 15

    def test_another_folder(self, tmp_path):
        folder = tmp_path / "fnn"
        shutil.copytree(FNN_FIXTURES, folder)
        assert len(fnn_fixture_table(folder)) == 15

    def test_missing_folder(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="must contain cases.json"):
            fnn_fixture_table(tmp_path)


class TestTieJitter:
    def test_copies_are_infinite_and_jitter_is_measured(self):
        rng = np.random.default_rng(12)
        x, ref = rng.normal(size=1000), np.sort(rng.normal(size=20_000))
        t = tie_jitter_scan(x, ref, [0.0, 1e-9, 1e-6, 1e-3], gain=10, k=5, seed=1)
        assert isinstance(t, TieJitter)
        est = t.frame["estimate"].to_numpy()
        assert math.isinf(est[0]) and t.frame["zero_within"][0] == 9000
        # D ~ ln(spacing / s): three decades of s -> ~6.9 nats per step; allow 5.5-8.5
        steps = -np.diff(est[1:])
        assert np.all((steps > 5.5) & (steps < 8.5))
        assert t.headline()["jitter_0"] == math.inf
        assert t.headline()["ties_0"] == 9000 and t.headline()["ties_0.001"] == 0

    def test_validation(self):
        with pytest.raises(ValueError, match="`scales` must be a non-empty list"):
            tie_jitter_scan([0.0, 1.0], [0.0, 1.0], [-1.0], gain=2)
        with pytest.raises(ValueError, match="`scales` must be a non-empty list"):
            tie_jitter_scan([0.0, 1.0], [0.0, 1.0], [], gain=2)
