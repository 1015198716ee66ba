"""Model collapse, replace versus accumulate: refit a model on its own output, generation after generation.

Chapter 6's chains (:mod:`ampcore.studies.reamplification`) *replace* each generation's training
data by the previous model's output. Use :func:`collapse_chain` (one chain) and
:func:`collapse_grid` (many chains through the engine) to compare that with *accumulating*: each
generation trains on everything so far — the real events and every generation's output — for a
refitted Normal and a Gaussian KDE; :func:`expected_model_variance` gives the exact expected
variance of each generation's model, and :func:`kde_kl` the exact KL of a KDE from the true law.

Provenance:

* That accumulating data "avoids model collapse" while replacing it "does indeed tend towards model
  collapse" is **Quoted** from the abstract of Gerstgrasser et al. 2024 (arXiv:2404.01413), who
  prove a bounded test error for accumulated linear-regression chains; the refitted-Normal
  collapse under replacement is the **Standard** example (Shumailov et al. 2024).
* The chains here (a fixed KDE bandwidth chosen once on the real events, n new events per
  generation) and the exact expected variances of :func:`expected_model_variance` (linear
  recursions of the maximum-likelihood variance of a pooled sample) are **Reconstructed** (ours).
* KL of a Normal fit from a Normal law is **Standard** (:func:`ampcore.divergence.normal_kl`); the
  KDE's KL is Simpson quadrature on a grid finer than the bandwidth (numerical, not estimated).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_choice, check_int, check_law, check_positive
from ..generators import NormalModel, kde_bandwidth
from ..generators.registry import make
from ..divergence import normal_kl
from ..laws import Law, law_name
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "COLLAPSE_METHODS",
    "COLLAPSE_MODES",
    "Collapse",
    "collapse_chain",
    "collapse_grid",
    "expected_model_variance",
    "kde_kl",
]

COLLAPSE_METHODS = ("refit_normal", "kde")
"""The refitted generators: a maximum-likelihood Normal and a Gaussian KDE (fixed bandwidth)."""

COLLAPSE_MODES = ("replace", "accumulate")
"""``"replace"``: generation g trains on generation g−1's output only; ``"accumulate"``: on the
real events and every output so far."""


def _is_normal(law: Law) -> bool:
    return getattr(getattr(law, "dist", None), "name", None) == "norm"


def _simpson_kl(log_q: np.ndarray, log_p: np.ndarray, points: np.ndarray) -> float:
    from scipy import integrate

    q = np.exp(log_q)
    with np.errstate(invalid="ignore"):
        integrand = np.where(q > 0, q * (log_q - log_p), 0.0)
    return float(integrate.simpson(integrand, x=points))


def kde_kl(centers: ArrayLike, bandwidth: float, law: Law, *, points_per_bandwidth: int = 4, tail: float = 10.0) -> float:
    """Exact (numerical) ``KL(q‖p)`` of the Gaussian KDE q of `centers` from the law p, in nats.

    Parameters
    ----------
    centers : array_like, shape (n,)
        The KDE's centres (its training events).
    bandwidth : float
        Kernel standard deviation h > 0.
    law : Law
        The true law p (``logpdf``).
    points_per_bandwidth : int, optional
        Grid points per h (>= 4). The integrand is smooth on the scale h, so Simpson's rule
        converges fast: for 200 Normal centres and a Normal p, 4 and 64 points per h agree to
        1e-10 nats (``tests/test_collapse.py`` checks 1e-9 against a dense grid).
    tail : float, optional
        The grid runs from ``min − tail·h`` to ``max + tail·h``.

    Returns
    -------
    float
        ``∫ q (ln q − ln p)`` by Simpson's rule, with ``ln q`` computed by log-sum-exp over every
        centre (no binning of the centres).

    Notes
    -----
    Provenance: Standard (definition of KL; Simpson's rule). Compare
    :func:`ampcore.studies.reamplification.generation_chain`, which integrates the same density
    on a fixed grid of 8001 points.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.norm.rvs(size=200, random_state=np.random.default_rng(0))
    >>> round(kde_kl(x, 0.3, stats.norm()), 4)
    0.0116
    """
    c = np.sort(as_sample_1d(centers, "centers", min_size=1))
    h = check_positive(bandwidth, "bandwidth")
    per_h = check_int(points_per_bandwidth, "points_per_bandwidth", minimum=4)
    tail = check_positive(tail, "tail")
    check_law(law)
    low, high = c[0] - tail * h, c[-1] + tail * h
    num = int(math.ceil((high - low) / h * per_h)) | 1  # odd: Simpson's rule on an even number of panels
    points = np.linspace(low, high, num)
    log_q = np.empty(num)
    norm = math.log(c.size * h * math.sqrt(2 * math.pi))
    chunk = max(1, 2_000_000 // c.size)
    for start in range(0, num, chunk):
        z = (points[start:start + chunk, None] - c[None, :]) / h
        terms = -0.5 * z * z
        peak = terms.max(axis=1)
        log_q[start:start + chunk] = peak + np.log(np.exp(terms - peak[:, None]).sum(axis=1)) - norm
    return _simpson_kl(log_q, np.asarray(law.logpdf(points), dtype=np.float64), points)


def _normal_fit_kl(model: NormalModel, law: Any) -> float:  # Any: a Law with mean() and std() (scipy's frozen laws, TwoPeaks, CamelBack)
    if _is_normal(law):
        return float(normal_kl(model.mean, model.sd, float(law.mean()), float(law.std())))
    low, high = model.mean - 12 * model.sd, model.mean + 12 * model.sd
    points = np.linspace(low, high, 8001)
    log_q = -0.5 * ((points - model.mean) / model.sd) ** 2 - math.log(model.sd * math.sqrt(2 * math.pi))
    return _simpson_kl(log_q, np.asarray(law.logpdf(points), dtype=np.float64), points)


def collapse_chain(
    x: ArrayLike,
    *,
    generations: int,
    method: str,
    mode: str,
    law: Law,
    bandwidth: str | float = "silverman",
    kl: bool = True,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Refit a generator on its own output for `generations` generations, replacing or accumulating.

    Generation 0 is the model fitted on the n real events `x`. Each later generation draws n
    events from the current model; with ``mode="replace"`` the next model is fitted on those n
    events only, with ``mode="accumulate"`` on all events so far (the real ones included), so
    generation g trains on ``(g + 1)·n`` events.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real training events, n >= 2.
    generations : int
        Generations after the first fit, >= 1.
    method : {"refit_normal", "kde"}
        Maximum-likelihood Normal (:class:`ampcore.generators.RefitNormal`), or a Gaussian KDE whose
        bandwidth is chosen once on `x` by the rule `bandwidth` and then kept, as in chapter 6.
    mode : {"replace", "accumulate"}
    law : Law
        The true law of `x` (for the exact KL).
    bandwidth : {"silverman", "scott"} or float
        KDE bandwidth rule (applied to `x`) or value.
    kl : bool, optional
        Compute the exact KL of every generation's model (the costly part for the KDE); NaN
        when False.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        One row per generation 0..`generations`: ``method, mode, generation, train_size,
        bandwidth`` (NaN for the Normal), ``model_mean, model_variance`` (the variance of the
        fitted model: ``sd²`` of the Normal, the training events' variance plus ``h²`` for the
        KDE) and ``kl_exact_nats`` (``KL(model‖law)``).

    Notes
    -----
    Provenance: Reconstructed (chain design, ours), after the replace/accumulate comparison of
    Gerstgrasser et al. 2024; see :func:`expected_model_variance`.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.norm.rvs(size=100, random_state=np.random.default_rng(0))
    >>> df = collapse_chain(x, generations=3, method="refit_normal", mode="accumulate", law=stats.norm(), rng=1)
    >>> df["train_size"].tolist(), bool((df["kl_exact_nats"] >= 0).all())
    ([100, 200, 300, 400], True)
    """
    xs = as_sample_1d(x, "x", min_size=2)
    generations = check_int(generations, "generations", minimum=1)
    check_choice(method, "method", COLLAPSE_METHODS)
    check_choice(mode, "mode", COLLAPSE_MODES)
    check_law(law)
    if not isinstance(kl, bool):
        raise TypeError(f"`kl` must be True or False; got {kl!r}.")
    gen = normalize_rng(rng)
    n = int(xs.size)
    h = kde_bandwidth(xs, bandwidth) if method == "kde" else math.nan
    train = xs
    rows = []
    for g in range(generations + 1):
        options: dict[str, Any] = {"bandwidth": h} if method == "kde" else {}  # the KDE's h, kept fixed
        model = make(method, **options).fit(train)
        if isinstance(model, NormalModel):
            mean, variance = model.mean, model.sd**2
            divergence = _normal_fit_kl(model, law) if kl else math.nan
        else:
            mean, variance = float(train.mean()), float(train.var()) + h * h
            divergence = kde_kl(train, h, law) if kl else math.nan
        rows.append({"method": method, "mode": mode, "generation": g, "train_size": int(train.size),
                     "bandwidth": h, "model_mean": float(mean), "model_variance": float(variance),
                     "kl_exact_nats": float(divergence)})
        if g < generations:
            new = model.sample(n, rng=gen)
            train = new if mode == "replace" else np.concatenate([train, new])
    return pd.DataFrame(rows)


def expected_model_variance(
    method: str,
    mode: str,
    generations: int,
    *,
    n: int,
    variance0: float = 1.0,
    bandwidth: float | None = None,
    start: float | None = None,
) -> np.ndarray:
    """Exact expected variance of the model of generations 0..`generations` of :func:`collapse_chain`.

    Parameters
    ----------
    method : {"refit_normal", "kde"}
    mode : {"replace", "accumulate"}
    generations : int
        Last generation, >= 1.
    n : int
        Real events, and new events per generation, >= 2.
    variance0 : float, optional
        Variance σ² of the true law.
    bandwidth : float, optional
        The fixed KDE bandwidth h (required for ``"kde"``).
    start : float, optional
        The maximum-likelihood variance ``V_0`` of the real events, if known: the expectation is
        then conditional on it (generation 0 is exact) instead of starting from ``E V_0 = aσ²``.
        Every later expectation is linear in ``V_0``, so averaging the conditional curves over
        chains gives the unconditional one, with the real events' own fluctuation removed.

    Returns
    -------
    numpy.ndarray, shape (generations + 1,)
        With ``a = (n − 1)/n`` and h = 0 for the Normal. *Replace*: ``v_0 = aσ² + h²``,
        ``v_g = a v_{g−1} + h²`` (Normal: ``σ² a^{g+1}``). *Accumulate*: the pooled
        maximum-likelihood variance ``V_g`` of ``N_g = (g + 1) n`` events obeys
        ``E V_{g+1} = V_g (1 − c_g/(N_g + n)) + h² (n − c_g)/(N_g + n)`` with ``c_g = n/(N_g + n)``
        and ``V_0 = aσ²``; the model's variance is ``V_g + h²``. For the Normal the product
        ``Π (1 − 1/(n (j + 2)²))`` converges: the variance stays within ``(π²/6 − 1)/n`` of
        ``aσ²``. For the KDE each generation adds about ``h²/(g + 2)``: a growth like
        ``h² ln g``, slow but not bounded.

    Notes
    -----
    Provenance: Reconstructed (ours). Under a model of variance v, n new events have expected
    maximum-likelihood variance ``a v`` and their mean a squared error ``v/n`` (Standard); the
    variance of a union of two samples is the weighted mean of their variances plus the
    between-sample term ``N_g n (m_S − m_g)²/(N_g + n)²`` (Standard); both are linear in v, so
    the expectations follow these recursions exactly.

    Examples
    --------
    >>> expected_model_variance("refit_normal", "replace", 2, n=10).round(3).tolist()
    [0.9, 0.81, 0.729]
    >>> expected_model_variance("refit_normal", "accumulate", 2, n=10).round(4).tolist()
    [0.9, 0.8775, 0.8678]
    """
    check_choice(method, "method", COLLAPSE_METHODS)
    check_choice(mode, "mode", COLLAPSE_MODES)
    generations = check_int(generations, "generations", minimum=1)
    n = check_int(n, "n", minimum=2)
    variance0 = check_positive(variance0, "variance0")
    if method == "kde":
        if bandwidth is None:
            raise ValueError("`bandwidth` is required for method='kde'; got None.")
        h2 = check_positive(bandwidth, "bandwidth") ** 2
    else:
        h2 = 0.0
    a = (n - 1) / n
    first = a * variance0 if start is None else check_positive(start, "start", allow_zero=True)
    out = np.empty(generations + 1)
    if mode == "replace":
        out[0] = first + h2
        for g in range(1, generations + 1):
            out[g] = a * out[g - 1] + h2
        return out
    pooled, size = first, float(n)
    out[0] = pooled + h2
    for g in range(1, generations + 1):
        c = n / (size + n)
        pooled = pooled * (1 - c / (size + n)) + h2 * (n - c) / (size + n)
        size += n
        out[g] = pooled + h2
    return out


def _measure_collapse(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    x = trial.training_sample(law)
    frame = collapse_chain(
        x, generations=trial["generations"], method=trial["method"], mode=trial["mode"], law=law,
        bandwidth=trial["bandwidth_rule"], rng=trial.rng("collapse", trial["method"], trial["mode"]),
    )
    frame["law_variance"] = float(law.var())
    rows: list[dict[str, Any]] = frame.drop(columns=["method", "mode"]).to_dict("records")
    return rows


@dataclass(frozen=True)
class Collapse(StudyResult):
    """Rows ``law, n, replicate, method, mode, generation, train_size, bandwidth, model_mean,
    model_variance, kl_exact_nats, law_variance`` (nats), one per generation of each chain."""

    def pairs(self) -> list[tuple[str, str]]:
        """The (method, mode) pairs of the study, in the order they were run."""
        pairs = self.frame[["method", "mode"]].drop_duplicates()
        return [(str(a), str(b)) for a, b in pairs.itertuples(index=False)]

    def curves(self) -> pd.DataFrame:
        """By (method, mode, generation): mean and standard error over chains of the model's
        variance and exact KL; the exact expected variance given each chain's real events
        (averaged over chains), and the standard error of the chains' deviations from it."""
        g = self.frame.groupby(["method", "mode", "generation"], sort=False)
        chains = g["model_variance"].size()
        out = pd.DataFrame({
            "variance": g["model_variance"].mean(),
            "variance_se": g["model_variance"].std(ddof=1) / np.sqrt(chains),
            "kl": g["kl_exact_nats"].mean(),
            "kl_se": g["kl_exact_nats"].std(ddof=1) / np.sqrt(chains),
        })
        out["expected_variance"] = np.nan
        out["deviation_se"] = np.nan
        for method, mode in self.pairs():
            expected = self.expected(method, mode)
            part = self.frame[(self.frame["method"] == method) & (self.frame["mode"] == mode)]
            observed = part.pivot(index="replicate", columns="generation", values="model_variance").to_numpy()
            deviation = observed - expected
            out.loc[(method, mode), "expected_variance"] = expected.mean(axis=0)
            out.loc[(method, mode), "deviation_se"] = deviation.std(axis=0, ddof=1) / np.sqrt(deviation.shape[0])
        return out

    def expected(self, method: str, mode: str) -> np.ndarray:
        """The exact expected model variance by generation given each chain's real events, one row
        per chain (:func:`expected_model_variance` with ``start`` = the real events' variance)."""
        part = self.frame[(self.frame["method"] == method) & (self.frame["mode"] == mode)]
        generations = int(part["generation"].max())
        n = int(part["n"].iloc[0])
        variance0 = float(part["law_variance"].iloc[0])
        first = part[part["generation"] == 0].sort_values("replicate")
        rows = []
        for h, v0 in zip(first["bandwidth"], first["model_variance"]):
            kde = method == "kde"
            rows.append(expected_model_variance(method, mode, generations, n=n, variance0=variance0,
                                                bandwidth=float(h) if kde else None,
                                                start=float(v0) - (float(h) ** 2 if kde else 0.0)))
        return np.asarray(rows)

    def table(self) -> pd.DataFrame:
        """Generation 0 and the last generation of each (generator, data) pair."""
        c = self.curves()
        last = int(self.frame["generation"].max())
        rows = []
        for method, mode in self.pairs():
            first_row, last_row = c.loc[(method, mode, 0)], c.loc[(method, mode, last)]
            rows.append({
                "generator": method, "data": mode,
                "variance, g = 0": round(float(first_row["variance"]), 3),
                f"variance, g = {last}": round(float(last_row["variance"]), 3),
                "± se": round(float(last_row["variance_se"]), 3),
                "expected": round(float(last_row["expected_variance"]), 3),
                "± se of the difference": round(float(last_row["deviation_se"]), 3),
                "KL (nats), g = 0": round(float(first_row["kl"]), 4),
                f"KL (nats), g = {last}": round(float(last_row["kl"]), 4),
                "± se ": round(float(last_row["kl_se"]), 4),
            })
        return pd.DataFrame(rows)

    def headline(self) -> dict[str, Any]:
        c = self.curves()
        last = int(self.frame["generation"].max())
        out: dict[str, Any] = {"generations": last, "chains": int(self.frame["replicate"].nunique()),
                               "n": int(self.frame["n"].iloc[0])}
        for name, column, g in (("variance_first", "variance", 0), ("variance_first_se", "variance_se", 0),
                                ("variance_last", "variance", last), ("variance_se_last", "variance_se", last),
                                ("expected_last", "expected_variance", last), ("kl_first", "kl", 0),
                                ("kl_first_se", "kl_se", 0), ("kl_last", "kl", last), ("kl_se_last", "kl_se", last)):
            out[name] = {f"{method}_{mode}": float(c.loc[(method, mode, g), column]) for method, mode in self.pairs()}
        out["kl_growth"] = {key: out["kl_last"][key] / out["kl_first"][key] for key in out["kl_last"]}
        z = (c["variance"] - c["expected_variance"]) / c["deviation_se"]
        out["variance_z_last"] = {f"{method}_{mode}": float(z.loc[(method, mode, last)]) for method, mode in self.pairs()}
        out["variance_z_max"] = float(np.abs(z.xs(last, level="generation")).max())
        bandwidths = self.frame[(self.frame["method"] == "kde") & (self.frame["generation"] == 0)]["bandwidth"]
        out["bandwidth_mean"] = float(bandwidths.mean()) if bandwidths.size else math.nan
        return out


def collapse_grid(
    law: Law,
    n: int,
    *,
    generations: int,
    methods: Sequence[str] = COLLAPSE_METHODS,
    modes: Sequence[str] = COLLAPSE_MODES,
    replicates: int = 20,
    bandwidth: str | float = "silverman",
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> Collapse:
    """Run :func:`collapse_chain` for every method, mode and replicate (shared real events).

    Parameters
    ----------
    law : Law
        The true law.
    n : int
        Real events, and new events per generation, >= 2.
    generations : int
        Generations per chain, >= 1.
    methods : sequence of str
        Members of :data:`COLLAPSE_METHODS`.
    modes : sequence of str
        Members of :data:`COLLAPSE_MODES`.
    replicates : int
        Independent chains per (method, mode); all four chains of one replicate start from the
        same real events (common random numbers).
    bandwidth : {"silverman", "scott"} or float
        KDE bandwidth rule (or value), chosen once on the real events.
    seed : int
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Collapse

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours); see the module docstring.

    Examples
    --------
    >>> from scipy import stats
    >>> c = collapse_grid(stats.norm(), 50, generations=2, replicates=2)
    >>> c.table()[["generator", "data"]].values.tolist()
    [['refit_normal', 'replace'], ['refit_normal', 'accumulate'], ['kde', 'replace'], ['kde', 'accumulate']]
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    generations = check_int(generations, "generations", minimum=1)
    method_list = [check_choice(v, "methods", COLLAPSE_METHODS) for v in check_list(methods, "methods")]
    mode_list = [check_choice(v, "modes", COLLAPSE_MODES) for v in check_list(modes, "modes")]
    rule = (check_choice(bandwidth, "bandwidth", ("silverman", "scott")) if isinstance(bandwidth, str)
            else check_positive(bandwidth, "bandwidth"))
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, method=method_list, mode=mode_list,
                  generations=generations, bandwidth_rule=rule)
    rows = run_trials(_measure_collapse, trials, context={"laws": {label: law}}, desc="collapse",
                      cost=lambda t: (t["generations"] if t["mode"] == "accumulate" else 1.0)
                      * (10.0 if t["method"] == "kde" else 1.0), **engine)
    return Collapse(pd.DataFrame(rows).drop(columns=["generations", "bandwidth_rule"]))
