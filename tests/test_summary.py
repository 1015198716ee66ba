"""Tests of ampcore.summary (grid summaries) and the chapter 4-5 figure helpers of ampcore.plotting."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore import plotting
from ampcore.divergence import histogram_kl
from ampcore.experiment import Reference, run_grid
from ampcore.summary import floor_by_region, floor_table, kl_by_region, plateau_gain, seed_matrix

LOGNORMAL = stats.lognorm(1.0)


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    # Small but real: N = 400, reference 50 000, 3 replicates, M in {2, 3}, G in {1, 5, 20}.
    return run_grid({"normal": stats.norm()}, [400], [2.0, 3.0], [1, 5, 20], replicates=3,
                    reference_size=50_000)


class TestSeedMatrix:
    def test_shape_and_order(self, grid):
        xs, values = seed_matrix(grid[grid["m"] == 2.0], x="gain", value="kld_nats")
        assert xs.tolist() == [1, 5, 20] and values.shape == (3, 3)
        row = grid[(grid["m"] == 2.0) & (grid["gain"] == 5)].sort_values("replicate")["kld_nats"]
        np.testing.assert_array_equal(values[1], row.to_numpy())

    def test_two_curves_rejected(self, grid):
        with pytest.raises(ValueError, match=r"one row per \(gain, replicate\)"):
            seed_matrix(grid, x="gain", value="kld_nats")

    def test_missing_column(self, grid):
        with pytest.raises(ValueError, match="lacks the column"):
            seed_matrix(grid.drop(columns="replicate"), x="gain", value="kld_nats")

    def test_missing_replicate(self, grid):
        one = grid[grid["m"] == 2.0].iloc[1:]
        with pytest.raises(ValueError, match="every replicate"):
            seed_matrix(one, x="gain", value="kld_nats")

    def test_not_a_frame(self):
        with pytest.raises(TypeError, match="pandas DataFrame"):
            seed_matrix([1, 2], x="gain", value="kld_nats")


class TestFloorTable:
    def test_values(self, grid):
        table = floor_table(grid, plateau_from=5)
        assert table["m"].tolist() == [2.0, 3.0] and (table["replicates"] == 3).all()
        sel = grid[(grid["m"] == 3.0) & (grid["gain"] >= 5)]
        expected = sel.groupby("replicate")["kld_nats"].mean()
        assert table.loc[1, "plateau_mean"] == pytest.approx(expected.mean(), rel=1e-12)
        assert table.loc[1, "plateau_sd"] == pytest.approx(expected.std(ddof=1), rel=1e-12)
        floors = grid[grid["m"] == 3.0].groupby("replicate")["floor_nats"].first()
        assert table.loc[1, "floor_mean"] == pytest.approx(floors.mean(), rel=1e-12)

    def test_plateau_from_too_large(self, grid):
        with pytest.raises(ValueError, match="`plateau_from` must be <= the largest gain 20; got 50"):
            floor_table(grid, plateau_from=50)


class TestPlateauGain:
    def test_cases(self):
        assert plateau_gain([1, 3, 10], [0.02, 0.02, 0.02], 0.02, tolerance=0.001) == 1.0
        assert plateau_gain([1, 3, 10], [0.0, 0.03, 0.02], 0.02, tolerance=0.001) == 10.0
        assert math.isnan(plateau_gain([1, 3, 10], [0.02, 0.02, 0.0], 0.02, tolerance=0.001))

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            (([3, 1], [0.0, 0.0], 0.0), "strictly increasing"),
            (([1, 3], [0.0], 0.0), "same non-zero length"),
            (([1, 3], [0.0, np.nan], 0.0), "`values` must be finite"),
            (([1, 3], [0.0, 0.0], np.inf), "`floor` must be finite"),
        ],
    )
    def test_bad_input(self, args, match):
        with pytest.raises(ValueError, match=match):
            plateau_gain(*args, tolerance=0.1)

    def test_bad_tolerance(self):
        with pytest.raises(ValueError, match="`tolerance` must be finite and > 0; got -1.0"):
            plateau_gain([1], [0.0], 0.0, tolerance=-1.0)


class TestKlByRegion:
    def test_sums_to_total(self, rng):
        # Exact identity: the regions partition the bins, so the sum is the total (rounding only).
        x = stats.lognorm(1.0).rvs(size=2000, random_state=rng)
        table = histogram_kl(x, 0.2, law=stats.lognorm(1.0), per_bin=True)
        parts = kl_by_region(table, [-np.inf, math.exp(-1), 3.6, np.inf], ["rise", "bulk", "tail"])
        assert parts.index.tolist() == ["rise", "bulk", "tail"]
        assert parts.sum() == pytest.approx(histogram_kl(x, 0.2, law=stats.lognorm(1.0)), rel=1e-12)

    def test_bad_edges(self):
        t = pd.DataFrame({"left": [0.0], "right": [1.0], "contribution": [0.1]})
        with pytest.raises(ValueError, match=r"len\(labels\) \+ 1 = 3"):
            kl_by_region(t, [0.0, 1.0], ["a", "b"])
        with pytest.raises(ValueError, match="strictly increasing"):
            kl_by_region(t, [1.0, 0.0], ["a"])


class TestFigures:
    def test_kld_vs_gain(self, grid):
        ax = plotting.kld_vs_gain(None, grid, n=400)
        labels = ax.get_legend_handles_labels()[1]
        assert "M = 2" in labels and "M = 3" in labels and "MC, same size" in labels
        assert ax.get_xscale() == "log" and "nats" in ax.get_ylabel()
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) >= 3  # two floors and the bound marker

    def test_kld_vs_gain_subset_and_errors(self, grid):
        ax = plotting.kld_vs_gain(None, grid, m_values=[3.0], mc=False, color="C1", label="linear {m:g}")
        assert ax.get_legend_handles_labels()[1] == ["linear 3"]
        with pytest.raises(ValueError, match="selects no rows"):
            plotting.kld_vs_gain(None, grid, m_values=[9.0])

    def test_kld_vs_meff(self, grid):
        ax = plotting.kld_vs_meff(None, grid, gains=[1, 20])
        labels = ax.get_legend_handles_labels()[1]
        assert {"G = 1", "G = 20", "exact floor"} <= set(labels)
        assert "M" in ax.get_xlabel()

    def test_kl_regions(self):
        table = pd.DataFrame({"rise": [0.01, 0.02], "tail": [0.005, 0.0]}, index=[2.0, 3.0])
        ax = plotting.kl_regions(None, table, errors=table * 0.1)
        assert len(ax.patches) == 4
        with pytest.raises(ValueError, match="shape of `table`"):
            plotting.kl_regions(None, table, errors=table.iloc[:1])


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
        grid = run_grid([ref], [400], [2.5], [1], amplifiers=["gencopy-log"], replicates=2, baseline=False)
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
