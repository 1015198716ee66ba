"""Structural tests of ampcore.book.plotting (what is drawn, not how it looks)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore.book import plotting
from ampcore.studies import GainGrid, chain_grid, run_grid


@pytest.fixture(scope="module")
def grid() -> GainGrid:
    # Small but real: N = 400, reference 20 000, 2 replicates, M in {2, 3}, G in {1, 5, 20}.
    return run_grid({"normal": stats.norm()}, [400], [2.0, 3.0], [1, 5, 20], replicates=2, reference_size=20_000, workers=1)


def test_style_applies_rcparams():
    plotting.use_book_style()
    assert plt.rcParams["axes.spines.top"] is False


def test_mark_bound_positions():
    ax = plotting.mark_bound(None, 10_000)
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(100.0)
    ax = plotting.mark_bound(None, 100, axis="generated")
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(1000.0)
    with pytest.raises(ValueError, match="`axis` must be one of"):
        plotting.mark_bound(None, 100, axis="n")


def test_band_draws_mean_and_sd():
    values = np.array([[1.0, 3.0], [2.0, 2.0]])
    ax = plotting.band(None, [1, 2], values, label="x")
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), [2.0, 2.0])
    with pytest.raises(ValueError, match="must have shape"):
        plotting.band(None, [1, 2, 3], values)


def test_gencopy_picture():
    x = np.array([0.05, 0.3, 0.35])
    copies = np.concatenate([x + 0.01, x - 0.01])
    ax = plotting.gencopy_picture(x, copies, 0.2, 0.0, gain=2)
    rug, points = ax.lines[-2], ax.lines[-1]
    np.testing.assert_allclose(rug.get_ydata(), 0.0)
    assert points.get_ydata().tolist() == [1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="must hold gain"):
        plotting.gencopy_picture(x, copies, 0.2, 0.0, gain=3)


def test_slope_guide():
    ax = plotting.slope_guide(None, [1, 100], anchor=(1.0, 1.0), slope=-0.5)
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), [1.0, 0.1])
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="must be positive"):
        plotting.slope_guide(None, [0, 1], anchor=(1.0, 1.0))


class TestGainFigures:
    def test_kld_vs_gain(self, grid):
        ax = plotting.kld_vs_gain(None, grid, n=400)
        labels = ax.get_legend_handles_labels()[1]
        assert "M = 2" in labels and "M = 3" in labels and "MC, same size" in labels
        assert ax.get_xscale() == "log" and "nats" in ax.get_ylabel()
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) >= 3  # two floors and the bound marker

    def test_a_grid_or_its_frame(self, grid):
        a = plotting.kld_vs_gain(None, grid, mc=False)
        b = plotting.kld_vs_gain(None, grid.frame, mc=False)
        assert [np.asarray(ln.get_ydata()).tolist() for ln in a.get_lines()] == [
            np.asarray(ln.get_ydata()).tolist() for ln in b.get_lines()
        ]

    def test_kld_vs_gain_draws_the_gain_law(self, grid):
        ax = plotting.kld_vs_gain(None, grid, m_values=[2.0], mc=False, law=True)
        solid = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-" and len(ln.get_xdata()) == 3]
        expected = grid.select(m=2.0).groupby("gain")["law_nats"].mean().to_numpy()
        assert any(np.allclose(ln.get_ydata(), expected) for ln in solid)

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
        with pytest.raises(ValueError, match="`gains` selects no rows"):
            plotting.kld_vs_meff(None, grid, gains=[7])

    def test_kl_regions(self):
        table = pd.DataFrame({"rise": [0.01, 0.02], "tail": [0.005, 0.0]}, index=[2.0, 3.0])
        ax = plotting.kl_regions(None, table, errors=table * 0.1)
        assert len(ax.patches) == 4
        with pytest.raises(ValueError, match="shape of `table`"):
            plotting.kl_regions(None, table, errors=table.iloc[:1])


def test_seed_bands_draws_one_curve_per_group():
    chains = chain_grid(stats.norm(), 50, generations=2, replicates=3, reference_size=None, workers=1)
    ax = plotting.seed_bands(chains, x="generation", y="variance", by="method")
    assert len(ax.containers) == 3  # one errorbar container per method
    assert len(plotting.seed_bands(chains.frame, x="generation", y="variance", by="method").containers) == 3
    with pytest.raises(ValueError, match="lacks column"):
        plotting.seed_bands(chains, x="generation", y="nosuch")


def test_fine_histograms_draws_each_sample():
    ax = plotting.fine_histograms({"a": [0.1, 0.2], "b": [0.3]}, edges=np.linspace(0, 1, 11))
    assert len(ax.patches) == 2
    with pytest.raises(ValueError, match="`edges` must be an increasing"):
        plotting.fine_histograms({"a": [0.1]}, edges=[1.0, 0.0])


# --- chapter 9: sample amplification, three notions, replace versus accumulate ---------------


def test_success_vs_extra_draws_points_curves_and_thresholds():
    from ampcore.studies import distinguishability

    r = distinguishability(30, [1, 4], [0.5, 2.0], rounds=10, replicates=1)
    ax = plotting.success_vs_extra(None, r)
    assert len(ax.containers) == 2  # one errorbar set per d
    assert ax.get_xscale() == "log"
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 2  # one threshold per d
    assert any(abs(line.get_ydata()[0] - 2 / 3) < 1e-12 for line in ax.get_lines() if line.get_linestyle() == "--")


def test_three_notions_has_three_panels():
    from ampcore.studies import notions_study

    axes = plotting.three_notions(notions_study(20, [1, 5], rounds=10, replicates=2))
    assert len(axes) == 3
    assert axes[-1].get_xscale() == "log"
    assert [len(ax.containers) for ax in axes] == [1, 1, 1]
    with pytest.raises(ValueError, match="three Axes"):
        plotting.three_notions(notions_study(20, [1], rounds=10, replicates=2), axes=axes[:2])


def test_collapse_curves_one_series_per_pair():
    from ampcore.studies import collapse_grid

    axes = plotting.collapse_curves(collapse_grid(stats.norm(), 30, generations=2, replicates=2))
    assert [len(ax.containers) for ax in axes] == [4, 4]
    assert axes[1].get_yscale() == "log"
