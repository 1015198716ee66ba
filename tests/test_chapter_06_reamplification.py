"""Chapter 6 (re-amplification): claims checked on the records of its default-parameter run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "06_reamplification.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_amplified_data_keeps_the_n_event_floor(records):
    # N = 2000, N' = 20 N, M = 2.5: the real-N' floor is ~0.002 nats, the amplified one ~0.011
    # (the N-event floor); over 5 replicates the sd of each mean is <= 0.001, so a factor-2 gap
    # is > 5 sd.
    assert records["floor_amplified_nats"] > 2 * records["floor_real_nats"]
    assert records["floor_amplified_nats"] > 0.5 * records["floor_n_nats"]
    # the real branch improves with N'
    assert records["floors_real"][-1] < records["floors_real"][0]


def test_naive_bound_overstates_by_g_to_three_halves(records):
    # the table rounds the ratio to one decimal
    assert records["overstatement"] == pytest.approx([g**1.5 for g in (1, 2, 5, 10, 20)], abs=0.051)


def test_chains_drift_in_the_expected_directions(records):
    var = records["chain_variance"]
    # after 30 generations of 200 events: refit expected 0.86, KDE ~3.3, GenCopy ~3.1; the sd of
    # a single chain's variance is < 0.9, so the mean of 20 chains has se < 0.2; the orderings
    # below hold by > 5 se.
    assert var["refit_normal"] < var["gencopy"]
    assert var["refit_normal"] < var["kde"]
    assert var["kde"] > 1.2 and var["gencopy"] > 1.2
    assert all(kl > 0 for kl in records["chain_kl"].values())
