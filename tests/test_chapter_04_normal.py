"""Chapter 4 (notebooks/04_normal.ipynb) run with papermill at CI size; assertions on its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.notebook import execute_chapter

CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "04_normal.ipynb"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # N = 500, 3 seeds, G up to 60 (N_G = 30 000 >= N^1.5 = 11 180), reference 200 000: ~10 s.
    out = tmp_path_factory.mktemp("ch04") / "out.ipynb"
    return execute_chapter(
        CHAPTER, out,
        {"N": 500, "m_values": [1.5, 2.5, 6], "gains": [1, 10, 30, 60], "seeds": 3,
         "reference_size": 200_000},
    )


def test_floor_is_lowest_in_the_goldilocks_band(records):
    # Exact floors (no estimator noise): the valley of KL(q_Δ‖p) in M is deterministic given the
    # seeds; at N = 500 the floor at M = 2.5 is ~0.03 and at M = 1.5 and 6 ~0.1 nats.
    floor = dict(zip(records["m_values"], records["floor_mean"]))
    assert floor[2.5] < floor[1.5] and floor[2.5] < floor[6.0]
    assert 0.01 < floor[2.5] < 0.06


def test_plateau_equals_floor(records):
    # Plateau = mean KLD over G >= ceil(sqrt(500)) = 23 (G = 30, 60: N_G >= 15 000). Estimator noise
    # there ~0.8/sqrt(15 000) ~ 0.007 per trial, averaged over 2 gains x 3 seeds ~ 0.003; 0.015 is
    # ~5 sd, plus room for the small k = 5 bias on a step density.
    assert records["plateau_from"] == 23
    for plateau, floor in zip(records["plateau_mean"], records["floor_mean"]):
        assert abs(plateau - floor) < 0.015


def test_mc_baseline_goes_to_zero_and_bound_flag(records):
    # MC at N_G = 30 000 against 2e5: sd ~ 0.8/sqrt(3e4) / sqrt(3 seeds) ~ 0.003; 0.012 is ~4 sd.
    assert abs(records["mc_at_max_gain"]) < 0.012
    assert records["bound_at_max_gain"] is True
    assert records["n_trials"] == 3 * 4 * 3
    assert all(abs(m_eff - m) / m < 0.1 for m, m_eff in zip(records["m_values"], records["m_eff"]))
