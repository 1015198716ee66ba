"""Render an executed chapter as the book renders it: one standalone HTML page.

``ampcore chapter run`` re-runs a chapter at new parameters; :func:`render_chapter` turns the
executed notebook into a page that reads like the book's: the numbers of the prose inserted by
MyST-NB's ``{glue:text}`` roles from *this* run, citations and glossary terms resolved, exercises
and their solutions, admonitions, and offline MathJax. It builds a one-chapter Jupyter Book in a
temporary folder from the book's own ``_config.yml`` (execution off, the executed notebook as the
root page, the glossary and the references after it) with Sphinx's ``singlehtml`` builder, and
writes the page to `target` with its figures embedded as data URIs and the theme's assets (CSS,
JavaScript, MathJax) in a ``_static`` folder beside it.

If the book's configuration is not found (an installed ampcore without the repository), it falls
back to :func:`ampcore.book.runner.render_html` (plain nbconvert), and says so in its return value.

Provenance: no formula here (rendering only).
"""

from __future__ import annotations

import base64
from html import escape as html_escape
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runner import render_html

__all__ = ["RenderedPage", "RenderError", "render_chapter", "book_config", "book_pages", "first_error_line"]

# What a one-chapter build needs from the book besides its _config.yml: the pages that the
# chapter's {term} and {cite} roles point to (the glossary itself cites references).
_COMPANION_PAGES = ("book/glossary.md", "book/references.md")


@dataclass(frozen=True)
class RenderedPage:
    """The page :func:`render_chapter` wrote, and how.

    Attributes
    ----------
    path : pathlib.Path
        The HTML page.
    method : {"book", "nbconvert"}
        ``"book"``: built with the book's Sphinx configuration; ``"nbconvert"``: the fallback.
    warnings : str
        Sphinx's warnings of the build (links to other chapters of the book, which a one-chapter
        build cannot resolve, are expected here), or why the fallback was used.
    """

    path: Path
    method: str
    warnings: str = ""


def book_config(book: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The book's ``_config.yml`` as a dict, or None if `book` has none (or no companion pages)."""
    import yaml

    root = Path(book)
    config = root / "_config.yml"
    if not config.is_file() or not all((root / page).is_file() for page in _COMPANION_PAGES):
        return None
    loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else None


def _project_config(config: dict[str, Any], book: Path, title: str) -> dict[str, Any]:
    """The book's configuration, adapted to a one-chapter build in another folder."""
    out = dict(config)
    out["title"] = title
    out["only_build_toc_files"] = True
    out["execute"] = {**dict(config.get("execute") or {}), "execute_notebooks": "off"}
    out["execute"].pop("cache", None)
    out.pop("launch_buttons", None)  # a re-run page is not on a server
    sphinx = dict(config.get("sphinx") or {})
    # local extensions and static files stay where the book keeps them
    sphinx["local_extensions"] = {name: str((book / path).resolve())
                                  for name, path in dict(sphinx.get("local_extensions") or {}).items()}
    sphinx_config = dict(sphinx.get("config") or {})
    if "html_static_path" in sphinx_config:
        sphinx_config["html_static_path"] = [str((book / p).resolve()) for p in sphinx_config["html_static_path"]]
    sphinx["config"] = sphinx_config
    out["sphinx"] = sphinx
    return out


def _embed_images(html: str, folder: Path) -> str:
    """Replace ``src="_images/..."`` by data URIs of the files in `folder`."""

    def inline(match: re.Match[str]) -> str:
        path = folder / match.group(2)
        if not path.is_file():
            return match.group(0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'{match.group(1)}"data:{kind};base64,{data}"'

    return re.sub(r'(\bsrc=)"_images/([^"]+)"', inline, html)


class RenderError(RuntimeError):
    """The book build of a page failed.

    Attributes
    ----------
    first_line : str
        The first error line of the build (the cause, not Jupyter Book's closing banner).
    log : str
        The build's whole output.
    """

    def __init__(self, message: str, first_line: str, log: str) -> None:
        super().__init__(message)
        self.first_line = first_line
        self.log = log


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*(?:Error|Exception|Interrupt)|Extension error|Sphinx error|ERROR)\b[^:]*:\s*(.*)$")


def first_error_line(log: str) -> str:
    """The first line of a build log that names an error with a message (the root cause).

    Examples
    --------
    >>> first_error_line("Traceback...\\nKeyError: 'x'\\n\\nRuntimeError: \\n=====")
    "KeyError: 'x'"
    """
    lines = [_ANSI.sub("", line).strip() for line in log.splitlines()]
    for line in lines:
        match = _ERROR_LINE.match(line)
        if match and match.group(1).strip(" =") and not match.group(1).startswith("=="):
            return line
    meaningful = [line for line in lines if line.strip(" =")]
    return meaningful[-1] if meaningful else "(no output)"


def book_pages(book: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Every page of the book's ``_toc.yml``: docname → ``{"url", "title", "number"}``.

    The URL is the page of the built book (``_build/html``) when it exists, else the page's
    source in the repository of ``_config.yml``; chapters carry their number in the book.
    """
    import yaml

    from .runner import find_chapters

    root = Path(book).resolve()
    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        return {}
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    config = book_config(root) or {}
    repository = dict(config.get("repository") or {})
    url = str(repository.get("url") or "").rstrip("/")
    branch = str(repository.get("branch") or "main")
    titles = {f"notebooks/{c.stem}": c.title for c in find_chapters(root / "notebooks")} if (root / "notebooks").is_dir() else {}
    entries: list[tuple[str, int | None]] = []
    if toc.get("root"):
        entries.append((str(toc["root"]), None))
    for part in toc.get("parts") or [{"chapters": toc.get("chapters") or []}]:
        count = 0
        for item in part.get("chapters") or []:
            if "file" not in item:
                continue
            count += 1
            entries.append((str(item["file"]), count if part.get("numbered") else None))
    pages: dict[str, dict[str, Any]] = {}
    for docname, number in entries:
        built = root / "_build" / "html" / f"{docname}.html"
        source = next((root / f"{docname}{ext}" for ext in (".ipynb", ".md") if (root / f"{docname}{ext}").is_file()), None)
        if built.is_file():
            link = built.as_uri()
        elif url and source is not None:
            link = f"{url}/blob/{branch}/{source.relative_to(root).as_posix()}"
        else:
            continue
        title = titles.get(docname, docname.rsplit("/", 1)[-1])
        pages[docname] = {"url": link, "title": f"Chapter {number}, {title}" if number else title, "number": number}
    return pages


_PAGE_CSS = """<style>
/* a re-run page is one file: no search index to search */
.search-button, .search-button-field, .bd-search, form.bd-search, .search-button__wrapper { display: none !important; }
</style>"""


def _write_static(built: Path, static: Path, *, overwrite: bool) -> None:
    """Copy the theme's assets to `static`; an existing different file is replaced only if `overwrite`."""
    for path in sorted(built.rglob("*")):
        if path.is_dir():
            continue
        dest = static / path.relative_to(built)
        if dest.is_symlink() or dest.exists():
            if not dest.is_symlink() and dest.is_file() and dest.read_bytes() == path.read_bytes():
                continue
            if not overwrite:
                raise FileExistsError(f"{str(dest)!r} exists and differs from the page's asset; pass --force to replace it")
            dest.unlink()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


def render_chapter(
    notebook: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    book: str | os.PathLike[str],
    title: str,
    banner: str | None = None,
    number: int | None = None,
    overwrite_static: bool = True,
    timeout: float = 600.0,
) -> RenderedPage:
    """Write the executed `notebook` as one standalone HTML page rendered like the book.

    Parameters
    ----------
    notebook : path
        An executed chapter notebook (e.g. the output of :func:`ampcore.book.runner.execute_chapter`).
    target : path
        The HTML page to write; its folder must exist. A ``_static`` folder (theme, MathJax) is
        written beside it.
    book : path
        The book's root: the folder with ``_config.yml``, ``book/glossary.md`` and
        ``book/references.md``.
    title : str
        The page's title (e.g. the chapter's title and the parameters of the run).
    banner : str, optional
        MyST Markdown shown above the chapter (what the run changed, which findings hold);
        without it the page opens with `title` alone.
    number : int, optional
        The chapter's number in the book, so figures, sections and equations keep it ("Fig. 4.1");
        default: read from the book's ``_toc.yml`` by the notebook's file name.
    overwrite_static : bool
        Replace files of an existing ``_static`` folder beside `target` that differ from the
        page's assets; if False such a file raises FileExistsError (identical files are kept).
    timeout : float
        Seconds the Sphinx build may take.

    Returns
    -------
    RenderedPage

    Raises
    ------
    RenderError
        If the Sphinx build fails (its first error line and whole log are attributes).
    """
    source, page = Path(notebook).resolve(), Path(target)
    if not source.is_file():
        raise FileNotFoundError(f"`notebook` {str(source)!r} does not exist.")
    if not page.parent.is_dir():
        raise FileNotFoundError(f"The folder of `target` {str(page.parent)!r} does not exist.")
    root = Path(book).resolve()
    config = book_config(root)
    if config is None:
        mathjax = root / "book" / "_static" / "mathjax" / "tex-svg.js"
        render_html(source, page, title=title, mathjax=mathjax if mathjax.is_file() else None)
        return RenderedPage(page, "nbconvert", f"no book configuration (_config.yml, {', '.join(_COMPANION_PAGES)}) in {str(root)!r}")
    import yaml

    pages = book_pages(root)
    if number is None:
        number = pages.get(f"notebooks/{source.stem}", {}).get("number")
    stem = re.sub(r"[^0-9A-Za-z_]", "_", source.stem)
    with tempfile.TemporaryDirectory(prefix="ampcore-render-") as tmp:
        project = Path(tmp) / "project"
        (project / "notebooks").mkdir(parents=True)
        shutil.copyfile(source, project / "notebooks" / f"{stem}.ipynb")
        for name in _COMPANION_PAGES:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / name, project / name)
        for bib in config.get("bibtex_bibfiles") or []:
            (project / bib).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / bib, project / bib)
        heading = title.replace("\n", " ")
        (project / "run.md").write_text(f"# {heading}\n\n{banner or ''}\n", encoding="utf-8")
        toc = {"format": "jb-book", "root": "run", "parts": [
            {"caption": "Chapter", "numbered": True, "chapters": [{"file": f"notebooks/{stem}"}]},
            {"caption": "Back matter", "chapters": [{"file": name.removesuffix(".md")} for name in _COMPANION_PAGES]},
        ]}
        (project / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
        settings = _project_config(config, root, title)
        sphinx_config = settings["sphinx"]["config"]
        sphinx_config["ampbook_chapter_number"] = int(number or 0)
        sphinx_config["ampbook_pages"] = {doc: {"url": p["url"], "title": p["title"]} for doc, p in pages.items()
                                          if doc != f"notebooks/{source.stem}" and doc not in ("book/glossary", "book/references")}
        (project / "_config.yml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
        command = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
                   "build", str(project), "--builder", "singlehtml", "--quiet"]
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=project)
        built = project / "_build" / "singlehtml"
        single = built / "run.html"  # the root page; index.html only redirects to it
        if done.returncode != 0 or not single.is_file():
            log = f"{done.stdout}\n{done.stderr}"
            first = first_error_line(log)
            raise RenderError(f"the book build of {source.name} failed (exit {done.returncode}): {first}", first, log)
        html = single.read_text(encoding="utf-8")
        # cross-references inside the single page (glossary terms, citations, exercises)
        for doc in (f"notebooks/{stem}", "run", *(name.removesuffix(".md") for name in _COMPANION_PAGES)):
            html = html.replace(f'href="{doc}.html#', 'href="#')
        html = html.replace("</head>", f"{_PAGE_CSS}\n</head>", 1)
        # the theme's sidebar names the book by `docstitle`, which a one-page build does not set
        book_title = html_escape(str(config.get("title") or "the book"))
        html = html.replace('<p class="title logo__title">None</p>', f'<p class="title logo__title">{book_title}</p>')
        html = _embed_images(html, built / "_images")
        _write_static(built / "_static", page.parent / "_static", overwrite=overwrite_static)
        page.write_text(html, encoding="utf-8")
        return RenderedPage(page, "book", done.stderr.strip())
