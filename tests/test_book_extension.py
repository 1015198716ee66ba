"""Helpers of the book's extension (book/_ext/rerun_note.py) that need no Sphinx build."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("rerun_note_helpers", ROOT / "book" / "_ext" / "rerun_note.py")
assert _spec is not None and _spec.loader is not None
ext = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ext)


def test_benchmark_columns_and_cells_read_like_a_table() -> None:
    assert ext.column_label("ampcore_over_sort_logs") == "ampcore / sort logs"
    assert ext.column_label("peak_rss_gib") == "peak RSS (GiB)"
    assert ext.column_label("ckdtree_2workers_s") == "cKDTree 2 workers (s)"
    assert [ext.cell_text(v) for v in ("0.0105293", "200000", "1.77636e-15", "True", "", "nan", "24.7286")] == [
        "0.0105", "200,000", "1.78e-15", "yes", "—", "—", "24.7"]


def test_citation_comes_from_citation_cff() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    words, bib = ext.citation(cff)
    assert cff["title"] in words and f"version {cff['version']}" in words
    assert bib.startswith("@software{ampbook,") and f"version = {{{cff['version']}}}" in bib
    assert "BSD-3-Clause AND CC-BY-4.0" in bib


def test_bib_entry_is_copied_as_written() -> None:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entry = ext.bib_entry(text, "watts2025limit")
    assert entry.startswith("@article{watts2025limit,") and entry.endswith("}") and "2412.18041" in entry
    assert ext.bib_entry(text, "no-such-key") is None


def test_plumbing_cells_are_only_record_and_parameter_checks() -> None:
    assert ext._is_plumbing("params = check_parameters(globals())")
    assert ext._is_plumbing("_ = record(\n    a=1,\n    b=2,\n)\n")
    assert not ext._is_plumbing("params = check_parameters(globals())\nrng = np.random.default_rng(seed)")
    assert not ext._is_plumbing("plot(x)") and not ext._is_plumbing("")
