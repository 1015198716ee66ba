"""Tests of ampcore.book.render: a re-run chapter rendered with the book's own Sphinx configuration."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ampcore.book.render import book_config, first_error_line, render_chapter

ROOT = Path(__file__).resolve().parents[1]

SOURCE = r"""# A Tiny Re-Run

The answer of this run is {glue:text}`answer:.3f`, as {cite:t}`watts2025limit` would not say; a
{term}`gain` of {glue:text}`gain`. Math: $e^{i\pi} + 1 = 0$.

:::{prf:proposition} A tiny proposition
:label: prop-tiny
Every run is a run.
:::

$$
a = b
$$ (eq-tiny)

See {eq}`eq-tiny`, {prf:ref}`prop-tiny` and {doc}`02_entropy_bound`.
"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-cell notebook executed on the python3 kernel: its record() glues two numbers."""
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("render")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(SOURCE),
        nbformat.v4.new_code_cell("from ampcore.book import record\n_ = record(answer=0.125, gain=5)",
                                  metadata={"tags": ["remove-cell"]}),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    path = folder / "tiny_rerun.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def page(executed: Path, tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("page") / "tiny.html"
    return render_chapter(executed, target, book=ROOT, title="A Tiny Re-Run (answer=0.125)",
                          banner="Banner of **this** run.", number=4)


def test_glue_citation_and_glossary_are_rendered_as_in_the_book(page) -> None:
    assert page.method == "book"
    text = page.path.read_text(encoding="utf-8")
    assert "0.125" in text and "{glue:text}" not in text  # the glued number, formatted :.3f
    assert "Watts and Crow" in text and "{cite:t}" not in text  # the citation, author-year
    assert 'href="#term-gain"' in text  # the glossary term links to its entry on the same page
    assert 'id="term-gain"' in text


def test_propositions_numbers_and_links_to_the_book(page) -> None:
    text = page.path.read_text(encoding="utf-8")
    # sphinx-proof writes only for `html`; the one-page build (singlehtml) must write it too
    assert "A tiny proposition" in text and "proof" in text
    # the chapter keeps its number in the book: equation (4.1), section 4
    assert re.search(r'class="eqno">\(4\.1\)', text), "equation not numbered 4.1"
    assert 'section-number">4. ' in text
    # a link to another chapter goes to the book's page of it, named by its number and title
    assert re.search(r'href="[^"]*02_entropy_bound\.(html|ipynb)"[^>]*><span>Chapter 2, ', text)
    # the page is titled, not "None", and opens with the banner
    assert "<title>A Tiny Re-Run (answer=0.125)</title>" in text and ">None<" not in text
    assert text.index("Banner of") < text.index("The answer of this run")


def test_a_different_file_in_an_existing_static_folder_is_kept_unless_allowed(executed: Path, tmp_path: Path) -> None:
    mine = tmp_path / "_static" / "styles" / "sphinx-book-theme.css"
    mine.parent.mkdir(parents=True)
    mine.write_text("/* mine */", encoding="utf-8")
    with pytest.raises(FileExistsError, match="sphinx-book-theme.css"):
        render_chapter(executed, tmp_path / "p.html", book=ROOT, title="t", overwrite_static=False)
    assert mine.read_text(encoding="utf-8") == "/* mine */"


def test_first_error_line_is_the_cause_not_the_banner() -> None:
    log = ("Traceback (most recent call last):\n  ...\nNotImplementedError: <class 'X'> departing unknown node "
           "type: proposition_node\n\nThe above exception ...\nRuntimeError: \n\x1b[91m=====\x1b[0m\n")
    assert first_error_line(log).startswith("NotImplementedError: <class 'X'> departing unknown node type")


def test_page_is_standalone_with_offline_mathjax(page) -> None:
    text = page.path.read_text(encoding="utf-8")
    static = page.path.parent / "_static"
    assert (static / "mathjax" / "tex-svg.js").is_file()  # the book's offline copy, beside the page
    assert "_static/mathjax/tex-svg.js" in text and "cdn.jsdelivr.net/npm/mathjax" not in text
    assert "../_static" not in text and 'src="_images/' not in text  # every link is beside the page


# nbconvert cannot represent MyST-NB's glue outputs and says so: the reason the book render exists
@pytest.mark.filterwarnings("ignore:Your element with mimetype:UserWarning")
def test_without_the_book_configuration_it_falls_back_to_nbconvert(executed: Path, tmp_path: Path) -> None:
    assert book_config(tmp_path) is None
    result = render_chapter(executed, tmp_path / "plain.html", book=tmp_path, title="plain")
    assert result.method == "nbconvert" and "_config.yml" in result.warnings
    assert result.path.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_bad_paths(executed: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="`notebook`"):
        render_chapter(tmp_path / "none.ipynb", tmp_path / "x.html", book=ROOT, title="t")
    with pytest.raises(FileNotFoundError, match="folder of `target`"):
        render_chapter(executed, tmp_path / "no" / "x.html", book=ROOT, title="t")
