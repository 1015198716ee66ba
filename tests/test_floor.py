"""Tests of ampcore.floor: Fisher information, the two-term floor approximation and the scan."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore.divergence import histogram_kl
from ampcore.floor import FloorTerms, fisher_information, floor_scan, floor_terms


class TestFisherInformation:
    def test_normal_is_one_over_variance(self):
        # exact value 1/sigma^2; the central-difference score has relative error ~1e-10
        for sd in (0.5, 1.0, 3.0):
            assert fisher_information(stats.norm(2.0, sd)) == pytest.approx(1 / sd**2, rel=1e-6)

    def test_lognormal_closed_form(self):
        # J = E[(1 + Z)^2 e^{-2Z}] = 2 e^2 for LogNormal(0, 1)
        assert fisher_information(stats.lognorm(1.0)) == pytest.approx(2 * math.e**2, rel=1e-5)

    def test_rejects_non_law(self):
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            fisher_information(object())


class TestFloorTerms:
    def test_hand_values(self):
        x = np.array([0.0, 0.1, 0.25, 0.9])  # bins [0,.2) [.2,.4) [.8,1.0): 3 occupied
        t = floor_terms(x, 0.2, fisher=2.0)
        assert isinstance(t, FloorTerms)
        assert t.occupied_bins == 3 and t.n == 4
        assert t.noise == pytest.approx(2 / 8)
        assert t.bias == pytest.approx(0.04 * 2.0 / 24)
        assert t.total == pytest.approx(t.noise + t.bias)

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"width": 0.0, "fisher": 1.0}, ValueError, "`width` must be finite and > 0; got 0.0"),
            ({"width": 0.1, "fisher": -1.0}, ValueError, "`fisher` must be finite and > 0; got -1.0"),
            ({"width": 0.1, "fisher": 1.0, "origin": math.nan}, ValueError, "`origin` must be finite"),
            ({"width": "a", "fisher": 1.0}, TypeError, "`width` must be a real number"),
        ],
    )
    def test_validation(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            floor_terms([0.0, 1.0, 2.0], **kwargs)

    def test_bias_term_matches_exact_kl_of_binned_density(self):
        # With N huge the noise term vanishes and KL(q_D||p) -> KL(p_D||p) ~ D^2 J/24.
        # N = 2e6, D = 0.3: noise ~ (B-1)/(2N) ~ 7e-6, next-order bias terms O(D^4) ~ 1e-4
        # relative to D^2/24 = 3.75e-3; a 10% band covers both with a wide margin.
        rng = np.random.default_rng(5)
        x = rng.normal(size=2_000_000)
        exact = histogram_kl(x, 0.3, law=stats.norm())
        t = floor_terms(x, 0.3, fisher=1.0)
        assert exact == pytest.approx(t.total, rel=0.1)


class TestFloorScan:
    def test_columns_and_shape(self):
        table = floor_scan(stats.norm(), 500, [2.0, 3.0], seeds=3, rng=1)
        assert table.shape == (6, 9)
        assert list(table.columns) == [
            "seed", "m", "width", "m_eff", "occupied_bins", "noise", "bias", "approx", "exact",
        ]
        np.testing.assert_allclose(table["approx"], table["noise"] + table["bias"])

    def test_same_seed_same_table(self):
        a = floor_scan(stats.norm(), 300, [2.5], seeds=2, rng=7)
        b = floor_scan(stats.norm(), 300, [2.5], seeds=2, rng=7)
        assert a.equals(b)

    def test_floor_is_smallest_inside_goldilocks_band(self):
        # N = 2000, N(0,1), 8 seeds. Mean exact floor (probe): 0.065 at M=1.5, ~0.012 at M=2.5-3,
        # 0.064 at M=6. The seed-to-seed sd of the mean is < 0.002 at every M, so the ordering
        # below holds by > 10 sd; the approximation tracks the exact value within 0.02 nats.
        table = floor_scan(stats.norm(), 2000, [1.5, 2.5, 3.0, 6.0], seeds=8, rng=11)
        mean = table.groupby("m")["exact"].mean()
        assert mean[2.5] < mean[1.5] and mean[3.0] < mean[6.0]
        assert mean.idxmin() in (2.5, 3.0)
        gap = (table["exact"] - table["approx"]).abs()
        assert gap.max() < 0.02

    def test_law_entropy_option(self):
        t = floor_scan(stats.norm(), 1000, [2.0], seeds=1, entropy="law", rng=0)
        assert t["width"][0] == pytest.approx(math.sqrt(2 * math.pi * math.e) * 1000 ** -0.5)

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"m_values": []}, ValueError, "`m_values` must be a non-empty"),
            ({"m_values": [0.0]}, ValueError, "`m_values` must be a non-empty"),
            ({"m_values": [2.0], "seeds": 0}, ValueError, "`seeds` must be an integer >= 1"),
            ({"m_values": [2.0], "entropy": "kde"}, ValueError, "`entropy` must be one of"),
        ],
    )
    def test_validation(self, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            floor_scan(stats.norm(), 100, **kwargs)
