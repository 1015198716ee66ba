"""Tests of ampcore.book.records: recorded headline numbers and their glue names."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from ampcore.book.records import RECORD_MIME, glue_names, read_records, record


def test_record_round_trip(tmp_path):
    payload = record(floor=np.float64(0.0123), gains=np.array([1, 10]), ok=True, bad=float("inf"),
                     nested={"2.5": np.float32(0.5), "n": np.int64(3)}, none=None)
    assert payload == {"floor": 0.0123, "gains": [1, 10], "ok": True, "bad": "inf",
                       "nested": {"2.5": 0.5, "n": 3}, "none": None}
    assert type(payload["nested"]["n"]) is int
    nb = {"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {RECORD_MIME: payload}}]},
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {RECORD_MIME: json.dumps({"floor": 1.0})}}]},
        {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "hello"}]},
        {"cell_type": "markdown"},
    ]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    want = {**payload, "floor": 1.0}  # later names win; a JSON text payload is read too
    assert read_records(path) == want and read_records(nb) == want


def test_record_rejects_objects():
    with pytest.raises(TypeError, match="Cannot record a value of type object"):
        record(x=object())


def test_record_displays_one_json_output(monkeypatch):
    shown = []
    display = pytest.importorskip("IPython.display")
    monkeypatch.setattr(display, "display", lambda obj, raw: shown.append((obj, raw)))
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # without MyST-NB: the JSON output only
    record(a=1, b=[0.5])
    ((data, raw),) = shown
    assert raw is True and data[RECORD_MIME] == {"a": 1, "b": [0.5]}
    assert json.loads(data["text/plain"]) == {"a": 1, "b": [0.5]}


def test_record_glues_every_number(monkeypatch):
    myst_nb = pytest.importorskip("myst_nb")
    display = pytest.importorskip("IPython.display")
    glued = {}
    monkeypatch.setattr(display, "display", lambda obj, raw: None)
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: glued.update({name: (value, display)}))
    record(floor_exact={"2.5": 0.012, "3": 0.010}, mc=0.001)
    assert glued == {"floor_exact_2p5": (0.012, False), "floor_exact_3": (0.010, False), "mc": (0.001, False)}


def test_glue_names():
    assert glue_names({"floor": {"2.5": 0.01, "3": 0.02}, "mc": 0.001, "gains": [1, 10]}) == {
        "floor_2p5": 0.01, "floor_3": 0.02, "mc": 0.001, "gains_0": 1, "gains_1": 10,
    }
    assert glue_names({"mean_error": {"N(0,1) vs N(1,1) @ 500": 0.1}}) == {"mean_error_N_0_1_vs_N_1_1_500": 0.1}
    assert glue_names({"shift": {"-0.5": 1}, "x": np.array([2.0])}) == {"shift_m0p5": 1, "x_0": 2.0}
