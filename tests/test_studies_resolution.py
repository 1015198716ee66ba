"""Tests of ampcore.studies.resolution: what amplified data resolves, and the real error of its estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scipy import stats

from ampcore.laws import TwoPeaks
from ampcore.studies import Estimates, Resolution, Trial, estimate_study, expected_fraction_sd, resolution_study
from ampcore.valley import true_valley_depth, valley_depth

LAW = TwoPeaks(0.05, 0.0125)


@pytest.fixture(scope="module")
def estimates() -> Estimates:
    # 400 training samples: the sd of a fraction estimated from them has relative standard error
    # 1/sqrt(2 * 399) = 0.035, a ratio of two such sds at most sqrt(2) * 0.035 = 0.050
    return estimate_study(LAW, 500, [1, 30], cuts=[0.5], replicates=400,
                          generators=["gencopy-jitter", "gencopy-multinomial", "mc"])


@pytest.fixture(scope="module")
def normal_estimates() -> Estimates:
    return estimate_study(stats.norm(), 1000, [1, 50], cuts=[1.0, 2.0], replicates=200,
                          generators=["refit_normal", "kde", "mc"], seed=3)


class TestResolutionStudy:
    def test_gencopy_does_not_resolve_what_mc_resolves(self):
        # N = 2000, Delta ~ 0.055 > separation 0.05. Probe: GenCopy depth -0.13 +- 0.1 per
        # replicate, MC 0.66 +- 0.01 at G = 10. Means over 5 replicates: GenCopy sd ~0.05, so
        # < 0.25 is > 7 sd; the MC mean (sd ~0.005) is within 0.05 of the truth (10 sd).
        r = resolution_study(LAW, 2000, [10], separation=0.05, window=0.0125, replicates=5)
        assert isinstance(r, Resolution)
        depth = r.frame.groupby("source")["depth"].mean()
        assert depth["gencopy"] < 0.25
        assert depth["mc"] == pytest.approx(true_valley_depth(LAW, separation=0.05, window=0.0125), abs=0.05)
        assert (r.frame["width"] > 0.05).all()
        head = r.headline()
        assert head["depth_gencopy"] == pytest.approx(depth["gencopy"]) and head["max_gain"] == 10
        # MC of N_G = 20 000 events resolves the dip: naive z ~ 33, sd 1.6 per replicate (probe);
        # GenCopy's dip is washed out by its bins: z ~ -4, sd 2 per replicate. The mean over 5
        # replicates is > 10 sd away from 10 on either side.
        assert head["z_mc"] > 10 > head["z_gencopy"]

    def test_rows_and_training_sample(self):
        r = resolution_study(LAW, 300, [1, 4], separation=0.05, window=0.0125, replicates=2, seed=4)
        assert len(r) == 2 * 2 * 3 and sorted(r.frame["source"].unique()) == ["gencopy", "mc", "training"]
        assert r.select(source="gencopy", gain=4)["n_events"].eq(1200).all()
        train = r.select(source="training", replicate=1, gain=4).iloc[0]
        x = Trial.make(law="TwoPeaks", n=300, replicate=1, seed=4).training_sample(LAW)
        assert train["depth"] == valley_depth(x, separation=0.05, window=0.0125).depth
        table = r.table()
        assert (table["sample"] == "training").sum() == 1  # the training rows are shown once

    def test_study_validation(self):
        with pytest.raises(ValueError, match="`gains` must be a non-empty list"):
            resolution_study(LAW, 100, [], separation=0.05, window=0.01)
        with pytest.raises(ValueError, match="`variant` must be one of"):
            resolution_study(LAW, 100, [1], separation=0.05, window=0.01, variant="x")
        with pytest.raises(ValueError, match="`window` must be <= `separation`"):
            resolution_study(LAW, 100, [1], separation=0.05, window=0.1)


class TestEstimateStudy:
    def test_spread_of_amplified_estimates_stays_at_the_training_level(self, estimates):
        # relative se of an sd from 400 samples: 0.035; bands of +-3.5 se = 12 % (false failure
        # < 1e-3 per check), each far narrower than the wrong answers (a factor sqrt(30) = 5.5)
        s = estimates.spread().set_index(["source", "gain", "cut"])
        mc = s.loc[("mc", 30, 0.5)]
        assert mc["fraction_sd"] == pytest.approx(mc["fraction_naive"], rel=0.12)
        jit = s.loc[("gencopy-jitter", 30, 0.5)]
        assert jit["fraction_sd"] == pytest.approx(jit["fraction_train"], rel=0.12)
        assert jit["fraction_ratio"] == pytest.approx(math.sqrt(30), rel=0.12)
        mult = s.loc[("gencopy-multinomial", 30, 0.5)]
        assert mult["mean_sd"] == pytest.approx(mult["mean_train"] * math.sqrt(1 + 1 / 30), rel=0.12)

    def test_random_draws_gain_sqrt_two_copies_gain_nothing(self, estimates):
        # the ratio sd(G = 1) / sd(G = 30) has relative se <= 0.050 (the two gains share their
        # training samples, which only lowers it). Within 3.5 of those (17.5 %) of the
        # decomposition: sqrt(2 / (1 + 1/30)) = 1.391 for the multinomial variant, 1 for GenCopy
        # proper. Each band excludes the other's answer (1.391 / 1.175 = 1.18 > 1, 1.175 < 1.391),
        # so a multinomial variant without its own noise, or GenCopy with it, fails.
        gain = estimates.significance_gain()
        assert gain["predicted"] == pytest.approx(math.sqrt(2 / (1 + 1 / 30)), rel=1e-12)
        assert (gain["g_min"], gain["g_max"]) == (1, 30)
        assert gain["measured"] == pytest.approx(gain["predicted"], rel=0.175)
        jitter = estimates.significance_gain("gencopy-jitter")
        assert jitter["predicted"] == 1.0
        assert jitter["measured"] == pytest.approx(1.0, rel=0.175)
        table = estimates.significance_table()
        assert table["sample"].tolist() == ["gencopy-jitter", "gencopy-multinomial"]

    def test_correct_fit_beats_the_training_error_and_kde_is_biased(self, normal_estimates):
        # N(0, 1), N = 1000, G = 50, 200 samples (relative se of an sd 0.05). The refitted
        # Normal's error is the delta method's phi(z) sqrt((1 + z^2/2)/N) (+ its 1/N_G noise)
        # within 3 se, below the binomial error of the N events (0.82 and 0.63 of it) by > 3 se.
        # The KDE's bias is h^2-driven and positive: > 3 se of a mean (sd/sqrt(200)) at both cuts.
        s = normal_estimates.spread().set_index(["source", "gain", "cut"])
        for cut in (1.0, 2.0):
            refit = s.loc[("refit_normal", 50, cut)]
            assert refit["fraction_sd"] == pytest.approx(refit["fraction_expected"], rel=0.15)
            assert refit["fraction_sd"] < (1 - 0.15) * refit["fraction_train"]
            assert abs(refit["fraction_bias"]) < 3 * refit["fraction_bias_se"]
            kde = s.loc[("kde", 50, cut)]
            assert kde["fraction_bias"] > 3 * kde["fraction_bias_se"]
            # at G = 50 the naive interval covers in 2 Phi(1.96 naive / real) - 1, about 0.26 for
            # the refit above 1 (real 0.0095, naive 0.0016) and less for the biased KDE: < 0.5 is
            # > 6 binomial se above both; MC covers in 0.95 +- 3 se (0.046)
            assert refit["coverage"] < 0.5 and kde["coverage"] < 0.5
            assert s.loc[("mc", 50, cut), "coverage"] == pytest.approx(0.95, abs=3 * math.sqrt(0.95 * 0.05 / 200))

    def test_spread_columns_and_law_sd(self, estimates):
        s = estimates.spread()
        assert set(s["source"]) == {"gencopy-jitter", "gencopy-multinomial", "mc"}
        np.testing.assert_allclose(s["mean_naive"], LAW.std() / np.sqrt(s["n_events"]), rtol=1e-12)
        np.testing.assert_allclose(s["fraction_ratio"], s["fraction_sd"] / s["fraction_naive"])
        np.testing.assert_allclose(s["truth"], 1 - LAW.cdf(0.5), rtol=1e-12)
        doubled = estimates.spread(sd=2 * LAW.std())
        np.testing.assert_allclose(doubled["mean_train"], 2 * s["mean_train"], rtol=1e-12)
        # the refitted Normal's prediction is only made for a Normal law
        assert estimates.frame["law_is_normal"].eq(False).all()
        head = estimates.headline()
        assert set(head["fraction_ratio"]) == {"gencopy-jitter", "gencopy-multinomial", "mc"}
        assert set(head["fraction_ratio"]["mc"]) == {"0"}  # keyed by the cut's position
        assert head["multinomial_gain"] == pytest.approx(estimates.significance_gain()["measured"])
        table = estimates.table()
        assert table["G"].eq(30).all() and len(table) == 3
        assert len(estimates.table(gain=1)) == 3

    def test_smaller_gains_reuse_the_largest_sample(self):
        # GenCopy's first G N events of its G_max N are G complete copies: at G = 1 the jitter
        # variant's fraction above a cut is the training fraction up to the cut's own bin
        e = estimate_study(LAW, 300, [1, 4], cuts=[0.5], replicates=2, generators=["gencopy-jitter"], seed=8)
        f = e.frame.set_index(["replicate", "gain"])["n_events"]
        assert f.loc[(0, 1)] == 300 and f.loc[(0, 4)] == 1200

    def test_expected_fraction_sd(self):
        f = stats.norm.sf(1.0)
        assert expected_fraction_sd("mc", n=100, n_events=400, fraction=f) == pytest.approx(math.sqrt(f * (1 - f) / 400))
        assert expected_fraction_sd("gencopy-multinomial", n=100, n_events=400, fraction=f) == pytest.approx(
            math.sqrt(f * (1 - f) * (1 / 100 + 1 / 400)))
        delta = stats.norm.pdf(1.0) ** 2 * 1.5 / 100
        assert expected_fraction_sd("refit_normal", n=100, n_events=400, fraction=f, z=1.0) == pytest.approx(
            math.sqrt(delta + f * (1 - f) / 400))
        assert math.isnan(expected_fraction_sd("kde", n=100, n_events=400, fraction=f))
        with pytest.raises(ValueError, match="`z`"):
            expected_fraction_sd("refit_normal", n=100, n_events=400, fraction=f)
        with pytest.raises(ValueError, match="`fraction` must be in"):
            expected_fraction_sd("mc", n=100, n_events=400, fraction=1.0)

    def test_validation(self, estimates):
        with pytest.raises(ValueError, match="`replicates` must be an integer >= 2"):
            estimate_study(LAW, 100, [1], cuts=[0.0], replicates=1)
        with pytest.raises(ValueError, match="`cuts` must be finite"):
            estimate_study(LAW, 100, [1], cuts=[math.inf])
        with pytest.raises(ValueError, match="`generators` must be one of"):
            estimate_study(LAW, 100, [1], cuts=[0.0], generators=["gauss"])
        with pytest.raises(ValueError, match="`level` must be in"):
            estimate_study(LAW, 100, [1], cuts=[0.0], level=1.0)
        with pytest.raises(ValueError, match="`sd` must be finite and > 0"):
            estimates.spread(sd=0.0)
        with pytest.raises(ValueError, match="no rows for source 'nosuch'"):
            estimates.significance_gain("nosuch")
        with pytest.raises(ValueError, match="no rows at gain 7"):
            estimates.table(gain=7)


def test_estimate_study_reports_fit_convergence():
    from scipy import stats as st

    # a two-component mixture fitted to Normal data: EM's loose stopping (tol = 1e-3) stops within
    # a few iterations, the default (1e-7) takes many more; every other generator is computed in
    # closed form and counts as converged with 0 iterations
    kwargs = dict(cuts=[1.0], replicates=3, seed=5)
    tight = estimate_study(st.norm(), 300, [1], generators=["gaussian_mixture", "gencopy-jitter"], restarts=1, **kwargs)
    loose = estimate_study(st.norm(), 300, [1], generators=["gaussian_mixture"], restarts=1, tol=1e-3, **kwargs)
    c = tight.convergence().set_index("generator")
    assert c.loc["gencopy-jitter", "converged"] == 3 and c.loc["gencopy-jitter", "iterations (max)"] == 0
    assert c.loc["gaussian_mixture", "fits"] == 3
    lc = loose.convergence().set_index("generator")
    assert lc.loc["gaussian_mixture", "converged"] == 3
    assert lc.loc["gaussian_mixture", "iterations (max)"] < c.loc["gaussian_mixture", "iterations (median)"]
    # the same training samples and draws: the two studies differ only through the fitted mixture
    a = tight.frame[tight.frame["source"] == "gaussian_mixture"]["fraction"].to_numpy()
    assert a.shape == (3,)
    head = tight.headline()
    assert head["fits"]["gaussian_mixture"] == 3 and "mixture_iterations_median" in head


def test_estimate_study_warns_once_for_fits_that_did_not_converge():
    import warnings

    from scipy import stats as st

    from ampcore import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        e = estimate_study(st.norm(), 300, [1], cuts=[1.0], replicates=3, seed=5,
                           generators=["gaussian_mixture"], restarts=1, tol=1e-12)
    # tol = 1e-12 is out of EM's reach within 1500 iterations on these samples (deterministic seeds)
    assert e.convergence()["converged"].iloc[0] < 3
    ours = [w for w in caught if issubclass(w.category, ConvergenceWarning) and "estimate_study" in str(w.message)]
    assert len(ours) == 1
