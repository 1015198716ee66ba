"""Chapter 3 (measuring fidelity): claims checked on the records of its default-parameter run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_fidelity.ipynb"


@pytest.fixture(scope="module")
def rec() -> dict:
    return executed_records(NOTEBOOK)


def test_exact_agreement_with_r(rec):
    # exact agreement with R FNN (ampcore/data/fnn): double rounding only
    assert rec["fixture_max_diff"] <= 1e-12
    assert rec["fixture_all_nonfinite_match"] is True


def test_noise_falls_with_n(rec):
    # sd ~ c/sqrt(n): over a factor 256 in n the sd ratio should be ~16; with 8 replicates each sd
    # has ~27% relative error, so the fitted slope lies in (-1.2, 0) with high probability
    assert all(-1.2 < s < 0.0 for s in rec["noise_slopes"].values())


def test_ties(rec):
    # exact copies: +inf; jitter below the spacing: estimates fall as the jitter grows
    assert rec["bootstrap_kld"] == "inf"
    finite = [float(v) for v in rec["jitter_estimates"][1:]]
    assert finite[0] > 10 and all(a > b for a, b in zip(finite[:5], finite[1:6]))
    # GenCopy is finite and small (noise ~0.8/sqrt(20 000) = 0.006, floor ~0.012 at N = 2000)
    assert math.isfinite(rec["gencopy_kld"]) and abs(rec["gencopy_kld"]) < 0.1
    assert rec["warnings_caught"] == 1
