"""The study of chapter 10 (ampcore.studies.dimensions): the bound, the floor, ring and shell in d-D."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ampcore.bound import min_gain
from ampcore.cells import cell_histogram, product_floor
from ampcore.laws import GaussianND
from ampcore.studies import bound_dims, floor_dims, shell_dims


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


def test_shell_study_scores():
    r = shell_dims(200, [2, 3], gain=5, reference_size=5000, floor_draws=2000, replicates=3, seed=3)
    h = r.headline()
    assert set(r.frame["generator"]) == {"truth", "gencopy", "kde", "radial_fit", "training"}
    # G·N true events are worth ~G training samples: pooled over 3 replicates the factor's
    # relative se is ~ sqrt(2/ (3 · 9)) ≈ 0.3 (qMSE ~ chi-square with N_q − 1 = 9 dof); 4 se
    for d in (2, 3):
        f, se = h["amp_factor"][f"truth_{d}"], h["amp_factor_se"][f"truth_{d}"]
        assert abs(f - 5) < 4 * max(se, 0.3 * 5)
        assert math.isfinite(h["floor"][str(d)]) and h["floor"][str(d)] > 0
    assert r.table().shape[0] == 2 * 5


@pytest.mark.filterwarnings("ignore::ampcore.amplify.ConvergenceWarning")  # 50 steps: plumbing only
def test_shell_study_with_a_gan_adds_its_rows():
    # The GAN is opt-in (gan_steps > 0): its rows join the table and its headline; without it
    # the trials carry no gan_steps value, so their streams are those of the chapter's runs.
    args = dict(gain=2, reference_size=2000, floor_draws=500, replicates=2, seed=5)
    plain = shell_dims(100, [2], **args)
    with_gan = shell_dims(100, [2], gan_steps=50, **args)
    assert with_gan.generators == ["truth", "gencopy", "kde", "radial_fit", "gan"]
    assert plain.generators == ["truth", "gencopy", "kde", "radial_fit"]
    gan = with_gan.frame[with_gan.frame["generator"] == "gan"]
    assert len(gan) == 2 and np.isfinite(gan["qmse"]).all() and np.isfinite(gan["kld"]).all()
    assert "gan_2" in with_gan.headline()["amp_factor"]
    assert with_gan.table().shape[0] == plain.table().shape[0] + 1


@pytest.mark.parametrize(("call", "match"), [
    (lambda: shell_dims(200, [2], gan_steps=-1), "gan_steps"),
    (lambda: bound_dims(400, [1], [10, 1]), "increasing"),
    (lambda: bound_dims(400, [1, 1], [1, 10]), "repeat"),
    (lambda: bound_dims(400, [11], [1, 10]), "dims"),
    (lambda: floor_dims(5, [1]), "n"),
    (lambda: shell_dims(200, [1]), "dims"),
    (lambda: shell_dims(200, [2], n_q=500), "n_q"),
])
def test_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()
