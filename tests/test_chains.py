"""Tests of ampcore.chains: re-amplification trials, the naive bound, and generation chains."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore import plotting
from ampcore.chains import (
    CHAIN_METHODS,
    chain_grid,
    expected_variance,
    generation_chain,
    naive_bound_table,
    reamplification_grid,
    reamplification_trial,
)
from ampcore.divergence import normal_kl
from ampcore.experiment import Reference

LAW = stats.norm()


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.draw(LAW, 50_000, rng=5)


class TestReamplificationTrial:
    def test_rows_columns_and_sizes(self, reference):
        t = reamplification_trial(reference, 400, 5, gain2=2, rng=0)
        assert t["source"].tolist() == ["amplified", "real"]
        assert t["n_prime"].tolist() == [2000, 2000]
        assert {"width", "width_prime", "floor_n_nats", "floor_nats", "kld_nats"} <= set(t.columns)
        # the first-stage width is set by n, the second by n' = 5 n, so it is finer
        assert (t["width_prime"] < t["width"]).all()

    def test_same_seed_same_table(self, reference):
        a = reamplification_trial(reference, 300, 3, rng=11)
        b = reamplification_trial(reference, 300, 3, rng=11)
        c = reamplification_trial(reference, 300, 3, rng=12)
        pd.testing.assert_frame_equal(a, b)
        assert not a["floor_nats"].equals(c["floor_nats"])

    def test_amplified_keeps_the_n_event_floor_real_does_not(self):
        # N = 2000, N' = 10 N, M = 2.5. Probe (DESIGN.md section 4 and our run): amplified floor
        # ~0.011, real ~0.003, sd over seeds ~0.002-0.003. With 4 seeds the means are ~0.0012
        # apart in sd units of ~0.001-0.0015; a factor-2 gap is > 4 sd: false-failure chance < 1e-4.
        df = reamplification_grid(LAW, 2000, [10], replicates=4, gain2=1, reference_size=20_000)
        mean = df.groupby("source")["floor_nats"].mean()
        assert mean["amplified"] > 2 * mean["real"]
        # amplified data is not better than its n-event origin: its floor stays near the N floor
        assert mean["amplified"] > 0.5 * df["floor_n_nats"].mean()

    def test_floor_is_histogram_kl_of_the_second_stage_training(self, reference):
        t = reamplification_trial(reference, 300, 1, rng=3)
        assert np.all(np.isfinite(t["floor_nats"])) and np.all(t["floor_nats"] > 0)

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"n": 5, "gain": 2, "k": 5}, ValueError, "`k` must be < `n`"),
            ({"n": 100, "gain": 0}, ValueError, "`gain` must be an integer >= 1; got 0"),
            (
                {"n": 100, "gain": 2, "gain2": 0},
                ValueError,
                "`gain2` must be an integer >= 1; got 0",
            ),
            ({"n": 100, "gain": 2, "m": -1.0}, ValueError, "`m` must be finite and > 0"),
        ],
    )
    def test_validation(self, reference, kwargs, exc, match):
        with pytest.raises(exc, match=match):
            reamplification_trial(reference, **kwargs)

    def test_reference_type(self):
        with pytest.raises(TypeError, match="`reference` must be an ampcore Reference"):
            reamplification_trial(np.zeros(10), 100, 2)


class TestGrid:
    def test_grid_shape_and_order_independence(self):
        a = reamplification_grid(LAW, 200, [1, 3], replicates=2, reference_size=5_000)
        b = reamplification_grid(LAW, 200, [3, 1], replicates=2, reference_size=5_000)
        pd.testing.assert_frame_equal(a, b)
        assert len(a) == 8

    def test_bad_gains(self):
        with pytest.raises(ValueError, match="`gains` must be a non-empty list"):
            reamplification_grid(LAW, 200, [])


def test_naive_bound_table_overstates_by_g_to_three_halves():
    t = naive_bound_table(2000, [1, 10, 100])
    np.testing.assert_allclose(t["correct_min_ng"], 2000**1.5)
    np.testing.assert_allclose(t["naive_min_ng"], (2000 * t["gain"]) ** 1.5)
    np.testing.assert_allclose(t["overstatement"], t["gain"] ** 1.5)
    with pytest.raises(ValueError, match="`gains` must be a non-empty list"):
        naive_bound_table(2000, "10")


class TestGenerationChain:
    @pytest.mark.parametrize("method", CHAIN_METHODS)
    def test_generation_zero_is_the_training_sample(self, method, rng):
        x = rng.normal(size=150)
        df = generation_chain(x, generations=3, method=method, law=LAW, rng=1)
        assert df["generation"].tolist() == [0, 1, 2, 3]
        assert df.loc[0, "mean"] == pytest.approx(x.mean())
        assert df.loc[0, "variance"] == pytest.approx(x.var(ddof=1))
        assert df.loc[0, "kl_exact_nats"] == 0.0
        assert (df["n"] == 150).all()
        assert df["kld_nats"].isna().all()  # no reference given

    def test_refit_normal_exact_kl_is_normal_kl_of_the_fit(self, rng):
        x = rng.normal(size=100)
        df = generation_chain(x, generations=1, method="refit_normal", law=LAW, rng=2)
        assert df.loc[1, "kl_exact_nats"] == pytest.approx(normal_kl(x.mean(), x.std(), 0.0, 1.0))

    def test_gencopy_exact_kl_is_histogram_kl_and_origin_moves(self, rng):
        x = rng.normal(size=300)
        df = generation_chain(x, generations=2, method="gencopy", law=LAW, rng=4)
        assert (df["width"].iloc[1:] > 0).all()
        assert df.loc[1, "kl_exact_nats"] > 0

    def test_kde_bandwidth_fixed_and_kl_by_quadrature_is_sane(self, rng):
        x = rng.normal(size=400)
        df = generation_chain(x, generations=3, method="kde", law=LAW, rng=5)
        h = df["bandwidth"].iloc[1:]
        assert h.nunique() == 1
        # Silverman: 0.9 min(s, IQR/1.34) n^-1/5, about 0.27 for n = 400
        assert 0.2 < h.iloc[0] < 0.35
        # exact KL of a 400-point KDE from N(0,1): a few 1e-3 (research/kld.md section 5: 0.0036 at
        # n = 2000); anything in (0, 0.1) is sane, a quadrature bug gives negative or O(1) values
        assert 0 < df.loc[1, "kl_exact_nats"] < 0.1

    def test_reference_gives_knn_estimates(self, rng, reference):
        x = rng.normal(size=200)
        df = generation_chain(x, generations=1, method="kde", law=LAW, reference=reference, rng=5)
        assert np.isfinite(df["kld_nats"]).all()

    def test_validation(self, rng):
        x = rng.normal(size=50)
        with pytest.raises(ValueError, match="`method` must be one of"):
            generation_chain(x, generations=2, method="gan", law=LAW)
        with pytest.raises(ValueError, match="`generations` must be an integer >= 1"):
            generation_chain(x, generations=0, method="kde", law=LAW)
        with pytest.raises(ValueError, match="`k` must be < len"):
            generation_chain(x[:3], generations=1, method="kde", law=LAW, k=5)
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats"):
            generation_chain(x, generations=1, method="kde", law="normal")


class TestExpectedVariance:
    def test_formulas(self):
        np.testing.assert_allclose(
            expected_variance("refit_normal", 3, n=4), [1, 0.75, 0.5625, 0.421875]
        )
        v = expected_variance("kde", 2, n=4, bandwidth=0.5, variance0=2.0)
        np.testing.assert_allclose(v, [2.0, 2 * 0.75 + 0.25, 2 * 0.5625 + 0.25 * (1 + 0.75)])
        np.testing.assert_allclose(
            expected_variance("gencopy", 2, n=9, width=[0.6, 1.2]), [1, 1.06, 1.3]
        )

    def test_missing_options(self):
        with pytest.raises(ValueError, match="`bandwidth` is required"):
            expected_variance("kde", 2, n=10)
        with pytest.raises(ValueError, match="`width` is required"):
            expected_variance("gencopy", 2, n=10)
        with pytest.raises(ValueError, match="`width` must be finite and > 0"):
            expected_variance("gencopy", 2, n=10, width=[1.0, -1.0])

    def test_chains_follow_their_expected_variance(self):
        # 300 replicates of n = 20 events for 6 generations. The sample variance of a generation
        # has a relative sd of about sqrt(2/19) ~ 0.32 per step, compounding to ~0.8 at g = 6, so
        # the mean over 300 replicates has a standard error <= 0.8 * 1.4 / sqrt(300) ~ 0.065 (for
        # the KDE, whose variance is ~1.4). We allow 4.5 standard errors (0.3): false failure
        # chance ~1e-5. The distinctions tested are larger: refit 0.74 vs 1, KDE 1.42 vs 1.
        df = chain_grid(LAW, 20, generations=6, replicates=300, reference_size=None, m=2.0)
        last = df[df["generation"] == 6].groupby("method")["variance"].mean()
        assert last["refit_normal"] == pytest.approx(
            expected_variance("refit_normal", 6, n=20)[-1], abs=0.3
        )
        kde_h = df[(df["method"] == "kde") & (df["generation"] == 1)]["bandwidth"]
        kde_expect = np.mean([expected_variance("kde", 6, n=20, bandwidth=h)[-1] for h in kde_h])
        assert last["kde"] == pytest.approx(kde_expect, abs=0.3)
        gc = df[(df["method"] == "gencopy") & (df["generation"] >= 1)]
        widths = gc.pivot(index="replicate", columns="generation", values="width")
        gc_expect = np.mean(
            [expected_variance("gencopy", 6, n=20, width=w)[-1] for w in widths.to_numpy()]
        )
        assert last["gencopy"] == pytest.approx(gc_expect, abs=0.3)
        assert last["refit_normal"] < 1.0 < last["kde"]


def test_seed_bands_draws_one_curve_per_group():
    df = chain_grid(LAW, 50, generations=2, replicates=3, reference_size=None)
    ax = plotting.seed_bands(df, x="generation", y="variance", by="method")
    assert len(ax.containers) == len(CHAIN_METHODS)  # one errorbar container per method
    with pytest.raises(ValueError, match="lacks column"):
        plotting.seed_bands(df, x="generation", y="nosuch")
    plt.close("all")
