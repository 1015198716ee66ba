"""Sphinx extension: how to re-run each chapter, generated from the chapter notebooks themselves.

* Every page built from ``notebooks/NN_topic.ipynb`` gets a collapsible "Re-run this chapter" tip
  (before its first section) with the exact ``ampcore chapter run`` and ``papermill`` commands,
  listing each parameter of the notebook's ``parameters`` cell with its default.
* MathJax is loaded on every page (``html_assets_policy = "always"``), because the navigation
  shows chapter titles that may hold math.
* The ``chapter-parameters`` directive (used by ``book/rerun.md``) renders, for every chapter, a
  table of its parameters (name, type, default, meaning) and its ``ampcore chapter run`` command.
* The ``colab-install`` directive (``book/rerun.md``) renders the Colab install cell from the
  repository URL of ``_config.yml``, so that URL is written in one place only.
* The ``cite-this-book`` directive (``book/cite.md``) renders the book's reference and BibTeX
  entry from ``CITATION.cff``.
* The student edition (``ampbook_edition: student``, ``make student``; see
  ``tools/edition_config.py``) sets the Sphinx tag ``student`` (for ``{only} not student``
  blocks) and leaves out every notebook cell tagged ``answer-key``.
* For the one-page builds of a re-run (:func:`ampcore.book.render.render_chapter`, the
  ``singlehtml`` builder): every node that an extension taught only the ``html`` builder to write
  (sphinx-proof's propositions) is written by ``singlehtml`` the same way; the chapter keeps its
  number in the book (``ampbook_chapter_number``: "Fig. 4.1", not "Fig. 1.1"); and links to the
  chapters the build does not hold go to the book's own pages (``ampbook_pages``: docname → URL).

The parameters and their rules are read from the cell with
:func:`ampcore.book.parameters.chapter_spec`, so the book, ``ampcore chapter list`` and the
commands can never disagree. Registered in ``_config.yml`` under
``sphinx: local_extensions: {rerun_note: book/_ext}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ampcore.book.runner import Chapter, find_chapters, rerun_commands

RERUN_PAGE = "book/rerun"


def _chapter_of(app: Sphinx, docname: str) -> Chapter | None:
    """The chapter a page is built from, if it is a ``notebooks/NN_topic.ipynb``."""
    if not docname.startswith("notebooks/"):
        return None
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return None
    return next((c for c in find_chapters(path.parent) if c.path.name == path.name), None)


def _doc_link(docname: str, target: str, text: str | None) -> nodes.Node:
    """A ``{doc}`` reference; without `text`, Sphinx shows the target page's title."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="doc", reftarget=f"/{target}", refdoc=docname,
        refexplicit=text is not None, refwarn=True,
    )
    ref += nodes.inline(text=text or target)
    return ref


def _code(text: str) -> nodes.literal_block:
    block = nodes.literal_block(text, text, language="bash")
    block["classes"].append("rerun-command")
    return block


def _para(*parts: nodes.Node | str) -> nodes.paragraph:
    para = nodes.paragraph()
    for part in parts:
        para += nodes.Text(part) if isinstance(part, str) else part
    return para


def rerun_note(app: Sphinx, docname: str, chapter: Chapter) -> nodes.admonition:
    """The "Re-run this chapter" admonition for `chapter`."""
    cli, papermill = rerun_commands(chapter)
    note = nodes.admonition(classes=["tip", "dropdown", "rerun-note"])
    note += nodes.title(text="Re-run this chapter")
    note += _para(
        "These are the chapter's parameters at their defaults: change any value and run, from "
        "the repository root (after ", nodes.literal(text="make install"), "),",
    )
    note += _code(cli)
    note += _para(
        "or with papermill itself (after ", nodes.literal(text="mkdir -p _build/runs"), "):",
    )
    note += _code(papermill)
    tail: list[nodes.Node | str] = [
        nodes.literal(text="ampcore chapter list"), " explains every parameter",
    ]
    if RERUN_PAGE in app.env.found_docs:
        tail += ["; see ", _doc_link(docname, RERUN_PAGE, "Re-running chapters"), " for Binder and Colab"]
    note += _para(*tail, ".")
    return note


PLUMBING_CALLS = ("record", "check_parameters")


def _is_plumbing(code: str) -> bool:
    """True for a cell whose every statement is a call (or ``x = call``) of record/check_parameters."""
    import ast

    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False

    def call_name(node: ast.AST) -> str | None:
        if isinstance(node, ast.Assign):
            node = node.value
        elif isinstance(node, ast.Expr):
            node = node.value
        else:
            return None
        if isinstance(node, ast.Call):
            func = node.func
            return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        return None

    return bool(body) and all(call_name(stmt) in PLUMBING_CALLS for stmt in body)


def _cell_code(cell: nodes.Element) -> str:
    block = next(iter(cell.findall(nodes.literal_block)), None)
    return block.astext() if block is not None else ""


def _plain_parameters(app: Sphinx, doctree: nodes.document, chapter: Chapter) -> None:
    """Readers see a table of the chapter's parameters, not its parameters cell and its plumbing.

    The cell tagged ``parameters`` (its rules are Python annotations) becomes the same table as
    ``book/rerun.md`` shows; cells that only check the parameters or record results for the tests
    (``check_parameters(...)``, ``record(...)``) are left out of the page. The notebook itself
    is unchanged: Colab, Binder and papermill see every cell.
    """
    for cell in list(doctree.findall(nodes.container)):
        classes = cell.get("classes", [])
        if "cell" not in classes or cell.parent is None:
            continue
        if "tag_parameters" in classes:
            table = parameter_table(chapter)
            table["classes"].append("ampbook-parameters")
            # a rubric, not a table title: a titled table would be numbered and renumber the chapter's own
            rubric = nodes.rubric(text="The parameters of this chapter, at their defaults")
            rubric["classes"].append("ampbook-parameters")
            cell.replace_self([rubric, table])
        elif _is_plumbing(_cell_code(cell)):
            cell.parent.remove(cell)


def _insert_notes(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    chapter = _chapter_of(app, docname)
    if chapter is None or not chapter.spec().parameters:
        return
    _plain_parameters(app, doctree, chapter)
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    note = rerun_note(app, docname, chapter)
    first_sub = next((i for i, child in enumerate(section.children) if isinstance(child, nodes.section)), None)
    if first_sub is None:
        section += note
    else:
        section.insert(first_sub, note)


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += _para(cell)
        row += entry
    return row


def parameter_table(chapter: Chapter) -> nodes.table:
    """name, allowed values, default, meaning: one row per parameter."""
    header = ["parameter", "allowed", "default", "meaning"]
    table = nodes.table(classes=["rerun-parameters"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in (18, 10, 24, 48):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row(list(header))
    group += head
    body = nodes.tbody()
    for name, spec in chapter.spec().parameters.items():
        body += _row([
            nodes.literal(text=name),
            "; ".join([spec.describe(), *spec.relations]),
            nodes.literal(text=repr(spec.default)),
            spec.help,
        ])
    group += body
    return table


class ChapterParameters(SphinxDirective):
    """``{chapter-parameters}``: every chapter's parameter table and re-run command."""

    has_content = False
    required_arguments = 0

    def run(self) -> list[nodes.Node]:
        folder = Path(self.env.srcdir) / "notebooks"
        out: list[nodes.Node] = []
        for chapter in find_chapters(folder) if folder.is_dir() else []:
            docname = f"notebooks/{chapter.stem}"
            if docname not in self.env.found_docs:
                continue
            self.env.note_dependency(str(chapter.path))
            out.append(nodes.rubric("", "", _doc_link(self.env.docname, docname, None)))
            out.append(parameter_table(chapter))
            cli, _ = rerun_commands(chapter)
            out.append(_code(cli))
        if not out:
            out.append(_para("(No chapter notebooks were found in notebooks/.)"))
        return out


# What a notebook opened alone (Colab) or built by Binder (binder/postBuild) installs besides the
# runtime dependencies: the extras of pyproject.toml; tests/test_binder.py checks that they cover
# every module the notebooks import, and that binder/postBuild installs the same.
NOTEBOOK_EXTRAS = ("book", "gan")


def colab_install_command(repository_url: str, branch: str = "main", extras: tuple[str, ...] = NOTEBOOK_EXTRAS) -> str:
    """The first cell of a chapter opened on Colab: install ampcore from the book's repository."""
    url = repository_url.rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"the repository url must start with https://; got {repository_url!r} (see _config.yml)")
    return f'!pip install "ampcore[{",".join(extras)}] @ git+{url}@{branch}"'


class ColabInstall(SphinxDirective):
    """``{colab-install}``: the Colab install cell, built from ``repository:`` in ``_config.yml``."""

    has_content = False
    required_arguments = 0

    def run(self) -> list[nodes.Node]:
        options = self.env.config.html_theme_options or {}
        url = options.get("repository_url")
        if not url:
            raise self.error("`repository: url:` is not set in _config.yml; the Colab command needs it.")
        return [_code(colab_install_command(url, options.get("repository_branch") or "main"))]


def _html_visitors_for_singlehtml(app: Sphinx) -> None:
    """Let ``singlehtml`` write every node that an extension registered for ``html`` only.

    Sphinx looks up a builder's node visitors by its name first, and falls back to its format
    (``html``) only when no extension registered any visitor under that name. sphinx-exercise
    registers ``singlehtml`` visitors, so sphinx-proof's ``html``-only ones were never found and a
    chapter with a proposition could not be built as one page.
    """
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, pair in handlers.get("html", {}).items():
        single.setdefault(name, pair)


def _renumber(app: Sphinx, env: Any) -> list[str]:
    """Give the chapter of a one-chapter build its number in the book (figures, sections, equations).

    The one-chapter build numbers its only chapter 1; the book numbers it by its place in
    ``_toc.yml``. Runs after Sphinx assigned the numbers (``env-get-updated``, late priority).
    """
    number = int(app.config.ampbook_chapter_number or 0)
    if number <= 0:
        return []
    for doc, sections in env.toc_secnumbers.items():
        env.toc_secnumbers[doc] = {key: (number, *value[1:]) if value else value for key, value in sections.items()}
    for figures in env.toc_fignumbers.values():
        for figtype, ids in figures.items():
            figures[figtype] = {key: (number, *value[1:]) if value else value for key, value in ids.items()}
    return []


def _link_book_pages(app: Sphinx, env: Any, node: Any, contnode: nodes.Node) -> nodes.Node | None:
    """A ``{doc}`` link to a chapter this build does not hold points to the book's page of it."""
    pages: dict[str, Any] = dict(app.config.ampbook_pages or {})
    if not pages or node.get("reftype") != "doc":
        return None
    from sphinx.util import docname_join

    target = docname_join(node.get("refdoc", ""), node["reftarget"]).lstrip("/")
    page = pages.get(target)
    if page is None:
        return None
    url, title = (page, None) if isinstance(page, str) else (page.get("url"), page.get("title"))
    ref = nodes.reference("", "", internal=False, refuri=url, classes=["ampbook-book-page"])
    if node.get("refexplicit") or not title:
        ref += contnode
    else:
        ref += nodes.inline(text=title)
    return ref


def citation(cff: dict[str, Any]) -> tuple[str, str]:
    """(a reference in words, a BibTeX entry) for the book, from its ``CITATION.cff``."""
    authors = " and ".join(a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", ")
                           for a in cff.get("authors") or [])
    year = str(cff.get("date-released") or "")[:4]
    title, version, url = cff.get("title", ""), cff.get("version", ""), cff.get("repository-code", "")
    licences = cff.get("license") or []
    licences = [licences] if isinstance(licences, str) else list(licences)
    words = f"{authors} ({year}). {title} (version {version}). {url}"
    bib = "\n".join([
        "@software{ampbook,",
        f"  author  = {{{{{authors}}}}},",
        f"  title   = {{{title}}},",
        f"  version = {{{version}}},",
        f"  year    = {{{year}}},",
        f"  url     = {{{url}}},",
        f"  license = {{{' AND '.join(licences)}}},",
        "}",
    ])
    return words, bib


def bib_entry(text: str, key: str) -> str | None:
    """The BibTeX entry `key` of a ``.bib`` file's `text`, as written there (braces balanced)."""
    import re

    match = re.search(r"@\w+\s*\{\s*" + re.escape(key) + r"\s*,", text)
    if match is None:
        return None
    depth = 0
    for end in range(match.start(), len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0 and text[end] == "}":
            return text[match.start(): end + 1]
    return None


class CiteThisBook(SphinxDirective):
    """``{cite-this-book}``: the book's reference and BibTeX entry, read from ``CITATION.cff``.

    With ``:entry: KEY`` it shows instead the entry KEY of the book's bibliography
    (``bibtex_bibfiles``), as written there.
    """

    has_content = False
    required_arguments = 0
    option_spec = {"entry": lambda text: text.strip()}

    def run(self) -> list[nodes.Node]:
        import yaml

        key = self.options.get("entry")
        if key:
            for name in self.env.config.bibtex_bibfiles or []:
                bib = Path(self.env.srcdir) / name
                self.env.note_dependency(str(bib))
                entry = bib_entry(bib.read_text(encoding="utf-8"), key)
                if entry is not None:
                    return [nodes.literal_block(entry, entry, language="bibtex")]
            raise self.error(f"no entry {key!r} in {self.env.config.bibtex_bibfiles}")

        path = Path(self.env.srcdir) / "CITATION.cff"
        if not path.is_file():
            raise self.error(f"{path} is missing; the citation is read from it.")
        self.env.note_dependency(str(path))
        words, bib = citation(yaml.safe_load(path.read_text(encoding="utf-8")))
        block = nodes.literal_block(bib, bib, language="bibtex")
        block["classes"].append("cite-this-book")
        return [_para(words), block]


ANSWER_KEY_TAG = "answer-key"


def _edition_tags(app: Sphinx, config: Any) -> None:
    """``ampbook_edition: student`` (``make student``) sets the Sphinx tag ``student`` for ``{only}``."""
    if config.ampbook_edition == "student":
        app.tags.add("student")


def _drop_answer_keys(app: Sphinx, doctree: nodes.document) -> None:
    """In the student edition, leave out every notebook cell tagged ``answer-key``."""
    if app.config.ampbook_edition != "student":
        return
    for node in list(doctree.findall(nodes.Element)):
        if f"tag_{ANSWER_KEY_TAG}" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


class hidden_solution(nodes.Element):
    """Where a gated solution (``solution-start`` ... ``solution-end``) began, in the student edition."""


def _hiding_solution_start() -> type[SphinxDirective]:
    """sphinx-exercise's ``solution-start``, leaving a marker where ``hide_solutions`` drops it.

    With ``hide_solutions`` sphinx-exercise drops the start of a gated solution but keeps its
    content and its end node, which no builder can write (``unknown node type:
    solution_end_node``); the marker lets :func:`_drop_gated_solutions` remove the whole range.
    """
    from sphinx_exercise.directive import SolutionStartDirective

    class HidingSolutionStart(SolutionStartDirective):  # type: ignore[misc]
        def run(self) -> list[nodes.Node]:
            result: list[nodes.Node] = super().run()
            if self.env.app.config.hide_solutions:
                return [hidden_solution()]
            return result

    return HidingSolutionStart


def _drop_gated_solutions(app: Sphinx, doctree: nodes.document) -> None:
    """With ``hide_solutions``: remove each gated solution, from its marker to its end node."""
    from sphinx_exercise.nodes import solution_end_node

    for marker in list(doctree.findall(hidden_solution)):
        parent = marker.parent
        if parent is None:
            continue
        start = parent.index(marker)
        end = next((i for i in range(start, len(parent.children))
                    if any(True for _ in parent.children[i].findall(solution_end_node))), None)
        if end is None:  # the end is not among the marker's siblings: drop the marker only
            parent.remove(marker)
            continue
        for child in parent.children[start:end + 1]:
            parent.remove(child)


# benchmark columns: unit suffixes, and columns that the page shows once (machine.csv) or not at all
_UNITS = {"_s": " (s)", "_mib": " (MiB)", "_gib": " (GiB)", "_nats": " (nats)", "_per_s": " per s"}
_DROPPED: set[str] = set()  # every recorded column is shown: the date and load differ between tables
_NAMES = {"n": "n", "m": "m", "k": "k", "d": "d", "r": "R", "fnn": "FNN", "ckdtree": "cKDTree", "kld": "KLD",
          "mc": "MC", "rss": "RSS", "sklearn": "scikit-learn", "pykdtree": "pykdtree", "maxdiff": "max |diff|",
          "gencopy": "GenCopy", "1thread": "1 thread", "2workers": "2 workers", "d10": "D_10"}


_LABELS = {"within_4_gib": "within 4 GiB", "n_to_1.5": "N^1.5", "n_generated": "N_G", "n_train": "N",
           "tables_bitwise_equal": "tables bitwise equal", "load_before": "load before",
           "load_1min": "load (1 min)"}


def column_label(name: str) -> str:
    """``ampcore_over_sort_logs`` → "ampcore / sort logs"; ``peak_rss_gib`` → "peak RSS (GiB)"."""
    if name in _LABELS:
        return _LABELS[name]
    unit = ""
    for suffix, shown in sorted(_UNITS.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix) and name != suffix.lstrip("_"):
            name, unit = name[: -len(suffix)], shown
            break
    words = [" / " if w == "over" else _NAMES.get(w, w) for w in name.split("_")]
    return (" ".join(words).replace("  ", " ").replace(" / ", " / ").strip() + unit).replace("  ", " ")


def cell_text(text: str) -> str:
    """A CSV value as a reader wants it: 3 significant digits, integers with separators, yes/no, —."""
    text = text.strip()
    if text == "" or text.lower() == "nan":
        return "—"
    if text in ("True", "False"):
        return "yes" if text == "True" else "no"
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and "e" not in text.lower() and abs(value) < 1e15:
        return f"{int(value):,}"
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.2e}"
    return f"{value:.3g}"


class BenchmarkTable(SphinxDirective):
    """``{benchmark-table} CAPTION`` with ``:file: PATH``: a recorded benchmark CSV as a readable table.

    Human column names (units in brackets, ``_over_`` as "/"), numbers to 3 significant digits,
    counts as integers with separators, yes/no, "—" for a missing value.
    """

    has_content = False
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = {"file": lambda text: text.strip()}

    def run(self) -> list[nodes.Node]:
        import csv

        path = (Path(self.env.doc2path(self.env.docname)).parent / self.options["file"]).resolve()
        if not path.is_file():
            raise self.error(f"{path} does not exist")
        self.env.note_dependency(str(path))
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        keep = [i for i, name in enumerate(header) if name not in _DROPPED]
        table = nodes.table(classes=["benchmark-table"])
        if self.arguments:
            title_nodes, _ = self.state.inline_text(self.arguments[0], self.lineno)
            title = nodes.title(self.arguments[0], "", *title_nodes)
            table += title
            self.add_name(table)
        group = nodes.tgroup(cols=len(keep))
        table += group
        for _ in keep:
            group += nodes.colspec(colwidth=1)
        head = nodes.thead()
        head += _row([column_label(header[i]) for i in keep])
        group += head
        tbody = nodes.tbody()
        for row in body:
            tbody += _row([cell_text(row[i]) if i < len(row) else "—" for i in keep])
        group += tbody
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("benchmark-table", BenchmarkTable)
    app.setup_extension("sphinx_exercise")
    app.add_node(hidden_solution)
    app.add_directive("solution-start", _hiding_solution_start(), override=True)
    app.connect("doctree-read", _drop_gated_solutions, priority=400)
    app.add_config_value("ampbook_edition", "book", "env")
    app.connect("config-inited", _edition_tags)
    app.connect("doctree-read", _drop_answer_keys)
    app.add_config_value("ampbook_chapter_number", 0, "env")
    app.add_config_value("ampbook_pages", {}, "env")
    app.connect("builder-inited", _html_visitors_for_singlehtml)
    app.connect("env-get-updated", _renumber, priority=900)
    app.connect("missing-reference", _link_book_pages)
    # MathJax on every page, not only on pages with math of their own: the navigation shows the
    # chapter titles, and a title with math (chapter 2) would otherwise read as raw TeX there.
    app.set_html_assets_policy("always")
    app.connect("doctree-read", _insert_notes)
    app.add_directive("chapter-parameters", ChapterParameters)
    app.add_directive("colab-install", ColabInstall)
    app.add_directive("cite-this-book", CiteThisBook)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
