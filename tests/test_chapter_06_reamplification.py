"""Chapter 6 (re-amplification) executed with papermill at CI size; assertions on its records."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.notebook import execute_chapter

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_reamplification.ipynb"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ch06") / "out.ipynb"
    params = {
        "N": 1000,
        "gains": [1, 10],
        "G": 2,
        "seeds": 3,
        "reference_size": 50_000,
        "n_small": 100,
        "generations": 10,
        "chain_seeds": 8,
    }
    return execute_chapter(NOTEBOOK, out, params)


def test_amplified_data_keeps_the_n_event_floor(records):
    # N = 1000, N' = 10 N, M = 2.5: the real-N' floor is ~0.003-0.004 nats, the amplified one
    # ~0.015-0.02 (the N-event floor); over 3 seeds the sd of each mean is <= 0.003, so a factor-2
    # gap is > 4 sd (false-failure chance < 1e-4).
    assert records["floor_amplified_nats"] > 2 * records["floor_real_nats"]
    assert records["floor_amplified_nats"] > 0.5 * records["floor_n_nats"]
    # the real branch improves with N'
    assert records["floors_real"][-1] < records["floors_real"][0]


def test_naive_bound_overstates_by_g_to_three_halves(records):
    assert records["overstatement"] == pytest.approx([1.0, 10**1.5])


def test_chains_drift_in_the_expected_directions(records):
    var = records["chain_variance"]
    # after 10 generations of 100 events: refit expected 0.904, KDE ~1.9, GenCopy ~1.6; the sd of a
    # single chain's variance is ~0.4 at most, so the mean of 8 chains has se ~0.15; the
    # orderings below hold by > 4 se.
    assert var["refit_normal"] < var["gencopy"]
    assert var["refit_normal"] < var["kde"]
    assert var["kde"] > 1.2 and var["gencopy"] > 1.2
    assert all(kl > 0 for kl in records["chain_kl"].values())
