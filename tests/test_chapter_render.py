"""Every chapter renders as a re-run page (``ampcore chapter run``'s single-page book build).

Rendering only, nothing is executed: each chapter's executed notebook from ``make test``'s nbval run
(``$AMPBOOK_EXECUTED``, default ``_build/executed/``) is rendered with
:func:`ampcore.book.render.render_chapter`; where there is none, the source notebook is (its
``{glue:text}`` numbers are then missing, the build only warns). A directive or role whose node the
one-page builder cannot write (sphinx-proof's propositions once were) fails here, for the chapter
that uses it. About 5 s a chapter on 2 cores; ``make test`` runs it with the claim tests, after nbval.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ampcore.book.render import render_chapter
from ampcore.book.runner import EXECUTED_ENV, find_chapters

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = Path(os.environ.get(EXECUTED_ENV) or ROOT / "_build" / "executed")
CHAPTERS = find_chapters(ROOT / "notebooks")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_renders_as_one_page(chapter, tmp_path: Path) -> None:
    executed = EXECUTED / chapter.path.name
    notebook = executed if executed.is_file() else chapter.path
    page = render_chapter(notebook, tmp_path / f"{chapter.stem}.html", book=ROOT, title=f"{chapter.title} (re-run)",
                          banner="A banner.")
    assert page.method == "book"
    html = page.path.read_text(encoding="utf-8")
    number = int(chapter.number)
    # the chapter's heading carries its number in the book, and its figures too ("Fig. 4.1")
    assert f'section-number">{number}. ' in html
    figures = re.findall(r'caption-number">Fig\. (\d+)\.\d+', html)
    assert all(int(n) == number for n in figures), f"figure numbers {sorted(set(figures))} in chapter {number}"
    # no link to a chapter left as a bare file name: each goes to the book's page
    assert not re.search(r'<span class="xref std std-doc">\d\d_', html)
    if notebook == executed:
        assert "{glue:text}" not in html and "{glue:" not in html
