"""Chapter 1 (the question): claims checked on the records of its default-parameter run.

The records come from the execution ``make test`` already made under nbval (or, when that is
missing or stale, from a fresh papermill run at the defaults): see
:func:`ampcore.book.runner.executed_records`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_question.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_gencopy_keeps_every_bin(records):
    # G N events (150 at the defaults N = 30, G = 5); GenCopy (jitter variant) keeps every bin and
    # multiplies every count by G — exact, no randomness involved
    assert records["n_generated"] == records["N"] * records["G"]
    assert records["same_bins"] is True


def test_bound_in_numbers(records):
    sizes = [30, 100, 1000, 2000, 10000]
    assert records["min_generated"] == pytest.approx([n**1.5 for n in sizes], rel=1e-12)
    # G = 5 is below sqrt(N) for every size of the table (sqrt(30) = 5.48)
    assert records["bound_at_gain"] == [False] * 5


def test_prose_numbers_are_the_runs(records):
    # exact: the glued numbers of "What we found" and of the bound section, at the run's parameters
    assert records["min_generated_N"] == pytest.approx(records["N"] ** 1.5, rel=1e-12)
    assert records["n_generated"] < records["min_generated_N"]  # "just short of N^(3/2)"
    assert records["min_gain_first"] == pytest.approx(records["n_first"] ** 0.5)
    assert records["min_gain_last"] == pytest.approx(records["n_last"] ** 0.5)
    # the measured M of 30 events is not the chosen 2 (the rule is a large-N rule): the
    # histogram entropy of 6 occupied bins is exact arithmetic on the stored sample
    assert records["m_eff"] != pytest.approx(records["M"], abs=0.05)


def test_exercise_smallest_gain(records):
    # G >= sqrt(N): exact
    assert records["ex_01_gain"] == 10.0
    assert records["ex_01_events"] == 1000.0


def test_exercise_finer_and_coarser_bins(records):
    # Δ = e^h N^(-1/M) with h = ln sqrt(2πe) for N(0,1): exact widths; the bin counts follow
    # from the seeded training sample (finer at M = 1.5, a few flat blocks at M = 6)
    h = 0.5 * math.log(2 * math.pi * math.e)
    n = records["N"]
    assert records["ex_01_fine_width"] == pytest.approx(math.exp(h) * n ** (-1 / 1.5), rel=1e-12)
    assert records["ex_01_coarse_width"] == pytest.approx(math.exp(h) * n ** (-1 / 6), rel=1e-12)
    assert records["ex_01_fine_bins"] > records["occupied_bins"] > records["ex_01_coarse_bins"]
    assert records["ex_01_fine_per_bin"] == pytest.approx(n / records["ex_01_fine_bins"])
    assert records["ex_01_coarse_bins"] <= 3


def test_exercise_lhc_scale(records):
    # N = 1e5: N^(3/2) = 3.16e7 events, G = 316 > 10 × 25; a 25-fold gain fails the bound
    assert records["ex_01_lhc_events"] == pytest.approx(1e5**1.5, rel=1e-12)
    assert records["ex_01_lhc_gain"] == pytest.approx(316.2, abs=0.1)
    assert records["ex_01_lhc_gain"] > 10 * 25
    assert records["ex_01_lhc_satisfied_at_25"] is False
