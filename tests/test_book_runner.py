"""Tests of ampcore.book.runner: finding the book and its chapters, re-run commands, refusals.

Real chapter runs (papermill and nbconvert) are exercised through the command line in
test_cli.py, with a throwaway chapter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ampcore.book.parameters import ParameterError
from ampcore.book.runner import (
    NOTEBOOKS_ENV,
    BookNotFound,
    Chapter,
    execute_chapter,
    find_book,
    find_chapters,
    notebooks_dir,
    render_html,
    rerun_commands,
    resolve_chapter,
)

PARAMETERS = '''\
N: "int in [2, 1000]" = 30  # training events
M: "float in [0.5, 10]" = 2.0  # Goldilocks statistic
gains: "list[int] in [1, 100]" = [1, 2]  # gains G
'''


def _chapter(path: Path, title: str = "Tiny Chapter", parameters: str = PARAMETERS) -> Path:
    cells = [
        {"id": "title", "cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "\n", "Text.\n"]},
        {"id": "parameters", "cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": parameters,
         "outputs": [], "execution_count": None},
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A book: _toc.yml and notebooks/ with two chapters and files that are not chapters."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    _chapter(folder / "04_normal.ipynb", "Normal Data")
    _chapter(folder / "01_question.ipynb", "The Question")
    _chapter(folder / "scratch.ipynb")
    _chapter(folder / "1_bad.ipynb")
    (folder / "deeper").mkdir()
    return tmp_path


class TestFindBook:
    def test_from_the_root_or_below(self, book):
        assert find_book(book) == book.resolve()
        assert find_book(book / "notebooks" / "deeper") == book.resolve()

    def test_from_the_current_folder(self, book, monkeypatch):
        monkeypatch.chdir(book / "notebooks")
        assert find_book() == book.resolve()
        monkeypatch.delenv(NOTEBOOKS_ENV, raising=False)
        assert notebooks_dir() == book.resolve() / "notebooks"

    def test_not_in_a_book(self, tmp_path):
        with pytest.raises(BookNotFound, match="no ampbook repository .* at or above"):
            find_book(tmp_path)
        assert issubclass(BookNotFound, FileNotFoundError)

    def test_notebooks_dir_option_and_environment(self, book, tmp_path, monkeypatch):
        assert notebooks_dir(book / "notebooks") == book / "notebooks"
        monkeypatch.setenv(NOTEBOOKS_ENV, str(book / "notebooks"))
        monkeypatch.chdir(tmp_path.parent)
        assert notebooks_dir() == book / "notebooks"
        with pytest.raises(BookNotFound, match=r"no chapter folder at .*nowhere.* \(--notebooks\)"):
            notebooks_dir(tmp_path / "nowhere")
        monkeypatch.setenv(NOTEBOOKS_ENV, str(tmp_path / "nowhere"))
        with pytest.raises(BookNotFound, match=r"\(\$AMPBOOK_NOTEBOOKS\)"):
            notebooks_dir()

    def test_default_outside_a_book_says_what_to_do(self, tmp_path, monkeypatch):
        monkeypatch.delenv(NOTEBOOKS_ENV, raising=False)
        monkeypatch.chdir(tmp_path)
        with pytest.raises(BookNotFound, match="pass --notebooks DIR or set AMPBOOK_NOTEBOOKS"):
            notebooks_dir()


class TestChapters:
    def test_only_numbered_chapters_in_order(self, book):
        chapters = find_chapters(book / "notebooks")
        assert [c.stem for c in chapters] == ["01_question", "04_normal"]
        first = chapters[0]
        assert isinstance(first, Chapter) and (first.number, first.topic) == ("01", "question")
        assert first.title == "The Question"
        assert list(first.spec()) == ["N", "M", "gains"]

    def test_title_falls_back_to_the_stem(self, tmp_path):
        path = tmp_path / "02_empty.ipynb"
        path.write_text("not json")
        assert Chapter(path=path, number="02", topic="empty").title == "02_empty"

    @pytest.mark.parametrize("name", ["normal", "04", "4", "04_normal", "04_normal.ipynb", "notebooks/04_normal.ipynb"])
    def test_resolve(self, book, name):
        assert resolve_chapter(name, find_chapters(book / "notebooks")).stem == "04_normal"

    def test_unknown_chapter_lists_the_others(self, book):
        with pytest.raises(LookupError, match="unknown chapter 'nosuch'; choose one of: question, normal"):
            resolve_chapter("nosuch", find_chapters(book / "notebooks"))
        with pytest.raises(LookupError, match="none: the folder has no NN_topic.ipynb"):
            resolve_chapter("x", [])


def test_rerun_commands_list_every_parameter(book):
    chapter = resolve_chapter("normal", find_chapters(book / "notebooks"))
    cli, pm = rerun_commands(chapter)
    assert cli.split() == "ampcore chapter run normal \\ -p N 30 \\ -p M 2.0 \\ -p gains '[1, 2]'".split()
    assert pm.startswith("papermill -k python3 --cwd notebooks notebooks/04_normal.ipynb _build/runs/04_normal.ipynb")
    assert "-y 'gains: [1, 2]'" in pm and "-p N 30" in pm and "-p M 2.0" in pm
    cli, pm = rerun_commands(chapter, notebooks_prefix="book/nb", runs="/tmp/out")
    assert "--cwd book/nb book/nb/04_normal.ipynb /tmp/out/04_normal.ipynb" in pm


def test_rerun_commands_quote_booleans_and_texts(tmp_path):
    path = _chapter(tmp_path / "03_x.ipynb", parameters='plots: "bool" = True\nname: "str" = "a b"\n')
    cli, pm = rerun_commands(Chapter(path=path, number="03", topic="x"))
    assert "-p plots true" in cli and "-p name 'a b'" in cli and "-p plots true" in pm


class TestExecuteChapterRefuses:
    """Every refusal happens before a kernel starts (these tests start none)."""

    def test_output_must_not_be_the_source(self, book):
        source = book / "notebooks" / "01_question.ipynb"
        with pytest.raises(ValueError, match="`output` must not be the source notebook"):
            execute_chapter(source, source)

    def test_output_folder_must_exist(self, book, tmp_path):
        with pytest.raises(FileNotFoundError, match="The output folder .*nowhere.* does not exist"):
            execute_chapter(book / "notebooks" / "01_question.ipynb", tmp_path / "nowhere" / "out.ipynb")

    @pytest.mark.parametrize(
        ("parameters", "exc", "match"),
        [
            ({"N": 1}, ParameterError, r"`N` must be an integer in \[2, 1000\]; got 1"),
            ({"gains": []}, ParameterError, "`gains` must be a non-empty list"),
            ({"nosuch": 1}, TypeError, "unknown parameter.*nosuch; the chapter takes: N, M, gains"),
        ],
    )
    def test_parameters_are_checked_first(self, book, tmp_path, parameters, exc, match):
        pytest.importorskip("papermill", reason="papermill is installed with the book extra")
        target = tmp_path / "out.ipynb"
        with pytest.raises(exc, match=match):
            execute_chapter(book / "notebooks" / "01_question.ipynb", target, parameters)
        assert not target.exists()


def test_render_html_embeds_a_local_mathjax(book, tmp_path):
    pytest.importorskip("nbconvert", reason="nbconvert is installed with the book extra")
    mathjax = tmp_path / "tex-svg.js"
    mathjax.write_text("/* a stand-in for MathJax */ var LOCAL_MATHJAX = 1;")
    target = tmp_path / "page.html"
    render_html(book / "notebooks" / "01_question.ipynb", target, title="Question (N=5)", mathjax=mathjax)
    text = target.read_text(encoding="utf-8")
    assert "LOCAL_MATHJAX" in text and "window.MathJax" in text and "<title>Question (N=5)</title>" in text
    assert "ampcore-local-mathjax.js" not in text
    render_html(book / "notebooks" / "01_question.ipynb", target, title="t")
    assert "mathjax" in target.read_text(encoding="utf-8").lower()  # nbconvert's CDN default


def test_every_chapter_has_a_work_expression_over_its_own_parameters(tmp_path):
    # a chapter whose parameters were renamed would silently lose its run-time estimate
    # (expected_time returns None when its expression names an unknown parameter)
    from ampcore.book.runner import CHAPTER_WORK, expected_time, find_chapters

    chapters = find_chapters(Path(__file__).resolve().parents[1] / "notebooks")
    assert sorted(CHAPTER_WORK) == sorted(c.stem for c in chapters)
    timings = tmp_path / "chapter_times.csv"
    timings.write_text("chapter,wall_s,cpu_s\n" + "".join(f"{c.stem},30,20\n" for c in chapters))
    for chapter in chapters:
        estimate = expected_time(chapter, {}, timings=timings)
        assert estimate is not None and estimate.ratio == 1.0 and estimate.seconds == 20.0, chapter.stem
