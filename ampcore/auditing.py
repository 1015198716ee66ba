"""Audit a generated sample (`ampcore.audit`, the `ampcore audit` command): a verdict, with intervals.

Use :func:`audit` with the training sample and the generated sample of any generator (a GAN, a
flow, GenCopy, ...) and, if you have one, the true law or a large holdout sample. It answers in one
frozen :class:`Audit`: :meth:`Audit.summary` is the verdict screen (the command prints it),
:meth:`Audit.table` the detailed table, :meth:`Audit.plot` a figure and :meth:`Audit.html` a
standalone report. The verdict answers, with 90 % intervals:

* how many true events the generated sample is worth on ``B = round(N^{1/M})`` equiprobable bins
  (the bound's resolution, M = 2 by default) and on the user's ``N_q`` bins, against the training
  sample's own score (``G_eff(generated)/G_eff(training)``, exactly 1 for copies) and against the
  envelope ``G_eff(∞)`` that an efficient fit of the law's family reaches on B bins;
* the effective number of parameters the generator behaves like, and what more generated events
  would buy;
* whether the generated sample is distinguishable from real data of its own size, and whether a
  subsample of N generated events is distinguishable from N real events (Kolmogorov–Smirnov tests);
* the rule for errors: use N, not N_G, unless the factor's interval says otherwise;
* exact copies of training events and ties inside the generated sample.

Each check gets PASS, WARN or FAIL with its reason. Without a truth the audit gives the ensemble
estimate instead (:func:`ensemble_amplification`). The command
``ampcore audit TRAIN.npy GEN.npy --law norm -o report.html`` runs it on files.

Provenance:

* the bound ``2 ln N_G >= 3 ln N`` is **Quoted** (Watts & Crow 2025, abstract); the measured M
  ``ln N / Ĥ`` at Δ is from the authors' 2022 paper; the expected ``M_G = M_N ln N_G / ln N`` of a
  generator that follows the truth at Δ is **Reconstructed** (ours);
* the truth-based amplification factor follows GANplifying's definition (Butter et al. 2021: the
  quantile MSE on equiprobable bins of the truth, inverted through the expected score of n true
  events; :mod:`ampcore.ampfactor`). Its 90 % interval is **Reconstructed** (ours) from the
  **Standard** fact that Pearson's statistic ``B² n · qMSE`` of n true events is ``χ²_{B−1}``: the
  interval holds the n for which the observed score is within the central 90 % of that law;
* ``G_eff(∞) = 1/(1/G_eff − N/N_G)`` (the factor with the generated sample's own multinomial noise
  ``(1 − 1/B)/(B N_G)`` removed) and ``k_eff = B/G_eff(∞)`` are **Reconstructed** (ours; the
  envelope is :func:`ampcore.envelope.amplification_envelope`);
* the Kolmogorov–Smirnov tests are **Standard** (Kolmogorov 1933, Smirnov 1948; p-values from
  :data:`scipy.stats.kstwo` and :data:`scipy.stats.kstwobign`); above 2^16 events the statistic
  is taken on 2^16 order statistics, which under-states it by at most 2^-16, so the p-value is
  conservative (never claims a difference the full test would not);
* the kNN divergence is FNN's (:func:`ampcore.divergence.kl_divergence`, Standard); its noise is
  the spread of the same estimator on repeated same-size draws of the truth;
* the tail errors: ``sqrt(f(1 − f)/n)`` is Standard (binomial); taking ``n = N`` as the realistic
  error of an estimate from generated events is **Reconstructed** (chapter 7 of the book);
* the ensemble estimate follows Bayesiamplify's definition (Bieringer et al. 2024,
  arXiv:2408.00838, code sbieringer/Bayesiamplify: per bin ``mean²/variance`` of the bin fractions
  over an ensemble of generators, summed; also Bahl et al., arXiv:2509.08048), with two changes of
  ours (**Reconstructed**): the variance has ``ddof = 1``, the members' own sampling variance
  ``p(1 − p)/m`` is subtracted (Bayesiamplify holds the latent draws fixed instead), and the sum
  is multiplied by ``(R − 3)/(R − 1)``, the inverse-χ² bias of ``1/s²`` over R members.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html as _html
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._rng import RNGLike, normalize_rng
from ._validation import as_points, check_bool, check_int, check_law, check_memory, check_positive
from .laws import Law

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# re-exported by ampcore; the helpers (parse_law, ensemble_amplification) and the result types
# (Estimate, Check, Provenance, InputFile, EnsembleEstimate) are used as ampcore.auditing.NAME
__all__ = ["Audit", "audit"]

_TAIL = 0.95  # the tail fraction audited: events above the 95 % point of the truth
LEVEL = 0.01  # the level of every test of the audit (goodness of fit, distinguishability)
_KS_POINTS = 2**16  # order statistics the KS statistic is taken on above this size
_STATUS_ORDER = {"PASS": 0, "WARN": 1, "FAIL": 2}


# --------------------------------------------------------------------------------------------------
# small typed results


@dataclass(frozen=True)
class Estimate:
    """A number with its 90 % interval (``low``, ``high``; NaN when it cannot be computed)."""

    value: float
    low: float = math.nan
    high: float = math.nan

    def text(self, digits: int = 2) -> str:
        """``value [low, high]`` at `digits` significant digits."""
        def f(v: float) -> str:
            if math.isnan(v):
                return "n/a"
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return f"{v:.{digits}g}" if abs(v) < 10 ** digits else f"{v:,.0f}"
        if math.isnan(self.low) and math.isnan(self.high):
            return f(self.value)
        return f"{f(self.value)} [{f(self.low)}, {f(self.high)}]"


@dataclass(frozen=True)
class Check:
    """One check of the audit: ``status`` is ``"PASS"``, ``"WARN"`` or ``"FAIL"``, with its reason."""

    name: str
    status: str
    reason: str


@dataclass(frozen=True)
class InputFile:
    """One input of the audit: its name, shape and the SHA-256 of its bytes."""

    name: str
    shape: tuple[int, ...]
    sha256: str
    hashed: str = "file"  # "file" (the file's bytes) or "float64 array" (the array's bytes)


@dataclass(frozen=True)
class Provenance:
    """What reproduces the audit: the command, the seed, the version, the date and the inputs."""

    command: str
    seed: int | None
    version: str
    date: str
    inputs: tuple[InputFile, ...]

    def lines(self) -> list[str]:
        """The provenance block as lines of text."""
        out = [f"command: {self.command}",
               f"seed: {self.seed if self.seed is not None else 'a Generator passed by the caller'}",
               f"ampcore {self.version}; {self.date}"]
        for item in self.inputs:
            shape = "x".join(f"{s:,}" for s in item.shape)
            out.append(f"{item.name}: {shape}, sha256 {item.sha256} ({item.hashed})")
        return out


@dataclass(frozen=True)
class EnsembleEstimate:
    """The ensemble (holdout-free) estimate of the equivalent events (:func:`ensemble_amplification`).

    Attributes
    ----------
    source : str
        What the ensemble is (refits of an ampcore generator on bootstrap resamples, or files).
    members, bins, member_size : int
        Ensemble size R, equiprobable bins B (training quantiles), events per member (smallest).
    n_equiv : Estimate
        ``Σ_j mean_j² / var_j`` with its 90 % interval (parametric bootstrap of the variances).
    gain : Estimate
        ``n_equiv / N``.
    below_noise_bins : int
        Bins whose ensemble variance is not above the members' own sampling variance (they count
        as infinitely precise; a large number means the members are too small).
    """

    source: str
    members: int
    bins: int
    member_size: int
    n_equiv: Estimate
    gain: Estimate
    below_noise_bins: int
    definition: str = ("Bayesiamplify (Bieringer et al. 2024): per bin mean²/variance of the bin fractions over "
                       "the ensemble, summed")


# --------------------------------------------------------------------------------------------------
# inputs


def _as_events(x: ArrayLike, name: str) -> np.ndarray:
    """`x` through the one point validator (:func:`ampcore._validation.as_points`), as float64 of
    shape (n,) for one-dimensional events and (n, d) otherwise."""
    arr = as_points(x, name)
    return arr[:, 0] if arr.shape[1] == 1 else arr


def _rows(a: np.ndarray) -> np.ndarray:
    """Each row of `a` as one opaque value (for exact-duplicate counting in d dimensions)."""
    b = np.ascontiguousarray(a.reshape(a.shape[0], -1))
    return b.view(np.dtype((np.void, b.dtype.itemsize * b.shape[1]))).ravel()


def _sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes() if a.size < 2**20 else memoryview(np.ascontiguousarray(a)).cast("B")).hexdigest()  # type: ignore[arg-type]


def _dither_width(sorted_x: np.ndarray) -> float:
    """The median non-zero gap between sorted values (the data's own resolution)."""
    gaps = np.diff(sorted_x)
    positive = gaps[gaps > 0]
    if positive.size == 0:
        raise ValueError("every value is equal; there is nothing to audit.")
    return float(np.median(positive))


def _dither(a: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """`a` moved by independent ``Uniform(−w/2, w/2)`` with w its median non-zero gap (the rule of
    :func:`ampcore.information.nn_entropy`)."""
    flat = a if a.ndim == 1 else a.reshape(a.shape[0], -1)
    out = np.empty_like(flat)
    cols = [flat] if flat.ndim == 1 else [flat[:, j] for j in range(flat.shape[1])]
    for j, col in enumerate(cols):
        w = _dither_width(np.sort(col))
        moved = col + gen.uniform(-w / 2, w / 2, size=col.shape[0])
        if out.ndim == 1:
            out[:] = moved
        else:
            out[:, j] = moved
    return out.reshape(a.shape)


def _has_ties(sorted_x: np.ndarray) -> int:
    return int(np.count_nonzero(sorted_x[1:] == sorted_x[:-1]))


# --------------------------------------------------------------------------------------------------
# the law, stated or fitted

_LAW_NAMES = {
    "norm": "the Normal law",
    "lognorm": "the LogNormal law (shape s)",
    "expon": "the exponential law",
    "uniform": "the uniform law",
    "camel": "the camel back of chapter 8 (separation, sd, weight, center)",
}


def parse_law(spec: str, train: ArrayLike | None = None) -> tuple[Any, str]:
    """A law from a text: ``"norm"``, ``"norm:loc=5,scale=2"``, ``"lognorm:s=0.5"`` or ``"fit:norm"``.

    Parameters
    ----------
    spec : str
        ``NAME`` or ``NAME:KEY=VALUE,...`` (keyword parameters of the law, numbers only), or
        ``fit:NAME`` (every parameter fitted to `train` by maximum likelihood). NAME is ``camel``
        (:class:`ampcore.laws.CamelBack`) or a continuous distribution of :mod:`scipy.stats`
        (``norm``, ``lognorm``, ``expon``, ``uniform``, ``gamma``, ...). Nothing in `spec` is evaluated.
    train : array_like, optional
        The training sample, required by ``fit:``.

    Returns
    -------
    (law, description)
        The frozen law and a sentence saying what it is (and that it was fitted, if it was).

    Examples
    --------
    >>> law, said = parse_law("norm:loc=5,scale=2")
    >>> float(law.mean()), said
    (5.0, 'norm(loc=5, scale=2), as stated')
    """
    from scipy import stats

    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"`law` must be a text such as 'norm' or 'norm:loc=5,scale=2'; got {spec!r}.")
    text = spec.strip()
    fit = text.startswith("fit:")
    if fit:
        text = text[4:]
    name, _, rest = text.partition(":")
    name = name.strip()
    dist: Any
    if name == "camel":
        from .laws import CamelBack
        dist = CamelBack
    else:
        dist = getattr(stats, name, None)
        if not isinstance(dist, stats.rv_continuous):
            raise ValueError(f"unknown law {name!r}; use camel or a continuous law of scipy.stats "
                             f"({', '.join(n for n in _LAW_NAMES if n != 'camel')}, ...).")
    params: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip().isidentifier():
            raise ValueError(f"law parameter {item!r} must be KEY=VALUE (for example loc=5).")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"law parameter {key.strip()!r} must be a number; got {value.strip()!r}.") from None
        if not math.isfinite(params[key.strip()]):
            raise ValueError(f"law parameter {key.strip()!r} must be finite; got {value.strip()!r}.")
    if fit:
        if params:
            raise ValueError(f"`fit:{name}` fits every parameter; give no KEY=VALUE (got {rest!r}).")
        if name == "camel":
            raise ValueError("`fit:camel` is not available: the camel back has no maximum-likelihood fit here; "
                             "give its parameters (camel:separation=4,sd=1).")
        if train is None:
            raise ValueError("`fit:` needs the training sample.")
        x = np.asarray(train, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"`fit:{name}` fits a 1-D law; the training sample has shape {x.shape}.")
        fitted = dist.fit(x)
        names = ([s.strip() for s in dist.shapes.split(",")] if dist.shapes else []) + ["loc", "scale"]
        params = dict(zip(names, (float(v) for v in fitted)))
    try:
        law = dist(**params)
        if name != "camel":
            law.mean()  # scipy checks its parameters lazily
            if not np.isfinite(law.ppf(0.5)):
                raise ValueError("the parameters are out of the law's domain")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"law {name!r} does not take {params}: {' '.join(str(exc).split())}.") from None
    shown = ", ".join(f"{k}={v:.6g}" for k, v in params.items())
    described = f"{name}({shown})" if shown else name
    if fit:
        return law, f"{described}, fitted to the training sample by maximum likelihood"
    return law, f"{described}, as stated"


# --------------------------------------------------------------------------------------------------
# statistics on sorted samples (no copy of the generated sample beyond its one sorted copy)


def _ks_law(sorted_x: np.ndarray, cdf: Callable[[np.ndarray], Any]) -> tuple[float, float, bool]:
    """One-sample KS statistic and p-value of a sorted sample against `cdf`; exact below 2^16."""
    from scipy import stats

    n = sorted_x.size
    if n <= _KS_POINTS:
        idx = np.arange(n)
    else:
        idx = np.unique(np.linspace(0, n - 1, _KS_POINTS).astype(np.int64))
    f = np.asarray(cdf(sorted_x[idx]), dtype=np.float64)
    d = float(max(np.max((idx + 1) / n - f), np.max(f - idx / n)))
    return d, float(stats.kstwo.sf(d, n)), n <= _KS_POINTS


def _ecdf(sorted_x: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_x, points, side="right") / sorted_x.size


def _ks_two(sorted_x: np.ndarray, sorted_y: np.ndarray) -> tuple[float, float, bool]:
    """Two-sample KS statistic and asymptotic p-value; a sample above 2^16 is evaluated at 2^16 of its points."""
    from scipy import stats

    def points(s: np.ndarray) -> np.ndarray:
        if s.size <= _KS_POINTS:
            return s
        return s[np.unique(np.linspace(0, s.size - 1, _KS_POINTS).astype(np.int64))]

    t = np.concatenate([points(sorted_x), points(sorted_y)])
    d = float(np.max(np.abs(_ecdf(sorted_x, t) - _ecdf(sorted_y, t))))
    n, m = sorted_x.size, sorted_y.size
    p = float(stats.kstwobign.sf(d * math.sqrt(n * m / (n + m))))
    return d, p, max(n, m) <= _KS_POINTS


def _counts(sorted_x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of a sorted sample in the bins ``(-inf, e_1), [e_1, e_2), …, [e_last, inf)``."""
    cuts = np.searchsorted(sorted_x, edges, side="left")
    return np.diff(np.concatenate(([0], cuts, [sorted_x.size])))


def _measured_m(sorted_x: np.ndarray, width: float, origin: float) -> float:
    """``ln n / H`` of the histogram at (`width`, `origin`) of a sorted sample, in chunks (as
    :func:`ampcore.information.effective_m`, which bins by ``floor((x − origin)/width)``)."""
    totals: dict[int, int] = {}
    chunk = 1 << 20
    for start in range(0, sorted_x.size, chunk):
        idx = np.floor((sorted_x[start:start + chunk] - origin) / width).astype(np.int64)
        change = np.flatnonzero(idx[1:] != idx[:-1]) + 1
        starts = np.concatenate(([0], change))
        lengths = np.diff(np.concatenate((starts, [idx.size])))
        for b, c in zip(idx[starts].tolist(), lengths.tolist()):
            totals[b] = totals.get(b, 0) + c
    counts = np.fromiter(totals.values(), dtype=np.float64)
    p = counts / counts.sum()
    h = float(-np.sum(p * np.log(p)))
    return math.inf if h == 0.0 else math.log(sorted_x.size) / h


def _qmse(counts: np.ndarray) -> float:
    b = counts.size
    return float(np.mean((counts / counts.sum() - 1.0 / b) ** 2))


def _n_equiv(qmse: float, bins: int) -> Estimate:
    """Events of the truth whose expected score is `qmse`, with the χ² 90 % interval."""
    from scipy import stats

    if qmse == 0.0:
        return Estimate(math.inf, math.inf, math.inf)
    scale = bins * bins * qmse
    dof = bins - 1
    return Estimate(dof / scale, float(stats.chi2.ppf(0.05, dof)) / scale, float(stats.chi2.ppf(0.95, dof)) / scale)


def _scaled(e: Estimate, by: float) -> Estimate:
    return Estimate(e.value / by, e.low / by, e.high / by)


def _saturated(g: Estimate, n: int, n_g: int) -> Estimate:
    """``G_eff(∞) = 1/(1/G_eff − N/N_G)`` for each end (inf where the own noise explains the score)."""
    def one(v: float) -> float:
        inv = 1.0 / v - n / n_g if v > 0 else math.inf
        return math.inf if inv <= 0 else 1.0 / inv
    return Estimate(one(g.value), one(g.low), one(g.high))


def _multinomial_sd(counts: np.ndarray, n_boot: int, gen: np.random.Generator, n: int) -> float:
    """Bootstrap sd of ``G_eff`` over the generated sample: multinomial redraws of its bin counts."""
    total = int(counts.sum())
    p = counts / total
    values = np.empty(n_boot)
    for i in range(n_boot):
        values[i] = _n_equiv(_qmse(gen.multinomial(total, p)), counts.size).value / n
    finite = values[np.isfinite(values)]
    return float(np.std(finite, ddof=1)) if finite.size > 1 else math.nan


def _goldilocks_bins(n: int, m: float) -> int:
    from .envelope import goldilocks_bins

    return int(goldilocks_bins(n, m))


def _envelope(law: Law, bins: int) -> tuple[float, str]:
    from .envelope import amplification_envelope

    try:
        return float(amplification_envelope(law, bins)), ""
    except (TypeError, ValueError, AttributeError) as exc:
        return math.nan, f"no envelope for this law ({' '.join(str(exc).split())})"


# --------------------------------------------------------------------------------------------------
# the ensemble estimate


def _edges_from(sorted_train: np.ndarray, bins: int) -> np.ndarray:
    edges = np.quantile(sorted_train, np.arange(1, bins) / bins)
    return np.unique(edges)


# generators the ensemble does not refit: the GAN (minutes for 20 members) and the d-D ones
_NOT_REFITTED = frozenset({"gan", "gencopy_cells", "kde_cells", "radial_fit"})


def ensemble_amplification(
    train: ArrayLike,
    *,
    members: int | Sequence[ArrayLike] = 20,
    generator: str = "kde",
    bins: int | None = None,
    m: float = 2.0,
    member_size: int | None = None,
    rng: RNGLike = 0,
    options: dict[str, Any] | None = None,
) -> EnsembleEstimate:
    """Equivalent true events of a generator without a truth: Bayesiamplify's ensemble estimate.

    Parameters
    ----------
    train : array_like, shape (n,)
        The N training events.
    members : int or sequence of array_like
        An int R >= 4: ampcore refits `generator` on R bootstrap resamples of `train` and draws
        `member_size` events from each. A sequence: generated samples of independently trained
        generators (R >= 4, each 1-D, at least N events), used as the ensemble as they are.
    generator : str
        Name of the one-dimensional generator refitted on the resamples
        (:func:`ampcore.generators.registry.names`, except ``"gan"`` and the d-D ones; default the
        Gaussian KDE, ``"kde"``).
    bins : int, optional
        Equiprobable bins (quantiles of `train`); default ``round(N^{1/M})``.
    m : float
        The Goldilocks M of the default `bins`.
    member_size : int, optional
        Events drawn per refitted member; default ``min(max(100 N, 10^5), 10^6)``.
    rng : int, Generator or None
        Random source of the resamples and the draws (default 0).
    options : dict, optional
        Keyword options of the generator.

    Returns
    -------
    EnsembleEstimate

    Notes
    -----
    Provenance: Bayesiamplify's definition (Bieringer et al. 2024, arXiv:2408.00838, notebook
    ``eval_calibration_amplification.ipynb``: ``np.sum(np.mean(q, 0)**2 / np.std(q, 0)**2)`` over the
    ensemble's bin fractions q), **Quoted** from the code; ``ddof = 1`` and the subtraction of the
    members' sampling variance ``p(1 − p)/m`` and the factor ``(R − 3)/(R − 1)`` (``1/s²`` over-states
    ``1/σ²`` by ``(R − 1)/(R − 3)`` on average) are **Reconstructed** (ours). The memory is one member's
    sample plus four numbers a bin, whatever R. What the spread of an ensemble cannot see is model
    bias: a wrong model refitted on resamples is as stable as a right one (tests/test_auditing.py
    gives the numbers on a Normal and on the camel back).

    Examples
    --------
    >>> x = np.random.default_rng(1).normal(size=500)
    >>> est = ensemble_amplification(x, members=10, generator="refit_normal", rng=2)
    >>> est.bins, est.members, est.gain.value > 3
    (22, 10, True)
    """
    x = _as_events(train, "train")
    if x.ndim != 1:
        raise ValueError(f"`train` must be 1-D for the ensemble estimate; got shape {x.shape}.")
    n = x.size
    if n < 10:
        raise ValueError(f"`train` must hold at least 10 events; got {n}.")
    sorted_train = np.sort(x)
    m = check_positive(m, "m")
    b = _goldilocks_bins(n, m) if bins is None else check_int(bins, "bins", minimum=2)
    edges = _edges_from(sorted_train, b)
    b = edges.size + 1
    gen = normalize_rng(rng)
    given = not isinstance(members, (int, np.integer))
    if given:
        samples = list(members)  # type: ignore[arg-type]
        if len(samples) < 4:
            raise ValueError(f"`members` must hold at least 4 generated samples; got {len(samples)}.")
        r = len(samples)
        source = f"{r} generated samples given by the user"
    else:
        r = check_int(members, "members", minimum=4)
        from .generators.registry import make, names, resolve

        refittable = [g for g in names() if g not in _NOT_REFITTED]
        generator = resolve(generator)
        if generator not in refittable:
            raise ValueError(f"`generator` must be one of {', '.join(refittable)}; got {generator!r}.")
        size = min(max(100 * n, 100_000), 1_000_000) if member_size is None else check_int(member_size, "member_size", minimum=n)
        check_memory(size * 16.0, name="member_size", value=size, what="one ensemble member")
        source = f"{generator} refitted on {r} bootstrap resamples of the training sample, {size:,} events each"
    total = np.zeros(b)
    total_sq = np.zeros(b)
    noise = np.zeros(b)
    smallest = math.inf
    for i in range(r):
        if given:
            sample = _as_events(samples[i], f"members[{i}]")
            if sample.ndim != 1 or sample.size < n:
                raise ValueError(f"`members[{i}]` must be 1-D with at least {n} events; got shape {sample.shape}.")
            sample = np.sort(sample)
        else:
            resample = x[gen.integers(0, n, size=n)]
            model = make(generator, **(options or {})).fit(resample)
            sample = np.sort(np.asarray(model.sample(size, rng=gen), dtype=np.float64).ravel())
        p = _counts(sample, edges) / sample.size
        total += p
        total_sq += p * p
        noise += p * (1 - p) / sample.size
        smallest = min(smallest, sample.size)
    mean = total / r
    var = (total_sq - r * mean * mean) / (r - 1) - noise / r
    below = int(np.count_nonzero(var <= 0))
    per_bin = np.where(var > 0, mean * mean / np.where(var > 0, var, 1.0), math.inf)
    # 1/s² over-states 1/σ² by (R − 1)/(R − 3) on average (inverse χ²); the value is corrected for it
    value = float(per_bin.sum()) * (r - 3) / (r - 1)
    # interval: each variance estimate is σ² χ²_{R−1}/(R−1); redraw them (parametric bootstrap) and
    # invert the ratio (estimate / true value), whose law does not depend on the true value
    boot = np.random.default_rng(gen.integers(2**63))
    ratios = np.empty(400)
    raw = float(per_bin.sum())
    for i in range(ratios.size):
        scale = boot.chisquare(r - 1, size=b) / (r - 1)
        ratios[i] = float(np.sum(np.where(var > 0, mean * mean / np.where(var > 0, var * scale, 1.0), math.inf))) / raw
    if math.isfinite(value):
        low, high = raw / float(np.quantile(ratios, 0.95)), raw / float(np.quantile(ratios, 0.05))
    else:
        low = high = math.inf
    n_equiv = Estimate(value, low, high)
    return EnsembleEstimate(source=source, members=r, bins=b, member_size=int(smallest), n_equiv=n_equiv,
                            gain=_scaled(n_equiv, n), below_noise_bins=below)


# --------------------------------------------------------------------------------------------------
# the audit


@dataclass(frozen=True)
class Audit:
    """The answers of :func:`audit`: the verdict, the checks, the estimates with intervals.

    The verdict screen is :meth:`summary`; the full table :meth:`table`; the report :meth:`html`.

    Attributes
    ----------
    verdict : str
        ``"PASS"``, ``"WARN"`` or ``"FAIL"``: the worst of `checks`.
    answer : str
        The verdict in one sentence.
    checks : tuple of Check
        Each check with its status and reason.
    law_warning : str
        One line when the training sample contradicts the stated law (else empty).
    law_pvalue : float
        KS p-value of the training sample against the truth (law or holdout).
    bins : int
        B = round(N^{1/M}) equiprobable bins: the bound's resolution.
    n_equiv_bound, g_eff_bound : Estimate
        True events the generated sample is worth on B bins, and that over N.
    g_eff_training_bound : float
        The training sample's own factor on the same bins.
    ratio_to_training : float
        ``G_eff(generated)/G_eff(training)`` on B bins (exactly 1 for copies of it).
    g_inf_bound : Estimate
        ``G_eff(∞)``: the factor with the generated sample's own noise removed (what unlimited
        events of this generator would reach).
    g_eff_boot_sd : float
        Bootstrap sd of ``G_eff`` over the generated sample (the part due to N_G alone).
    envelope : float
        The envelope an efficient fit of the law's family reaches on B bins (NaN if unknown).
    k_eff : Estimate
        Effective number of parameters, ``B / G_eff(∞)``.
    n_q, g_eff_user : int, Estimate
        The user's number of quantiles and the factor there (0 and NaN if not given).
    ks_statistic, ks_pvalue : float
        KS test of the generated sample against the truth at its own size N_G.
    ks_pvalue_n : float
        KS test of N generated events (drawn at random) against the truth.
    error_n : float
        The number of events to use in errors of quantities from the generated events.
    error_rule : str
        The rule, in words.
    kld_generated_sd, kld_baseline_sd, kld_training_sd : float
        The kNN divergences' noise: sd over repeated same-size truth draws.
    truth_draws : int
        The number of those draws.
    ensemble : EnsembleEstimate or None
        The holdout-free estimate (always without a truth; with one, when asked).
    provenance : Provenance
    (and the fields of the detailed table, as before: n_train, gain, bound, M, kNN divergences,
    the factors at ``n_qs``, the tail errors, copies and ties.)
    """

    n_train: int
    n_generated: int
    dim: int
    gain: float
    bound_n_generated: float
    bound_holds: bool
    truth: str
    m: float
    width: float
    origin: float
    m_train: float
    m_generated: float
    m_expected: float
    k: int
    kld_generated: float
    kld_baseline: float
    kld_training: float
    kld_size: int
    baseline: str
    n_qs: tuple[int, ...]
    g_eff: tuple[float, ...]
    g_eff_train: tuple[float, ...]
    g_range_low: tuple[float, ...]
    g_range_high: tuple[float, ...]
    tail_cut: float
    tail_true: float
    tail_generated: float
    tail_training: float
    tail_naive_error: float
    tail_realistic_error: float
    copies: int
    ties: int
    verdict: str = "WARN"
    answer: str = ""
    checks: tuple[Check, ...] = ()
    law_warning: str = ""
    law_pvalue: float = math.nan
    bins: int = 0
    n_equiv_bound: Estimate = Estimate(math.nan)
    g_eff_bound: Estimate = Estimate(math.nan)
    g_eff_training_bound: float = math.nan
    ratio_to_training: float = math.nan
    g_inf_bound: Estimate = Estimate(math.nan)
    g_eff_boot_sd: float = math.nan
    envelope: float = math.nan
    k_eff: Estimate = Estimate(math.nan)
    n_q: int = 0
    g_eff_user: Estimate = Estimate(math.nan)
    ks_statistic: float = math.nan
    ks_pvalue: float = math.nan
    ks_pvalue_n: float = math.nan
    error_n: float = math.nan
    error_rule: str = ""
    kld_generated_sd: float = math.nan
    kld_baseline_sd: float = math.nan
    kld_training_sd: float = math.nan
    truth_draws: int = 0
    ensemble: EnsembleEstimate | None = None
    provenance: Provenance | None = None
    dithered: bool = False
    notes: tuple[str, ...] = ()
    train: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    generated: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    law: Law | None = field(repr=False, default=None)

    def headline(self) -> dict[str, Any]:
        """The numbers as a flat dict (for records and tests)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in (
            "n_train", "n_generated", "gain", "bound_n_generated", "bound_holds", "m_train", "m_generated",
            "m_expected", "kld_generated", "kld_baseline", "kld_training", "tail_generated", "tail_true",
            "tail_naive_error", "tail_realistic_error", "copies", "ties", "verdict", "bins",
            "g_eff_training_bound", "ratio_to_training", "envelope", "ks_pvalue", "ks_pvalue_n", "error_n")}
        for name in ("g_eff_bound", "g_inf_bound", "k_eff", "n_equiv_bound"):
            e = getattr(self, name)
            out[name] = {"value": e.value, "low": e.low, "high": e.high}
        out["checks"] = {c.name: c.status for c in self.checks}
        out["g_eff"] = {str(q): g for q, g in zip(self.n_qs, self.g_eff)}
        out["g_range_high"] = {str(q): g for q, g in zip(self.n_qs, self.g_range_high)}
        if self.ensemble is not None:
            out["ensemble_gain"] = {"value": self.ensemble.gain.value, "low": self.ensemble.gain.low,
                                    "high": self.ensemble.gain.high}
        return out

    def summary_lines(self) -> list[str]:
        """The verdict screen as lines (what ``ampcore audit`` prints first)."""
        lines: list[str] = []
        if self.law_warning:
            lines.append(f"WARNING: {self.law_warning}")
        lines.append(f"VERDICT: {self.verdict} - {self.answer}")
        lines.append("")
        n = self.n_train
        if math.isfinite(self.g_eff_bound.value) or math.isinf(self.g_eff_bound.value):
            lines.append(f"worth, B = {self.bins} bins (N^(1/{self.m:g})): {self.n_equiv_bound.text()} true events; "
                         f"G_eff = {self.g_eff_bound.text()} (90 %)")
            if self.n_q:
                lines.append(f"worth, your N_q = {self.n_q}: G_eff = {self.g_eff_user.text()}")
            lines.append(f"  vs the training sample: G_eff(gen)/G_eff(train) = {self.ratio_to_training:.3g} "
                         f"(training {self.g_eff_training_bound:.3g}; exactly 1 for copies)")
            env = "n/a" if not math.isfinite(self.envelope) else f"{self.envelope:.3g}"
            lines.append(f"  vs an efficient fit (envelope G_eff(inf) at B): {env}; this generator's G_eff(inf) = "
                         f"{self.g_inf_bound.text()}, k_eff = {self.k_eff.text()} parameters")
            more = _scaled(self.g_inf_bound, 1.0)
            lines.append(f"  more events: gain N_G/N = {self.gain:,.4g} (bound sqrt(N) = {math.sqrt(n):.3g}); "
                         f"unlimited events of it reach G_eff = {more.text()}")
        if self.ensemble is not None:
            e = self.ensemble
            lines.append(f"ensemble estimate (no truth): G = {e.gain.text()} on {e.bins} bins, {e.source}")
        if math.isfinite(self.ks_pvalue):
            lines.append(f"distinguishable from real data: KS p = {self.ks_pvalue:.2g} at N_G = {self.n_generated:,}; "
                         f"p = {self.ks_pvalue_n:.2g} for {n:,} of its events")
        lines.append(f"errors: {self.error_rule}")
        lines.append("")
        width = max((len(c.name) for c in self.checks), default=0)
        for c in self.checks:
            lines.append(f"{c.status:<4}  {c.name:<{width}}  {c.reason}")
        if self.provenance is not None:
            lines.append("")
            lines += [f"  {line}" for line in self.provenance.lines()]
        return lines

    def summary(self) -> str:
        """The verdict screen as one text."""
        return "\n".join(self.summary_lines())

    def rows(self) -> list[tuple[str, str, str]]:
        """The detailed table as rows ``(check, value, what it means)`` (no pandas needed)."""
        def num(v: float, digits: int = 4) -> str:
            return "n/a" if not math.isfinite(v) else f"{v:.{digits}f}"

        def pm(v: float, sd: float) -> str:
            return num(v) if not math.isfinite(sd) else f"{num(v)} ± {sd:.4f}"

        rows: list[tuple[str, str, str]] = [
            ("training events N", f"{self.n_train:,}", f"dimension {self.dim}"),
            ("generated events N_G", f"{self.n_generated:,}", ""),
            ("gain G = N_G / N", f"{self.gain:,.2f}", f"the bound asks for G >= sqrt(N) = {math.sqrt(self.n_train):.1f}"),
            ("bound 2 ln N_G >= 3 ln N", "holds" if self.bound_holds else "does NOT hold",
             f"N^(3/2) = {self.bound_n_generated:,.0f} generated events"),
            ("training bin width Δ", num(self.width), f"Goldilocks M = {self.m:g} on the training sample"),
            ("measured M of training at Δ", num(self.m_train, 3), "ln N / H at Δ"),
            ("measured M of generated at Δ", num(self.m_generated, 3),
             f"a generator carrying the training information: {num(self.m_expected, 3)} (>= 3 past the bound)"),
            (f"kNN KLD D_{self.k}(generated||truth)", pm(self.kld_generated, self.kld_generated_sd),
             f"nats, {self.kld_size:,} events; ± the estimator's sd over {self.truth_draws} truth draws"),
            (f"kNN KLD D_{self.k}(baseline||truth)", pm(self.kld_baseline, self.kld_baseline_sd),
             f"nats: {self.baseline}; mean ± sd over {self.truth_draws} draws"),
            (f"kNN KLD D_{self.k}(training||truth)", pm(self.kld_training, self.kld_training_sd),
             f"nats, {self.n_train:,} events"),
        ]
        for q, g, gt, lo, hi in zip(self.n_qs, self.g_eff, self.g_eff_train, self.g_range_low, self.g_range_high):
            verdict = "beats N true events (5 % level)" if g > hi else "within what N true events score"
            rows.append((f"amplification factor, N_q = {q}", num(g, 2),
                         f"training sample {num(gt, 2)}; N true events: 90 % in [{num(lo, 2)}, {num(hi, 2)}]; {verdict}"))
        rows += [
            (f"tail fraction above {num(self.tail_cut, 3)}", num(self.tail_generated),
             f"truth {num(self.tail_true)}; training {num(self.tail_training)}"),
            ("  naive error (N_G events)", num(self.tail_naive_error), "treats generated events as independent"),
            ("  realistic error (N events)", num(self.tail_realistic_error),
             f"the training sample's; {self.tail_realistic_error / self.tail_naive_error:.1f}x the naive one"
             if self.tail_naive_error > 0 else "the training sample's"),
            ("exact copies of training events", f"{self.copies:,}", f"{self.copies / self.n_generated:.2%} of generated"),
            ("ties inside the generated sample", f"{self.ties:,}", "a kNN divergence is +inf/nan with ties"),
        ]
        return rows

    def table(self) -> pd.DataFrame:
        """The detailed table: columns ``check``, ``value`` (text) and ``what it means``."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["check", "value", "what it means"])

    def plot(self) -> Figure:
        """A 2 × 2 figure: the samples, the amplification factor, the divergences, the tail fraction."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(2, 2, figsize=(10.0, 7.0))
        ax = axes[0, 0]
        if self.dim == 1:
            lo, hi = np.quantile(self.train, [0.001, 0.999])
            span = hi - lo
            edges = np.linspace(lo - 0.1 * span, hi + 0.1 * span, 61)
            g_sorted = self.generated if np.all(self.generated[1:] >= self.generated[:-1]) else np.sort(self.generated)
            inner = np.searchsorted(g_sorted, edges)
            ax.stairs(np.diff(inner) / (g_sorted.size * np.diff(edges)), edges, lw=1.4,
                      label=f"generated ({self.n_generated:,})")
            ax.hist(self.train, bins=edges, density=True, histtype="step", lw=1.4, label=f"training ({self.n_train:,})")
            if self.law is not None:
                grid = np.linspace(edges[0], edges[-1], 400)
                ax.plot(grid, self.law.pdf(grid), color="k", lw=0.9, label="stated law")
            ax.set_xlabel("x")
            ax.set_ylabel("density")
            ax.legend(fontsize=8)
        else:
            ax.scatter(self.generated[:2000, 0], self.generated[:2000, 1], s=2, alpha=0.4, label="generated")
            ax.scatter(self.train[:, 0], self.train[:, 1], s=4, color="C1", label="training")
            ax.set_xlabel("x[0]")
            ax.set_ylabel("x[1]")
            ax.legend(fontsize=8)
        ax = axes[0, 1]
        if self.n_qs:
            q = np.asarray(self.n_qs)
            ax.fill_between(q, self.g_range_low, self.g_range_high, color="0.85", label="90 % of N true events")
            ax.plot(q, self.g_eff, "o-", label="generated")
            ax.plot(q, self.g_eff_train, "s--", label="training sample")
            if math.isfinite(self.g_eff_bound.value):
                e = self.g_eff_bound
                ax.errorbar([self.bins], [e.value], yerr=[[e.value - e.low], [max(e.high - e.value, 0.0)]],
                            fmt="D", color="C3", capsize=4, label=f"generated at B = {self.bins} (90 %)")
            ax.axhline(1.0, color="0.4", lw=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize=8)
        ax.set_xlabel("quantiles N_q")
        ax.set_ylabel("amplification factor n_equiv / N")
        ax = axes[1, 0]
        values = [self.kld_generated, self.kld_baseline, self.kld_training]
        errors = [self.kld_generated_sd, self.kld_baseline_sd, self.kld_training_sd]
        shown = [v if math.isfinite(v) else 0.0 for v in values]
        ax.bar(["generated", "baseline", "training"], shown, color=["C0", "0.5", "C1"],
               yerr=[e if math.isfinite(e) else 0.0 for e in errors], capsize=4)
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_ylabel(f"kNN KLD D_{self.k}(·‖truth) (nats; ± sd)")
        ax = axes[1, 1]
        ax.errorbar([0], [self.tail_generated], yerr=[self.tail_naive_error], fmt="o", capsize=4, label="generated, naive error")
        ax.errorbar([1], [self.tail_generated], yerr=[self.tail_realistic_error], fmt="o", capsize=4, label="generated, realistic error")
        ax.errorbar([2], [self.tail_training], yerr=[self.tail_realistic_error], fmt="s", capsize=4, label="training")
        if math.isfinite(self.tail_true):
            ax.axhline(self.tail_true, color="k", lw=0.9, ls="--", label="truth")
        ax.set_xticks([0, 1, 2], ["naive", "realistic", "training"])
        ax.set_ylabel("tail fraction")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def html(self, *, title: str = "ampcore audit") -> str:
        """A standalone HTML report: the verdict, the checks, the provenance, the table and the figure."""
        import matplotlib.pyplot as plt

        fig = self.plot()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
        plt.close(fig)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        esc = _html.escape
        colour = {"PASS": "#1a7f37", "WARN": "#9a6700", "FAIL": "#cf222e"}
        checks = "".join(f"<tr><td style=\"color:{colour[c.status]};font-weight:bold\">{c.status}</td>"
                         f"<td>{esc(c.name)}</td><td>{esc(c.reason)}</td></tr>" for c in self.checks)
        lines = self.summary_lines()
        verdict_block = "\n".join(esc(line) for line in lines if not line.startswith("  command")
                                  and not line.startswith(("PASS ", "WARN ", "FAIL ")))
        provenance = "".join(f"<li><code>{esc(line)}</code></li>" for line in
                             (self.provenance.lines() if self.provenance is not None else []))
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        rows = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td>{esc(c)}</td></tr>" for a, b, c in self.rows())
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title><style>body{{font-family:sans-serif;max-width:64em;margin:2em auto}}"
            "td,th{padding:0.2em 0.8em;text-align:left;vertical-align:top}tr:nth-child(even){background:#f3f3f3}"
            "pre{background:#f6f8fa;padding:0.8em;white-space:pre-wrap}</style></head><body>"
            f"<h1>{esc(title)}</h1>"
            f"<h2 style=\"color:{colour[self.verdict]}\">Verdict: {self.verdict}</h2><pre>{verdict_block}</pre>"
            f"<h2>Checks</h2><table><tr><th>status</th><th>check</th><th>reason</th></tr>{checks}</table>"
            f"<h2>Provenance</h2><ul>{provenance}</ul>"
            f"<h2>Details</h2><p>Truth: {esc(self.truth)}. Every number is computed by ampcore (see "
            "<code>help(ampcore.audit)</code> for the formulas and their provenance).</p>"
            f"<table><tr><th>check</th><th>value</th><th>what it means</th></tr>{rows}</table>"
            f"<h2>Figures</h2><img alt=\"audit figures\" src=\"data:image/png;base64,{image}\">"
            + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
            + "</body></html>\n"
        )


def _worst(checks: Sequence[Check]) -> str:
    return max((c.status for c in checks), key=_STATUS_ORDER.__getitem__, default="PASS")


def audit(
    train: ArrayLike,
    generated: ArrayLike,
    *,
    law: Law | None = None,
    reference: ArrayLike | None = None,
    law_description: str | None = None,
    m: float = 2.0,
    n_q: int | str | None = None,
    n_qs: tuple[int | str, ...] = (5, 10, 20, 50),
    k: int = 5,
    reference_size: int = 200_000,
    kld_size: int = 100_000,
    truth_draws: int = 10,
    ensemble: int | Sequence[ArrayLike] | None = None,
    ensemble_generator: str = "kde",
    dither: bool = False,
    rng: RNGLike = 0,
    provenance: Provenance | None = None,
    progress: Callable[[str], None] | None = None,
) -> Audit:
    """Audit a generated sample against its training sample (and the truth, if known).

    Parameters
    ----------
    train : array_like, shape (n,) or (n, d)
        The N training events the generator learnt from (n >= 10). Masked arrays are refused.
    generated : array_like, shape (n_g,) or (n_g, d)
        Its output; ``n_g >= n`` and the same dimension d.
    law : Law or str, optional
        The true law (1-D), or a text for :func:`parse_law` (``"norm:loc=5,scale=2"``, ``"fit:norm"``).
    reference : array_like, optional
        A large holdout sample of the truth instead (same dimension), independent of `train`:
        one that holds most of the training events is refused, a partial overlap is a WARN.
    law_description : str, optional
        How the law was obtained (shown in the report); :func:`parse_law` gives it.
    m : float
        Goldilocks statistic: the bound's resolution is ``B = round(N^{1/m})`` bins (default 2).
    n_q : int or "goldilocks", optional
        Your own number of quantile bins, reported in the verdict beside B.
    n_qs : tuple of int or "goldilocks"
        Numbers of quantiles of the detailed table; ``"goldilocks"`` stands for ``round(N^{1/M})``
        (:func:`ampcore.ampfactor.resolve_n_q`).
    k : int
        Neighbour order of the kNN divergence (``k < n``).
    reference_size : int
        Size of the MC reference drawn from `law` (its memory is checked before any work).
    kld_size : int
        At most this many generated events enter the kNN divergence (a random subset).
    truth_draws : int
        Repeated same-size truth draws that give the divergences' noise (>= 2).
    ensemble : int or sequence of array_like, optional
        Members of the holdout-free ensemble estimate (:func:`ensemble_amplification`): an int
        (refits of `ensemble_generator` on bootstrap resamples) or generated samples of
        independently trained generators. Default: 20 refits when there is no truth, none otherwise.
    ensemble_generator : str
        The generator refitted for an int `ensemble` (a name, as in :func:`ensemble_amplification`).
    dither : bool
        Rounded or low-precision data (float16, values rounded to 0.01) have exact ties, which the
        nearest-neighbour entropy and divergences cannot take. With ``dither=True`` each sample with
        ties is moved by ``Uniform(−w/2, w/2)``, w its median non-zero gap, before those steps
        (copies and ties are counted on the data as given).
    rng : int, Generator or None
        Random source (default 0, so the same call gives the same audit).
    provenance : Provenance, optional
        The command line's own (file names and file hashes); by default built from the arrays.
    progress : callable, optional
        Called with a short message before each long step.

    Returns
    -------
    Audit

    Raises
    ------
    TypeError, ValueError
        Bad samples (not numeric, masked, NaN/inf, wrong shape, generated smaller than training,
        mismatched dimensions), both `law` and `reference`, a reference that is the training
        sample, ties without `dither`, or bad options.
    MemoryError
        A `reference_size` or `kld_size` that would not fit, before any work.

    Notes
    -----
    Provenance: see the module docstring.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.norm.rvs(size=400, random_state=np.random.default_rng(1))
    >>> out = audit(x, stats.norm.rvs(size=40_000, random_state=np.random.default_rng(2)), law=stats.norm())
    >>> out.verdict, out.bins, out.copies
    ('PASS', 20, 0)
    """
    say = progress or (lambda message: None)
    x = _as_events(train, "train")
    g = _as_events(generated, "generated")
    if x.ndim != g.ndim or (x.ndim == 2 and x.shape[1] != g.shape[1]):
        raise ValueError(f"`train` and `generated` must have the same dimension; got shapes {x.shape} and {g.shape}.")
    n, n_g = int(x.shape[0]), int(g.shape[0])
    if n < 10:
        raise ValueError(f"`train` must hold at least 10 events; got {n}.")
    if n_g < n:
        raise ValueError(f"`generated` ({n_g:,} events) must be at least as large as `train` ({n:,}): "
                         "an amplified sample has N_G >= N.")
    if law is not None and reference is not None:
        raise ValueError("Give at most one of `law` (the true law) and `reference` (a holdout sample).")
    m = check_positive(m, "m")
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"`k` must be < the training size {n}; got {k}.")
    reference_size = check_int(reference_size, "reference_size", minimum=100)
    kld_size = check_int(kld_size, "kld_size", minimum=100)
    truth_draws = check_int(truth_draws, "truth_draws", minimum=2)
    dither = check_bool(dither, "dither")
    from .ampfactor import resolve_n_q

    q_list = tuple(sorted({resolve_n_q(q, n, m=m) if isinstance(q, str) else check_int(q, "n_qs", minimum=2)
                           for q in n_qs}))
    user_q = 0 if n_q is None else (resolve_n_q(n_q, n, m=m) if isinstance(n_q, str) else check_int(n_q, "n_q", minimum=2))
    one_d = x.ndim == 1
    if isinstance(law, str):
        law, law_description = parse_law(law, x if one_d else None)
    if law is not None:
        check_law(law)
        if not one_d:
            raise ValueError(f"`law` describes 1-D data; the samples have shape {x.shape}. Give a `reference` sample.")
    check_memory(8.0 * (reference_size + 2 * min(kld_size, n_g)) if law is not None else 0.0,
                 name="reference_size", value=reference_size, what="the MC reference and baseline draws")
    ref = None if reference is None else _as_events(reference, "reference")
    if ref is not None and (ref.ndim != x.ndim or (ref.ndim == 2 and ref.shape[1] != x.shape[1])):
        raise ValueError(f"`reference` must have the dimension of the samples; got shape {ref.shape}, samples {x.shape}.")
    if ref is not None and ref.shape[0] < 2 * max(k + 1, 100):
        raise ValueError(f"`reference` must hold at least {2 * max(k + 1, 100)} events; got {ref.shape[0]}.")
    seed = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else None
    gen = normalize_rng(rng)
    notes: list[str] = []
    checks: list[Check] = []

    from .bound import min_generated_events, satisfies_bound
    from .divergence import kl_divergence
    from .information import bin_width
    from .laws import law_name

    # -- inputs, copies and ties on the data as given -------------------------------------------
    say("sorting the generated sample; exact copies and ties")
    if provenance is None:
        import ampcore
        items = [InputFile("train", tuple(x.shape), _sha256(x), "float64 array"),
                 InputFile("generated", tuple(g.shape), _sha256(g), "float64 array")]
        if ref is not None:
            items.append(InputFile("reference", tuple(ref.shape), _sha256(ref), "float64 array"))
        provenance = Provenance(command="ampcore.audit(...)", seed=seed, version=ampcore.__version__,
                                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                                inputs=tuple(items))
    if one_d:
        gs = np.sort(g)  # the one copy of the generated sample; everything below reads it
        del g
        xs = np.sort(x)
        ties = _has_ties(gs)
        unique_x = np.unique(xs)
        copies = int(np.sum(np.searchsorted(gs, unique_x, side="right") - np.searchsorted(gs, unique_x, side="left")))
        train_ties = _has_ties(xs)
    else:
        gs = g
        xs = x
        rows_g, rows_x = _rows(g), _rows(x)
        copies = int(np.isin(rows_g, np.unique(rows_x)).sum())
        ties = int(n_g - np.unique(rows_g).size)
        train_ties = int(n - np.unique(rows_x).size)
        del rows_g, rows_x
    if ref is not None:
        rows_r = ref if one_d else _rows(ref)
        rows_t = xs if one_d else _rows(x)
        overlap = int(np.isin(rows_t, rows_r).sum())
        if overlap * 2 >= n:
            raise ValueError(f"`reference` holds {overlap:,} of the {n:,} training events: the training sample "
                             "cannot be its own truth. Give an independent holdout sample, or the law.")
        if overlap:
            checks.append(Check("reference independent", "WARN",
                                f"{overlap:,} training events also appear in the reference; a holdout must be independent"))

    # dithered views for the nearest-neighbour steps
    kx, kg = xs, gs
    dithered = False
    if train_ties or (ties and one_d):
        if dither:
            dithered = True
            if train_ties:
                kx = np.sort(_dither(xs, gen)) if one_d else _dither(xs, gen)
            notes.append("Rounded data: samples with exact ties were moved by Uniform(-w/2, w/2), w their median "
                         "non-zero gap, before the nearest-neighbour steps (dither=True).")
        elif train_ties:
            raise ValueError(f"`train` has {train_ties:,} exact ties (rounded or low-precision data), which the "
                             "nearest-neighbour entropy cannot take; pass dither=True (the command line's --dither) "
                             "to break them at the data's own resolution.")

    # -- the truth -----------------------------------------------------------------------------
    truth = "none"
    law_pvalue = math.nan
    law_warning = ""
    ref_sorted: np.ndarray | None = None
    if law is not None:
        truth = f"law {law_description or law_name(law)}"
        say("goodness of fit of the training sample to the stated law")
        _, law_pvalue, _ = _ks_law(xs, law.cdf)
    elif ref is not None:
        truth = "reference (holdout) sample"
        if one_d:
            ref_sorted = np.sort(ref)
            _, law_pvalue, _ = _ks_two(xs, ref_sorted)
    if math.isfinite(law_pvalue):
        fitted = law_description is not None and "fitted" in law_description
        if law_pvalue < LEVEL:
            said = "stated law" if ref is None else "holdout sample"
            law_warning = (f"the training sample contradicts the {said} (KS p = {law_pvalue:.2g} < {LEVEL:g}); "
                           "the truth-based numbers below are measured against the wrong truth.")
            checks.append(Check("truth fits the training sample", "FAIL", f"KS p = {law_pvalue:.2g} < {LEVEL:g}"))
        else:
            checks.append(Check("truth fits the training sample", "PASS",
                                f"KS p = {law_pvalue:.2g} >= {LEVEL:g}"
                                + (" (fitted to the same sample: the p-value is conservative)" if fitted else "")))

    # -- the bound and the measured M ------------------------------------------------------------
    width = origin = m_train = m_generated = m_expected = math.nan
    if one_d:
        say("measured M at the training bin width")
        width = bin_width(kx, m)
        origin = float(xs[0])
        m_train = _measured_m(xs, width, origin)
        m_generated = _measured_m(gs, width, origin)
        m_expected = m_train * math.log(n_g) / math.log(n)
    else:
        notes.append("The measured M at Δ and the amplification factor are defined here for 1-D samples only.")

    # -- the amplification factor at the bound's resolution and at the user's N_q -----------------
    bins = _goldilocks_bins(n, m)
    n_equiv_b = g_eff_b = g_inf = k_eff = g_user = Estimate(math.nan)
    g_train_b = ratio = boot_sd = envelope = math.nan
    g_eff: list[float] = []
    g_train: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    have_truth = law is not None or ref_sorted is not None

    def edges_for(q: int) -> np.ndarray:
        probabilities = np.arange(1, q) / q
        if law is not None:
            return np.asarray(law.ppf(probabilities), dtype=np.float64)
        assert ref_sorted is not None
        return np.asarray(np.quantile(ref_sorted, probabilities), dtype=np.float64)

    if one_d and have_truth:
        from scipy import stats

        say(f"amplification factor on B = {bins} bins and N_q = {', '.join(map(str, q_list))}")
        edges = edges_for(bins)
        counts_g = _counts(gs, edges)
        counts_x = _counts(xs, edges)
        n_equiv_b = _n_equiv(_qmse(counts_g), bins)
        g_eff_b = _scaled(n_equiv_b, n)
        g_train_b = _n_equiv(_qmse(counts_x), bins).value / n
        ratio = g_eff_b.value / g_train_b if g_train_b > 0 else math.nan
        if math.isinf(g_eff_b.value) and math.isinf(g_train_b):
            ratio = 1.0
        boot_sd = _multinomial_sd(counts_g, 200, gen, n)
        g_inf = _saturated(g_eff_b, n, n_g)
        from .envelope import effective_parameters

        def k_of(v: float) -> float:
            return 0.0 if math.isinf(v) else (math.inf if v <= 0 else effective_parameters(bins, v))
        k_eff = Estimate(k_of(g_inf.value), k_of(g_inf.high), k_of(g_inf.low))
        if law is not None:
            envelope, why = _envelope(law, bins)
            if why:
                notes.append(f"Envelope: {why}.")
        if user_q:
            g_user = _scaled(_n_equiv(_qmse(_counts(gs, edges_for(user_q))), user_q), n)
        for q in q_list:
            q_edges = edges_for(q)
            g_eff.append(_n_equiv(_qmse(_counts(gs, q_edges)), q).value / n)
            g_train.append(_n_equiv(_qmse(_counts(xs, q_edges)), q).value / n)
            dof = q - 1
            lows.append(dof / float(stats.chi2.ppf(0.95, dof)))
            highs.append(dof / float(stats.chi2.ppf(0.05, dof)))
        shown_qs = q_list
    else:
        shown_qs = ()

    # -- distinguishability: KS at N_G and at N ---------------------------------------------------
    ks_d = ks_p = ks_p_n = math.nan
    if one_d and have_truth:
        say("Kolmogorov-Smirnov tests against the truth")
        pick = np.sort(gs[gen.integers(0, n_g, size=n)])
        if law is not None:
            ks_d, ks_p, _ = _ks_law(gs, law.cdf)
            _, ks_p_n, _ = _ks_law(pick, law.cdf)
        else:
            assert ref_sorted is not None
            ks_d, ks_p, _ = _ks_two(gs, ref_sorted)
            _, ks_p_n, _ = _ks_two(pick, ref_sorted)

    # -- the kNN divergences with their noise ----------------------------------------------------
    kld_generated = kld_baseline = kld_training = math.nan
    sd_gen = sd_base = sd_train = math.nan
    size = min(n_g, kld_size)
    baseline = "none"
    truth_sample: np.ndarray | None = None
    draw_baseline: Callable[[int], np.ndarray] | None = None
    if law is not None:
        say(f"kNN divergences: an MC reference of {reference_size:,} and {truth_draws} same-size MC draws")
        truth_sample = np.sort(np.asarray(law.rvs(size=reference_size, random_state=gen), dtype=np.float64))

        def draw_baseline(s: int) -> np.ndarray:
            return np.asarray(law.rvs(size=s, random_state=gen), dtype=np.float64)
        baseline = f"MC samples of the same size ({size:,} events)"
    elif ref is not None:
        say(f"kNN divergences: the holdout split, {truth_draws} same-size holdout draws")
        order = gen.permutation(ref.shape[0])
        half = ref.shape[0] // 2
        pool, truth_sample = ref[order[:half]], ref[order[half:]]
        size = min(size, max(k + 1, pool.shape[0] // 2))

        def draw_baseline(s: int) -> np.ndarray:
            return np.asarray(pool[gen.choice(pool.shape[0], size=min(s, pool.shape[0]), replace=False)])
        baseline = f"holdout draws of {size:,} events (the other {truth_sample.shape[0]:,} are the reference)"
    else:
        notes.append("No truth given (law or reference): the divergences, the truth-based factor and the true tail "
                     "fraction cannot be computed; the ensemble estimate stands in for the factor.")
    if truth_sample is not None and draw_baseline is not None:
        import warnings

        from .divergence import TieWarning

        compared = kg if size == n_g else kg[np.sort(gen.choice(n_g, size=size, replace=False))]
        if dithered and ties and one_d:
            compared = np.sort(_dither(compared, gen))
        if size < n_g:
            notes.append(f"The divergence takes a random {size:,} of the {n_g:,} generated events (kld_size).")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TieWarning)
            kld_generated = float(kl_divergence(compared, truth_sample, k)[k - 1])
            kld_training = float(kl_divergence(kx, truth_sample, k)[k - 1])
            base = [float(kl_divergence(draw_baseline(size), truth_sample, k)[k - 1]) for _ in range(truth_draws)]
            base_n = [float(kl_divergence(draw_baseline(n), truth_sample, k)[k - 1]) for _ in range(truth_draws)]
            if any(issubclass(w.category, TieWarning) for w in caught):
                notes.append("Exact ties make some kNN distances zero, so a divergence is +inf, -inf or nan (FNN's "
                             "rule); dither=True breaks ties of rounded data.")
        kld_baseline = float(np.mean(base))
        sd_base = sd_gen = float(np.std(base, ddof=1))
        sd_train = float(np.std(base_n, ddof=1))
        if min(kld_generated, kld_baseline, kld_training) < 0:
            notes.append("A negative kNN divergence is the estimator's noise around a small true value (the "
                         "estimate is not bounded below by 0); read it with its ± sd: "
                         f"the same-size truth draws scatter by {sd_base:.4f} nats.")

    # -- the tail fraction --------------------------------------------------------------------------
    if law is not None:
        cut, tail_true = float(law.ppf(_TAIL)), 1.0 - _TAIL
    elif ref is not None:
        ref_flat = ref if one_d else ref[:, 0]
        cut = float(np.quantile(ref_flat, _TAIL))
        tail_true = float(np.mean(ref_flat > cut))
    else:
        cut, tail_true = float(np.quantile(xs if one_d else x[:, 0], _TAIL)), math.nan
    if one_d:
        f_gen = float(n_g - np.searchsorted(gs, cut, side="right")) / n_g
        f_train = float(n - np.searchsorted(xs, cut, side="right")) / n
    else:
        notes.append("The tail fraction is taken on the first coordinate.")
        f_gen = float(np.mean(gs[:, 0] > cut))
        f_train = float(np.mean(x[:, 0] > cut))
    naive = math.sqrt(f_gen * (1 - f_gen) / n_g)
    realistic = math.sqrt(f_gen * (1 - f_gen) / n)

    # -- the ensemble estimate ---------------------------------------------------------------------
    ens: EnsembleEstimate | None = None
    members = ensemble if ensemble is not None else (20 if not have_truth and one_d else None)
    if members is not None and one_d:
        say("the ensemble estimate (refits on bootstrap resamples)" if isinstance(members, int)
            else "the ensemble estimate (the given generated samples)")
        ens = ensemble_amplification(kx, members=members, generator=ensemble_generator, m=m, rng=gen)

    # -- the checks and the verdict -----------------------------------------------------------------
    if one_d and math.isfinite(g_eff_b.low):
        e = g_eff_b
        if e.low > 1:
            checks.append(Check(f"worth more than N (B = {bins})", "PASS",
                                f"G_eff = {e.text()}: the whole interval is above 1"))
        elif e.high < 1:
            checks.append(Check(f"worth more than N (B = {bins})", "FAIL",
                                f"G_eff = {e.text()}: worth fewer events than its own training sample"))
        else:
            checks.append(Check(f"worth more than N (B = {bins})", "WARN",
                                f"G_eff = {e.text()}: not shown to beat its N training events"))
    elif one_d and math.isinf(g_eff_b.value):
        checks.append(Check(f"worth more than N (B = {bins})", "PASS", "a perfect score on B bins"))
    if ens is not None and not have_truth:
        e = ens.gain
        own = not isinstance(members, int)
        if own:
            status = "PASS" if e.low > 1 else "WARN"
            reason = f"G = {e.text()} over your {ens.members} generators; an ensemble cannot see model bias"
        else:
            status = "WARN"
            reason = (f"no truth: G = {e.text()} for {ensemble_generator} refitted on your training sample, not for "
                      "your generator (pass several of its samples as members); an ensemble cannot see model bias")
        checks.append(Check("ensemble estimate", status, reason))
    if math.isfinite(ks_p):
        if ks_p >= LEVEL:
            checks.append(Check("indistinguishable at N_G", "PASS", f"KS p = {ks_p:.2g} against {n_g:,} real events"))
        else:
            checks.append(Check("indistinguishable at N_G", "WARN",
                                f"KS p = {ks_p:.2g}: {n_g:,} real events would be told apart; count it as "
                                f"{n_equiv_b.value:,.0f} events, not {n_g:,}" if math.isfinite(n_equiv_b.value)
                                else f"KS p = {ks_p:.2g}: {n_g:,} real events would be told apart"))
        if ks_p_n >= LEVEL:
            checks.append(Check("indistinguishable at N", "PASS", f"KS p = {ks_p_n:.2g} for {n:,} of its events"))
        else:
            checks.append(Check("indistinguishable at N", "FAIL",
                                f"KS p = {ks_p_n:.2g}: even {n:,} of its events are told apart from {n:,} real ones"))
    gain = n_g / n
    if gain >= math.sqrt(n):
        checks.append(Check("gain past the bound", "PASS", f"N_G/N = {gain:,.4g} >= sqrt(N) = {math.sqrt(n):.3g}"))
    else:
        checks.append(Check("gain past the bound", "WARN",
                            f"N_G/N = {gain:,.4g} < sqrt(N) = {math.sqrt(n):.3g}: its own noise still counts; "
                            "generating more is cheap"))
    exact_copy = one_d and copies == n_g and ratio == 1.0
    if copies:
        checks.append(Check("no copies of training events", "WARN",
                            f"{copies:,} generated events ({copies / n_g:.1%}) equal a training event"
                            + ("; the sample is the training sample repeated (ratio exactly 1)" if exact_copy else "")
                            + ("; the data are rounded, so some equality is expected" if train_ties else "")))
    else:
        checks.append(Check("no copies of training events", "PASS", "none"))
    if ties:
        checks.append(Check("no ties in the generated sample", "WARN",
                            f"{ties:,} generated events repeat another"
                            + ("; dithered for the kNN steps" if dithered else "; kNN divergences are +inf/nan")))
    else:
        checks.append(Check("no ties in the generated sample", "PASS", "none"))

    # the rule for errors
    if one_d and math.isfinite(g_eff_b.low) and g_eff_b.low > 1:
        error_n = n_equiv_b.low
        error_rule = (f"use n = {error_n:,.0f} (the low end of its worth on B = {bins} bins) for quantities no finer "
                      f"than those bins; never N_G = {n_g:,}")
    else:
        error_n = float(n)
        error_rule = f"use n = N = {n:,} (the training size), not N_G = {n_g:,}"
        if ens is not None and not have_truth and ens.gain.low > 1:
            error_rule += "; the ensemble suggests more, but cannot see model bias"

    verdict = _worst(checks)
    if law_warning:
        answer = "the stated truth contradicts the training sample, so the truth-based numbers do not apply."
    elif one_d and have_truth and math.isfinite(n_equiv_b.value):
        answer = (f"the {n_g:,} generated events are worth {n_equiv_b.text()} true events at the bound's resolution "
                  f"({bins} bins); the training sample has {n:,}.")
        if exact_copy:
            answer = f"the {n_g:,} generated events are the {n:,} training events repeated: worth exactly the training sample."
    elif one_d and have_truth:
        answer = f"the {n_g:,} generated events score perfectly on {bins} bins."
    elif ens is not None:
        answer = (f"no truth: the ensemble estimate gives {ens.n_equiv.text()} equivalent events on {ens.bins} bins "
                  f"({'your generators' if not isinstance(members, int) else ensemble_generator + ' refitted'}; "
                  "model bias not seen).")
    else:
        answer = "no truth and no ensemble: only the bound, copies and ties could be checked."

    return Audit(
        n_train=n, n_generated=n_g, dim=1 if one_d else int(x.shape[1]), gain=gain,
        bound_n_generated=float(min_generated_events(n)), bound_holds=bool(satisfies_bound(n, n_g)), truth=truth,
        m=m, width=width, origin=origin, m_train=m_train, m_generated=m_generated, m_expected=m_expected, k=k,
        kld_generated=kld_generated, kld_baseline=kld_baseline, kld_training=kld_training, kld_size=int(size),
        baseline=baseline, n_qs=tuple(shown_qs), g_eff=tuple(g_eff), g_eff_train=tuple(g_train),
        g_range_low=tuple(lows), g_range_high=tuple(highs), tail_cut=cut, tail_true=tail_true,
        tail_generated=f_gen, tail_training=f_train, tail_naive_error=naive, tail_realistic_error=realistic,
        copies=copies, ties=ties, verdict=verdict, answer=answer, checks=tuple(checks), law_warning=law_warning,
        law_pvalue=law_pvalue, bins=bins, n_equiv_bound=n_equiv_b, g_eff_bound=g_eff_b,
        g_eff_training_bound=g_train_b, ratio_to_training=ratio, g_inf_bound=g_inf, g_eff_boot_sd=boot_sd,
        envelope=envelope, k_eff=k_eff, n_q=user_q, g_eff_user=g_user, ks_statistic=ks_d, ks_pvalue=ks_p,
        ks_pvalue_n=ks_p_n, error_n=error_n, error_rule=error_rule, kld_generated_sd=sd_gen,
        kld_baseline_sd=sd_base, kld_training_sd=sd_train, truth_draws=truth_draws if truth_sample is not None else 0,
        ensemble=ens, provenance=provenance, dithered=dithered, notes=tuple(notes), train=xs, generated=gs, law=law,
    )
