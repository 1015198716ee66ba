"""Bad input to the public API, by class (issue 13): every case is refused with an error naming it.

Each class of misbehaviour found by probing the API as a careless or hostile user would has a
family here, table-driven or a hypothesis property, that would have caught every example:

* booleans, texts, complex numbers and NaN where a number is expected; anything but True/False
  for a flag; masked, boolean, text, complex or huge-integer arrays where a sample is expected
  (``TYPES``: one case per parameter of every public function and each bad kind);
* errors that name what the user never passed or nothing at all (every case above asserts the
  parameter's own name in backticks);
* crashes with the wrong exception (``WRONG_EXCEPTION``);
* silent wrong results: lost precision of far-away bins, under/overflow of the Goldilocks
  width, NaN entropies, the bound's overflow (hypothesis properties);
* limits checked before work: absurd sizes refused with ``MemoryError`` naming the parameter
  and the estimate, before anything is allocated (``MEMORY``, under a 2 GB budget).

``len(TYPES) + len(WRONG_EXCEPTION) + len(MEMORY) + ...`` are the cases counted in the report.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import ampcore as A
from ampcore import _validation as V
from ampcore.studies import (
    Trial,
    chain_grid,
    connect_dask,
    estimate_study,
    floor_scan,
    grid,
    reamplification_grid,
    resolution_study,
    run_grid,
    run_trials,
)

RNG = np.random.default_rng(13)
X = RNG.normal(size=300)
Y = RNG.normal(size=400)
POSITIVE = np.exp(X)
NORMAL = stats.norm()
LOGNORMAL = stats.lognorm(1.0)
TWO = A.TwoPeaks(0.1, 0.02)
TABLE = A.histogram_kl(X, 0.5, law=NORMAL, per_bin=True)


def masked(values: np.ndarray) -> np.ma.MaskedArray:
    out = np.ma.masked_array(np.append(values, 1e6))
    out[-1] = np.ma.masked
    return out


# bad values by kind of parameter: (label, value)
BAD = {
    "number": [("bool", True), ("numpy bool", np.True_), ("text", "2"), ("complex", 1 + 1j), ("nan", math.nan)],
    "int": [("bool", True), ("text", "5"), ("float 2.5", 2.5), ("float beyond 2**53", 1e17), ("nan", math.nan)],
    "flag": [("int 1", 1), ("text 'no'", "no"), ("None", None)],
    "sample": [
        ("masked entry", masked(X)),
        ("booleans", X > 0),
        ("texts", X.astype(str)),
        ("complex", X + 1j),
        ("integers beyond 2**53", np.arange(300, dtype=np.int64) * 2**55),
    ],
    "array": [("bool", True), ("text", "2"), ("masked entry", np.ma.masked_array([2.0, 3.0], mask=[False, True])),
              ("complex", np.array([2 + 1j])), ("bool array", np.array([True, False]))],
    "rng": [("bool", True), ("text", "1"), ("float", 1.5)],
    "law": [("number", 3.0), ("text", "norm")],
}


def _calls() -> dict[str, tuple]:
    """name -> (function, good keyword arguments, {parameter: kind})."""
    p = dict
    return {
        "histogram": (A.histogram, p(x=X, width=0.5), p(x="sample", width="number", origin="number")),
        "histogram_entropy": (A.histogram_entropy, p(counts=[3, 1, 2]), p(counts="array", base="number")),
        "renyi_entropy": (A.renyi_entropy, p(counts=[3, 1, 2], alpha=2.0), p(counts="array", alpha="number", base="number")),
        "nn_entropy": (A.nn_entropy, p(x=X), p(x="sample", dither="flag", base="number", rng="rng")),
        "knn_entropy": (A.knn_entropy, p(x=X, k=3), p(x="sample", k="int", workers="int")),
        "sample_entropy": (A.sample_entropy, p(x=X), p(x="sample")),
        "goldilocks_width": (A.goldilocks_width, p(n=2000, m=2.0, h=1.4), p(n="array", m="array", h="array")),
        "bin_width": (A.bin_width, p(x=X, m=2.0), p(x="sample", m="number", h="number", law="law")),
        "effective_m": (A.effective_m, p(x=X, width=0.5), p(x="sample", width="number", origin="number")),
        "differential_renyi_entropy": (A.differential_renyi_entropy, p(law=NORMAL, alpha=2.0), p(law="law", alpha="number")),
        "information_content": (A.information_content, p(n=2000), p(n="array", m="array", base="number")),
        "satisfies_bound": (A.satisfies_bound, p(n_train=100, n_generated=1000), p(n_train="array", n_generated="array")),
        "min_generated_events": (A.min_generated_events, p(n=2000), p(n="array", m_train="array", m_gen="array")),
        "min_gain": (A.min_gain, p(n=2000), p(n="array", m_train="array", m_gen="array")),
        "generated_m": (A.generated_m, p(n_train=100, n_generated=1000), p(n_train="array", n_generated="array", m_train="array")),
        "bound_table": (A.bound_table, p(n=[100, 2000]), p(n="array", gain="int", m_train="number", m_gen="number")),
        "kde_bandwidth": (A.kde_bandwidth, p(x=X), p(x="sample")),
        "gencopy": (A.gencopy, p(x=X, gain=3, m=2.5), p(x="sample", gain="int", m="number", origin="number", h="number", rng="rng", law="law")),
        "gencopy width": (A.gencopy, p(x=X, gain=3, width=0.2), p(width="number")),
        "gencopy_chunks": (lambda **kw: list(A.gencopy_chunks(**kw)), p(x=X, gain=3, width=0.2), p(x="sample", gain="int", copies_per_chunk="int", rng="rng")),
        "gencopy_log": (A.gencopy_log, p(x=POSITIVE, gain=3, m=2.5), p(x="sample", gain="int", m="number", origin="number", rng="rng")),
        "bootstrap": (A.bootstrap, p(x=X, gain=3), p(x="sample", gain="int", rng="rng")),
        "smoothed_bootstrap": (A.smoothed_bootstrap, p(x=X, gain=3), p(x="sample", gain="int", rng="rng")),
        "refit_normal": (A.refit_normal, p(x=X, gain=3), p(x="sample", gain="int", rng="rng")),
        "reamplify": (A.reamplify, p(x=X, gain=2, generations=2, m=2.5), p(x="sample", gain="int", generations="int", moving_origin="flag")),
        "kl_divergence": (A.kl_divergence, p(x=X, y=Y, k=3), p(x="sample", y="sample", k="int", workers="int")),
        "kl_distance": (A.kl_distance, p(x=X, y=Y, k=3), p(x="sample", y="sample", k="int", workers="int")),
        "kl_divergence_chunks": (A.kl_divergence_chunks, p(chunks=[X], y=Y, k=3, size=300), p(y="sample", k="int", size="int", workers="int")),
        "resistor_average": (A.resistor_average, p(d_pq=1.0, d_qp=2.0), p(d_pq="array", d_qp="array")),
        "normal_kl": (A.normal_kl, p(mean_p=0.0, sd_p=1.0, mean_q=1.0, sd_q=2.0), p(mean_p="array", sd_p="array", mean_q="array", sd_q="array")),
        "histogram_kl": (A.histogram_kl, p(x=X, width=0.5, law=NORMAL), p(x="sample", width="number", origin="number", per_bin="flag", law="law")),
        "floor_terms": (A.floor_terms, p(x=X, width=0.5, fisher=1.0), p(x="sample", width="number", fisher="number", origin="number")),
        "kl_by_region": (A.kl_by_region, p(table=TABLE, edges=[-np.inf, 0.0, np.inf], labels=["low", "high"]), p(edges="array")),
        "log_floor": (A.log_floor, p(x=POSITIVE, width=0.2, law=LOGNORMAL), p(x="sample", width="number", per_bin="flag")),
        "valley_depth": (A.valley_depth, p(x=X, separation=1.0, window=0.2), p(x="sample", separation="number", window="number", center="number")),
        "true_valley_depth": (A.true_valley_depth, p(law=NORMAL, separation=1.0, window=0.2), p(law="law", separation="number", window="number", center="number")),
        "quantile_edges": (A.quantile_edges, p(n_q=5, law=NORMAL), p(n_q="int", law="law")),
        "quantile_mse": (A.quantile_mse, p(sample=X, edges=[-1.0, 0.0, 1.0]), p(sample="sample", edges="array")),
        "expected_quantile_mse": (A.expected_quantile_mse, p(n=100, n_q=5), p(n="array", n_q="int")),
        "equivalent_events": (A.equivalent_events, p(qmse=0.01, n_q=5), p(qmse="number", n_q="int")),
        "amplification_factor": (A.amplification_factor, p(generated=X, n_train=100, n_q=5, law=NORMAL), p(generated="sample", n_train="int", n_q="int")),
        "TwoPeaks": (A.TwoPeaks, p(separation=0.1, peak_width=0.02), p(separation="number", peak_width="number", background="number", background_sd="number", center="number")),
        "Reference.draw": (A.Reference.draw, p(law=NORMAL, size=100), p(law="law", size="int", rng="rng")),
        "GenCopy.fit": (lambda x, **kw: A.GenCopy(**kw).fit(x), p(x=X, m=2.5), p(x="sample", m="number", origin="number")),
        "GaussianMixture.fit": (lambda x, **kw: A.GaussianMixture(**kw).fit(x), p(x=X), p(x="sample", components="int", restarts="int", seed="int", tol="number", max_iter="int")),
        "FittedModel.sample": (lambda size, rng=None: A.RefitNormal().fit(X).sample(size, rng=rng), p(size=10), p(size="int", rng="rng")),
        "Trial.make": (Trial.make, p(law="normal", n=100), p(n="int", replicate="int", seed="int")),
        "grid": (grid, p(law="normal", n=100, replicates=2), p(replicates="int", seed="int")),
        "run_trials": (lambda **kw: run_trials(_toy, [Trial.make(law="a", n=2)], **kw), p(), p(workers="int", threads="int", progress="flag")),
        "run_grid": (run_grid, p(laws={"normal": NORMAL}, n=[100], m=[2.0], gain=[1], replicates=1, reference_size=1000),
                     p(replicates="int", seed="int", reference_size="int", k="int", baseline="flag")),
        "floor_scan": (floor_scan, p(law=NORMAL, n=200, m_values=[2.0], replicates=1), p(n="int", replicates="int", seed="int")),
        "resolution_study": (resolution_study, p(law=TWO, n=200, gains=[1], separation=0.1, window=0.02, replicates=2), p(n="int", replicates="int", seed="int", separation="number", window="number")),
        "estimate_study": (estimate_study, p(law=TWO, n=200, gains=[1], cuts=[0.5], replicates=3), p(n="int", replicates="int", seed="int", cuts="array")),
        "reamplification_grid": (reamplification_grid, p(law=NORMAL, n=100, gains=[1], replicates=1, reference_size=2000), p(n="int", replicates="int", k="int")),
        "chain_grid": (chain_grid, p(law=NORMAL, n=50, generations=2, replicates=1, reference_size=None), p(n="int", generations="int", replicates="int")),
    }


def _toy(trial, context):
    return {"v": trial.n}


CALLS = _calls()
TYPES = [
    (name, param, label, value)
    for name, (_, _, params) in CALLS.items()
    for param, kind in params.items()
    for label, value in BAD[kind]
]


def test_every_good_call_works():
    # the substitutions below start from calls that succeed, so each failure is the bad value's
    for name, (func, good, _) in CALLS.items():
        func(**good)


@pytest.mark.parametrize(("name", "param", "label", "value"), TYPES, ids=[f"{n}-{p}-{lab}" for n, p, lab, _ in TYPES])
def test_bad_kind_is_refused_naming_the_parameter(name, param, label, value):
    func, good, _ = CALLS[name]
    with pytest.raises((TypeError, ValueError)) as info:
        func(**{**good, param: value})
    message = str(info.value)
    assert f"`{param}`" in message, message
    assert "\n" not in message.strip(), message


# --- crashes with the wrong exception, and messages naming what was not passed -----------------

WRONG_EXCEPTION = [
    # (label, call, exception, words the message must contain)
    ("Trial positional, law an int", lambda: Trial(1, 123, 100, 0), TypeError, ["`law`"]),
    ("Trial positional, n a bool", lambda: Trial("a", True, 0), TypeError, ["`n`"]),
    ("Trial values not pairs", lambda: Trial("a", 5, 0, 1, (1, 2)), TypeError, ["`values`"]),
    ("Trial reserved value", lambda: Trial("a", 5, 0, 1, (("seed", 2),)), TypeError, ["seed"]),
    ("connect_dask timeout -1", lambda: connect_dask("tcp://127.0.0.1:9", timeout=-1), ValueError, ["`timeout`", "-1"]),
    ("connect_dask timeout text", lambda: connect_dask("tcp://127.0.0.1:9", timeout="1"), TypeError, ["`timeout`"]),
    ("bin_width levy_stable", lambda: A.bin_width(X, 2, law=stats.levy_stable(0.5, 0)), ValueError, ["`law`", "entropy"]),
    ("gencopy levy_stable", lambda: A.gencopy(X, 2, m=2, law=stats.levy_stable(0.5, 0)), ValueError, ["`law`"]),
    ("reamplify moving_origin without m", lambda: A.reamplify(X, 2, generations=2, moving_origin=True), ValueError, ["`m`", "`width`"]),
    ("gencopy m=1e-300 names m", lambda: A.gencopy(X, 2, m=1e-300), ValueError, ["`m`", "1e-300"]),
    ("information_content base 'e'", lambda: A.information_content(2000, base="e"), TypeError, ["`base`", "'e'"]),
    ("resistor_average unequal lengths", lambda: A.resistor_average([1, 2], [1, 2, 3]), ValueError, ["`d_pq`", "`d_qp`", "(2,)", "(3,)"]),
    ("normal_kl unequal lengths", lambda: A.normal_kl([0, 1], 1, [0, 1, 2], 1), ValueError, ["`mean_p`", "`mean_q`"]),
    ("min_generated_events unequal lengths", lambda: A.min_generated_events([10, 20], [2, 2, 2]), ValueError, ["`n`", "`m_train`"]),
    ("goldilocks_width unequal lengths", lambda: A.goldilocks_width([10, 20], [2, 2, 2], 1.0), ValueError, ["`n`", "`m`"]),
    ("run_grid m text", lambda: run_grid({"normal": NORMAL}, [300], ["a"], [1], replicates=1, reference_size=1000), TypeError, ["`m`", "'a'"]),
    ("check_positive of a huge int", lambda: V.check_positive(10**400, "m"), ValueError, ["`m`"]),
    ("kl_by_region nan edge", lambda: A.kl_by_region(TABLE, [-np.inf, np.nan, np.inf], ["a", "b"]), ValueError, ["`edges`"]),
    ("quantile_mse nan edge", lambda: A.quantile_mse(X, [0.0, np.nan]), ValueError, ["`edges`"]),
    ("bound_table beyond int64", lambda: A.bound_table([10**13]), ValueError, ["`n`"]),
    ("sample_entropy vasicek 2 points", lambda: A.sample_entropy([1.0, 2.0], method="vasicek"), ValueError, ["`x`", "vasicek"]),
    ("goldilocks underflow", lambda: A.goldilocks_width(2000, 1e-3, 1.0), ValueError, ["`m`", "underflows"]),
    ("goldilocks overflow", lambda: A.goldilocks_width(2, 1.0, 800.0), ValueError, ["`h`", "overflows"]),
    ("min_generated_events overflow", lambda: A.min_generated_events(1e300, m_gen=30), ValueError, ["overflows", "n="]),
    ("gencopy origin 1e17", lambda: A.gencopy(X, 5, width=0.1, origin=1e17, rng=1), ValueError, ["`origin`", "`width`", "precision"]),
    ("gencopy data near 1e17", lambda: A.gencopy(X + 1e17, 5, width=0.1, rng=1), ValueError, ["`x`", "`width`"]),
    ("histogram origin 1e17", lambda: A.histogram(X, 0.1, origin=1e17), ValueError, ["`origin`"]),
    ("histogram_kl far origin", lambda: A.histogram_kl(X, 1e-10, origin=-1e6, law=NORMAL), ValueError, ["`width`"]),
    ("masked gencopy", lambda: A.gencopy(masked(X), 2, m=2, rng=1), ValueError, ["`x`", "masked"]),
    ("masked kl_divergence", lambda: A.kl_divergence(masked(X), Y, 3), ValueError, ["`x`", "masked"]),
    ("masked histogram_entropy", lambda: A.histogram_entropy(np.ma.masked_array([5, 5, 1e6], mask=[0, 0, 1])), ValueError, ["`counts`", "masked"]),
    ("min_generated_events m_train True", lambda: A.min_generated_events(2000, m_train=True), TypeError, ["`m_train`"]),
    ("min_generated_events m_train '2'", lambda: A.min_generated_events(2000, m_train="2"), TypeError, ["`m_train`"]),
    ("histogram_kl per_bin 1", lambda: A.histogram_kl(X, 0.5, law=NORMAL, per_bin=1), TypeError, ["`per_bin`"]),
    ("run_grid baseline 1", lambda: run_grid({"normal": NORMAL}, [300], [2.0], [1], replicates=1, reference_size=1000, baseline=1), TypeError, ["`baseline`"]),
]


@pytest.mark.parametrize(("label", "call", "exc", "words"), WRONG_EXCEPTION, ids=[w[0] for w in WRONG_EXCEPTION])
def test_the_right_exception_naming_the_users_parameter(label, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_a_masked_array_without_masked_entries_is_plain_data():
    plain = A.gencopy(X, 2, m=2.5, rng=1).sample
    np.testing.assert_array_equal(A.gencopy(np.ma.masked_array(X), 2, m=2.5, rng=1).sample, plain)


# --- limits checked before work --------------------------------------------------------------

BIG = 10**12
MEMORY = [
    # (label, call, parameter named)
    ("gencopy gain 1e12", lambda: A.gencopy(X, BIG, m=2), "gain"),
    ("gencopy_log gain 1e12", lambda: A.gencopy_log(POSITIVE, BIG, m=2), "gain"),
    ("bootstrap gain 1e12", lambda: A.bootstrap(X, BIG), "gain"),
    ("smoothed_bootstrap gain 1e12", lambda: A.smoothed_bootstrap(X, BIG), "gain"),
    ("refit_normal gain 1e12", lambda: A.refit_normal(X, BIG), "gain"),
    ("generate mixture gain 1e12", lambda: A.generate(X, BIG, generator="gaussian_mixture"), "gain"),
    ("HistogramModel.sample 1e12", lambda: A.GenCopy(m=2).fit(X).sample(BIG), "size"),
    ("KDEModel.sample 1e12", lambda: A.KDE().fit(X).sample(BIG), "size"),
    ("MixtureModel.sample 1e12", lambda: A.GaussianMixture().fit(X).sample(BIG), "size"),
    ("BootstrapModel.sample 1e12", lambda: A.Bootstrap().fit(X).sample(BIG), "size"),
    ("gencopy_chunks copies 1e12", lambda: A.gencopy_chunks(X, BIG, m=2, copies_per_chunk=BIG), "copies_per_chunk"),
    ("Reference.draw 1e12", lambda: A.Reference.draw(NORMAL, BIG), "size"),
    ("reamplify 12 generations of 10", lambda: A.reamplify(X, 10, generations=12, m=2.5), "generations"),
    ("reamplify 1000 generations of 2", lambda: A.reamplify(X, 2, generations=1000, m=2.5), "generations"),
    ("run_grid reference_size 1e12", lambda: run_grid({"normal": NORMAL}, [300], [2.0], [1], reference_size=BIG), "reference_size"),
    ("run_grid replicates 1e8", lambda: run_grid({"normal": NORMAL}, [300], [2.0], [1], replicates=10**8), "replicates"),
    ("run_grid gain 1e9", lambda: run_grid({"normal": NORMAL}, [300], [2.0], [10**9], replicates=1, reference_size=1000), "gain"),
    ("grid replicates 1e8", lambda: grid(law="normal", n=100, replicates=10**8), "replicates"),
    ("grid long axis", lambda: grid(law="normal", n=100, replicates=1, gain=list(range(10**7))), "gain"),
    ("floor_scan replicates 1e8", lambda: floor_scan(NORMAL, 200, [2.0], replicates=10**8), "replicates"),
    ("resolution_study replicates 1e8", lambda: resolution_study(TWO, 200, [1], separation=0.1, window=0.02, replicates=10**8), "replicates"),
    ("estimate_study replicates 1e8", lambda: estimate_study(TWO, 200, [1], cuts=[0.5], replicates=10**8), "replicates"),
    ("chain_grid replicates 1e8", lambda: chain_grid(NORMAL, 50, generations=2, replicates=10**8, reference_size=None), "replicates"),
]


@pytest.fixture
def two_gb(monkeypatch):
    """A 2 GB budget, whatever the machine has (each case asks for far more)."""
    monkeypatch.setenv(V.MEMORY_LIMIT_ENV, "2G")


@pytest.mark.parametrize(("label", "call", "param"), MEMORY, ids=[m[0] for m in MEMORY])
def test_memory_is_estimated_before_allocating(two_gb, label, call, param):
    with pytest.raises(MemoryError) as info:
        call()
    message = str(info.value)
    assert f"`{param}`" in message and "nothing was allocated" in message and "available" in message, message
    assert re.search(r"\d+(\.\d+)? (kB|MB|GB|TB|PB)", message) or "more than any machine" in message


def test_a_call_within_the_budget_runs(two_gb):
    assert A.gencopy(X, 100, m=2.5, rng=1).n_generated == 30_000


def test_available_memory_and_the_budget(monkeypatch):
    monkeypatch.delenv(V.MEMORY_LIMIT_ENV, raising=False)
    free = V.available_memory()
    assert 0 < free
    monkeypatch.setenv(V.MEMORY_LIMIT_ENV, "500M")
    assert V.available_memory() == min(free, 500 * 2**20)
    monkeypatch.setenv(V.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match="AMPCORE_MEMORY_LIMIT"):
        V.available_memory()
    assert V.format_bytes(1.5e9) == "1.5 GB" and V.format_bytes(math.inf) == "more than any machine has"


# --- silent wrong results: properties -----------------------------------------------------------

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(n=st.floats(2, 1e15), m=st.floats(1e-4, 1e4), h=st.floats(-800, 800))
def test_goldilocks_width_is_a_normal_float_or_an_error_naming_m_or_h(n, m, h):
    try:
        width = A.goldilocks_width(n, m, h)
    except ValueError as exc:
        assert "`m`" in str(exc) or "`h`" in str(exc)
        log_width = h - math.log(n) / m
        assert not (math.log(np.finfo(float).tiny) < log_width < math.log(np.finfo(float).max))
        return
    assert np.finfo(float).tiny <= width < math.inf
    assert math.isclose(math.log(width), h - math.log(n) / m, rel_tol=1e-9, abs_tol=1e-9)


@PROPERTY
@given(
    offset=st.floats(-1e18, 1e18),
    log_width=st.floats(-12, 3),
    scale=st.sampled_from([1e-6, 1.0, 1e6]),
)
def test_gencopy_redraws_inside_each_training_bin_or_refuses(offset, log_width, scale):
    # the class: values far from the origin, or from 0, relative to the width lose the digits
    # that place a redrawn value inside its bin; refused, or every copy stays in its own bin
    x = offset + scale * X[:50]
    width = 10.0**log_width * scale
    try:
        out = A.gencopy(x, 3, width=width, rng=1)
    except ValueError as exc:
        assert "cannot be resolved" in str(exc) or "overflow" in str(exc)
        return
    bins = np.floor((x - out.origin) / width)
    drawn = np.floor((out.sample - out.origin) / width)
    # a value within one ulp of its bin edge may round into the next bin; never further
    assert np.all(np.abs(drawn - np.tile(bins, 3)) <= 1)
    assert np.mean(drawn == np.tile(bins, 3)) > 0.99
    assert np.unique(out.sample).size > 0.99 * out.sample.size  # the positions are not collapsed


@PROPERTY
@given(
    values=st.lists(st.integers(-5, 5), min_size=2, max_size=12),
    method=st.sampled_from(["nn", "vasicek", "van es", "ebrahimi", "correa", "auto"]),
)
def test_sample_entropy_is_finite_or_an_error(values, method):
    x = np.asarray(values, dtype=float)
    try:
        h = A.sample_entropy(x, method=method)
    except ValueError as exc:
        assert "`x`" in str(exc)
        return
    assert math.isfinite(h)


@PROPERTY
@given(n=st.floats(1, 1e300), m_train=st.floats(0.1, 10), m_gen=st.floats(0.1, 100))
def test_the_bound_is_finite_or_an_error(n, m_train, m_gen):
    for func in (A.min_generated_events, A.min_gain):
        try:
            value = func(n, m_train, m_gen)
        except ValueError as exc:
            assert "overflows" in str(exc)
            assume(False)
        assert math.isfinite(value) and value > 0


@PROPERTY
@given(value=st.one_of(st.booleans(), st.text(max_size=4), st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0),
                       st.none(), st.lists(st.floats(), max_size=2), st.binary(max_size=3)))
def test_scalar_checks_refuse_every_non_number(value):
    for check in (V.check_positive, V.check_finite, V.check_int):
        with pytest.raises((TypeError, ValueError), match="`p`"):
            check(value, "p")


@PROPERTY
@given(value=st.one_of(st.integers(0, 10**6), st.floats(0, 1e6).filter(float.is_integer)))
def test_check_int_takes_integers_and_integer_valued_floats(value):
    assert V.check_int(value, "p") == int(value)


@PROPERTY
@given(value=st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=3), st.booleans(), st.none()))
def test_check_bool_takes_only_booleans(value):
    if isinstance(value, bool):
        assert V.check_bool(value, "flag") is value
    else:
        with pytest.raises(TypeError, match="`flag` must be True or False"):
            V.check_bool(value, "flag")
