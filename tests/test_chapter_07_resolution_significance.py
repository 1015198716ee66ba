"""Chapter 7 (resolution, significance) run with papermill at CI size; checks its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.notebook import execute_chapter

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_resolution_significance.ipynb"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ch07") / "out.ipynb"
    params = {"N": 1000, "gains": [1, 30], "seeds": 4, "spread_seeds": 80}
    return execute_chapter(NOTEBOOK, out, params)


def test_peaks_closer_than_the_bin_width_stay_unresolved(records):
    # N = 1000 gives Delta ~ 0.07 > separation 0.05. Probe: GenCopy depth about -0.1 +- 0.12 per
    # seed (mean of 4: sd 0.06), MC depth 0.67 +- 0.01 at G = 30 and the truth 0.666; the bounds
    # below are > 5 sd away from the expected values.
    assert records["width"] > records["separation"]
    assert records["depth_gencopy"] < 0.3
    assert records["depth_mc"] == pytest.approx(records["true_depth"], abs=0.08)
    assert (
        records["depth_training"] > 0.4
    )  # counted finer than Delta, the training data show the dip


def test_amplified_estimates_keep_the_training_error(records):
    # 80 seeds: an sd estimated from them has relative sd 1/sqrt(2*79) = 8%; +-40% is 5 sd.
    sd = records["fraction_sd"]
    assert sd["gencopy-jitter"] == pytest.approx(records["fraction_train"], rel=0.4)
    # at G = 30 the naive error understates GenCopy's by sqrt(30) = 5.5; MC's naive error is right
    assert records["fraction_ratio"]["gencopy-jitter"] > 3.0
    assert records["fraction_ratio"]["mc"] == pytest.approx(1.0, rel=0.4)


def test_multinomial_variant_gains_at_most_sqrt_two(records):
    # predicted sqrt(2 / (1 + 1/30)) = 1.39; the ratio of two sds from 80 seeds has relative sd
    # about 11%, so [1.0, 2.0] is > 3 sd on each side (false failure < 0.3%).
    assert records["multinomial_predicted"] == pytest.approx(1.39, abs=0.01)
    assert 1.0 < records["multinomial_gain"] < 2.0
