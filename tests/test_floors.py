"""Tests of ampcore.studies.floors: the exact floor and its two-term approximation over M."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore.divergence import histogram_kl
from ampcore.floor import fisher_information, floor_terms
from ampcore.information import bin_width
from ampcore.studies import FloorScan, Trial, floor_scan

COLUMNS = ["law", "n", "replicate", "m", "width", "m_eff", "occupied_bins", "noise", "bias", "approx", "exact"]


@pytest.fixture(scope="module")
def scan() -> FloorScan:
    # N = 2000, N(0,1), 8 replicates, M from over- to under-binned
    return floor_scan(stats.norm(), 2000, [1.5, 2.5, 3.0, 6.0], replicates=8, workers=1)


class TestFloorScan:
    def test_columns_and_shape(self):
        result = floor_scan(stats.norm(), 500, [2.0, 3.0], replicates=3, seed=1)
        assert isinstance(result, FloorScan) and len(result) == 6
        assert list(result.frame.columns) == COLUMNS
        assert result.frame["law"].eq("norm").all() and result.frame["n"].eq(500).all()
        assert sorted(result.frame["replicate"].unique()) == [0, 1, 2]
        np.testing.assert_allclose(result.frame["approx"], result.frame["noise"] + result.frame["bias"])

    def test_same_seed_same_table_other_seed_differs(self):
        a = floor_scan(stats.norm(), 300, [2.5], replicates=2, seed=7)
        b = floor_scan(stats.norm(), 300, [2.5], replicates=2, seed=7)
        c = floor_scan(stats.norm(), 300, [2.5], replicates=2, seed=8)
        assert a.frame.equals(b.frame)
        assert not a.frame["exact"].equals(c.frame["exact"])

    def test_rows_are_the_pieces_of_the_training_sample(self):
        # each row is floor_terms and histogram_kl of the replicate's training sample, exactly
        law = stats.norm()
        result = floor_scan(law, 400, [2.0, 4.0], replicates=2, seed=3)
        for row in result.frame.itertuples():
            x = Trial.make(law="norm", n=400, replicate=row.replicate, seed=3).training_sample(law)
            width = bin_width(x, row.m, method="nn")
            assert row.width == width
            terms = floor_terms(x, width, fisher=fisher_information(law), origin=x.min())
            assert (row.noise, row.bias, row.occupied_bins) == (terms.noise, terms.bias, terms.occupied_bins)
            assert row.exact == histogram_kl(x, width, origin=x.min(), law=law)

    def test_floor_is_smallest_inside_goldilocks_band(self, scan):
        # N = 2000, N(0,1), 8 replicates. Mean exact floor (DESIGN.md section 4): 0.064 at M=1.5,
        # 0.012 at M=2.5, 0.010 at M=3, 0.062 at M=6. The replicate-to-replicate sd of the mean is
        # < 0.002 at every M, so M = 2.5 < 1.5 and 3 < 6 hold by > 10 sd; the minimum is at 2.5 or 3
        # (their means differ by ~1 sd, so either may win).
        mean = scan.frame.groupby("m")["exact"].mean()
        assert mean[2.5] < mean[1.5] and mean[3.0] < mean[6.0]
        assert mean.idxmin() in (2.5, 3.0)
        # exact - approx over 400 replicates (probe): mean 0.0017 / 0.0012 / 0.0035 and sd
        # 0.0021 / 0.0018 / 0.0021 at M = 2.5 / 3 / 6, so |gap| < 0.015 is > 5 sd for each of the
        # 24 rows (false-failure chance < 1e-6). At M = 1.5 (few events per bin) the chi-square
        # expansion undercounts: mean gap 0.016, sd 0.006 per replicate; each of the 8 rows is
        # below 0.045 (5 sd), and their mean (sd 0.002) lies in (0.005, 0.03), > 5 sd either side.
        gap = scan.frame["exact"] - scan.frame["approx"]
        fine = scan.frame["m"] >= 2.5
        assert gap[fine].abs().max() < 0.015
        assert gap[~fine].abs().max() < 0.045
        assert 0.005 < gap[~fine].mean() < 0.03

    def test_table_and_headline(self, scan):
        table = scan.table()
        assert table["M"].tolist() == [1.5, 2.5, 3.0, 6.0]
        assert "exact floor (nats)" in table.columns and "noise + bias (nats)" in table.columns
        means = scan.means()
        np.testing.assert_allclose(table["exact floor (nats)"], means["exact"].round(4))
        head = scan.headline()
        assert set(head["floor_exact"]) == {"1.5", "2.5", "3", "6"}
        assert head["floor_exact"]["2.5"] == pytest.approx(float(means.loc[2.5, "exact"]))
        assert head["floor_best_m"] in (2.5, 3.0)
        assert head["floor_min"] == min(head["floor_exact"].values())
        # the gap and its relative size are exact - approx of the means; the sd is over replicates
        for m in head["floor_exact"]:
            assert head["floor_gap"][m] == pytest.approx(head["floor_exact"][m] - head["floor_approx"][m])
            assert head["floor_gap_rel"][m] == pytest.approx(head["floor_gap"][m] / head["floor_exact"][m])
        assert head["floor_exact_sd"]["3"] == pytest.approx(float(scan.frame.groupby("m")["exact"].std(ddof=1)[3.0]))

    def test_law_entropy_option(self):
        # h of N(0,1) is ln sqrt(2 pi e); Delta = e^h N^(-1/M) exactly (rounding only)
        t = floor_scan(stats.norm(), 1000, [2.0], replicates=1, entropy="law")
        assert t.frame["width"][0] == pytest.approx(math.sqrt(2 * math.pi * math.e) * 1000**-0.5, rel=1e-12)

    def test_name_labels_rows_and_seeds(self):
        a = floor_scan(stats.norm(), 300, [2.0], replicates=1, name="gauss")
        b = floor_scan(stats.norm(), 300, [2.0], replicates=1)
        assert a.frame["law"].tolist() == ["gauss"]
        assert a.frame["exact"][0] != b.frame["exact"][0]  # the name enters the seed

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"m_values": []}, ValueError, "`m_values` must be a non-empty list"),
            ({"m_values": [0.0]}, ValueError, "`m_values` must be finite and > 0; got 0.0"),
            ({"m_values": ["a"]}, TypeError, "`m_values` must be a real number"),
            ({"m_values": [2.0], "replicates": 0}, ValueError, "`replicates` must be an integer >= 1; got 0"),
            ({"m_values": [2.0], "entropy": "kde"}, ValueError, "`entropy` must be one of 'nn', 'law'"),
            ({"m_values": [2.0], "n": 1}, ValueError, "`n` must be an integer >= 2; got 1"),
            ({"m_values": [2.0], "seed": -1}, ValueError, "`seed` must be an integer >= 0; got -1"),
        ],
    )
    def test_validation(self, kwargs, exc, match):
        args = {"n": 100, **kwargs}
        with pytest.raises(exc, match=match):
            floor_scan(stats.norm(), args.pop("n"), **args)

    def test_not_a_law(self):
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            floor_scan("normal", 100, [2.0])
