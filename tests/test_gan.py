"""ampcore.generators.gan: the GAN trains, is deterministic for a seed, has learnt, and stays lazy."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from ampcore.generators import ConvergenceWarning, generate, make, names
from ampcore.generators.gan import GAN, GANModel, _game_converged
from ampcore.laws import CamelBack

pytest.importorskip("jax", reason="the GAN needs the [gan] extra (jax, optax)")

# short training runs below are deliberate (shapes, options, caching): they do not converge
SHORT = pytest.mark.filterwarnings("ignore::ampcore.generators.base.ConvergenceWarning")

LAW = CamelBack()


@pytest.fixture(scope="module")
def trained() -> tuple[np.ndarray, GANModel]:
    x = LAW.rvs(size=1000, random_state=np.random.default_rng(11))
    return x, GAN(seed=3).fit(x)


def test_the_gan_has_learnt_the_camel_back(trained):
    # Train at N = 1000 with the default options, draw N_G = N events, KS distance D to the law.
    # If the GAN had learnt the law as well as a density estimate from N events can (no better
    # and no worse than the training sample itself), D would be distributed as the two-sample
    # Kolmogorov statistic of two samples of N (the training error plus the generated sample's
    # own), i.e. sqrt(N/2) D ~ Kolmogorov asymptotically. We fail below p = 0.01: a false-failure
    # rate of 1 % for a generator as good as its data (each machine trains its own weights).
    x, model = trained
    d = stats.kstest(model.sample(x.size, rng=5), LAW.cdf).statistic
    p = stats.kstwobign.sf(d * np.sqrt(x.size / 2))
    assert p > 0.01, (d, p)


def test_the_ks_check_can_fail():
    # The same check rejects a Normal with the camel back's mean and variance: its Kolmogorov
    # distance from the law is 0.099, so sqrt(500) * D ~ 2.2 and p ~ 1e-4 (the check has power).
    x = LAW.rvs(size=1000, random_state=np.random.default_rng(11))
    normal = stats.norm(x.mean(), x.std()).rvs(size=1000, random_state=np.random.default_rng(5))
    d = stats.kstest(normal, LAW.cdf).statistic
    assert stats.kstwobign.sf(d * np.sqrt(1000 / 2)) < 0.01


def test_same_seed_same_generator_other_seed_other_generator(trained):
    x, model = trained
    again = GAN(seed=3).fit(x)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(model.layers, again.layers))
    assert np.array_equal(model.history, again.history)
    assert np.array_equal(model.sample(50, rng=1), again.sample(50, rng=1))
    other = GAN(seed=4).fit(x)
    assert not np.array_equal(model.layers[0][0], other.layers[0][0])


def test_training_curve_converges_to_the_balanced_game(trained):
    # At the game's equilibrium the critic cannot tell real from generated: its logistic loss is
    # 2 ln 2 = 1.386 and the generator's ln 2 = 0.693. Over the last 500 steps (batch 128) the
    # mean losses scatter by ~0.01; 0.1 is far outside that, and a diverged run is far off.
    _, model = trained
    curve = model.curve()
    assert curve["step"][0] == 1 and curve["step"][-1] == model.history.shape[0] == 4000
    assert np.mean(curve["critic_loss"][-500:]) == pytest.approx(2 * np.log(2), abs=0.1)
    assert np.mean(curve["generator_loss"][-500:]) == pytest.approx(np.log(2), abs=0.1)
    assert np.all(np.isfinite(model.history))


def test_the_default_fit_has_converged(trained):
    # the fixture's fit at the defaults (4000 steps, windows of 500) meets the stated criterion
    _, model = trained
    assert model.converged and model.drift < 0.01 and model.gap < 0.01


def test_a_short_run_has_not_converged_and_warns():
    # 1000 steps in windows of 500: the first window still holds the opening transient, so the
    # mean losses move by ~0.03 between the windows (three times the tolerance)
    x = LAW.rvs(size=200, random_state=np.random.default_rng(0))
    with pytest.warns(ConvergenceWarning, match=r"drift=.*criterion: over the last window=500 steps"):
        model = GAN(steps=1000, seed=1).fit(x)
    assert not model.converged and model.drift > 0.01
    with pytest.warns(ConvergenceWarning, match="fewer than two windows"):  # the same trainer, judged on 600
        assert not GAN(steps=1000, window=600, seed=1).fit(x).converged


def test_the_criterion_on_made_up_curves():
    balanced = np.tile([2 * np.log(2), np.log(2), 0.0], (1000, 1))
    assert _game_converged(balanced, 500, 0.01) == (True, 0.0, pytest.approx(0.0, abs=1e-12))  # rounding of a mean of 500 copies
    drifting = balanced.copy()
    drifting[:500, 0] += 0.02  # the window before differs by 0.02 > 0.01
    assert _game_converged(drifting, 500, 0.01)[:2] == (False, pytest.approx(0.02))
    won = balanced.copy()
    won[:, 0] = 0.5  # a stable game the critic has won: no drift, but far from 2 ln 2
    converged, drift, gap = _game_converged(won, 500, 0.01)
    assert not converged and drift == 0 and gap == pytest.approx(2 * np.log(2) - 0.5)
    assert _game_converged(balanced[:999], 500, 0.01)[0] is False  # fewer than two windows


def test_sampling_is_ours_and_chunked(trained):
    _, model = trained
    a = model.sample(70_000, rng=9)  # more than one chunk of 2**16
    b = model.sample(70_000, rng=np.random.default_rng(9))
    assert a.shape == (70_000,) and a.dtype == np.float64 and np.array_equal(a, b)
    # the same noise, so the same events up to the rounding of a matrix product of another size
    assert np.allclose(model.sample(10, rng=9), a[:10], rtol=1e-12, atol=1e-12)
    out = model.amplify(3, rng=0)
    assert out.generator == "gan" and out.n_generated == 3000 and out.gain == 3


@SHORT
def test_registered_lazily_and_generate_by_name():
    assert "gan" in names()
    assert make("gan", steps=10).name == "gan"
    x = LAW.rvs(size=50, random_state=np.random.default_rng(1))
    out = generate(x, 2, generator="gan", steps=20, seed=1, rng=2)
    assert out.n_generated == 100 and out.generator == "gan"


def test_import_does_not_load_jax():
    code = "import sys, ampcore, ampcore.generators, ampcore.generators.registry, ampcore.generators.gan; print('jax' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@SHORT
def test_d_dimensional_input():
    rng = np.random.default_rng(2)
    x = np.column_stack([LAW.rvs(size=300, random_state=rng), rng.normal(size=300)])
    model = GAN(steps=200, seed=1).fit(x)
    assert model.dim == 2 and model.sample(7, rng=0).shape == (7, 2)


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"hidden": 0}, ValueError, "`hidden`"),
        ({"steps": 1.5}, TypeError, "`steps`"),
        ({"learning_rate": -1.0}, ValueError, "`learning_rate`"),
        ({"beta1": 1.0}, ValueError, "`beta1` must be < 1"),
        ({"ema": 1.0}, ValueError, "`ema` must be < 1"),
        ({"seed": -1}, ValueError, "`seed`"),
        ({"window": 0}, ValueError, "`window`"),
        ({"tolerance": 0.0}, ValueError, "`tolerance`"),
    ],
)
def test_bad_options_name_the_option(options, error, match):
    with pytest.raises(error, match=match):
        GAN(**options).fit(np.arange(10.0))


@SHORT
@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.array([1.0]), ValueError, r"at least 2 point\(s\)"),
        (np.array([1.0, np.nan, 2.0]), ValueError, "finite"),
        (np.ones((3, 2, 2)), ValueError, "1-D"),
        (np.array(["a", "b"]), TypeError, "real numbers"),
        (np.ones(5), ValueError, "zero spread"),
    ],
)
def test_bad_samples(x, error, match):
    with pytest.raises(error, match=match):
        GAN(steps=5).fit(x)


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    from ampcore._jax import cache_folder as _cache_folder

    monkeypatch.delenv("AMPCORE_JAX_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _cache_folder() == tmp_path / "ampcore" / "jax"
    monkeypatch.setenv("AMPCORE_JAX_CACHE", str(tmp_path / "mine"))
    assert _cache_folder() == tmp_path / "mine"
    for off in ("0", "off", ""):
        monkeypatch.setenv("AMPCORE_JAX_CACHE", off)
        assert _cache_folder() is None


@SHORT
def test_a_cached_trainer_gives_the_same_generator(tmp_path):
    # Two fresh processes train the same GAN: the first compiles and fills the cache, the second
    # loads the trainer from it. The generators must be bitwise the same (the cache holds the
    # executable JAX would compile), and the cache must have been written.
    code = (
        "import numpy as np; from ampcore.generators.gan import GAN; from ampcore.laws import CamelBack;"
        "x = CamelBack().rvs(size=200, random_state=np.random.default_rng(0));"
        "print(GAN(steps=200, seed=3).fit(x).sample(4, rng=1).tolist())"
    )
    env = {**os.environ, "AMPCORE_JAX_CACHE": str(tmp_path / "jax")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("[")
    assert any((tmp_path / "jax").iterdir())
