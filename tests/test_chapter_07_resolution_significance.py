"""Chapter 7 (resolution, significance): claims checked on the records of its default run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_resolution_significance.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_peaks_closer_than_the_bin_width_stay_unresolved(records):
    # N = 2000 gives Delta ~ 0.053 > separation 0.05. GenCopy depth about -0.1 +- 0.1 per
    # replicate (mean of 10: sd 0.03), MC depth 0.667 +- 0.006 at G = 100, the truth 0.666; the
    # bounds below are > 5 sd away from the expected values.
    assert records["width"] > records["separation"]
    assert records["depth_gencopy"] < 0.3
    assert records["depth_mc"] == pytest.approx(records["true_depth"], abs=0.08)
    assert records["depth_training"] > 0.4  # counted finer than Delta, the training data show the dip


def test_amplified_estimates_keep_the_training_error(records):
    # 200 replicates: an sd estimated from them has relative sd 1/sqrt(2*199) = 5%; +-40% is 8 sd.
    sd = records["fraction_sd"]
    assert sd["gencopy-jitter"] == pytest.approx(records["fraction_train"], rel=0.4)
    # at G = 100 the naive error understates GenCopy's by sqrt(100) = 10; MC's naive error is right
    assert records["fraction_ratio"]["gencopy-jitter"] > 3.0
    assert records["fraction_ratio"]["mc"] == pytest.approx(1.0, rel=0.4)


def test_multinomial_variant_gains_at_most_sqrt_two(records):
    # predicted sqrt(2 / (1 + 1/100)) = 1.407; the ratio of two sds from 200 replicates has
    # relative sd about 7%, so (1.0, 2.0) is > 4 sd on each side.
    assert records["multinomial_predicted"] == pytest.approx(math.sqrt(2 / 1.01), abs=1e-12)
    assert 1.0 < records["multinomial_gain"] < 2.0
