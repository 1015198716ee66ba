"""ampcore.studies.generative: the generator comparison, GAN on GAN output, GAN resolution."""

from __future__ import annotations

import math

import numpy as np
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
