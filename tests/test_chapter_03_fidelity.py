"""Chapter 3 (measuring fidelity): every claim of its prose checked on the records of its default run.

Defaults: n = m in {500, 2000, 8000, 32000, 128000}, 8 replicates, k = 5; tie experiment with
N = 2000, G = 10, reference 2e5. The estimate of D_5 for equal laws scatters with sd ~0.6-0.8/sqrt(n)
nats (measured here), and a standard deviation from s seeds has relative error 1/sqrt(2(s-1)).
Every agreement the prose states carries a z in standard errors of the mean over replicates with
the tolerance |z| < 3 declared in the prose (for the fifteen-cell bias scan: the 5 % level of the
largest of fifteen t statistics); every effect it describes is asserted at >= 3 SE.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_fidelity.ipynb"
PAIRS = ("N(0,1) vs N(0,1)", "N(0,1) vs N(0,2²)", "N(0,1) vs N(1,1)")
SIZES = (500, 2000, 8000, 32000, 128000)
Z = 3.0  # the declared tolerance


@pytest.fixture(scope="module")
def rec() -> dict:
    return executed_records(NOTEBOOK)


def test_equal_to_r_fnn(rec):
    # an exactness check, not a statistical one: equal to R FNN (ampcore/data/fnn) up to double rounding
    assert rec["cases"] == 15
    assert rec["fixture_max_diff"] <= 1e-12
    assert rec["fixture_all_nonfinite_match"] is True


def test_vector_and_directions(rec):
    # D_1..D_10 for N(0,1) vs N(1,1) at n = 2000: all below 0.5 on this sample, spread of a few
    # hundredths (< 0.1: the sd of one element is ~1.45/sqrt(2000) = 0.03)
    assert rec["vector_max"] < 0.5 and rec["vector_max"] - rec["vector_min"] < 0.1
    # forward direction: the mean error over 8 pairs of samples is within the declared |z| < 3
    assert abs(rec["forward_z"]) < Z
    # reverse badly underestimated: by more than a fifth ("about a third") in the mean, >= 3 SE
    assert rec["backward_mean_error"] < -0.2 * rec["backward_exact"] and rec["backward_z"] <= -Z
    assert rec["backward"] < 0.8 * rec["backward_exact"]


def test_no_bias_is_resolved_and_the_standard_error_bounds_it(rec):
    # the largest |mean / s.e.| over 15 cells: for t with 7 dof, P(max |t| > 4) ~ 15 x 0.005 = 7 %
    # under no bias; > 4.5 (P ~ 4 %) would contradict "no bias is resolved". A bias of 2 s.e.
    # in every cell would push the max above 3 with high probability; the claim is the weaker one
    # (15 cells and 7 degrees of freedom at the defaults: 4.36)
    assert rec["z_abs_max"] < rec["z_resolved"]
    # the shifted pair's negative mean errors, combined (sum of z over sqrt 5), are not a resolved bias
    assert abs(rec["shifted_combined_z"]) < Z
    # the shifted pair is the noisiest at n = 500 (sd ~1.45/sqrt(n) against ~0.6-0.8/sqrt(n))
    assert rec["sd"]["N(0,1) vs N(1,1) @ 500"] > rec["sd"]["N(0,1) vs N(0,1) @ 500"]
    # its mean errors are negative up to n = 32 000 (the prose reports it as a suggestion)
    assert all(rec["mean_error"][f"N(0,1) vs N(1,1) @ {n}"] < 0 for n in SIZES[:4])
    # error and spread shrink: sd at the largest n below a fifth of the smallest n's (1/sqrt(256)
    # = 1/16 expected; the sd estimates have 27 % error each)
    for pair in PAIRS:
        assert rec["sd"][f"{pair} @ 128000"] < rec["sd"][f"{pair} @ 500"] / 5, pair


def test_noise_falls_like_one_over_sqrt_n(rec):
    # slope of ln sd on ln n over five sizes spanning ln 256 = 5.5: each ln sd has sd ~0.27
    # (8 seeds), so the slope's standard error is 0.27 / sqrt(sum (x - mean x)^2) = 0.27/4.4 =
    # 0.06; |slope + 1/2| < 0.25 (> 4 se) passes a 1/sqrt(n) law and fails 1/n (slope -1) or no
    # fall (slope 0)
    for pair, slope in rec["noise_slopes"].items():
        assert abs(slope + 0.5) < 0.25, pair
    # the prose's statement: every slope within the declared |z| < 3 of -1/2, in the slope's SE
    assert rec["slope_z_abs_max"] < Z
    # the equal-law constant: 0.6-0.8/sqrt(n) (sd x sqrt(n) averaged over 5 sizes: ~12 % error)
    assert 0.4 < rec["equal_sd_sqrt_n"] < 1.0


def test_ties(rec):
    # exact copies: +inf; jitter below the spacing: estimates fall by ~ln 1000 per factor 1000
    assert rec["bootstrap_kld"] == "inf" and rec["warnings_caught"] == 1
    finite = [float(v) for v in rec["jitter_estimates"][1:]]
    assert finite[0] > 10 and all(a > b for a, b in zip(finite[:5], finite[1:6]))
    for big, small in (("1e-12", "1e-09"), ("1e-09", "1e-06")):
        # the drop is ln(1000) = 6.9 up to the estimator's noise (< 0.1 at 2e4 points)
        assert rec[f"jitter_{big}"] - rec[f"jitter_{small}"] == pytest.approx(math.log(1000), abs=0.3)
    assert rec["ties_1e-12"] > 0 and rec["ties_1e-06"] == 0


def test_gencopy_is_what_the_gain_law_expects(rec):
    # GenCopy at G = 10, M = 2.5: 8 fresh GenCopy samples of N_G = 20 000 events, each against a
    # fresh 2e5 reference; the mean differs from the gain law's expectation (exact floor - noise/G)
    # by less than the declared 3 SE, and the Monte Carlo mean from 0 likewise. The SE is ~0.0014
    # (one estimate ~0.004-0.006): a law off by the noise term over G (0.0008) would not be
    # seen, one off by the floor (0.01) would (7 SE)
    assert math.isfinite(rec["gencopy_kld"]) and len(rec["gencopy_runs"]) == rec["replicates"]
    assert abs(rec["gencopy_z"]) < Z and abs(rec["mc_z"]) < Z
    assert rec["gencopy_mean"] - rec["gencopy_law"] == pytest.approx(rec["gencopy_z"] * rec["gencopy_se"])


def test_exercises(rec):
    # ex-03-direction: the two directions within the noise of their difference (sd ~0.008)
    assert abs(rec["ex_03_forward"] - rec["ex_03_reverse"]) < 4 * math.sqrt(2) * rec["noise_generated"]
    # ex-03-k1: sd ratio near sqrt(psi'(1)/psi'(5)) = 2.7, with ~38 % error from two 8-seed sds
    assert 1.5 < rec["ex_03_k1_ratio"] < 4.5
    assert abs(rec["ex_03_k1_z"]) < Z
    # ex-03-collisions: a hundred copies collide at s = 1e-12 (hundreds to thousands of values),
    # almost never at 1e-9 (expected ~2)
    assert rec["ex_03_ties100_1em12"] > 200 and rec["ex_03_ties100_1em09"] < 20
