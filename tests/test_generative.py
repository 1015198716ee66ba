"""ampcore.studies.generative: the generator comparison, GAN on GAN output, GAN resolution."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ampcore.ampfactor import equivalent_events
from ampcore.laws import CamelBack, TwoPeaks
from ampcore.studies import Trial, gan_audit_sample, gan_resolution_study, generative_study, regan_study

LAW = CamelBack()


@pytest.fixture(scope="module")
def small():
    return generative_study(LAW, [100], [1, 10, 100], generators=["gaussian_mixture", "kde", "gencopy"],
                            n_qs=[5, 20], replicates=4, reference_size=20_000, workers=1)


def test_rows_and_sources(small):
    f = small.frame
    assert sorted(f["source"].unique()) == ["gaussian_mixture", "gencopy", "kde", "mc", "training"]
    assert set(f.loc[f["source"] == "training", "gain"]) == {1}
    assert set(f.loc[f["source"] == "kde", "n_generated"]) == {100, 1000, 10_000}
    assert small.n_qs == [5, 20]
    # every generator of a replicate saw the same training sample (stream 0), so the same width
    assert f.groupby("replicate")["width"].nunique().max() == 1


def test_factors_invert_the_replicate_mean_qmse(small):
    f = small.factors()
    row = f[(f["source"] == "kde") & (f["gain"] == 100) & (f["n_q"] == 20)].iloc[0]
    raw = small.frame[(small.frame["source"] == "kde") & (small.frame["gain"] == 100)]["qmse_20"]
    assert row["qmse"] == pytest.approx(raw.mean())
    assert row["n_equiv"] == pytest.approx(equivalent_events(raw.mean(), 20))
    assert row["g_eff"] == pytest.approx(row["n_equiv"] / 100)
    assert row["g_eff_sd"] == pytest.approx(row["g_eff"] * raw.std(ddof=1) / 2 / raw.mean())


def test_mc_is_worth_its_size_and_the_training_sample_its_own(small):
    f = small.factors()
    mc = f[(f["source"] == "mc") & (f["gain"] == 100) & (f["n_q"] == 20)].iloc[0]
    # 4 replicates of an MC sample of 10 000: the mean qMSE has relative sd sqrt(2/19/4) = 16 %,
    # so G_eff = 100 within a factor 2 is > 4 sd
    assert 50 < mc["g_eff"] < 200
    train = f[(f["source"] == "training") & (f["n_q"] == 20)].iloc[0]
    assert 0.5 < train["g_eff"] < 2.0


def test_floors_exist_for_density_models(small):
    last = small.frame[small.frame["gain"] == 100]
    for source in ("gaussian_mixture", "kde", "gencopy"):
        assert (last.loc[last["source"] == source, "floor_nats"] > 0).all(), source
    assert last.loc[last["source"] == "mc", "floor_nats"].isna().all()


def test_a_right_model_beats_a_histogram_on_fine_quantiles(small):
    # The two-Gaussian fit has the camel back's form: its qMSE bias is tiny, so at N_q = 20 its
    # G_eff (~3 in the book's run) exceeds GenCopy's (~1.8) and the KDE's; with 4 replicates the
    # sd of each is ~30 %, and we ask only fit > GenCopy.
    g = small.headline()["g_eff"]
    assert g["gaussian_mixture"]["100"]["20"] > g["gencopy"]["100"]["20"]


def test_plateau_and_headline(small):
    p = small.plateau()
    assert set(p["source"]) == {"gaussian_mixture", "kde", "gencopy"}
    assert np.allclose(p["bound_n_generated"], 1000.0)
    assert ((p["g_inf"] >= p["g_eff_max"]) | ~np.isfinite(p["g_inf"])).all()  # the plateau lies above
    h = small.headline()
    assert h["replicates"] == 4 and h["max_gain"] == {"100": 100} and h["n_qs"] == [5, 20]
    assert math.isnan(h["gan_seconds"])  # no GAN in this study
    assert list(small.table().columns) == ["generator", "N", "G_eff, N_q = 5", "G_eff, N_q = 20"]
    assert {"KLD (nats)", "floor (nats)", "measured M at Δ"} <= set(small.kld_table().columns)


def test_the_measured_m_at_delta_grows_like_ln_ng(small):
    # For MC of the same size at the training Δ: M_G ≈ M_N ln N_G / ln N (Reconstructed); at
    # N_G = 100 N = 10^4 that is 2 M_N; the histogram-entropy bias at 10^4 events is small.
    mc = small.frame[(small.frame["source"] == "mc") & (small.frame["gain"] == 100)]
    expected = mc["m_train"] * np.log(10_000) / np.log(100)
    assert np.allclose(mc["m_generated"], expected, rtol=0.1)


def test_validation_before_any_work():
    with pytest.raises(ValueError, match="`generators`"):
        generative_study(LAW, [100], [1], generators=["vae"])
    with pytest.raises(ValueError, match="`k` must be < every N"):
        generative_study(LAW, [5], [1], k=5)
    with pytest.raises(ValueError, match="`gan_options` must not hold `seed`"):
        generative_study(LAW, [100], [1], gan_options={"seed": 1})
    with pytest.raises(TypeError):
        generative_study(LAW, [100], [1], gan_options={"layers": 3})


def test_same_seed_same_table():
    a = generative_study(LAW, [50], [1, 4], generators=["kde"], n_qs=[5], replicates=2, reference_size=5000, workers=1)
    b = generative_study(LAW, [50], [1, 4], generators=["kde"], n_qs=[5], replicates=2, reference_size=5000, workers=1)
    assert a.frame.equals(b.frame)


# --- with a (short) GAN ------------------------------------------------------------------------------

GAN_FAST = {"steps": 300}  # too short to converge: these tests check plumbing, not the fit
SHORT_GAN = pytest.mark.filterwarnings("ignore::ampcore.generators.base.ConvergenceWarning")


@SHORT_GAN
def test_gan_rows_audit_sample_and_regan():
    pytest.importorskip("jax")
    r = generative_study(LAW, [100], [1, 5], generators=["gan"], n_qs=[5], replicates=2, reference_size=5000,
                         gan_options=GAN_FAST, workers=1)
    gan = r.frame[r.frame["source"] == "gan"]
    assert (gan["fit_seconds"] > 0).all() and (gan["copies"] == 0).all()
    train, generated, model = gan_audit_sample(LAW, 100, gain=5, gan_options=GAN_FAST)
    assert np.array_equal(train, Trial.make(law="CamelBack", n=100, replicate=0).training_sample(LAW))
    # the audit sample is replicate 0's GAN sample: same qMSE as the study's row at G = 5
    from ampcore.ampfactor import quantile_edges, quantile_mse

    row = gan[(gan["replicate"] == 0) & (gan["gain"] == 5)].iloc[0]
    assert quantile_mse(generated, quantile_edges(5, law=LAW)) == pytest.approx(row["qmse_5"], abs=1e-12)
    regan = regan_study(LAW, 50, gain=4, n_qs=[5], score_size=2000, replicates=2, gan_options=GAN_FAST, workers=1)
    assert set(regan.frame["stage"]) == {"GAN on N real", "GAN on GAN output", "GAN on G·N real"}
    assert set(regan.frame.loc[regan.frame["stage"] == "GAN on GAN output", "trained_on"]) == {200}
    h = regan.headline()
    assert set(h["regan_second"]) == {"5"} and h["regan_gain"] == 4


@SHORT_GAN
def test_gan_resolution_study():
    pytest.importorskip("jax")
    law = TwoPeaks(0.02, 0.005)
    r = gan_resolution_study(law, 400, separation=0.02, window=0.005, gain=5, replicates=2, gan_options=GAN_FAST, workers=1)
    assert set(r.frame["source"]) == {"training", "gan", "gencopy", "mc"}
    h = r.headline()
    assert h["res_true_depth"] == pytest.approx(0.67, abs=0.05)
    # MC of 2000 events resolves the dip (depth ~0.67 +- 0.1); > 0.3 is > 3 sd
    assert h["res_depth"]["mc"] > 0.3
    assert list(r.table().columns) == ["sample", "events", "valley depth", "depth sd"]


def test_flow_rows_with_their_floor():
    # the flow has a density, so its floor KL(q‖p) is computed (finite, > 0); it converges here
    pytest.importorskip("flowjax")
    r = generative_study(LAW, [200], [1, 4], generators=["flow", "kde"], n_qs=[5], replicates=1, reference_size=5000,
                         workers=1)
    flow = r.frame[r.frame["source"] == "flow"]
    assert len(flow) == 2 and (flow["copies"] == 0).all()
    assert np.isfinite(flow["floor_nats"]).all() and (flow["floor_nats"] > 0).all()
    assert np.isfinite(flow["kld_nats"]).all()


# --------------------------------------------------------------------------------------------------
# the envelope of the mixture family, the neural generators in the envelope study, the ensemble check


def test_mixture_envelope_reduces_to_the_normal_and_sits_above_its_floor():
    from scipy import stats

    from ampcore.envelope import amplification_envelope, law_parameters
    from ampcore.laws import CamelBack

    one = CamelBack()  # made a one-component mixture (the family is read from these arrays)
    one._weights, one._means, one._sds = np.array([1.0]), np.array([0.3]), np.array([1.7])
    assert law_parameters(one) == {"mu1": 0.3, "sd1": 1.7}
    # a one-component mixture is the Normal family: same envelope (quadrature vs closed form)
    assert amplification_envelope(one, 10) == pytest.approx(amplification_envelope(stats.norm(0.3, 1.7), 10), rel=1e-6)
    # k = 5 for the camel back: (B - 1)/k <= G_eff(∞), approaching it as B grows (module docstring)
    for b in (8, 32, 200):
        value = amplification_envelope(LAW, b)
        assert (b - 1) / 5 <= value < (b - 1) / 5 + 1.0
    with pytest.raises(ValueError, match="params"):
        amplification_envelope(LAW, 10, params=("mu3",))


def test_envelope_study_scores_neural_generators_from_counted_samples():
    from ampcore.studies import envelope_study

    # plumbing: a short GAN and flow; the counted score's own noise is subtracted and kept
    st = envelope_study([64, 128, 256], [2.0], laws={"camel": LAW}, generators=["gaussian_mixture", "gan", "flow"],
                        replicates=2, mixture_replicates=2, neural_replicates=2, approach_n=[],
                        gan_options={"steps": 300}, flow_options={"max_epochs": 30}, generated_size=20_000, workers=1)
    ex = st.frame[st.frame["gain"] == 0]
    neural = ex[ex["generator"].isin(["gan", "flow"])]
    assert len(neural) == 12 and (neural["generated_size"] == 20_000).all()
    # noise = (1 - Σp̂²)/(B(S - 1)) ≈ (1 - 1/B)/(B S)
    b = neural["bins"].to_numpy(float)
    assert np.allclose(neural["counting_noise"], (1 - 1 / b) / (b * 20_000), rtol=0.2)
    assert ex["converged"].isin([True, False]).all()
    curve = st.curve()
    assert set(curve["generator"]) == {"gaussian_mixture", "gan", "flow"}
    assert np.isfinite(curve["envelope"]).all()
    from ampcore.studies.generative import envelope_records, envelope_table

    table = envelope_table(st)
    assert list(table["N"][:3]) == [64, 128, 256] and table.index.equals(pd.RangeIndex(len(table)))
    rec = envelope_records(st)
    assert rec["fits_gan"] == 6 and 0 <= rec["conv_gan"] <= 1 and "z_env_gan_256" in rec
    with pytest.raises(ValueError, match="seed"):
        envelope_study([64, 128, 256], laws={"camel": LAW}, generators=["gan"], gan_options={"seed": 1})
    with pytest.raises(ValueError, match="fitted"):
        envelope_study([64, 128, 256], laws={"camel": LAW}, generators=["fitted"])


def test_counted_score_subtracts_its_own_noise():
    from ampcore.studies.envelope import _counted

    # true events counted in equiprobable bins: E[qMSE] = (1 - 1/B)/(B S), so the corrected score
    # averages to 0; over 200 samples its mean is within 4 SE of 0
    rng = np.random.default_rng(3)
    edges = np.arange(1, 10) / 10
    scores = [_counted(np.sort(rng.random(5000)), edges)[0] for _ in range(200)]
    noise = (1 - 0.1) / (10 * 5000)
    assert abs(np.mean(scores)) < 4 * np.std(scores) / math.sqrt(200)
    assert np.std(scores) < noise  # a chi-square of 9 dof: sd = noise · sqrt(2/9)


def test_ensemble_check_sees_no_bias():
    from ampcore.studies.generative import ensemble_check

    r = ensemble_check(LAW, 200, amplifiers=["refit_normal"], members=6, member_size=5000, replicates=2, workers=1)
    s = r.summary().set_index("amplifier")
    # one Normal on a camel back: truth-based ~0.2, the ensemble > 5 (its bias is repeated by every refit)
    assert s.loc["refit_normal", "truth"] < 0.5 < 5 < s.loc["refit_normal", "ensemble"]
    assert list(r.table().columns)[0] == "generator refitted"
    assert r.headline()["ens_members"] == 6
    with pytest.raises(ValueError, match="amplifiers"):
        ensemble_check(LAW, 200, amplifiers=["gencopy"])
