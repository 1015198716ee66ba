"""The study of chapter 10 (ampcore.studies.dimensions): the bound, the floor, ring and shell in d-D."""

from __future__ import annotations


import numpy as np
import pytest
from scipy import stats

from ampcore.bound import min_gain
from ampcore.cells import cell_histogram, product_floor
from ampcore.laws import GaussianND
from ampcore.studies import bound_dims, cloud_dims, floor_dims


@pytest.fixture(scope="module")
def bound():
    return bound_dims(400, [1, 2, 4], [1, 10, 100, 1000], replicates=3, seed=11)


def test_bound_crossing_follows_the_measured_m(bound):
    # GenCopy's generated histogram tends to the training one, so M_G → M_train ln(GN)/ln N and the
    # crossing is N^(3/M_train − 1) at the *measured* M; its gap in exponent (units of ln N) is the
    # plug-in bias (B − 1)/(2 G N) relative to H, far below 0.02; the nominal √N misses it at d = 4
    h = bound.headline()
    assert h["max_exponent_gap"] < 0.02
    assert h["crossing_gain"]["4"] > 1.2 * float(min_gain(400))
    assert h["m_train_measured"]["4"] < h["m_train_measured"]["1"]


def test_bound_expected_m_matches_measured(bound):
    # the first-order prediction ln N / (ln N/M + bias − (B − 1)/(2N)) against the mean measured M
    # (3 replicates, per-replicate sd ~0.02): within 0.05 (the second-order plug-in bias)
    s = bound.summary()
    assert np.all(np.abs(s["m_train_measured"] - s["m_train_expected"]) < 0.05)


def test_bound_rows_and_same_seed_same_table(bound):
    assert len(bound) == 3 * 3 * 4
    again = bound_dims(400, [1, 2, 4], [1, 10, 100, 1000], replicates=3, seed=11)
    assert again.frame.equals(bound.frame)


def test_floor_matches_direct_computation_and_grows_with_d():
    r = floor_dims(300, [1, 3], m=2.0, replicates=2, seed=5)
    row = r.frame.iloc[-1]  # d = 3, the last replicate: recompute its floor from scratch
    from ampcore.studies.engine import grid

    trial = grid(law="gaussian_nd", n=300, replicates=2, seed=5, d=[1, 3], m=2.0)[-1]
    x = GaussianND(3).rvs(300, random_state=trial.rng(0, 3))
    direct = product_floor(cell_histogram(x, row["width"]), stats.norm())
    assert row["floor"] == pytest.approx(direct, rel=1e-12)
    assert r.headline()["floor_increasing"]
    assert np.all(r.frame["bias"] > 0) and np.all(r.frame["floor"] > r.frame["bias"])


def test_cloud_study_checks_and_reproducibility():
    # 8 replicates of G·N = 1000 true events: the ratio-of-means factor has relative se ~ 0.3 / sqrt(8)
    # per point at worst; |z| < 4 over the handful of points
    args = dict(laws=["gaussian_nd"], gain=5, replicates=8, seed=3)
    r = cloud_dims(200, [1, 3], **args)
    h = r.headline()
    assert h["truth_z_max"] < 4 and h["training_z_max"] < 4
    assert r.table().shape[0] == 2 * 6
    assert cloud_dims(200, [1, 3], **args).frame.equals(r.frame)


def test_cell_score_reduces_to_the_quantile_recipe():
    # with B equiprobable cells n_equiv = (1 - 1/B)/(B qMSE) = equivalent_events
    from ampcore.ampfactor import equivalent_events
    from ampcore.envelope import CellTruth, cell_score

    class Uniform:
        def cdf(self, x):
            return np.clip(x, 0.0, 1.0)

    truth = CellTruth(width=0.1, origin=np.zeros(1), sum_p2=0.1, correction=0.0, reference_size=0, marginal=Uniform())
    x = np.random.default_rng(0).random((500, 1))
    score = cell_score(x, truth)
    counts = np.histogram(x[:, 0], bins=10, range=(0, 1))[0]
    qmse = float(np.mean((counts / 500 - 0.1) ** 2))
    assert score.n_equiv == pytest.approx(equivalent_events(qmse, 10), rel=1e-12)


def test_envelope_mc_matches_the_exact_gaussian_one():
    from ampcore.envelope import _envelope_mc, amplification_envelope_cells

    exact = amplification_envelope_cells(GaussianND(2), 0.8)
    x = np.random.default_rng(1).standard_normal((400_000, 2))
    scores = np.column_stack([x[:, 0], x[:, 1], (x[:, 0] ** 2 - 1) / np.sqrt(2), (x[:, 1] ** 2 - 1) / np.sqrt(2),
                              x[:, 0] * x[:, 1]])
    spread, trace, se = _envelope_mc(x, scores, 0.8, np.full(2, -0.4))
    assert exact.parameters == 5
    assert abs(spread / trace - exact.value) < 4 * se


@pytest.mark.parametrize(("call", "match"), [
    (lambda: cloud_dims(200, [2], gan_steps=-1), "gan_steps"),
    (lambda: cloud_dims(200, [2], laws=["cube"]), "laws"),
    (lambda: bound_dims(400, [1], [10, 1]), "increasing"),
    (lambda: bound_dims(400, [1, 1], [1, 10]), "repeat"),
    (lambda: bound_dims(400, [11], [1, 10]), "dims"),
    (lambda: floor_dims(5, [1]), "n"),
    (lambda: cloud_dims(200, [9]), "dims"),
    (lambda: cloud_dims(200, [2], gain=1), "gain"),
])
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
