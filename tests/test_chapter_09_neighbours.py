"""Chapter 9 (neighbouring results): claims checked on the records of its default-parameter run.

Every assertion is a statement of the chapter's "What we found" or the headline answer of one of
its exercises; the tolerance of each statistical one is derived in its comment. The records come
from the execution ``make test`` already made under nbval (or a fresh papermill run at the
defaults): see :func:`ampcore.book.runner.executed_records`.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore import VALIDITY_LIMIT, asymptotic_valid_scale, gaussian_mean_success, valid_extra
from ampcore.book.parameters import chapter_spec
from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "09_neighbours.ipynb"
DEFAULTS = chapter_spec(NOTEBOOK).defaults()


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


# --- sample amplification ----------------------------------------------------------------------


def test_simulated_success_matches_the_exact_value(records):
    # each point: 1000 real and 1000 amplified sets, binomial se <= 0.011; 24 points at 4 se
    # each: chance of a false failure about 24 × 6e-5 = 1.5e-3
    d = records["dist"]
    assert d["points"] == len(DEFAULTS["dims"]) * len(DEFAULTS["scales"])
    assert d["rounds_per_point"] == DEFAULTS["rounds"] * DEFAULTS["replicates"]
    assert d["max_abs_z"] < 4


def test_validity_limit_scales_like_n_over_root_d(records):
    # exact arithmetic (no randomness): the limits are those of the chi-square formula, they
    # fall with d in units of n/√d, and approach the large-d constant from above
    d, n = records["dist"], DEFAULTS["N"]
    for dim in DEFAULTS["dims"]:
        assert d["valid_extra"][str(dim)] == valid_extra(n, dim)
        assert gaussian_mean_success(n, n + d["valid_extra"][str(dim)], dim) <= VALIDITY_LIMIT
    scales = [d["valid_scale"][str(dim)] for dim in sorted(DEFAULTS["dims"])]
    assert scales == sorted(scales, reverse=True)
    limit = asymptotic_valid_scale()
    assert d["asymptotic_scale"] == pytest.approx(limit)
    assert limit < d["valid_scale_max_d"] < d["valid_scale_min_d"]
    assert d["valid_scale_max_d"] - limit < 0.1  # 1.28 against 1.22 at d = 64
    assert d["valid_gain_min_d"] == pytest.approx(1 + valid_extra(n, 1) / n)


def test_near_chance_at_the_smallest_extra_and_winning_at_the_largest(records):
    # se of one point <= 0.011 (binomial, 2000 sets): "near chance" = below the limit 2/3 by
    # more than 4 se; "wins" = above it by more than 4 se in every dimension
    d = records["dist"]
    assert d["success_min_scale_max_d"] < VALIDITY_LIMIT - 4 * 0.011
    for dim, value in d["success_largest"].items():
        assert value > VALIDITY_LIMIT + 4 * 0.011, dim


# --- three notions on one sample ---------------------------------------------------------------


def test_best_test_wins_from_the_exact_valid_gain(records):
    # exact: the valid gain; simulation: 2000 + 2000 sets per gain, se <= 0.0079, 4 se tolerance
    h, n = records["notions"], DEFAULTS["N"]
    assert h["valid_gain"] == pytest.approx(1 + valid_extra(n, 1) / n)
    assert h["max_abs_z"] < 4
    assert h["success_near_sqrt_n"] > VALIDITY_LIMIT + 4 * 0.0079
    assert h["first_invalid_gain"] is not None and h["first_invalid_gain"] > h["valid_gain"] > 1


def test_measured_m_reaches_three_near_root_n(records):
    # M_G = ln(G N)/Ĥ with Ĥ ≈ ln N / 2 at the training width (M = 2), so M_G = 3 at G = √N.
    # Noise: the mean M at one gain has se ≈ 0.18/√50 = 0.025 and dM/dln G = 1/Ĥ ≈ 0.43, so
    # ln G at the crossing has se ≈ 0.06; systematic terms (Δ²-binning, the entropy estimate
    # from N = 100 events) are of order 0.05 in ln G. Tolerance: |ln(G*/√N)| < ln 1.3 = 0.26.
    h = records["notions"]
    assert h["sqrt_n"] == pytest.approx(math.sqrt(DEFAULTS["N"]))
    assert abs(math.log(h["crossing_gain"] / h["sqrt_n"])) < math.log(1.3)


def test_amplification_factor_above_one_and_first_order(records):
    # pooled factor with its delta-method se: above 1 by more than 4 se at G ≈ √N and at the
    # largest G, and within 4 se of the first-order expectation at every gain
    h = records["notions"]
    assert h["amp_factor_near_sqrt_n"] - 4 * h["amp_factor_se_near_sqrt_n"] > 1
    assert h["amp_factor_largest"] - 4 * h["amp_factor_largest_se"] > 1
    # the prose gives the largest deviation over the six gains without another margin: |z| < 3
    assert h["amp_factor_z"] < 3


# --- replace versus accumulate -----------------------------------------------------------------


def test_variances_follow_their_exact_expectations(records):
    # deviation from the expectation given each chain's real events, in se over 40 chains;
    # 4 se for each of 4 pairs (chance of a false failure about 2.5e-4 for Normal deviations)
    c = records["collapse"]
    assert c["generations"] == DEFAULTS["generations"] and c["chains"] == DEFAULTS["chains"]
    assert c["variance_z_max"] < 4
    # the prose's claim ("are their exact expectations") covers the refitted Normal in both
    # schemes and the replacing KDE: |z| < 3 each; the accumulating KDE's deviation is only
    # reported, with what a value beyond 3 would mean
    assert records["collapse_other_z_max"] < 3
    others = [z for key, z in c["variance_z_last"].items() if key != "kde_accumulate"]
    assert records["collapse_other_z_max"] == pytest.approx(max(abs(z) for z in others))


def test_replacing_collapses_and_accumulating_does_not(records):
    # replace: E KL after g generations ≈ (g + 1)/n for the Normal (exercise 9.3), 31 times its
    # start; the last KL has a relative se of about 15%, so "grows" = KL_last − 4 se > 5 KL_first.
    # accumulate: the last KL is more than 4 se (of both) below the replacing chain's
    c = records["collapse"]
    for method in ("refit_normal", "kde"):
        rep, acc = f"{method}_replace", f"{method}_accumulate"
        assert c["kl_last"][rep] - 4 * c["kl_se_last"][rep] > 5 * c["kl_first"][rep], method
        assert c["kl_last"][acc] + 4 * c["kl_se_last"][acc] < c["kl_last"][rep] - 4 * c["kl_se_last"][rep], method
        assert c["kl_growth"][acc] < c["kl_growth"][rep] / 5, method


def test_accumulating_kde_still_spreads(records):
    # the KDE's accumulated variance grows like h² ln g: above its start by more than 4 se of
    # both, yet below the replacing chain's by more than 4 se of both
    c = records["collapse"]
    acc, rep = "kde_accumulate", "kde_replace"
    first_se = c["variance_first_se"][acc]
    assert c["variance_last"][acc] - 4 * c["variance_se_last"][acc] > c["variance_first"][acc] + 4 * first_se
    assert c["variance_last"][acc] + 4 * c["variance_se_last"][acc] < c["variance_last"][rep] - 4 * c["variance_se_last"][rep]
    # and the replacing KDE spreads out: its last variance is above its start by more than 4 se
    assert c["variance_last"][rep] - 4 * c["variance_se_last"][rep] > c["variance_first"][rep] + 4 * c["variance_first_se"][rep]


# --- exercises -----------------------------------------------------------------------------------


def test_exercise_valid_extra_in_100_dimensions(records):
    # exact: 129 extra points, a little above the large-d value 121.8
    assert records["ex_09_valid"] == valid_extra(1000, 100)
    assert records["ex_09_valid_approx"] == pytest.approx(asymptotic_valid_scale() * 100)
    assert 0 < records["ex_09_valid"] - records["ex_09_valid_approx"] < 0.1 * records["ex_09_valid_approx"]
    assert records["ex_09_valid_gain"] == pytest.approx(1 + records["ex_09_valid"] / 1000)


def test_exercise_stricter_verifier(records):
    # exact limit at 0.9; the simulation (2000 + 2000 sets) within 4 binomial se of it
    k = records["ex_09_strict"]
    assert k == valid_extra(100, 16, limit=0.9)
    assert gaussian_mean_success(100, 100 + k, 16) <= 0.9 < gaussian_mean_success(100, 101 + k, 16)
    assert records["ex_09_strict_ratio"] == pytest.approx(k / valid_extra(100, 16))
    assert abs(records["ex_09_strict_z"]) < 3  # one comparison: the book's |z| < 3


def test_exercise_drift_of_a_replacing_chain(records):
    # KL after g generations ≈ (g + 1)/n (a random walk of the mean and the variance); the mean
    # over 120 chains has a relative se of about 9%: 4 se. The ratio of the n = 100 and n = 400
    # KLs (4 by the argument) has a relative se of about 16%: 4 se gives (1.4, 6.6)
    assert records["ex_09_drift_predicted"] == pytest.approx((DEFAULTS["generations"] + 1) / 400)
    assert abs(records["ex_09_drift_z"]) < 3  # one comparison: the book's |z| < 3
    assert 4 * (1 - 4 * 0.16) < records["ex_09_drift_ratio"] < 4 * (1 + 4 * 0.16)
    # the ratio against 4 in standard errors of the ratio (delta method, independent chains)
    assert abs(records["ex_09_drift_ratio_z"]) < 3
