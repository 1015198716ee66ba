"""Amplifying in log x: GenCopy on ln x, then back with exp, and its exact floor.

Use this for positive, skewed laws (a LogNormal) where equal-width bins in x are too wide at the
steep rise near 0 and nearly empty in the long tail. :func:`gencopy_log` bins ``ln x`` at the
Goldilocks width, redraws every point uniformly inside its log-bin, and maps back with ``exp``;
:class:`LogLaw` is the law of ``ln X``; :func:`log_floor` is the exact divergence that
log-space copies approach as G grows; :func:`run_log_grid` runs the same trials as
:func:`ampcore.experiment.run_grid` (same training samples, same uniform draws) with the
log-space amplifier.

Provenance: KL divergence is invariant under a smooth bijection (here ``y = ln x``), so the
divergence of the amplified density from p in x equals that of its image in ln x from the law of
``ln X`` — Standard (Cover & Thomas 2006, §8.6 / Kullback 1959; change of variables). Amplifying
in log space is Reconstructed (ours): the summaries of Watts & Crow 2025 only say the method has
"conditions on both the underlying and reconstructed probability distributions".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._rng import RNGLike, child_rng, normalize_rng
from ._validation import as_sample_1d, check_int, check_law, check_positive
from .amplify import Amplified, gencopy
from .bound import satisfies_bound
from .divergence import histogram_kl, kl_divergence
from .experiment import Reference, trial_seed
from .information import bin_width, effective_m
from .summary import kl_by_region

__all__ = ["LogLaw", "gencopy_log", "log_floor", "training_sample", "floor_by_region", "run_log_trial",
           "run_log_grid"]


def _positive_sample(x: ArrayLike, name: str = "x") -> np.ndarray:
    xs = as_sample_1d(x, name, min_size=2)
    if np.any(xs <= 0):
        raise ValueError(
            f"`{name}` must be > 0 to be amplified in log x; got {int(np.sum(xs <= 0))} value(s) <= 0 "
            f"(smallest {float(xs.min())!r})."
        )
    return xs


@dataclass(frozen=True)
class LogLaw:
    """The law of ``Y = ln X`` for a frozen scipy.stats law of a positive X.

    It offers what :func:`ampcore.divergence.histogram_kl` and the samplers need: ``logpdf``,
    ``pdf``, ``cdf``, ``rvs``, ``support`` and ``entropy``.

    Parameters
    ----------
    law : frozen scipy.stats continuous distribution
        The law of X; its support must lie in ``[0, inf)``.

    Notes
    -----
    ``ln q(y) = ln p(e^y) + y`` and ``F_Y(y) = F_X(e^y)`` (change of variables);
    ``h(Y) = h(X) − E[ln X]``. Provenance: Standard (change of variables; Cover & Thomas 2006,
    §8.6). For ``lognorm(s, scale=e^μ)`` this is ``norm(μ, s)``.

    Examples
    --------
    >>> from scipy import stats
    >>> y = LogLaw(stats.lognorm(1.0))
    >>> round(float(y.logpdf(0.3)), 10) == round(float(stats.norm.logpdf(0.3)), 10)
    True
    >>> round(y.entropy(), 4), round(float(stats.norm().entropy()), 4)
    (1.4189, 1.4189)
    """

    law: Any

    def __post_init__(self) -> None:
        check_law(self.law)
        low, _ = self.law.support()
        if not low >= 0:
            raise ValueError(f"`law` must have support in [0, inf) to take logs; its support starts at {low!r}.")

    def logpdf(self, y: ArrayLike) -> np.ndarray:
        """``ln p_X(e^y) + y``."""
        ys = np.asarray(y, dtype=np.float64)
        with np.errstate(over="ignore"):
            return np.asarray(self.law.logpdf(np.exp(ys)), dtype=np.float64) + ys

    def pdf(self, y: ArrayLike) -> np.ndarray:
        """Density of ``ln X``."""
        return np.asarray(np.exp(self.logpdf(y)), dtype=np.float64)

    def cdf(self, y: ArrayLike) -> np.ndarray:
        """``F_X(e^y)``."""
        with np.errstate(over="ignore"):
            return np.asarray(self.law.cdf(np.exp(np.asarray(y, dtype=np.float64))), dtype=np.float64)

    def rvs(self, size: int | tuple[int, ...] = 1, random_state: RNGLike = None) -> np.ndarray:
        """Draws of ``ln X`` (the logs of draws of X)."""
        return np.log(np.asarray(self.law.rvs(size=size, random_state=normalize_rng(random_state)), dtype=np.float64))

    def support(self) -> tuple[float, float]:
        """``(ln low, ln high)`` of X's support (``-inf`` for low = 0)."""
        low, high = self.law.support()
        with np.errstate(divide="ignore"):
            return float(np.log(low)), float(np.log(high))

    def entropy(self) -> float:
        """``h(ln X) = h(X) − E[ln X]`` in nats (E by scipy's ``expect`` quadrature)."""
        return float(self.law.entropy()) - float(self.law.expect(np.log))


def gencopy_log(
    x: ArrayLike,
    gain: int,
    *,
    m: float | None = None,
    width: float | None = None,
    origin: float | None = None,
    entropy_method: str = "nn",
    rng: RNGLike = None,
) -> Amplified:
    """GenCopy in log x: bin ``ln x`` at the Goldilocks width, redraw inside the bins, map back.

    Parameters
    ----------
    x : array_like, shape (n,)
        Positive training events, ``n >= 2``.
    gain : int
        Gain G >= 1; the result has ``G · n`` events.
    m : float, optional
        Goldilocks statistic; ``Δ = e^{h(ln x)} n^(-1/M)`` with h estimated from ``ln x``.
        Give exactly one of `m` and `width`.
    width : float, optional
        Bin width in ln x (dimensionless).
    origin : float, optional
        Left edge of log-bin 0; default ``min(ln x)``.
    entropy_method : str
        Entropy estimator for Δ (see :func:`ampcore.information.sample_entropy`).
    rng : int, Generator, SeedSequence or None
        Random source for the uniform redraws.

    Returns
    -------
    Amplified
        ``sample`` is in x (all values > 0); ``width``, ``origin`` and ``m_eff`` refer to ln x;
        ``method`` is ``"gencopy-log"``.

    Notes
    -----
    Each generated point is ``exp(o + (b + U) Δ)``: uniform in ln x inside its log-bin, i.e.
    density ∝ 1/x inside ``[e^{o+bΔ}, e^{o+(b+1)Δ})`` in x. Bins are narrow in x where data are
    dense near 0 and wide in the tail. Provenance: Reconstructed (ours); GenCopy's steps are
    Quoted from a summary of Watts & Crow 2025 (see :func:`ampcore.amplify.gencopy`).

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.lognorm(1.0).rvs(size=2000, random_state=np.random.default_rng(3))
    >>> out = gencopy_log(x, 10, m=2.5, rng=1)
    >>> out.n_generated, bool(out.sample.min() >= x.min()), out.method
    (20000, True, 'gencopy-log')
    """
    xs = _positive_sample(x)
    logs = np.log(xs)
    out = gencopy(logs, gain, m=m, width=width, origin=origin, entropy_method=entropy_method, rng=rng)
    return Amplified(
        sample=np.exp(out.sample),
        method="gencopy-log",
        n_train=out.n_train,
        gain=out.gain,
        width=out.width,
        origin=out.origin,
        m=out.m,
        m_eff=out.m_eff,
    )


def log_floor(x: ArrayLike, width: float, *, law: Any, origin: float | None = None, per_bin: bool = False) -> float | pd.DataFrame:
    """Exact ``D(q‖p)`` of log-space GenCopy's limiting density q (as G → ∞) from the law p.

    Parameters
    ----------
    x : array_like, shape (n,)
        Positive training events.
    width : float
        Bin width in ln x, > 0.
    law : frozen scipy.stats distribution
        The law of X (support in ``[0, inf)``).
    origin : float, optional
        Left edge of log-bin 0 (default ``min(ln x)``).
    per_bin : bool
        Return the per-bin table of :func:`ampcore.divergence.histogram_kl` (edges in ln x).

    Returns
    -------
    float or pandas.DataFrame
        The divergence in nats.

    Notes
    -----
    ``D(q_X‖p_X) = D(q_Y‖p_Y)`` for ``Y = ln X`` (KL is invariant under a bijection), and q_Y is
    the histogram density of ``ln x``; so this is ``histogram_kl(ln x, width, law=LogLaw(law))``.
    Provenance: Standard (invariance of KL; Cover & Thomas 2006, §8.6 and Eq. 8.71 for
    relative entropy under transformations). The floor reading is Reconstructed.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.lognorm(1.0).rvs(size=2000, random_state=np.random.default_rng(3))
    >>> a = log_floor(x, 0.1976, law=stats.lognorm(1.0))
    >>> b = histogram_kl(np.log(x), 0.1976, law=stats.norm())
    >>> bool(np.isclose(a, b, rtol=1e-12))
    True
    """
    xs = _positive_sample(x)
    width = check_positive(width, "width")
    return histogram_kl(np.log(xs), width, origin=origin, law=LogLaw(law), per_bin=per_bin)


def training_sample(law: Any, n: int, *, name: str, replicate: int, root_seed: int = 20250101) -> np.ndarray:
    """The N training events that :func:`ampcore.experiment.run_grid` uses for one trial.

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
        Drawn from child stream 0 of ``trial_seed(root_seed, name, n, replicate)``, as in
        :func:`ampcore.experiment.run_trial`; so a chapter can look inside the very samples
        behind a grid's rows (e.g. per-bin contributions to the floor).

    Examples
    --------
    >>> from scipy import stats
    >>> training_sample(stats.norm(), 5, name="normal", replicate=0).shape
    (5,)
    """
    check_law(law)
    seq = trial_seed(root_seed, str(name), n, replicate)
    return np.asarray(law.rvs(size=int(n), random_state=child_rng(seq, 0)), dtype=np.float64)


def floor_by_region(
    law: Any,
    n: int,
    m_values: Sequence[float],
    *,
    name: str,
    replicates: int,
    edges: Sequence[float],
    labels: Sequence[str],
    space: str = "linear",
    root_seed: int = 20250101,
    entropy_method: str = "nn",
) -> pd.DataFrame:
    """Where the floor comes from: per-region sums of the exact floor, per M and replicate.

    For each M and replicate, take the training sample of :func:`training_sample` (the one
    ``run_grid`` used), bin it as GenCopy does (``space="linear"``: width from x, origin
    ``min(x)``; ``space="log"``: width from ln x, origin ``min(ln x)``), compute the exact floor
    per bin (:func:`ampcore.divergence.histogram_kl` or :func:`log_floor` with ``per_bin``) and add
    the bins up by region (:func:`ampcore.summary.kl_by_region`, bin midpoint in x or ln x).

    Parameters
    ----------
    law : frozen scipy.stats distribution
        Law of X, support in ``[0, inf)``.
    n : int
        Training events N.
    m_values : sequence of float
        Goldilocks statistics.
    name : str
        The reference name used by the grid (it enters the seeds).
    replicates : int
        Number of replicates (0 .. replicates − 1).
    edges : sequence of float
        Region boundaries in x, increasing, ``len(labels) + 1`` values, each ``>= 0`` or ``-inf``
        for the first (``0`` and ``-inf`` both map to ``-inf`` in ln x).
    labels : sequence of str
        Region names.
    space : {"linear", "log"}
        Bins in x or in ln x.
    root_seed : int
        The grid's root seed.
    entropy_method : str
        Entropy estimator for Δ.

    Returns
    -------
    pandas.DataFrame
        Columns ``m, replicate, region, contribution`` (nats); for each (m, replicate) the
        contributions add up to that trial's ``floor_nats``.

    Notes
    -----
    Provenance: Standard (the per-bin KL sum is additive); the floor reading is Reconstructed.

    Examples
    --------
    >>> from scipy import stats
    >>> t = floor_by_region(stats.lognorm(1.0), 300, [2.5], name="lognormal", replicates=1,
    ...                     edges=[0, 1, np.inf], labels=["low", "high"])
    >>> t["region"].tolist()
    ['low', 'high']
    """
    if space not in ("linear", "log"):
        raise ValueError(f"`space` must be one of 'linear', 'log'; got {space!r}.")
    replicates = check_int(replicates, "replicates", minimum=1)
    e = np.asarray(edges, dtype=np.float64)
    if np.any(np.isnan(e)) or np.any((e < 0) & ~np.isneginf(e)):
        raise ValueError(f"`edges` must be >= 0 (or -inf) to be regions of a positive x; got {e.tolist()}.")
    with np.errstate(divide="ignore"):
        log_edges = np.where(e <= 0, -np.inf, np.log(np.where(e > 0, e, 1.0)))
    rows: list[dict[str, Any]] = []
    for m in m_values:
        m = check_positive(m, "m_values")
        for rep in range(replicates):
            x = training_sample(law, n, name=name, replicate=rep, root_seed=root_seed)
            if space == "linear":
                width = bin_width(x, m, method=entropy_method)
                table = histogram_kl(x, width, law=law, per_bin=True)
                parts = kl_by_region(table, e, labels)
            else:
                width = bin_width(np.log(x), m, method=entropy_method)
                table = log_floor(x, width, law=law, per_bin=True)
                parts = kl_by_region(table, log_edges, labels)
            rows.extend({"m": m, "replicate": rep, "region": r, "contribution": float(v)} for r, v in parts.items())
    return pd.DataFrame(rows)


def run_log_trial(
    reference: Reference,
    n: int,
    gain: int,
    *,
    m: float,
    k: int = 5,
    seed: int | np.random.SeedSequence = 0,
    entropy_method: str = "nn",
) -> dict[str, Any]:
    """One trial of log-space GenCopy, with the same record layout as :func:`run_trial`.

    Parameters
    ----------
    reference : Reference
        The law (positive support) and its sorted MC sample, in x.
    n, gain : int
        Training events N >= 2 (and > k) and gain G >= 1.
    m : float
        Goldilocks statistic for the log-space bin width.
    k : int
        Neighbour order of the reported divergence.
    seed : int or SeedSequence
        Child stream 0 draws the training sample and stream 1 the redraws, as in
        :func:`ampcore.experiment.run_trial`, so with the same seed both see the same events.
    entropy_method : str
        Entropy estimator for Δ (on ln x).

    Returns
    -------
    dict
        As :func:`run_trial` with ``amplifier = "gencopy-log"``; ``width``/``origin``/``m_eff``/
        ``m_generated`` refer to ln x; ``kld_nats`` is ``D(gen‖ref)`` measured in x;
        ``floor_nats`` is :func:`log_floor`; ``kld_mc_nats`` is NaN (take the baseline from
        run_grid, which shares the seeds).

    Examples
    --------
    >>> from scipy import stats
    >>> ref = Reference.draw(stats.lognorm(1.0), 20_000, rng=0, name="lognormal")
    >>> rec = run_log_trial(ref, 500, 4, m=2.5, seed=1)
    >>> rec["n_generated"], rec["amplifier"], rec["floor_nats"] > 0
    (2000, 'gencopy-log', True)
    """
    if not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be an ampcore Reference; got {type(reference).__name__}.")
    n = check_int(n, "n", minimum=2)
    gain = check_int(gain, "gain", minimum=1)
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"`k` must be < `n` (k-th neighbour within the sample); got k={k}, n={n}.")
    m = check_positive(m, "m")
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(check_int(seed, "seed", minimum=0))
    law = reference.law
    train = _positive_sample(np.asarray(law.rvs(size=n, random_state=child_rng(seq, 0)), dtype=np.float64), "training sample")
    logs = np.log(train)
    width = bin_width(logs, m, method=entropy_method)
    origin = float(logs.min())
    out = gencopy_log(train, gain, width=width, origin=origin, rng=child_rng(seq, 1))
    vector = kl_divergence(out.sample, reference.sample, k=k, ties="ignore")
    return {
        "law": reference.name,
        "n": n,
        "m": m,
        "gain": gain,
        "amplifier": "gencopy-log",
        "n_generated": out.n_generated,
        "width": width,
        "origin": origin,
        "m_eff": float(out.m_eff) if out.m_eff is not None else math.nan,
        "m_generated": effective_m(np.log(out.sample), width, origin=origin),
        "bound": bool(satisfies_bound(n, out.n_generated)),
        "kld_nats": float(vector[k - 1]),
        "kld_mc_nats": math.nan,
        "floor_nats": float(log_floor(train, width, origin=origin, law=law)),
        "kld_vector": tuple(float(v) for v in vector),
    }


def _run_task(task: tuple[Any, ...]) -> dict[str, Any]:
    reference, n, gain, m, k, root_seed, replicate, entropy_method = task
    record = run_log_trial(
        reference, n, gain, m=m, k=k, seed=trial_seed(root_seed, reference.name, n, replicate),
        entropy_method=entropy_method,
    )
    record["replicate"] = replicate
    return record


def run_log_grid(
    reference: Reference,
    n: Sequence[int],
    m: Sequence[float],
    gain: Sequence[int],
    *,
    replicates: int = 5,
    root_seed: int = 20250101,
    k: int = 5,
    entropy_method: str = "nn",
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Every (N, M, G, replicate) of log-space GenCopy, as a table like :func:`run_grid`'s.

    Trial (N, replicate) uses :func:`ampcore.experiment.trial_seed` with the reference's name,
    so with the same `root_seed` it trains on exactly the events that ``run_grid`` used for
    linear GenCopy: the two amplifiers are compared on common random numbers.

    Parameters
    ----------
    reference : Reference
        Law (positive support) and sorted reference sample.
    n, m, gain : sequences
        Training sizes, Goldilocks statistics and gains.
    replicates, root_seed, k, entropy_method
        As in :func:`ampcore.experiment.run_grid`.
    executor : concurrent.futures.Executor, optional
        Runs the trials (default serial).

    Returns
    -------
    pandas.DataFrame
        One row per trial, sorted by (n, m, gain, replicate).

    Examples
    --------
    >>> from scipy import stats
    >>> ref = Reference.draw(stats.lognorm(1.0), 20_000, rng=0, name="lognormal")
    >>> df = run_log_grid(ref, [500], [2.5], [1, 4], replicates=2)
    >>> df[["gain", "n_generated"]].drop_duplicates().values.tolist()
    [[1, 500], [4, 2000]]
    """
    if not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be an ampcore Reference; got {type(reference).__name__}.")
    for name, values in (("n", n), ("m", m), ("gain", gain)):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"`{name}` must be a non-empty list; got {values!r}.")
    ns = [check_int(v, "n", minimum=2) for v in n]
    ms = [check_positive(v, "m") for v in m]
    gains = [check_int(v, "gain", minimum=1) for v in gain]
    replicates = check_int(replicates, "replicates", minimum=1)
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    tasks = [
        (reference, size, g, mv, k, root_seed, rep, entropy_method)
        for size in ns for mv in ms for g in gains for rep in range(replicates)
    ]
    results = executor.map(_run_task, tasks) if executor is not None else map(_run_task, tasks)
    frame = pd.DataFrame(list(results))
    return frame.sort_values(["n", "m", "gain", "replicate"]).reset_index(drop=True)
