"""Tests of ampcore.valley: the valley statistic of two close peaks (the law: test_laws.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ampcore.laws import TwoPeaks
from ampcore.valley import Valley, true_valley_depth, valley_depth, valley_table

LAW = TwoPeaks(0.05, 0.0125)


class TestValley:
    def test_counts_and_depth(self):
        v = valley_depth([-1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 5.0], separation=2.0, window=0.5)
        assert isinstance(v, Valley)
        assert (v.left, v.mid, v.right) == (2, 1, 3)
        assert v.depth == pytest.approx(1 - 1 / 2.5)
        assert v.z_naive == pytest.approx((2.5 - 1) / math.sqrt(5 / 4 + 1))

    def test_windows_are_half_open_and_centred(self):
        # windows [c - s/2 - w/2, c - s/2 + w/2) etc.; with center = 10 everything shifts
        # (left [8.75, 9.25), mid [9.75, 10.25), right [10.75, 11.25)): 10.25 is in no window
        v = valley_depth([9.75, 10.25, 10.0, 10.9, 9.0], separation=2.0, window=0.5, center=10.0)
        assert (v.left, v.mid, v.right) == (1, 2, 1)

    def test_order_does_not_matter(self, rng):
        x = LAW.rvs(size=1000, random_state=rng)
        assert valley_depth(x, separation=0.05, window=0.0125) == valley_depth(
            rng.permutation(x), separation=0.05, window=0.0125
        )

    def test_empty_peaks_give_nan(self):
        v = valley_depth([0.0, 0.0], separation=2.0, window=0.5)
        assert math.isnan(v.depth) and v.mid == 2
        assert math.isnan(valley_depth([5.0], separation=2.0, window=0.5).z_naive)

    def test_window_must_not_exceed_separation(self):
        with pytest.raises(ValueError, match="`window` must be <= `separation`"):
            valley_depth([0.0, 1.0], separation=0.1, window=0.2)
        with pytest.raises(ValueError, match="`separation` must be finite and > 0"):
            valley_depth([0.0], separation=0.0, window=0.2)
        with pytest.raises(ValueError, match="`x` must be finite"):
            valley_depth([0.0, math.nan], separation=1.0, window=0.2)

    def test_true_depth_matches_a_large_sample(self):
        # 2e6 draws: the windows hold ~1e5 events each, depth sd ~ 0.004; 0.02 is 5 sd
        x = LAW.rvs(size=2_000_000, random_state=np.random.default_rng(1))
        truth = true_valley_depth(LAW, separation=0.05, window=0.0125)
        assert valley_depth(x, separation=0.05, window=0.0125).depth == pytest.approx(truth, abs=0.02)
        assert 0.6 < truth < 0.7

    def test_true_depth_of_a_flat_law_is_zero(self):
        from scipy import stats

        assert true_valley_depth(stats.uniform(-1, 2), separation=0.5, window=0.1) == pytest.approx(0.0, abs=1e-12)
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            true_valley_depth("x", separation=0.5, window=0.1)


def test_valley_table_is_valley_depth_side_by_side(rng):
    samples = {"peaks": LAW.rvs(size=2000, random_state=rng), "flat": rng.uniform(-0.1, 0.1, size=500)}
    table = valley_table(samples, separation=0.05, window=0.0125)
    assert table.columns.tolist() == ["sample", "events", "valley depth", "naive z"]
    assert table["sample"].tolist() == ["peaks", "flat"] and table["events"].tolist() == [2000, 500]
    for row, x in zip(table.itertuples(), samples.values()):
        v = valley_depth(x, separation=0.05, window=0.0125)
        assert row[3] == round(v.depth, 3) and row[4] == round(v.z_naive, 1)
    with pytest.raises(ValueError, match="`window` must be <= `separation`"):
        valley_table(samples, separation=0.01, window=0.02)
