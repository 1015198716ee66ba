"""Tests for ampcore.divergence: FNN-exact kNN KL divergence and exact reference divergences.

Layers (STYLE.md practice 9): (a) exact identities and invariants, (b) R FNN reference values,
(c) statistical agreement with closed forms at fixed seeds, plus input validation.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from ampcore import divergence
from ampcore.divergence import (
    kl_divergence_chunks,
    TieWarning,
    histogram_kl,
    kl_distance,
    kl_divergence,
    normal_kl,
    resistor_average,
)
from ampcore.information import histogram

FNN_DIR = Path(__file__).resolve().parents[1] / "ampcore" / "data" / "fnn"
FNN_CASES = json.loads((FNN_DIR / "cases.json").read_text())

# Hypothesis: few, reproducible examples, and no example database written into the repository.
PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def load_case(case: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.load(FNN_DIR / case["x_file"]), np.load(FNN_DIR / case["y_file"])


def assert_same_estimates(got: np.ndarray, want: np.ndarray, atol: float) -> None:
    """+inf, -inf and nan in exactly the same places; finite values within `atol`."""
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(
        np.where(np.isinf(got), got, 0), np.where(np.isinf(want), want, 0)
    )
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=0, atol=atol)


def brute_force_fnn(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """FNN's formula from full distance matrices (O(n m)); self removed by index, not by value."""
    x = x.reshape(len(x), -1)
    y = y.reshape(len(y), -1)
    n, d = x.shape
    m = len(y)
    nu = np.sort(np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)), axis=1)[:, :k]
    dxx = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    rho = np.sort(dxx[~np.eye(n, dtype=bool)].reshape(n, n - 1), axis=1)[:, :k]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_nu = (np.log(nu).sum(0, dtype=np.longdouble) / n).astype(float)
        mean_rho = (np.log(rho).sum(0, dtype=np.longdouble) / n).astype(float)
        return math.log(m / n) + d * (mean_nu - mean_rho)


@st.composite
def tie_free_samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """x (n, d), y (m, d): distinct integer coordinates in [-500, 500], so no zero distance."""
    d = draw(st.integers(1, 2))
    n = draw(st.integers(6, 30))
    m = draw(st.integers(5, 30))
    k = draw(st.integers(1, min(5, n - 1, m)))
    coords = draw(
        st.lists(st.integers(-500, 500), min_size=(n + m) * d, max_size=(n + m) * d, unique=True)
    )
    values = np.array(coords, dtype=np.float64).reshape(n + m, d)
    # points on a line in d = 2 (a rank-deficient cloud) are refused by the estimator
    for part in (values[:n], values[n:]):
        centred = part - part.mean(axis=0)
        assume(np.linalg.eigvalsh(np.corrcoef(centred, rowvar=False))[0] > 1e-6 if d > 1 else True)
    return values[:n], values[n:], k


class TestPublicApi:
    def test_exact_public_names(self) -> None:
        assert divergence.__all__ == [
            "TieWarning",
            "kl_divergence",
            "kl_distance",
            "resistor_average",
            "normal_kl",
            "histogram_kl",
            "kl_divergence_chunks",
        ]

    def test_tie_warning_is_a_user_warning(self) -> None:
        assert issubclass(TieWarning, UserWarning)


class TestKlDivergence:
    @pytest.mark.parametrize("case", FNN_CASES, ids=[c["name"] for c in FNN_CASES])
    @pytest.mark.parametrize("method", ["auto", "kdtree"])
    def test_matches_r_fnn(self, case: dict, method: str) -> None:
        """Reference: R 4.2.2, FNN 1.1.3.1 (Debian r-cran-fnn),
        ``FNN::KL.divergence(X, Y, k = 10, algorithm = "kd_tree")`` on the stored X, Y (.npy, the
        exact doubles R read), printed with ``%.17g`` (ampcore/data/fnn/README.md).

        Tolerance 1e-12 absolute, the fixture README's pass rule: the k-NN distances are bitwise
        equal to ANN's, and the only differences left are libm ``log`` (numpy's SIMD log differs
        from glibc by <= 3.6e-15 on a few elements) and the order of the long-double sums; we
        measure <= 2e-15 (research/kld.md §3.2). +inf/-inf/nan must match in place and sign.
        """
        x, y = load_case(case)
        want = np.array([float(s) for s in case["kl_divergence"]])
        got = kl_divergence(x, y, case["k"], ties="ignore", method=method)
        assert got.dtype == np.float64
        assert_same_estimates(got, want, atol=1e-12)

    def test_vector_input_equals_column_input(self) -> None:
        case = FNN_CASES[0]
        x, y = load_case(case)
        np.testing.assert_array_equal(kl_divergence(x[:, 0], y[:, 0]), kl_divergence(x, y))

    @pytest.mark.parametrize("seed", [0, 1, 2])
    @pytest.mark.parametrize("decimals", [None, 3, 1])
    def test_sorted_and_kdtree_paths_agree(self, seed: int, decimals: int | None) -> None:
        """Both searches find the same distances (bitwise, research/kld.md §3.2); only the
        long-double summation order differs, far below the 1e-12 tolerance. Rounding to 3 or 1
        decimals plants ties within and between the samples: the +inf/-inf/nan patterns must match.
        """
        rng = np.random.default_rng(seed)
        x, y = rng.normal(0.0, 1.0, 3000), rng.normal(0.3, 1.2, 4000)
        if decimals is not None:
            x, y = np.round(x, decimals), np.round(y, decimals)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TieWarning)
            fast = kl_divergence(x, y, 10, method="sorted")
            tree = kl_divergence(x, y, 10, method="kdtree")
        assert_same_estimates(fast, tree, atol=1e-12)

    @pytest.mark.parametrize("method", ["sorted", "kdtree"])
    def test_small_samples_with_ties_match_brute_force(self, method: str) -> None:
        """Brute-force distance matrices with self removed by index: the FNN semantics of §1.5."""
        x = np.array([0.0, 0.0, 0.0, 1.0, 2.5, 4.0, 4.0, 7.0])
        y = np.array([0.0, 0.5, 2.0, 4.0, 6.0, 9.0])
        got = kl_divergence(x, y, 4, ties="ignore", method=method)
        assert_same_estimates(got, brute_force_fnn(x, y, 4), atol=1e-14)
        assert np.isnan(got[0]) and got[1] == np.inf  # triple 0 in x, and 0 and 4 also in y

    def test_two_dimensional_matches_brute_force(self) -> None:
        rng = np.random.default_rng(11)
        x, y = rng.normal(size=(60, 2)), rng.normal(size=(45, 2))
        y[3] = x[5]  # one x point repeated in y: D_1 = -inf
        got = kl_divergence(x, y, 5, ties="ignore")
        # Euclidean sums of squares may round differently from the kd-tree's: ~1e-16 relative.
        assert_same_estimates(got, brute_force_fnn(x, y, 5), atol=1e-13)
        assert got[0] == -np.inf

    def test_streaming_chunks_do_not_change_results(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A chunk of 7 query points (not dividing n) against the default 65536. Only the grouping
        of the long-double partial sums changes (bitwise equal here on x86-64); 1e-14 allows for
        platforms where long double is plain double. Tie counts must be identical.
        """
        rng = np.random.default_rng(3)
        x, y = np.round(rng.normal(size=3001), 3), np.round(rng.normal(size=2500), 3)
        with pytest.warns(TieWarning) as default_record:
            default = kl_divergence(x, y, 10)
        monkeypatch.setattr(divergence, "_CHUNK", 7)
        with pytest.warns(TieWarning) as chunked_record:
            chunked = kl_divergence(x, y, 10)
        assert_same_estimates(chunked, default, atol=1e-14)
        assert str(chunked_record[0].message) == str(default_record[0].message)

    def test_order_of_points_does_not_matter(self) -> None:
        """Sorting makes the 1-D path see identical arrays, so the result is bitwise equal."""
        rng = np.random.default_rng(4)
        x, y = rng.normal(size=5000), rng.normal(size=7000)
        base = kl_divergence(x, y)
        np.testing.assert_array_equal(kl_divergence(rng.permutation(x), rng.permutation(y)), base)
        np.testing.assert_array_equal(kl_divergence(np.sort(x)[::-1], np.sort(y)), base)

    def test_inputs_are_not_modified(self) -> None:
        rng = np.random.default_rng(5)
        x, y = rng.normal(size=500), rng.normal(size=400)
        x_copy, y_copy = x.copy(), y.copy()
        kl_divergence(x, y)
        kl_divergence(x, y, method="kdtree")
        np.testing.assert_array_equal(x, x_copy)
        np.testing.assert_array_equal(y, y_copy)

    def test_identical_samples_give_minus_inf_then_telescoping_differences(self) -> None:
        """With y = x, log(m/n) = 0 and every nu_j(x_i) = rho_{j-1}(x_i) (nu_1 = 0, the point
        itself): D_1 = -inf and D_j = mean log rho_{j-1} - mean log rho_j < 0 for j >= 2.
        """
        rng = np.random.default_rng(6)
        x = rng.normal(size=400)
        with pytest.warns(TieWarning, match=r"0 zero distance\(s\) within `x` and 400 between"):
            got = kl_divergence(x, x, 5)
        rho = np.sort(np.abs(x[:, None] - x[None, :]), axis=1)[:, 1:6]  # self sits in column 0
        mean_log_rho = (np.log(rho).sum(0, dtype=np.longdouble) / 400).astype(float)
        assert got[0] == -np.inf
        np.testing.assert_allclose(
            got[1:], mean_log_rho[:-1] - mean_log_rho[1:], rtol=0, atol=1e-15
        )
        assert np.all(got[1:] < 0)

    def test_direction_is_p_given_by_x(self) -> None:
        """kl_divergence(x, y) estimates D(P_x‖P_y): N(0,1)‖N(0,2²) = 0.318 nats; the reverse
        direction would be 0.807. Tolerance as in test_normal_pairs (n = m = 2e5, k = 5).
        """
        rng = np.random.default_rng(7)
        x, y = rng.normal(0.0, 1.0, 200_000), rng.normal(0.0, 2.0, 200_000)
        estimate = kl_divergence(x, y, 5)[4]
        assert abs(estimate - normal_kl(0, 1, 0, 2)) < 0.015
        assert abs(estimate - normal_kl(0, 2, 0, 1)) > 0.4

    @pytest.mark.parametrize(
        ("mean_y", "sd_y", "c5", "bias"),
        [
            (0.0, 1.0, 0.8, 0.0004),  # equal laws: sd 0.0017 at 2e5, bias -0.0004 (§4)
            (1.0, 1.0, 2.0, 0.0003),  # N(0,1)‖N(1,1) = 0.5: sd 0.0044 at 2e5, bias -0.0003
            (0.0, 2.0, 1.3, 0.0003),  # N(0,1)‖N(0,4) = 0.318: sd 0.030 at 2e3 -> 0.003 at 2e5
        ],
    )
    def test_normal_pairs(self, mean_y: float, sd_y: float, c5: float, bias: float) -> None:
        """Layer (c): the k = 5 estimate against the analytic value at n = m = 2e5, seed 8.

        The noise is sd = c5/sqrt(n) nats with c5 from the replicate study of research/kld.md §4
        (0.8 for equal laws); the tolerance is 5 sd plus the measured |bias|. For a Gaussian
        estimate the chance that a fresh seed falls outside 5 sd is 6e-7; the seed is fixed, so
        the test is deterministic.
        """
        n = 200_000
        rng = np.random.default_rng(8)
        x, y = rng.normal(0.0, 1.0, n), rng.normal(mean_y, sd_y, n)
        truth = normal_kl(0.0, 1.0, mean_y, sd_y)
        assert abs(kl_divergence(x, y, 5)[4] - truth) < 5 * c5 / math.sqrt(n) + bias

    def test_k_equal_one_and_k_equal_m(self) -> None:
        x, y = np.array([0.0, 1.0, 3.0]), np.array([0.5, 2.5])
        for method in ("sorted", "kdtree"):
            np.testing.assert_allclose(
                kl_divergence(x, y, 1, method=method), brute_force_fnn(x, y, 1), rtol=0, atol=1e-15
            )
            np.testing.assert_allclose(
                kl_divergence(x, y, 2, method=method), brute_force_fnn(x, y, 2), rtol=0, atol=1e-15
            )

    def test_integer_input_converts_silently(self) -> None:
        x, y = np.arange(0, 40, 2), np.arange(1, 41, 4)  # even vs odd: no ties, no warning
        np.testing.assert_array_equal(
            kl_divergence(x, y, 3), kl_divergence(x.astype(float), y.astype(float), 3)
        )

    @pytest.mark.parametrize("dtype", [np.float32, np.float16])
    def test_low_precision_float_input_warns(self, dtype: type) -> None:
        x, y = np.linspace(0, 1, 50).astype(dtype), np.linspace(0.01, 1.01, 60).astype(dtype)
        with pytest.warns(UserWarning) as record:
            got = kl_divergence(x, y, 3, ties="ignore")
        for name, message in zip("xy", (str(w.message) for w in record), strict=True):
            expected = f"`{name}` has dtype {np.dtype(dtype)}; it is converted to float64"
            assert message.startswith(expected)
            assert "exact ties" in message
        want = kl_divergence(x.astype(np.float64), y.astype(np.float64), 3, ties="ignore")
        np.testing.assert_array_equal(got, want)

    def test_long_double_input_converts_silently(self) -> None:
        x, y = np.linspace(0, 1, 50, dtype=np.longdouble), np.linspace(0.01, 1.01, 60)
        kl_divergence(x, y, 3)


class TestKlDivergenceTies:
    CASE = next(c for c in FNN_CASES if c["name"] == "tie_triple_in_x_and_y_equals_x")

    def test_warning_reports_counts(self) -> None:
        """X[0] three times in x (2 zero rho each: 6) and once in y (nu_1 = 0 for 3 points)."""
        x, y = load_case(self.CASE)
        with pytest.warns(TieWarning) as record:
            got = kl_divergence(x, y)
        assert len(record) == 1
        message = str(record[0].message)
        assert "6 zero distance(s) within `x` and 3 between `x` and `y`" in message
        assert "k=10" in message and "+inf" in message and "nan" in message and "FNN" in message
        assert np.isnan(got[0]) and got[1] == np.inf and np.all(np.isfinite(got[2:]))

    @pytest.mark.parametrize(
        ("name", "pattern"),
        [
            ("tie_pair_in_x", "+........."),
            ("tie_triple_in_x", "++........"),
            ("tie_y_equals_x", "-........."),
            ("tie_triple_in_x_and_y_equals_x", "N+........"),
            ("tie_2d_y_row_equals_x_row", "-........."),
        ],
    )
    def test_patterns(self, name: str, pattern: str) -> None:
        case = next(c for c in FNN_CASES if c["name"] == name)
        x, y = load_case(case)
        got = kl_divergence(x, y, ties="ignore")
        symbols = {np.inf: "+", -np.inf: "-"}
        assert "".join("N" if np.isnan(v) else symbols.get(v, ".") for v in got) == pattern

    def test_raise(self) -> None:
        x, y = load_case(self.CASE)
        expected = "`ties='raise'`: found 6 zero distance(s) within `x` and 3 between `x` and `y`"
        with pytest.raises(ValueError, match=re.escape(expected)):
            kl_divergence(x, y, ties="raise")

    def test_ignore_is_silent(self) -> None:
        x, y = load_case(self.CASE)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kl_divergence(x, y, ties="ignore")

    def test_no_ties_no_warning(self) -> None:
        x, y = load_case(FNN_CASES[0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            kl_divergence(x, y, ties="raise")


class TestKlDivergenceProperties:
    """Layer (a) with Hypothesis: exact invariances on tie-free data."""

    @PROPERTY_SETTINGS
    @given(tie_free_samples(), st.floats(1e-3, 1e3))
    def test_scale_invariance(self, sample: tuple, scale: float) -> None:
        """Scaling all coordinates by a adds d*log(a) to both mean log distances. Rounding of
        a*v (|v| <= 500) moves a distance >= a by <= 1.2e-13 relative, so D moves by
        <= 2*d*1.2e-13 = 4.8e-13: tolerance 1e-12.
        """
        x, y, k = sample
        np.testing.assert_allclose(
            kl_divergence(scale * x, scale * y, k), kl_divergence(x, y, k), rtol=0, atol=1e-12
        )

    @PROPERTY_SETTINGS
    @given(tie_free_samples(), st.floats(-100, 100))
    def test_translation_invariance(self, sample: tuple, shift: float) -> None:
        """x + c with |x + c| <= 600 is rounded by <= 5.7e-14, so a distance >= 1 moves by
        <= 1.2e-13 relative and D by <= 2*d*1.2e-13: tolerance 1e-12.
        """
        x, y, k = sample
        np.testing.assert_allclose(
            kl_divergence(x + shift, y + shift, k), kl_divergence(x, y, k), rtol=0, atol=1e-12
        )

    @PROPERTY_SETTINGS
    @given(tie_free_samples(), st.randoms(use_true_random=False))
    def test_permutation_invariance(self, sample: tuple, random: object) -> None:
        """1-D: sorting gives the same arrays, so bitwise equal. The kd-tree path sums the logs in
        another order in long double; after rounding to double a mean can move by one ulp
        (< 8.9e-16 for |mean log distance| < 8), so D by at most d ulps.
        """
        x, y, k = sample
        d = x.shape[1]
        px = x[random.sample(range(len(x)), len(x))]  # type: ignore[attr-defined]
        py = y[random.sample(range(len(y)), len(y))]  # type: ignore[attr-defined]
        if d == 1:
            np.testing.assert_array_equal(kl_divergence(px, py, k), kl_divergence(x, y, k))
        np.testing.assert_allclose(
            kl_divergence(px, py, k, method="kdtree"),
            kl_divergence(x, y, k, method="kdtree"),
            rtol=0,
            atol=d * 8.9e-16,
        )

    @PROPERTY_SETTINGS
    @given(tie_free_samples())
    def test_matches_brute_force(self, sample: tuple) -> None:
        x, y, k = sample
        np.testing.assert_allclose(kl_divergence(x, y, k), brute_force_fnn(x, y, k), atol=1e-13)


class TestKlDivergenceValidation:
    X = np.linspace(0.0, 1.0, 20)
    Y = np.linspace(0.05, 1.05, 15)

    @pytest.mark.parametrize(
        ("k", "error", "match"),
        [
            (True, TypeError, r"`k` must be an integer; got bool True"),
            (2.5, TypeError, r"`k` must be an integer; got float 2.5"),
            ("3", TypeError, r"`k` must be an integer; got str"),
            (0, ValueError, r"`k` must be an integer >= 1; got 0"),
            (20, ValueError, r"`k` must be < n = len\(x\) .*; got k=20 with n=20"),
            (16, ValueError, r"`k` must be <= m = len\(y\) .*; got k=16 with m=15"),
        ],
    )
    def test_bad_k(self, k: object, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            kl_divergence(self.X, self.Y, k)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("x", "error", "match"),
        [
            ([], ValueError, r"`x` must not be empty; got shape \(0, 1\)"),
            (np.empty((5, 0)), ValueError, r"`x` must have at least one column .*\(5, 0\)"),
            (
                [0.0, np.nan, 1.0],
                ValueError,
                r"`x` must be finite; got 1 NaN or infinite value\(s\) \(first in row 1\)",
            ),
            ([0.0, np.inf, 1.0], ValueError, r"`x` must be finite"),
            (
                np.zeros((3, 3, 3)),
                ValueError,
                r"`x` must be 1-D \(n,\) or 2-D \(n, d\); got shape \(3, 3, 3\) \(ndim=3\)",
            ),
            (1.0, ValueError, r"`x` must be 1-D .*got shape \(\) \(ndim=0\)"),
            (["a", "b", "c"], TypeError, r"`x` must hold real numbers; got dtype <U1"),
            ([True, False, True], TypeError, r"`x` must hold real numbers; got dtype bool"),
            ([1j, 2j, 3j], TypeError, r"`x` must hold real numbers; got dtype complex128"),
            ([[1.0, 2.0], [3.0]], TypeError, r"`x` must be an array of real numbers"),
        ],
    )
    def test_bad_x(self, x: object, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            kl_divergence(x, self.Y, 1)  # type: ignore[arg-type]

    def test_bad_y(self) -> None:
        with pytest.raises(ValueError, match=r"`y` must be finite"):
            kl_divergence(self.X, [0.0, -np.inf], 1)

    def test_dimension_mismatch(self) -> None:
        match = r"`x` and `y` must have the same dimension d .*d=2 for `x` and d=3 for `y`"
        with pytest.raises(ValueError, match=match):
            kl_divergence(np.zeros((10, 2)), np.zeros((10, 3)), 1)

    @pytest.mark.parametrize(
        ("option", "value", "match"),
        [
            ("ties", "drop", r"`ties` must be one of 'warn', 'raise', 'ignore'; got 'drop'"),
            ("method", "brute", r"`method` must be one of 'auto', 'sorted', 'kdtree'; got 'brute'"),
        ],
    )
    def test_bad_options(self, option: str, value: str, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            kl_divergence(self.X, self.Y, 1, **{option: value})

    def test_sorted_method_needs_one_dimension(self) -> None:
        match = r"`method='sorted'` needs 1-D data \(d == 1\); got d=2"
        with pytest.raises(ValueError, match=match):
            kl_divergence(np.zeros((10, 2)), np.ones((10, 2)), 1, method="sorted")


class TestKlDistance:
    @pytest.mark.parametrize("case", FNN_CASES, ids=[c["name"] for c in FNN_CASES])
    def test_matches_r_fnn(self, case: dict) -> None:
        """Reference: R 4.2.2, FNN 1.1.3.1, ``FNN::KL.dist(X, Y, k = 10, algorithm = "kd_tree")``
        on the stored X, Y. Tolerance 1e-12 absolute and exact non-finite patterns, as for
        ``KL.divergence`` (ampcore/data/fnn/README.md).
        """
        x, y = load_case(case)
        want = np.array([float(s) for s in case["kl_dist"]])
        assert_same_estimates(kl_distance(x, y, case["k"], ties="ignore"), want, atol=1e-12)

    @pytest.mark.parametrize("method", ["sorted", "kdtree"])
    def test_is_the_sum_of_both_directions(self, method: str) -> None:
        rng = np.random.default_rng(9)
        x, y = np.round(rng.normal(size=800), 2), rng.normal(0.5, 1, 600)
        got = kl_distance(x, y, 5, ties="ignore", method=method)
        want = kl_divergence(x, y, 5, ties="ignore", method=method) + kl_divergence(
            y, x, 5, ties="ignore", method=method
        )
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(kl_distance(y, x, 5, ties="ignore", method=method), got)

    def test_tie_warning_counts_both_directions(self) -> None:
        case = next(c for c in FNN_CASES if c["name"] == "tie_triple_in_x_and_y_equals_x")
        x, y = load_case(case)
        expected = (
            "zero distances: 6 within `x`, 0 within `y`, 3 from `x` to `y` and 3 from `y` to `x`"
        )
        with pytest.warns(TieWarning, match=re.escape(expected)):
            kl_distance(x, y)
        with pytest.raises(ValueError, match=re.escape(expected)):
            kl_distance(x, y, ties="raise")

    def test_k_must_be_below_m(self) -> None:
        with pytest.raises(ValueError, match=r"`k` must be < m = len\(y\) .*; got k=5 with m=5"):
            kl_distance(np.arange(10.0), np.arange(5.0) + 0.5, 5)


class TestResistorAverage:
    def test_values(self) -> None:
        assert resistor_average(1.0, 1.0) == 0.5
        assert resistor_average(2.0, 3.0) == pytest.approx(1.2, abs=1e-15)

    def test_vectorised_zero_and_inf(self) -> None:
        got = resistor_average([0.2, 0.0, np.inf, np.inf, 1.0], [0.3, 1.0, 0.4, np.inf, 0.0])
        np.testing.assert_allclose(got, [0.12, 0.0, 0.4, np.inf, 0.0], rtol=1e-15)

    def test_nan_propagates(self) -> None:
        assert math.isnan(resistor_average(np.nan, 1.0))

    def test_below_both_and_homogeneous(self) -> None:
        """R <= min(D_pq, D_qp), and R is homogeneous: R in bits = R in nats / ln 2."""
        rng = np.random.default_rng(10)
        a, b = rng.exponential(size=100), rng.exponential(size=100)
        r = resistor_average(a, b)
        assert np.all(r <= np.minimum(a, b))
        in_bits = resistor_average(a / math.log(2), b / math.log(2))
        np.testing.assert_allclose(in_bits, r / math.log(2), rtol=1e-14)

    def test_negative_raises(self) -> None:
        match = r"`d_qp` must be >= 0 .*got \[-0.01\].*negative by noise.*caller"
        with pytest.raises(ValueError, match=match):
            resistor_average([0.2, 0.3], [0.1, -0.01])

    def test_non_numeric_raises(self) -> None:
        with pytest.raises(TypeError, match=r"`d_pq` must hold real numbers; got dtype <U1"):
            resistor_average("a", 1.0)  # type: ignore[arg-type]


class TestNormalKl:
    def test_closed_forms(self) -> None:
        assert normal_kl(0, 1, 1, 1) == 0.5
        assert normal_kl(3.0, 2.0, 3.0, 2.0) == 0.0
        assert normal_kl(0, 1, 0, 2) == pytest.approx(math.log(2) + 1 / 8 - 1 / 2, abs=1e-15)
        assert normal_kl(0, 2, 0, 1) == pytest.approx(-math.log(2) + 2 - 1 / 2, abs=1e-15)

    def test_matches_numerical_integration(self) -> None:
        """quad with epsabs 1e-13 on the integrand p ln(p/q); tolerance 1e-11 covers it."""
        p, q = stats.norm(0.3, 0.7), stats.norm(-0.4, 1.3)
        numeric, _ = integrate.quad(
            lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)), -np.inf, np.inf, epsabs=1e-13
        )
        assert normal_kl(0.3, 0.7, -0.4, 1.3) == pytest.approx(numeric, abs=1e-11)

    def test_broadcasts(self) -> None:
        got = normal_kl([0.0, 1.0], 1.0, 0.0, [[1.0], [2.0]])
        assert isinstance(got, np.ndarray) and got.shape == (2, 2)
        assert got[0, 1] == 0.5

    @pytest.mark.parametrize(
        ("args", "error", "match"),
        [
            ((0, 0, 0, 1), ValueError, r"`sd_p` must be finite and > 0; got 0.0"),
            ((0, 1, 0, [1, -2]), ValueError, r"`sd_q` must be finite and > 0; got \[1.0, -2.0\]"),
            ((np.nan, 1, 0, 1), ValueError, r"`mean_p` must be finite; got nan"),
            ((0, 1, np.inf, 1), ValueError, r"`mean_q` must be finite"),
            ((0, "1", 0, 1), TypeError, r"`sd_p` must hold real numbers"),
        ],
    )
    def test_bad_inputs(self, args: tuple, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            normal_kl(*args)


def brute_force_histogram_kl(x: np.ndarray, width: float, law: object) -> float:
    """Sum over occupied bins of ∫ q ln(q/p) by adaptive quadrature (scipy.integrate.quad)."""
    hist = histogram(x, width)
    total = 0.0
    for left, count in zip(hist.lefts, hist.counts):
        q = count / (hist.n * width)
        value, _ = integrate.quad(
            lambda t: q * (math.log(q) - law.logpdf(t)),  # type: ignore[attr-defined]
            left,
            left + width,
            epsabs=1e-14,
            epsrel=1e-13,
        )
        total += value
    return total


class TestHistogramKl:
    X = np.array([0.1, 0.3, 0.42, 0.9, 1.2, 1.25, 1.3, 2.05])

    @pytest.mark.parametrize(
        "law",
        [stats.norm(0.5, 0.7), stats.lognorm(0.6), stats.t(3, loc=1.0)],
        ids=["norm", "lognorm", "t3"],
    )
    def test_matches_adaptive_quadrature(self, law: object) -> None:
        """quad to 1e-13 relative per bin; the 32-point Gauss–Legendre error is far smaller
        (docstring Notes), so 1e-12 absolute is ample for a sum of 5 bins.
        """
        assert histogram_kl(self.X, 0.25, law=law) == pytest.approx(
            brute_force_histogram_kl(self.X, 0.25, law), abs=1e-12
        )

    def test_one_bin_against_closed_form(self) -> None:
        """All points in [0, 1): q = U(0, 1), D(U‖N(0,1)) = ½ ln 2π + ∫₀¹ t²/2 dt = ½ ln 2π + 1/6;
        ln p is quadratic, so the quadrature is exact up to rounding (1e-14).
        """
        got = histogram_kl([0.1, 0.2, 0.7], 1.0, origin=0.0, law=stats.norm())
        assert got == pytest.approx(0.5 * math.log(2 * math.pi) + 1 / 6, abs=1e-14)

    def test_quadrature_order_has_converged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Doubling the order changes nothing beyond rounding, for a law whose ln p is not a
        polynomial and has a singularity (at 0) near the first bin.
        """
        rng = np.random.default_rng(12)
        x = rng.lognormal(0.0, 1.0, 2000)
        law = stats.lognorm(1.0)
        default = histogram_kl(x, 0.0924, law=law)
        monkeypatch.setattr(divergence, "_GAUSS_ORDER", 64)
        assert histogram_kl(x, 0.0924, law=law) == pytest.approx(default, abs=1e-13)

    def test_per_bin_table(self) -> None:
        table = histogram_kl(self.X, 0.25, law=stats.norm(0.5, 0.7), per_bin=True)
        assert isinstance(table, pd.DataFrame)
        assert table.columns.tolist() == ["left", "right", "probability", "contribution"]
        assert table["left"].round(12).tolist() == [0.1, 0.35, 0.85, 1.1, 1.85]  # occupied bins
        np.testing.assert_allclose(table["right"] - table["left"], 0.25, rtol=1e-14)
        assert table["probability"].sum() == pytest.approx(1.0, abs=1e-15)
        # the total is the same numpy sum of the same array: equal to the last bit
        assert table["contribution"].sum() == histogram_kl(self.X, 0.25, law=stats.norm(0.5, 0.7))

    def test_support_mismatch_is_infinite(self) -> None:
        law = stats.expon()
        x = np.array([-0.3, 0.2, 0.4, 1.1])
        assert histogram_kl(x, 0.25, law=law) == np.inf
        table = histogram_kl(x, 0.25, law=law, per_bin=True)
        contribution = table["contribution"].to_numpy()
        assert contribution[0] == np.inf and np.all(np.isfinite(contribution[1:]))
        # a bin that only pokes 0.05 below 0 is still outside the support
        assert histogram_kl([0.01, 0.5], 0.25, origin=-0.05, law=law) == np.inf
        # a bin that starts exactly at the edge of the support is inside it
        assert np.isfinite(histogram_kl([0.01, 0.5], 0.25, origin=0.0, law=law))

    def test_agrees_with_knn_estimate_of_a_large_amplified_sample(self) -> None:
        """Layer (c): the floor. Training N = 2000 from N(0,1), Δ = 0.0924 (M = 2); a sample of
        q_Δ made of G = 500 copies, each point redrawn uniformly within its bin (n = 1e6),
        against m = 1e6 fresh N(0,1) points, k = 5.

        Noise: 40 seeds of this set-up gave a difference of mean -0.0002 and sd 0.00097 nats
        (≈ 1.0/sqrt(n), a little above 0.8/sqrt(n) of research/kld.md §4 for equal laws). The
        tolerance 0.005 is 5 sd (6e-7 chance of a spurious failure for a fresh seed; the seed is
        fixed) and is a quarter of the value (~0.02), so the test also tells the floor from 0.
        """
        rng = np.random.default_rng(13)
        train = rng.normal(size=2000)
        width, gain = 0.0924, 500
        exact = histogram_kl(train, width, law=stats.norm())
        hist = histogram(train, width)
        lefts = np.repeat(hist.lefts, hist.counts * gain)
        amplified = lefts + width * rng.random(lefts.size)
        reference = rng.normal(size=1_000_000)
        assert 0.01 < exact < 0.03
        assert abs(kl_divergence(amplified, reference, 5)[4] - exact) < 0.005

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"law": "norm"}, TypeError, r"`law` must be a frozen scipy.stats distribution"),
            ({"law": stats.poisson(3)}, TypeError, r"`law` must be a frozen scipy.stats"),
            ({"law": stats.norm(), "width": 0.0}, ValueError, r"`width` must be finite and > 0"),
            ({"law": stats.norm(), "x": []}, ValueError, r"`x` must hold at least 1 values; got 0"),
            ({"law": stats.norm(), "x": [0.0, np.nan]}, ValueError, r"`x` must be finite"),
        ],
    )
    def test_bad_inputs(self, kwargs: dict, error: type, match: str) -> None:
        arguments = {"x": self.X, "width": 0.25, **kwargs}
        with pytest.raises(error, match=match):
            histogram_kl(arguments.pop("x"), arguments.pop("width"), **arguments)

    def test_law_without_logpdf(self) -> None:
        class PdfOnly:
            def rvs(self) -> None: ...
            def pdf(self) -> None: ...
            def cdf(self) -> None: ...
            def entropy(self) -> None: ...

        match = r"`law` must be a frozen scipy.stats continuous distribution; got PdfOnly without"
        with pytest.raises(TypeError, match=match + " `logpdf`"):
            histogram_kl(self.X, 0.25, law=PdfOnly())


class TestStreamingAndThreads:
    """The chunked, threaded 1-D search: same values whatever the threads or chunks."""

    def test_threads_do_not_change_the_result(self, monkeypatch) -> None:
        """Chunk sums are added in chunk order, so 1 or 2 threads give bitwise equal results."""
        monkeypatch.setattr(divergence, "_CHUNK", 512)
        monkeypatch.setattr(divergence, "_THREAD_MIN", 1024)
        rng = np.random.default_rng(20)
        x, y = rng.normal(size=20_000), rng.normal(0.3, 1.2, size=15_000)
        one = kl_divergence(x, y, 7, workers=1)
        two = kl_divergence(x, y, 7, workers=2)
        np.testing.assert_array_equal(one, two)
        np.testing.assert_array_equal(kl_distance(x, y, 7, workers=1), kl_distance(x, y, 7, workers=2))
        assert_same_estimates(one, kl_divergence(x, y, 7, method="kdtree"), atol=1e-13)

    @pytest.mark.parametrize("workers", [0, -2])
    def test_bad_workers(self, workers: int) -> None:
        with pytest.raises(ValueError, match="`workers` must be"):
            kl_divergence([0.0, 1.0, 2.0], [0.5, 1.5], 1, workers=workers)

    def test_chunks_equal_whole(self) -> None:
        rng = np.random.default_rng(21)
        x, y = rng.normal(size=5000), rng.normal(size=3000)
        whole = kl_divergence(x, y, 5)
        parts = kl_divergence_chunks(iter(np.array_split(x, 7)), np.sort(y), 5, size=5000)
        np.testing.assert_array_equal(whole, parts)

    def test_chunks_size_must_match(self) -> None:
        x = np.arange(10.0)
        with pytest.raises(ValueError, match="`chunks` hold 10 values; `size` says 12"):
            kl_divergence_chunks([x], x + 0.5, 2, size=12)
        with pytest.raises(ValueError, match="`chunks` hold more than `size` = 8 values"):
            kl_divergence_chunks([x], x + 0.5, 2, size=8)
        with pytest.raises(ValueError, match=r"`chunks\[1\]` must be finite"):
            kl_divergence_chunks([x[:5], np.array([1.0, np.nan])], x, 2, size=7)
        with pytest.raises(ValueError, match=r"`chunks\[0\]` must be 1-D"):
            kl_divergence_chunks([x.reshape(5, 2)], x, 2, size=10)

    def test_chunks_ties_are_reported(self) -> None:
        with pytest.warns(TieWarning, match=r"2 zero distance\(s\) within `x`"):
            kl_divergence_chunks([np.array([0.0, 0.0, 1.0, 3.0])], [0.5, 2.0, 4.0], 2, size=4)

    def test_chunks_float32_warns(self) -> None:
        x = np.linspace(0, 1, 50).astype(np.float32)
        with pytest.warns(UserWarning, match=r"`chunks\[0\]` has dtype float32"):
            kl_divergence_chunks([x], np.linspace(0.01, 1.01, 60), 3, size=50, ties="ignore")

    def test_huge_integers_are_refused(self) -> None:
        """float64 holds integers exactly only up to 2**53: refuse rather than lose precision."""
        x = np.array([0, 1, 2**53 + 1], dtype=np.int64)
        with pytest.raises(ValueError, match=r"`x` holds integers beyond 2\*\*53"):
            kl_divergence(x, np.arange(5), 1)

    def test_float32_is_converted_once_without_extra_copy(self) -> None:
        """Mixed dtypes: float32 x and int y give the values of their exact float64 conversions."""
        rng = np.random.default_rng(22)
        x = rng.normal(size=3000).astype(np.float32)
        y = rng.integers(-10**6, 10**6, size=2000)
        with pytest.warns(UserWarning, match="float32"):
            got = kl_divergence(x, y, 4, ties="ignore")
        want = kl_divergence(x.astype(np.float64), y.astype(np.float64), 4, ties="ignore")
        np.testing.assert_array_equal(got, want)

    def test_sorted_float64_sample_is_used_without_a_copy(self) -> None:
        """A Reference-like sorted float64 sample is searched in place: no copy, no sort."""
        y = np.sort(np.random.default_rng(23).normal(size=1000))
        assert np.shares_memory(divergence._prepare_sorted(y[:, None]), y)
        unsorted = y[::-1].copy()
        prepared = divergence._prepare_sorted(unsorted[:, None])
        assert not np.shares_memory(prepared, unsorted) and np.array_equal(prepared, y)


def plain_order_fnn(x: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """FNN's arithmetic with cKDTree queries in the input order: R's ``colMeans`` loop, literally.

    Default scipy tree (median splits), every point queried in its input row, the (n, k) matrices
    held at once, and each column of logs added row by row in long double (``np.cumsum`` is
    sequential by definition), then divided by n and rounded to double.
    """
    from scipy.spatial import cKDTree

    n, d = x.shape
    nu = cKDTree(y).query(x, k=k)[0].reshape(n, k)
    rho = cKDTree(x).query(x, k=k + 1)[0].reshape(n, k + 1)[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        means = [
            (np.cumsum(np.log(a), axis=0, dtype=np.longdouble)[-1] / np.longdouble(n)).astype(np.float64)
            for a in (nu, rho)
        ]
        return math.log(len(y) / n) + d * (means[0] - means[1])


class TestTreeSearch:
    """d > 1: queries in the trees' leaf order, chunked, summed in the input order."""

    @staticmethod
    def samples(d: int, seed: int, n: int = 1500, m: int = 1100) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        return rng.normal(size=(n, d)), rng.normal(0.4, 1.3, size=(m, d))

    @pytest.mark.parametrize("d", [2, 3, 5])
    @pytest.mark.parametrize("k", [1, 4, 10])
    @pytest.mark.parametrize("workers", [1, 2])
    def test_leaf_order_equals_plain_order_bitwise(
        self, monkeypatch: pytest.MonkeyPatch, d: int, k: int, workers: int
    ) -> None:
        monkeypatch.setattr(divergence, "_TREE_CHUNK", 97)  # many chunks, shared between threads
        monkeypatch.setattr(divergence, "_THREAD_MIN", 64)
        x, y = self.samples(d, seed=100 * d + k)
        np.testing.assert_array_equal(kl_divergence(x, y, k, workers=workers), plain_order_fnn(x, y, k))
        np.testing.assert_array_equal(
            kl_distance(x, y, k, workers=workers), plain_order_fnn(x, y, k) + plain_order_fnn(y, x, k)
        )

    def test_logs_are_summed_in_the_input_order(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The matrices handed to the long-double sums are the logs of the input-order queries,
        row for row (a sum in leaf order would differ from R's in the last long-double bits,
        which the rounding to double usually hides)."""
        from scipy.spatial import cKDTree

        seen: list[np.ndarray] = []
        column_sums = divergence._column_sums
        monkeypatch.setattr(divergence, "_TREE_CHUNK", 50)

        def recording(values: np.ndarray, *args: object) -> np.ndarray:
            seen.append(values.copy())
            return column_sums(values, *args)

        monkeypatch.setattr(divergence, "_column_sums", recording)
        x, y = self.samples(3, seed=5, n=400, m=300)
        kl_divergence(x, y, 3, workers=2)
        nu = cKDTree(y).query(x, k=3)[0]
        rho = cKDTree(x).query(x, k=4)[0][:, 1:]
        assert len(seen) == 2
        np.testing.assert_array_equal(seen[0], np.log(nu))
        np.testing.assert_array_equal(seen[1], np.log(rho))
        assert not np.array_equal(seen[0], np.log(nu)[cKDTree(x, balanced_tree=False).indices])

    def test_leaf_order_equals_plain_order_with_ties(self) -> None:
        """Duplicated rows within x and rows of x copied into y: the same +inf/-inf/nan, bitwise."""
        x, y = self.samples(3, seed=7, n=800, m=600)
        x[10:13] = x[5]  # a row four times in x: rho_1..rho_3 = 0
        y[:2] = x[20]  # a row of x twice in y: nu_1, nu_2 = 0
        got = kl_divergence(x, y, 5, ties="ignore")
        assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == np.inf
        np.testing.assert_array_equal(got, plain_order_fnn(x, y, 5))

    @pytest.mark.parametrize("chunk", [5, 250, 10**6])
    @pytest.mark.parametrize("sum_rows", [1, 33, 4096])
    def test_chunk_sizes_do_not_change_the_result(
        self, monkeypatch: pytest.MonkeyPatch, chunk: int, sum_rows: int
    ) -> None:
        x, y = self.samples(2, seed=3, n=700, m=900)
        want = plain_order_fnn(x, y, 6)
        monkeypatch.setattr(divergence, "_TREE_CHUNK", chunk)
        monkeypatch.setattr(divergence, "_SUM_ROWS", sum_rows)
        monkeypatch.setattr(divergence, "_THREAD_MIN", 100)
        for workers in (1, 2, 3):
            np.testing.assert_array_equal(kl_divergence(x, y, 6, workers=workers), want)

    @pytest.mark.parametrize("cols", [1, 2, 10])
    @pytest.mark.parametrize("threads", [1, 2, 3])
    def test_column_sums_add_rows_in_order(
        self, monkeypatch: pytest.MonkeyPatch, cols: int, threads: int
    ) -> None:
        """R's loop order in long double, also for one column (where np.sum would go pairwise)."""
        monkeypatch.setattr(divergence, "_THREAD_MIN", 1000)
        values = np.log(np.random.default_rng(cols).random((100_000, cols)) * 10.0)
        want = np.cumsum(values, axis=0, dtype=np.longdouble)[-1]
        got = divergence._column_sums(values, threads)
        assert got.dtype == np.longdouble
        np.testing.assert_array_equal(got, want)

    def test_memory_beyond_the_trees_is_one_matrix_of_logs(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """tracemalloc sees every numpy buffer: the peak beyond the inputs is the (n, k) float64 logs,
        the trees' index arrays, one chunk of query results and the long-double sum buffer; the
        old path (four (n, k) matrices of distances and indices, then two of logs) needed 4.4
        times the logs. The trees' nodes are C++ memory, invisible here."""
        import gc
        import tracemalloc

        chunk, sum_rows = 2048, 512
        monkeypatch.setattr(divergence, "_TREE_CHUNK", chunk)
        monkeypatch.setattr(divergence, "_SUM_ROWS", sum_rows)
        n, k = 60_000, 10
        x, y = self.samples(3, seed=11, n=n, m=n)
        budget = 8 * n * k + 2 * 8 * n + 2 * chunk * (k + 1) * 8 + (sum_rows + 1) * k * 16
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            kl_divergence(x, y, k, workers=1)
            extra = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        assert 8 * n * k <= extra <= 1.1 * budget
