"""Chapter 4 (notebooks/04_normal.ipynb): every claim of its prose checked on the records of its default run.

Defaults: N = 2000, M in {1.5, 2, 2.5, 3, 4, 6}, G in {1, 3, 10, 30, 100, 300}, 5 replicates,
reference 10^6 events, k = 5; envelope study at N = 100 ... 25 600, 24 replicates (8 for the
mixture, N <= 1600). The estimator's noise for n events against the reference is
sd ~0.8/sqrt(n) nats (chapter 3); a mean over R replicates has sd 0.8/sqrt(n R).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "04_normal.ipynb"
N, R = 2000, 5
NOISE_G1 = 0.8 / math.sqrt(N * R)  # sd of a 5-replicate mean KLD at G = 1: 0.0080 nats


@pytest.fixture(scope="module")
def rec() -> dict:
    return executed_records(CHAPTER)


def test_measured_m_tracks_the_chosen_m(rec):
    # the recovery of chapter 2: within a few hundredths for M <= 4 at N = 2000 (sd ~0.02 over
    # seeds, so 0.1 is > 4 sd of a 5-seed mean); M = 6 is a handful of bins and falls short by ~0.25
    for m, m_eff in rec["m_eff_by_m"].items():
        assert abs(m_eff - float(m)) < (0.1 if float(m) <= 4 else 0.5), m


def test_gain_one_is_the_bias_term(rec):
    # the gain law: at G = 1 the sample is iid from the binned true density, D(1) ~ bias. With a
    # 5-seed mean of sd 0.008, |D(1) - bias| < 4 sd = 0.032 for M <= 3 (chance of a false failure
    # < 1e-4 per M). The wrong answer "D(1) = floor" fails at M = 1.5 (floor 0.064, D(1) ~ 0).
    for m in ("1.5", "2", "2.5", "3"):
        assert abs(rec["kld_first"][m] - rec["bias"][m]) < 4 * NOISE_G1, m
    assert rec["floor_by_m"]["1.5"] - rec["kld_first"]["1.5"] > 4 * NOISE_G1


def test_the_gain_law_follows_the_curves(rec):
    # for M >= 2 the largest |mean KLD - law| over the gains is at most 4 sd of a 5-seed mean at
    # the noisiest gain (G = 1): 0.032 nats; a 16-seed test with power is in tests/test_gain.py
    assert rec["law_gap_max"] < 4 * NOISE_G1


def test_plateau_equals_floor(rec):
    # plateau = mean over G >= 45 (G = 100, 300; N_G = 2e5, 6e5) of 5 replicates: sd per estimate
    # 0.8/sqrt(2e5) = 0.0018 and 0.001, so the 10-estimate mean has sd ~0.0007; the law puts the
    # plateau noise*(1/100 + 1/300)/2 <= 0.0004 below the floor. |gap| < 0.003 is > 3.5 sd; a
    # plateau at half the floor (0.005 at M = 3) fails.
    assert rec["plateau_from"] == 45
    for m, gap in rec["plateau_gap"].items():
        assert abs(gap) < 0.003, m


def test_floor_valley(rec):
    floor, sd = rec["floor_by_m"], rec["floor_sd_by_m"]
    # lowest at M = 2.5-3, several (> 3) times below M = 1.5 and 6: floors are exact (no estimator
    # noise); their 5-seed means have sd <= 0.004 at 1.5 and 6, so a factor 3 is a wide margin
    # around the measured ~5.5
    for low in ("2.5", "3"):
        assert 3 * floor[low] < floor["1.5"] and 3 * floor[low] < floor["6"], low
    assert min(floor, key=floor.get) in ("2.5", "3")
    # M = 2 "about the same as M = 4": the difference within 3 sd of a difference of two 5-seed
    # means (sd sqrt((sd2^2 + sd4^2)/5) ~ 0.0017); the wrong answer "M = 2 is the band's best"
    # (floor2 near floor3 = 0.010) fails
    assert abs(floor["2"] - floor["4"]) < 3 * math.sqrt((sd["2"] ** 2 + sd["4"] ** 2) / R)


def test_mc_goes_to_zero_and_amplified_data_does_not(rec):
    # MC at N_G = 6e5: 5-seed mean sd 0.8/sqrt(6e5 * 5) = 0.00046; |mean| < 4 sd = 0.0018. An MC
    # at the GenCopy floor (0.010) fails.
    assert abs(rec["mc_at_max_gain"]) < 4 * 0.8 / math.sqrt(600_000 * R)
    assert rec["bound_at_max_gain"] is True and rec["n_trials"] == 6 * 6 * 5
    # "many times both the MC baseline and the estimator's noise": plateau at M = 3 more than five
    # times the noise of one estimate at the largest gain, and above the MC by > 4 combined sd
    assert rec["plateau_by_m"]["3"] > 5 * rec["mc_sd_at_max_gain"]
    spread = math.sqrt((rec["plateau_sd_by_m"]["3"] ** 2 + rec["mc_sd_at_max_gain"] ** 2) / R)
    assert rec["plateau_by_m"]["3"] - rec["mc_at_max_gain"] > 4 * spread


def test_noise_follows_one_over_sqrt_n(rec):
    # the MC spread over 5 seeds against 0.8/sqrt(N_G): one sd estimate from 5 values lies in
    # [0.35, 1.67] x the truth with 95 % chance; over six gains the extremes stay in [0.15, 2.5]
    # unless the 0.8/sqrt(n) law is off by a factor > 2
    assert 0.15 < rec["mc_sd_ratio_min"] and rec["mc_sd_ratio_max"] < 2.5
    # "an order of magnitude below the smallest floor" at the largest gain
    assert 5 * rec["mc_sd_at_max_gain"] < min(rec["floor_by_m"].values())


def test_gain_law_verdicts_use_the_declared_tolerance(rec):
    # the prose says "agrees" exactly where the largest gap is below 3 SE of the mean (declared)
    for m, z in rec["law_z"].items():
        assert (rec["law_verdict"][m] == "agrees") == (z < 3), m
    # the same rule for the exercise at N = 500
    assert (rec["ex_04_small_verdict"] == "agrees") == (rec["ex_04_small_law_z"] < 3)


def test_envelope_correct_model_grows_like_n_to_the_one_over_m(rec):
    # the fitted Normal: the slope's 95 % bootstrap interval contains the envelope's slope and
    # excludes 0 (no growth) at every M; it behaves like k = 2 parameters within 35 % at the
    # largest N (24 replicates: the replicate-mean score has ~20 % relative SE)
    for m in ("2", "2p5", "3"):
        tag = f"normal_fitted_m{m}"
        assert rec[f"slope_low_{tag}"] < rec[f"envelope_slope_{tag}"] < rec[f"slope_high_{tag}"], m
        assert rec[f"slope_low_{tag}"] > 0.1, m
        assert 1.3 < rec[f"params_last_{tag}"] < 2.7, m
        assert abs(rec[f"envelope_z_max_{tag}"]) < 3.5, m
        # the contrast: at a fixed N_q the factor does not grow like N^(1/M)
        assert rec[f"fixed_slope_{tag}"] < 0.2, m
    # the fitted LogNormal grows too (interval above 0)
    for m in ("2", "2p5", "3"):
        assert rec[f"slope_low_lognormal_fitted_m{m}"] > 0.05, m


def test_envelope_other_generators_sit_below(rec):
    # GenCopy: no growth (interval within +-0.2 of 0); the KDE: slower than the envelope (its
    # interval below the envelope's slope) at M = 2
    for law in ("normal", "lognormal"):
        for gen in ("gencopy", "gencopy_multinomial"):
            assert -0.25 < rec[f"slope_low_{law}_{gen}_m2"] and rec[f"slope_high_{law}_{gen}_m2"] < 0.25
    assert rec["slope_high_normal_kde_m2"] < rec["envelope_slope_normal_kde_m2"]
    assert rec["converged_normal_fitted_m2"] == 1.0


def test_knees(rec):
    # the knee exponent is 1 + slope (identity); the fitted Normal's is nearer 1 + 1/M at 2.5 and 3
    for m in ("2p5", "3"):
        tag = f"normal_fitted_m{m}"
        assert rec[f"knee_slope_{tag}"] == pytest.approx(1 + rec[f"slope_{tag}"])
        assert rec[f"knee_follows_{tag}"] == "1 + 1/M"
    # c = 1 for independent draws: within 4 SE for the fitted Normal at M = 2
    c, se = rec["approach_c_normal_fitted_m2"], rec["approach_c_se_normal_fitted_m2"]
    assert abs(c - 1) < 4 * se + 0.05


def test_exercises(rec):
    # ex-04-law: the first integer gain with noise/G <= 0.1 floor (the gain law with the exact
    # floor), from the recorded terms
    noise, floor = rec["noise"]["2"], rec["floor_2"]
    assert rec["floor_2"] == rec["floor_by_m"]["2"]
    assert rec["ex_04_law"] == math.ceil(10 * noise / floor - 1e-12)
    # ex-04-small (N = 500, M = 2.5, 10 seeds): D(1) ~ bias within 4 standard errors; D(64) ~ the
    # floor within 4 sd of a 10-seed mean at N_G = 32 000 (0.8/sqrt(320 000) = 0.0014) plus the
    # law's noise/64
    assert abs(rec["ex_04_small_d1"] - rec["ex_04_small_bias"]) < 4 * rec["ex_04_small_d1_sd"] / math.sqrt(10)
    tolerance = 4 * 0.8 / math.sqrt(64 * 500 * 10) + rec["ex_04_small_noise"] / 64
    assert abs(rec["ex_04_small_d64"] - rec["ex_04_small_floor"]) < tolerance
