"""Chapter 2 (the entropy bound): claims checked on the records of its default-parameter run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_entropy_bound.ipynb"


@pytest.fixture(scope="module")
def rec() -> dict:
    return executed_records(NOTEBOOK)


def test_entropy_tracks_h_minus_log_width(rec):
    # H ~ h - ln D for D <= 0.2 at n = 2e5: the plug-in bias (B-1)/(2n) is ~0.002 at D = 0.01
    # (B ~ 800 occupied bins), the O(D^2) term < 0.003 and the noise sd ~0.002 (5 replicates,
    # max of |gap|): 0.02 leaves > 5 sd of room.
    assert rec["shannon_max_gap_small"] < 0.02


def test_goldilocks_rule_returns_m(rec):
    # the Goldilocks rule returns M = 2 within a few hundredths at N >= 200 (sd ~ 0.02)
    assert abs(rec["recovery_m2"] - 2.0) < 0.06


def test_measured_m_reaches_3_near_the_bound(rec):
    # the crossing sits at N^(3/M_train) with M_train = 2 +- 0.02, i.e. within a factor
    # N^(0.02) ~ 1.2 of N^(3/2) at N = 2000
    for key in ("crossing_ratio_gencopy", "crossing_ratio_iid"):
        assert 0.6 < rec[key] < 1.6, key


def test_floor_is_u_shaped(rec):
    exact = rec["floor_exact"]
    # at N = 2000 the floors are ~0.065 (M=1.5), ~0.011 (M=3), ~0.057 (M=6), with sd < 0.01
    assert exact["3"] < exact["1.5"] and exact["3"] < exact["6"]
    assert rec["floor_best_m"] in (2.5, 3.0, 3.5)
    assert all(abs(exact[m] - rec["floor_approx"][m]) < 0.03 for m in exact)
