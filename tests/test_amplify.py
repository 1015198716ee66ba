"""Tests of ampcore.amplify: GenCopy and the comparison amplifiers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ampcore import (
    AMPLIFIERS,
    Amplified,
    bootstrap,
    gencopy,
    gencopy_log,
    gencopy_chunks,
    generate,
    histogram,
    reamplify,
    refit_normal,
    smoothed_bootstrap,
)

samples = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=2, max_size=40
).filter(lambda v: max(v) > min(v))


class TestRandomState:
    @pytest.mark.parametrize("name", sorted(AMPLIFIERS))
    def test_same_seed_same_output_different_seed_differs(self, name):
        x = np.random.default_rng(0).normal(size=300)
        if name == "gencopy-log":  # amplifies ln x: needs positive events
            x = np.exp(x)
        opts = {"m": 2.5} if name in ("gencopy", "gencopy-log") else {}
        a = generate(x, 3, amplifier=name, rng=7, **opts).sample
        b = generate(x, 3, amplifier=name, rng=7, **opts).sample
        c = generate(x, 3, amplifier=name, rng=8, **opts).sample
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)

    def test_generator_is_advanced_not_copied(self):
        rng = np.random.default_rng(1)
        x = np.arange(10.0)
        first = bootstrap(x, 2, rng=rng).sample
        second = bootstrap(x, 2, rng=rng).sample
        assert not np.array_equal(first, second)

    @pytest.mark.parametrize("bad", [1.5, "seed", np.random.RandomState(0), True])
    def test_wrong_rng_type(self, bad):
        with pytest.raises(TypeError, match="`rng` must be an int seed"):
            bootstrap([1.0, 2.0], 2, rng=bad)

    def test_negative_seed(self):
        with pytest.raises(ValueError, match="`rng` must be a non-negative integer seed"):
            bootstrap([1.0, 2.0], 2, rng=-1)


class TestGenCopy:
    @settings(max_examples=50, derandomize=True)
    @given(samples, st.integers(1, 6), st.floats(0.05, 50.0))
    def test_points_stay_in_their_bins_and_counts_scale(self, x, gain, width):
        out = gencopy(x, gain, width=width, rng=0)
        train = histogram(x, width, origin=out.origin)
        gen = histogram(out.sample, width, origin=out.origin)
        assert out.n_generated == gain * len(x)
        assert np.array_equal(gen.index, train.index)
        assert np.array_equal(gen.counts, gain * train.counts)
        # copy g of point i sits in point i's bin
        own = np.floor((np.asarray(x) - out.origin) / width)
        copies = np.floor((out.sample - out.origin) / width).reshape(gain, len(x))
        assert np.array_equal(copies, np.broadcast_to(own, copies.shape))

    def test_record(self):
        x = np.random.default_rng(3).normal(size=2000)
        out = gencopy(x, 10, m=2.5, law=stats.norm(), rng=1)
        assert isinstance(out, Amplified)
        assert (out.method, out.n_train, out.gain, out.m) == ("gencopy", 2000, 10, 2.5)
        assert out.width == pytest.approx(0.1976, abs=1e-4)
        assert out.origin == x.min()
        # measured M of the training sample tracks the chosen M (paper.md §3.4: within a few %)
        assert out.m_eff == pytest.approx(2.5, rel=0.05)

    def test_no_exact_ties(self):
        x = np.random.default_rng(3).normal(size=2000)
        out = gencopy(x, 50, m=2.0, rng=2)
        assert np.unique(out.sample).size == out.n_generated

    def test_multinomial_variant_follows_the_histogram(self):
        # each bin's count is Binomial(G n, c_j / n): the largest standardised deviation over ~40
        # bins exceeds 5 with probability < 1e-5.
        x = np.random.default_rng(4).normal(size=500)
        out = gencopy(x, 200, width=0.25, variant="multinomial", rng=5)
        train = histogram(x, 0.25)
        gen = histogram(out.sample, 0.25, origin=out.origin)
        assert np.array_equal(gen.index, train.index)
        p = train.counts / 500
        z = (gen.counts - out.n_generated * p) / np.sqrt(out.n_generated * p * (1 - p))
        assert np.max(np.abs(z)) < 5
        assert out.method == "gencopy-multinomial"

    def test_explicit_origin(self):
        out = gencopy([0.1, 0.35, 0.8], 4, width=0.5, origin=0.0, rng=0)
        assert out.origin == 0.0
        assert np.all((out.sample >= 0.0) & (out.sample < 1.0))

    @pytest.mark.parametrize(
        ("kwargs", "exc", "match"),
        [
            ({"gain": 0, "m": 2}, ValueError, "`gain` must be an integer >= 1; got 0"),
            ({"gain": 2.5, "m": 2}, TypeError, "`gain` must be an integer; got float 2.5"),
            ({"gain": True, "m": 2}, TypeError, "`gain` must be an integer"),
            ({"gain": 2}, ValueError, "exactly one of `m`"),
            ({"gain": 2, "m": 2, "width": 0.1}, ValueError, "exactly one of `m`"),
            ({"gain": 2, "m": 0}, ValueError, "`m` must be finite and > 0; got 0.0"),
            ({"gain": 2, "m": np.inf}, ValueError, "`m` must be finite and > 0; got inf"),
            ({"gain": 2, "width": -1.0}, ValueError, "`width` must be finite and > 0; got -1.0"),
            ({"gain": 2, "m": 2, "variant": "gauss"}, ValueError, "`variant` must be one of"),
            ({"gain": 2, "width": 1.0, "origin": np.nan}, ValueError, "`origin` must be finite"),
        ],
    )
    def test_bad_input(self, kwargs, exc, match):
        x = np.random.default_rng(0).normal(size=50)
        gain = kwargs.pop("gain")
        with pytest.raises(exc, match=match):
            gencopy(x, gain, rng=0, **kwargs)

    @pytest.mark.parametrize(
        ("x", "match"),
        [([1.0], "at least 2 values"), ([], "at least 2 values"), ([0.0, np.nan], "must be finite"),
         (np.ones((2, 2)), "must be a 1-D array")],
    )
    def test_bad_sample(self, x, match):
        with pytest.raises(ValueError, match=match):
            gencopy(x, 2, width=1.0)

    def test_tied_training_sample_needs_width(self):
        # the nearest-neighbour entropy of tied data is -inf; the error says how to proceed
        with pytest.raises(ValueError, match="dither=True"):
            gencopy([0.0, 0.0, 1.0, 2.0], 2, m=2)


class TestOtherAmplifiers:
    def test_bootstrap_makes_exact_copies(self):
        x = np.random.default_rng(0).normal(size=100)
        out = bootstrap(x, 5, rng=0)
        assert out.n_generated == 500 and np.all(np.isin(out.sample, x))
        assert np.unique(out.sample).size <= 100

    def test_smoothed_bootstrap_bandwidths(self):
        x = np.random.default_rng(0).normal(size=2000)
        iqr = np.subtract(*np.percentile(x, [75, 25]))
        silverman = 0.9 * min(np.std(x, ddof=1), iqr / 1.34) * 2000 ** -0.2
        assert smoothed_bootstrap(x, 1, rng=0).bandwidth == pytest.approx(silverman, rel=1e-12)
        assert smoothed_bootstrap(x, 1, bandwidth="scott", rng=0).bandwidth == pytest.approx(
            1.059 * np.std(x, ddof=1) * 2000 ** -0.2, rel=1e-12
        )
        assert smoothed_bootstrap(x, 1, bandwidth=0.3, rng=0).bandwidth == 0.3

    def test_smoothed_bootstrap_variance(self):
        # Var = s0^2 + h^2 with s0^2 the (ddof=0) training variance; with 2e6 draws the sample
        # variance has relative sd sqrt(2/2e6) = 0.1 %, so 1 % is a 10-sd band.
        x = np.random.default_rng(1).normal(size=2000)
        out = smoothed_bootstrap(x, 1000, bandwidth=0.5, rng=2)
        assert np.var(out.sample) == pytest.approx(np.var(x) + 0.25, rel=0.01)

    def test_smoothed_bootstrap_bad(self):
        with pytest.raises(ValueError, match="`bandwidth` must be one of 'silverman', 'scott'"):
            smoothed_bootstrap([0.0, 1.0], 1, bandwidth="wide")
        with pytest.raises(ValueError, match="zero spread"):
            smoothed_bootstrap([1.0, 1.0], 1)

    def test_refit_normal(self):
        x = np.array([0.0, 1.0, 2.0, 3.0])
        out = refit_normal(x, 100_000, rng=0)
        # sample mean of 4e5 draws with sd 1.118 has sd 0.0018: 0.01 is > 5 sd
        assert out.sample.mean() == pytest.approx(1.5, abs=0.01)
        assert out.sample.std() == pytest.approx(np.std(x), rel=0.01)

    def test_unknown_amplifier(self):
        with pytest.raises(ValueError, match="`amplifier` must be one of 'gencopy'"):
            generate([0.0, 1.0], 2, amplifier="gan")


class TestReamplify:
    def test_sizes_and_generations(self):
        x = np.random.default_rng(0).normal(size=200)
        chain = reamplify(x, 3, generations=3, m=2.5, rng=1)
        assert [c.n_generated for c in chain] == [600, 1800, 5400]
        assert [c.generation for c in chain] == [1, 2, 3]
        assert [c.n_train for c in chain] == [200, 600, 1800]
        # Δ is recomputed from each generation's size, so it shrinks
        assert chain[0].width > chain[1].width > chain[2].width

    def test_moving_origin(self):
        x = np.random.default_rng(0).normal(size=300)
        chain = reamplify(x, 1, generations=4, m=2.0, moving_origin=True, rng=2)
        for prev, step in zip([x] + [c.sample for c in chain[:-1]], chain):
            assert prev.min() - step.width <= step.origin <= prev.min()

    def test_same_seed_same_chain(self):
        x = np.random.default_rng(0).normal(size=100)
        a = reamplify(x, 1, generations=5, amplifier="refit_normal", rng=3)
        b = reamplify(x, 1, generations=5, amplifier="refit_normal", rng=3)
        assert all(np.array_equal(p.sample, q.sample) for p, q in zip(a, b))

    def test_bad(self):
        with pytest.raises(ValueError, match="`generations` must be an integer >= 1; got 0"):
            reamplify([0.0, 1.0], 2, generations=0, m=2)
        with pytest.raises(ValueError, match="`moving_origin` applies to amplifier='gencopy'"):
            reamplify([0.0, 1.0], 2, generations=2, amplifier="bootstrap", moving_origin=True)


class TestGencopyChunks:
    def test_concatenation_equals_gencopy(self):
        x = stats.norm.rvs(size=1234, random_state=np.random.default_rng(5))
        for copies in (1, 3, 7, 50):
            parts = list(gencopy_chunks(x, 7, m=2.5, law=stats.norm(), copies_per_chunk=copies, rng=9))
            whole = gencopy(x, 7, m=2.5, law=stats.norm(), rng=9).sample
            assert [p.size for p in parts][:-1] == [min(copies, 7) * 1234] * (len(parts) - 1)
            np.testing.assert_array_equal(np.concatenate(parts), whole)

    def test_same_generator_stream(self):
        x = np.random.default_rng(1).normal(size=500)
        g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
        a = np.concatenate(list(gencopy_chunks(x, 5, width=0.3, copies_per_chunk=2, rng=g1)))
        b = gencopy(x, 5, width=0.3, rng=g2).sample
        np.testing.assert_array_equal(a, b)
        assert g1.random() == g2.random()  # both streams advanced by the same amount

    def test_default_chunk_size(self):
        x = np.random.default_rng(1).normal(size=1000)
        parts = gencopy_chunks(x, 10, width=0.3, rng=0)
        assert next(parts).size == 10_000  # all 10 copies fit in 2**22 values

    def test_arguments_checked_before_first_chunk(self):
        with pytest.raises(ValueError, match="Give exactly one of `m`"):
            gencopy_chunks([0.0, 1.0, 2.0], 2)
        with pytest.raises(ValueError, match="`copies_per_chunk` must be an integer >= 1; got 0"):
            gencopy_chunks([0.0, 1.0, 2.0], 2, width=0.5, copies_per_chunk=0)

    def test_in_place_arithmetic_matches_the_formula(self):
        """gencopy fills its sample in place; the values are those of the plain formula, bitwise."""
        x = np.random.default_rng(4).normal(size=777)
        out = gencopy(x, 9, width=0.15, rng=11)
        bins = np.floor((x - out.origin) / out.width)
        uniform = np.random.default_rng(11).random(9 * x.size)
        np.testing.assert_array_equal(out.sample, out.origin + (np.tile(bins, 9) + uniform) * out.width)


class TestGencopyLog:
    def test_is_gencopy_of_logs(self, rng):
        x = stats.lognorm(1.0).rvs(size=500, random_state=rng)
        out = gencopy_log(x, 4, m=2.5, rng=7)
        ref = gencopy(np.log(x), 4, m=2.5, rng=7)
        np.testing.assert_allclose(np.log(out.sample), ref.sample, rtol=0, atol=1e-13)
        assert out.width == ref.width and out.origin == ref.origin and out.m_eff == ref.m_eff
        assert out.method == "gencopy-log" and out.n_generated == 2000

    def test_copies_stay_in_their_log_bins(self, rng):
        x = stats.lognorm(1.0).rvs(size=300, random_state=rng)
        out = gencopy_log(x, 3, width=0.25, rng=1)
        parent_bin = np.floor((np.log(x) - out.origin) / 0.25)
        child_bin = np.floor((np.log(out.sample) - out.origin) / 0.25)
        np.testing.assert_array_equal(child_bin, np.tile(parent_bin, 3))
        assert out.sample.min() > 0

    def test_non_positive_rejected(self):
        with pytest.raises(ValueError, match=r"`x` must be > 0 to be amplified in log x; got 1 value"):
            gencopy_log([1.0, 0.0, 2.0], 2, width=0.1)

    def test_width_and_m_exclusive(self):
        with pytest.raises(ValueError, match="exactly one of `m`"):
            gencopy_log([1.0, 2.0], 2)
