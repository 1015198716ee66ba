"""Chapter 8 (generative models): every "What we found" claim, on the records of the default run.

Tolerances (declared before looking, as in CONTRIBUTING.md's statistical standard): a sentence
that places a generator against the envelope or against 1 carries z in standard errors of the
mean over training samples; "tracks the envelope" is |z| < 3, "far below" is z < -3. G_eff(∞) is
the inverse of a replicate-mean quantile MSE (8 training samples for the cheap generators, 4 for
the GAN and the flow), so its SE comes from the delta method. GAN and flow training is
deterministic on one machine only, so no neural number is pinned beyond these inequalities.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "08_generative.ipynb"


@pytest.fixture(scope="module")
def records() -> dict:
    return executed_records(NOTEBOOK)


def test_the_gan_and_the_flow_sit_far_below_the_envelope(records):
    n = records["n_last"]
    for gen in ("gan", "flow"):
        # z < -3 at the largest N: about one training sample against an envelope of B/5 ≈ 6.7
        assert records[f"z_env_{gen}_{n}"] < -3, gen
        assert records[f"geff_{gen}_{n}"] < 0.5 * records[f"envelope_gaussian_mixture_{n}"], gen
        # behaves like more parameters than the correct family's 5 (B/G_eff(∞) with B = 32)
        assert records[f"kparams_{gen}_{n}"] > 2 * records[f"kparams_gaussian_mixture_{n}"], gen
    # the envelope is the mixture family's (k = 5): (B - 1)/5 <= envelope, close to it
    b = records[f"bins_gaussian_mixture_{n}"]
    assert (b - 1) / 5 <= records[f"envelope_gaussian_mixture_{n}"] < (b - 1) / 5 + 1.0


def test_the_correct_family_tracks_the_envelope(records):
    for n in (records["n_first"], 256, records["n_last"]):
        assert abs(records[f"z_env_gaussian_mixture_{n}"]) < 3, n
    # slope of ln G_eff(∞) on ln N within 3 SE of 1/M (the interval's width / 3.92 is its SE)
    assert abs(records["knee_z_efficient_camel_gaussian_mixture_m2"]) < 3
    # no generator lies above the envelope by 3 SE (the data processing statement)
    assert records["z_env_max"] < 3


def test_every_fit_reports_convergence(records):
    for gen in ("gan", "flow", "gaussian_mixture"):
        assert 0 <= records[f"conv_n_{gen}"] <= records[f"fits_{gen}"]
        assert records[f"fits_{gen}"] >= 12
    # the counting noise subtracted from a neural score is small beside it (1e6-event samples
    # would make it smaller still; the chapter states the largest share)
    assert records["noise_share_pct"] < 5


def test_ganplifying_gain_at_fixed_quantiles(records):
    # the sentences state the GAN's distance from 1 at the smallest and the largest N in SE;
    # the claims made are the GAN's gain at N = 64 and its loss at N = 1024, each > 3 SE
    assert records["z_fixed_one_gan_64"] > 3
    assert records["z_fixed_one_gan_1024"] < -3
    # at fixed N_q no generator's factor grows like the envelope's N^(1/M)
    assert records["fixed_high_max"] < 0.5


def test_the_ensemble_cannot_see_bias(records):
    # a wrong model (one Normal) and a biased smoother (KDE): the ensemble exceeds the
    # truth-based factor by far more than 3 SE of the difference
    assert records["ens_z_refit_normal"] > 3 and records["ens_ratio_refit_normal"] > 10
    assert records["ens_z_smoothed_bootstrap"] > 3 and records["ens_ratio_smoothed_bootstrap"] > 2
    # for the correct family it is at least as large on average (arithmetic against harmonic mean)
    assert records["ens_ratio_gaussian_mixture"] > 0.7


def test_the_audit_and_the_exercises(records):
    assert records["audit_copies"] == 0 and records["audit_verdict"] in ("PASS", "WARN", "FAIL")
    assert records["audit_envelope"] == pytest.approx(records[f"envelope_gaussian_mixture_{records['n_last']}"])
    assert records["audit_error_n"] == records["n_last"]
    assert records["audit_g_eff_low"] <= records["audit_g_eff"] <= records["audit_g_eff_high"]
    # exercise 1: N^(3/2) events, worth sqrt(N) training samples (exact arithmetic)
    assert records["ex_08_1_bound"] == pytest.approx(records["n"] ** 1.5)
    assert records["ex_08_1_factor"] == pytest.approx(math.sqrt(records["n"]))
    # exercise 2: the chi-square upper ends 4/chi2_0.05(4) = 5.63 and 49/chi2_0.05(49) = 1.444
    assert records["ex_08_2_high"]["5"] == pytest.approx(5.628, abs=0.001)
    assert records["ex_08_2_high"]["50"] == pytest.approx(1.444, abs=0.001)
    assert set(records["ex_08_3_spiky"]) == set(records["ex_08_3_train"]) == {"5", "50", "200"}
