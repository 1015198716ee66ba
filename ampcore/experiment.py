"""Experiments: one amplification trial, and grids of trials as tidy tables.

Use :class:`Reference` to draw a large Monte Carlo sample from a law once (sorted once, then reused
by every divergence against it), :func:`run_trial` for one (law, N, M, G, amplifier, seed) and
:func:`run_grid` for the product of parameter lists, returned as a :class:`pandas.DataFrame`
with one row per trial.

Randomness: every trial's streams come from a :class:`numpy.random.SeedSequence` whose spawn key
is built from the trial's own parameters (law name, N, replicate), so a grid gives bitwise the same
table whatever the order, the subset or the parallelism of its execution. Trials that share
(law, N, replicate) share the training sample and the uniform draws (common random numbers), so
curves over M and G are smooth and their differences are not noise.

Execution: :func:`run_grid` runs trials on a local process pool (``workers=``), on any
:class:`concurrent.futures.Executor`, or on a Dask cluster (``executor=client``, see
:func:`connect_dask`; extra ``[dask]``), always with the same table; with ``store=path`` each
finished trial is written at once to an :class:`ampcore.store.ResultsStore`, so an interrupted
sweep resumes where it stopped.

Provenance: the design (KLD of amplified data against a large MC reference, compared with an MC
sample of the same size) follows the summary of Watts & Crow 2025 and is Reconstructed (ours);
the floor is :func:`ampcore.divergence.histogram_kl`.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import multiprocessing
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._rng import RNGLike, child_rng, normalize_rng
from ._validation import as_positive_sample, as_sample_1d, check_choice, check_int, check_law
from .amplify import AMPLIFIERS, generate
from .bound import satisfies_bound
from .divergence import histogram_kl, kl_divergence
from .information import bin_width, effective_m
from .logspace import log_floor

__all__ = [
    "Reference",
    "run_trial",
    "run_grid",
    "trial_seed",
    "training_sample",
    "connect_dask",
    "BINNING_AMPLIFIERS",
]

BINNING_AMPLIFIERS = frozenset({"gencopy", "gencopy-log"})
"""Amplifiers that use the Goldilocks bin width (their rows carry M, Δ, M_eff and the floor)."""
_LOG_BINNED = frozenset({"gencopy-log"})  # binned in ln x: width, origin and M refer to ln x

_REFERENCE_KEY = 0  # spawn-key slot that no trial uses (trials have N >= 2 there)
# Grids with fewer trials than this run in-process by default: a process pool costs ~1 s to start.
_MIN_POOL_TASKS = 8
# References installed in each worker of run_grid's own process pool (so tasks carry only a name).
_WORKER_REFERENCES: dict[str, Reference] = {}
# Threads of each kl_divergence in a trial: all CPUs, except in run_grid's own pool workers, where
# the processes already use every core (results do not depend on it).
_KLD_WORKERS = -1


def _law_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def trial_seed(root_seed: int, law_name: str, n: int, replicate: int) -> np.random.SeedSequence:
    """The seed sequence of one (law, N, replicate) cell of a grid.

    It is ``SeedSequence(root_seed, spawn_key=(crc32(law_name), n, replicate))`` — the child that
    ``SeedSequence.spawn`` would address with that key — so it depends only on the values, never on
    the order in which trials run.

    Examples
    --------
    >>> trial_seed(1, "normal", 2000, 0).spawn_key[1:]
    (2000, 0)
    """
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    n = check_int(n, "n", minimum=2)
    replicate = check_int(replicate, "replicate", minimum=0)
    return np.random.SeedSequence(root_seed, spawn_key=(_law_key(law_name), n, replicate))


def _training_events(law: Any, n: int, seq: np.random.SeedSequence) -> np.ndarray:
    """The N training events of a trial: child stream 0 of its seed sequence."""
    return np.asarray(law.rvs(size=n, random_state=child_rng(seq, 0)), dtype=np.float64)


def training_sample(
    law: Any, n: int, *, name: str, replicate: int, root_seed: int = 20250101
) -> np.ndarray:
    """The N training events that :func:`run_grid` uses for one (law, N, replicate) cell.

    Parameters
    ----------
    law : frozen scipy.stats distribution
        The law of the grid (``reference.law``).
    n : int
        Training events N >= 2.
    name : str
        The reference's name (it enters the seed).
    replicate : int
        Replicate index, >= 0.
    root_seed : int
        The grid's `root_seed`.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Drawn from child stream 0 of ``trial_seed(root_seed, name, n, replicate)``, exactly as
        in :func:`run_trial`; so a chapter can look inside the very samples behind a grid's rows
        (e.g. per-bin contributions to the floor).

    Examples
    --------
    >>> from scipy import stats
    >>> training_sample(stats.norm(), 5, name="normal", replicate=0).shape
    (5,)
    """
    check_law(law)
    return _training_events(law, check_int(n, "n", minimum=2), trial_seed(root_seed, str(name), n, replicate))


@dataclass(frozen=True)
class Reference:
    """A large Monte Carlo sample from `law`, sorted once and reused by every divergence.

    Attributes
    ----------
    law : frozen scipy.stats distribution
    sample : numpy.ndarray
        Sorted (non-decreasing) float64 draws; :func:`ampcore.divergence.kl_divergence` detects
        the order and skips its own sort.
    name : str
        A label used in tables.
    """

    law: Any
    sample: np.ndarray = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        check_law(self.law)
        xs = as_sample_1d(self.sample, "sample", min_size=2)
        if np.any(xs[1:] < xs[:-1]):
            raise ValueError("`sample` must be sorted; use Reference.draw(...) to build one.")
        object.__setattr__(self, "sample", xs)

    @classmethod
    def draw(cls, law: Any, size: int, *, rng: RNGLike = None, name: str = "") -> Reference:
        """Draw `size` events from `law` and sort them.

        Examples
        --------
        >>> from scipy import stats
        >>> ref = Reference.draw(stats.norm(), 1000, rng=0, name="normal")
        >>> ref.size, bool(np.all(np.diff(ref.sample) >= 0))
        (1000, True)
        """
        check_law(law)
        size = check_int(size, "size", minimum=2)
        sample = np.sort(np.asarray(law.rvs(size=size, random_state=normalize_rng(rng)), dtype=np.float64))
        return cls(law=law, sample=sample, name=name)

    @property
    def size(self) -> int:
        """Number of reference events."""
        return int(self.sample.size)

    def divergence(self, x: np.ndarray, *, k: int = 5) -> np.ndarray:
        """FNN-exact ``D(x‖reference)`` for j = 1..k, in nats."""
        return kl_divergence(x, self.sample, k=k)


def run_trial(
    reference: Reference,
    n: int,
    gain: int,
    *,
    m: float | None = None,
    amplifier: str = "gencopy",
    k: int = 5,
    seed: int | np.random.SeedSequence = 0,
    baseline: bool = True,
    entropy_method: str = "nn",
) -> dict[str, Any]:
    """Run one amplification trial and return it as a flat record.

    Draw N training events from ``reference.law``, amplify them by `gain`, and measure the kNN
    divergence of the generated sample from the reference (and of an MC sample of the same size).

    Parameters
    ----------
    reference : Reference
        The law and its large sorted MC sample.
    n : int
        Training events N >= 2 (also k < N is required).
    gain : int
        Gain G >= 1.
    m : float, optional
        Goldilocks statistic; required for binning amplifiers (:data:`BINNING_AMPLIFIERS`),
        ignored otherwise.
    amplifier : str
        A key of :data:`ampcore.amplify.AMPLIFIERS`.
    k : int
        Neighbour order of the reported divergence (FNN's D_k); the full vector 1..k is kept too.
    seed : int or SeedSequence
        Child streams 0 (training sample), 1 (amplifier) and 2 (MC baseline) are derived from it.
    baseline : bool
        Also compute the MC baseline (an independent sample of size G·N from the law).
    entropy_method : str
        How GenCopy estimates h for Δ (see :func:`ampcore.information.sample_entropy`).

    Returns
    -------
    dict
        Keys: ``law, n, m, gain, amplifier, n_generated, width, origin, m_eff, m_generated,
        bound, kld_nats, kld_mc_nats, floor_nats, kld_vector``. Divergences are ``D(gen‖ref)``
        in nats; ``floor_nats`` is the exact ``KL(q_Δ‖p)`` of the training histogram density.
        For ``"gencopy-log"`` the width, origin and both M refer to ``ln x`` and the floor is
        :func:`ampcore.logspace.log_floor`; the divergences are measured in x.
    """
    if not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be an ampcore Reference; got {type(reference).__name__}.")
    n = check_int(n, "n", minimum=2)
    gain = check_int(gain, "gain", minimum=1)
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"`k` must be < `n` (k-th neighbour within the sample); got k={k}, n={n}.")
    check_choice(amplifier, "amplifier", AMPLIFIERS)
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(check_int(seed, "seed", minimum=0))
    law = reference.law
    train = _training_events(law, n, seq)
    binning = amplifier in BINNING_AMPLIFIERS
    width = origin = m_eff = m_generated = floor = math.nan
    if binning:
        if m is None:
            raise ValueError(f"`m` is required for amplifier={amplifier!r}; got None.")
        in_log = amplifier in _LOG_BINNED
        binned = np.log(as_positive_sample(train, "training sample")) if in_log else train
        width = bin_width(binned, m, method=entropy_method)
        origin = float(binned.min())
        out = generate(train, gain, amplifier=amplifier, width=width, origin=origin, rng=child_rng(seq, 1))
        m_eff = float(out.m_eff) if out.m_eff is not None else math.nan
        m_generated = effective_m(np.log(out.sample) if in_log else out.sample, width, origin=origin)
        if in_log:
            floor = float(log_floor(train, width, origin=origin, law=law))
        else:
            floor = histogram_kl(train, width, origin=origin, law=law)
    else:
        out = generate(train, gain, amplifier=amplifier, rng=child_rng(seq, 1))
    vector = kl_divergence(out.sample, reference.sample, k=k, ties="ignore", workers=_KLD_WORKERS)
    kld_mc = math.nan
    if baseline:
        mc = np.asarray(law.rvs(size=out.n_generated, random_state=child_rng(seq, 2)), dtype=np.float64)
        kld_mc = float(kl_divergence(mc, reference.sample, k=k, workers=_KLD_WORKERS)[k - 1])
    return {
        "law": reference.name,
        "n": n,
        "m": float(m) if (binning and m is not None) else math.nan,
        "gain": gain,
        "amplifier": amplifier,
        "n_generated": out.n_generated,
        "width": width,
        "origin": origin,
        "m_eff": m_eff,
        "m_generated": m_generated,
        "bound": bool(satisfies_bound(n, out.n_generated)),
        "kld_nats": float(vector[k - 1]),
        "kld_mc_nats": kld_mc,
        "floor_nats": floor,
        "kld_vector": tuple(float(v) for v in vector),
    }


def _install_references(references: Sequence[Reference]) -> None:
    """Process-pool initializer: keep the references in the worker, sent once per worker."""
    global _KLD_WORKERS
    _KLD_WORKERS = 1
    _WORKER_REFERENCES.clear()
    _WORKER_REFERENCES.update({r.name: r for r in references})


def _run_task(task: tuple[Any, ...]) -> dict[str, Any]:
    reference, n, gain, m, amplifier, k, root_seed, replicate, baseline, entropy_method = task
    if isinstance(reference, str):
        reference = _WORKER_REFERENCES[reference]
    seq = trial_seed(root_seed, reference.name, n, replicate)
    record = run_trial(
        reference, n, gain, m=m, amplifier=amplifier, k=k, seed=seq, baseline=baseline,
        entropy_method=entropy_method,
    )
    record["replicate"] = replicate
    return record


def _reference_id(reference: Reference) -> str:
    """Fingerprint of a reference: its law (name, shape and scale) and a hash of its sample."""
    law = reference.law
    dist = getattr(getattr(law, "dist", None), "name", type(law).__name__)
    args = getattr(law, "args", ())
    kwds = sorted(getattr(law, "kwds", {}).items())
    digest = hashlib.sha256(reference.sample.tobytes()).hexdigest()[:20]
    return f"{dist}{tuple(args)!r}{kwds!r}:{reference.size}:{digest}"


def _task_params(task: tuple[Any, ...], reference_id: str) -> dict[str, Any]:
    """Everything that determines a trial's record: its key in a results store."""
    reference, n, gain, m, amplifier, k, root_seed, replicate, baseline, entropy_method = task
    return {
        "law": reference.name, "reference": reference_id, "n": n, "m": m, "gain": gain,
        "amplifier": amplifier, "replicate": replicate, "root_seed": root_seed, "k": k,
        "baseline": bool(baseline), "entropy_method": entropy_method,
    }


def connect_dask(address: str, *, timeout: float = 10.0) -> Any:
    """Connect to a Dask scheduler for :func:`run_grid`, or fail with an error naming it.

    Parameters
    ----------
    address : str
        Scheduler address, e.g. ``"tcp://scheduler-host:8786"``.
    timeout : float
        Seconds to wait for the scheduler.

    Returns
    -------
    distributed.Client
        Pass it (or ``client.get_executor()``) as ``run_grid(..., executor=client)``; close it
        when done.

    Raises
    ------
    ImportError
        If ``dask.distributed`` is not installed (``pip install "ampcore[dask]"``).
    ConnectionError
        If no scheduler answers at `address` within `timeout` seconds. Nothing has run, so no
        result is lost; trials already in a results store stay there.

    Notes
    -----
    Provenance: no formula (execution only).
    """
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the [dask] extra is installed in CI
        raise ImportError(
            'connect_dask needs dask.distributed: pip install "ampcore[dask]".'
        ) from exc
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
    tasks: Sequence[tuple[Any, ...]], executor: Executor | None, on_result: Callable[[int, dict[str, Any]], None]
) -> None:
    """Run `tasks`; call ``on_result(index, record)`` in the caller's thread as each finishes.

    On an error, the trials that finished are still reported; pending ones are cancelled.
    """
    if executor is None:
        for i, task in enumerate(tasks):
            on_result(i, _run_task(task))
        return
    futures: dict[Future[dict[str, Any]], int] = {}
    # Largest trials first (N·G, doubled when the MC baseline is drawn), so that no worker is
    # left with one big trial at the end; the order does not change any result.
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i][1] * tasks[i][2] * (1 + bool(tasks[i][8])))
    try:
        for i in order:
            futures[executor.submit(_run_task, tasks[i])] = i
        pending = set(futures)
        error: BaseException | None = None
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=futures.__getitem__):
                try:
                    record = fut.result()
                except BaseException as exc:  # a failed trial, a lost worker or scheduler
                    error = error or exc
                else:
                    on_result(futures[fut], record)
            if error is not None:
                raise error
    finally:
        for fut in futures:
            fut.cancel()


_COLUMNS = [
    "law", "n", "m", "gain", "amplifier", "replicate", "n_generated", "width", "origin", "m_eff",
    "m_generated", "bound", "kld_nats", "kld_mc_nats", "floor_nats", "kld_vector",
]


def _dispatch(
    tasks: Sequence[tuple[Any, ...]],
    references: Sequence[Reference],
    executor: Any,
    workers: int | None,
    on_result: Callable[[int, dict[str, Any]], None],
) -> None:
    """Run the tasks on `executor`, or on run_grid's own process pool, or in-process."""
    if executor is not None:
        _run_all(tasks, _as_executor(executor), on_result)
        return
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))  # the CPUs this process may use
        except AttributeError:  # pragma: no cover - not on Linux
            workers = os.cpu_count() or 1
    workers = min(workers, len(tasks))
    if workers <= 1 or len(tasks) < _MIN_POOL_TASKS:
        _run_all(tasks, None, on_result)
        return
    # forkserver: workers start from a clean single-threaded process (safe when the caller runs
    # threads, e.g. a Dask client), and receive the references once through the initializer.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ampcore.experiment"])
    light = [(t[0].name, *t[1:]) for t in tasks]
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_install_references, initargs=(list(references),)
    ) as pool:
        _run_all(light, pool, on_result)


def run_grid(
    laws: Mapping[str, Any] | Sequence[Reference],
    n: Sequence[int],
    m: Sequence[float],
    gain: Sequence[int],
    *,
    amplifiers: Sequence[str] = ("gencopy",),
    replicates: int = 5,
    root_seed: int = 20250101,
    reference_size: int = 200_000,
    k: int = 5,
    baseline: bool = True,
    entropy_method: str = "nn",
    executor: Executor | Any | None = None,
    workers: int | None = None,
    store: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every combination of law × N × M × G × amplifier × replicate.

    Parameters
    ----------
    laws : mapping of name → frozen scipy.stats law, or sequence of Reference
        With a mapping, one :class:`Reference` of `reference_size` events is drawn per law from
        the stream ``SeedSequence(root_seed, spawn_key=(crc32(name), 0))``.
    n, m, gain : sequences
        Training sizes, Goldilocks statistics and gains. M applies to binning amplifiers only;
        other amplifiers run once per (law, N, G, replicate) with ``m = NaN``.
    amplifiers : sequence of str
        Keys of :data:`ampcore.amplify.AMPLIFIERS`.
    replicates : int
        Number of independent training samples per (law, N).
    root_seed : int
        Root of every random stream (see :func:`trial_seed`).
    reference_size : int
        Size of each reference sample when `laws` is a mapping.
    k : int
        Neighbour order of the reported divergence.
    baseline : bool
        Compute the MC baseline once per (law, N, G, replicate) and copy it to every row of that
        group (it does not depend on M or the amplifier).
    entropy_method : str
        Entropy estimator for GenCopy's Δ.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Runs the trials (any ``Executor``: a thread or process pool, ``client.get_executor()``,
        or a Dask ``Client`` itself, see :func:`connect_dask`). Default: a local process pool
        of `workers` processes, or in-process for one worker or a grid of fewer than 8 trials.
        The table is bitwise the same whichever runs it (each trial's seed comes from its values).
    workers : int, optional
        Processes of the default pool (default: every CPU); ``1`` runs in-process. Ignored
        when `executor` is given.
    store : str or path, optional
        A results-store file (:class:`ampcore.store.ResultsStore`, SQLite). Finished trials
        found there are read instead of run, and every trial is written the moment it
        finishes, so an interrupted sweep resumes where it stopped.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per trial, sorted by (law, n, m, gain, amplifier, replicate); see
        :func:`run_trial` for the columns, plus ``replicate``.

    Raises
    ------
    ampcore.store.StoreError
        If `store` is not an ampcore results store (it is never overwritten).

    Examples
    --------
    >>> from scipy import stats
    >>> df = run_grid({"normal": stats.norm()}, [500], [2.5], [1, 4], replicates=2,
    ...               reference_size=20_000)
    >>> df[["gain", "n_generated", "bound"]].drop_duplicates().values.tolist()
    [[1, 500, False], [4, 2000, False]]
    """
    if isinstance(laws, Mapping):
        if not laws:
            raise ValueError("`laws` must name at least one law; got an empty mapping.")
        reference_size = check_int(reference_size, "reference_size", minimum=2)
        root = check_int(root_seed, "root_seed", minimum=0)
        references = [
            Reference.draw(
                law, reference_size, name=str(name),
                rng=np.random.SeedSequence(root, spawn_key=(_law_key(str(name)), _REFERENCE_KEY)),
            )
            for name, law in laws.items()
        ]
    else:
        references = list(laws)
        if not references or not all(isinstance(r, Reference) for r in references):
            raise TypeError("`laws` must be a mapping of name -> law or a non-empty sequence of Reference.")
    names = [r.name for r in references]
    if len(set(names)) != len(names):
        raise ValueError(f"Reference names must be unique; got {names!r}.")
    for name in ("n", "m", "gain", "amplifiers"):
        values = {"n": n, "m": m, "gain": gain, "amplifiers": amplifiers}[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"`{name}` must be a non-empty list; got {values!r}.")
    for a in amplifiers:
        check_choice(a, "amplifiers", AMPLIFIERS)
    replicates = check_int(replicates, "replicates", minimum=1)
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    ns = [check_int(v, "n", minimum=2) for v in n]
    gains = [check_int(v, "gain", minimum=1) for v in gain]
    ms = [float(v) for v in m]
    for v in ms:
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"`m` values must be finite and > 0; got {v!r}.")

    tasks = []
    for ref, size, amp, g, rep in itertools.product(references, ns, amplifiers, gains, range(replicates)):
        m_values: list[float | None] = list(ms) if amp in BINNING_AMPLIFIERS else [None]
        for i, mv in enumerate(m_values):
            first_in_group = amp == amplifiers[0] and i == 0
            tasks.append((ref, size, g, mv, amp, k, root_seed, rep, baseline and first_in_group, entropy_method))

    if workers is not None:
        workers = check_int(workers, "workers", minimum=1)
    records: list[dict[str, Any] | None] = [None] * len(tasks)
    results_store = None
    if store is not None:
        from .store import ResultsStore

        results_store = ResultsStore(store)
    try:
        params: list[dict[str, Any]] = []
        if results_store is not None:
            ids = {r.name: _reference_id(r) for r in references}
            params = [_task_params(t, ids[t[0].name]) for t in tasks]
            from .store import trial_key

            found = results_store.get_many(params)
            for i, p in enumerate(params):
                record = found.get(trial_key(p))
                if record is not None:
                    record["kld_vector"] = tuple(record["kld_vector"])
                    records[i] = record
        todo = [i for i, r in enumerate(records) if r is None]
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), desc="trials")

        def finished(j: int, record: dict[str, Any]) -> None:
            i = todo[j]
            records[i] = record
            if results_store is not None:
                results_store.add(params[i], record)
            if bar is not None:
                bar.update(1)

        try:
            _dispatch([tasks[i] for i in todo], references, executor, workers, finished)
        except BaseException as exc:
            if results_store is not None and hasattr(exc, "add_note"):
                done = sum(r is not None for r in records)
                exc.add_note(
                    f"run_grid: {done} of {len(tasks)} trials are finished and stored in "
                    f"{str(results_store.path)!r}; run the same call again to resume."
                )
            raise
        finally:
            if bar is not None:
                bar.close()
    finally:
        if results_store is not None:
            results_store.close()
    results = records
    frame = pd.DataFrame(list(results), columns=_COLUMNS)
    if baseline:
        keys = ["law", "n", "gain", "replicate"]
        frame["kld_mc_nats"] = frame.groupby(keys)["kld_mc_nats"].transform("max")
    frame = frame.sort_values(["law", "n", "m", "gain", "amplifier", "replicate"], na_position="last")
    return frame.reset_index(drop=True)
