"""Tests of ampcore.studies.collapse: model collapse chains, replace versus accumulate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ampcore.generators import KDEModel, kde_bandwidth
from ampcore.divergence import normal_kl
from ampcore.studies import (
    COLLAPSE_METHODS,
    COLLAPSE_MODES,
    Collapse,
    collapse_chain,
    collapse_grid,
    expected_model_variance,
    expected_variance,
    kde_kl,
)

LAW = stats.norm()


class TestKdeKl:
    def test_one_centre_is_a_normal(self):
        # the KDE of one centre μ with bandwidth h is N(μ, h²): an exact closed form
        assert kde_kl([0.0], 1.0, LAW) == pytest.approx(0.0, abs=1e-12)
        assert kde_kl([0.7], 0.4, LAW) == pytest.approx(normal_kl(0.7, 0.4, 0.0, 1.0), abs=1e-10)

    def test_agrees_with_a_dense_quadrature(self, rng):
        # independent route: the KDE's own log-density on 20001 points, scipy's Simpson rule
        x = rng.normal(size=150)
        model = KDEModel(centers=x, bandwidth=0.25, n_train=150)
        points = np.linspace(x.min() - 12 * 0.25, x.max() + 12 * 0.25, 20001)
        lq = model.logpdf(points)
        dense = integrate.simpson(np.exp(lq) * (lq - LAW.logpdf(points)), x=points)
        assert kde_kl(x, 0.25, LAW) == pytest.approx(float(dense), abs=1e-9)

    def test_other_laws_and_validation(self, rng):
        x = rng.standard_t(5, size=50)
        assert kde_kl(x, 0.3, stats.t(5)) > 0
        with pytest.raises(ValueError, match="`bandwidth` must be finite and > 0"):
            kde_kl(x, 0.0, LAW)
        with pytest.raises(ValueError, match="`points_per_bandwidth` must be an integer >= 4"):
            kde_kl(x, 0.3, LAW, points_per_bandwidth=2)
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            kde_kl(x, 0.3, object())


class TestChain:
    @pytest.mark.parametrize("method", COLLAPSE_METHODS)
    def test_sizes_and_generation_zero(self, method, rng):
        x = rng.normal(size=40)
        replace = collapse_chain(x, generations=4, method=method, mode="replace", law=LAW, rng=1)
        accumulate = collapse_chain(x, generations=4, method=method, mode="accumulate", law=LAW, rng=1)
        assert replace["train_size"].tolist() == [40] * 5
        assert accumulate["train_size"].tolist() == [40, 80, 120, 160, 200]
        # generation 0 is the model fitted on the real events, whatever the mode
        cols = ["model_mean", "model_variance", "kl_exact_nats"]
        pd.testing.assert_series_equal(replace.loc[0, cols], accumulate.loc[0, cols])
        assert (replace["kl_exact_nats"] >= 0).all() and (accumulate["kl_exact_nats"] >= 0).all()

    def test_normal_generation_zero_is_the_ml_fit(self, rng):
        x = rng.normal(loc=0.3, scale=1.2, size=60)
        row = collapse_chain(x, generations=1, method="refit_normal", mode="replace", law=LAW, rng=0).iloc[0]
        assert row["model_variance"] == pytest.approx(x.var())
        assert row["kl_exact_nats"] == pytest.approx(normal_kl(x.mean(), x.std(), 0.0, 1.0))

    def test_kde_variance_and_fixed_bandwidth(self, rng):
        x = rng.normal(size=60)
        df = collapse_chain(x, generations=2, method="kde", mode="accumulate", law=LAW, rng=0)
        h = kde_bandwidth(x)
        assert df["bandwidth"].tolist() == [h] * 3
        assert df.loc[0, "model_variance"] == pytest.approx(x.var() + h * h)

    def test_reproducible(self, rng):
        x = rng.normal(size=30)
        a = collapse_chain(x, generations=3, method="kde", mode="replace", law=LAW, rng=5)
        pd.testing.assert_frame_equal(a, collapse_chain(x, generations=3, method="kde", mode="replace", law=LAW, rng=5))

    def test_validation(self, rng):
        x = rng.normal(size=30)
        with pytest.raises(ValueError, match="`mode` must be one of 'replace', 'accumulate'"):
            collapse_chain(x, generations=3, method="kde", mode="mix", law=LAW)
        with pytest.raises(ValueError, match="`method` must be one of 'refit_normal', 'kde'"):
            collapse_chain(x, generations=3, method="gencopy", mode="replace", law=LAW)
        with pytest.raises(ValueError, match="`generations` must be an integer >= 1"):
            collapse_chain(x, generations=0, method="kde", mode="replace", law=LAW)
        with pytest.raises(TypeError, match="`kl` must be True or False"):
            collapse_chain(x, generations=1, method="kde", mode="replace", law=LAW, kl=1)
        assert collapse_chain(x, generations=1, method="kde", mode="replace", law=LAW, kl=False)["kl_exact_nats"].isna().all()


class TestExpectedVariance:
    def test_replace_agrees_with_chapter_6(self):
        # the model of generation g is fitted (maximum likelihood) on chapter 6's generation-g
        # sample, whose ddof=1 variance has expectation expected_variance(...)[g]: multiply by a
        n, a, h = 50, 49 / 50, 0.3
        ours = expected_model_variance("refit_normal", "replace", 6, n=n)
        np.testing.assert_allclose(ours, a * expected_variance("refit_normal", 6, n=n), rtol=1e-12)
        ours = expected_model_variance("kde", "replace", 6, n=n, bandwidth=h)
        np.testing.assert_allclose(ours, a * expected_variance("kde", 6, n=n, bandwidth=h) + h * h, rtol=1e-12)

    def test_accumulate_normal_product_converges(self):
        n = 100
        v = expected_model_variance("refit_normal", "accumulate", 2000, n=n)
        a = (n - 1) / n
        # Π_{j>=0} (1 − 1/(n (j+2)²)) → exp(−(π²/6 − 1)/n) to first order in 1/n
        assert v[-1] == pytest.approx(a * math.exp(-(math.pi**2 / 6 - 1) / n), rel=1e-4)
        assert np.all(np.diff(v) < 0)

    def test_accumulate_kde_grows_like_log(self):
        n, h = 100, 0.35
        v = expected_model_variance("kde", "accumulate", 400, n=n, bandwidth=h)
        # increments ≈ h²/(g + 2): the growth from g = 100 to g = 400 is about h² ln(402/102)
        assert v[400] - v[100] == pytest.approx(h * h * math.log(402 / 102), rel=0.05)

    @pytest.mark.slow
    def test_monte_carlo(self):
        # 1200 chains of 3 generations at n = 20: mean model variance within 4 se of the recursion
        # at each of the 4 generations of each (method, mode): 16 checks, each with a two-sided
        # normal tail of 6e-5, so a false failure has a chance below 1e-3
        gen = np.random.default_rng(21)
        for method in COLLAPSE_METHODS:
            for mode in COLLAPSE_MODES:
                rows = [collapse_chain(gen.normal(size=20), generations=3, method=method, mode=mode, law=LAW,
                                       bandwidth=0.4, kl=False, rng=gen)["model_variance"].to_numpy() for _ in range(1200)]
                values = np.array(rows)
                expected = expected_model_variance(method, mode, 3, n=20, bandwidth=0.4 if method == "kde" else None)
                se = values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
                assert np.all(np.abs(values.mean(axis=0) - expected) < 4 * se), (method, mode)

    def test_conditional_start(self):
        # starting from V_0 = aσ² (its expectation) gives the unconditional curve
        for method, h in (("refit_normal", None), ("kde", 0.3)):
            for mode in COLLAPSE_MODES:
                plain = expected_model_variance(method, mode, 5, n=30, variance0=2.0, bandwidth=h)
                given = expected_model_variance(method, mode, 5, n=30, variance0=2.0, bandwidth=h, start=29 / 30 * 2.0)
                np.testing.assert_allclose(given, plain, rtol=1e-14)
        assert expected_model_variance("refit_normal", "replace", 2, n=10, start=0.5).tolist() == pytest.approx([0.5, 0.45, 0.405])

    def test_validation(self):
        with pytest.raises(ValueError, match="`bandwidth` is required for method='kde'"):
            expected_model_variance("kde", "replace", 3, n=10)
        with pytest.raises(ValueError, match="`n` must be an integer >= 2"):
            expected_model_variance("refit_normal", "replace", 3, n=1)


@pytest.fixture(scope="module")
def result() -> Collapse:
    return collapse_grid(LAW, 40, generations=3, replicates=3)


class TestGrid:
    def test_rows_pairs_and_shared_real_events(self, result):
        assert len(result) == 4 * 3 * 4
        assert result.pairs() == [(m, d) for m in COLLAPSE_METHODS for d in COLLAPSE_MODES]
        first = result.frame[result.frame["generation"] == 0]
        # all four chains of a replicate start from the same real events (stream 0)
        normal = first[first["method"] == "refit_normal"].groupby("replicate")["model_variance"].nunique()
        assert (normal == 1).all()

    def test_curves_table_headline(self, result):
        c = result.curves()
        # given the real events' variance V_0, a replacing Normal chain expects a^g V_0 (a = 39/40)
        first = result.frame[(result.frame["method"] == "refit_normal") & (result.frame["mode"] == "replace")
                             & (result.frame["generation"] == 0)]["model_variance"]
        assert c.loc[("refit_normal", "replace", 3), "expected_variance"] == pytest.approx((39 / 40) ** 3 * first.mean())
        assert c.loc[("refit_normal", "replace", 0), "deviation_se"] == 0.0  # generation 0 is known exactly
        t = result.table()
        assert t.shape == (4, 10)
        h = result.headline()
        assert h["generations"] == 3 and h["chains"] == 3 and h["n"] == 40
        assert set(h["variance_last"]) == {"refit_normal_replace", "refit_normal_accumulate", "kde_replace", "kde_accumulate"}
        assert h["bandwidth_mean"] > 0

    def test_validation(self):
        with pytest.raises(ValueError, match="`modes` must be one of 'replace', 'accumulate'"):
            collapse_grid(LAW, 40, generations=3, modes=["both"])
        with pytest.raises(ValueError, match="`bandwidth` must be one of 'silverman', 'scott'"):
            collapse_grid(LAW, 40, generations=3, bandwidth="wide")
