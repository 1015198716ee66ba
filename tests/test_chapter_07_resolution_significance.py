"""Chapter 7 (resolution, significance): every statement of "What we found", and the exercises'
answers, checked on the records of the default-parameter run.

Defaults: N = 2000, gains 1..100; the resolution study has 10 training samples of the two-peak
law; the significance study 200 training samples of N(0, 1), tail fractions above 1 and 2.

A standard deviation estimated from R = 200 samples has relative standard error
1/sqrt(2 (R - 1)) = 0.050; a mean has standard error sd/sqrt(R); a coverage rate
sqrt(p (1 - p)/R) <= 0.036. The tolerances are 3 of those (a false failure on a new seed about
0.3 % per check) unless said otherwise, and each check says what wrong answer it excludes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import pytest
from scipy import stats

from ampcore.book.records import glue_names
from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "07_resolution_significance.ipynb"
R = 200
SD_REL = 1 / math.sqrt(2 * (R - 1))  # relative standard error of an sd from R samples
CUTS = ("0", "1")  # positions of the two cuts (1.0 and 2.0 at the defaults)


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_every_glued_number_is_recorded(records):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    used = {name for cell in nb.cells if cell.cell_type == "markdown"
            for name in re.findall(r"\{glue:text\}`([^`:]+)", cell.source)}
    assert used, "the chapter glues no number"
    assert used <= set(glue_names(records)), sorted(used - set(glue_names(records)))


def test_peaks_closer_than_the_bin_width_stay_unresolved(records):
    # N = 2000 gives Delta ~ 0.053 > separation 0.05. Per training sample GenCopy's depth is
    # -0.1 +- 0.1 (mean of 10: se 0.03) and MC's at G = 100 is 0.667 +- 0.006 (se 0.002); the
    # training events counted in the windows give 0.67 +- 0.035 (se 0.011).
    assert records["width"] > records["separation"]
    assert records["depth_gencopy"] < 0.3  # > 10 se below the truth 0.666: no dip at any gain
    assert records["depth_mc"] == pytest.approx(records["true_depth"], abs=0.01)  # 5 se
    assert records["depth_training"] == pytest.approx(records["true_depth"], abs=3 * 0.035 / math.sqrt(10))
    # the single sample of the first figure says the same (one sample: 3 sd = 0.1)
    depth = records["single_depth"]
    assert depth[0] == pytest.approx(records["true_depth"], abs=0.1)
    assert depth[1] < 0.3 and depth[2] == pytest.approx(records["true_depth"], abs=0.02)
    # the naive significance grows for GenCopy's artefact too (mean z of 10 samples, sd ~6.6)
    assert records["z_mc"] > 50 and abs(records["z_gencopy"]) > 3


def test_histogram_generator_keeps_the_training_error(records):
    # GenCopy: real error = the binomial error of the N events at G = 100, within 3 relative se
    # of an sd (15 %); the wrong answer (the naive error, 10 times smaller) fails
    for cut in CUTS:
        assert records["sd_over_train"]["gencopy-jitter"][cut] == pytest.approx(1.0, abs=3 * SD_REL)
        # so the naive error understates it by sqrt(G) = 10, within the same 15 %
        assert records["fraction_ratio"]["gencopy-jitter"][cut] == pytest.approx(math.sqrt(records["max_gain"]), rel=3 * SD_REL)
        # MC: the naive error is right
        assert records["fraction_ratio"]["mc"][cut] == pytest.approx(1.0, rel=3 * SD_REL)


def test_correct_fit_beats_the_training_sample(records):
    # the refitted Normal's error is below the binomial error of the N events by more than 3
    # relative se (0.83 and 0.66 measured, 0.82 and 0.63 predicted) and equals the delta method
    # (plus its own 1/N_G noise) within 3 relative se; it is unbiased within 3 se of a mean
    for cut in CUTS:
        assert records["sd_over_train"]["refit_normal"][cut] < 1 - 3 * SD_REL
        assert records["fraction_sd"]["refit_normal"][cut] == pytest.approx(
            records["fraction_expected"]["refit_normal"][cut], rel=3 * SD_REL)
        assert abs(records["fraction_bias"]["refit_normal"][cut]) < 3 * records["fraction_bias_se"]["refit_normal"][cut]


def test_kde_and_mixture_are_biased(records):
    # the bias of a mean of 200 has se = sd/sqrt(200) = 0.07 sd. The KDE fattens both tails
    # (bias > 3 se above 0 at both cuts); the EM mixture's split makes the shoulder heavier and the
    # far tail lighter (biases of opposite sign, each > 3 se from 0). Both biases are a sizeable
    # fraction of the error: > 0.3 sd, itself > 3 se of the bias below the measured 0.5-1 sd.
    for cut in CUTS:
        kde = records["fraction_bias"]["kde"][cut]
        assert kde > 3 * records["fraction_bias_se"]["kde"][cut]
        for source in ("kde", "gaussian_mixture"):
            assert records["bias_over_sd"][source][cut] > 0.3, (source, cut)
    mix, mix_se = records["fraction_bias"]["gaussian_mixture"], records["fraction_bias_se"]["gaussian_mixture"]
    assert mix["0"] > 3 * mix_se["0"] and mix["1"] < -3 * mix_se["1"]


def test_naive_interval_undercovers_for_every_generator(records):
    # at G = 100 the training-error prediction for GenCopy is 2 Phi(1.96/10) - 1 = 0.155; every
    # generator covers in < 0.35 (the largest measured, 0.235, plus 3 se), MC in 0.95 +- 0.046
    assert records["coverage_max_top"] < 0.35
    expected = 2 * stats.norm.cdf(1.96 / math.sqrt(records["max_gain"])) - 1
    for cut in CUTS:
        assert records["coverage"]["gencopy-jitter"][cut] == pytest.approx(expected, abs=3 * math.sqrt(expected * (1 - expected) / R))
        assert records["coverage"]["mc"][cut] == pytest.approx(0.95, abs=3 * math.sqrt(0.95 * 0.05 / R))


def test_random_draws_gain_at_most_sqrt_two(records):
    # the ratio of two sds from the same 200 samples has relative se <= sqrt(2) * SD_REL = 0.071
    # (the gains share their training samples, which only lowers it); within 3 of those of the
    # decomposition: sqrt(2 / 1.01) = 1.407 for the multinomial variant, 1 for GenCopy proper.
    # Each would fail on the other's answer (1.407 vs 1: 0.41 > 0.21 and > 0.30).
    assert records["multinomial_predicted"] == pytest.approx(math.sqrt(2 / 1.01), abs=1e-12)
    assert records["multinomial_gain"] == pytest.approx(records["multinomial_predicted"], rel=3 * math.sqrt(2) * SD_REL)
    assert records["jitter_gain"] == pytest.approx(1.0, rel=3 * math.sqrt(2) * SD_REL)


class TestExercises:
    def test_naive_understatement_is_sqrt_g(self, records):
        for cut in CUTS:
            assert records["ex_07_naive"][cut] == pytest.approx(math.sqrt(records["max_gain"]), rel=3 * SD_REL)

    def test_fit_precision_from_the_delta_method(self, records):
        for i, cut in enumerate(records["cuts"]):
            z, f = cut, stats.norm.sf(cut)
            want = stats.norm.pdf(z) * math.sqrt(1 + z**2 / 2) / math.sqrt(f * (1 - f))
            assert records["ex_07_fit"][i] == pytest.approx(want, rel=1e-6)
            # the run at G = 100 (its own noise adds < 1 %) within 3 relative se of an sd
            assert records["sd_over_train"]["refit_normal"][str(i)] == pytest.approx(want, rel=3 * SD_REL)

    def test_a_wrong_model_is_biased_beyond_its_error(self, records):
        wrong = records["ex_07_wrong"]
        # 50 samples: the bias is known to sd/sqrt(50) = 0.14 sd, so a bias of 5 sd is > 30 se
        # from zero; GenCopy, which assumes nothing, is unbiased within 3 se
        assert wrong["bias_over_sd"]["refit_normal"]["0"] > 5
        assert abs(wrong["fraction_bias"]["gencopy-jitter"]["0"]) < 3 * wrong["fraction_bias_se"]["gencopy-jitter"]["0"]
