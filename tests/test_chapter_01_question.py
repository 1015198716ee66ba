"""Chapter 1 (the question): claims checked on the records of its default-parameter run.

The records come from the execution ``make test`` already made under nbval (or, when that is
missing or stale, from a fresh papermill run at the defaults): see
:func:`ampcore.book.runner.executed_records`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_question.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_gencopy_keeps_every_bin(records):
    # N = 30, G = 5: 150 events; GenCopy (jitter variant) keeps every bin and multiplies every
    # count by G — exact, no randomness involved
    assert records["n_generated"] == 150
    assert records["same_bins"] is True


def test_bound_in_numbers(records):
    sizes = [30, 100, 1000, 2000, 10000]
    assert records["min_generated"] == pytest.approx([n**1.5 for n in sizes], rel=1e-12)
    # G = 5 is below sqrt(N) for every size of the table (sqrt(30) = 5.48)
    assert records["bound_at_gain"] == [False] * 5
