"""Chapter 5 (notebooks/05_lognormal.ipynb) run with papermill at CI size; assertions on its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.notebook import execute_chapter

CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "05_lognormal.ipynb"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # N = 500, 3 seeds, M in {2.5, 3}, G up to 60 (N_G = 30 000), reference 200 000: ~12 s.
    out = tmp_path_factory.mktemp("ch05") / "out.ipynb"
    return execute_chapter(
        CHAPTER, out,
        {"N": 500, "m_values": [2.5, 3], "gains": [1, 10, 30, 60], "seeds": 3,
         "reference_size": 200_000},
    )


def test_support_and_finite_floors(records):
    # GenCopy bins start at min(x) > 0, so no bin reaches below 0 and every floor is finite.
    assert records["min_origin"] > 0
    assert records["all_floors_finite"] is True


def test_log_bins_lower_the_floor(records):
    # Exact floors, no estimator noise. At the default N = 2000 the ratio is 3-4 at M = 2.5-3;
    # at N = 500 we only require log bins to be clearly better (factor 1.5).
    for lin, log in zip(records["floor_linear"], records["floor_log"]):
        assert log * 1.5 < lin


def test_plateaus_equal_floors(records):
    # Plateau over G >= 23 (G = 30, 60): per-trial noise ~0.8/sqrt(15 000) ~ 0.007, averaged over
    # 2 gains x 3 seeds ~ 0.003; 0.015 is ~5 sd (plus the small k = 5 bias on step densities).
    assert records["plateau_from"] == 23
    for key in ("linear", "log"):
        for plateau, floor in zip(records[f"plateau_{key}"], records[f"floor_{key}"]):
            assert abs(plateau - floor) < 0.015, key
    # MC at N_G = 30 000: sd ~ 0.005 / sqrt(3); 0.012 is > 4 sd.
    assert abs(records["mc_at_max_gain"]) < 0.012


def test_regions_add_up_to_the_floor(records):
    # The region split is a partition of the bins: exact up to rounding to 5 decimals.
    for key in ("linear", "log"):
        totals = [sum(parts) for parts in records[f"region_{key}"].values()]
        assert totals == pytest.approx(records[f"floor_{key}"], abs=5e-5)
