"""ampcore.generators.flow: the normalising flow learns the law, is deterministic for a seed, reports convergence."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from ampcore.generators import ConvergenceWarning, generate, make
from ampcore.laws import CamelBack

pytest.importorskip("flowjax", reason="the flow needs the [gan] extra (jax, optax, flowjax)")

from ampcore.generators.flow import Flow, FlowModel  # noqa: E402  # after the skip: it needs nothing, but its use does

LAW = CamelBack()
N = 1000
# The level of each KS test below. Its argument: if the flow had learnt the law as well as a
# density estimate from N events can (no worse than the training sample itself), the distance D
# between N generated events and the law would be distributed as the two-sample Kolmogorov
# statistic of two samples of N (the training error plus the generated sample's own error), so
# sqrt(N/2) D follows Kolmogorov's law asymptotically. A generator as good as its data then fails
# with probability ALPHA per training sample; the two laws tested make the chance that a correct
# flow fails this file by bad luck at most 2 ALPHA = 0.2 % (each machine trains its own weights,
# so the draw is made once per machine, and then the result is fixed).
ALPHA = 0.001


def _ks_p(generated: np.ndarray, cdf, n_train: int) -> float:
    d = stats.kstest(generated, cdf).statistic
    return float(stats.kstwobign.sf(d * np.sqrt(n_train / 2)))


@pytest.fixture(scope="module")
def camel() -> tuple[np.ndarray, FlowModel]:
    x = LAW.rvs(size=N, random_state=np.random.default_rng(11))
    return x, Flow().fit(x, rng=3)


def test_the_flow_has_learnt_the_camel_back(camel):
    x, model = camel
    p = _ks_p(model.sample(N, rng=5), LAW.cdf, N)
    assert p > ALPHA, p


def test_the_flow_has_learnt_a_normal():
    law = stats.norm(3.0, 2.0)
    x = law.rvs(size=N, random_state=np.random.default_rng(12))
    p = _ks_p(Flow().fit(x, rng=4).sample(N, rng=6), law.cdf, N)
    assert p > ALPHA, p


def test_the_ks_check_can_fail(camel):
    # Power: the same check rejects the flow's own events shifted by 0.3 training sd (a Kolmogorov
    # distance of ~0.1 from the law, so sqrt(500) D ~ 2.3 and p ~ 1e-5), and it rejects a Normal
    # with the camel back's mean and variance (distance 0.099, p ~ 1e-4).
    x, model = camel
    assert _ks_p(model.sample(N, rng=5) + 0.3 * x.std(), LAW.cdf, N) < ALPHA
    normal = stats.norm(x.mean(), x.std()).rvs(size=N, random_state=np.random.default_rng(5))
    assert _ks_p(normal, LAW.cdf, N) < ALPHA


def test_same_seed_same_flow_other_seed_other_flow(camel):
    x, model = camel
    again = Flow().fit(x, rng=3)
    assert all(np.array_equal(a, b) for a, b in zip(model.leaves, again.leaves))
    assert np.array_equal(model.history, again.history, equal_nan=True)
    assert np.array_equal(model.sample(500, rng=1), again.sample(500, rng=1))
    by_seed = Flow(seed=3).fit(x)  # `seed` is the default source of `rng`
    assert all(np.array_equal(a, b) for a, b in zip(model.leaves, by_seed.leaves))
    other = Flow().fit(x, rng=4)
    assert not all(np.array_equal(a, b) for a, b in zip(model.leaves, other.leaves))


def test_converged_with_its_loss_curves(camel):
    # The criterion: no improvement of the validation loss for `patience` = 20 epochs. The kept
    # epoch is the best one, 20 epochs before the end, and the curves hold every epoch.
    _, model = camel
    assert model.converged
    curve = model.curve()
    assert curve["epoch"][-1] == model.epochs < model.options["max_epochs"]
    assert model.best_epoch == model.epochs - model.options["patience"]
    val = curve["validation_loss"]
    assert np.all(np.isfinite(val)) and np.all(np.isfinite(curve["train_loss"]))
    assert val[model.best_epoch - 1] == val.min()
    assert np.all(val[model.best_epoch:] >= val.min())


def test_too_few_epochs_is_not_converged_and_warns(camel):
    x, _ = camel
    with pytest.warns(ConvergenceWarning, match=r"max_epochs=3 .*patience=20"):
        model = Flow(max_epochs=3).fit(x, rng=3)
    assert not model.converged and model.epochs == 3


def test_a_flow_that_never_improved_is_not_converged(camel):
    # min_delta far above any possible gain in nats: no epoch counts as an improvement, so early
    # stopping fires after `patience` epochs with the untrained parameters kept
    x, _ = camel
    with pytest.warns(ConvergenceWarning, match="no epoch improved"):
        model = Flow(patience=2, min_delta=1e6).fit(x, rng=3)
    assert model.best_epoch == 0 and not model.converged and model.epochs == 2


def test_logpdf_is_a_density(camel):
    # Simpson on 40001 points of [min - 3 sd, max + 3 sd]: the mass outside is below 1e-4 for a
    # density with the training sample's spread, and the rule's error on the grid is far smaller.
    x, model = camel
    grid = np.linspace(x.min() - 3 * x.std(), x.max() + 3 * x.std(), 40_001)
    assert integrate.simpson(np.exp(model.logpdf(grid)), x=grid) == pytest.approx(1.0, abs=2e-3)


def test_sampling_is_ours_chunked_and_checked(camel):
    _, model = camel
    a = model.sample(40_000, rng=9)  # more than one chunk of 2**15
    assert a.shape == (40_000,) and a.dtype == np.float64
    assert np.array_equal(a, model.sample(40_000, rng=np.random.default_rng(9)))
    # float64 events: in float32 200,000 draws would hold some 500 exact ties (a grid of 2**24
    # values per octave), which a nearest-neighbour divergence cannot take
    big = model.sample(200_000, rng=3)
    assert np.unique(big).size == big.size
    out = model.amplify(3, rng=0)
    assert out.generator == "flow" and out.n_generated == 3 * N and out.gain == 3
    with pytest.raises(MemoryError, match="`size`"):
        model.sample(10**13, rng=0)


def test_d_dimensional_input_learns_the_dependence():
    # A camel back and a second coordinate 0.8 x (standardised) + 0.6 noise: correlation 0.8. The
    # training correlation of 1000 events has a standard error of about (1 − 0.8²)/√1000 = 0.011,
    # 10,000 generated events add 0.004; a flow as good as its data is within ~0.02 of the
    # training value, and 0.08 is about 4 of those. A flow that ignored the dependence (the
    # product of its marginals) would give 0 and fail by 0.8.
    rng = np.random.default_rng(2)
    first = LAW.rvs(size=N, random_state=rng)
    x = np.column_stack([first, 0.8 * (first - first.mean()) / first.std() + 0.6 * rng.normal(size=N)])
    model = Flow().fit(x, rng=1)
    out = model.sample(10_000, rng=0)
    assert model.dim == 2 and out.shape == (10_000, 2) and model.converged
    assert abs(np.corrcoef(out.T)[0, 1] - np.corrcoef(x.T)[0, 1]) < 0.08
    assert model.logpdf(x[:5]).shape == (5,) and np.all(np.isfinite(model.logpdf(x[:5])))
    # the first coordinate's marginal passes the 1-D KS check of this file
    assert _ks_p(out[:N, 0], LAW.cdf, N) > ALPHA


def test_registered_lazily_and_generate_by_name(camel):
    x, _ = camel
    assert make("flow").name == "flow"
    out = generate(x, 2, generator="flow", seed=3, rng=2)
    assert out.n_generated == 2 * N and out.generator == "flow"


def test_import_does_not_load_jax():
    code = "import sys, ampcore, ampcore.generators, ampcore.generators.registry, ampcore.generators.flow; ampcore.Flow; print('jax' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"layers": 0}, ValueError, "`layers`"),
        ({"knots": 2.5}, TypeError, "`knots`"),
        ({"interval": -1.0}, ValueError, "`interval`"),
        ({"learning_rate": 0.0}, ValueError, "`learning_rate`"),
        ({"max_epochs": 0}, ValueError, "`max_epochs`"),
        ({"patience": True}, TypeError, "`patience`"),
        ({"min_delta": -0.1}, ValueError, "`min_delta`"),
        ({"validation": 1.0}, ValueError, "`validation` must be a fraction"),
        ({"seed": -1}, ValueError, "`seed`"),
    ],
)
def test_bad_options_name_the_option(options, error, match):
    with pytest.raises(error, match=match):
        Flow(**options).fit(np.arange(20.0))


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.arange(5.0), ValueError, "both need at least 2"),
        (np.array([1.0, np.nan, 2.0] * 5), ValueError, "finite"),
        (np.ones((3, 2, 2)), ValueError, "1-D"),
        (np.array(["a", "b"]), TypeError, "real numbers"),
        (np.ones(20), ValueError, "zero spread"),
    ],
)
def test_bad_samples(x, error, match):
    with pytest.raises(error, match=match):
        Flow().fit(x)


def test_bad_rng_and_size(camel):
    x, model = camel
    with pytest.raises(TypeError, match="`rng`"):
        Flow().fit(x, rng="one")
    with pytest.raises(ValueError, match="`size`"):
        model.sample(0)
    with pytest.raises(ValueError, match=r"`x` must have shape \(m, 1\)"):
        model.logpdf(np.ones((3, 2)))
