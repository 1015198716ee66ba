"""The ``ampcore`` command: the bound, GenCopy, the kNN divergence and chapter re-runs from a shell.

Use it when you want a number without writing Python, or to re-run a chapter of the book at other
parameters::

    ampcore bound 2000
    ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy
    ampcore kld amplified.npy reference.npy -k 5
    ampcore audit train.npy amplified.npy --law norm -o report.html
    ampcore chapter list
    ampcore chapter run normal -p N 5000 -p seeds 20

``python -m ampcore`` is the same command. Exit codes: 0 success; 2 the command line is wrong
(unknown sub-command, option, chapter or parameter; a value of the wrong type or out of range;
an output that exists without ``--force``, or that is an input); 1 the command could not
complete (an input file missing, empty or not numeric, an output folder missing, a chapter that
failed, more memory than the machine has); 130 interrupted by Ctrl-C; 143 (129) ended by SIGTERM
(SIGHUP), after the same clean-up as Ctrl-C: partial outputs removed, the chapter's kernel and
every process it started ended. Errors are one line on stderr; ``--traceback`` shows the Python
traceback as well.

Nothing of the user's is destroyed (every output goes through :mod:`ampcore._output`): an
output that is one of the inputs (under any spelling of the path, through links too) is refused,
a symbolic link at an output path is refused (nothing is written through a link, even with
``--force``), an existing output is replaced only with ``--force`` (keeping its permissions), and
outputs are written to a hidden temporary file renamed into place at the end, so an interrupted
command leaves the old file, or nothing. Chapter outputs under the book's ``notebooks/`` folder are
refused (nbval would collect them as chapters). Every input file passes the same checks as the
API (:mod:`ampcore._validation`): complex, boolean, masked or non-finite data is refused, not
converted.

Every number comes from the tested functions of :mod:`ampcore` (the formulas and their provenance
are documented there); chapter parameters are parsed by their declared type and checked against
the chapter's own rules (:func:`ampcore.book.parameters.chapter_spec`) before anything runs, and
chapters are executed with :func:`ampcore.book.runner.execute_chapter` (papermill), never over the
source notebook. The chapters are found in the repository around the current folder (or
``--notebooks DIR``, or ``$AMPBOOK_NOTEBOOKS``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main", "build_parser", "PROG"]

PROG = "ampcore"


class UsageError(Exception):
    """The command line is wrong (exit code 2)."""


class Failure(Exception):
    """The command could not complete (exit code 1)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwound exactly like Ctrl-C (a KeyboardInterrupt), exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """While the command runs, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Python's default for them is to die at once, skipping every ``finally``: partial outputs
    stayed and a chapter's kernel was orphaned. Raised like Ctrl-C's KeyboardInterrupt, they run
    the same clean-up. A second signal during the clean-up is ignored (the first one is being
    honoured); SIGKILL still ends everything.
    """
    if not threading_main():  # signal handlers can only be set in the main thread
        yield
        return
    caught: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        if caught:
            return
        caught.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        wanted.append(signal.SIGINT)  # Ctrl-C as usual, but a second one during clean-up is ignored
    saved = {sig: signal.getsignal(sig) for sig in wanted}
    for sig in wanted:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


# --------------------------------------------------------------------------------------------------
# files


def _read_sample(path_text: str, *, name: str, one_d: bool) -> Any:
    """Load a sample from .npy, or .csv/.txt (one value a line; columns allowed unless `one_d`)."""
    import numpy as np

    path = Path(path_text)
    if not path.exists():
        raise Failure(f"{name} file {path_text!r} does not exist")
    if not path.is_file():
        raise Failure(f"{name} file {path_text!r} is not a file")
    if path.stat().st_size == 0:
        raise Failure(f"{name} file {path_text!r} is empty")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            _check_npy_memory(path, name)
            data = np.load(path, allow_pickle=False)
        elif suffix in (".csv", ".txt", ".dat", ""):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy warns (not raises) on a file with no data
                data = np.loadtxt(path, dtype=np.float64, delimiter="," if suffix == ".csv" else None, ndmin=1)
        else:
            raise Failure(f"{name} file {path_text!r}: unknown format {suffix!r}; use .npy, .csv or .txt")
    except Failure:
        raise
    except UserWarning as exc:
        raise Failure(f"{name} file {path_text!r} holds no numbers ({exc})") from exc
    except PermissionError as exc:
        raise Failure(f"{name} file {path_text!r} cannot be read (permission denied)") from exc
    except (ValueError, OSError, EOFError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Failure(f"{name} file {path_text!r} is not a numeric array ({detail})") from exc
    from ._validation import as_points, as_sample_1d

    # the API's own checks: complex, boolean, text or huge-integer data is refused, not converted
    try:
        if data.size == 0:
            raise ValueError(f"is empty (shape {data.shape})")
        if one_d:
            return as_sample_1d(data, name)
        points = as_points(data, name)
    except (TypeError, ValueError) as exc:
        raise Failure(f"{name} file {path_text!r}: {str(exc).rstrip('.')}") from exc
    return points[:, 0] if data.ndim == 1 else points


def _check_npy_memory(path: Path, name: str) -> None:
    """Refuse a .npy file whose array (and its float64 copy) would not fit, before reading it."""
    from numpy.lib import format as npy

    from ._validation import check_memory

    try:
        with open(path, "rb") as handle:
            version = npy.read_magic(handle)
            read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, _, dtype = read(handle)
    except (ValueError, OSError, EOFError):
        return  # np.load reports what is wrong with the file
    count = math.prod(shape)
    try:
        check_memory(count * (dtype.itemsize + 8), name=name, value=str(path), what=f"reading {count:,} values")
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc


_OUTPUT_SUFFIXES = (".npy", ".csv", ".txt")


def _same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file: any spelling, symbolic and hard links included."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def _output_errors() -> Iterator[None]:
    """The writer's refusals as the command's: a refused or existing output is a usage error
    (exit 2), a missing folder or one that cannot be written a failure (exit 1)."""
    from ._output import OutputExists, OutputFolderMissing, UnsafeOutput

    try:
        yield
    except (UnsafeOutput, OutputExists) as exc:
        raise UsageError(str(exc)) from exc
    except OutputFolderMissing as exc:
        raise Failure(str(exc)) from exc


def _check_output_path(
    path_text: str, *, inputs: Sequence[str] = (), force: bool = False, suffixes: Sequence[str] = _OUTPUT_SUFFIXES
) -> Path:
    """Check an output before any work (the writer checks it again when it writes)."""
    from ._output import check_output

    with _output_errors():
        return check_output(path_text, inputs=inputs, force=force, suffixes=suffixes)


@contextlib.contextmanager
def _atomic(target: Path, *, inputs: Sequence[str] = (), force: bool = False) -> Iterator[Path]:
    """:func:`ampcore._output.atomic_output` with the command's exit codes."""
    from ._output import atomic_output

    with _output_errors(), atomic_output(target, inputs=inputs, force=force) as tmp:
        yield tmp


def _write_sample(path: Path, sample: Any, *, inputs: Sequence[str] = (), force: bool = False) -> None:
    import numpy as np

    with _atomic(path, inputs=inputs, force=force) as tmp:
        with open(tmp, "wb") as handle:  # a file object: np.save would append .npy to a name
            if path.suffix.lower() == ".npy":
                np.save(handle, sample, allow_pickle=False)
            else:
                np.savetxt(handle, sample, fmt="%.17g")


# --------------------------------------------------------------------------------------------------
# sub-commands


def _check(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an ampcore validator; its ValueError/TypeError is a usage error, MemoryError a failure."""
    try:
        return func(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc).rstrip(".")) from exc
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc


def _fmt(value: float, digits: int = 1) -> str:
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:
        return f"{value:.4g}"
    return f"{value:,.{digits}f}"


def _table(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def cmd_bound(args: argparse.Namespace) -> int:
    from . import bound
    from ._validation import check_positive

    n = _check(check_positive, args.N, "N")
    if n < 1:
        raise UsageError(f"`N` must be >= 1; got {args.N!r}")
    m_train = _check(check_positive, args.m_train, "m-train")
    m_gen = _check(check_positive, args.m_gen, "m-gen")
    power = m_gen / m_train
    exponent = "3/2" if (m_train, m_gen) == (2.0, 3.0) else f"{power:g}"
    gain_label = "sqrt(N)" if (m_train, m_gen) == (2.0, 3.0) else f"N^{power - 1:g}"
    n_g = _check(bound.min_generated_events, n, m_train, m_gen)
    nats = bound.information_content(n, m_train)
    rows = [
        ("training events N", _fmt(n, 0) if float(n).is_integer() else _fmt(n, 3)),
        (f"fewest generated events N_G = N^({exponent})", _fmt(float(n_g), 1)),
        (f"smallest gain G = {gain_label}", _fmt(float(bound.min_gain(n, m_train, m_gen)), 2)),
        (f"information content ln N / {m_train:g}", f"{nats:.3f} nats = {nats / math.log(2):.3f} bits"),
    ]
    print(_table(rows))
    print(f"bound: {m_train:g} ln N_G >= {m_gen:g} ln N (Watts & Crow 2025 at M = 2, 3)")
    return 0


def cmd_amplify(args: argparse.Namespace) -> int:
    from . import bound
    from .generators import histogram
    from ._validation import check_int, check_positive

    gain = _check(check_int, args.gain, "gain", minimum=1)
    m = _check(check_positive, args.m, "m")
    if args.seed is not None:
        _check(check_int, args.seed, "seed", minimum=0)
    out = _check_output_path(args.output, inputs=[args.input], force=args.force)
    x = _read_sample(args.input, name="input", one_d=True)
    if x.size < 2:
        raise Failure(f"input file {args.input!r} must hold at least 2 values; got {x.size}")
    try:
        result = histogram.gencopy(x, gain, m=m, dither=args.dither, rng=args.seed)
    except (TypeError, ValueError, MemoryError) as exc:
        # the API's hint names its keyword; on the command line it is the option
        raise Failure(str(exc).rstrip(".").replace("`dither=True`", "--dither")) from exc
    _write_sample(out, result.sample, inputs=[args.input], force=args.force)
    n_g = result.n_generated
    holds = bool(bound.satisfies_bound(result.n_train, n_g))
    rows = [
        ("training events N", f"{result.n_train:,}"),
        ("gain G", f"{gain:,}"),
        ("generated events N_G = G N", f"{n_g:,}"),
        ("Goldilocks statistic M", f"{m:g}"),
        ("bin width Δ", f"{result.width:.6g}"),
        ("measured M_eff of the training sample at Δ", f"{result.m_eff:.3f}"),
        ("fewest generated events N^(3/2)", _fmt(float(bound.min_generated_events(result.n_train)), 1)),
        ("bound 2 ln N_G >= 3 ln N", "holds" if holds else "does NOT hold (N_G < N^(3/2))"),
    ]
    print(_table(rows))
    print(f"wrote {out}")
    return 0


def cmd_kld(args: argparse.Namespace) -> int:
    import numpy as np

    from . import divergence
    from ._validation import check_int

    k = _check(check_int, args.k, "k", minimum=1)
    x = _read_sample(args.x, name="X", one_d=False)
    y = _read_sample(args.y, name="Y", one_d=False)
    if x.ndim != y.ndim or (x.ndim == 2 and x.shape[1] != y.shape[1]):
        raise Failure(f"X and Y must have the same dimension; got shapes {x.shape} and {y.shape}")
    if k >= x.shape[0] or k > y.shape[0]:
        raise UsageError(
            f"`k` must be < the size of X ({x.shape[0]}) and <= the size of Y ({y.shape[0]}); got {k}"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", divergence.TieWarning)
        try:
            values = divergence.kl_divergence(x, y, k)
        except (TypeError, ValueError, MemoryError) as exc:
            raise Failure(str(exc).rstrip(".")) from exc
    unit = "nats"
    if args.bits:
        values = values / np.log(2)
        unit = "bits"
    print(f"k  D_k(X||Y) [{unit}]   (FNN::KL.divergence, n = {x.shape[0]:,}, m = {y.shape[0]:,})")
    for j, value in enumerate(values, start=1):
        print(f"{j:<2} {value: .6f}")
    ties = [w for w in caught if issubclass(w.category, divergence.TieWarning)]
    for w in ties:
        print(f"{PROG}: ties: {str(w.message).splitlines()[0]}", file=sys.stderr)
    for w in caught:
        if w not in ties:
            print(f"{PROG}: warning: {str(w.message).splitlines()[0]}", file=sys.stderr)
    if not ties:
        print("ties: none (no zero distances)")
    return 0


# laws `ampcore audit --law NAME` knows by name (any continuous law of scipy.stats is accepted too)
_AUDIT_LAWS = {
    "norm": "the Normal law (loc, scale)",
    "lognorm": "the LogNormal law (s, loc, scale)",
    "expon": "the exponential law (loc, scale)",
    "uniform": "the uniform law (loc, scale)",
    "camel": "the camel back of chapter 8 (separation, sd, weight, center)",
}


def _file_sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def cmd_audit(args: argparse.Namespace) -> int:
    from ._validation import check_int, check_positive

    if args.law is not None and args.reference is not None:
        raise UsageError("give at most one of --law and --reference")
    if args.law is not None:
        name = args.law.removeprefix("fit:").partition(":")[0].strip()
        import scipy.stats

        if name not in _AUDIT_LAWS and not isinstance(getattr(scipy.stats, name, None), scipy.stats.rv_continuous):
            raise UsageError(f"unknown law {name!r}; choose one of: {', '.join(_AUDIT_LAWS)} "
                             "(or a continuous law of scipy.stats), optionally NAME:KEY=VALUE,... or fit:NAME")
    m = _check(check_positive, args.m, "m")
    k = _check(check_int, args.k, "k", minimum=1)
    seed = _check(check_int, args.seed, "seed", minimum=0)
    n_q = None if args.n_q is None else _check(check_int, args.n_q, "n-q", minimum=2)
    ensemble: Any = None
    if args.members:
        if len(args.members) < 4:
            raise UsageError(f"--members needs at least 4 generated files; got {len(args.members)}")
        ensemble = args.members
    elif args.ensemble is not None:
        ensemble = _check(check_int, args.ensemble, "ensemble", minimum=4)
    inputs = [args.train, args.generated] + ([args.reference] if args.reference else []) + list(args.members or [])
    out: Path | None = None
    if args.output is not None:
        out = _check_output_path(args.output, inputs=inputs, force=args.force, suffixes=(".html", ".htm"))
    train = _read_sample(args.train, name="training", one_d=False)
    generated = _read_sample(args.generated, name="generated", one_d=False)
    if train.ndim != generated.ndim or (train.ndim == 2 and train.shape[1] != generated.shape[1]):
        raise Failure(f"training and generated samples must have the same dimension; got shapes {train.shape} and {generated.shape}")
    if generated.shape[0] < train.shape[0]:
        raise Failure(
            f"the generated sample ({generated.shape[0]:,} events) is smaller than the training sample "
            f"({train.shape[0]:,}); an amplified sample has N_G >= N (are the files swapped?)"
        )
    reference = None if args.reference is None else _read_sample(args.reference, name="reference", one_d=False)
    if args.law is not None and train.ndim != 1:
        raise Failure(f"--law describes 1-D data; the samples have shape {train.shape}; give --reference instead")
    if isinstance(ensemble, list):
        ensemble = [_read_sample(path, name="member", one_d=True) for path in ensemble]

    def say(message: str) -> None:
        if not args.quiet:
            print(f"{PROG} audit: {message} ...", file=sys.stderr, flush=True)

    import datetime
    import shlex

    from .auditing import InputFile, Provenance, audit, parse_law

    law = description = None
    if args.law is not None:
        try:
            law, description = parse_law(args.law, train)
        except ValueError as exc:
            raise UsageError(str(exc).rstrip(".")) from exc
    files = [("training", args.train, train), ("generated", args.generated, generated)]
    if reference is not None:
        files.append(("reference", args.reference, reference))
    provenance = Provenance(
        command=" ".join(shlex.quote(a) for a in [PROG, *args.argv]), seed=seed, version=_version(),
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        inputs=tuple(InputFile(f"{role} {path}", tuple(data.shape), _file_sha256(path)) for role, path, data in files),
    )
    try:
        result = audit(train, generated, law=law, law_description=description, reference=reference, m=m, k=k,
                       n_q=n_q, ensemble=ensemble, ensemble_generator=args.generator, dither=args.dither,
                       rng=seed, provenance=provenance, progress=say)
    except (TypeError, ValueError) as exc:
        raise Failure(str(exc).rstrip(".")) from exc
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc
    print(result.summary())
    if args.details:
        rows = result.rows()
        width = max(len(c) for c, _, _ in rows)
        print()
        for check, value, meaning in rows:
            print(f"{check:<{width}}  {value:>10}  {meaning}")
    for note in result.notes:
        print(f"note: {note}")
    if out is not None:
        say(f"writing the report {out}")
        page = result.html(title=f"ampcore audit of {Path(args.generated).name} (trained on {Path(args.train).name})")
        with _atomic(out, inputs=inputs, force=args.force) as tmp:
            tmp.write_text(page, encoding="utf-8")
        print(f"wrote {out}")
    return 0


def _chapters_from(args: argparse.Namespace) -> list[Any]:
    from .book.runner import BookNotFound, find_chapters, notebooks_dir

    try:
        folder = notebooks_dir(args.notebooks)
    except BookNotFound as exc:
        raise Failure(str(exc)) from exc
    chapters = find_chapters(folder)
    if not chapters:
        raise Failure(f"no chapter notebooks (NN_topic.ipynb) in {str(folder)!r}")
    return chapters


def cmd_chapter_list(args: argparse.Namespace) -> int:
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
        if resolved == source or _same_file(target, source) or resolved.is_relative_to(chapters):
            raise Failure(
                f"refusing to write {str(target)!r}: it is the source notebook {str(chapter.path)!r} or "
                f"inside its folder {str(chapter.path.parent)!r} (where nbval would collect it as a "
                "chapter); choose another -o"
            )
        if resolved.is_dir():
            raise Failure(f"output {str(target)!r} is a folder")
        if target.exists() and not force:
            raise UsageError(f"output {str(target)!r} exists; pass --force to replace it")
    made = not folder.exists()
    if option is None:
        folder.parent.mkdir(exist_ok=True)
    return notebook, html, made


def _check_chapter_parameters(chapter: Any, pairs: Sequence[Sequence[str]]) -> dict[str, Any]:
    spec = _spec(chapter)
    values: dict[str, Any] = {}
    try:
        for name, text in pairs:
            if name not in spec:
                takes = ", ".join(spec) or "no parameters"
                raise UsageError(f"unknown parameter {name!r} for chapter {chapter.topic}; it takes: {takes}")
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
    the command prints says so.
    """
    import logging

    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def cmd_chapter_run(args: argparse.Namespace) -> int:
    from ._validation import check_int
    from .book.runner import execute_chapter, resolve_chapter

    _check(check_int, args.timeout, "timeout", minimum=1)
    chapters = _chapters_from(args)
    try:
        chapter = resolve_chapter(args.name, chapters)
    except LookupError as exc:
        raise UsageError(str(exc.args[0])) from exc
    params = _check_chapter_parameters(chapter, args.param or [])
    notebook, html, made = _run_dir(args.output, chapter, force=args.force)
    folder = notebook.parent
    folder.mkdir(exist_ok=True)
    ok = False
    try:
        inputs = [str(chapter.path)]
        with _atomic(notebook, inputs=inputs, force=args.force) as tmp_nb, \
                _atomic(html, inputs=inputs, force=args.force) as tmp_html:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "defaults"
            print(f"running {chapter.path} ({shown}) ...", file=sys.stderr, flush=True)
            try:
                with _quiet_papermill():
                    execute_chapter(chapter.path, tmp_nb, params, progress=not args.no_progress, timeout=args.timeout)
            except Exception as exc:  # papermill's PapermillExecutionError and kernel errors
                raise Failure(f"chapter {chapter.topic} failed: {_one_line(exc)}") from exc
            _render_html(tmp_nb, tmp_html, title=f"{chapter.title} ({shown})", book=chapter.path.parent.parent)
        ok = True
    finally:
        if not ok and made:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty
    print(f"notebook: {notebook}")
    print(f"html:     {html}")
    return 0


def _one_line(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        where = f" in cell [{cell}]" if cell is not None else ""
        return f"{ename}: {evalue}{where}"
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def _render_html(notebook: Path, target: Path, *, title: str, book: Path) -> None:
    """Standalone HTML rendered with the book's own Sphinx configuration (glue, citations,
    glossary terms as in the book; :func:`ampcore.book.render.render_chapter`), or with nbconvert
    and the book's offline MathJax when the book's configuration is not found."""
    from .book.render import render_chapter

    render_chapter(notebook, target, book=book, title=title)


# --------------------------------------------------------------------------------------------------
# the parser


def build_parser() -> argparse.ArgumentParser:
    """The ``ampcore`` argument parser (sub-commands bound, amplify, kld, audit, chapter list/run)."""
    parser = _Parser(
        prog=PROG,
        formatter_class=_formatter,
        description="ampcore: the amplification bound, GenCopy, the kNN divergence, and the book's chapters.",
        epilog=(
            "examples:\n"
            "  ampcore bound 2000\n"
            "  ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy\n"
            "  ampcore kld amplified.npy reference.npy -k 5 --bits\n"
            "  ampcore audit train.npy amplified.npy --law norm -o report.html\n"
            "  ampcore chapter list\n"
            "  ampcore chapter run normal -p N 5000 -p seeds 20\n\n"
            "exit codes: 0 ok, 2 usage error, 1 failure; add --traceback to see Python tracebacks."
        ),
    )
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "bound",
        help="N^(3/2), sqrt(N) and the information content for N training events",
        formatter_class=_formatter,
        description="The bound 2 ln N_G >= 3 ln N for N training events, in a short table.",
        epilog="examples:\n  ampcore bound 2000\n  ampcore bound 1e6 --m-train 2 --m-gen 4",
    )
    p.add_argument("N", type=float, help="training events (>= 1)")
    p.add_argument("--m-train", type=float, default=2.0, metavar="M", help="M of the training histogram (default 2)")
    p.add_argument("--m-gen", type=float, default=3.0, metavar="M", help="M allowed for the generated one (default 3)")
    p.set_defaults(func=cmd_bound)

    p = sub.add_parser(
        "amplify",
        help="amplify a sample with GenCopy and check the bound",
        formatter_class=_formatter,
        description=(
            "Amplify a 1-D sample G times with GenCopy (bin at the Goldilocks width for M, then G\n"
            "randomised copies inside the bins); write the G*N events and print the bin width,\n"
            "the measured M_eff, N_G and whether 2 ln N_G >= 3 ln N holds.\n"
            "Files: .npy, or .csv/.txt with one value a line."
        ),
        epilog="examples:\n  ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy\n"
        "  ampcore amplify train.txt --gain 10 --m 2 -o amplified.csv",
    )
    p.add_argument("input", metavar="IN", help="training sample (.npy, .csv or .txt)")
    p.add_argument("--gain", "-G", type=int, required=True, metavar="G", help="gain G >= 1 (copies)")
    p.add_argument("--m", type=float, required=True, metavar="M", help="Goldilocks statistic M > 0 (sets the bin width)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default: fresh entropy)")
    p.add_argument("--dither", action="store_true",
                   help="rounded or low-precision data: break exact ties before estimating the entropy for the width")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the sample (.npy, .csv or .txt)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists (never an input, never through a link)")
    p.set_defaults(func=cmd_amplify)

    p = sub.add_parser(
        "kld",
        help="kNN Kullback-Leibler divergence D(X||Y) for k = 1..K (as R FNN)",
        formatter_class=_formatter,
        description=(
            "The kNN estimates D_1..D_K of D(X||Y), exactly as R FNN::KL.divergence(X, Y, k).\n"
            "Exact ties give +inf/-inf/nan, as in FNN; they are reported on stderr.\n"
            "Files: .npy (n,) or (n, d), or .csv/.txt with one point a line."
        ),
        epilog="examples:\n  ampcore kld amplified.npy reference.npy\n  ampcore kld x.csv y.csv -k 5 --bits",
    )
    p.add_argument("x", metavar="X", help="sample of P")
    p.add_argument("y", metavar="Y", help="sample of Q")
    p.add_argument("-k", type=int, default=10, metavar="K", help="largest neighbour order (default 10, as FNN)")
    p.add_argument("--bits", action="store_true", help="report bits instead of nats")
    p.set_defaults(func=cmd_kld)

    p = sub.add_parser(
        "audit",
        help="audit a generated sample against its training sample: a verdict with intervals",
        formatter_class=_formatter,
        description=(
            "Audit a generated sample against the sample its generator was trained on. The verdict comes\n"
            "first: how many true events the sample is worth on B = N^(1/M) equiprobable bins (and on your\n"
            "--n-q), against the training sample and an efficient fit; whether it is distinguishable from\n"
            "real data (Kolmogorov-Smirnov); the rule for errors; copies and ties; each check PASS, WARN or\n"
            "FAIL with its reason, and a provenance block. Without a truth, the ensemble estimate\n"
            "(Bayesiamplify's) stands in. With -o, a standalone HTML report with the figures.\n"
            "Files: .npy (n,) or (n, d), or .csv/.txt with one event a line.\n"
            "Laws (--law NAME, NAME:KEY=VALUE,..., or fit:NAME): "
            + "; ".join(f"{k} = {v}" for k, v in _AUDIT_LAWS.items()) + "."
        ),
        epilog=(
            "examples:\n"
            "  ampcore audit train.npy amplified.npy --law norm\n"
            "  ampcore audit train.npy gen.npy --law norm:loc=5,scale=2 --n-q 20\n"
            "  ampcore audit train.npy gen.npy --law fit:lognorm -o report.html\n"
            "  ampcore audit train.npy gan.npy --reference holdout.npy -o report.html --force\n"
            "  ampcore audit train.npy gen.npy --members gen1.npy gen2.npy gen3.npy"
        ),
    )
    p.add_argument("train", metavar="TRAIN", help="training sample (.npy, .csv or .txt)")
    p.add_argument("generated", metavar="GEN", help="generated sample, at least as large as TRAIN")
    truth = p.add_mutually_exclusive_group()
    truth.add_argument("--law", metavar="LAW", help="the true law: NAME, NAME:KEY=VALUE,... or fit:NAME")
    truth.add_argument("--reference", metavar="REF", help="a large holdout sample of the truth instead of --law")
    p.add_argument("-o", "--output", metavar="REPORT", help="write a standalone HTML report (.html)")
    p.add_argument("--m", type=float, default=2.0, metavar="M", help="Goldilocks M: B = N^(1/M) bins (default 2)")
    p.add_argument("--n-q", type=int, default=None, metavar="NQ", help="your own number of quantile bins")
    p.add_argument("-k", type=int, default=5, metavar="K", help="neighbour order of the kNN KLD (default 5)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of every random draw (default 0)")
    p.add_argument("--dither", action="store_true",
                   help="break the ties of rounded or float16 data with a uniform jitter at their resolution")
    p.add_argument("--ensemble", type=int, default=None, metavar="R",
                   help="ensemble estimate from R refits on bootstrap resamples (default 20 without a truth)")
    p.add_argument("--generator", default="kde", metavar="NAME",
                   help="the generator refitted for --ensemble (default kde, a Gaussian KDE)")
    p.add_argument("--members", nargs="+", metavar="FILE",
                   help="ensemble estimate from >= 4 samples of independently trained generators")
    p.add_argument("--details", action="store_true", help="print the detailed table after the verdict")
    p.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    p.add_argument("--force", action="store_true", help="replace REPORT if it exists (never an input, never through a link)")
    p.set_defaults(func=cmd_audit)

    chapter = sub.add_parser(
        "chapter",
        help="list the book's chapters or re-run one at other parameters",
        formatter_class=_formatter,
        description="List the book's chapter notebooks and their parameters, or re-run one with papermill.",
        epilog="examples:\n  ampcore chapter list\n  ampcore chapter run normal -p N 5000 -p seeds 20",
    )
    csub = chapter.add_subparsers(dest="chapter_command", metavar="ACTION", parser_class=_Parser)
    csub.required = True
    notebooks_help = "chapter folder (default $AMPBOOK_NOTEBOOKS, else notebooks/ of the repository around the current folder)"

    p = csub.add_parser(
        "list",
        help="chapters with their parameters, types, defaults and help",
        formatter_class=_formatter,
        description="Every chapter notebook with its parameters, defaults and rules (read from its `parameters` cell).",
        epilog="example:\n  ampcore chapter list",
    )
    p.add_argument("--notebooks", metavar="DIR", help=notebooks_help)
    p.set_defaults(func=cmd_chapter_list)

    p = csub.add_parser(
        "run",
        help="execute a chapter with papermill and render it to HTML",
        formatter_class=_formatter,
        description=(
            "Execute a chapter notebook with papermill at new parameters, render it to standalone\n"
            "HTML with the book's Sphinx configuration (nbconvert outside the repository), and print\n"
            "both paths. The source notebook is never written.\n"
            "Values are read by the parameter's declared type: 5000, 2.5, 1e-3, '[1, 10, 100]'.\n"
            "Unknown names and bad values are refused before anything runs (papermill would only warn)."
        ),
        epilog=(
            "examples:\n"
            "  ampcore chapter run normal -p N 5000\n"
            "  ampcore chapter run 04 -p seeds 20 -p gains '[1, 10, 100]' -o /tmp/normal-run\n"
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
    p.add_argument("--notebooks", metavar="DIR", help=notebooks_help)
    p.add_argument("--timeout", type=int, default=600, metavar="S", help="per-cell timeout in seconds (default 600)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="replace the output notebook and html if they exist")
    p.set_defaults(func=cmd_chapter_run)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ampcore`` command with `argv` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    show_tb = "--traceback" in argv
    try:
        with _signals_unwind():
            args = build_parser().parse_args(argv)
            args.argv = argv  # the command line as given (the audit's provenance records it)
            return int(args.func(args))
    except Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(f"{PROG}: terminated by {name}; partial outputs removed", file=sys.stderr)
        return 128 + exc.signum
    except UsageError as exc:
        if show_tb:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        if show_tb:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; partial outputs removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ampcore chapter list | head`: the reader left; say nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit flush does not fail again
        return 141  # 128 + SIGPIPE, as a tool killed by the signal
    except Exception as exc:  # a bug or an unforeseen failure: still one line unless --traceback
        if show_tb:
            raise
        print(f"{PROG}: error: {type(exc).__name__}: {_one_line(exc)} (rerun with --traceback)", file=sys.stderr)
        return 1
