"""Chapter 1 (the question) runs at small parameters and records what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampcore.notebook import execute_chapter

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_question.ipynb"


def test_chapter_runs_and_records(tmp_path):
    rec = execute_chapter(NOTEBOOK, tmp_path / "out.ipynb", {"N": 20, "G": 3, "n_values": [100, 10_000]})
    assert rec["n_generated"] == 60
    # GenCopy (jitter variant) keeps every bin and multiplies every count by G: exact
    assert rec["same_bins"] is True
    assert rec["min_generated"] == pytest.approx([1000.0, 1_000_000.0])
    # G = 3 is below sqrt(N) for both sizes
    assert rec["bound_at_gain"] == [False, False]
