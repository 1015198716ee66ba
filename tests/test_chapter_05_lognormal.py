"""Chapter 5 (notebooks/05_lognormal.ipynb): claims checked on the records of its default run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "05_lognormal.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(CHAPTER)


def test_support_and_finite_floors(records):
    # GenCopy bins start at min(x) > 0, so no bin reaches below 0 and every floor is finite.
    assert records["min_origin"] > 0
    assert records["all_floors_finite"] is True


def test_log_bins_lower_the_floor(records):
    # Exact floors, no estimator noise. At N = 2000 the ratio is 2.5-4 for M = 2-4 (5 replicates,
    # floor sd <= 0.012 on 0.04-0.05); we require a clear factor 1.5 there. At M = 6 bins are too
    # wide on either scale and the chapter says log bins do not help.
    for m, lin, log in zip(records["m_values"], records["floor_linear"], records["floor_log"]):
        if 2 <= m <= 4:
            assert log * 1.5 < lin, m


def test_plateaus_equal_floors(records):
    # Plateau over G >= 45 (G = 100, 300: N_G >= 2e5): per-trial noise ~0.002, averaged ~0.001;
    # 0.015 is a loose bound kept from the CI-size run.
    assert records["plateau_from"] == 45
    for key in ("linear", "log"):
        for plateau, floor in zip(records[f"plateau_{key}"], records[f"floor_{key}"]):
            assert abs(plateau - floor) < 0.015, key
    assert abs(records["mc_at_max_gain"]) < 0.012


def test_regions_add_up_to_the_floor(records):
    # The region split is a partition of the bins: exact up to float rounding.
    for key in ("linear", "log"):
        totals = [sum(parts) for parts in records[f"region_{key}"].values()]
        assert totals == pytest.approx(records[f"floor_{key}"], abs=1e-12)
