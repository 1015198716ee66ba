"""Re-amplification: amplify amplified data, once or generation after generation.

Use :func:`reamplification_grid` to compare GenCopy trained on ``N' = G·N`` *amplified* events
with GenCopy trained on ``N'`` *real* events (the bin width Δ' is recomputed from ``N'``, as a
user who forgot that the data were amplified would do), :func:`chain_grid` (and the sample-level
:func:`generation_chain`) to follow a sample through many generations of same-size
re-amplification (GenCopy with a moving bin origin, a refitted Normal, a Gaussian KDE), with
:func:`expected_variance` giving the variance each chain should have on average, and
:func:`naive_bound_table` for what the bound claims if the amplified events are taken for real.

Provenance:

* "Amplified data cannot be amplified again" is **Quoted** (paraphrased in a machine-written
  summary of Watts & Crow 2025; ``research/paper.md`` §6); the experiments are **Reconstructed**.
* Variance of a refitted Normal chain, ``σ² ((n-1)/n)^g`` in expectation, is **Standard**
  (the maximum-likelihood variance is biased by ``(n-1)/n``; the model-collapse setting of
  Shumailov et al. 2024).
* Variance growth of a KDE chain (``+h²`` per generation) and of a moving-origin GenCopy chain
  (``+Δ²/6`` per generation) are **Reconstructed** (our derivations, in
  :func:`expected_variance`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_choice, check_int, check_law, check_positive
from ..amplify import GenCopy, KDEModel, kde_bandwidth, reamplify
from ..bound import min_generated_events
from ..divergence import histogram_kl, kl_divergence, normal_kl
from ..laws import Reference, law_name
from .engine import DEFAULT_SEED, Trial, grid, run_trials, trial_threads
from .results import StudyResult, check_list

__all__ = [
    "CHAIN_METHODS",
    "Reamplification",
    "Chains",
    "reamplification_grid",
    "chain_grid",
    "generation_chain",
    "expected_variance",
    "naive_bound_table",
]

CHAIN_METHODS = ("gencopy", "refit_normal", "kde")
"""Chain generators: GenCopy with a moving bin origin, a refitted Normal, a Gaussian KDE."""

_AMPLIFIER_OF = {"gencopy": "gencopy", "refit_normal": "refit_normal", "kde": "smoothed_bootstrap"}


def _reference(law: Any, size: int, seed: int, label: str) -> Reference:
    return Reference.draw(law, check_int(size, "reference_size", minimum=2),
                          rng=np.random.SeedSequence(seed, spawn_key=(0,)), name=label)


# --------------------------------------------------------------------------------------------------
# one re-amplification: amplified N' events vs real N' events


def _measure_reamplification(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    reference: Reference = context["reference"]
    law = reference.law
    n, gain, gain2, m, k = trial.n, trial["gain"], trial["gain2"], trial["m"], trial["k"]
    train = trial.training_sample(law)
    first = GenCopy(m=m).fit(train)
    floor_n = histogram_kl(train, first.width, origin=first.origin, law=law)
    amplified = first.sample(gain * n, rng=trial.rng(1))
    real = np.asarray(law.rvs(size=gain * n, random_state=trial.rng(2)), dtype=np.float64)
    rows = []
    for stream, (source, sample) in enumerate((("amplified", amplified), ("real", real)), start=3):
        second = GenCopy(m=m).fit(sample)
        generated = second.sample(gain2 * sample.size, rng=trial.rng(stream))
        rows.append({
            "n_prime": int(sample.size), "source": source, "width": first.width,
            "width_prime": second.width, "floor_n_nats": floor_n,
            "floor_nats": histogram_kl(sample, second.width, origin=second.origin, law=law),
            "kld_nats": float(kl_divergence(generated, reference.sample, k=k, workers=trial_threads())[k - 1]),
        })
    return rows


@dataclass(frozen=True)
class Reamplification(StudyResult):
    """Rows ``law, n, replicate, gain, gain2, k, m, n_prime, source, width, width_prime,
    floor_n_nats, floor_nats, kld_nats``: ``floor_nats`` is the exact ``KL(q_Δ'‖p)`` of the
    second-stage training histogram, ``floor_n_nats`` the first-stage floor of the N real events."""

    def means(self) -> pd.DataFrame:
        """Mean over replicates by (N', source)."""
        return self.frame.groupby(["n_prime", "source"])[["width_prime", "floor_nats", "kld_nats"]].mean()

    def table(self) -> pd.DataFrame:
        g = self.frame.groupby(["n_prime", "source"])
        out = pd.DataFrame({
            "width Δ'": g["width_prime"].mean().round(4),
            "floor (nats)": g["floor_nats"].mean().round(4),
            "floor sd (nats)": g["floor_nats"].std(ddof=1).round(4),
            "kNN KLD (nats)": g["kld_nats"].mean().round(4),
        })
        return out.reset_index().rename(columns={"n_prime": "N'", "source": "trained on"})

    def headline(self) -> dict[str, Any]:
        means = self.means()
        return {
            "floor_n": float(self.frame["floor_n_nats"].mean()),
            "floor_amplified": {str(n): float(v) for n, v in means.xs("amplified", level="source")["floor_nats"].items()},
            "floor_real": {str(n): float(v) for n, v in means.xs("real", level="source")["floor_nats"].items()},
            "kld_amplified": {str(n): float(v) for n, v in means.xs("amplified", level="source")["kld_nats"].items()},
            "kld_real": {str(n): float(v) for n, v in means.xs("real", level="source")["kld_nats"].items()},
        }


def reamplification_grid(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    m: float = 2.5,
    gain2: int = 5,
    replicates: int = 5,
    k: int = 5,
    reference_size: int = 200_000,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Any,
) -> Reamplification:
    """Train GenCopy on ``N' = G·N`` amplified events and on ``N'`` real events; compare.

    For each first-stage gain G and replicate: draw N real events, amplify them with GenCopy (Δ
    from N at `m`) into ``N'`` events, then treat those as a fresh training set: recompute Δ'
    from ``N'`` at `m` and amplify again by `gain2`. Do the same with ``N'`` real events.

    Parameters
    ----------
    law : Law
        The true law.
    n : int
        Real training events N, ``n > k``.
    gains : sequence of int
        First-stage gains; ``N' = G·N``.
    m : float, optional
        Goldilocks statistic of both stages (Δ = e^ĥ N^(-1/M), ĥ the nearest-neighbour estimate).
    gain2 : int, optional
        Gain of the second stage, >= 1.
    replicates : int, optional
        Independent training samples, >= 1 (shared by every G: common random numbers).
    k : int, optional
        The kNN divergence reported is FNN's ``D_k`` (generated ‖ reference).
    reference_size : int, optional
        Size of the Monte Carlo reference (drawn once, sorted once).
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Reamplification

    Notes
    -----
    Provenance: Reconstructed (the experiment design is ours; the claim it tests is Quoted from a
    summary of Watts & Crow 2025). Amplified data binned at Δ' < Δ keeps the flat-in-bin shape of
    its first-stage histogram, so its floor stays near the N-event floor instead of falling to the
    ``N'``-event floor.

    Examples
    --------
    >>> from scipy import stats
    >>> r = reamplification_grid(stats.norm(), 300, [1, 4], replicates=2, reference_size=20_000)
    >>> len(r), sorted(r.frame["n_prime"].unique().tolist())
    (8, [300, 1200])
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gain_list = [check_int(g, "gains", minimum=1) for g in check_list(gains, "gains")]
    gain2 = check_int(gain2, "gain2", minimum=1)
    k = check_int(k, "k", minimum=1)
    m = check_positive(m, "m")
    if k >= n:
        raise ValueError(f"`k` must be < `n` (k-th neighbour within the sample); got k={k}, n={n}.")
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=gain_list, gain2=gain2, m=m, k=k)
    reference = _reference(law, reference_size, seed, label)  # after every check: no work on a bad grid
    rows = run_trials(_measure_reamplification, trials, context={"reference": reference},
                      cost=lambda t: t["gain"], desc="re-amplification", **engine)
    frame = pd.DataFrame(rows)
    return Reamplification(frame.sort_values(["gain", "source", "replicate"]).reset_index(drop=True))


def naive_bound_table(
    n: int, gains: Sequence[int], *, m_train: float = 2.0, m_gen: float = 3.0
) -> pd.DataFrame:
    """The bound computed naively from ``N' = G·N`` amplified events vs correctly from N.

    Parameters
    ----------
    n : int
        Real training events N >= 1.
    gains : sequence of int
        Gains G >= 1 that produced ``N' = G·N`` events.
    m_train, m_gen : float
        Passed to :func:`ampcore.bound.min_generated_events`.

    Returns
    -------
    pandas.DataFrame
        Columns ``G, N'``, ``naive N'^(3/2)`` (what the bound would allow if the ``N'`` events
        were real), ``correct N^(3/2)`` (the information is still that of N events) and
        ``naive / correct`` (their ratio, ``G^(3/2)``).

    Notes
    -----
    Provenance: the bound is Quoted (Watts & Crow 2025 abstract); that it must be computed from
    the original N (the data processing inequality) is Reconstructed.

    Examples
    --------
    >>> naive_bound_table(100, [1, 4])["naive / correct"].tolist()
    [1.0, 8.0]
    """
    n = check_int(n, "n", minimum=1)
    gain_arr = np.array([check_int(g, "gains", minimum=1) for g in check_list(gains, "gains")], dtype=np.int64)
    n_prime = gain_arr * n
    naive = np.asarray(min_generated_events(n_prime, m_train, m_gen), dtype=np.float64)
    correct = float(min_generated_events(n, m_train, m_gen))
    return pd.DataFrame({
        "G": gain_arr, "N'": n_prime, "naive N'^(3/2)": np.round(naive).astype(np.int64),
        "correct N^(3/2)": np.full(gain_arr.size, round(correct)),
        "naive / correct": np.round(naive / correct, 1),
    })


# --------------------------------------------------------------------------------------------------
# chains of same-size generations


def _smooth_kl(log_q: Any, law: Any, low: float, high: float, num: int = 8001) -> float:
    """KL(q‖p) = ∫ q (ln q − ln p) by Simpson's rule on ``num`` points of [low, high]."""
    from scipy import integrate

    points = np.linspace(low, high, num)
    lq = log_q(points)
    q = np.exp(lq)
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(q > 0, q * (lq - law.logpdf(points)), 0.0)
    return float(integrate.simpson(integrand, x=points))


def _generating_kl(method: str, parent: np.ndarray, child: Any, law: Any) -> float:
    """Exact KL from the law of the density that generated `child` (fitted on `parent`)."""
    if method == "gencopy":
        return float(histogram_kl(parent, child.width, origin=child.origin, law=law))
    if method == "refit_normal":
        mu, sd = float(parent.mean()), float(parent.std())
        if getattr(getattr(law, "dist", None), "name", None) == "norm":
            return float(normal_kl(mu, sd, float(law.mean()), float(law.std())))
        return _smooth_kl(
            lambda t: -0.5 * ((t - mu) / sd) ** 2 - math.log(sd * math.sqrt(2 * math.pi)),
            law, mu - 12 * sd, mu + 12 * sd,
        )
    bw = float(child.bandwidth)
    model = KDEModel(centers=parent, bandwidth=bw, n_train=parent.size)
    return _smooth_kl(model.logpdf, law, parent.min() - 10 * bw, parent.max() + 10 * bw)


def generation_chain(
    x: ArrayLike,
    *,
    generations: int,
    method: str,
    law: Any,
    reference: Reference | None = None,
    m: float = 2.5,
    bandwidth: str | float = "silverman",
    k: int = 5,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Re-amplify `x` with gain 1 for `generations` generations and track how it drifts.

    Parameters
    ----------
    x : array_like, shape (n,)
        Real training events (generation 0), ``n > k``.
    generations : int
        Number of generations, >= 1.
    method : {"gencopy", "refit_normal", "kde"}
        ``"gencopy"``: GenCopy with Δ recomputed from each generation at `m` and a bin origin
        moved by a uniform fraction of Δ every generation; ``"refit_normal"``: fit a Normal by
        maximum likelihood and sample it; ``"kde"``: Gaussian smoothed bootstrap with the
        bandwidth chosen once on `x` by the rule `bandwidth` and then kept fixed.
    law : Law
        The true law of `x` (for the exact divergences).
    reference : Reference, optional
        If given, also the kNN estimate ``D_k(sample‖reference)`` of each generation.
    m : float, optional
        Goldilocks statistic for GenCopy.
    bandwidth : {"silverman", "scott"} or float
        KDE bandwidth rule (applied to `x`) or value.
    k : int, optional
        Neighbour order of the kNN estimate.
    rng : int, Generator or None

    Returns
    -------
    pandas.DataFrame
        One row per generation 0..generations with columns ``method, generation, size, mean,
        variance`` (ddof = 1), ``width`` (GenCopy Δ), ``bandwidth`` (KDE h), ``kl_exact_nats``
        (exact KL from the true law of the density that generated this generation; 0 for
        generation 0 by convention, as it is the law itself) and ``kld_nats`` (kNN estimate, NaN
        without `reference`).

    Notes
    -----
    Provenance: Reconstructed (chain design); the refitted-Normal collapse is the Standard
    model-collapse example (Shumailov et al. 2024). Exact KL: GenCopy generation g is drawn from
    the histogram density of generation g−1 (:func:`ampcore.divergence.histogram_kl`); the Normal
    fit by :func:`ampcore.divergence.normal_kl`; the KDE by Simpson quadrature on 8001 points.

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.norm.rvs(size=200, random_state=np.random.default_rng(0))
    >>> df = generation_chain(x, generations=3, method="refit_normal", law=stats.norm(), rng=1)
    >>> df["generation"].tolist(), bool((df["kl_exact_nats"] >= 0).all())
    ([0, 1, 2, 3], True)
    """
    xs = as_sample_1d(x, "x", min_size=2)
    generations = check_int(generations, "generations", minimum=1)
    check_choice(method, "method", CHAIN_METHODS)
    check_law(law)
    k = check_int(k, "k", minimum=1)
    if k >= xs.size:
        raise ValueError(f"`k` must be < len(x) = {xs.size}; got k={k}.")
    if reference is not None and not isinstance(reference, Reference):
        raise TypeError(f"`reference` must be an ampcore Reference; got {type(reference).__name__}.")
    gen = normalize_rng(rng)
    options: dict[str, Any] = {}
    if method == "gencopy":
        options = {"m": check_positive(m, "m"), "moving_origin": True}
    elif method == "kde":
        options = {"bandwidth": kde_bandwidth(xs, bandwidth)}  # chosen once, then kept fixed
    chain = reamplify(xs, 1, generations=generations, amplifier=_AMPLIFIER_OF[method], rng=gen, **options)
    rows = []
    parent = xs
    for g, child in enumerate([None, *chain]):
        sample = xs if child is None else child.sample
        rows.append({
            "method": method,
            "generation": g,
            "size": int(sample.size),
            "mean": float(sample.mean()),
            "variance": float(sample.var(ddof=1)),
            "width": float(child.width) if child is not None and child.width is not None else math.nan,
            "bandwidth": float(child.bandwidth) if child is not None and child.bandwidth is not None else math.nan,
            "kl_exact_nats": 0.0 if child is None else _generating_kl(method, parent, child, law),
            "kld_nats": (
                float(kl_divergence(sample, reference.sample, k=k, workers=trial_threads())[k - 1])
                if reference is not None else math.nan
            ),
        })
        parent = sample
    return pd.DataFrame(rows)


def _measure_chain(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    x = trial.training_sample(law)
    frame = generation_chain(
        x, generations=trial["generations"], method=trial["method"], law=law,
        reference=context.get("reference"), m=trial["m"], bandwidth=trial["bandwidth_rule"],
        k=trial["k"], rng=trial.rng("chain", trial["method"]),
    )
    rows: list[dict[str, Any]] = frame.drop(columns=["method"]).to_dict("records")
    return rows


@dataclass(frozen=True)
class Chains(StudyResult):
    """Rows ``law, n, replicate, method, generation, size, mean, variance, width, bandwidth,
    kl_exact_nats, kld_nats`` (nats), one per generation of each chain."""

    def expected(self) -> dict[str, np.ndarray]:
        """The expected variance of each method's chains by generation (see :func:`expected_variance`)."""
        generations = int(self.frame["generation"].max())
        n = int(self.frame["n"].iloc[0])
        out: dict[str, np.ndarray] = {}
        for method, part in self.frame.groupby("method", sort=False):
            if method == "refit_normal":
                out[method] = expected_variance("refit_normal", generations, n=n)
            elif method == "kde":
                first = part[part["generation"] == 1]["bandwidth"]
                out[method] = np.mean([expected_variance("kde", generations, n=n, bandwidth=h) for h in first], axis=0)
            else:
                widths = part[part["generation"] > 0].pivot(index="replicate", columns="generation", values="width").to_numpy()
                out[method] = np.mean([expected_variance("gencopy", generations, n=n, width=w) for w in widths], axis=0)
        return out

    def table(self) -> pd.DataFrame:
        """The last generation of every method: variance (mean, sd), expected variance, KL."""
        last_g = int(self.frame["generation"].max())
        last = self.frame[self.frame["generation"] == last_g].groupby("method", sort=False)
        expected = self.expected()
        return pd.DataFrame({
            "generator": list(last.groups),
            "variance (mean)": last["variance"].mean().round(3).to_numpy(),
            "variance (sd over chains)": last["variance"].std(ddof=1).round(3).to_numpy(),
            "expected variance": [round(float(expected[m][-1]), 3) for m in last.groups],
            "exact KL (nats)": last["kl_exact_nats"].mean().round(3).to_numpy(),
            "kNN KLD (nats)": last["kld_nats"].mean().round(3).to_numpy(),
        })

    def headline(self) -> dict[str, Any]:
        t = self.table().set_index("generator")
        chains = int(self.frame["replicate"].nunique())
        sem = self.frame[self.frame["generation"] == self.frame["generation"].max()].groupby("method")["variance"].std(ddof=1) / math.sqrt(chains)
        return {
            "generations": int(self.frame["generation"].max()),
            "chains": chains,
            "variance_last": {m: float(v) for m, v in t["variance (mean)"].items()},
            "variance_sd_last": {m: float(v) for m, v in t["variance (sd over chains)"].items()},
            "variance_sem_last": {m: float(v) for m, v in sem.items()},
            "expected_last": {m: float(v) for m, v in t["expected variance"].items()},
            "kl_exact_last": {m: float(v) for m, v in t["exact KL (nats)"].items()},
        }


def chain_grid(
    law: Any,
    n: int,
    *,
    generations: int,
    methods: Sequence[str] = CHAIN_METHODS,
    replicates: int = 5,
    m: float = 2.5,
    bandwidth: str | float = "silverman",
    k: int = 5,
    reference_size: int | None = 100_000,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Any,
) -> Chains:
    """Run :func:`generation_chain` for each method and replicate from shared training samples.

    Parameters
    ----------
    law : Law
    n : int
        Events per generation (gain 1), ``n > k``.
    generations : int
        Generations per chain.
    methods : sequence of str
        Members of :data:`CHAIN_METHODS`.
    replicates : int
        Independent training samples; all methods of one replicate start from the same sample.
    m, bandwidth, k
        As in :func:`generation_chain`.
    reference_size : int or None
        Size of the kNN reference; None skips the kNN estimates.
    seed : int
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Chains

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours); see :func:`generation_chain`.

    Examples
    --------
    >>> from scipy import stats
    >>> c = chain_grid(stats.norm(), 100, generations=2, replicates=2, reference_size=None)
    >>> sorted(c.frame["method"].unique()), len(c)
    (['gencopy', 'kde', 'refit_normal'], 18)
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    generations = check_int(generations, "generations", minimum=1)
    method_list = [check_choice(v, "methods", CHAIN_METHODS) for v in check_list(methods, "methods")]
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"`k` must be < `n`; got k={k}, n={n}.")
    label = name or law_name(law)
    context: dict[str, Any] = {"laws": {label: law}}
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, method=method_list,
                  generations=generations, m=check_positive(m, "m"),
                  bandwidth_rule=(check_choice(bandwidth, "bandwidth", ("silverman", "scott")) if isinstance(bandwidth, str)
                                  else check_positive(bandwidth, "bandwidth")), k=k)
    if reference_size is not None:  # after every check: no work on a bad grid
        context["reference"] = _reference(law, reference_size, seed, label)
    rows = run_trials(_measure_chain, trials, context=context, desc="chains", **engine)
    frame = pd.DataFrame(rows).drop(columns=["generations", "m", "bandwidth_rule"])
    return Chains(frame)


def expected_variance(
    method: str,
    generations: int,
    *,
    n: int,
    variance0: float = 1.0,
    bandwidth: float | None = None,
    width: float | ArrayLike | None = None,
) -> np.ndarray:
    """Expected sample variance (ddof = 1) of generations 0..`generations` of a gain-1 chain.

    Parameters
    ----------
    method : {"gencopy", "refit_normal", "kde"}
        The chain's generator (see :func:`generation_chain`).
    generations : int
        Last generation, >= 1.
    n : int
        Events per generation, >= 2.
    variance0 : float, optional
        Variance of the true law, > 0.
    bandwidth : float, optional
        Fixed KDE bandwidth h (required for ``"kde"``).
    width : float or array_like, optional
        GenCopy bin width Δ, one value or one per generation 1..`generations` (required for
        ``"gencopy"``).

    Returns
    -------
    numpy.ndarray, shape (generations + 1,)
        With ``a = (n-1)/n``: refitted Normal ``σ² a^g``; KDE
        ``σ² a^g + h² (1 - a^g)/(1 - a)`` (≈ ``σ² + g h²``); moving-origin GenCopy
        ``σ² + Σ_{j<=g} Δ_j²/6``.

    Notes
    -----
    Provenance: Normal refit — Standard (the maximum-likelihood variance has expectation
    ``a σ²``; Shumailov et al. 2024). KDE and GenCopy — Reconstructed (ours): a draw from a
    Gaussian KDE of a sample with population variance ``s0²`` has variance ``s0² + h²`` and
    ``E s0² = a V``; GenCopy with a uniformly moved origin places each point uniformly in its bin
    and redraws it uniformly in the same bin, so each point moves by ``Δ(U - V)`` with U, V
    independent uniforms, which adds ``Δ²/6`` to the variance, and it does not resample points.

    Examples
    --------
    >>> expected_variance("refit_normal", 2, n=10).round(3).tolist()
    [1.0, 0.9, 0.81]
    >>> expected_variance("gencopy", 2, n=10, width=0.6).round(2).tolist()
    [1.0, 1.06, 1.12]
    """
    check_choice(method, "method", CHAIN_METHODS)
    generations = check_int(generations, "generations", minimum=1)
    n = check_int(n, "n", minimum=2)
    variance0 = check_positive(variance0, "variance0")
    g = np.arange(generations + 1, dtype=np.float64)
    a = (n - 1) / n
    if method == "refit_normal":
        return np.asarray(variance0 * a**g)
    if method == "kde":
        if bandwidth is None:
            raise ValueError("`bandwidth` is required for method='kde'; got None.")
        h = check_positive(bandwidth, "bandwidth")
        return np.asarray(variance0 * a**g + h**2 * (1 - a**g) / (1 - a))
    if width is None:
        raise ValueError("`width` is required for method='gencopy'; got None.")
    widths = np.broadcast_to(np.asarray(width, dtype=np.float64), (generations,))
    if not np.all(np.isfinite(widths) & (widths > 0)):
        raise ValueError(f"`width` must be finite and > 0; got {np.asarray(width).tolist()!r}.")
    return np.asarray(variance0 + np.concatenate([[0.0], np.cumsum(widths**2 / 6.0)]))
