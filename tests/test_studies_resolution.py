"""Tests of ampcore.studies.resolution: what amplified data resolves, and the real error of its estimates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ampcore.laws import TwoPeaks
from ampcore.studies import Estimates, Resolution, Trial, estimate_study, resolution_study
from ampcore.valley import true_valley_depth, valley_depth

LAW = TwoPeaks(0.05, 0.0125)


@pytest.fixture(scope="module")
def estimates() -> Estimates:
    return estimate_study(LAW, 500, [1, 30], cut=0.5, replicates=200)


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
        # 200 training samples: the sd over them of an sd estimate has relative error
        # 1/sqrt(2*199) = 5%; bands of +-30% are 6 sd wide (false failure < 1e-8).
        s = estimates.spread().set_index(["source", "gain"])
        # MC of N_G events: the naive error is right
        assert s.loc[("mc", 30), "fraction_sd"] == pytest.approx(s.loc[("mc", 30), "fraction_naive"], rel=0.3)
        # GenCopy: the real error stays at the N-event level, sqrt(30) = 5.5 times the naive one
        jit = s.loc[("gencopy-jitter", 30)]
        assert jit["fraction_sd"] == pytest.approx(jit["fraction_train"], rel=0.3)
        assert jit["fraction_ratio"] > 3.5
        assert s.loc[("gencopy-multinomial", 30), "mean_sd"] == pytest.approx(
            s.loc[("gencopy-multinomial", 30), "mean_train"], rel=0.3
        )
        # multinomial GenCopy at G = 1 adds its own sampling noise: sd ~ sqrt(2) x training level
        gain = estimates.significance_gain()
        assert gain["measured"] == pytest.approx(math.sqrt(1 + 1) / math.sqrt(1 + 1 / 30), rel=0.3)
        assert gain["predicted"] == pytest.approx(math.sqrt(2 / (1 + 1 / 30)), rel=1e-12)
        assert (gain["g_min"], gain["g_max"]) == (1, 30)

    def test_spread_columns_and_law_sd(self, estimates):
        s = estimates.spread()
        assert set(s["source"]) == {"gencopy-jitter", "gencopy-multinomial", "mc"}
        np.testing.assert_allclose(s["mean_naive"], LAW.std() / np.sqrt(s["n_events"]), rtol=1e-12)
        np.testing.assert_allclose(s["fraction_ratio"], s["fraction_sd"] / s["fraction_naive"])
        doubled = estimates.spread(sd=2 * LAW.std())
        np.testing.assert_allclose(doubled["mean_train"], 2 * s["mean_train"], rtol=1e-12)
        head = estimates.headline()
        assert set(head["fraction_ratio"]) == {"gencopy-jitter", "gencopy-multinomial", "mc"}
        assert head["multinomial_gain"] == pytest.approx(estimates.significance_gain()["measured"])

    def test_validation(self, estimates):
        with pytest.raises(ValueError, match="`replicates` must be an integer >= 2"):
            estimate_study(LAW, 100, [1], cut=0.0, replicates=1)
        with pytest.raises(ValueError, match="`cut` must be finite"):
            estimate_study(LAW, 100, [1], cut=math.inf)
        with pytest.raises(ValueError, match="`variants` must be one of"):
            estimate_study(LAW, 100, [1], cut=0.0, variants=["gauss"])
        with pytest.raises(ValueError, match="`sd` must be finite and > 0"):
            estimates.spread(sd=0.0)
        with pytest.raises(ValueError, match="no rows for source 'nosuch'"):
            estimates.significance_gain("nosuch")
