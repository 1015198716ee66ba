"""Tests of ampcore.logspace: GenCopy in log x, the law of ln X, the exact log-space floor."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.amplify import gencopy
from ampcore.divergence import histogram_kl
from ampcore.experiment import Reference, run_grid
from ampcore.information import bin_width
from ampcore.logspace import (
    LogLaw, floor_by_region, gencopy_log, log_floor, run_log_grid, run_log_trial, training_sample,
)

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


class TestGencopyLog:
    def test_is_gencopy_of_logs(self, rng):
        x = LOGNORMAL.rvs(size=500, random_state=rng)
        out = gencopy_log(x, 4, m=2.5, rng=7)
        ref = gencopy(np.log(x), 4, m=2.5, rng=7)
        np.testing.assert_allclose(np.log(out.sample), ref.sample, rtol=0, atol=1e-13)
        assert out.width == ref.width and out.origin == ref.origin and out.m_eff == ref.m_eff
        assert out.method == "gencopy-log" and out.n_generated == 2000

    def test_copies_stay_in_their_log_bins(self, rng):
        x = LOGNORMAL.rvs(size=300, random_state=rng)
        out = gencopy_log(x, 3, width=0.25, rng=1)
        parent_bin = np.floor((np.log(x) - out.origin) / 0.25)
        child_bin = np.floor((np.log(out.sample) - out.origin) / 0.25)
        np.testing.assert_array_equal(child_bin, np.tile(parent_bin, 3))
        assert out.sample.min() > 0

    def test_non_positive_rejected(self):
        with pytest.raises(ValueError, match=r"`x` must be > 0 to be amplified in log x; got 1 value"):
            gencopy_log([1.0, 0.0, 2.0], 2, width=0.1)

    def test_width_and_m_exclusive(self):
        with pytest.raises(ValueError, match="exactly one of `m`"):
            gencopy_log([1.0, 2.0], 2)


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


class TestTrials:
    def test_training_sample_matches_run_grid(self):
        grid = run_grid({"lognormal": LOGNORMAL}, [300], [2.5], [1], replicates=2, reference_size=5000)
        for rep in range(2):
            x = training_sample(LOGNORMAL, 300, name="lognormal", replicate=rep)
            row = grid[grid["replicate"] == rep].iloc[0]
            assert bin_width(x, 2.5) == row["width"]
            assert histogram_kl(x, row["width"], law=LOGNORMAL) == row["floor_nats"]

    def test_log_trial_uses_the_same_events(self):
        ref = Reference.draw(LOGNORMAL, 20_000, rng=0, name="lognormal")
        table = run_log_grid(ref, [300], [2.5], [2], replicates=2)
        for rep in range(2):
            x = training_sample(LOGNORMAL, 300, name="lognormal", replicate=rep)
            row = table[table["replicate"] == rep].iloc[0]
            assert row["width"] == bin_width(np.log(x), 2.5)
            assert row["floor_nats"] == pytest.approx(log_floor(x, row["width"], law=LOGNORMAL), rel=1e-14)

    def test_large_gain_reaches_the_floor(self):
        # N = 1000, G = 100: N_G = 1e5 against a 4e5 reference; k = 5 noise sd ~ 0.8/sqrt(1e5)
        # ~ 0.0025 (kld.md §4), plus reference noise of the same order; 0.012 is ~4 sd of the
        # difference, a false-failure chance below 1e-4 (and the seed is fixed).
        ref = Reference.draw(LOGNORMAL, 400_000, rng=5, name="lognormal")
        rec = run_log_trial(ref, 1000, 100, m=2.5, seed=11)
        assert abs(rec["kld_nats"] - rec["floor_nats"]) < 0.012
        assert rec["bound"] is True and math.isnan(rec["kld_mc_nats"])

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"n": 1}, ValueError, "`n` must be an integer >= 2; got 1"),
            ({"gain": 0}, ValueError, "`gain` must be an integer >= 1; got 0"),
            ({"m": -1.0}, ValueError, "`m` must be finite and > 0"),
            ({"n": 5, "k": 5}, ValueError, "`k` must be < `n`"),
        ],
    )
    def test_bad_trial_input(self, kwargs, exc, match):
        ref = Reference.draw(LOGNORMAL, 1000, rng=0, name="lognormal")
        options = {"n": 100, "gain": 2, "m": 2.5}
        options.update(kwargs)
        n, gain = options.pop("n"), options.pop("gain")
        with pytest.raises(exc, match=match):
            run_log_trial(ref, n, gain, **options)

    def test_bad_grid_input(self):
        ref = Reference.draw(LOGNORMAL, 1000, rng=0, name="lognormal")
        with pytest.raises(ValueError, match="`m` must be a non-empty list"):
            run_log_grid(ref, [100], [], [1])
        with pytest.raises(TypeError, match="`reference` must be an ampcore Reference"):
            run_log_grid("ref", [100], [2.5], [1])
        with pytest.raises(TypeError, match="`reference` must be an ampcore Reference"):
            run_log_trial(None, 100, 1, m=2.5)

    def test_negative_reference_law_rejected(self):
        ref = Reference.draw(stats.norm(), 1000, rng=0, name="normal")
        with pytest.raises(ValueError, match="must be > 0 to be amplified in log x"):
            run_log_trial(ref, 100, 1, m=2.5, seed=0)


class TestFloorByRegion:
    EDGES = [0.0, math.exp(-1), 3.6, math.inf]
    LABELS = ["rise", "bulk", "tail"]

    def test_regions_add_up_to_the_grid_floors(self):
        # Exact identity: the regions partition the bins of the very training samples of the grid.
        grid = run_grid({"lognormal": LOGNORMAL}, [400], [2.5, 6.0], [1], replicates=2, reference_size=5000)
        table = floor_by_region(LOGNORMAL, 400, [2.5, 6.0], name="lognormal", replicates=2,
                                edges=self.EDGES, labels=self.LABELS)
        sums = table.groupby(["m", "replicate"])["contribution"].sum()
        for row in grid.itertuples():
            assert sums[(row.m, row.replicate)] == pytest.approx(row.floor_nats, rel=1e-12)

    def test_log_space_adds_up_to_log_floor(self):
        ref = Reference.draw(LOGNORMAL, 5000, rng=0, name="lognormal")
        grid = run_log_grid(ref, [400], [2.5], [1], replicates=2)
        table = floor_by_region(LOGNORMAL, 400, [2.5], name="lognormal", replicates=2,
                                edges=self.EDGES, labels=self.LABELS, space="log")
        sums = table.groupby("replicate")["contribution"].sum()
        for row in grid.itertuples():
            assert sums[row.replicate] == pytest.approx(row.floor_nats, rel=1e-12)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="`space` must be one of 'linear', 'log'"):
            floor_by_region(LOGNORMAL, 100, [2.5], name="x", replicates=1, edges=self.EDGES,
                            labels=self.LABELS, space="sqrt")
        with pytest.raises(ValueError, match="`edges` must be >= 0"):
            floor_by_region(LOGNORMAL, 100, [2.5], name="x", replicates=1, edges=[-1.0, 1.0, 2.0, 3.0],
                            labels=self.LABELS)
        with pytest.raises(ValueError, match="`replicates` must be an integer >= 1"):
            floor_by_region(LOGNORMAL, 100, [2.5], name="x", replicates=0, edges=self.EDGES,
                            labels=self.LABELS)
