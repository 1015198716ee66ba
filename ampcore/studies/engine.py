"""The study engine: trials, value-keyed seeds, execution, the results store and progress.

Every study of the book runs through :func:`run_trials`. A study is

* a **measure**: a module-level function ``measure(trial, context) -> row or list of rows`` that
  computes what one unit of work yields (rows are dicts of plain values);
* a **grid** of :class:`Trial` objects (:func:`grid`): the parameter values of each unit of work;
* a **context**: the heavy shared objects the measure needs (laws, reference samples), sent to
  each worker process once.

The engine gives every study, once: seeds that depend only on the trial's values
(:meth:`Trial.rng`), so any subset, order, process count or Dask cluster gives bitwise the same
table; serial, process-pool or any-executor execution (a Dask client included); a resumable
SQLite store (:class:`ampcore.studies.store.ResultsStore`) keyed by the trial; and a progress bar.
Rows come back in grid order, each prefixed with the trial's values (its identity).

Randomness: :meth:`Trial.seed_sequence` is ``SeedSequence(seed, spawn_key=(crc32(law), n,
replicate, *stream))``. Stream 0 is the training sample (:meth:`Trial.training_sample`), so trials
that share (law, N, replicate) share their training events (common random numbers), whatever
their other values; a measure names further streams (``trial.rng(1)``, ``trial.rng("mc", gain)``).

Provenance: no formula here (execution only).
"""

from __future__ import annotations

import ast
import collections
import hashlib
import itertools
import math
import multiprocessing
import numbers
import os
import signal
import sys
import threading
import time
import types
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np

from .._validation import check_bool, check_int, check_memory, check_positive
from ..laws import Law, Reference, law_fingerprint

__all__ = [
    "DEFAULT_SEED",
    "EngineOptions",
    "Trial",
    "grid",
    "grids",
    "run_trials",
    "trial_threads",
    "connect_dask",
    "fingerprint",
    "check_grid_size",
]

DEFAULT_SEED = 20250101
"""The root seed every study uses unless given another (``seed=``)."""

# Grids with fewer trials than this run in-process by default: a process pool costs ~1 s to start.
_MIN_POOL_TASKS = 8
# Memory a trial costs while a study holds it: the Trial (~650 bytes), its rows (~600), their
# share of the result frame and of the store keys (measured with tracemalloc on a gain grid).
_BYTES_PER_TRIAL = 2048
# Seconds between looks at the store for trials another sweep is computing.
_POLL = 0.5
# In run_trials' own pool workers: the context installed once per worker, and one thread per
# trial (the processes already use every core).
_WORKER_CONTEXT: dict[str, Any] = {}
_THREADS: int | None = None  # set by run_trials(threads=...) and in the engine's own workers

Row = dict[str, Any]


class EngineOptions(TypedDict, total=False):
    """The execution options every study passes on to :func:`run_trials` (all optional).

    A study's signature ends in ``**engine: Unpack[EngineOptions]``, so a type checker knows the
    names and types of these keywords; see :func:`run_trials` for what each one does.

    Examples
    --------
    >>> options: EngineOptions = {"workers": 1, "progress": False}
    >>> sorted(options)
    ['progress', 'workers']
    """

    executor: Any  # a concurrent.futures.Executor or a dask.distributed.Client (untyped)
    workers: int | None
    store: str | os.PathLike[str] | None
    progress: bool


Measure = Callable[["Trial", Mapping[str, Any]], "Row | list[Row]"]


def _stream_key(part: Any) -> int:
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    if isinstance(part, numbers.Integral) and not isinstance(part, bool) and int(part) >= 0:
        return int(part)
    raise TypeError(f"a stream key must be a string or an integer >= 0; got {part!r}.")


def _canonical(value: Any) -> Any:
    """A hashable, JSON-friendly form of a trial value (tuples for lists, plain numbers)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_canonical(v) for v in value)
    raise TypeError(
        f"a trial value must be a number, a string, None or a list of them; got {type(value).__name__} {value!r}."
    )


def _key_value(value: Any) -> Any:
    """The store form of a value: an integer-valued float and the integer are the same trial.

    Every integer-valued float maps to the integer it equals exactly (``2.0`` → 2, ``-0.0`` → 0,
    ``1e16`` → 10**16), so two values that compare equal get the same key; NaN is None.
    """
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if isinstance(value, tuple):
        return [_key_value(v) for v in value]
    return value


@dataclass(frozen=True)
class Trial:
    """One unit of work: the values that determine it, and nothing else.

    Parameters
    ----------
    law : str
        Name of the law (a key of the study's context ``"laws"``); it enters the seed.
    n : int
        Training events N (>= 1); it enters the seed.
    replicate : int
        Replicate index (>= 0); it enters the seed.
    seed : int
        Root seed of the study (>= 0).
    values : tuple of (name, value) pairs
        The other parameters (gain, M, amplifier, ...), sorted by name; build trials with
        :func:`grid` or :meth:`make`, which canonicalise them.

    Examples
    --------
    >>> t = Trial.make(law="norm", n=500, replicate=1, gain=10, m=2.5)
    >>> t["gain"], t.identity()
    (10, {'law': 'norm', 'n': 500, 'replicate': 1, 'gain': 10, 'm': 2.5})
    >>> bool(np.array_equal(t.rng(0).random(3), t.replace(gain=20).rng(0).random(3)))
    True
    """

    law: str
    n: int
    replicate: int
    seed: int = DEFAULT_SEED
    values: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        # the same checks as make(), so that Trial(...) built directly is a valid trial too
        if not isinstance(self.law, str) or not self.law:
            raise TypeError(f"`law` must be a non-empty string (the law's name); got {self.law!r}.")
        object.__setattr__(self, "n", check_int(self.n, "n", minimum=1))
        object.__setattr__(self, "replicate", check_int(self.replicate, "replicate", minimum=0))
        object.__setattr__(self, "seed", check_int(self.seed, "seed", minimum=0))
        try:
            pairs = dict(self.values)
        except (TypeError, ValueError):
            raise TypeError(f"`values` must be (name, value) pairs; got {self.values!r}.") from None
        if not all(isinstance(name, str) and name for name in pairs):
            raise TypeError(f"`values` names must be non-empty strings; got {list(pairs)!r}.")
        reserved = {"law", "n", "replicate", "seed"} & set(pairs)
        if reserved:
            raise TypeError(f"{sorted(reserved)} are trial fields, not values.")
        object.__setattr__(self, "values", tuple(sorted((name, _canonical(v)) for name, v in pairs.items())))

    @classmethod
    def make(cls, *, law: str, n: int, replicate: int = 0, seed: int = DEFAULT_SEED, **values: Any) -> Trial:
        """A trial from keyword values (checked and canonicalised)."""
        return cls(law=law, n=n, replicate=replicate, seed=seed, values=tuple(values.items()))

    def __getitem__(self, name: str) -> Any:
        for key, value in self.values:
            if key == name:
                return value
        raise KeyError(f"trial has no value {name!r}; it has {[k for k, _ in self.values]}")

    def get(self, name: str, default: Any = None) -> Any:
        """The value `name`, or `default` if the trial has none."""
        try:
            return self[name]
        except KeyError:
            return default

    def replace(self, **values: Any) -> Trial:
        """The same trial with some values changed (or added)."""
        fields: dict[str, Any] = {"law": self.law, "n": self.n, "replicate": self.replicate, "seed": self.seed}
        merged = dict(self.values)
        for name, value in values.items():
            if name in fields:
                fields[name] = value
            else:
                merged[name] = value
        return Trial.make(law=fields["law"], n=fields["n"], replicate=fields["replicate"], seed=fields["seed"], **merged)

    def identity(self) -> Row:
        """The trial's values as the leading columns of its rows (the root seed is left out)."""
        return {"law": self.law, "n": self.n, "replicate": self.replicate, **dict(self.values)}

    def key(self) -> Row:
        """Everything that determines the trial's result, in store form."""
        return {name: _key_value(v) for name, v in {**self.identity(), "seed": self.seed}.items()}

    def seed_sequence(self, *stream: Any) -> np.random.SeedSequence:
        """``SeedSequence(seed, spawn_key=(crc32(law), n, replicate, *stream))``."""
        key = (zlib.crc32(self.law.encode("utf-8")), self.n, self.replicate, *(_stream_key(s) for s in stream))
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def rng(self, *stream: Any) -> np.random.Generator:
        """The generator of one named stream of this trial (see :meth:`seed_sequence`)."""
        return np.random.default_rng(self.seed_sequence(*stream))

    def training_sample(self, law: Law) -> np.ndarray:
        """The N training events of this trial: ``law.rvs(size=n)`` from stream 0."""
        return np.asarray(law.rvs(size=self.n, random_state=self.rng(0)), dtype=np.float64)


def _as_axis(name: str, values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    items = list(values)
    if not items:
        raise ValueError(f"`{name}` must hold at least one value; got an empty list.")
    return items


def grid(
    *,
    law: str | Sequence[str],
    n: int | Sequence[int],
    replicates: int,
    seed: int = DEFAULT_SEED,
    **axes: Any,
) -> list[Trial]:
    """Every combination of the given values, one :class:`Trial` each, replicates innermost.

    Parameters
    ----------
    law, n
        One value or a list of values.
    replicates : int
        Replicates per combination (>= 1); trials get ``replicate = 0 .. replicates-1``.
    seed : int
        Root seed.
    **axes
        Further values: a list is an axis of the grid; a scalar (or a tuple, for a value that
        is itself a list) is the same for every trial.

    Examples
    --------
    >>> [t.identity() for t in grid(law="norm", n=100, replicates=2, gain=[1, 10], k=5)][:2]
    [{'law': 'norm', 'n': 100, 'replicate': 0, 'gain': 1, 'k': 5}, {'law': 'norm', 'n': 100, 'replicate': 1, 'gain': 1, 'k': 5}]
    """
    replicates = check_int(replicates, "replicates", minimum=1)
    laws = _as_axis("law", law)
    ns = _as_axis("n", n)
    names = list(axes)
    columns = [axes[a] if isinstance(axes[a], list) else [axes[a]] for a in names]
    for a, col in zip(names, columns):
        if not col:
            raise ValueError(f"`{a}` must hold at least one value; got an empty list.")
    check_grid_size(law=len(laws), n=len(ns), replicates=replicates, **{a: len(c) for a, c in zip(names, columns)})
    trials = []
    for law_value, n_value, *combo in itertools.product(laws, ns, *columns):
        for r in range(replicates):
            trials.append(Trial.make(law=law_value, n=n_value, replicate=r, seed=seed, **dict(zip(names, combo))))
    return trials


def grids(parts: Sequence[Mapping[str, Any]], *, replicates: int, seed: int = DEFAULT_SEED) -> list[Trial]:
    """A ragged grid: the trials of several sub-grids, each a :func:`grid` of its own axes, in order.

    As scikit-learn's ``ParameterGrid`` takes a list of grids: where an axis exists only for
    some values of another (Goldilocks M only for the binning generators, say), each part lists
    the axes that apply to it. A trial that two parts both produce is refused (the store would
    hold it once, and the table twice).

    Parameters
    ----------
    parts : sequence of mappings
        Each the keyword arguments of :func:`grid` but `replicates` and `seed`: ``law``, ``n``
        and further axes (a list is an axis, a scalar the same for every trial of the part).
    replicates : int
        Replicates per combination, for every part.
    seed : int
        Root seed.

    Examples
    --------
    >>> trials = grids([{"law": "norm", "n": 100, "generator": "gencopy", "m": [2.0, 3.0]},
    ...                 {"law": "norm", "n": 100, "generator": "kde", "m": None}], replicates=1)
    >>> [(t["generator"], t["m"]) for t in trials]
    [('gencopy', 2.0), ('gencopy', 3.0), ('kde', None)]
    """
    if isinstance(parts, Mapping) or not isinstance(parts, Sequence) or not parts:
        raise TypeError(f"`parts` must be a non-empty list of sub-grids (dicts of axes); got {parts!r}.")
    trials: list[Trial] = []
    for i, part in enumerate(parts):
        if not isinstance(part, Mapping) or "law" not in part or "n" not in part:
            raise TypeError(f"`parts[{i}]` must be a dict of axes with `law` and `n`; got {part!r}.")
        if {"replicates", "seed"} & set(part):
            raise TypeError(f"`parts[{i}]` must not set `replicates` or `seed` (they are grids' own arguments).")
        trials.extend(grid(replicates=replicates, seed=seed, **part))
    if len(set(trials)) != len(trials):  # frozen trials hash by their values
        raise ValueError("`parts` overlap: some trial is in two sub-grids; give each combination once.")
    return trials


def check_grid_size(**counts: int) -> int:
    """The number of trials of a grid with these axis lengths, refused if it cannot be held.

    Each trial and its rows cost about 2 kB while a study holds them; a grid that would need
    more memory than the machine has (:func:`ampcore._validation.available_memory`) raises
    ``MemoryError`` naming the longest axis, before any trial is built.

    Examples
    --------
    >>> check_grid_size(law=2, n=3, replicates=5)
    30
    """
    total = math.prod(counts.values())
    name = max(counts, key=lambda a: counts[a])
    check_memory(total * _BYTES_PER_TRIAL, name=name, value=counts[name],
                 what=f"a grid of {total:.3g} trials (" + " x ".join(f"{a} {c}" for a, c in counts.items())
                 + f", about {_BYTES_PER_TRIAL} bytes a trial with its rows)",
                 hint="Split the grid into smaller runs (one store holds them all).")
    return total


def trial_threads() -> int:
    """Threads a measure should give numpy-level parallel work (``kl_divergence(workers=...)``).

    1 inside the engine's own worker processes (they already use every core); otherwise the
    ``threads`` given to :func:`run_trials`, else -1 (every CPU).
    """
    return -1 if _THREADS is None else _THREADS


def _law_key(law: Law) -> str:
    """A law's fingerprint in canonical form: ``norm()``, ``norm(0, 1)`` and ``norm(0.0, 1.0)`` agree.

    A frozen scipy law is written with all its parameters resolved (shapes, loc, scale) and
    integer-valued floats as integers; any other law by :func:`ampcore.laws.law_fingerprint`.
    """
    dist = getattr(law, "dist", None)
    parse = getattr(dist, "_parse_args", None)
    if callable(parse) and hasattr(law, "args"):
        try:
            shapes, loc, scale = parse(*law.args, **getattr(law, "kwds", {}))
        except (TypeError, ValueError):  # pragma: no cover - a law scipy itself cannot read
            return law_fingerprint(law)
        values = [_key_value(float(v)) for v in (*np.ravel(shapes), loc, scale)]
        return f"{getattr(dist, 'name', type(law).__name__)}{tuple(values)!r}"
    return law_fingerprint(law)


def fingerprint(value: Any) -> str:
    """A short text that identifies a context object for the store key.

    References and arrays by a hash of their data (numbers as float64, so an integer array and
    the equal float array agree), laws by their parameters in canonical form, numbers as
    :meth:`Trial.key` writes them (``2.0`` and ``2`` agree), mappings and sequences element by
    element, other values by ``repr``.
    """
    if isinstance(value, Reference):
        digest = hashlib.sha256(value.sample.tobytes()).hexdigest()[:20]
        return f"{_law_key(value.law)}:{value.size}:{digest}"
    if isinstance(value, np.ndarray):
        data = value.astype(np.float64) if value.dtype != object and np.issubdtype(value.dtype, np.number) and not np.iscomplexobj(value) else value
        return f"array{value.shape}:{hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()[:20]}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return repr(_key_value(float(value)) if not isinstance(value, numbers.Integral) else int(value))
    if callable(getattr(value, "rvs", None)) and callable(getattr(value, "cdf", None)):
        return _law_key(value)
    return repr(value)


# --------------------------------------------------------------------------------------------------
# execution


def _alive(pid: int) -> bool:
    """Whether process `pid` is running (a zombie, killed but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a process of another user holds the pid
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):  # not Linux: os.kill is all there is
        return True


def _watch_parent(parent: int, lifeline: Any) -> None:
    """End this worker when the process that started the pool is gone (even by SIGKILL).

    The standard library's pool workers outlive a parent killed without a chance to clean up:
    they wait on a task queue whose pipe they hold both ends of, or finish a trial nobody will
    read, and the forkserver and the resource tracker wait for them. `lifeline` is the read end
    of a pipe whose only write end the parent holds: it reads end-of-file the moment the parent
    dies. A look at the parent's pid every 0.5 s backs it up (a zombie counts as dead).
    """

    def watch() -> None:
        while True:
            try:
                if lifeline.poll(0.5):
                    lifeline.recv_bytes()  # nothing is ever sent: this raises EOFError
            except (EOFError, OSError):
                os._exit(1)
            if not _alive(parent):
                os._exit(1)

    threading.Thread(target=watch, name="ampcore-parent-watch", daemon=True).start()


def _install_context(context: Mapping[str, Any], threads: int, parent: int | None = None, lifeline: Any = None) -> None:
    """Process-pool initializer: keep the context in the worker, sent once per worker.

    Also: Ctrl-C is the parent's to handle (it ends the pool), so workers ignore SIGINT, and
    they exit when the parent dies (:func:`_watch_parent`).
    """
    global _THREADS
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _watch_parent(parent, lifeline)
    _THREADS = threads
    _WORKER_CONTEXT.clear()
    _WORKER_CONTEXT.update(context)


def _plain(value: Any) -> Any:
    """Row values as JSON gives them back (lists, Python numbers), so stored rows equal fresh ones."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _rows(result: Row | list[Row], trial: Trial) -> list[Row]:
    rows = [result] if isinstance(result, Mapping) else list(result)
    identity = trial.identity()
    return [{name: _plain(v) for name, v in {**identity, **row}.items()} for row in rows]


def _run_one(measure: Measure, trial: Trial, context: Mapping[str, Any] | None) -> list[Row]:
    """One task: the context travels with it, or (None) is the one installed in this worker."""
    return _rows(measure(trial, _WORKER_CONTEXT if context is None else context), trial)


def connect_dask(address: str, *, timeout: float = 10.0) -> Any:
    """Connect to a Dask scheduler for :func:`run_trials`, or fail with an error naming it.

    Parameters
    ----------
    address : str
        Scheduler address, e.g. ``"tcp://scheduler-host:8786"``.
    timeout : float
        Seconds to wait for the scheduler.

    Returns
    -------
    distributed.Client
        Pass it as ``executor=client`` to any study; close it when done.

    Raises
    ------
    ImportError
        If ``dask.distributed`` is not installed (``pip install "ampcore[dask]"``).
    ConnectionError
        If no scheduler answers at `address` within `timeout` seconds. Nothing has run, so no
        result is lost; trials already in a results store stay there.
    """
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the [dask] extra is installed in CI
        raise ImportError('connect_dask needs dask.distributed: pip install "ampcore[dask]".') from exc
    if not isinstance(address, str) or not address:
        raise TypeError(f"`address` must be a scheduler address string; got {address!r}.")
    timeout = check_positive(timeout, "timeout")
    try:
        return Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"cannot reach the Dask scheduler at {address!r} within {timeout} s "
            f"({type(exc).__name__}: {exc}). No trial was started."
        ) from exc


def _as_executor(executor: Any) -> Executor:
    if isinstance(executor, Executor):
        return executor
    get_executor = getattr(executor, "get_executor", None)  # a dask.distributed.Client
    if callable(get_executor):
        return get_executor()  # type: ignore[no-any-return]
    raise TypeError(
        "`executor` must be a concurrent.futures.Executor or a dask.distributed.Client; "
        f"got {type(executor).__name__}."
    )


# A gate decides, just before a trial would start, whether this process runs it ("run"), whether
# it is already finished (by another sweep sharing the store: "done", its rows already reported)
# or whether another live sweep is computing it ("wait": asked again later).
Gate = Callable[[int], str]


def _run_all(
    measure: Measure,
    trials: Sequence[Trial],
    context: Mapping[str, Any] | None,
    executor: Executor | None,
    order: Sequence[int],
    on_result: Callable[[int, list[Row]], None],
    gate: Gate | None = None,
    in_flight: int | None = None,
) -> None:
    """Run `trials`; call ``on_result(index, rows)`` in the caller's thread as each finishes.

    Without a `gate`, every trial is submitted at once. With one (a shared results store), at
    most `in_flight` trials are submitted at a time and each passes the gate just before it is
    submitted, so that a trial another sweep finished or is computing meanwhile is not computed
    again. On an error, the trials that finished are still reported; pending ones are cancelled.
    """
    queue = collections.deque(order)
    waiting: list[int] = []
    futures: dict[Future[list[Row]], int] = {}
    limit = len(trials) if gate is None or in_flight is None else max(1, in_flight)
    error: BaseException | None = None
    try:
        while queue or waiting or futures:
            while queue and (executor is None or len(futures) < limit):
                i = queue.popleft()
                verdict = "run" if gate is None else gate(i)
                if verdict == "wait":
                    waiting.append(i)
                elif verdict == "run":
                    if executor is None:
                        on_result(i, _run_one(measure, trials[i], context))
                    else:
                        futures[executor.submit(_run_one, measure, trials[i], context)] = i
            if futures:
                done, _ = wait(set(futures), timeout=_POLL if waiting else None, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=futures.__getitem__):
                    i = futures.pop(fut)
                    # fut.exception(), not fut.result(): a broken pool sets ONE exception object on
                    # every pending future, and re-raising it once per future would pile up a
                    # traceback thousands of frames long
                    try:
                        failure = fut.exception()
                    except BaseException as exc:  # a cancelled future
                        failure = exc
                    if failure is not None:  # a failed trial, a lost worker or scheduler
                        error = error or failure
                    else:
                        on_result(i, fut.result())
                if error is not None:
                    raise error
            elif waiting and not queue:
                time.sleep(_POLL)  # every trial left is another sweep's: look again soon
            if waiting and not queue:
                queue.extend(waiting)
                waiting.clear()
    finally:
        for fut in futures:
            fut.cancel()


def _unguarded_call() -> str | None:
    """``"script.py:12"`` if a script's module-level code outside ``if __name__ == "__main__":``
    started this run, else None.

    Worker processes of the standard library (spawn and forkserver) import the main script
    again; a run started at its top level would then start again in every worker, which
    multiprocessing refuses with a RuntimeError and a broken pool. Found by walking the stack to
    the main module's top-level frame and reading its source for the guard.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path or not str(path).endswith(".py"):
        return None  # interactive, -c, a notebook kernel: workers do not re-run anything
    frame: types.FrameType | None = sys._getframe(1)
    top = None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is vars(main):
            top = frame
        frame = frame.f_back
    if top is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):  # pragma: no cover - the script is running, so readable
        return None
    line = top.f_lineno
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                return None
    return f"{path}:{line}"


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def _terminate(pool: ProcessPoolExecutor) -> None:
    """End a pool now (Ctrl-C, SIGTERM, a failed trial): cancel what waits, stop what runs."""
    running = getattr(pool, "_processes", None)  # the stdlib keeps its workers here (pid -> Process)
    processes = list(running.values()) if isinstance(running, dict) else []
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
        if proc.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
            proc.kill()
            proc.join(timeout=5)


def _dispatch(
    measure: Measure,
    trials: Sequence[Trial],
    context: Mapping[str, Any],
    executor: Any,
    workers: int | None,
    order: Sequence[int],
    on_result: Callable[[int, list[Row]], None],
    threads: int | None,
    gate: Gate | None = None,
    unguarded: str | None = None,
) -> None:
    """Run the trials on `executor`, or on the engine's own process pool, or in-process."""
    if executor is not None:
        _run_all(measure, trials, context, _as_executor(executor), order, on_result, gate, in_flight=256)
        return
    explicit = workers is not None
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))  # the CPUs this process may use
        except AttributeError:  # pragma: no cover - not on Linux
            workers = os.cpu_count() or 1
    workers = min(workers, len(trials))
    if workers <= 1 or len(trials) < _MIN_POOL_TASKS:
        _run_all(measure, trials, context, None, order, on_result, gate)
        return
    if unguarded is not None:
        warnings.warn(
            f"run_trials was started by the top-level code of {unguarded}, outside "
            "`if __name__ == \"__main__\":`; worker processes import that script again and would "
            f"start the run again, so the {len(trials)} trials run in this process instead (the "
            f"results are the same). Put the call under `if __name__ == \"__main__\":` to use "
            f"{workers} {'' if explicit else 'CPU '}processes.",
            RuntimeWarning,
            stacklevel=4,
        )
        _run_all(measure, trials, context, None, order, on_result, gate)
        return
    # forkserver: workers start from a clean single-threaded process (safe when the caller runs
    # threads, e.g. a Dask client), and receive the context once through the initializer.
    mp_context = multiprocessing.get_context("forkserver")
    mp_context.set_forkserver_preload(["ampcore.studies.engine"])
    lifeline, held = mp_context.Pipe(duplex=False)  # workers read EOF on it when this process dies
    initargs = (dict(context), 1 if threads is None else threads, os.getpid(), lifeline)
    pool = ProcessPoolExecutor(workers, mp_context=mp_context, initializer=_install_context, initargs=initargs)
    try:
        _run_all(measure, trials, None, pool, order, on_result, gate, in_flight=2 * workers)
    except BaseException:
        _terminate(pool)  # do not wait for running trials: the caller wants out (or one failed)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        lifeline.close()
        held.close()


def run_trials(
    measure: Measure,
    trials: Sequence[Trial],
    *,
    context: Mapping[str, Any] | None = None,
    executor: Any = None,
    workers: int | None = None,
    store: str | os.PathLike[str] | None = None,
    progress: bool = False,
    cost: Callable[[Trial], float] | None = None,
    desc: str = "trials",
    threads: int | None = None,
) -> list[Row]:
    """Run `measure` on every trial and return all rows, in the order of `trials`.

    Parameters
    ----------
    measure : callable
        ``measure(trial, context) -> dict or list of dicts``; a module-level function (it is
        sent to worker processes by reference).
    trials : sequence of Trial
        The grid (see :func:`grid`); keys must be unique.
    context : mapping, optional
        Shared objects the measure reads (laws, references); sent once to each worker of the
        engine's own pool, with each task to another executor. Part of the store key (by
        :func:`fingerprint`).
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the trials (any ``Executor``, a Dask ``Client``; see :func:`connect_dask`).
        Default: a local process pool of `workers` processes, or in-process for one worker or
        fewer than 8 trials. The rows are bitwise the same whichever runs them.
    workers : int, optional
        Processes of the default pool (default: every CPU); ``1`` runs in-process. Ignored when
        `executor` is given.
    store : str or path, optional
        A results store (:class:`ampcore.studies.store.ResultsStore`). Trials found there are
        read instead of run, and every trial is written the moment it finishes, so an
        interrupted sweep resumes where it stopped. Several sweeps may share one store at once
        (two terminals, several jobs on one machine): each trial is claimed before it starts, a
        trial another live sweep has claimed is waited for and read, not computed again, and
        one left by a sweep that died is taken over.
    progress : bool
        Show a tqdm progress bar.
    cost : callable, optional
        ``cost(trial) -> float``: the engine submits the costliest trials first, so that no
        worker is left with one big trial at the end (the results do not depend on it).
    desc : str
        Label of the progress bar.
    threads : int, optional
        Threads each trial may use for numpy-level parallel work (:func:`trial_threads`; the
        kNN divergence): default 1 in the engine's own worker processes, every CPU otherwise.
        The rows do not depend on it.

    Returns
    -------
    list of dict
        Every trial's rows, each starting with :meth:`Trial.identity`, in the order of `trials`.

    Raises
    ------
    ampcore.studies.store.StoreError
        If `store` is not an ampcore results store (it is never overwritten), or a stored row
        fails its checksum.

    Warns
    -----
    RuntimeWarning
        If a script calls this (directly or through a study) from its top-level code outside
        ``if __name__ == "__main__":`` with a process pool to start: worker processes would run
        the script again, so the trials run in-process instead, with the same results.

    Notes
    -----
    The engine's pool workers ignore Ctrl-C (the caller's process ends the pool at once) and
    exit by themselves within a second if the caller's process dies, even by ``kill -9``.
    """
    global _THREADS
    trials = list(trials)
    if not callable(measure):
        raise TypeError(f"`measure` must be a function measure(trial, context); got {type(measure).__name__}.")
    if not trials:
        raise ValueError("`trials` must hold at least one trial; got none.")
    if not all(isinstance(t, Trial) for t in trials):
        raise TypeError("`trials` must be Trial objects (see ampcore.studies.grid).")
    if len({t for t in trials}) != len(trials):
        raise ValueError("`trials` must be unique; the grid repeats a trial.")
    if workers is not None:
        workers = check_int(workers, "workers", minimum=1)
    if threads is not None:
        threads = check_int(threads, "threads", minimum=-1)
        if threads == 0:
            raise ValueError("`threads` must be -1 (every CPU) or an integer >= 1; got 0.")
    progress = check_bool(progress, "progress")
    if cost is not None and not callable(cost):
        raise TypeError(f"`cost` must be a function cost(trial) -> float; got {type(cost).__name__}.")
    if not isinstance(desc, str):
        raise TypeError(f"`desc` must be a text; got {type(desc).__name__}.")
    unguarded = _unguarded_call() if executor is None else None
    context = dict(context or {})
    results: list[list[Row] | None] = [None] * len(trials)
    results_store = None
    if store is not None:
        from .store import ResultsStore

        results_store = ResultsStore(store)
    try:
        params: list[Row] = []
        if results_store is not None:
            from .store import trial_key

            shared = {"study": f"{measure.__module__}.{measure.__qualname__}", "context": fingerprint(context)}
            params = [{**shared, **t.key()} for t in trials]
            found = results_store.get_many(params)
            for i, p in enumerate(params):
                stored = found.get(trial_key(p))
                if stored is not None:
                    results[i] = stored["rows"]
        todo = [i for i, r in enumerate(results) if r is None]
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(trials), initial=len(trials) - len(todo), desc=desc)

        def finished(j: int, rows: list[Row]) -> None:
            i = todo[j]
            results[i] = rows
            if results_store is not None:
                results_store.add(params[i], {"rows": rows})
            if bar is not None:
                bar.update(1)

        gate: Gate | None = None
        if results_store is not None:
            shared_store = results_store

            def gate(j: int) -> str:
                i = todo[j]
                verdict, record = shared_store.claim(params[i])
                if verdict == "done":  # another sweep finished it meanwhile
                    results[i] = record["rows"] if record is not None else None
                    if bar is not None:
                        bar.update(1)
                return verdict

        pending = [trials[i] for i in todo]
        order = sorted(range(len(pending)), key=lambda j: -cost(pending[j])) if cost else range(len(pending))
        saved, _THREADS = _THREADS, threads if threads is not None else _THREADS
        try:
            _dispatch(measure, pending, context, executor, workers, list(order), finished, threads, gate, unguarded)
        except BaseException as exc:
            if results_store is not None and hasattr(exc, "add_note"):
                done = sum(r is not None for r in results)
                exc.add_note(
                    f"{desc}: {done} of {len(trials)} trials are finished and stored in "
                    f"{str(results_store.path)!r}; run the same call again to resume."
                )
            raise
        finally:
            _THREADS = saved
            if bar is not None:
                bar.close()
    finally:
        if results_store is not None:
            results_store.close()
    return [row for rows in results for row in (rows or [])]
