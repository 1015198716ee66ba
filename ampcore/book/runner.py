"""Finding, describing and re-running the book's chapters.

A chapter is a notebook ``NN_topic.ipynb`` in the book's ``notebooks/`` folder. Use
:func:`find_book` to locate the book from the folder you work in (the repository that holds
``_toc.yml`` and ``notebooks/``), :func:`find_chapters` and :func:`resolve_chapter` to list and
name them, :func:`execute_chapter` to run one with papermill at new parameters (checked first by
the chapter's own rules, :func:`ampcore.book.parameters.chapter_spec`), :func:`render_html` for
a standalone page of the executed notebook, and :func:`rerun_commands` for the commands the book
prints on every chapter page. An installed ampcore never assumes where the repository is: it looks
from the current folder upwards, or is told (``notebooks=``, ``$AMPBOOK_NOTEBOOKS``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import tempfile
import ast
import csv
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .parameters import ChapterSpec, chapter_spec
from .records import read_records

__all__ = [
    "NOTEBOOKS_ENV",
    "Chapter",
    "BookNotFound",
    "find_book",
    "notebooks_dir",
    "find_chapters",
    "resolve_chapter",
    "execute_chapter",
    "render_html",
    "rerun_commands",
    "chapter_fingerprint",
    "executed_records",
    "EXECUTED_ENV",
    "RUN_NOTEBOOK_ENV",
    "CHAPTER_WORK",
    "Estimate",
    "expected_time",
    "suggest",
]

EXECUTED_ENV = "AMPBOOK_EXECUTED"
RUN_NOTEBOOK_ENV = "AMPBOOK_RUN_NOTEBOOK"
"""An executed notebook (a re-run) whose records :func:`executed_records` returns for its chapter."""

NOTEBOOKS_ENV = "AMPBOOK_NOTEBOOKS"
_CHAPTER_RE = re.compile(r"^(\d{2})_([A-Za-z0-9_]+)\.ipynb$")


class BookNotFound(FileNotFoundError):
    """No book (a folder with ``_toc.yml`` and ``notebooks/``) where one was looked for."""


@dataclass(frozen=True)
class Chapter:
    """A chapter notebook ``notebooks/NN_topic.ipynb``."""

    path: Path
    number: str
    topic: str

    @property
    def stem(self) -> str:
        """``NN_topic``."""
        return self.path.stem

    @property
    def title(self) -> str:
        """The notebook's first ``#`` heading (or its file name)."""
        try:
            cells = json.loads(self.path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            return self.stem
        for cell in cells:
            if cell.get("cell_type") == "markdown":
                text = "".join(cell.get("source", []))
                match = re.search(r"^#\s+(.+?)\s*$", text, flags=re.MULTILINE)
                if match:
                    return match.group(1)
        return self.stem

    def spec(self) -> ChapterSpec:
        """The chapter's parameters and their rules (read from its ``parameters`` cell)."""
        return chapter_spec(self.path)


def find_book(start: str | os.PathLike[str] | None = None) -> Path:
    """The root of the book that holds `start` (default: the current folder).

    The root is the nearest folder, `start` or one of its parents, with both ``_toc.yml`` and a
    ``notebooks/`` folder.

    Raises
    ------
    BookNotFound
        If there is none.
    """
    here = Path.cwd() if start is None else Path(start)
    here = here.resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise BookNotFound(
        f"no ampbook repository (a folder with _toc.yml and notebooks/) at or above {str(here)!r}"
    )


def notebooks_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The chapter folder: `option`, else ``$AMPBOOK_NOTEBOOKS``, else the book around the cwd.

    Raises
    ------
    BookNotFound
        Saying where it looked and how to point at the folder.
    """
    if option is not None:
        folder, source = Path(option), "--notebooks"
    elif os.environ.get(NOTEBOOKS_ENV):
        folder, source = Path(os.environ[NOTEBOOKS_ENV]), f"${NOTEBOOKS_ENV}"
    else:
        try:
            return find_book() / "notebooks"
        except BookNotFound as exc:
            raise BookNotFound(
                f"{exc}; run from inside the ampbook repository, pass --notebooks DIR or set "
                f"{NOTEBOOKS_ENV} to the book's notebooks/ folder"
            ) from None
    if not folder.is_dir():
        raise BookNotFound(
            f"no chapter folder at {str(folder)!r} ({source}); pass --notebooks DIR or set "
            f"{NOTEBOOKS_ENV} to the book's notebooks/ folder"
        )
    return folder


def find_chapters(folder: str | os.PathLike[str]) -> list[Chapter]:
    """Every ``NN_topic.ipynb`` in `folder`, in chapter order."""
    chapters = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        match = _CHAPTER_RE.match(path.name)
        if match:
            chapters.append(Chapter(path=path, number=match.group(1), topic=match.group(2)))
    return chapters


def resolve_chapter(name: str, chapters: Sequence[Chapter]) -> Chapter:
    """The chapter called `name`: its topic (``normal``), number (``04``) or stem (``04_normal``).

    Raises
    ------
    LookupError
        Listing the chapters there are.
    """
    key = Path(name).name
    key = key[: -len(".ipynb")] if key.endswith(".ipynb") else key
    for chapter in chapters:
        if key in (chapter.topic, chapter.stem, chapter.number) or (
            key.isdigit() and int(key) == int(chapter.number)
        ):
            return chapter
    known = ", ".join(chapter.topic for chapter in chapters) or "(none: the folder has no NN_topic.ipynb)"
    hint = suggest(key, [c.topic for c in chapters] + [c.stem for c in chapters])
    raise LookupError(f"unknown chapter {name!r}{hint}; choose one of: {known}")


def suggest(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'seed'?)"`` for the closest of `choices` to `word`, or ``""``.

    Examples
    --------
    >>> suggest("seeds", ["N", "seed", "gains"])
    " (did you mean 'seed'?)"
    >>> suggest("zzz", ["N", "seed"])
    ''
    """
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


# How each chapter's work grows with its parameters: an expression whose ratio to its value at the
# defaults scales the chapter's recorded time (benchmarks/results/chapter_times.csv) to an
# estimate. Read from each chapter's code: the dominant loops are over replicates, the
# generated events (N times the gains) and the reference sample (kNN divergences are about linear
# in the events); a GAN costs its training steps. A rough guide, not a measurement.
CHAPTER_WORK: dict[str, str] = {
    "01_question": "1",
    "02_entropy_bound": "replicates * (sum(n_values) * len(m_values) + N * sum(gains)) + reference_size",
    "03_fidelity": "replicates * sum(n_values) + N * G + reference_size",
    "04_normal": ("replicates * len(m_values) * N * sum(gains) + reference_size"
                  " + envelope_replicates * sum(envelope_n) * 40 + mixture_replicates * mixture_max_n * 400"),
    "05_lognormal": "replicates * len(m_values) * N * sum(gains) + reference_size",
    "06_reamplification": ("replicates * N * sum(gains) * G + reference_size"
                           " + cover_replicates * N_cover * stage_gain ** stages + chain_replicates * generations * n_small"),
    "07_resolution_significance": "(replicates + spread_replicates) * N * sum(gains)",
    "08_generative": ("neural_replicates * len(n_values) * (gan_steps * 300 + 2_000_000 + generated_size * 10)"
                      " + replicates * sum(n_values) * 2000 + ensemble_replicates * ensemble_members * ensemble_n * 400"),
    "09_neighbours": ("replicates * rounds * len(dims) * len(scales) * N"
                      " + notion_replicates * notion_rounds * len(gains) * N + chains * generations * n_chain"),
    "10_dimensions": ("replicates * N * sum(gains) * len(dims) + reference_size * len(dims)"
                      " + cloud_replicates * cloud_gain * N * sum(cloud_dimensions) * 4"
                      " + min(gan_steps, 1) * len(cloud_dimensions) * 16_000_000 + gan_steps * len(cloud_dimensions) * 1000"),
}
# what every run costs whatever its parameters: the kernel, the imports, the figures (seconds)
_FIXED_SECONDS = 5.0


@dataclass(frozen=True)
class Estimate:
    """The expected run time of a chapter at some parameters.

    Attributes
    ----------
    seconds : float
        Expected time on an idle machine like the one of the recorded timing (2 cores).
    recorded : float
        The chapter's recorded time at its defaults (CPU seconds of the kernel and its workers).
    ratio : float
        Work at these parameters over work at the defaults (:data:`CHAPTER_WORK`).
    """

    seconds: float
    recorded: float
    ratio: float

    def describe(self) -> str:
        """``about 2 min 10 s on 2 idle cores (18 s at the defaults, x 7.3 the work)``."""
        return (f"about {_duration(self.seconds)} on 2 idle cores ({_duration(self.recorded)} at the defaults, "
                f"x {self.ratio:.3g} the work)")


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds / 3600:.1f} h"


_WORK_CALLS: dict[str, Any] = {"len": len, "sum": sum, "max": max, "min": min}
_WORK_OPS: dict[type, Any] = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
                              ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


def _work(node: ast.AST, names: Mapping[str, Any]) -> Any:
    """Evaluate a :data:`CHAPTER_WORK` expression: numbers, names, + - * / **, len/sum/max/min."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _WORK_OPS:
        return _WORK_OPS[type(node.op)](_work(node.left, names), _work(node.right, names))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _WORK_CALLS:
        return _WORK_CALLS[node.func.id](*(_work(a, names) for a in node.args))
    raise ValueError(f"not a work expression: {ast.dump(node)}")


def expected_time(chapter: Chapter, parameters: Mapping[str, Any], timings: str | Path | None = None) -> Estimate | None:
    """The expected run time of `chapter` at `parameters` (the others at their defaults), or None.

    Scales the chapter's recorded time at its defaults (`timings`, default
    ``benchmarks/results/chapter_times.csv`` of the book) by the ratio of its work expression
    (:data:`CHAPTER_WORK`) at `parameters` to its value at the defaults; a fixed
    start-up part (kernel, imports) does not scale. None if there is no record or expression.
    """
    work = CHAPTER_WORK.get(chapter.stem)
    path = Path(timings) if timings is not None else chapter.path.resolve().parent.parent / "benchmarks" / "results" / "chapter_times.csv"
    if work is None or not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        row = next((r for r in csv.DictReader(handle) if r.get("chapter") == chapter.stem), None)
    if row is None:
        return None
    # the CPU time of the kernel and its workers: the wall time of a shared machine overstates it
    recorded = float(row.get("cpu_s") or 0) or float(row["wall_s"])
    defaults = chapter.spec().defaults()
    try:
        base = float(_work(ast.parse(work, mode="eval").body, defaults))
        now = float(_work(ast.parse(work, mode="eval").body, {**defaults, **dict(parameters)}))
    except (ValueError, TypeError, KeyError, ZeroDivisionError, SyntaxError):
        return None
    ratio = now / base if base > 0 else 1.0
    fixed = min(_FIXED_SECONDS, recorded)
    return Estimate(seconds=fixed + (recorded - fixed) * ratio, recorded=recorded, ratio=ratio)


def execute_chapter(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    progress: bool = False,
    timeout: int | None = 600,
) -> dict[str, Any]:
    """Execute a chapter with papermill at new parameters and return its recorded results.

    Parameters
    ----------
    notebook : path
        The source chapter (never written to).
    output : path
        Where the executed notebook goes; must not be the source nor anywhere under the chapter
        folder (nbval would collect it), and its folder must exist.
    parameters : mapping, optional
        New values; every name must be one of the chapter's parameters and pass its rule
        (checked before the kernel starts).
    progress : bool
        Show papermill's progress bar.
    timeout : int or None
        Per-cell execution timeout in seconds.

    Returns
    -------
    dict
        The chapter's ``record`` payloads (see :func:`ampcore.book.records.read_records`).

    Notes
    -----
    The kernel runs over IPC, not TCP (:mod:`ampcore.book.kernels`), and when it stops —
    finished, failed, or interrupted by Ctrl-C or SIGTERM in the caller — every process it
    started is ended.
    """
    import papermill

    from .kernels import IPCAsyncKernelManager

    source = Path(notebook).resolve()
    target = Path(output).resolve()
    if target == source:
        raise ValueError(f"`output` must not be the source notebook {str(source)!r}; choose another path.")
    if target.is_relative_to(source.parent):
        raise ValueError(
            f"`output` must not be under the chapter folder {str(source.parent)!r} (nbval would collect "
            f"it as a chapter); got {str(target)!r}."
        )
    if not target.parent.is_dir():
        raise FileNotFoundError(f"The output folder {str(target.parent)!r} does not exist.")
    params = dict(parameters or {})
    chapter_spec(source).check(params)
    launched: list[Any] = []
    logs = Path(tempfile.mkdtemp(prefix="ampcore-kernel-log-"))

    class ChapterKernelManager(IPCAsyncKernelManager):
        """The kernel's own stderr goes to a file, not the terminal, and the kernel is remembered.

        The kernel runs in a session of its own: when a cell is stopped (a timeout, Ctrl-C,
        SIGTERM) it can outlive this process by a moment and print its shutdown (``Parent
        appears to have exited``, ZMQError tracebacks) on the terminal. Its outputs reach the
        notebook over ZMQ either way.
        """

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("stderr", open(logs / "kernel.stderr", "ab"))  # noqa: SIM115 (closed below)
            launched.append(kw["stderr"])
            await super()._async_launch_kernel(kernel_cmd, **kw)
            launched.append(self.provisioner)

    try:
        papermill.execute_notebook(
            str(source), str(target), parameters=params, kernel_name="python3", progress_bar=progress,
            cwd=str(source.parent), execution_timeout=timeout, kernel_manager_class=ChapterKernelManager,
        )
    finally:
        _end_kernels(launched)
        shutil.rmtree(logs, ignore_errors=True)
    return read_records(target)


def _end_kernels(launched: Sequence[Any]) -> None:
    """End every kernel of `launched` still running (its whole process group) and close its log."""
    import signal

    for item in launched:
        process = getattr(item, "process", None)
        if process is not None and process.poll() is None:
            pgid = getattr(item, "pgid", None)
            try:
                if pgid and hasattr(os, "killpg") and pgid != os.getpgid(0):
                    os.killpg(pgid, signal.SIGKILL)
                else:
                    process.kill()
                process.wait(timeout=10)
            except (ProcessLookupError, PermissionError, OSError):
                pass
            except Exception:  # noqa: BLE001 (a kernel that will not die must not hide the real error)
                pass
        if hasattr(item, "close"):
            item.close()


_MATHJAX_SENTINEL = "ampcore-local-mathjax.js"


def render_html(notebook: str | Path, target: str | Path, *, title: str, mathjax: str | Path | None = None) -> None:
    """Standalone HTML of an executed notebook: figures embedded, and MathJax too if given.

    Parameters
    ----------
    notebook, target : path
        The executed notebook and the page to write.
    title : str
        The page title.
    mathjax : path, optional
        A MathJax 3 ``tex-svg.js`` to embed (the book's offline copy, ``book/_static/mathjax``);
        without it the page loads MathJax from nbconvert's CDN default.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)  # type: ignore[no-untyped-call]
    nb.metadata["title"] = title
    local = Path(mathjax) if mathjax is not None else None
    # nbformat and nbconvert ship no type hints
    exporter = HTMLExporter(mathjax_url=_MATHJAX_SENTINEL) if local else HTMLExporter()  # type: ignore[no-untyped-call]
    body, _ = exporter.from_notebook_node(nb)
    if local is not None:  # replace the CDN script by an inline MathJax 3 that reads $...$ too: works offline
        config = (
            "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],"
            " processEscapes: true}, svg: {fontCache: 'global'}};</script>"
        )
        script = local.read_text(encoding="utf-8")
        body = re.sub(
            rf'<script[^>]*src="{re.escape(_MATHJAX_SENTINEL)}"[^>]*>\s*</script>',
            lambda _: f"{config}\n<script>{script}</script>",
            body,
            count=1,
        )
    Path(target).write_text(body, encoding="utf-8")


def _shell_value(value: Any) -> str:
    """A parameter's default as one shell word (lists as ``'[1, 10]'``)."""
    text = json.dumps(value) if isinstance(value, (list, tuple, bool)) else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return shlex.quote(text)


def rerun_commands(
    chapter: Chapter, *, notebooks_prefix: str = "notebooks", runs: str = "_build/runs"
) -> tuple[str, str]:
    """The ``ampcore chapter run`` and ``papermill`` commands that re-run `chapter` at its defaults.

    Scalars go to papermill with ``-p``; lists with ``-y`` (papermill's ``-p`` would pass them as
    strings).
    """
    spec = chapter.spec()
    cli = [f"ampcore chapter run {chapter.topic}"]
    pm = [
        f"papermill -k python3 --cwd {notebooks_prefix} {notebooks_prefix}/{chapter.path.name} "
        f"{runs}/{chapter.path.name}"
    ]
    for name, param in spec.parameters.items():
        cli.append(f"-p {name} {_shell_value(param.default)}")
        if isinstance(param.default, (list, tuple)):
            pm.append(f"-y {shlex.quote(f'{name}: {json.dumps(param.default)}')}")
        else:
            pm.append(f"-p {name} {_shell_value(param.default)}")
    return " \\\n    ".join(cli), " \\\n    ".join(pm)


def chapter_fingerprint(notebook: str | Path) -> str:
    """A hash of what a chapter's run depends on: its code cells and every ampcore source file.

    Two executions with the same fingerprint ran the same code on the same ampcore, so one can
    stand in for the other (the book's execution cache, the chapter claim tests). Outputs,
    markdown and metadata do not enter it.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            digest.update(("".join(source) if isinstance(source, list) else str(source)).encode("utf-8"))
            digest.update(b"\0")
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def executed_records(notebook: str | Path, folder: str | Path | None = None, *, timeout: int | None = 600) -> dict[str, Any]:
    """The records of a chapter executed at its defaults, reusing an execution that is up to date.

    Looks for ``<folder>/<name>.ipynb`` (default ``$AMPBOOK_EXECUTED`` or ``_build/executed``
    beside ``notebooks/``) stamped with the chapter's current :func:`chapter_fingerprint` (as
    ``make test`` leaves them after nbval); if there is none, or it is stale, executes the
    chapter at its defaults with papermill into that folder first.

    If ``$AMPBOOK_RUN_NOTEBOOK`` names an executed notebook of the same file name (a re-run at
    other parameters, :func:`ampcore.book.claims.check_claims`), its records are returned as
    they are.

    Returns
    -------
    dict
        The chapter's ``record`` payloads.
    """
    source = Path(notebook).resolve()
    run = os.environ.get(RUN_NOTEBOOK_ENV)
    if run and Path(run).name == source.name:
        return read_records(run)
    if folder is None:
        folder = os.environ.get(EXECUTED_ENV) or source.parent.parent / "_build" / "executed"
    target = Path(folder) / source.name
    fingerprint = chapter_fingerprint(source)
    if target.is_file():
        try:
            meta = json.loads(target.read_text(encoding="utf-8")).get("metadata", {}).get("ampbook", {})
        except ValueError:
            meta = {}
        if meta.get("fingerprint") == fingerprint:
            return read_records(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial.ipynb")
    try:
        execute_chapter(source, partial, timeout=timeout)
        nb = json.loads(partial.read_text(encoding="utf-8"))
        nb.setdefault("metadata", {})["ampbook"] = {"fingerprint": fingerprint, "executed_by": "papermill"}
        partial.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return read_records(target)
