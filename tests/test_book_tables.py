"""Tables as readers see them (ampcore.book.tables): no index, numbers at their precision, "—" for missing."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ampcore.book.tables import MISSING, BookTable, book_table


def test_no_index_and_one_precision_per_column():
    t = book_table(pd.DataFrame({"M": [1.5, 2.0, 2.5], "floor (nats)": [0.0656, 0.0213, 0.01]}, index=[7, 8, 9]))
    html = t._repr_html_()
    assert "<th>7</th>" not in html and "<th></th>" not in html  # the index is gone
    assert t.frame["M"].tolist() == ["1.5", "2.0", "2.5"]
    assert t.frame["floor (nats)"].tolist() == ["0.0656", "0.0213", "0.0100"]  # 4 decimals throughout


def test_counts_are_integers_missing_is_a_dash_flags_are_words():
    frame = pd.DataFrame({"N_G": [2828.0, 89443.0], "z": [float("nan"), -2.5], "ok": [True, False],
                          "case": ["a", None], "inf": [math.inf, -math.inf]})
    t = book_table(frame)
    assert t.frame["N_G"].tolist() == ["2828", "89,443"]
    assert t.frame["z"].tolist() == [MISSING, "−2.5"]
    assert t.frame["ok"].tolist() == ["yes", "no"]
    assert t.frame["case"].tolist() == ["a", MISSING]
    assert t.frame["inf"].tolist() == ["∞", "−∞"]


def test_digits_and_rename():
    t = book_table(pd.DataFrame({"x": [0.123456]}), digits={"x": 2}, rename={"x": "the x"})
    assert isinstance(t, BookTable) and t.frame.to_dict("list") == {"the x": ["0.12"]}
    assert repr(t).splitlines() == ["the x", " 0.12"]


def test_bad_arguments_name_the_parameter():
    with pytest.raises(TypeError, match="`table`"):
        book_table([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`rename`.*'y'"):
        book_table(pd.DataFrame({"x": [1]}), rename={"y": "Y"})
    with pytest.raises(ValueError, match="`digits`"):
        book_table(pd.DataFrame({"x": [1]}), digits={"y": 2})
