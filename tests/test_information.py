"""Tests of ampcore.information: entropies, the Goldilocks width, binning and measured M."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from ampcore import TieWarning

from ampcore import (
    bin_width,
    differential_renyi_entropy,
    effective_m,
    goldilocks_width,
    histogram,
    histogram_entropy,
    knn_entropy,
    nn_entropy,
    renyi_entropy,
    sample_entropy,
)

H_NORMAL = 0.5 * math.log(2 * math.pi * math.e)  # Standard: entropy of N(0,1), nats

counts_strategy = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30).filter(
    lambda c: sum(c) > 0
)


class TestHistogramEntropy:
    def test_uniform_histogram_is_log_b(self):
        # exact identity: B equal bins -> ln B
        for b in (1, 2, 7, 64):
            assert histogram_entropy(np.full(b, 3)) == pytest.approx(math.log(b), abs=1e-14)

    def test_bits(self):
        assert histogram_entropy([1, 1, 1, 1], base=2) == pytest.approx(2.0, abs=1e-14)

    def test_empty_bins_skipped_and_scale_free(self):
        assert histogram_entropy([0, 2, 0, 2]) == pytest.approx(histogram_entropy([5, 5]), abs=1e-15)

    def test_miller_madow_adds_first_order_bias(self):
        c = np.array([10, 20, 30, 0])
        plain = histogram_entropy(c)
        assert histogram_entropy(c, correction="miller-madow") == pytest.approx(plain + 2 / 120, abs=1e-15)

    def test_miller_madow_reduces_bias(self):
        # plug-in entropy of 8 equiprobable bins from 40 draws is biased low by about (B-1)/(2N)=0.0875;
        # over 2000 seeded repetitions the mean error's sd is ~0.14/sqrt(2000)=0.003, so the corrected mean
        # lies within 0.015 of ln 8 unless something is wrong (a > 4 sd event).
        rng = np.random.default_rng(5)
        draws = rng.multinomial(40, np.full(8, 1 / 8), size=2000)
        plain = np.mean([histogram_entropy(c) for c in draws])
        mm = np.mean([histogram_entropy(c, correction="miller-madow") for c in draws])
        assert math.log(8) - plain > 0.06
        assert abs(mm - math.log(8)) < 0.015

    @settings(max_examples=60, derandomize=True)
    @given(counts_strategy)
    def test_bounds(self, counts):
        h = histogram_entropy(counts)
        assert -1e-12 <= h <= math.log(np.count_nonzero(counts)) + 1e-12

    @pytest.mark.parametrize(
        ("counts", "match"),
        [([], "non-empty 1-D"), ([[1, 2]], "non-empty 1-D"), ([1, -1], "non-negative"),
         ([0, 0], "positive total"), ([1, np.nan], "finite")],
    )
    def test_bad_counts(self, counts, match):
        with pytest.raises(ValueError, match=match):
            histogram_entropy(counts)

    def test_bad_options(self):
        with pytest.raises(ValueError, match="`correction` must be one of 'miller-madow'"):
            histogram_entropy([1, 2], correction="jackknife")
        with pytest.raises(ValueError, match="`base` must be positive and != 1"):
            histogram_entropy([1, 2], base=1)
        with pytest.raises(TypeError, match="`counts` must hold real numbers"):
            histogram_entropy(["a", "b"])


class TestRenyiEntropy:
    def test_special_orders(self):
        c = [4, 2, 1, 1]
        p = np.array(c) / 8
        assert renyi_entropy(c, 0) == pytest.approx(math.log(4), abs=1e-15)
        assert renyi_entropy(c, 1) == pytest.approx(histogram_entropy(c), abs=1e-15)
        assert renyi_entropy(c, 2) == pytest.approx(-math.log(np.sum(p**2)), abs=1e-14)
        assert renyi_entropy(c, np.inf) == pytest.approx(-math.log(0.5), abs=1e-15)

    def test_continuous_in_alpha_at_one(self):
        c = [7, 3, 3, 1]
        assert renyi_entropy(c, 1 + 1e-7) == pytest.approx(renyi_entropy(c, 1), abs=1e-6)

    @settings(max_examples=60, derandomize=True)
    @given(counts_strategy, st.floats(0, 20), st.floats(0, 20))
    def test_non_increasing_in_alpha(self, counts, a, b):
        lo, hi = sorted((a, b))
        assert renyi_entropy(counts, lo) >= renyi_entropy(counts, hi) - 1e-9

    @pytest.mark.parametrize("alpha", [-0.5, np.nan])
    def test_bad_alpha(self, alpha):
        with pytest.raises(ValueError, match="`alpha` must be >= 0"):
            renyi_entropy([1, 2], alpha)

    def test_alpha_type(self):
        with pytest.raises(TypeError, match="`alpha` must be a real number"):
            renyi_entropy([1, 2], "2")


class TestNNEntropy:
    def test_normal_consistency(self):
        # the k=1 estimator's sd is about 1.3/sqrt(n) nats (Kozachenko-Leonenko, 1-D); at n = 200000
        # that is 0.003, so 0.015 is a 5-sd band (false failure < 1e-6 for this fixed seed anyway).
        x = np.random.default_rng(11).normal(size=200_000)
        assert nn_entropy(x) == pytest.approx(H_NORMAL, abs=0.015)

    def test_bits_and_shift_invariance(self):
        x = np.random.default_rng(2).uniform(size=1000)
        assert nn_entropy(x, base=2) == pytest.approx(nn_entropy(x) / math.log(2), rel=1e-14)
        assert nn_entropy(x + 10.0) == pytest.approx(nn_entropy(x), abs=1e-9)
        assert nn_entropy(3 * x) == pytest.approx(nn_entropy(x) + math.log(3), abs=1e-12)

    def test_hand_value(self):
        # points 0, 1, 3: nearest distances 1, 1, 2 -> gamma + mean ln(2*3*l)
        want = np.euler_gamma + np.mean(np.log(6 * np.array([1.0, 1.0, 2.0])))
        assert nn_entropy([0.0, 1.0, 3.0]) == pytest.approx(want, abs=1e-15)

    def test_ties_raise_unless_dither(self):
        x = np.array([0.0, 0.0, 1.0, 2.5, 4.0])
        with pytest.raises(ValueError, match="1 tied neighbour pair"):
            nn_entropy(x)
        a = nn_entropy(x, dither=True, rng=3)
        assert np.isfinite(a) and a == nn_entropy(x, dither=True, rng=3)

    def test_all_equal(self):
        with pytest.raises(ValueError, match="all 3 values equal"):
            nn_entropy([1.0, 1.0, 1.0], dither=True)

    def test_bad_input(self):
        with pytest.raises(ValueError, match="at least 2 values"):
            nn_entropy([1.0])
        with pytest.raises(ValueError, match="must be finite"):
            nn_entropy([1.0, np.inf])
        with pytest.raises(ValueError, match="must be a 1-D array"):
            nn_entropy(np.ones((3, 2)))


ROOT = Path(__file__).resolve().parents[1]
FNN_ENTROPY = json.loads((ROOT / "tests" / "data" / "fnn_entropy" / "cases.json").read_text())


def brute_force_entropy(x: np.ndarray, k: int) -> np.ndarray:
    """FNN's formula with every distance computed directly (sorted rows of a full distance matrix)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    n, d = x.shape
    square = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1)
    square.sort(axis=1)
    with np.errstate(divide="ignore"):
        mld = np.log(square[:, 1 : k + 1]).sum(axis=0) / (2 * n)
    j = np.arange(1, k + 1)
    return special.digamma(n) - special.digamma(j) + d / 2 * math.log(math.pi) - math.lgamma(d / 2 + 1) + d * mld


class TestKnnEntropy:
    @pytest.mark.parametrize("case", FNN_ENTROPY, ids=[c["name"] for c in FNN_ENTROPY])
    def test_matches_r_fnn(self, case):
        """Reference: R 4.2.2, FNN 1.1.3.1, ``FNN::entropy(X, k, algorithm = "kd_tree")`` printed
        with ``%.17g`` (tools/fnn_entropy_fixtures.py): d = 1, 2, 3, 5, 8; n from 3 to 200000;
        k = 2 to 10; planted and rounding ties. The positions of -inf must match exactly, the
        finite values within 1e-12 nats (the sums are FNN's, so only the last bits of the
        constants can differ: about 3e-15 was measured)."""
        x = np.load(ROOT / case["file"])
        want = np.array([float(v) for v in case["entropy"]])
        got = knn_entropy(x, k=case["k"], ties="ignore")
        assert got.shape == want.shape and got.dtype == np.float64
        np.testing.assert_array_equal(np.isfinite(got), np.isfinite(want))
        np.testing.assert_array_equal(got[~np.isfinite(want)], want[~np.isfinite(want)])
        np.testing.assert_allclose(got[np.isfinite(want)], want[np.isfinite(want)], rtol=0, atol=1e-12)

    def test_the_fixtures_cover_the_dimensions_and_ties(self):
        dims = {c["d"] for c in FNN_ENTROPY}
        assert {1, 2, 3, 5} <= dims
        assert any("-Inf" in c["entropy"] for c in FNN_ENTROPY if c["d"] == 5)
        assert max(c["n"] for c in FNN_ENTROPY) >= 100_000

    @pytest.mark.parametrize("d", [1, 2, 4, 7])
    def test_brute_force(self, d):
        # same formula, every distance from the full matrix: only the order of the additions differs
        x = np.random.default_rng(d).normal(size=(300, d))
        np.testing.assert_allclose(knn_entropy(x, k=6), brute_force_entropy(x, 6), rtol=0, atol=1e-13)

    def test_against_nn_entropy_is_ln_n_minus_digamma_n(self):
        # identical distances, constants ln n (nn_entropy) against psi(n) (FNN): the gap is exact
        for n in (10, 1000, 20_000):
            x = np.random.default_rng(n).normal(size=n)
            gap = nn_entropy(x) - float(knn_entropy(x, k=1)[0])
            assert gap == pytest.approx(math.log(n) - float(special.digamma(n)), abs=1e-12)
        assert math.log(1000) - special.digamma(1000) == pytest.approx(1 / 2000 + 1 / 12e6, rel=1e-9)

    def test_estimates_the_entropy_of_a_gaussian_in_3d(self):
        # H of N(0, I_3) = 1.5 ln(2 pi e) = 4.257; at k = 4 the estimate runs low by 0.018 at
        # n = 2e4 and 0.004 at 2e5 (6 seeds each, sd 0.007 and 0.004): at n = 1e5 the bias is
        # under 0.01 and the sd about 0.005, so 0.03 is more than 4 sd from the mean
        x = np.random.default_rng(5).normal(size=(100_000, 3))
        assert knn_entropy(x, k=4)[3] == pytest.approx(1.5 * math.log(2 * math.pi * math.e), abs=0.03)

    def test_scale_adds_d_ln_c(self):
        # scaling by c multiplies every distance by c: H_j grows by d ln c (up to rounding)
        x = np.random.default_rng(8).uniform(size=(500, 3))
        np.testing.assert_allclose(knn_entropy(4.0 * x, k=3), knn_entropy(x, k=3) + 3 * math.log(4.0), atol=1e-12)

    def test_threads_do_not_change_the_value(self):
        x = np.random.default_rng(9).normal(size=(40_000, 2))
        np.testing.assert_array_equal(knn_entropy(x, k=3, workers=1), knn_entropy(x, k=3, workers=2))

    def test_ties(self):
        x = np.random.default_rng(4).normal(size=(50, 2))
        x[1] = x[2] = x[0]  # each of the 3 copies has 2 zero distances after dropping one
        with pytest.warns(TieWarning, match="6 zero distance"):
            h = knn_entropy(x, k=3)
        assert h[0] == h[1] == -np.inf and np.isfinite(h[2])
        with pytest.raises(ValueError, match="ties='raise'"):
            knn_entropy(x, k=3, ties="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            knn_entropy(x, k=3, ties="ignore")

    def test_bad_input(self):
        with pytest.raises(ValueError, match="`k` must be < n"):
            knn_entropy([0.0, 1.0, 2.0], k=3)
        with pytest.raises(ValueError, match="`ties`"):
            knn_entropy([0.0, 1.0, 2.0], k=1, ties="drop")
        with pytest.raises(ValueError, match="finite"):
            knn_entropy([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]], k=1)
        with pytest.raises(ValueError, match="1-D .n,. or 2-D"):
            knn_entropy(np.ones((3, 2, 2)), k=1)


class TestSampleEntropy:
    def test_scipy_methods_agree_on_normal(self):
        # n = 60 000: sd over samples ~0.0065 (nn, 1.6/sqrt n) and ~0.003 (vasicek, ebrahimi),
        # biases < 0.006 (probe at n = 20 000, scaled); 0.03 is > 3.6 sd for all three (chance
        # < 3e-4 each, and the seed is fixed)
        x = np.random.default_rng(8).normal(size=60_000)
        for method in ("nn", "vasicek", "ebrahimi"):
            assert sample_entropy(x, method=method) == pytest.approx(H_NORMAL, abs=0.03)

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="`method` must be one of 'nn'"):
            sample_entropy([1.0, 2.0], method="kde")


class TestGoldilocksWidth:
    def test_table_values(self):
        # research/paper.md §3.3 table (N = 2000, sigma = 1): 0.0260, 0.0924, 0.1976, 0.3280, 0.6180
        got = goldilocks_width(2000, np.array([1.5, 2, 2.5, 3, 4]), H_NORMAL)
        np.testing.assert_allclose(got, [0.0260, 0.0924, 0.1976, 0.3280, 0.6180], atol=6e-5)

    def test_entropy_of_binned_law_is_log_n_over_m(self):
        # Standard H_Delta ~ h - ln Delta, so at the Goldilocks width H = ln N / M; for N(0,1) the
        # discretisation error of h - ln Delta is O(Delta^2/24 * J) ~ 1e-3 at Delta=0.2, hence 2e-3.
        n, m = 2000, 2.5
        width = goldilocks_width(n, m, H_NORMAL)
        edges = np.arange(-12, 12 + width, width)
        p = np.diff(stats.norm.cdf(edges))
        assert histogram_entropy(p) == pytest.approx(math.log(n) / m, abs=2e-3)

    def test_bad(self):
        with pytest.raises(ValueError, match="`n` must be >= 2"):
            goldilocks_width(1, 2, 0.0)
        with pytest.raises(ValueError, match="`m` must be finite and > 0"):
            goldilocks_width(10, 0, 0.0)
        with pytest.raises(ValueError, match="`h` must be a finite entropy"):
            goldilocks_width(10, 2, np.inf)


class TestBinWidth:
    def test_sources_of_h(self):
        x = np.random.default_rng(0).normal(size=2000)
        by_law = bin_width(x, 2, law=stats.norm())
        assert by_law == pytest.approx(0.0924, abs=5e-5)
        assert bin_width(x, 2, h=H_NORMAL) == by_law
        # estimated h: the width is e^h N^(-1/M), so its relative error is the error of the NN
        # estimate of h: sd 0.037 at n = 2000 (probe, 200 samples; this one is off by 0.002 %),
        # sd 0.012 at n = 20 000, where 8 % is > 6 sd (false-failure chance < 1e-9)
        assert bin_width(x, 2) == pytest.approx(by_law, rel=0.08)
        big = np.random.default_rng(1).normal(size=20_000)
        assert bin_width(big, 2) == pytest.approx(bin_width(big, 2, law=stats.norm()), rel=0.08)

    def test_law_without_finite_entropy(self):
        class Degenerate:
            def rvs(self): ...
            def pdf(self): ...
            def cdf(self): ...
            def entropy(self):
                return -np.inf

        with pytest.raises(ValueError, match="finite differential entropy"):
            bin_width([0.0, 1.0], 2, law=Degenerate())

    def test_not_a_law(self):
        with pytest.raises(TypeError, match="frozen scipy.stats distribution"):
            bin_width([0.0, 1.0], 2, law="normal")

    @pytest.mark.parametrize("m", [0, -1, np.nan, np.inf])
    def test_bad_m(self, m):
        with pytest.raises(ValueError, match="`m` must be finite and > 0"):
            bin_width([0.0, 1.0, 2.0], m, h=0.0)

    def test_both_sources(self):
        with pytest.raises(ValueError, match="at most one of `h` and `law`"):
            bin_width([0.0, 1.0], 2, h=1.0, law=stats.norm())


class TestHistogram:
    def test_counts_and_edges(self):
        h = histogram([0.0, 0.1, 0.25, 0.9, -0.3], 0.2, origin=0.0)
        assert h.index.tolist() == [-2, 0, 1, 4]
        assert h.counts.tolist() == [1, 2, 1, 1]
        np.testing.assert_allclose(h.lefts, [-0.4, 0.0, 0.2, 0.8])
        assert h.n == 5
        assert np.sum(h.density * h.width) == pytest.approx(1.0)

    def test_sparse_path_matches_dense(self):
        x = np.array([0.0, 1.0, 1e9])
        h = histogram(x, 1.0)
        assert h.index.tolist() == [0, 1, 1_000_000_000] and h.counts.tolist() == [1, 1, 1]

    def test_overflow(self):
        with pytest.raises(ValueError, match="too small"):
            histogram([0.0, 1e300], 1e-300)

    @pytest.mark.parametrize("width", [0.0, -1.0, np.nan])
    def test_non_positive_width(self, width):
        with pytest.raises(ValueError, match="`width` must be finite and > 0"):
            histogram([0.0, 1.0], width)

    def test_empty(self):
        with pytest.raises(ValueError, match="at least 1 values; got 0"):
            histogram([], 1.0)


class TestEffectiveM:
    def test_hand_value(self):
        assert effective_m(np.arange(100.0), 10.0) == pytest.approx(2.0, abs=1e-12)

    def test_one_bin_is_infinite(self):
        assert effective_m([0.0, 0.1, 0.2], 10.0) == math.inf

    @pytest.mark.parametrize("m", [1.5, 2.0, 2.5, 3.0, 4.0])
    def test_tracks_chosen_m_for_normal(self, m):
        # paper.md §3.4 OWN-CHECK: measured M within ~1-5 % of M at N = 2000; the plug-in entropy is
        # biased low by (B-1)/(2N) which raises M slightly, most at large M (few bins), hence 6 %.
        x = np.random.default_rng(42).normal(size=2000)
        width = bin_width(x, m, law=stats.norm())
        assert effective_m(x, width) == pytest.approx(m, rel=0.06)


class TestDifferentialRenyi:
    @pytest.mark.parametrize("alpha", [0.5, 2.0, 3.0])
    def test_normal_closed_form(self, alpha):
        # h_alpha of N(mu, s^2) = ln(s sqrt(2 pi)) + ln(alpha) / (2 (alpha - 1)); quad to ~1e-11
        sd = 1.7
        want = math.log(sd * math.sqrt(2 * math.pi)) + math.log(alpha) / (2 * (alpha - 1))
        assert differential_renyi_entropy(stats.norm(0, sd), alpha) == pytest.approx(want, abs=1e-8)

    def test_shannon_limit(self):
        assert differential_renyi_entropy(stats.norm(), 1.0) == pytest.approx(float(stats.norm().entropy()))
        # h_alpha is smooth in alpha: |h_{1+e} - h_1| = O(e) = 1e-4 / 4 for N(0, 1)
        near = differential_renyi_entropy(stats.norm(), 1.0 + 1e-4)
        assert near == pytest.approx(float(stats.norm().entropy()), abs=1e-4)

    def test_non_increasing_in_alpha(self):
        law = stats.lognorm(0.8)
        values = [differential_renyi_entropy(law, a) for a in (0.5, 1.0, 2.0, 4.0)]
        assert values == sorted(values, reverse=True)

    def test_rejects_bad_alpha(self):
        with pytest.raises(ValueError, match="`alpha` must be finite and > 0; got 0.0"):
            differential_renyi_entropy(stats.norm(), 0.0)
        with pytest.raises(TypeError, match="`law` must be a frozen scipy.stats distribution"):
            differential_renyi_entropy("normal", 2.0)
