"""Tests of ampcore.notebook: chapter parameter rules and recorded results."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ampcore.notebook import PARAMETER_RULES, RECORD_MIME, check_parameters, read_records, record


def test_valid_values_are_normalised():
    got = check_parameters(N=2000.0, gains=(1, 10), m_values=np.array([2, 3]), level=0.5)
    assert got == {"N": 2000, "gains": [1, 10], "m_values": [2.0, 3.0], "level": 0.5}
    assert isinstance(got["N"], int)


@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [
        ({"N": -5}, ValueError, "`N` must be an integer >= 2; got -5"),
        ({"N": "abc"}, TypeError, "`N` must be an integer; got str 'abc'"),
        ({"G": 0}, ValueError, "`G` must be an integer >= 1; got 0"),
        ({"M": 0}, ValueError, "`M` must be finite and > 0; got 0.0"),
        ({"gains": []}, ValueError, "`gains` must be a non-empty list"),
        ({"gains": "10"}, TypeError, "`gains` must be a non-empty list"),
        ({"gains": [1, 0]}, ValueError, r"`gains\[1\]` must be an integer >= 1; got 0"),
        ({"level": 1.5}, ValueError, r"`level` must be a number in \(0, 1\)"),
        ({"cut": float("nan")}, ValueError, "`cut` must be finite; got nan"),
        ({"spread_seeds": 1}, ValueError, "`spread_seeds` must be an integer >= 2; got 1"),
        ({"nosuch": 1}, TypeError, "Unknown chapter parameter `nosuch`"),
    ],
)
def test_bad_values(params, exc, match):
    with pytest.raises(exc, match=match):
        check_parameters(**params)


def test_every_rule_is_documented():
    assert all(rule.__doc__ for rule in PARAMETER_RULES.values())


def test_record_round_trip(tmp_path):
    payload = record(floor=np.float64(0.0123), gains=np.array([1, 10]), ok=True, bad=float("inf"))
    assert payload == {"floor": 0.0123, "gains": [1, 10], "ok": True, "bad": "inf"}
    nb = {"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {RECORD_MIME: payload}}]},
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {RECORD_MIME: {"floor": 1.0}}}]},
        {"cell_type": "markdown"},
    ]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert read_records(path) == {"floor": 1.0, "gains": [1, 10], "ok": True, "bad": "inf"}


def test_record_rejects_objects():
    with pytest.raises(TypeError, match="Cannot record a value of type object"):
        record(x=object())
