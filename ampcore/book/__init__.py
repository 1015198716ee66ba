"""Book support: chapter parameters, records and glue, figures, and the chapter runner.

* :mod:`ampcore.book.parameters` — each chapter declares its parameters' rules in its own
  ``parameters`` cell; :func:`check_parameters` checks them in the running notebook,
  :func:`chapter_spec` reads them from the file (for the command line and the book's re-run pages);
* :mod:`ampcore.book.records` — :func:`record` leaves a chapter's headline numbers for its tests
  and glues them into its prose; :func:`read_records` reads them back;
* :mod:`ampcore.book.plotting` — one consistent style and one function per kind of figure;
* :mod:`ampcore.book.runner` — find the book and its chapters, re-run one, render it;
* :mod:`ampcore.book.teaching` — the lab's parameter changes and the results they give.
* :mod:`ampcore.book.tables` — :func:`book_table` shows a study's table as readers see it (no
  index, numbers at their precision, "—" for missing).
* :mod:`ampcore.book.render` — :func:`render_chapter` renders an executed chapter with the book's
  own Sphinx configuration, as one standalone page.

This layer sits above :mod:`ampcore.studies` and the core; nothing below imports it.
"""

from __future__ import annotations

from .parameters import ChapterSpec, ParameterError, ParameterSpec, chapter_spec, check_parameters, parse_value
from .records import RECORD_MIME, glue_names, read_records, record
from .render import RenderedPage, book_config, render_chapter
from .runner import (
    EXECUTED_ENV,
    NOTEBOOKS_ENV,
    BookNotFound,
    Chapter,
    chapter_fingerprint,
    execute_chapter,
    executed_records,
    find_book,
    find_chapters,
    notebooks_dir,
    render_html,
    rerun_commands,
    resolve_chapter,
)
from .tables import BookTable, book_table
from .teaching import LAB_ASSIGNMENTS, LabAssignment, lab_table

__all__ = [
    "ChapterSpec", "ParameterError", "ParameterSpec", "chapter_spec", "check_parameters", "parse_value",
    "RECORD_MIME", "glue_names", "read_records", "record",
    "NOTEBOOKS_ENV", "BookNotFound", "Chapter", "execute_chapter", "find_book", "find_chapters",
    "notebooks_dir", "render_html", "rerun_commands", "resolve_chapter", "chapter_fingerprint",
    "executed_records", "EXECUTED_ENV",
    "LabAssignment", "LAB_ASSIGNMENTS", "lab_table",
    "RenderedPage", "render_chapter", "book_config",
    "BookTable", "book_table",
]
