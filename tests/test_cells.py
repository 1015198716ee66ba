"""d-D histograms at the Goldilocks resolution (ampcore.cells) and the d-D amplifiers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore.generators import GenCopyCells, KDECells, RadialFit
from ampcore.cells import (
    as_points,
    binning_bias,
    cell_floor_mc,
    cell_histogram,
    cell_width,
    effective_m_cells,
    goldilocks_cell_width,
    product_floor,
)
from ampcore.divergence import histogram_kl
from ampcore.information import effective_m, goldilocks_width, histogram, knn_entropy
from ampcore.laws import GaussianND, Shell


def test_cell_width_is_the_1d_rule_at_d_1_and_the_volume_rule_above():
    h = stats.norm().entropy()
    assert goldilocks_cell_width(2000, 2.5, h, 1) == pytest.approx(goldilocks_width(2000, 2.5, h))
    w = goldilocks_cell_width(2000, 2.5, 3 * h, 3)
    assert w**3 == pytest.approx(goldilocks_width(2000, 2.5, 3 * h))


def test_one_dimensional_cells_match_the_1d_histogram_and_measured_m():
    x = np.random.default_rng(1).normal(size=3000)
    one = histogram(x, 0.17)
    cells = cell_histogram(x, 0.17)
    assert cells.index[:, 0].tolist() == one.index.tolist()
    assert cells.counts.tolist() == one.counts.tolist()
    assert effective_m_cells(x, 0.17) == pytest.approx(effective_m(x, 0.17), rel=1e-12)
    assert product_floor(cells, stats.norm()) == pytest.approx(histogram_kl(x, 0.17, law=stats.norm()), rel=1e-10)


def test_sparse_counts_in_five_dimensions():
    x = np.random.default_rng(2).normal(size=(4000, 5))
    h = cell_histogram(x, 0.3)  # ~ (10/0.3)^5 = 4e7 cells would be a dense grid
    assert h.n == 4000 and h.index.shape == (h.occupied, 5)
    # every event's cell is one of the occupied cells, and the counts add up by lookup
    pos = h.lookup(h.cells_of(x))
    assert np.all(pos >= 0)
    assert np.bincount(pos, minlength=h.occupied).tolist() == h.counts.tolist()
    assert np.all(h.lookup(np.full((1, 5), 10**6)) == -1)


def test_product_floor_factorises_on_a_product_grid():
    # a product sample (the same 1-D sample on both axes, crossed): its histogram is the product
    # of the 1-D ones, so D(q‖p) is exactly twice the 1-D value
    x = np.random.default_rng(3).normal(size=60)
    grid = np.stack(np.meshgrid(x, x), -1).reshape(-1, 2)
    one = histogram_kl(x, 0.4, origin=-5.0, law=stats.norm())
    two = product_floor(cell_histogram(grid, 0.4, origin=[-5.0, -5.0]), stats.norm())
    assert two == pytest.approx(2 * one, rel=1e-10)


def test_binning_bias_is_additive_and_small_for_fine_cells():
    b1 = binning_bias(stats.norm(), 0.2, 1)
    assert binning_bias(stats.norm(), 0.2, 4) == pytest.approx(4 * b1)
    assert b1 == pytest.approx(0.2**2 / 24, rel=0.02)  # Δ² J / 24 with J = 1, to O(Δ⁴)


def test_monte_carlo_floor_agrees_with_the_exact_product_floor():
    # 200k draws; the MC estimate is unbiased for the ln p part, so |error| < 4 se fails with
    # probability 6e-5
    law = GaussianND(3)
    x = law.rvs(1000, random_state=4)
    h = cell_histogram(x, 0.8)
    mc = cell_floor_mc(h, law, draws=200_000, rng=5)
    assert abs(mc.value - product_floor(h, stats.norm())) < 4 * mc.se
    assert mc.se < 0.01


def test_gencopy_cells_samples_fall_in_occupied_cells_with_training_frequencies():
    # 200k draws over B cells: each cell fraction has sd sqrt(p(1-p)/200k); the chi-square of
    # the counts against the training frequencies has B - 1 degrees of freedom (p > 1e-4)
    x = np.random.default_rng(6).normal(size=(500, 2))
    model = GenCopyCells(width=0.6).fit(x)
    y = model.sample(200_000, rng=7)
    pos = model.hist.lookup(model.hist.cells_of(y))
    assert np.all(pos >= 0)
    observed = np.bincount(pos, minlength=model.hist.occupied)
    expected = model.hist.counts / model.hist.n * y.shape[0]
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    assert model.m_eff == pytest.approx(effective_m_cells(x, 0.6))


def test_gencopy_cells_width_from_m_and_amplified_record():
    law = GaussianND(2)
    x = law.rvs(800, random_state=8)
    model = GenCopyCells(m=2.0, law=law).fit(x)
    assert model.hist.width == pytest.approx(goldilocks_cell_width(800, 2.0, law.entropy(), 2))
    out = model.amplify(3, rng=1)
    assert out.sample.shape == (2400, 2) and out.n_generated == 2400 and out.width == model.hist.width


def test_cell_width_estimates_the_entropy_from_the_sample_by_default():
    law = GaussianND(3)
    x = law.rvs(2000, random_state=4)
    h_sample = float(knn_entropy(x, k=1)[0])
    assert cell_width(x, 2.0) == goldilocks_cell_width(2000, 2.0, h_sample, 3)
    assert cell_width(x, 2.0, law=law) == goldilocks_cell_width(2000, 2.0, law.entropy(), 3)
    assert cell_width(x, 2.0, h=1.5) == goldilocks_cell_width(2000, 2.0, 1.5, 3)
    # the estimate's sd at k = 1, n = 2000, d = 3 is about 0.04 nats (its bias a few 0.01): the
    # widths differ by e^(dh/3), within 5 % (a 3.5-sd band on dh = 0.15)
    assert cell_width(x, 2.0) == pytest.approx(cell_width(x, 2.0, law=law), rel=0.05)
    assert GenCopyCells(m=2.0).fit(x).hist.width == cell_width(x, 2.0)
    assert GenCopyCells(m=2.0, law=law).fit(x).hist.width == cell_width(x, 2.0, law=law)
    with pytest.raises(ValueError, match="at most one of `h` and `law`"):
        cell_width(x, 2.0, h=1.0, law=law)


def test_kde_cells_covariance_is_the_data_plus_the_bandwidth():
    # Var(generated) = Var(centres, ddof=0) + H; 400k draws: se of a variance ~ 1.4·sqrt(2/4e5)
    x = np.random.default_rng(9).normal(size=(1000, 2)) * [1.0, 2.0]
    model = KDECells().fit(x)
    y = model.sample(400_000, rng=3)
    expected = np.cov(x, rowvar=False, ddof=0) + model.cholesky @ model.cholesky.T
    assert np.allclose(np.cov(y, rowvar=False), expected, atol=0.03)


def test_radial_fit_recovers_the_shell():
    model = RadialFit().fit(Shell(5).rvs(5000, random_state=1))
    # se of the radius mean 0.5/sqrt(5000) = 0.007, of the sd 0.5/sqrt(10000) = 0.005
    assert model.law.radius == pytest.approx(4.0, abs=0.035)
    assert model.law.width == pytest.approx(0.5, abs=0.025)
    assert model.sample(10, rng=0).shape == (10, 5)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: as_points(np.zeros((2, 2, 2))), ValueError, "shape"),
    (lambda: as_points([[1.0, np.nan]]), ValueError, "finite"),
    (lambda: cell_histogram([[0.0, 1.0]], 0.0), ValueError, "width"),
    (lambda: cell_histogram([[0.0, 1.0]], 1.0, origin=[0.0]), ValueError, "origin"),
    (lambda: cell_histogram([[0.0, 0.0], [1e300, 1e300]], 1e-300), ValueError, "overflow|too many|cannot be resolved"),
    (lambda: goldilocks_cell_width(1000, 2, 1.0, 0), ValueError, "dim"),
    (lambda: product_floor("not a histogram", stats.norm()), TypeError, "CellHistogram"),
    (lambda: cell_floor_mc(cell_histogram([[0.0], [1.0]], 1.0), GaussianND(1), draws=10), ValueError, "draws"),
    (lambda: GenCopyCells().fit(np.zeros((5, 2))), ValueError, "exactly one"),
    (lambda: GenCopyCells(m=2.0).fit(np.ones((5, 2))), ValueError, "`h`"),
    (lambda: KDECells().fit(np.ones((2, 3))), ValueError, "more events"),
    (lambda: RadialFit().fit(np.ones((4, 2))), ValueError, "radii"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_volume_is_width_to_the_d():
    h = cell_histogram(np.random.default_rng(0).normal(size=(50, 3)), 0.5)
    assert h.log_volume == pytest.approx(3 * math.log(0.5)) and h.dim == 3
