"""Tests of ampcore.studies.results: the common result of every study."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ampcore.studies import StudyResult
from ampcore.studies.results import check_list, mean_sd

FRAME = pd.DataFrame({"m": [2.0, 3.0, 3.0], "source": ["a", "b", "a"], "v": [1.23456, 2.0, 3.0]})


class TestStudyResult:
    def test_frame_len_table_headline(self):
        r = StudyResult(FRAME)
        assert len(r) == 3 and r.frame is FRAME
        assert r.table()["v"].tolist() == [1.2346, 2.0, 3.0]
        assert r.headline() == {"rows": 3}

    def test_select(self):
        r = StudyResult(FRAME)
        assert r.select(m=3.0)["v"].tolist() == [2.0, 3.0]
        assert r.select(m=3.0, source="a")["v"].tolist() == [3.0]
        assert r.select(source=["a", "b"])["v"].tolist() == [1.23456, 2.0, 3.0]
        with pytest.raises(ValueError, match=r"no column 'gain' to select on; columns: \['m', 'source', 'v'\]"):
            r.select(gain=1)
        with pytest.raises(ValueError, match=r"no rows match \{'m': 9.0\}"):
            r.select(m=9.0)

    def test_frozen_and_checked(self):
        with pytest.raises(TypeError, match="`frame` must be a pandas DataFrame; got list"):
            StudyResult([1, 2])
        r = StudyResult(FRAME)
        with pytest.raises(AttributeError):
            r.frame = FRAME  # type: ignore[misc]


def test_check_list():
    assert check_list((1, 2), "gains") == [1, 2]
    for bad in ("10", 10, [], None):
        with pytest.raises(ValueError, match="`gains` must be a non-empty list"):
            check_list(bad, "gains")


def test_mean_sd():
    assert mean_sd(pd.Series([1.0, 3.0]), "x") == {"x_mean": 2.0, "x_sd": pytest.approx(math.sqrt(2))}
    one = mean_sd(pd.Series([1.0]), "x")
    assert one["x_mean"] == 1.0 and math.isnan(one["x_sd"])
