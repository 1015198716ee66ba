"""Chapter 5 (notebooks/05_lognormal.ipynb): every claim of its prose checked on the records of its default run.

Defaults: LogNormal(0, 1), N = 2000, M in {1.5, 2, 2.5, 3, 4, 6}, G in {1, ..., 300}, 5
replicates, GenCopy in x and in ln x on the same training events, reference 10^6. Floors are exact
(no estimator noise); their 5-seed means have sd floor_sd/sqrt(5). The estimator's noise for n
events is ~0.8/sqrt(n) nats (chapter 3). Claims that compare with the Normal law read chapter 4's
records (same N, M, seeds and replicates).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "05_lognormal.ipynb"
NORMAL = ROOT / "notebooks" / "04_normal.ipynb"
N, R = 2000, 5


@pytest.fixture(scope="module")
def rec() -> dict:
    return executed_records(CHAPTER)


@pytest.fixture(scope="module")
def normal() -> dict:
    return executed_records(NORMAL)


def sem(sd: float) -> float:
    return sd / math.sqrt(R)


def test_support_and_finite_floors(rec):
    # GenCopy bins start at min(x) > 0, so no bin reaches below 0 and every floor is finite
    assert rec["min_origin"] > 0 and rec["widest_origin"] > 0
    assert rec["all_floors_finite"] is True
    # the widest first bin (M = 6) covers the mode e^-1 and the median 1 in one step
    assert rec["widest_origin"] < math.exp(-1) and rec["widest_origin"] + rec["widest_width"] > 1.0


def test_linear_floors_are_several_times_the_normal_ones(rec, normal):
    # "several times": a factor > 1.5 for M <= 4 (measured 2-4.5; the ratio of two 5-seed means
    # has relative sd < 15 %, so 1.5 is > 3 sd below the smallest)
    for m in ("1.5", "2", "2.5", "3", "4"):
        assert rec["floor_by_m"][m] > 1.5 * normal["floor_by_m"][m], m


def test_linear_valley_is_shallow(rec):
    floor, sd = rec["floor_by_m"], rec["floor_sd_by_m"]
    # the prose: from M = 2 to 6 the highest and lowest floors differ by less than 3 standard
    # errors of the difference (the book's tolerance for "different"), so no valley is resolved
    assert rec["valley_z"] < 3
    wide = ("2", "2.5", "3", "4", "6")
    hi, lo = max(wide, key=floor.get), min(wide, key=floor.get)
    assert rec["valley_z"] == pytest.approx((floor[hi] - floor[lo]) / math.hypot(sem(sd[hi]), sem(sd[lo])), rel=1e-9)
    # ... and M = 1.5 stands above them by more than 4 standard errors of the difference
    assert floor["1.5"] - floor[hi] > 4 * math.sqrt(sem(sd["1.5"]) ** 2 + sem(sd[hi]) ** 2)
    # the finest binning rises the longest: its noise term is the largest share of its floor
    share = {m: rec["noise"][m] / floor[m] for m in floor}
    assert max(share, key=share.get) == "1.5"


def test_linear_floors_against_the_chapters_own_normal_floors(rec):
    # the ratio glued in the overview: x-bin floors over Normal floors (fresh Normal samples);
    # "X-Y times" for M <= 4 needs every ratio > 1.5 (see the test against chapter 4 above)
    assert rec["linear_over_normal_min"] > 1.5
    assert rec["linear_over_normal_min"] <= rec["linear_over_normal_max"]


def test_regions(rec):
    region, floor = rec["region"], rec["floor_by_m"]
    # the split is a partition of the bins: exact up to rounding
    for key, floors in (("region", rec["floor_by_m"]), ("region_gencopy_log", rec["floor_by_m_gencopy_log"])):
        for m, parts in rec[key].items():
            assert sum(parts.values()) == pytest.approx(floors[m], abs=1e-12), (key, m)
    # the tail dominates for M <= 2 (more than half the floor; measured ~0.8)
    for m in ("1.5", "2"):
        assert region[m]["tail"] > 0.5 * floor[m], m
    # the steep rise matters for M = 2.5-4: comparable with the tail (more than a third of it)
    for m in ("2.5", "3", "4"):
        assert region[m]["rise"] > region[m]["tail"] / 3, m
    # at M = 6 the first bin's midpoint lies above the mode, so the rise gets exactly nothing
    assert region["6"]["rise"] == 0.0
    # in ln x the tail is still the largest part at M = 2.5
    log = rec["region_gencopy_log"]["2.5"]
    assert log["tail"] == max(log.values())


def test_log_bins_lower_the_floor(rec):
    ratio = rec["floor_ratio_linear_to_log"]
    # a clear factor (> 1.5) for M = 1.5-4: the ratio of exact floors on the same training
    # events has relative sd < 20 % (5 seeds); measured 1.9-3.8
    for m in ("1.5", "2", "2.5", "3", "4"):
        assert ratio[m] > 1.5, m
    # at M = 6 it does not help: the ratio within 2 combined standard errors of 1
    lin, log = rec["floor_by_m"]["6"], rec["floor_by_m_gencopy_log"]["6"]
    spread = math.sqrt(sem(rec["floor_sd_by_m"]["6"]) ** 2 + sem(rec["floor_sd_by_m_gencopy_log"]["6"]) ** 2)
    assert abs(lin - log) < 2.5 * spread


def test_log_floors_are_the_normal_floors(rec, normal):
    # ln X is exactly N(0, 1): the two chapters' floors differ only by their training samples;
    # |difference| < 3.5 sd of a difference of two independent 5-seed means (chance of a false
    # failure over the six M < 0.3 %); floors off by a factor 1.5 (e.g. the linear ones) fail
    for m, value in rec["floor_by_m_gencopy_log"].items():
        spread = math.sqrt(sem(rec["floor_sd_by_m_gencopy_log"][m]) ** 2 + sem(normal["floor_sd_by_m"][m]) ** 2)
        assert abs(value - normal["floor_by_m"][m]) < 3.5 * spread, m
    # the chapter's own comparison (fresh Normal samples, standard errors of both means): |z| < 3
    assert rec["log_vs_normal_z_max"] < 3
    # the Normal pattern in ln x: lowest at 2.5-3, higher at 2 and 4 by at least 3 standard
    # errors (the prose says "higher"), not zero
    log = rec["floor_by_m_gencopy_log"]
    assert min(log, key=log.get) in ("2.5", "3")
    assert rec["log_valley_m2_z"] >= 3 and rec["log_valley_m4_z"] >= 3
    for low in ("2.5", "3"):
        assert log[low] > 0.005


def test_gain_law_plateaus_and_mc(rec):
    # Each z is the largest over the six gains of |mean(KLD - law)| / its standard error over the
    # 5 replicates (paired by training sample). The prose says: linear bins at M = 1.5 and 2 miss
    # (>= 3 SE, the law's condition G n_j > k fails in the sparse tail at small G); from G = 10
    # on, and for linear M >= 2.5 at every gain, the misses for M >= 2 are < 3 SE; in ln x M = 3
    # misses (>= 3 SE, reason unknown) and every other M stays < 3 SE.
    assert rec["law_linear_m1p5_z"] >= 3 and rec["law_linear_m2_z"] >= 3
    assert rec["law_linear_g10_m2up_z_max"] < 3 and rec["law_linear_m2up_z_max"] < 3
    assert rec["law_log_m3_z"] >= 3 and rec["law_log_m2up_z_max"] < 3
    assert rec["law_linear_g10_z"]["1.5"] >= 3
    # the glued per-M keys are the study's own statistic
    assert rec["law_linear_m2_z"] == pytest.approx(rec["law_z"]["2"], rel=1e-12)
    # plateau = exact floor: |z| < 3 in both binnings (replicate means of the plateau minus the floor)
    assert rec["plateau_from"] == 45
    assert rec["plateau_linear_z_max"] < 3 and rec["plateau_log_z_max"] < 3
    # MC at N_G = 6e5 goes to zero: |z| < 3 in standard errors of the 5-seed mean
    assert abs(rec["mc_zero_z"]) < 3
    assert rec["mc_zero_z"] == pytest.approx(rec["mc_at_max_gain"] / (rec["mc_sd_at_max_gain"] / math.sqrt(R)), rel=1e-9)


def test_exercises(rec):
    # ex-05-invariance: the two computations of the same KL agree to rounding
    assert rec["ex_05_log_floor"] == pytest.approx(rec["ex_05_normal_floor"], rel=1e-9)
    # ex-05-tail: the top 1 % carries about a third of the floor at M = 2 (the solution says so);
    # over 10 training samples the share has sd ~0.05, so [0.2, 0.5] is a 3-sd band
    assert 0.2 < rec["ex_05_tail_share"] < 0.5
    assert rec["ex_05_tail_top"] < rec["ex_05_tail_floor"]
