"""Structural tests of the chapter-8 figures in ampcore.book.plotting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ampcore.book import plotting


def _factors() -> pd.DataFrame:
    rows = [{"source": s, "n": 100, "gain": g, "n_generated": 100 * g, "n_q": 20, "g_eff": v, "g_eff_sd": 0.1 * v}
            for s, base in (("gan", 1.0), ("kde", 2.0)) for g, v in ((1, base), (10, 2 * base), (100, 2.5 * base))]
    return pd.DataFrame(rows)


def test_amplification_curves_draws_one_curve_per_source():
    ax = plotting.amplification_curves(_factors(), sources=["gan", "kde"], labels={"gan": "GAN"})
    assert len(ax.containers) == 2 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_legend_handles_labels()[1] == ["GAN", "kde"]
    with pytest.raises(ValueError, match="no rows for source 'fit'"):
        plotting.amplification_curves(_factors(), sources=["fit"])


def test_training_curve_uses_running_means():
    class Model:
        def curve(self):
            steps = np.arange(1, 201)
            return {"step": steps, "critic_loss": np.full(200, 1.4), "generator_loss": np.full(200, 0.7),
                    "penalty": np.zeros(200)}

    ax = plotting.training_curve(Model(), window=20)
    lines = ax.get_lines()
    assert lines[0].get_xdata().size == 181 and np.allclose(lines[0].get_ydata(), 1.4)
    with pytest.raises(ValueError, match="`window`"):
        plotting.training_curve(Model(), window=500)
