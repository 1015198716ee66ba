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

__all__ = ["RenderedPage", "render_chapter", "book_config"]

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


def render_chapter(
    notebook: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    book: str | os.PathLike[str],
    title: str,
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
    timeout : float
        Seconds the Sphinx build may take.

    Returns
    -------
    RenderedPage

    Raises
    ------
    RuntimeError
        If the Sphinx build fails (its output is in the message).
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
        toc = {"format": "jb-book", "root": f"notebooks/{stem}",
               "chapters": [{"file": name.removesuffix(".md")} for name in _COMPANION_PAGES]}
        (project / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
        (project / "_config.yml").write_text(
            yaml.safe_dump(_project_config(config, root, title), sort_keys=False, allow_unicode=True), encoding="utf-8")
        command = [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())",
                   "build", str(project), "--builder", "singlehtml", "--quiet"]
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=project)
        built = project / "_build" / "singlehtml"
        single = built / "notebooks" / f"{stem}.html"  # the root page; index.html only redirects to it
        if done.returncode != 0 or not single.is_file():
            raise RuntimeError(f"the book build of {source.name} failed (exit {done.returncode}):\n"
                               f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        # the page sat in notebooks/: its assets are ../_static and ../_images; it will sit beside _static
        html = re.sub(r'((?:src|href)=")\.\./(_static|_images)/', r"\1\2/", single.read_text(encoding="utf-8"))
        # cross-references inside the single page (glossary terms, citations, exercises)
        html = html.replace(f'href="notebooks/{stem}.html#', 'href="#')
        html = _embed_images(html, built / "_images")
        static = page.parent / "_static"
        shutil.copytree(built / "_static", static, dirs_exist_ok=True)
        page.write_text(html, encoding="utf-8")
        return RenderedPage(page, "book", done.stderr.strip())
