"""Structural tests of ampcore.plotting (what is drawn, not how it looks)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ampcore import plotting


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
    plt.close("all")


def test_band_draws_mean_and_sd():
    values = np.array([[1.0, 3.0], [2.0, 2.0]])
    ax = plotting.band(None, [1, 2], values, label="x")
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), [2.0, 2.0])
    with pytest.raises(ValueError, match="must have shape"):
        plotting.band(None, [1, 2, 3], values)
    plt.close("all")
