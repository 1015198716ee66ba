"""Chapter 2 (the entropy bound) runs at small parameters; its records show the derivation."""

from __future__ import annotations

from pathlib import Path

from ampcore.notebook import execute_chapter

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_entropy_bound.ipynb"


def test_chapter_runs_and_records(tmp_path):
    params = {
        "N": 1000,
        "n_values": [1000, 10_000],
        "m_values": [1.5, 2, 3, 6],
        "gains": [1, 10, 32, 100],
        "seeds": 3,
        "reference_size": 50_000,
    }
    rec = execute_chapter(NOTEBOOK, tmp_path / "out.ipynb", params)
    # H ~ h - ln D for D <= 0.2 at n = 5e4: the plug-in bias (B-1)/(2n) is ~0.008 at D = 0.01
    # (B ~ 800 occupied bins), the O(D^2) term < 0.003 and the noise sd ~0.003 (3 seeds, max of
    # |gap|): 0.02 leaves > 3 sd of room.
    assert rec["shannon_max_gap_small"] < 0.02
    # the Goldilocks rule returns M = 2 within a few hundredths at N >= 1000 (sd ~ 0.02)
    assert abs(rec["recovery_m2"] - 2.0) < 0.06
    # measured M of N_G events reaches 3 near N^(3/2): the crossing sits at N^(3/M_train) with
    # M_train = 2 +- 0.05, i.e. within a factor N^(0.04) ~ 1.3 of N^(3/2) at N = 1000
    for key in ("crossing_ratio_gencopy", "crossing_ratio_iid"):
        assert 0.6 < rec[key] < 1.6, key
    exact = rec["floor_exact"]
    # the floor is U-shaped: at N = 1000 the probe floors are ~0.08 (M=1.5), ~0.016 (M=3),
    # ~0.07 (M=6), with seed sd < 0.01, so both orderings hold by several sd
    assert exact["3"] < exact["1.5"] and exact["3"] < exact["6"]
    assert rec["floor_best_m"] in (2.0, 3.0)
    # the two-term approximation stays within 0.03 nats of the exact floor
    assert all(abs(exact[m] - rec["floor_approx"][m]) < 0.03 for m in exact)
