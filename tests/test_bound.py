"""Tests of ampcore.bound: the Quoted bound and its Reconstructed general form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ampcore import generated_m, information_content, min_gain, min_generated_events, satisfies_bound


def test_hand_values():
    assert min_generated_events(2000) == pytest.approx(89_442.719, abs=1e-3)
    assert min_gain(2000) == pytest.approx(math.sqrt(2000), rel=1e-15)
    assert min_generated_events(100) == pytest.approx(1000.0, rel=1e-15)
    assert information_content(2000) == pytest.approx(math.log(2000) / 2, rel=1e-15)
    assert information_content(2000, 2, base=2) == pytest.approx(0.5 * math.log2(2000), rel=1e-15)


def test_boundary_is_exact():
    # N = 100 -> N^(3/2) = 1000 exactly; integers are compared as N_G^2 >= N^3
    assert satisfies_bound(100, 1000) is True
    assert satisfies_bound(100, 999) is False
    assert satisfies_bound(2000, 89_443) is True and satisfies_bound(2000, 89_442) is False
    # non-integer inputs use logs
    assert satisfies_bound(100.5, 2000.5) is True


def test_vectorised():
    got = satisfies_bound([100, 10_000], [[999], [1_000_000]])
    assert got.shape == (2, 2)
    assert got.tolist() == [[False, False], [True, True]]
    np.testing.assert_allclose(min_generated_events([4, 9], 2, 3), [8.0, 27.0])


def test_general_form_reduces_to_quoted_bound():
    n = np.array([10, 1000, 123_456])
    ng = min_generated_events(n, m_train=2, m_gen=3)
    np.testing.assert_allclose(2 * np.log(ng), 3 * np.log(n), rtol=1e-14)
    np.testing.assert_allclose(generated_m(n, ng, 2), 3.0, rtol=1e-14)


@settings(max_examples=80, derandomize=True)
@given(st.integers(2, 10**6), st.integers(1, 10**9), st.integers(1, 10**9))
def test_monotone_in_generated_events(n, a, b):
    lo, hi = sorted((a, b))
    assert not (satisfies_bound(n, lo) and not satisfies_bound(n, hi))


@settings(max_examples=80, derandomize=True)
@given(st.integers(2, 10**6))
def test_min_generated_events_is_the_threshold(n):
    threshold = math.isqrt(n**3)  # floor(N^(3/2))
    first = threshold if threshold * threshold == n**3 else threshold + 1
    assert satisfies_bound(n, first) and not satisfies_bound(n, first - 1)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: satisfies_bound(0, 10), ValueError, "`n_train` must be finite and >= 1"),
        (lambda: satisfies_bound(10, np.nan), ValueError, "`n_generated` must be finite"),
        (lambda: min_generated_events(10, m_train=0), ValueError, "`m_train` must be finite and > 0"),
        (lambda: min_gain(10, m_gen=np.inf), ValueError, "`m_gen` must be finite and > 0"),
        (lambda: generated_m(1, 10), ValueError, "`n_train` must be finite and >= 2"),
        (lambda: information_content(10, base=1), ValueError, "`base` must be positive"),
        (lambda: satisfies_bound("10", 10), TypeError, "`n_train` must be a real number"),
        (lambda: satisfies_bound(True, 10), TypeError, "`n_train` must be a real number"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_bound_table():
    from ampcore import bound_table

    t = bound_table([100, 2000], gain=45)
    assert t.columns.tolist() == ["N", "min N_G = N^(3/2)", "min G = sqrt(N)", "information (bits)", "G = 45 satisfies"]
    # 100^1.5 = 1000 exactly; 2000^1.5 = 89442.7 rounded up; 45 >= sqrt(2000) = 44.7 but 45 * 100 > 1000
    assert t["min N_G = N^(3/2)"].tolist() == [1000, 89443]
    assert t["min G = sqrt(N)"].tolist() == [10.0, 44.7]
    assert t["information (bits)"].tolist() == [round(math.log2(100) / 2, 2), round(math.log2(2000) / 2, 2)]
    assert t["G = 45 satisfies"].tolist() == [True, True]
    assert bound_table([2000], gain=44)["G = 44 satisfies"].tolist() == [False]
    assert bound_table([100]).columns.tolist()[-1] == "information (bits)"
    with pytest.raises(ValueError, match="`gain` must be an integer >= 1; got 0"):
        bound_table([100], gain=0)
