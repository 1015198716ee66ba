"""ampcore.generators.registry: one name per generator, options checked by name, seeds from a stream."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from ampcore.generators import GaussianMixture, GenCopy, GenCopyLog, KDE
from ampcore.generators.registry import generate, make, names, resolve

CLASSES = {
    "gencopy": "GenCopy", "gencopy_log": "GenCopyLog", "bootstrap": "Bootstrap", "kde": "KDE",
    "refit_normal": "RefitNormal", "gaussian_mixture": "GaussianMixture", "gencopy_cells": "GenCopyCells",
    "kde_cells": "KDECells", "radial_fit": "RadialFit", "gaussian_fit": "GaussianFit", "gan": "GAN", "flow": "Flow",
}


def test_the_names_are_pinned_and_snake_case():
    assert names() == tuple(CLASSES)
    assert all(name.isidentifier() and name == name.lower() for name in names())


@pytest.mark.parametrize("name", sorted(set(CLASSES) - {"gan", "flow"}))  # tests/test_gan.py, test_flow.py
def test_make_gives_the_class_whose_name_is_the_key(name):
    generator = make(name)
    assert type(generator).__name__ == CLASSES[name] and generator.name == name


def test_older_spellings_mean_the_same_generator():
    assert resolve("gencopy-log") == "gencopy_log" and resolve("smoothed_bootstrap") == "kde"
    assert make("gencopy-log", m=2.5) == GenCopyLog(m=2.5)
    assert make("smoothed_bootstrap", bandwidth="scott") == KDE(bandwidth="scott")
    assert "gencopy-log" not in names() and "smoothed_bootstrap" not in names()


def test_an_unknown_name_says_what_it_might_be():
    with pytest.raises(ValueError, match=r"`generator` must be one of 'gencopy', .*; got 'gencopy_lg' \(did you mean 'gencopy_log'"):
        make("gencopy_lg")
    with pytest.raises(ValueError, match=r"`amplifiers` must be one of .*got 'vae'\.$"):
        resolve("vae", "amplifiers")
    with pytest.raises(TypeError, match="`generator` must be a generator name"):
        make(GenCopy)  # type: ignore[arg-type]


def test_options_are_checked_by_name():
    assert make("gencopy", m=2.5, variant="multinomial") == GenCopy(m=2.5, variant="multinomial")
    with pytest.raises(TypeError, match=r"generator 'kde' has no option 'width'; its options are 'bandwidth'\."):
        make("kde", width=0.2)
    with pytest.raises(TypeError, match=r"generator 'refit_normal' has no options 'm', 'x'; its options are none\."):
        make("refit_normal", m=2, x=1)


def test_a_seeded_generator_draws_its_seed_from_the_stream():
    """The seed is the first draw ``integers(2**31 - 1)`` of the stream (the studies' convention)."""
    seed = int(np.random.default_rng(11).integers(2**31 - 1))
    assert make("gaussian_mixture", rng=np.random.default_rng(11)) == GaussianMixture(seed=seed)
    assert make("gaussian_mixture", rng=11).seed == seed  # an int seeds the stream
    assert make("gaussian_mixture", seed=4).seed == 4 and make("gaussian_mixture").seed == 0
    with pytest.raises(TypeError, match="give `rng` .* or `seed`, not both"):
        make("gaussian_mixture", rng=1, seed=2)


def test_an_unseeded_generator_leaves_the_stream_untouched():
    stream = np.random.default_rng(3)
    before = dataclasses.replace(make("kde", rng=stream))
    assert before == KDE()
    assert stream.integers(2**31 - 1) == np.random.default_rng(3).integers(2**31 - 1)


def test_generate_is_make_fit_amplify():
    x = np.random.default_rng(0).normal(size=300)
    out = generate(x, 3, generator="gaussian_mixture", seed=5, rng=2)
    same = GaussianMixture(seed=5).fit(x).amplify(3, rng=2)
    assert out.generator == "gaussian_mixture" and np.array_equal(out.sample, same.sample)
    with pytest.raises(TypeError, match="has no option 'amplifier'"):
        generate(x, 3, amplifier="kde")


def test_the_registry_loads_neither_jax_nor_scikit_learn():
    code = ("import sys; from ampcore.generators.registry import make, names; make('gan'); make('flow'); "
            "make('gaussian_mixture'); print(sorted(m for m in ('jax', 'sklearn') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
