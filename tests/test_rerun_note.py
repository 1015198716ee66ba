"""The book's generated re-run notes (``book/_ext/rerun_note.py``), in a private one-chapter book."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = '''\
N: "int in [2, 1000]" = 30  # training events
G: "int in [1, 100]; G * N <= 10**4" = 2  # gain: N_G = G N generated events
gains: "list[int] in [1, 100]" = [1, 2]  # gains G
'''


def _tiny_chapter(path: Path) -> None:
    cells = [
        {"id": "t", "cell_type": "markdown", "metadata": {}, "source": "# Tiny Chapter\n\nA private chapter.\n\n## A section\n\nText."},
        {"id": "p", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": PARAMETERS,
         "outputs": [], "execution_count": None},
    ]
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path.write_text(json.dumps({"cells": cells, "metadata": kernel, "nbformat": 4, "nbformat_minor": 5}))


def test_book_extension_writes_the_rerun_note(tmp_path: Path) -> None:
    """A private one-chapter book built with -W: the note and the parameter table are generated."""
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if jb is None:
        pytest.skip("jupyter-book is not installed (the book extra)")
    book = tmp_path / "book"
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "book" / "rerun.md", book / "book" / "rerun.md")
    (book / "book" / "intro.md").write_text("# Intro\n\nA private book.\n")
    (book / "notebooks").mkdir()
    _tiny_chapter(book / "notebooks" / "01_tiny.ipynb")
    (book / "_config.yml").write_text(
        "title: private\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: 'off'\n"
        "sphinx:\n  local_extensions:\n    rerun_note: book/_ext\n"
    )
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_tiny\n  - file: book/rerun\n"
    )
    proc = subprocess.run([jb, "build", "-W", "--keep-going", str(book)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    page = (book / "_build" / "html" / "notebooks" / "01_tiny.html").read_text(encoding="utf-8")
    assert "rerun-note" in page
    chapter = html.unescape(re.sub(r"<[^>]+>", "", page))  # the text, without pygments' spans
    assert "Re-run this chapter" in chapter
    assert "ampcore chapter run tiny" in chapter and "-p gains '[1, 2]'" in chapter and "-p N 30" in chapter
    assert "papermill -k python3 --cwd notebooks notebooks/01_tiny.ipynb" in chapter
    rerun = html.unescape(re.sub(r"<[^>]+>", "", (book / "_build" / "html" / "book" / "rerun.html").read_text(encoding="utf-8")))
    assert "N_G = G N" in rerun and "Tiny Chapter" in rerun
    assert "an integer in [2, 1000]" in rerun and "G * N <= 10**4" in rerun  # the rules, from the cell
    assert "rerun-parameters" in (book / "_build" / "html" / "book" / "rerun.html").read_text(encoding="utf-8")
