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

import hashlib
import itertools
import math
import multiprocessing
import numbers
import os
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_int
from ..laws import Reference, law_fingerprint

__all__ = [
    "DEFAULT_SEED",
    "Trial",
    "grid",
    "run_trials",
    "trial_threads",
    "connect_dask",
    "fingerprint",
]

DEFAULT_SEED = 20250101
"""The root seed every study uses unless given another (``seed=``)."""

# Grids with fewer trials than this run in-process by default: a process pool costs ~1 s to start.
_MIN_POOL_TASKS = 8
# In run_trials' own pool workers: the context installed once per worker, and one thread per
# trial (the processes already use every core).
_WORKER_CONTEXT: dict[str, Any] = {}
_THREADS: int | None = None  # set by run_trials(threads=...) and in the engine's own workers

Row = dict[str, Any]
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
    """The store form of a value: an integer-valued float and the integer are the same trial."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
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

    @classmethod
    def make(cls, *, law: str, n: int, replicate: int = 0, seed: int = DEFAULT_SEED, **values: Any) -> Trial:
        """A trial from keyword values (checked and canonicalised)."""
        if not isinstance(law, str) or not law:
            raise TypeError(f"`law` must be a non-empty string (the law's name); got {law!r}.")
        n = check_int(n, "n", minimum=1)
        replicate = check_int(replicate, "replicate", minimum=0)
        seed = check_int(seed, "seed", minimum=0)
        reserved = {"law", "n", "replicate", "seed"} & set(values)
        if reserved:
            raise TypeError(f"{sorted(reserved)} are trial fields, not values.")
        items = tuple(sorted((name, _canonical(v)) for name, v in values.items()))
        return cls(law=law, n=n, replicate=replicate, seed=seed, values=items)

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

    def training_sample(self, law: Any) -> np.ndarray:
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
    trials = []
    for law_value, n_value, *combo in itertools.product(laws, ns, *columns):
        for r in range(replicates):
            trials.append(Trial.make(law=law_value, n=n_value, replicate=r, seed=seed, **dict(zip(names, combo))))
    return trials


def trial_threads() -> int:
    """Threads a measure should give numpy-level parallel work (``kl_divergence(workers=...)``).

    1 inside the engine's own worker processes (they already use every core); otherwise the
    ``threads`` given to :func:`run_trials`, else -1 (every CPU).
    """
    return -1 if _THREADS is None else _THREADS


def fingerprint(value: Any) -> str:
    """A short text that identifies a context object for the store key.

    References and arrays by a hash of their data, laws by their parameters
    (:func:`ampcore.laws.law_fingerprint`), mappings and sequences element by element, other
    values by ``repr``.
    """
    if isinstance(value, Reference):
        return value.fingerprint
    if isinstance(value, np.ndarray):
        return f"array{value.shape}:{hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()[:20]}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k!r}:{fingerprint(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(fingerprint(v) for v in value) + "]"
    if callable(getattr(value, "rvs", None)) and callable(getattr(value, "cdf", None)):
        return law_fingerprint(value)
    return repr(value)


# --------------------------------------------------------------------------------------------------
# execution


def _install_context(context: Mapping[str, Any], threads: int) -> None:
    """Process-pool initializer: keep the context in the worker, sent once per worker."""
    global _THREADS
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


def _run_all(
    measure: Measure,
    trials: Sequence[Trial],
    context: Mapping[str, Any] | None,
    executor: Executor | None,
    order: Sequence[int],
    on_result: Callable[[int, list[Row]], None],
) -> None:
    """Run `trials`; call ``on_result(index, rows)`` in the caller's thread as each finishes.

    On an error, the trials that finished are still reported; pending ones are cancelled.
    """
    if executor is None:
        for i in range(len(trials)):
            on_result(i, _run_one(measure, trials[i], context))
        return
    futures: dict[Future[list[Row]], int] = {}
    try:
        for i in order:
            futures[executor.submit(_run_one, measure, trials[i], context)] = i
        pending = set(futures)
        error: BaseException | None = None
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=futures.__getitem__):
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
                    on_result(futures[fut], fut.result())
            if error is not None:
                raise error
    finally:
        for fut in futures:
            fut.cancel()


def _dispatch(
    measure: Measure,
    trials: Sequence[Trial],
    context: Mapping[str, Any],
    executor: Any,
    workers: int | None,
    order: Sequence[int],
    on_result: Callable[[int, list[Row]], None],
    threads: int | None,
) -> None:
    """Run the trials on `executor`, or on the engine's own process pool, or in-process."""
    if executor is not None:
        _run_all(measure, trials, context, _as_executor(executor), order, on_result)
        return
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))  # the CPUs this process may use
        except AttributeError:  # pragma: no cover - not on Linux
            workers = os.cpu_count() or 1
    workers = min(workers, len(trials))
    if workers <= 1 or len(trials) < _MIN_POOL_TASKS:
        _run_all(measure, trials, context, None, order, on_result)
        return
    # forkserver: workers start from a clean single-threaded process (safe when the caller runs
    # threads, e.g. a Dask client), and receive the context once through the initializer.
    mp_context = multiprocessing.get_context("forkserver")
    mp_context.set_forkserver_preload(["ampcore.studies.engine"])
    initargs = (dict(context), 1 if threads is None else threads)
    with ProcessPoolExecutor(workers, mp_context=mp_context, initializer=_install_context, initargs=initargs) as pool:
        _run_all(measure, trials, None, pool, order, on_result)


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
        interrupted sweep resumes where it stopped.
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
        If `store` is not an ampcore results store (it is never overwritten).
    """
    global _THREADS
    trials = list(trials)
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

        pending = [trials[i] for i in todo]
        order = sorted(range(len(pending)), key=lambda j: -cost(pending[j])) if cost else range(len(pending))
        saved, _THREADS = _THREADS, threads if threads is not None else _THREADS
        try:
            _dispatch(measure, pending, context, executor, workers, list(order), finished, threads)
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
