"""ampcore.book.claims: a chapter's claim tests run on another run's records, each with its verdict."""

from __future__ import annotations

import json
from pathlib import Path

from ampcore.book.claims import check_claims, claims_markdown, claims_text
from ampcore.book.records import RECORD_MIME

CLAIMS = '''
from pathlib import Path

import pytest

from ampcore.book.runner import executed_records

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "99_tiny.ipynb"


@pytest.fixture(scope="module")
def rec():
    return executed_records(NOTEBOOK)


def test_floor_is_small(rec):
    """The floor is below a hundredth of a nat."""
    assert rec["floor"] < 0.01


def test_gap_at_2p5_is_positive(rec):
    assert rec["gap"]["2.5"] > 0, "gap at M = 2.5"


def test_reads_a_size_this_run_lacks(rec):
    assert rec["by_n"]["2000"] < 1
'''


def _book(tmp_path: Path, records: dict) -> tuple[Path, Path]:
    (tmp_path / "tests").mkdir()
    (tmp_path / "notebooks").mkdir()
    tests = tmp_path / "tests" / "test_chapter_99_tiny.py"
    tests.write_text(CLAIMS, encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    notebook = run / "99_tiny.ipynb"  # a re-run, outside the chapter folder, without any fingerprint
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                                               "outputs": [{"output_type": "display_data", "metadata": {},
                                                            "data": {RECORD_MIME: records}}]}],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return notebook, tests


def test_each_claim_holds_fails_or_is_not_measured_with_its_values(tmp_path: Path) -> None:
    notebook, tests = _book(tmp_path, {"floor": 0.00312345678, "gap": {"2.5": -0.5}, "by_n": {"500": 0.1}})
    claims = {c.test: c for c in check_claims(notebook, tests)}
    floor, gap, size = (claims["test_floor_is_small"], claims["test_gap_at_2p5_is_positive"],
                        claims["test_reads_a_size_this_run_lacks"])
    assert floor.outcome == "holds" and floor.finding == "The floor is below a hundredth of a nat."
    assert floor.statistic == "0.003123 < 0.01"  # the values the test compared, at this run
    assert gap.outcome == "fails" and gap.finding == "Gap at 2.5 is positive"
    assert gap.statistic == "gap at M = 2.5: assert -0.5 > 0"
    assert size.outcome == "not measured" and "KeyError" in size.statistic
    text = claims_text(tuple(claims.values()))
    assert "✓ The floor" in text and "✗ Gap" in text and "– Reads" in text
    assert claims_markdown(tuple(claims.values())).count("\n") == 4  # header, rule, three rows
