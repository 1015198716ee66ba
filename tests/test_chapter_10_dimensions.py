"""Chapter 10 (more dimensions): claims checked on the records of its default-parameter run.

Every assertion is a statement of the chapter's "What we found" or the headline answer of one of
its exercises; the tolerance of each statistical one is derived in its comment. The records come
from the execution ``make test`` already made under nbval (or a fresh papermill run at the
defaults): see :func:`ampcore.book.runner.executed_records`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from ampcore import GaussianND, goldilocks_cell_width, min_gain
from ampcore.book.parameters import chapter_spec
from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "10_dimensions.ipynb"
DEFAULTS = chapter_spec(NOTEBOOK).defaults()


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


# --- the bound in d dimensions -----------------------------------------------------------------


def test_the_bound_keeps_its_form_at_the_measured_m(records):
    # GenCopy's histogram of G·N events tends to the training one, so the crossing is
    # N^(3/M̂ − 1) up to the plug-in bias (B − 1)/(2GN) of the generated entropy, below 3e-3 nats
    # at the crossing, i.e. < 1e-3 in the exponent; 0.01 would still fail on the nominal √N at
    # d = 5 (a gap of 0.24)
    b = records["bound"]
    assert b["max_exponent_gap"] < 0.01
    n = DEFAULTS["N"]
    for d in map(str, DEFAULTS["dims"]):
        assert b["bound_gain_measured"][d] == pytest.approx(float(min_gain(n, b["m_train_measured"][d], 3.0)))


def test_near_root_n_in_low_d_and_far_above_it_in_d_5(records):
    # ln G* = (3/M̂ − 1) ln N moves by 3 ln N / M̂² ≈ 5.2 per unit of M̂; the mean M̂ of 5
    # replicates has sd ≤ 0.024/√5 = 0.011, so ln G* has sd ≤ 0.06: 4 sd = 0.24 around √N
    b, n = records["bound"], DEFAULTS["N"]
    root = math.sqrt(n)
    assert b["bound_gain_nominal"] == pytest.approx(root)
    for d in ("1", "2"):
        assert abs(math.log(b["crossing_gain"][d] / root)) < 0.24
    # d = 5: M̂ below 1.8 (the target 2 is ~30 sd away), so the crossing is above N^(3/1.8 − 1)
    assert b["m_train_measured_max_d"] < 1.8
    assert b["crossing_gain_max_d"] > n ** (3 / 1.8 - 1) > 3 * root


def test_expected_m_matches_the_measured_m(records):
    # first order: ln N / (ln N/M + D(p‖p_V) − (B − 1)/(2N)); the second-order plug-in bias grows
    # with B/N (0.15 at d = 5, ~0.04 in M) and the mean of 5 replicates has sd ≤ 0.011 in M:
    # 0.06 allows both; a prediction without the binning term would miss by 0.3 at d = 5
    b = records["bound"]
    assert b["max_m_gap"] < 0.06
    for d in map(str, DEFAULTS["dims"]):
        assert abs(b["m_train_measured"][d] - b["m_train_expected"][d]) <= b["max_m_gap"] + 1e-12


def test_cell_widths_follow_the_d_dimensional_rule(records):
    b, n, m = records["bound"], DEFAULTS["N"], DEFAULTS["m_train"]
    for d in DEFAULTS["dims"]:
        assert b["width"][str(d)] == pytest.approx(goldilocks_cell_width(n, m, GaussianND(d).entropy(), d))


# --- the floor ---------------------------------------------------------------------------------


def test_the_floor_grows_with_d_and_becomes_binning_bias(records):
    # exact floors of 5 training samples each; se ≤ 0.015 nats (in the records): the growth from
    # 0.03 to 1.1 nats is > 50 se, the 10-fold threshold is far from both
    f = records["floor"]
    assert f["floor_increasing"]
    assert f["floor_ratio"] > 10
    assert f["floor_max_d"] - f["floor_min_d"] > 10 * (f["floor_se"]["1"] + f["floor_se"]["5"])
    assert f["bias_share_min_d"] < 0.1 < 0.5 < f["bias_share_max_d"]
    # the noise outgrows its small-cell approximation (B − 1)/(2N) in high d
    assert f["noise"]["5"] > 2 * f["noise_approx"]["5"]


# --- whole point clouds on d-D cells ----------------------------------------------------------


def test_the_score_checks_truth_worth_g_and_training_worth_one(records):
    # multinomial variance: true in expectation; each factor is a ratio of means over the
    # replicates with a delta-method se; 16 comparisons, so |z| < 3.5 (two-sided 5e-4 each)
    c = records["cloud"]
    assert c["truth_z_max"] < 3.5 and c["training_z_max"] < 3.5


def test_gencopy_on_the_scoring_cells_is_worth_one(records):
    # identity: its cell probabilities are the training frequencies; no trend beyond 3 se
    c = records["cloud"]
    for law in c["laws"]:
        assert abs(c["trend_z"][f"{law}_gencopy"]) < 3


def test_the_efficient_fits_follow_their_envelopes(records):
    # declared before looking: |measured G_eff(inf) - envelope| < 3 combined se in every law and d
    assert records["cloud"]["envelope_z_max"] < 3


def test_dimension_trends_in_both_directions(records):
    # the claims of "What we found": ln G_eff(inf) at d_max against d_min, with its se
    c = records["cloud"]
    assert c["trend_z"]["gaussian_nd_gaussian_fit"] < -3      # the full Normal falls
    assert c["trend_z"]["gaussian_nd_kde"] < -3               # the KDE falls on the Normal
    assert c["trend_z"]["shell_kde"] > 3                      # and grows on the shell
    env = c["envelope"]
    dims = [d for d in c["dims"] if d >= 2]
    # the envelopes are exact (Normal) or have Monte Carlo se below 1 % (shell): monotone in d
    assert all(env[f"gaussian_nd_{a}"] > env[f"gaussian_nd_{b}"] for a, b in zip(c["dims"], c["dims"][1:]))
    assert all(env[f"shell_{a}"] < env[f"shell_{b}"] for a, b in zip(dims, dims[1:]))


def test_the_wrong_form_does_not_amplify(records):
    # the fitted Normal on the shell: below 0.1 training samples in every d (its se is < 0.01)
    assert records["cloud_wrong_form_max"] < 0.1


def test_closed_form_fits_report_convergence(records):
    assert all(records["cloud"]["converged"].values())


# --- exercises ---------------------------------------------------------------------------------


def test_exercise_cell_width_in_five_dimensions(records):
    h5 = GaussianND(5).entropy()
    assert records["ex_10_cell"] == pytest.approx(goldilocks_cell_width(1000, 2.0, h5, 5))
    assert records["ex_10_cell"] == pytest.approx(math.sqrt(2 * math.pi * math.e) * 1000 ** (-0.1))
    n_needed = records["ex_10_events"]
    assert goldilocks_cell_width(round(n_needed), 2.0, h5, 5) == pytest.approx(0.5, rel=1e-6)


def test_exercise_more_data_lowers_the_floor_slowly(records):
    # exact floors; ten times N shrinks the cells by 10^(-1/6) = 0.68 and the bias by ~0.46
    # (Δ² scaling, less at coarse cells): the floor falls, but by less than 10-fold
    f = records["floor"]
    assert records["ex_10_floor"] < f["floor"]["3"]
    assert 1 < records["ex_10_floor_ratio"] < 10
    assert records["ex_10_bias"] < f["bias"]["3"]
    ratio = records["ex_10_bias"] / f["bias"]["3"]
    assert 0.3 < ratio < 0.7
