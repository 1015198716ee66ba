"""Tests of ampcore.studies.neighbours: the distinguisher study and three notions on one sample."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore.ampfactor import quantile_edges
from ampcore.sampleamp import gaussian_mean_success, valid_extra
from ampcore.studies import (
    Distinguishability,
    Notions,
    distinguishability,
    expected_amp_factor,
    extra_for,
    notions_study,
)


@pytest.fixture(scope="module")
def small() -> Distinguishability:
    return distinguishability(40, [1, 9], [0.5, 4.0], rounds=40, replicates=2)


class TestDistinguishability:
    def test_rows_and_exact_column(self, small):
        assert len(small) == 2 * 2 * 2
        assert small.frame["m"].tolist()[:2] == [60, 60]  # d = 1, s = 0.5: m − n = 20, replicates innermost
        for row in small.frame.itertuples():
            assert row.success_exact == pytest.approx(gaussian_mean_success(40, row.m, row.d), abs=1e-15)
            assert row.success == pytest.approx(0.5 * (row.called_real + row.called_amplified))

    def test_same_seed_same_rows_and_another_seed_differs(self, small):
        again = distinguishability(40, [1, 9], [0.5, 4.0], rounds=40, replicates=2)
        pd.testing.assert_frame_equal(small.frame, again.frame)
        other = distinguishability(40, [1, 9], [0.5, 4.0], rounds=40, replicates=2, seed=1)
        assert not small.frame["success"].equals(other.frame["success"])

    def test_summary_table_thresholds_headline(self, small):
        s = small.summary()
        # the binomial bound on the se: p(1−p)/(2 · 80 sets)
        p = s["success_exact"]
        np.testing.assert_allclose(s["success_se"], np.sqrt(p * (1 - p) / 160))
        t = small.table()
        assert list(t.columns) == ["d", "m − n", "(m − n)√d/n", "success (simulated)", "± se", "success (exact)"]
        th = small.thresholds()
        assert th["valid m − n"].tolist() == [valid_extra(40, 1), valid_extra(40, 9)]
        h = small.headline()
        assert h["rounds_per_point"] == 80 and h["points"] == 4
        assert set(h["success"]) == {"1_0p5", "1_4", "9_0p5", "9_4"}
        assert h["valid_scale"]["9"] == pytest.approx(valid_extra(40, 9) * 3 / 40)

    def test_extra_for(self):
        assert extra_for(100, 1, 0.5) == 50
        assert extra_for(100, 100, 0.001) == 1
        with pytest.raises(ValueError, match="`scale` must be finite and > 0"):
            extra_for(100, 1, 0.0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"n": 1, "dims": [1], "scales": [1.0]}, "`n` must be an integer >= 2"),
            ({"n": 20, "dims": [], "scales": [1.0]}, "`dims` must be a non-empty list"),
            ({"n": 20, "dims": [0], "scales": [1.0]}, "`dims` must be an integer >= 1"),
            ({"n": 20, "dims": [1], "scales": [-1.0]}, "`scales` must be finite and > 0"),
            ({"n": 20, "dims": [1], "scales": [1.0], "rounds": 5}, "`rounds` must be an integer >= 10"),
        ],
    )
    def test_validation(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            distinguishability(**kwargs)


@pytest.fixture(scope="module")
def notions() -> Notions:
    return notions_study(100, [1, 3, 30], rounds=30, replicates=3)


class TestNotions:
    def test_rows_and_columns(self, notions):
        assert len(notions) == 9
        assert notions.frame["n_generated"].tolist()[::3] == [100, 300, 3000]
        assert {"width", "m_generated", "qmse", "amp_factor", "success", "success_exact"} <= set(notions.frame.columns)

    def test_measured_m_grows_with_the_gain(self, notions):
        # at fixed Δ the histogram entropy settles while ln N_G grows: M_G ≈ 2 ln(G N)/ln N
        s = notions.summary()
        assert list(s["m_generated_mean"]) == sorted(s["m_generated_mean"])
        assert s["m_generated_mean"].loc[30] == pytest.approx(2 * math.log(3000) / math.log(100), abs=0.4)

    def test_pooled_factor_inverts_the_mean_qmse(self, notions):
        s = notions.summary()
        mean_qmse = notions.frame.groupby("gain")["qmse"].mean()
        np.testing.assert_allclose(s["amp_factor"], 0.9 / (10 * mean_qmse) / 100)

    def test_headline_and_tables(self, notions):
        h = notions.headline()
        assert h["valid_gain"] == pytest.approx(1 + valid_extra(100, 1) / 100)
        assert h["sqrt_n"] == pytest.approx(10.0)
        assert h["gain_largest"] == 30
        table = notions.notions_table()
        assert table.shape == (3, 4)
        assert "G = 4.20" in table.iloc[0]["this run"]
        # every cell fits pandas' default display width (50 characters), so the book shows it whole
        assert table.map(len).to_numpy().max() <= 50 and max(map(len, table.index)) <= 50
        assert list(notions.table()["G"]) == [1, 3, 30]

    def test_crossing_gain(self, notions):
        g = notions.crossing_gain(3.0)
        assert 3 < g < 30
        assert math.isnan(notions.crossing_gain(100.0))

    def test_validation(self):
        with pytest.raises(ValueError, match="`n` must be an integer >= 10"):
            notions_study(5, [1])
        with pytest.raises(ValueError, match="`gains` must be an integer >= 1"):
            notions_study(20, [0])


class TestExpectedFactor:
    def test_limits(self):
        # G → ∞: 0.9/(N_q c) with c = mean over bins of (φ(e_{j−1}) − φ(e_j))²
        edges = quantile_edges(10, law=stats.norm())
        phi = np.concatenate([[0.0], stats.norm.pdf(edges), [0.0]])
        c = np.mean(np.diff(phi) ** 2)
        assert expected_amp_factor([1e12], 10)[0] == pytest.approx(0.9 / (10 * c), rel=1e-9)
        # G = 1: the mean of the inputs replaces the mean of as many fresh points: a factor of 1
        assert expected_amp_factor([1.0], 10)[0] == pytest.approx(1.0, abs=1e-12)
        values = expected_amp_factor([1, 2, 5, 50], 10)
        assert list(values) == sorted(values)

    def test_matches_a_direct_simulation(self):
        # pooled factor of 400 amplified samples at N = 200, G = 20 against the first-order value;
        # qMSE is dominated by the mean's term c (x̄ − μ)², a scaled χ²_1 (relative sd √2), so the
        # mean of 400 has a relative se of about √2/20 = 0.07; 3.5 se ≈ 0.25 relative, plus the
        # first-order error (relative 1/N) — tolerance 25%
        from ampcore.ampfactor import expected_quantile_mse, quantile_mse
        from ampcore.sampleamp import amplify_gaussian_mean

        gen = np.random.default_rng(4)
        edges = quantile_edges(10, law=stats.norm())
        scores = [quantile_mse(amplify_gaussian_mean(gen.normal(size=200), 4000, rng=gen), edges) for _ in range(400)]
        factor = float(expected_quantile_mse(200, 10)) / np.mean(scores)
        assert factor == pytest.approx(float(expected_amp_factor([20.0], 10)[0]), rel=0.25)

    def test_validation(self):
        with pytest.raises(ValueError, match="`gains` must be finite and > 0"):
            expected_amp_factor([0.0], 10)
