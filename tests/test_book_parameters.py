"""Tests of ampcore.book.parameters: chapter parameter rules declared in the parameters cell."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ampcore.book.parameters import (
    ChapterSpec,
    ParameterError,
    ParameterSpec,
    chapter_spec,
    check_parameters,
    parse_value,
)

CELL = '''\
N: "int in [2, 1_000_000]" = 2000  # training events
gains: "list[int] in [1, 10**4]; max(gains) * N <= 10**8" = [1, 10, 100]  # gains G
m_values: "list[float] in [0.5, 10]" = [2, 2.5, 3]  # Goldilocks statistics M
k: "int in [1, 50]; k < N" = 5  # neighbour order (k < N)
level: "float in [0, 1]" = 0.5
method: "str in {'nn', 'vasicek'}" = "nn"  # entropy estimator; the help may hold = signs
plots: "bool" = True
'''


def _notebook(source: str | list[str], *, tag: str = "parameters") -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
            {"cell_type": "code", "metadata": {"tags": [tag]}, "source": source, "outputs": []},
            {"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": []},
        ]
    }


@pytest.fixture(scope="module")
def spec() -> ChapterSpec:
    return chapter_spec(_notebook(CELL))


class TestRules:
    def test_parse(self):
        s = ParameterSpec.parse("k", "int in [1, 50]; k < N; k % 2 == 1", default=5, help="order")
        assert (s.kind, s.low, s.high, s.choices) == ("int", 1, 50, None)
        assert s.relations == ("k < N", "k % 2 == 1") and (s.default, s.help) == (5, "order")
        assert ParameterSpec.parse("x", "float in [-inf, 1e3]").low == -math.inf
        assert ParameterSpec.parse("n", "int in [2, 10**6]").high == 1_000_000
        assert ParameterSpec.parse("a", "str in {'x', 'y'}").choices == ("x", "y")
        assert ParameterSpec.parse("b", "bool").describe() == "true or false"

    @pytest.mark.parametrize(
        ("rule", "match"),
        [
            ("integer", "cannot read the rule 'integer'; expected a type of int, float"),
            ("int in (1, 2)", r"cannot read the domain '\(1, 2\)'"),
            ("int in [1]", "a range needs two bounds"),
            ("int in [__import__('os'), 2]", "unsupported expression"),
            ("int in [1, 2**2000]", "exponent too large"),
            ("int in [1, N]", "unknown name 'N'"),
        ],
    )
    def test_bad_rules(self, rule, match):
        with pytest.raises(ValueError, match=match):
            ParameterSpec.parse("q", rule)

    @pytest.mark.parametrize(
        ("rule", "value", "expected"),
        [
            ("int in [2, 100]", 50.0, 50),  # an integer-valued float is the integer
            ("int in [2, 100]", np.int64(7), 7),
            ("float in [0, 1]", 1, 1.0),
            ("list[int] in [1, 100]", (3, 4.0), [3, 4]),
            ("list[float]", [2, 2.5], [2.0, 2.5]),
            ("bool", False, False),
            ("str in {'nn', 'vasicek'}", "nn", "nn"),
        ],
    )
    def test_check_converts(self, rule, value, expected):
        got = ParameterSpec.parse("p", rule).check(value)
        assert got == expected and type(got) is type(expected)
        if isinstance(got, list):
            assert [type(v) for v in got] == [type(v) for v in expected]

    @pytest.mark.parametrize(
        ("rule", "value", "match"),
        [
            ("int in [2, 100]", -5, r"`p` must be an integer in \[2, 100\]; got -5"),
            ("int in [2, 100]", 2.5, r"`p` must be an integer in \[2, 100\]; got float 2.5"),
            ("int in [2, 100]", "abc", "`p` must be an integer in .*; got str 'abc'"),
            ("int", True, "`p` must be an integer; got bool True"),
            ("float in [0, 1]", math.nan, "`p` must be finite; got nan"),
            ("float in [0, 1]", 1.5, r"`p` must be a number in \[0, 1\]; got 1.5"),
            ("bool", 1, "`p` must be true or false; got int 1"),
            ("str in {'a', 'b'}", "c", "`p` must be one of 'a', 'b'; got 'c'"),
            ("list[int] in [1, 100]", [], "`p` must be a non-empty list of integers .*; got \\[\\]"),
            ("list[int] in [1, 100]", "10", "`p` must be a non-empty list of integers .*; got '10'"),
            ("list[int] in [1, 100]", [1, 0], r"`p\[1\]` must be .*; got 0"),
            ("list[float]", {"a": 1}, "`p` must be a non-empty list of numbers"),
        ],
    )
    def test_check_refuses(self, rule, value, match):
        with pytest.raises(ParameterError, match=match):
            ParameterSpec.parse("p", rule).check(value)

    def test_parameter_error_is_a_value_error(self):
        assert issubclass(ParameterError, ValueError)


class TestParseValue:
    @pytest.mark.parametrize(
        ("text", "kind", "expected"),
        [
            ("010", "int", 10),  # decimal, never octal
            ("1_000", "int", 1000),
            ("1e3", "int", 1000),
            ("-5", "int", -5),
            ("1e-3", "float", 0.001),
            (".5", "float", 0.5),
            ("inf", "float", math.inf),
            ("[1, 10]", "list[int]", [1, 10]),
            ("1,10,100", "list[int]", [1, 10, 100]),
            ("2.5,3", "list[float]", [2.5, 3.0]),
            ("yes", "bool", True),
            ("False", "bool", False),
            ("0", "bool", False),
            (" text ", "str", "text"),
        ],
    )
    def test_values(self, text, kind, expected):
        got = parse_value(text, kind)
        assert got == expected and type(got) is type(expected)

    @pytest.mark.parametrize(
        ("text", "kind", "match"),
        [
            ("1e-3", "int", "`N` must be an integer; got '1e-3'"),
            ("2.5", "int", "`N` must be an integer; got '2.5'"),
            ("abc", "float", "`N` must be a number; got 'abc'"),
            ("[]", "list[int]", r"`N` must be a list of integers such as \[1, 10\]; got '\[\]'"),
            ("[1, x]", "list[int]", r"`N\[1\]` must be an integer; got 'x'"),
            ("maybe", "bool", "`N` must be true or false; got 'maybe'"),
        ],
    )
    def test_bad_text(self, text, kind, match):
        with pytest.raises(ParameterError, match=match):
            parse_value(text, kind, name="N")

    def test_unknown_kind(self):
        with pytest.raises(ValueError, match="`kind` must be one of int, float, bool, str, list"):
            parse_value("1", "dict")


class TestChapterSpec:
    def test_read_from_the_cell(self, spec):
        assert list(spec) == ["N", "gains", "m_values", "k", "level", "method", "plots"]
        assert spec.defaults() == {"N": 2000, "gains": [1, 10, 100], "m_values": [2, 2.5, 3], "k": 5,
                                   "level": 0.5, "method": "nn", "plots": True}
        assert spec.parameters["N"].help == "training events"
        assert spec.parameters["method"].help == "entropy estimator; the help may hold = signs"
        assert spec.parameters["level"].help == ""
        assert spec.parameters["gains"].relations == ("max(gains) * N <= 10**8",)
        assert "N" in spec and "nosuch" not in spec

    def test_cell_as_a_list_of_lines_and_a_file(self, tmp_path):
        import json

        lines = CELL.splitlines(keepends=True)
        assert list(chapter_spec(_notebook(lines))) == list(chapter_spec(_notebook(CELL)))
        path = tmp_path / "01_x.ipynb"
        path.write_text(json.dumps(_notebook(CELL)), encoding="utf-8")
        assert chapter_spec(path).defaults() == chapter_spec(_notebook(CELL)).defaults()

    def test_no_parameters_cell(self):
        assert list(chapter_spec(_notebook(CELL, tag="other"))) == []
        assert list(chapter_spec(_notebook(""))) == []

    def test_a_parameter_needs_a_rule(self):
        with pytest.raises(ValueError, match=r"parameter\(s\) \['N'\] need a rule as annotation"):
            chapter_spec(_notebook("N = 100  # training events\n"))
        with pytest.raises(ValueError, match="parameter `N` needs a rule as its annotation"):
            chapter_spec(_notebook("N: int = 100\n"))

    def test_check_values_over_the_defaults(self, spec):
        assert spec.check({"N": 500.0})["N"] == 500
        assert spec.check({"gains": (1, 2)})["gains"] == [1, 2]
        full = spec.check(spec.defaults(), complete=True)
        assert full == spec.defaults()

    @pytest.mark.parametrize(
        ("values", "exc", "match"),
        [
            ({"nosuch": 1}, TypeError, "unknown parameter.*nosuch; the chapter takes: N, gains, m_values, k"),
            ({"k": 60}, ParameterError, r"`k` must be an integer in \[1, 50\]; got 60"),
            ({"N": 4, "k": 5}, ParameterError, "`k`: k < N must hold; got N=4, k=5"),
            ({"gains": [10_000], "N": 100_000}, ParameterError, r"`gains`: max\(gains\) \* N <= 10\*\*8 must hold"),
            ({"m_values": [2, 0.1]}, ParameterError, r"`m_values\[1\]` must be .* in \[0.5, 10\]; got 0.1"),
        ],
    )
    def test_check_refuses(self, spec, values, exc, match):
        with pytest.raises(exc, match=match):
            spec.check(values)

    def test_relation_naming_an_unknown_parameter_is_a_chapter_bug(self):
        bad = chapter_spec(_notebook('k: "int; k < N" = 5\n'))
        with pytest.raises(ValueError, match=r"parameter `k`: cannot evaluate 'k < N' \(unknown name 'N'\)"):
            bad.check({})


class TestCheckParameters:
    NAMESPACE = {"__annotations__": {"N": "int in [2, 100]", "k": "int in [1, 10]; k < N", "note": int},
                 "N": 50, "k": 5, "note": 3, "other": "ignored"}

    def test_checks_the_running_notebook(self):
        # only the names with a string rule are checked (a plain annotation is not a rule)
        assert check_parameters(self.NAMESPACE) == {"N": 50, "k": 5}
        assert check_parameters({**self.NAMESPACE, "N": 60.0}) == {"N": 60, "k": 5}

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"k": 60}, r"`k` must be an integer in \[1, 10\]; got 60"),
            ({"N": 4, "k": 5}, "`k`: k < N must hold; got N=4, k=5"),
            ({"N": "abc"}, r"`N` must be an integer in \[2, 100\]; got str 'abc'"),
        ],
    )
    def test_bad_values(self, change, match):
        with pytest.raises(ParameterError, match=match):
            check_parameters({**self.NAMESPACE, **change})

    def test_without_rules(self):
        with pytest.raises(ValueError, match="no chapter parameters with rules found"):
            check_parameters({"N": 5})
        with pytest.raises(ValueError, match=r"parameter\(s\) \['k'\] are declared but have no value"):
            check_parameters({"__annotations__": {"k": "int"}})

    def test_the_cell_itself_runs_and_checks(self):
        """The parameters cell is plain Python: run it, then check what it defined."""
        namespace: dict = {}
        exec(compile(CELL, "<parameters cell>", "exec", dont_inherit=True), namespace)
        assert namespace["__annotations__"]["N"] == "int in [2, 1_000_000]"
        assert check_parameters(namespace) == chapter_spec(_notebook(CELL)).defaults()

    def test_postponed_annotations_are_read_too(self):
        """After ``from __future__ import annotations`` (this module has it) rules keep their quotes."""
        namespace: dict = {}
        exec(CELL, namespace)  # inherits this module's future flags
        assert namespace["__annotations__"]["N"] == "'int in [2, 1_000_000]'"
        assert check_parameters(namespace) == chapter_spec(_notebook(CELL)).defaults()


# --- issue 13: what the user typed is what runs; the book's own rules refuse out-of-range values --

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

PARSE_REFUSED = [
    ("[1,,2]", "list[int]", "empty"),
    ("[,]", "list[int]", "a list of integers"),
    ("1e-400", "float", "smallest normal"),
    ("1e-310", "float", "smallest normal"),
    ("1e400", "float", "largest float64"),
    ("1__0", "int", "an integer"),
    ("١٢", "int", "an integer"),
    ("²", "int", "an integer"),
    ("0x10", "int", "an integer"),
    ("2.5", "int", "an integer"),
    ("1e99999999", "int", "at most"),
    ("on", "bool", "true or false"),
    ("", "float", "a number"),
]


@pytest.mark.parametrize(("text", "kind", "match"), PARSE_REFUSED, ids=[f"{t!r}-{k}" for t, k, _ in PARSE_REFUSED])
def test_parse_refuses_what_would_not_run_as_typed(text, kind, match):
    with pytest.raises(ParameterError, match=match):
        parse_value(text, kind, name="p")


def test_parse_is_exact():
    assert parse_value("12345678901234567890e0", "int") == 12345678901234567890
    assert parse_value("010", "int") == 10 and parse_value("1.5e3", "int") == 1500
    assert parse_value("[1, 2,]", "list[int]") == [1, 2]


@settings(max_examples=100, deadline=None)
@given(value=st.integers(-(10**40), 10**40))
def test_integers_round_trip(value):
    assert parse_value(str(value), "int") == value
    assert parse_value(f"{value}e0", "int") == value


@settings(max_examples=100, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v == 0 or abs(v) >= 2.2250738585072014e-308))
def test_floats_round_trip(value):
    assert parse_value(repr(value), "float") == value


def _bounded():
    for path in CHAPTERS:
        for name, spec in chapter_spec(path).parameters.items():
            if spec.low is not None and spec.kind in ("int", "float", "list[int]", "list[float]"):
                yield path.stem, name, spec


BOUNDED = list(_bounded())


@pytest.mark.parametrize(("chapter", "name", "spec"), BOUNDED, ids=[f"{c}-{n}" for c, n, _ in BOUNDED])
def test_every_bounded_chapter_parameter_refuses_both_sides(chapter, name, spec):
    """`ampcore chapter run` checks these before any kernel starts (ChapterSpec.check)."""
    full = chapter_spec(ROOT / "notebooks" / f"{chapter}.ipynb")
    integer = spec.kind in ("int", "list[int]")
    below = spec.low - 1 if integer else spec.low - max(abs(spec.low), 1) * 1e-3
    above = spec.high + 1 if integer else spec.high + max(abs(spec.high), 1) * 1e-3
    for bad in (below, above):
        value = [int(bad) if integer else bad] if spec.kind.startswith("list") else (int(bad) if integer else bad)
        with pytest.raises(ParameterError, match=f"`{name}"):
            full.check({name: value})
