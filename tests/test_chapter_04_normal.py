"""Chapter 4 (notebooks/04_normal.ipynb): claims checked on the records of its default run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "04_normal.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(CHAPTER)


def test_floor_is_lowest_in_the_goldilocks_band(records):
    # Exact floors (no estimator noise): the valley of KL(q_Δ‖p) in M is deterministic given the
    # seeds; at N = 2000 the floor at M = 2.5 is ~0.012 and at M = 1.5 and 6 ~0.06 nats.
    floor = dict(zip(records["m_values"], records["floor_mean"]))
    assert floor[2.5] < floor[1.5] and floor[2.5] < floor[6.0]
    assert 0.005 < floor[2.5] < 0.03


def test_plateau_equals_floor(records):
    # Plateau = mean KLD over G >= ceil(sqrt(2000)) = 45 (G = 100, 300: N_G >= 2e5). Estimator
    # noise there ~0.8/sqrt(2e5) ~ 0.002 per trial, averaged over 2 gains x 5 replicates ~ 0.001;
    # 0.015 is a loose bound kept from the CI-size run.
    assert records["plateau_from"] == 45
    for plateau, floor in zip(records["plateau_mean"], records["floor_mean"]):
        assert abs(plateau - floor) < 0.015


def test_mc_baseline_goes_to_zero_and_bound_flag(records):
    # MC at N_G = 6e5 against 1e6: sd ~ 0.8/sqrt(6e5) / sqrt(5) ~ 0.0005; 0.012 is > 20 sd.
    assert abs(records["mc_at_max_gain"]) < 0.012
    assert records["bound_at_max_gain"] is True
    assert records["n_trials"] == 6 * 6 * 5
    assert all(abs(m_eff - m) / m < 0.1 for m, m_eff in zip(records["m_values"], records["m_eff"]))
