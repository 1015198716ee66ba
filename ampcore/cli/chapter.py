"""``ampcore chapter list`` and ``ampcore chapter run NAME -p NAME VALUE ...``: the book's chapters.

Chapter parameters are parsed by their declared type and checked against the chapter's own rules
(:func:`ampcore.book.parameters.chapter_spec`) before anything runs; chapters are executed with
:func:`ampcore.book.runner.execute_chapter` (papermill), never over the source notebook, their
findings checked by their claim tests (:mod:`ampcore.book.claims`) and the page rendered with the
book's Sphinx configuration (:func:`ampcore.book.render.render_chapter`). Outputs under the book's
``notebooks/`` folder are refused (nbval would collect them as chapters).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .base import PROG, Failure, Parser, UsageError, check, formatter, one_line
from .files import atomic, same_file

__all__ = ["add_parser", "cmd_chapter_list", "cmd_chapter_run"]

NOTEBOOKS_HELP = "chapter folder (default $AMPBOOK_NOTEBOOKS, else notebooks/ of the repository around the current folder)"


def add_parser(sub: Any) -> None:
    """Add the ``chapter`` sub-command and its actions ``list`` and ``run`` to the sub-parsers `sub`."""
    chapter = sub.add_parser(
        "chapter",
        help="list the book's chapters or re-run one at other parameters",
        formatter_class=formatter,
        description="List the book's chapter notebooks and their parameters, or re-run one with papermill.",
        epilog="examples:\n  ampcore chapter list\n  ampcore chapter run normal -p N 5000 -p seed 20",
    )
    csub = chapter.add_subparsers(dest="chapter_command", metavar="ACTION", parser_class=Parser)
    csub.required = True
    p = csub.add_parser(
        "list",
        help="chapters with their parameters, types, defaults and help",
        formatter_class=formatter,
        description="Every chapter notebook with its parameters, defaults and rules (read from its `parameters` cell).",
        epilog="example:\n  ampcore chapter list",
    )
    p.add_argument("--notebooks", metavar="DIR", help=NOTEBOOKS_HELP)
    p.set_defaults(func=cmd_chapter_list)
    _add_run_parser(csub)


def _add_run_parser(csub: Any) -> None:
    p = csub.add_parser(
        "run",
        help="execute a chapter with papermill and render it to HTML",
        formatter_class=formatter,
        description=(
            "Execute a chapter notebook with papermill at new parameters (the expected run time is\n"
            "printed first), check which of the chapter's findings still hold (its claim tests, run on\n"
            "this run's numbers: ✓/✗ on the terminal and at the top of the page), render it to\n"
            "standalone HTML with the book's Sphinx configuration (nbconvert outside the repository),\n"
            "and print both paths. The source notebook is never written, nor any file in the output\n"
            "folder that the command did not create, unless --force.\n"
            "Values are read by the parameter's declared type: 5000, 2.5, 1e-3, '[1, 10, 100]'.\n"
            "Unknown names and bad values are refused before anything runs (papermill would only warn)."
        ),
        epilog=(
            "examples:\n"
            "  ampcore chapter run normal -p N 5000\n"
            "  ampcore chapter run 04 -p replicates 10 -p gains '[1, 10, 100]' -o /tmp/normal-run\n"
            "  ampcore chapter list      # the chapters and their parameters"
        ),
    )
    p.add_argument("name", metavar="NAME", help="chapter topic (normal), number (04) or stem (04_normal)")
    p.add_argument(
        "-p", "--parameter", dest="param", nargs=2, action="append", metavar=("NAME", "VALUE"),
        help="set a parameter (repeatable)",
    )
    p.add_argument(
        "-o", "--output", metavar="DIR",
        help="output folder, or a .ipynb path (default runs/<chapter>-<timestamp>/)",
    )
    p.add_argument("--notebooks", metavar="DIR", help=NOTEBOOKS_HELP)
    p.add_argument("--timeout", type=int, default=600, metavar="S", help="per-cell timeout in seconds (default 600)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="replace the output notebook and html if they exist")
    p.set_defaults(func=cmd_chapter_run)


def _chapters_from(args: argparse.Namespace) -> list[Any]:
    """The chapters in ``args.notebooks`` (or the book's folder found around the current one)."""
    from ..book.runner import BookNotFound, find_chapters, notebooks_dir

    try:
        folder = notebooks_dir(args.notebooks)
    except BookNotFound as exc:
        raise Failure(str(exc)) from exc
    chapters = find_chapters(folder)
    if not chapters:
        raise Failure(f"no chapter notebooks (NN_topic.ipynb) in {str(folder)!r}")
    return chapters


def cmd_chapter_list(args: argparse.Namespace) -> int:
    """Print every chapter with its parameters, defaults and rules; exit code 0."""
    chapters = _chapters_from(args)
    for chapter in chapters:
        print(f"{chapter.topic}  ({chapter.path.name})  {chapter.title}")
        params = _spec(chapter).parameters
        if not params:
            print("    (no parameters cell)")
        width = max((len(name) for name in params), default=0)
        for name, p in params.items():
            rule = "; ".join([p.describe(), *p.relations])
            print(f"    -p {name:<{width}}  default {p.default!r}  {p.help}  ({rule})")
    print(f"\nre-run one: {PROG} chapter run TOPIC -p NAME VALUE ... (see '{PROG} chapter run --help')")
    return 0


def _spec(chapter: Any) -> Any:
    try:
        return chapter.spec()
    except (ValueError, SyntaxError) as exc:
        raise Failure(f"chapter {chapter.topic}: its parameters cell cannot be read ({exc})") from exc


def _run_dir(option: str | None, chapter: Any, *, force: bool = False) -> tuple[Path, Path, bool]:
    """(output notebook, output html, whether the folder was made here)."""
    source = chapter.path.resolve()
    chapters = source.parent
    if option is None:
        import datetime as _dt

        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path("runs") / f"{chapter.stem}-{stamp}"
        suffix = 1
        while folder.exists():
            suffix += 1
            folder = Path("runs") / f"{chapter.stem}-{stamp}-{suffix}"
        notebook = folder / chapter.path.name
    else:
        path = Path(option)
        if path.suffix.lower() == ".ipynb":
            folder, notebook = path.parent, path
        elif path.exists() and not path.is_dir():
            raise Failure(f"-o {option!r} is a file, not a folder (give a folder or a .ipynb name)")
        else:
            folder, notebook = path, path / chapter.path.name
        if not folder.resolve().parent.is_dir():
            raise Failure(f"output folder {str(folder.parent)!r} does not exist")
    html = notebook.with_suffix(".html")
    for target in (notebook, html):
        resolved = target.resolve()
        if resolved == source or same_file(target, source) or resolved.is_relative_to(chapters):
            raise Failure(
                f"refusing to write {str(target)!r}: it is the source notebook {str(chapter.path)!r} or "
                f"inside its folder {str(chapter.path.parent)!r} (where nbval would collect it as a "
                "chapter); choose another -o"
            )
        if resolved.is_dir():
            raise Failure(f"output {str(target)!r} is a folder")
        if (target.exists() or target.is_symlink()) and not force:
            raise UsageError(f"output {str(target)!r} exists; pass --force to replace it")
    # the page's assets go to _static/ beside it: never into a folder of the user's without --force
    static = html.parent / "_static"
    if (static.exists() or static.is_symlink()) and not force:
        raise UsageError(
            f"output folder {str(html.parent)!r} already has a _static/ folder, which the page's assets would "
            "be written into; choose another -o, or pass --force to replace the files that differ"
        )
    made = not folder.exists()
    if option is None:
        folder.parent.mkdir(exist_ok=True)
    return notebook, html, made


def _check_chapter_parameters(chapter: Any, pairs: Sequence[Sequence[str]]) -> dict[str, Any]:
    from ..book.runner import suggest

    spec = _spec(chapter)
    values: dict[str, Any] = {}
    try:
        for name, text in pairs:
            if name not in spec:
                takes = ", ".join(spec) or "no parameters"
                raise UsageError(
                    f"unknown parameter {name!r} for chapter {chapter.topic}{suggest(name, list(spec))}; it takes: {takes}"
                )
            values[name] = spec.parameters[name].parse_text(text)
        checked = spec.check(values)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"chapter {chapter.topic}: {str(exc).rstrip('.')}") from exc
    return {name: checked[name] for name in values}


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """papermill logs every warning; we report errors ourselves.

    asyncio's "Task exception was never retrieved" is silenced for the rest of the command: after
    Ctrl-C or SIGTERM the cell's task fails with the interrupt we asked for, and the one line
    the command prints says so. The kernel's ZMQ sockets, closed under a cell that was stopped
    (a timeout, Ctrl-C, SIGTERM), make tornado and jupyter_client log a ZMQError traceback: those
    loggers are silenced too, since the command says in one line what happened.
    """
    import logging

    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    for name in ("asyncio", "tornado", "tornado.general", "tornado.application", "traitlets", "jupyter_client",
                 "nbclient", "NotebookClient"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _stamp_run(notebook: Path, chapter: Any, params: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Write what the run was (parameters against the defaults, date, ampcore, time) into its metadata."""
    import datetime as _dt
    import json

    from .. import __version__

    defaults = _spec(chapter).defaults()
    run = {
        "chapter": chapter.stem,
        "parameters": {k: params.get(k, v) for k, v in defaults.items()},
        "changed": sorted(params),
        "defaults": defaults,
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "ampcore": __version__,
        "seconds": round(seconds, 1),
    }
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {})["ampbook_run"] = run
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return run


def _banner(chapter: Any, run: dict[str, Any], claims: Any, claims_note: str) -> str:
    """MyST Markdown above a re-run page: what changed, when, with what, and which findings hold."""
    from ..book.claims import claims_markdown

    def cell(value: Any) -> str:
        return "`" + repr(value).replace("|", "\\|").replace("`", "'") + "`"

    rows = ["| parameter | this run | the book |", "|:--|:--|:--|"]
    for name, default in run["defaults"].items():
        value = run["parameters"][name]
        mark = " **(changed)**" if name in run["changed"] and value != default else ""
        rows.append(f"| `{name}` | {cell(value)}{mark} | {cell(default)} |")
    changed = [n for n in run["changed"] if run["parameters"][n] != run["defaults"][n]]
    summary = (", ".join(f"{n} = {run['parameters'][n]!r} (book: {run['defaults'][n]!r})" for n in changed)
               or "none: this run is at the book's defaults")
    parts = [
        ":::{admonition} What this run changed",
        ":class: note rerun-banner",
        f"A re-run of chapter {int(chapter.number)} of the book, made on {run['date']} with ampcore "
        f"{run['ampcore']} in {run['seconds']:.0f} s. Changed parameters: {summary}.",
        "",
        *rows,
        ":::",
        "",
        ":::{admonition} Which findings still hold at these parameters",
        ":class: tip rerun-claims",
    ]
    if claims:
        parts += [
            "Each finding of the chapter's *What we found* is checked by a test; here those tests ran on this "
            "run's numbers. ✓ holds, ✗ does not hold, – could not be checked at these parameters (the test "
            "reads a value this run did not compute). The last column shows the values each test compared.",
            "",
            claims_markdown(claims),
        ]
    else:
        parts.append(claims_note)
    parts.append(":::")
    return "\n".join(parts)

def cmd_chapter_run(args: argparse.Namespace) -> int:
    """Run the chapter ``args.name`` at ``args.param``, check its findings, render its page; exit code 0."""
    from .._validation import check_int

    check(check_int, args.timeout, "timeout", minimum=1)
    chapter, params = _chapter_and_parameters(args)
    notebook, html, made = _run_dir(args.output, chapter, force=args.force)
    book = chapter.path.resolve().parent.parent
    folder = notebook.parent
    folder.mkdir(exist_ok=True)
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "defaults"
    estimate = _announce(chapter, params, shown)
    ok = False
    kept = False
    try:
        run = _execute(chapter, notebook, params, args, estimate)
        kept = True
        print(f"ran in {run['seconds']:.0f} s", file=sys.stderr, flush=True)
        print(f"notebook: {notebook}", flush=True)
        claims, note = _chapter_claims(notebook, chapter, book)
        title = f"{chapter.title} (re-run: {shown})"
        _render_page(notebook, html, chapter, args, title=title, book=book,
                     banner=_banner(chapter, run, claims, note), overwrite_static=args.force or made)
        ok = True
    finally:
        if not ok and made and not kept:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty
    print(f"html:     {html}")
    return 0


def _chapter_and_parameters(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The chapter ``args.name`` names and its checked parameters (usage errors before anything runs)."""
    from ..book.runner import resolve_chapter

    chapters = _chapters_from(args)
    try:
        chapter = resolve_chapter(args.name, chapters)
    except LookupError as exc:
        raise UsageError(str(exc.args[0])) from exc
    return chapter, _check_chapter_parameters(chapter, args.param or [])


def _announce(chapter: Any, params: dict[str, Any], shown: str) -> Any:
    """Say on stderr what runs and how long it is expected to take; return the estimate (or None)."""
    from ..book.runner import expected_time

    estimate = expected_time(chapter, params)
    print(f"running {chapter.path} ({shown}) ...", file=sys.stderr, flush=True)
    if estimate is not None:
        print(f"expected run time: {estimate.describe()}; Ctrl-C stops it and removes partial outputs",
              file=sys.stderr, flush=True)
    return estimate


def _execute(chapter: Any, notebook: Path, params: dict[str, Any], args: argparse.Namespace,
             estimate: Any) -> dict[str, Any]:
    """Execute the chapter into `notebook` (atomically) and stamp the run into its metadata."""
    import time

    from ..book.runner import execute_chapter

    with atomic(notebook, inputs=[str(chapter.path)], force=args.force) as tmp_nb:
        start = time.perf_counter()
        try:
            with _quiet_papermill():
                execute_chapter(chapter.path, tmp_nb, params, progress=not args.no_progress, timeout=args.timeout)
        except TimeoutError as exc:  # nbclient's CellTimeoutError
            raise Failure(
                f"chapter {chapter.topic}: a cell ran longer than the per-cell limit of {args.timeout} s and was "
                f"stopped; raise the limit with --timeout SECONDS"
                + (f" (the whole chapter is expected to take {estimate.describe()})" if estimate else "")
            ) from exc
        except Exception as exc:  # papermill's PapermillExecutionError and kernel errors
            raise Failure(f"chapter {chapter.topic} failed: {one_line(exc)}") from exc
        return _stamp_run(tmp_nb, chapter, params, time.perf_counter() - start)


def _render_page(notebook: Path, html: Path, chapter: Any, args: argparse.Namespace, *, title: str, book: Path,
                 banner: str, overwrite_static: bool) -> None:
    """Render the executed notebook to `html` (atomically); a failure keeps the notebook and says where."""
    try:
        with atomic(html, inputs=[str(chapter.path)], force=args.force) as tmp_html:
            _render_html(notebook, tmp_html, title=title, book=book, banner=banner, overwrite_static=overwrite_static)
    except FileExistsError as exc:
        raise Failure(f"the page was not written: {exc}; the executed notebook is kept at {notebook}") from exc
    except Exception as exc:
        raise Failure(_render_failure(exc, notebook)) from exc


def _chapter_claims(notebook: Path, chapter: Any, book: Path) -> tuple[Any, str]:
    """Run the chapter's claim tests on the run's records; print and return their verdicts."""
    import subprocess

    from ..book.claims import check_claims, claim_tests, claims_text

    tests = claim_tests(book, chapter.stem)
    if tests is None:
        note = f"The chapter has no claim tests here (tests/test_chapter_{chapter.stem}.py), so its findings were not checked."
        print(note, flush=True)
        return (), note
    print(f"checking the chapter's findings on this run ({tests.name}) ...", file=sys.stderr, flush=True)
    try:
        claims = check_claims(notebook, tests)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        note = f"The chapter's findings could not be checked: {one_line(exc)}."
        print(note, flush=True)
        return (), note
    held = sum(c.outcome == "holds" for c in claims)
    print(f"findings at these parameters: {held} of {len(claims)} hold", flush=True)
    print(claims_text(claims), flush=True)
    return claims, ""


def _render_failure(exc: BaseException, notebook: Path) -> str:
    """One line: the build's first error, where the executed notebook is, where the log is."""
    first = getattr(exc, "first_line", None) or one_line(exc)
    log_text = getattr(exc, "log", None)
    where = ""
    if log_text:
        log = notebook.with_suffix(".render.log")
        with contextlib.suppress(OSError):
            log.write_text(_strip_ansi(log_text), encoding="utf-8")
            where = f"; build log: {log}"
    return f"rendering the page failed: {first}; the executed notebook is kept at {notebook}{where}"


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _render_html(notebook: Path, target: Path, *, title: str, book: Path, banner: str | None = None,
                 overwrite_static: bool = False) -> None:
    """Standalone HTML rendered with the book's own Sphinx configuration (glue, citations,
    glossary terms, chapter numbers as in the book; :func:`ampcore.book.render.render_chapter`), or
    with nbconvert and the book's offline MathJax when the book's configuration is not found."""
    from ..book.render import render_chapter

    render_chapter(notebook, target, book=book, title=title, banner=banner, overwrite_static=overwrite_static)
