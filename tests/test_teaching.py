"""The teaching page's lab table: valid assignments, independent values, and the page's own run.

Each lab assignment must be a parameter of its chapter with a value its rules accept (so a
renamed parameter or a tightened rule fails here, not in a classroom); each number of the table
is checked against an independent computation or a stated statistical tolerance; and the table
the page shows (book/teaching.ipynb, executed at its defaults) must be the one ``lab_table``
computes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ampcore import gaussian_mean_success
from ampcore.book import LAB_ASSIGNMENTS, lab_table
from ampcore.book.parameters import chapter_spec
from ampcore.book.runner import executed_records

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PAGE = ROOT / "book" / "teaching.ipynb"


@pytest.fixture(scope="module")
def table():
    return lab_table(notebooks=NOTEBOOKS, seed=chapter_spec(PAGE).defaults()["seed"]).set_index(["chapter", "change"])


def _row(table, chapter, parameter):
    task = next(t for t in LAB_ASSIGNMENTS if t.chapter == chapter and t.parameter == parameter)
    return table.loc[(chapter, task.change())], chapter_spec(NOTEBOOKS / f"{chapter}.ipynb").defaults()


@pytest.mark.parametrize("task", LAB_ASSIGNMENTS, ids=lambda t: f"{t.chapter}-{t.parameter}")
def test_each_assignment_is_a_valid_change_of_its_chapter(task):
    notebook = NOTEBOOKS / f"{task.chapter}.ipynb"
    assert notebook.is_file(), notebook
    spec = chapter_spec(notebook)
    assert task.parameter in spec
    spec.check({task.parameter: task.value})  # raises on a value the chapter refuses
    assert spec.defaults()[task.parameter] != task.value  # a change, not the default
    assert task.command().startswith(f"ampcore chapter run {task.chapter.split('_', 1)[1]} -p {task.parameter} ")
    assert task.change().startswith(f"{task.parameter} = ")
    # the page shows every cell whole (pandas cuts text beyond 50 characters)
    assert max(len(task.chapter), len(task.change()), len(task.quantity)) <= 50


def test_bound_and_widths(table):
    row, d = _row(table, "01_question", "G")
    # 2 ln(G·100) >= 3 ln 100  <=>  G >= 10
    assert row["at the default"] == (2 * math.log(d["G"] * 100) >= 3 * math.log(100))
    assert row["at the default"] is False and row["at the lab value"] is True
    row, d = _row(table, "02_entropy_bound", "N")
    width = math.sqrt(2 * math.pi * math.e)  # e^h of N(0, 1)
    assert row["at the default"] == pytest.approx(width * d["N"] ** -0.4, rel=1e-3)
    assert row["at the lab value"] == pytest.approx(width * 500**-0.4, rel=1e-3)
    assert row["at the lab value"] > row["at the default"]  # fewer events, coarser bins
    row, d = _row(table, "04_normal", "N")
    assert (row["at the default"], row["at the lab value"]) == pytest.approx((math.sqrt(d["N"]), math.sqrt(500)), rel=1e-3)


def test_chains_and_peaks(table):
    row, d = _row(table, "06_reamplification", "n_small")
    g = d["generations"]
    assert row["at the default"] == pytest.approx((1 - 1 / d["n_small"]) ** g, rel=1e-3)
    assert row["at the lab value"] == pytest.approx((1 - 1 / 50) ** g, rel=1e-3)
    row, _ = _row(table, "07_resolution_significance", "M")
    # Δ ∝ N^(-1/M): at N = 2000 the width grows by 2000^(1/2.5 − 1/3) from M = 2.5 to M = 3
    assert row["at the lab value"] / row["at the default"] == pytest.approx(2000 ** (1 / 2.5 - 1 / 3), rel=2e-3)
    assert row["at the lab value"] > row["at the default"] > 1  # wider than the peak separation


def test_sample_amplification_rows(table):
    row, d = _row(table, "09_neighbours", "dims")
    n = d["N"]
    for dim, k in ((max(d["dims"]), row["at the default"]), (256, row["at the lab value"])):
        assert gaussian_mean_success(n, n + k, dim) <= 2 / 3 < gaussian_mean_success(n, n + k + 1, dim)
    assert row["at the lab value"] < row["at the default"]
    row, _ = _row(table, "09_neighbours", "N")
    # the valid gain does not grow with n (it depends on m/n only, up to the integer m)
    assert row["at the lab value"] == pytest.approx(row["at the default"], abs=0.01)


def test_replacing_chain_drift(table):
    # E KL ≈ (g + 1)/n (exercise of chapter 9); the mean over the chapter's chains (40) of a
    # roughly exponential KL has a relative se of about 1/√40 = 0.16: 4 se = 64%
    row, d = _row(table, "09_neighbours", "n_chain")
    g = d["generations"]
    assert row["at the default"] == pytest.approx((g + 1) / d["n_chain"], rel=0.64)
    assert row["at the lab value"] == pytest.approx((g + 1) / 400, rel=0.64)
    assert row["at the lab value"] < row["at the default"]


def test_the_page_shows_this_table(table):
    records = executed_records(PAGE)
    shown = records["lab"]
    assert list(zip(shown["chapter"], shown["change"])) == list(table.index)
    for column in ("at the default", "at the lab value"):
        assert shown[column] == list(table[column]), column  # same seed: bit for bit


def test_a_bad_assignment_is_refused():
    from ampcore.book import LabAssignment, ParameterError

    def unused(values, seed):
        raise AssertionError("never computed: the check comes first")

    with pytest.raises(ParameterError, match="`G`"):
        lab_table([LabAssignment("01_question", "G", 0, "nothing", unused)], notebooks=NOTEBOOKS)
    with pytest.raises(TypeError, match="unknown parameter"):
        lab_table([LabAssignment("01_question", "gain", 3, "nothing", unused)], notebooks=NOTEBOOKS)
    assert LabAssignment("09_neighbours", "dims", [1, 2], "x", unused).command() == "ampcore chapter run neighbours -p dims 1,2"
    assert LabAssignment("09_neighbours", "dims", [1, 2], "x", unused).change() == "dims = [1, 2]"
