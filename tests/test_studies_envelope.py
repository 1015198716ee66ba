"""Tests of ampcore.studies.envelope: the factor at the resolution tied to N, declared and typed.

Small grids (N = 100, 400, 1600; a few replicates), so these check the machinery and the
identities, not the book's numbers: the chapter's claim test asserts those on its default run.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ampcore.ampfactor import quantile_mse
from ampcore.book.records import glue_names
from ampcore.studies import EnvelopeFit, EnvelopeHeadline, EnvelopeStudy, envelope_study
from ampcore.studies.envelope import COLUMNS, _histogram_cdf, fitted_parameters
from ampcore.generators import GenCopy, KDE

SMALL = dict(n_values=[100, 400, 1600], m_values=[2.0, 3.0], replicates=4, mixture_max_n=1600,
             mixture_replicates=2, approach_n=[400], approach_gains=[1, 16], approach_replicates=2)


@pytest.fixture(scope="module")
def study() -> EnvelopeStudy:
    return envelope_study(**SMALL, workers=1)


def test_table_is_bitwise_the_same_serial_and_in_processes(study):
    other = envelope_study(**SMALL, workers=2)
    pd.testing.assert_frame_equal(study.frame, other.frame, check_exact=True)
    pd.testing.assert_frame_equal(study.table(), other.table(), check_exact=True)


def test_headline_is_typed_and_glues_plain_names(study):
    head = study.headline()
    assert isinstance(head, EnvelopeHeadline) and dataclasses.is_dataclass(head)
    assert all(isinstance(f, EnvelopeFit) for f in head.fits)
    assert len(head.fits) == 2 * 5 * 2  # laws x generators x M
    assert head.n_values == (100, 400, 1600) and head.m_values == (2.0, 3.0)
    fit = head.fit("normal", "fitted", 2.0)
    assert fit.knee_slope == pytest.approx(1.0 + fit.slope)
    assert fit.knee_follows in ("1 + 1/M", "3/M")
    names = glue_names(head.records())
    assert "slope_normal_fitted_m2" in names and "knee_slope_lognormal_kde_m3" in names
    assert all(k.replace("_", "").isalnum() for k in names)
    with pytest.raises(KeyError):
        head.fit("normal", "fitted", 2.5)


def test_table_columns_are_declared(study):
    table = study.table()
    assert list(table.columns) == [c.heading for c in COLUMNS]
    assert len(table) == 20


def test_exact_score_matches_a_large_sample(study):
    # the exact infinite-gain score of GenCopy's histogram against 2e6 draws of its multinomial
    # variant: the sampled qMSE = exact + (1 - 1/B)/(B n_G) + O(noise); with B = 20, n_G = 2e6 the
    # counting term is 2.4e-8 and its sd about as much, so 4e-7 is > 10 sd
    x = stats.norm.rvs(size=400, random_state=np.random.default_rng(5))
    model = GenCopy(m=2.0, variant="multinomial").fit(x)
    edges = stats.norm.ppf(np.arange(1, 20) / 20)
    p = np.diff(np.concatenate([[0.0], _histogram_cdf(model)(edges), [1.0]]))
    exact = float(np.mean((p - 0.05) ** 2))
    sampled = quantile_mse(model.sample(2_000_000, rng=6), edges)
    assert abs(sampled - exact) < 4e-7


def test_fitted_model_tracks_the_envelope(study):
    curve = study.curve()
    fitted = curve[(curve["generator"] == "fitted") & (curve["law"] == "normal")]
    # 4 replicates: the replicate mean of a chi-square-like score has ~50 % relative error, so
    # |z| < 4 in SE of the mean at every N (a factor-2 miss would still pass at N = 100 but not
    # across all six points)
    assert (fitted["z"].abs() < 4).all()
    assert np.allclose(curve["effective_parameters"], curve["bins"] / curve["g_eff"])


def test_approach_identity_for_independent_draws(study):
    a = study.approach()
    iid = a[a["generator"].isin(["fitted", "kde", "gencopy_multinomial"])]
    # c = 1 for a generator drawing independent events (multinomial counting). Each row's c comes
    # from 2 replicates (sd up to ~1); pooled over the 24 rows the mean has an SE of about 0.2, so
    # |mean - 1| < 0.6 is 3 SE; the alternative "no counting noise" (c = 0) fails
    assert len(iid) == 24
    assert abs(iid["c"].mean() - 1.0) < 0.6


def test_plots(study):
    import matplotlib

    matplotlib.use("Agg")
    ax = study.plot(law="normal", m=2.0)
    assert ax.get_xscale() == "log" and len(ax.lines) >= 3
    ax = study.plot_knees(law="normal")
    assert ax.get_ylabel().startswith("knee exponent")
    with pytest.raises(ValueError, match="law="):
        study.plot(law="camel")


def test_fitted_parameters():
    assert fitted_parameters(stats.norm()) == ("loc", "scale")
    assert fitted_parameters(stats.gamma(2.0)) == ("a", "scale")


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"n_values": [100, 400]}, ValueError, "`n_values`"),
        ({"n_values": [10, 100, 400]}, ValueError, "`n_values`"),
        ({"m_values": [0.0]}, ValueError, "`m_values`"),
        ({"generators": ["vae"]}, ValueError, "`generators`"),
        ({"replicates": 1}, ValueError, "`replicates`"),
        ({"approach_n": [123]}, ValueError, "`approach_n`"),
        ({"approach_gains": [0]}, ValueError, "`approach_gains`"),
        ({"tol": -1.0}, ValueError, "`tol`"),
        ({"laws": {"x": "norm"}}, TypeError, "laws"),
        ({"mixture_max_n": 100}, ValueError, "`mixture_max_n`"),
    ],
)
def test_envelope_study_refuses_bad_input(options, error, words):
    with pytest.raises(error, match=words):
        envelope_study(**{**SMALL, **options}, workers=1)


def test_kde_exact_cdf_window():
    # the windowed KDE cdf equals the full sum over kernels to 1e-15
    from ampcore.studies.envelope import _fit_cdf
    from ampcore.studies import Trial

    law = stats.norm()
    t = Trial.make(law="normal", n=500, generator="kde")
    x = t.training_sample(law)
    cdf, model, _ = _fit_cdf(t, law, x, 2.0)
    e = np.linspace(-4, 4, 33)
    full = stats.norm.cdf((e[:, None] - model.centers[None, :]) / model.bandwidth).mean(axis=1)
    assert np.max(np.abs(cdf(e) - full)) < 1e-15
    assert isinstance(model, type(KDE().fit(x))) and math.isfinite(model.bandwidth)
