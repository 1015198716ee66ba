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
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._rng import RNGLike, normalize_rng
from .._validation import as_sample_1d, check_choice, check_finite, check_int, check_law, check_positive
from ..generators import GenCopy, KDEModel, kde_bandwidth, reamplify
from ..generators.registry import make
from ..bound import min_generated_events
from ..divergence import histogram_kl, kl_divergence, normal_kl
from ..floor import fisher_information, floor_terms, kld_gain_law
from ..laws import Law, Reference, law_name
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials, trial_threads
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "CHAIN_METHODS",
    "Reamplification",
    "Chains",
    "reamplification_grid",
    "chain_grid",
    "generation_chain",
    "expected_variance",
    "naive_bound_table",
    "INTEGRITY_GENERATORS",
    "Integrity",
    "integrity_study",
    "naive_intervals",
    "expected_coverage",
]

CHAIN_METHODS = ("gencopy", "refit_normal", "kde")
"""Chain generators: GenCopy with a moving bin origin, a refitted Normal, a Gaussian KDE."""



def _reference(law: Law, size: int, seed: int, label: str) -> Reference:
    return Reference.draw(law, check_int(size, "reference_size", minimum=2),
                          rng=np.random.SeedSequence(seed, spawn_key=(0,)), name=label)


# --------------------------------------------------------------------------------------------------
# one re-amplification: amplified N' events vs real N' events


def _median_knn_distance(sample: np.ndarray, reference: np.ndarray, k: int) -> float:
    """Median over `sample` of the distance to the k-th nearest point of the sorted `reference`."""
    idx = np.searchsorted(reference, sample)
    offsets = np.arange(-k, k)
    cand = np.clip(idx[:, None] + offsets[None, :], 0, reference.size - 1)
    dist = np.sort(np.abs(reference[cand] - sample[:, None]), axis=1)
    return float(np.median(dist[:, k - 1]))


def _dg_terms(sample: np.ndarray, model: Any, fisher: float) -> dict[str, float]:
    """Occupied bins, noise ``(B_occ - 1)/(2N)`` and binning bias ``Δ² J / 24`` of `model`'s histogram."""
    terms = floor_terms(sample, model.width, fisher=fisher, origin=model.origin)
    return {"occupied_bins": terms.occupied_bins, "noise_nats": terms.noise, "bias_nats": terms.bias}


def _measure_reamplification(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    reference: Reference = context["reference"]
    law, fisher = reference.law, context["fisher"]
    n, gain, gain2, m, k = trial.n, trial["gain"], trial["gain2"], trial["m"], trial["k"]
    train = trial.training_sample(law)
    first = GenCopy(m=m).fit(train)
    floor_n = histogram_kl(train, first.width, origin=first.origin, law=law)
    amplified = first.sample(gain * n, rng=trial.rng(1))
    real = np.asarray(law.rvs(size=gain * n, random_state=trial.rng(2)), dtype=np.float64)
    threads = trial_threads()
    rows = []
    for stream, (source, sample) in enumerate((("amplified", amplified), ("real", real)), start=3):
        second = GenCopy(m=m).fit(sample)
        generated = second.sample(gain2 * sample.size, rng=trial.rng(stream))
        terms = _dg_terms(sample, second, fisher)
        rows.append({
            "n_prime": int(sample.size), "source": source, "n_generated": int(generated.size),
            "stage_gain": gain2, "width": first.width, "width_prime": second.width, "floor_n_nats": floor_n,
            "floor_nats": histogram_kl(sample, second.width, origin=second.origin, law=law),
            "kld_nats": float(kl_divergence(generated, reference.sample, k=k, workers=threads)[k - 1]),
            "knn_scale": _median_knn_distance(generated, reference.sample, k),
            # the D(G) law holds for GenCopy trained on iid events only: not for the amplified branch
            **(terms if source == "real" else dict.fromkeys(terms, math.nan)),
        })
    # the one-stage control: the N real events amplified straight to the same N_G = G·G2·N
    direct = first.sample(gain * gain2 * n, rng=trial.rng(5))
    rows.append({
        "n_prime": gain * n, "source": "one-stage", "n_generated": int(direct.size),
        "stage_gain": gain * gain2, "width": first.width, "width_prime": first.width, "floor_n_nats": floor_n,
        "floor_nats": floor_n,
        "kld_nats": float(kl_divergence(direct, reference.sample, k=k, workers=threads)[k - 1]),
        "knn_scale": _median_knn_distance(direct, reference.sample, k),
        **_dg_terms(train, first, fisher),
    })
    for row in rows:
        # the gain law D(G) = floor − noise/G (kld_gain_law, with the stage's exact floor) at the
        # gain G of the stage that made the sample
        known = math.isfinite(row["noise_nats"])  # NaN for the amplified branch (no law there)
        row["dg_nats"] = (float(kld_gain_law(row["stage_gain"], noise=row["noise_nats"], floor=row["floor_nats"]))
                          if known else math.nan)
    return rows


@dataclass(frozen=True)
class Reamplification(StudyResult):
    """Rows ``law, n, replicate, gain, gain2, k, m, n_prime, source, n_generated, stage_gain, width,
    width_prime, floor_n_nats, floor_nats, kld_nats, knn_scale, occupied_bins, noise_nats, bias_nats,
    dg_nats``, one per (trial, source).

    ``source`` is ``"amplified"`` (the second stage trained on the ``N'`` amplified events),
    ``"real"`` (trained on ``N'`` real events) or ``"one-stage"`` (the control: the N real events
    amplified straight to the same ``N_G = G·G2·N``). ``floor_nats`` is the exact ``KL(q‖p)`` of the
    histogram the sample was drawn from (Δ' for the second stages, Δ of the N events for the
    control), ``floor_n_nats`` the floor of the N real events; ``knn_scale`` the median distance
    from a generated event to its k-th neighbour in the reference; ``dg_nats`` the D(G) law
    ``floor − noise/G`` (:func:`ampcore.floor.kld_gain_law`) at the gain of the last stage (NaN for the amplified branch, whose
    training events are not iid).
    """

    def means(self) -> pd.DataFrame:
        """Mean over replicates by (N', source)."""
        cols = ["n_generated", "width_prime", "floor_nats", "kld_nats", "knn_scale", "dg_nats"]
        return self.frame.groupby(["n_prime", "source"])[cols].mean()

    def table(self) -> pd.DataFrame:
        g = self.frame.groupby(["n_prime", "source"])
        out = pd.DataFrame({
            "N_G": g["n_generated"].first(),
            "width Δ'": g["width_prime"].mean().round(4),
            "floor (nats)": g["floor_nats"].mean().round(4),
            "floor sd (nats)": g["floor_nats"].std(ddof=1).round(4),
            "kNN KLD (nats)": g["kld_nats"].mean().round(4),
            "kNN KLD sd (nats)": g["kld_nats"].std(ddof=1).round(4),
            "D(G) law (nats)": g["dg_nats"].mean().round(4),
        })
        law = out["D(G) law (nats)"]  # no law for the amplified branch: a dash, not NaN, for readers
        out["D(G) law (nats)"] = law.astype(object).where(law.notna(), "—")
        return out.reset_index().rename(columns={"n_prime": "N'", "source": "trained on"})

    def headline(self) -> dict[str, Any]:
        """Means by (N', source), keyed by N' (``"2000"``), and the same at the smallest and the
        largest N' under role names (``*_first``, ``*_top``) that do not depend on the grid."""
        means = self.means()

        def by_n(source: str, column: str) -> dict[str, float]:
            return {str(n): float(v) for n, v in means.xs(source, level="source")[column].items()}

        first, top = str(int(self.frame["n_prime"].min())), str(int(self.frame["n_prime"].max()))
        replicates = int(self.frame["replicate"].nunique())
        sem = self.frame.groupby(["source", "n_prime"])["kld_nats"].std(ddof=1) / math.sqrt(replicates)
        sems = {s: {str(n): float(v) for n, v in part.droplevel(0).items()} for s, part in sem.groupby(level=0)}
        floor_real, floor_amp = by_n("real", "floor_nats"), by_n("amplified", "floor_nats")
        kld_real, dg_real = by_n("real", "kld_nats"), by_n("real", "dg_nats")
        kld_amp, kld_one = by_n("amplified", "kld_nats"), by_n("one-stage", "kld_nats")
        return {
            "replicates": replicates,
            "gain2": int(self.frame["gain2"].iloc[0]),
            "max_gain": int(self.frame["gain"].max()),
            "n_prime_first": int(first), "n_prime_top": int(top),
            "n_generated_top": int(self.frame[self.frame["n_prime"] == int(top)]["n_generated"].min()),
            "floor_n": float(self.frame["floor_n_nats"].mean()),
            "floor_amplified": floor_amp, "floor_real": floor_real,
            "kld_amplified": kld_amp, "kld_real": kld_real, "kld_one_stage": kld_one,
            "kld_sem": {source.replace("-", "_"): values for source, values in sems.items()},
            "dg_real": dg_real, "dg_one_stage": by_n("one-stage", "dg_nats"),
            "floor_real_first": floor_real[first], "floor_real_top": floor_real[top],
            "floor_amplified_min": min(floor_amp.values()), "floor_amplified_max": max(floor_amp.values()),
            "floor_amplified_top": floor_amp[top],
            "kld_amplified_top": kld_amp[top], "kld_one_stage_top": kld_one[top], "kld_real_top": kld_real[top],
            "kld_sem_amplified_top": sems["amplified"][top], "kld_sem_one_stage_top": sems["one-stage"][top],
            "kld_sem_real_top": sems["real"][top],
            "dg_real_top": dg_real[top],
            # the kNN estimate and the D(G) law of the real branch as fractions of its exact floor
            "kld_over_floor_real_top": kld_real[top] / floor_real[top],
            "dg_over_floor_real_top": dg_real[top] / floor_real[top],
            "knn_scale_max": float(self.frame["knn_scale"].max()),
            "width_prime_min": float(self.frame["width_prime"].min()),
            **self._paired_z(),
        }

    def _paired_z(self) -> dict[str, Any]:
        """Paired comparisons by N', in standard errors of the mean paired difference over replicates.

        ``two_stage_z`` (kNN divergence, two-stage output minus the one-stage control),
        ``floor_amplified_z`` (exact floor of the second stage trained on amplified events minus
        the floor of the N real events they came from) and ``dg_real_z`` (the real branch's kNN
        divergence minus its D(G) law), each by N' and with its largest size (``*_max``). Standard
        (the mean and standard error of paired differences); with few replicates the standard
        error has few degrees of freedom.
        """
        wide = self.frame.pivot_table(index=["n_prime", "replicate"], columns="source",
                                      values=["kld_nats", "floor_nats", "dg_nats", "floor_n_nats"], aggfunc="first")
        diffs = {
            "two_stage_z": wide[("kld_nats", "amplified")] - wide[("kld_nats", "one-stage")],
            "floor_amplified_z": wide[("floor_nats", "amplified")] - wide[("floor_n_nats", "amplified")],
            "dg_real_z": wide[("kld_nats", "real")] - wide[("dg_nats", "real")],
        }
        out: dict[str, Any] = {}
        for key, diff in diffs.items():
            g = diff.groupby(level="n_prime")
            z = g.mean() / (g.std(ddof=1) / np.sqrt(g.count()))
            out[key] = {str(int(n)): float(v) for n, v in z.items()}
            out[f"{key}_max"] = float(z.abs().max())
        return out


def reamplification_grid(
    law: Law,
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
    **engine: Unpack[EngineOptions],
) -> Reamplification:
    """Train GenCopy on ``N' = G·N`` amplified events and on ``N'`` real events; compare both
    with the one-stage control.

    For each first-stage gain G and replicate: draw N real events, amplify them with GenCopy (Δ
    from N at `m`) into ``N'`` events, then treat those as a fresh training set: recompute Δ'
    from ``N'`` at `m` and amplify again by `gain2`. Do the same with ``N'`` real events. The
    control amplifies the N real events in one stage to the same total ``N_G = G·gain2·N``, so
    that the effect of a second stage is separated from that of the total gain.

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
    ``N'``-event floor. The D(G) law of the kNN estimate, ``bias + noise·(1 − 1/G)`` with
    ``noise = (B_occ − 1)/(2N)`` and ``bias = Δ² J / 24`` (:func:`ampcore.floor.floor_terms`), is
    Reconstructed (ours): at G = 1 GenCopy's output is marginally an iid sample of the binned law,
    and G copies keep the bin counts ``G·n_j``, so only the share ``1 − 1/G`` of the bin-count
    noise is seen by an estimate from the generated sample.

    Examples
    --------
    >>> from scipy import stats
    >>> r = reamplification_grid(stats.norm(), 300, [1, 4], replicates=2, reference_size=20_000)
    >>> len(r), sorted(r.frame["n_prime"].unique().tolist()), sorted(r.frame["source"].unique())
    (12, [300, 1200], ['amplified', 'one-stage', 'real'])
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
    context = {"reference": reference, "fisher": fisher_information(law)}
    rows = run_trials(_measure_reamplification, trials, context=context,
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


def _smooth_kl(log_q: Any, law: Law, low: float, high: float, num: int = 8001) -> float:
    """KL(q‖p) = ∫ q (ln q − ln p) by Simpson's rule on ``num`` points of [low, high]."""
    from scipy import integrate

    points = np.linspace(low, high, num)
    lq = log_q(points)
    q = np.exp(lq)
    with np.errstate(divide="ignore", invalid="ignore"):
        integrand = np.where(q > 0, q * (lq - law.logpdf(points)), 0.0)
    return float(integrate.simpson(integrand, x=points))


def _generating_kl(method: str, parent: np.ndarray, child: Any, law: Any) -> float:  # Any: a Law with mean() and std() (scipy's frozen laws, TwoPeaks, CamelBack)
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
    # 2001 points: the step (range + 20 h)/2000 is a few hundredths of h at n = 20..2000, where
    # Simpson's rule on this Gaussian mixture agrees with 8001 points to 1e-15 nats
    return _smooth_kl(model.logpdf, law, parent.min() - 10 * bw, parent.max() + 10 * bw, num=2001)


def generation_chain(
    x: ArrayLike,
    *,
    generations: int,
    method: str,
    law: Law,
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
    fit by :func:`ampcore.divergence.normal_kl`; the KDE by Simpson quadrature on 2001 points.

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
    chain = reamplify(xs, 1, generations=generations, generator=method, rng=gen, **options)
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
    law: Law,
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
    **engine: Unpack[EngineOptions],
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


# --------------------------------------------------------------------------------------------------
# integrity: coverage of naive intervals and distinguishability, by stage and against the control

INTEGRITY_GENERATORS = ("gencopy", "kde", "refit_normal", "gaussian_mixture")
"""Generators of :func:`integrity_study`: GenCopy (Δ from each stage's own events at M), a
Gaussian KDE (Silverman's bandwidth from each stage's own events), a refitted Normal and a
two-component Gaussian mixture (EM, refitted at each stage)."""

_ESTIMATES = ("mean", "quantile", "fraction")


def _stage_amplifier(source: str, m: float) -> Any:
    # the registry's defaults: Silverman's bandwidth for the KDE, two components for the mixture
    return make(source, m=m) if source == "gencopy" else make(source)


def naive_intervals(
    x: ArrayLike, *, quantile: float = 0.9, cut: float = 1.0, level: float = 0.95
) -> dict[str, tuple[float, float, float]]:
    """Estimates and the confidence intervals one would quote if `x` were independent real events.

    Parameters
    ----------
    x : array_like, shape (n,)
        The events, ``n >= 2``.
    quantile : float
        The probability q of the quantile, in (0, 1).
    cut : float
        The tail fraction is the fraction of events at or above `cut`.
    level : float
        Confidence level, in (0, 1).

    Returns
    -------
    dict
        ``{"mean": (estimate, low, high), "quantile": (...), "fraction": (...)}``.

    Notes
    -----
    Provenance: Standard. With ``z = Φ⁻¹((1 + level)/2)``: the mean ``x̄ ± z s/√n`` (s with
    ddof = 1); the tail fraction ``f̂ ± z √(f̂(1 − f̂)/n)`` (Wald); the quantile ``x̂_q`` (linear
    interpolation) with the distribution-free interval ``[x_(j), x_(k)]`` between the order
    statistics of ranks ``j = ⌊nq − z√(nq(1−q))⌋`` and ``k = ⌈nq + z√(nq(1−q))⌉`` (clipped to
    1..n), from the normal approximation to the binomial count of events below the quantile
    (Conover 1999, *Practical Nonparametric Statistics*, ch. 3).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> ci = naive_intervals(x, quantile=0.5, cut=0.0)
    >>> [round(v, 3) for v in ci["fraction"]]
    [0.497, 0.488, 0.507]
    >>> ci["quantile"][1] < 0.0 < ci["quantile"][2]
    True
    """
    from scipy import stats

    xs = np.sort(as_sample_1d(x, "x", min_size=2))
    q = check_positive(quantile, "quantile")
    level = check_positive(level, "level")
    if not (q < 1 and level < 1):
        raise ValueError(f"`quantile` and `level` must be in (0, 1); got quantile={quantile!r}, level={level!r}.")
    cut = check_finite(cut, "cut")
    n = xs.size
    z = float(stats.norm.ppf(0.5 + level / 2))
    mean, half = float(xs.mean()), z * float(xs.std(ddof=1)) / math.sqrt(n)
    f = float(n - np.searchsorted(xs, cut, side="left")) / n
    f_half = z * math.sqrt(f * (1 - f) / n)
    spread = z * math.sqrt(n * q * (1 - q))
    lo = min(max(math.floor(n * q - spread), 1), n)
    hi = min(max(math.ceil(n * q + spread), 1), n)
    return {
        "mean": (mean, mean - half, mean + half),
        "quantile": (float(np.quantile(xs, q)), float(xs[lo - 1]), float(xs[hi - 1])),
        "fraction": (f, f - f_half, f + f_half),
    }


def _anderson_pvalue(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of the k-sample Anderson–Darling test; p is interpolated in [0.001, 0.25]."""
    import inspect
    import warnings

    from scipy import stats

    options = {"variant": "continuous"} if "variant" in inspect.signature(stats.anderson_ksamp).parameters else {}
    with warnings.catch_warnings():
        # scipy interpolates the p-value from a table and says so when it is outside [0.001, 0.25]:
        # the rejection at any alpha inside that range does not depend on the capped value
        warnings.filterwarnings("ignore", message="p-value (capped|floored)", category=UserWarning)
        result = stats.anderson_ksamp([x, y], **options)
    return float(result.statistic), float(result.pvalue)


def _ks_two_sample(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(D, p) of the two-sample Kolmogorov–Smirnov test of sorted `x` and `y`; p from Kolmogorov's
    limit law at ``√(nm/(n+m))·D`` (Standard: Smirnov 1939; :data:`scipy.stats.kstwobign`)."""
    from scipy import stats

    pooled = np.concatenate([x, y])
    d = float(np.max(np.abs(np.searchsorted(x, pooled, side="right") / x.size
                            - np.searchsorted(y, pooled, side="right") / y.size)))
    en = math.sqrt(x.size * y.size / (x.size + y.size))
    return d, float(stats.kstwobign.sf(en * d))


def _integrity_row(sample: np.ndarray, fresh: np.ndarray, truth: Mapping[str, float], trial: Trial) -> dict[str, Any]:
    from scipy import stats

    sample, fresh = np.sort(sample), np.sort(fresh)
    ci = naive_intervals(sample, quantile=trial["q"], cut=trial["cut"], level=trial["level"])
    z = float(stats.norm.ppf(0.5 + trial["level"] / 2))
    row: dict[str, Any] = {"n_events": int(sample.size), "total_gain": sample.size / trial.n}
    for name in _ESTIMATES:
        estimate, low, high = ci[name]
        row[name] = estimate
        row[f"{name}_naive_se"] = (high - low) / (2 * z)
        row[f"{name}_covered"] = bool(low <= truth[name] <= high)
    ks_stat, ks_p = _ks_two_sample(sample, fresh)
    ad_stat, ad_p = _anderson_pvalue(sample, fresh)
    row.update({"ks_stat": ks_stat, "ks_p": ks_p, "ks_reject": bool(ks_p < trial["alpha"]),
                "ad_stat": ad_stat, "ad_p": ad_p, "ad_reject": bool(ad_p < trial["alpha"])})
    return row


def _measure_integrity(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    truth = context["truth"]
    n, gain, stages, source = trial.n, trial["gain"], trial["stages"], trial["source"]
    train = trial.training_sample(law)

    def fresh(stage: int) -> np.ndarray:  # real events of the same size, the same for every source
        return np.asarray(law.rvs(size=n * gain**stage, random_state=trial.rng("fresh", stage)), dtype=np.float64)

    rows = []
    if source == "real":  # stage 0 (the N real events) and real against real at every size: the tests' size
        for stage in range(stages + 1):
            sample = train if stage == 0 else np.asarray(
                law.rvs(size=n * gain**stage, random_state=trial.rng("real", stage)), dtype=np.float64)
            rows.append({"kind": "real", "stage": stage, "smoothing_var": 0.0,
                         **_integrity_row(sample, fresh(stage), truth, trial)})
        return rows
    amplifier = _stage_amplifier(source, trial["m"])
    first = amplifier.fit(train)
    smoothing = _smoothing(first)
    parent, path_smoothing = train, 0.0
    for stage in range(1, stages + 1):  # each stage trains on the previous stage's output
        model = first if stage == 1 else amplifier.fit(parent)
        path_smoothing += _smoothing(model)
        child = model.sample(parent.size * gain, rng=trial.rng("stage", stage))
        rows.append({"kind": "chain", "stage": stage, "smoothing_var": path_smoothing,
                     **_integrity_row(child, fresh(stage), truth, trial)})
        control = child if stage == 1 else first.sample(n * gain**stage, rng=trial.rng("control", stage))
        rows.append({"kind": "control", "stage": stage, "smoothing_var": smoothing,
                     **_integrity_row(control, fresh(stage), truth, trial)})
        parent = child
    return rows


def _smoothing(model: Any) -> float:
    """The variance a model's kernel adds to every draw: h² for a KDE, 0 otherwise."""
    return float(model.bandwidth) ** 2 if isinstance(model, KDEModel) else 0.0


def expected_coverage(
    gain: int, stage: ArrayLike, *, draws: bool, chain: bool = True, level: float = 0.95, efficiency: float = 1.0
) -> np.ndarray:
    """Coverage of the naive interval of an unbiased estimate from stage s of re-amplification.

    Let the estimate from the N real events have variance ``v`` (its naive interval is then
    right), and the naive interval of stage s be computed from ``N g^s`` events, i.e. from
    variance ``v / g^s``. If the real variance is ``r · v / g^s``, the interval covers the truth
    with probability ``2 Φ(z / √r) − 1``, ``z = Φ⁻¹((1 + level)/2)``, where

    * a generator that **copies** the training histogram (GenCopy: every copy keeps the bin
      counts) carries the training error unchanged, chain or control: ``r = g^s``;
    * a generator that **draws** at random from what it learnt (a refitted Normal, a KDE) adds
      the sampling noise of its own output: one stage straight to ``N g^s`` events (the control)
      gives ``r = 1 + g^s``; a chain adds the noise of every intermediate stage, each of which
      trains the next, ``r = 1 + g + g² + … + g^s``.

    A fitted model whose estimate uses the training events more efficiently than their binomial
    or empirical counterpart (a refitted Normal's tail fraction, read from the fitted mean and
    width) carries only ``e·v`` of each stage's sampling error, ``e`` = `efficiency`:
    ``r = 1 + e g^s`` for the control and ``r = 1 + e (g + g² + … + g^s)`` for a chain.

    Parameters
    ----------
    gain : int
        Gain g of every stage, >= 1.
    stage : array_like of int
        Stage s >= 0 (0: the N real events, coverage `level`).
    draws : bool
        True for a generator that draws at random, False for one that copies.
    chain : bool
        True for stage s trained on stage s − 1, False for the one-stage control.
    level : float
        Nominal level, in (0, 1).
    efficiency : float, optional
        ``e`` > 0: the variance of the generator's fitted estimate from n events over that of the
        naive (binomial or empirical) estimate from n events; 1 (default) for GenCopy, a KDE
        and the mean of a refitted Normal; see :func:`refit_normal_efficiency`. Only used with
        ``draws=True``.

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    Provenance: Reconstructed (ours). Exact for the mean of a refitted Normal (each fit's mean
    carries the previous sample's ``σ²/n``); for a quantile or a tail fraction, and for the
    KDE, whose smoothing also biases them, it is a first-order guide that ignores bias and the
    model's efficiency.

    Examples
    --------
    >>> expected_coverage(3, [0, 1, 2, 3], draws=False).round(3).tolist()
    [0.95, 0.742, 0.486, 0.294]
    >>> expected_coverage(3, 3, draws=True).round(3).tolist(), expected_coverage(3, 3, draws=True, chain=False).round(3).tolist()
    (0.243, 0.289)
    >>> expected_coverage(3, 1, draws=True, chain=False, efficiency=0.658).round(3).tolist()
    0.744
    """
    from scipy import stats

    gain = check_int(gain, "gain", minimum=1)
    s = np.asarray(stage)
    if s.dtype.kind not in "iu" or np.any(s < 0):
        raise ValueError(f"`stage` must hold integers >= 0; got {np.asarray(stage).tolist()!r}.")
    level = check_positive(level, "level")
    if level >= 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}.")
    e = check_positive(efficiency, "efficiency")
    s = s.astype(np.float64)
    if not draws:
        ratio = gain**s
    elif chain:  # 1 + e (g + ... + g^s)
        ratio = 1 + e * (s if gain == 1 else (gain ** (s + 1) - gain) / (gain - 1))
    else:
        ratio = 1 + e * gain**s
    ratio = np.where(s == 0, 1.0, ratio)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return np.asarray(2 * stats.norm.cdf(z / np.sqrt(ratio)) - 1)


def refit_normal_efficiency(estimate: str, *, q: float = 0.9, z: float = 1.0) -> float:
    """Variance of a refitted Normal's estimate over that of the naive estimate, same n events.

    Parameters
    ----------
    estimate : {"mean", "quantile", "fraction"}
        The mean; the q-quantile ``μ̂ + z_q σ̂`` against the empirical quantile; the tail fraction
        ``1 − Φ((c − μ̂)/σ̂)`` against the binomial fraction.
    q : float, optional
        Probability of the quantile, in (0, 1).
    z : float, optional
        The cut of the tail fraction in standard units, ``(c − μ)/σ``.

    Returns
    -------
    float
        ``1`` for the mean; ``φ(z_q)² (1 + z_q²/2) / (q (1 − q))`` for the quantile;
        ``φ(z)² (1 + z²/2) / (f (1 − f))``, ``f = 1 − Φ(z)``, for the fraction.

    Notes
    -----
    Provenance: Standard (the delta method with ``Var μ̂ = σ²/n``, ``Var σ̂ ≈ σ²/(2n)`` and the
    asymptotic variance ``q(1 − q)/(n φ(z_q)²)`` of an empirical quantile), valid when the law is
    Normal. The same ratio as chapter 7's :func:`ampcore.studies.expected_fraction_sd`, squared.

    Examples
    --------
    >>> round(refit_normal_efficiency("fraction", z=1.0), 3), refit_normal_efficiency("mean")
    (0.658, 1.0)
    """
    from scipy import stats

    estimate = check_choice(estimate, "estimate", list(_ESTIMATES))
    q = check_positive(q, "q")
    if q >= 1:
        raise ValueError(f"`q` must be in (0, 1); got {q!r}.")
    z = check_finite(z, "z")
    if estimate == "mean":
        return 1.0
    if estimate == "quantile":
        zq = float(stats.norm.ppf(q))
        return float(stats.norm.pdf(zq) ** 2 * (1 + zq**2 / 2) / (q * (1 - q)))
    f = float(stats.norm.sf(z))
    return float(stats.norm.pdf(z) ** 2 * (1 + z**2 / 2) / (f * (1 - f)))


@dataclass(frozen=True)
class Integrity(StudyResult):
    """Rows ``law, n, replicate, source, ..., q, cut, kind, stage, smoothing_var, n_events,
    total_gain``, then for each of ``mean, quantile, fraction`` the estimate, ``*_naive_se`` and
    ``*_covered``, then ``ks_stat, ks_p, ks_reject, ad_stat, ad_p, ad_reject`` and the truths
    ``truth_mean, truth_quantile, truth_fraction`` with ``law_mean, law_sd``. ``q`` is the
    probability of the quantile; ``smoothing_var`` the summed kernel variance ``h²`` of the
    stages that made the sample (KDE only, else 0).

    ``source`` is a generator of :data:`INTEGRITY_GENERATORS` or ``"real"``; ``kind`` is
    ``"chain"`` (stage s trained on stage s − 1), ``"control"`` (the N real events amplified in one
    stage to the size of stage s; stage 1 is its own control) or ``"real"`` (stage 0: the N
    training events; stage s > 0: real events of the size of stage s, tested against fresh real
    events, which gives the tests' size).
    """

    def summary(self) -> pd.DataFrame:
        """Per (source, kind, stage): coverage and rejection rates with binomial standard errors,
        and the bias, spread and naive error of each estimate."""
        truth = {name: float(self.frame[f"truth_{name}"].iloc[0]) for name in _ESTIMATES}
        g = self.frame.groupby(["source", "kind", "stage"], sort=False)
        reps = g["replicate"].count()
        out = pd.DataFrame({"n_events": g["n_events"].first(), "total_gain": g["total_gain"].first(), "replicates": reps})
        for name in _ESTIMATES:
            cover = g[f"{name}_covered"].mean()
            out[f"{name}_coverage"] = cover
            out[f"{name}_coverage_se"] = np.sqrt(cover * (1 - cover) / reps)
            out[f"{name}_bias"] = g[name].mean() - truth[name]
            out[f"{name}_sd"] = g[name].std(ddof=1)
            out[f"{name}_naive_se"] = g[f"{name}_naive_se"].mean()
        for test in ("ks", "ad"):
            rate = g[f"{test}_reject"].mean()
            out[f"{test}_reject"] = rate
            out[f"{test}_reject_se"] = np.sqrt(rate * (1 - rate) / reps)
        out = out.reset_index()
        gain, level = int(self.frame["gain"].iloc[0]), float(self.frame["level"].iloc[0])
        out["expected_coverage"] = [
            level if kind == "real" else
            float(expected_coverage(gain, int(st), draws=src != "gencopy", chain=kind != "control", level=level))
            for src, kind, st in zip(out["source"], out["kind"], out["stage"])
        ]
        # the same per estimate, with the refitted Normal's efficiency (its estimates are read from
        # the fitted mean and width; valid for a Normal law), and each measured coverage against
        # it in binomial standard errors of the prediction
        q = float(self.frame["q"].iloc[0])
        z_cut = (float(self.frame["cut"].iloc[0]) - float(self.frame["law_mean"].iloc[0])) / float(self.frame["law_sd"].iloc[0])
        for name in _ESTIMATES:
            column = []
            for src, kind, st in zip(out["source"], out["kind"], out["stage"]):
                e = refit_normal_efficiency(name, q=q, z=z_cut) if src == "refit_normal" else 1.0
                column.append(level if kind == "real" else float(expected_coverage(
                    gain, int(st), draws=src != "gencopy", chain=kind != "control", level=level, efficiency=e)))
            expected = np.asarray(column)
            out[f"{name}_expected_coverage"] = expected
            se = np.sqrt(expected * (1 - expected) / out["replicates"])
            out[f"{name}_coverage_z"] = (out[f"{name}_coverage"] - expected) / se
        return out

    def smoothing_bias(self, source: str = "kde") -> pd.DataFrame:
        """The bias a kernel's smoothing gives the quantile and the tail fraction, if the law is Normal.

        A KDE draws from its training sample convolved with ``N(0, h²)``; a chain convolves once
        per stage. For a Normal law ``N(μ, σ²)`` the output is close to ``N(μ, σ² + v)`` with ``v``
        the summed ``h²`` of the path (``smoothing_var``), so the q-quantile moves by
        ``z_q (√(σ² + v) − σ)`` and the tail fraction above the cut by
        ``Φ̄((c − μ)/√(σ² + v)) − Φ̄((c − μ)/σ)``.

        Returns
        -------
        pandas.DataFrame
            Per (kind, stage): ``smoothing_var`` (mean over replicates), ``quantile_predicted``,
            ``quantile_bias`` and its standard error ``quantile_bias_se`` (sd/√replicates),
            ``fraction_predicted``, ``fraction_bias``, ``fraction_bias_se``.

        Notes
        -----
        Provenance: Reconstructed (ours): the variance of a KDE draw is ``s² + h²`` (Standard,
        Silverman 1986 §3.3), and the Normal shape of the smoothed law is our approximation (it
        ignores the ``(n−1)/n`` of the sample variance and the sampling noise of each stage).
        """
        from scipy import stats

        part = self.frame[self.frame["source"] == source]
        if part.empty:
            raise ValueError(f"no rows for source {source!r}; sources: {sorted(self.frame['source'].unique())}.")
        mu, sd = float(part["law_mean"].iloc[0]), float(part["law_sd"].iloc[0])
        q, cut = float(part["q"].iloc[0]), float(part["cut"].iloc[0])
        g = part.groupby(["kind", "stage"], sort=False)
        reps = g["replicate"].count()
        out = pd.DataFrame({"smoothing_var": g["smoothing_var"].mean()})
        wide = np.sqrt(sd**2 + out["smoothing_var"])
        out["quantile_predicted"] = float(stats.norm.ppf(q)) * (wide - sd)
        out["quantile_bias"] = g["quantile"].mean() - float(part["truth_quantile"].iloc[0])
        out["quantile_bias_se"] = g["quantile"].std(ddof=1) / np.sqrt(reps)
        out["fraction_predicted"] = stats.norm.sf((cut - mu) / wide) - stats.norm.sf((cut - mu) / sd)
        out["fraction_bias"] = g["fraction"].mean() - float(part["truth_fraction"].iloc[0])
        out["fraction_bias_se"] = g["fraction"].std(ddof=1) / np.sqrt(reps)
        return out.reset_index()

    def table(self) -> pd.DataFrame:
        s = self.summary()
        return pd.DataFrame({
            "generator": s["source"], "kind": s["kind"], "stage": s["stage"], "N_G": s["n_events"],
            "cover mean": s["mean_coverage"].round(3), "cover quantile": s["quantile_coverage"].round(3),
            "cover fraction": s["fraction_coverage"].round(3), "expected": s["fraction_expected_coverage"].round(3),
            "fraction − expected (SE)": s["fraction_coverage_z"].round(1),
            "KS reject": s["ks_reject"].round(3), "AD reject": s["ad_reject"].round(3),
        })

    def headline(self) -> dict[str, Any]:
        s = self.summary()
        label = np.where(s["kind"] == "real", "real", s["source"] + "_" + s["kind"])
        s = s.assign(label=label).set_index(["label", "stage"])

        def nested(column: str) -> dict[str, dict[str, float]]:
            # by label and stage ("0".."S"), plus "last": the last stage, whatever `stages` is
            out: dict[str, dict[str, float]] = {}
            for lab, part in s[column].groupby(level=0, sort=False):
                values = {str(st): float(v) for st, v in part.droplevel(0).items()}
                out[str(lab)] = {**values, "last": values[str(max(int(k) for k in values))]}
            return out

        out: dict[str, Any] = {
            "replicates": int(self.frame["replicate"].nunique()),
            "gain": int(self.frame["gain"].iloc[0]), "stages": int(self.frame["stages"].iloc[0]),
            "level": float(self.frame["level"].iloc[0]), "alpha": float(self.frame["alpha"].iloc[0]),
            "n_events": {str(st): int(v) for st, v in s.loc["real", "n_events"].items()},
            "total_gain": {str(st): float(v) for st, v in s.loc["real", "total_gain"].items()},
        }
        out["n_events_last"] = out["n_events"][str(out["stages"])]
        out["total_gain_last"] = out["total_gain"][str(out["stages"])]
        out["expected_coverage"] = nested("expected_coverage")
        for name in _ESTIMATES:
            out[f"expected_coverage_{name}"] = nested(f"{name}_expected_coverage")
            out[f"coverage_z_{name}"] = nested(f"{name}_coverage_z")
            out[f"coverage_{name}"] = nested(f"{name}_coverage")
            out[f"bias_{name}"] = nested(f"{name}_bias")
            out[f"sd_{name}"] = nested(f"{name}_sd")
        out["coverage_se_max"] = float(s[[f"{e}_coverage_se" for e in _ESTIMATES]].to_numpy().max())
        out["ks_reject"], out["ad_reject"] = nested("ks_reject"), nested("ad_reject")
        out["reject_se_max"] = float(s[["ks_reject_se", "ad_reject_se"]].to_numpy().max())
        out["reject_se_real"] = float(s.loc["real", ["ks_reject_se", "ad_reject_se"]].to_numpy().max())
        return out


def integrity_study(
    law: Any,  # Any: a Law with mean() and std() (scipy's frozen laws, TwoPeaks, CamelBack)
    n: int,
    *,
    gain: int = 4,
    stages: int = 3,
    generators: Sequence[str] = ("gencopy", "kde", "refit_normal"),
    replicates: int = 200,
    quantile: float = 0.9,
    cut: float = 1.0,
    level: float = 0.95,
    alpha: float = 0.05,
    m: float = 2.5,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> Integrity:
    """Coverage of naive intervals and two-sample rejection, by stage of re-amplification.

    For each replicate: draw N real events (stage 0). For each generator, amplify them by `gain`
    (stage 1), refit the generator on that output as if it were real (Δ, bandwidth or parameters
    recomputed from its ``N' = gain·N`` events) and amplify again (stage 2), and so on to `stages`;
    beside each stage s, the one-stage control amplifies the N real events by ``gain^s`` straight
    away. Every sample gives the naive intervals of :func:`naive_intervals` (do they cover the
    true mean, quantile and tail fraction?) and is tested against fresh real events of the same
    size with the two-sample Kolmogorov–Smirnov and k-sample Anderson–Darling tests at `alpha`.
    Real samples of every size tested against fresh real ones give the tests' actual size.

    Parameters
    ----------
    law : Law
        The true law (needs ``mean``, ``ppf`` and ``cdf``).
    n : int
        Real training events N >= 10.
    gain : int
        Gain of every stage, >= 2.
    stages : int
        Number of stages, 1 to 6.
    generators : sequence of str
        Members of :data:`INTEGRITY_GENERATORS`.
    replicates : int
        Independent training samples, >= 2 (common to every generator).
    quantile, cut, level
        As in :func:`naive_intervals`.
    alpha : float
        Level of the two-sample tests, in [0.001, 0.25] (where scipy's Anderson–Darling p-value
        is interpolated).
    m : float
        Goldilocks statistic of GenCopy at every stage.
    seed : int
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Integrity

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours); the intervals and tests are Standard
    (Kolmogorov–Smirnov: the two-sample statistic with Kolmogorov's asymptotic p-value, as
    :func:`scipy.stats.ks_2samp` gives with ``method="asymp"`` up to its finite-n correction; Anderson–Darling:
    Scholz & Stephens 1987, :func:`scipy.stats.anderson_ksamp`). The statement tested, that
    "amplified data cannot be amplified again", is paraphrased in a machine-written summary of
    Watts & Crow 2025.

    Examples
    --------
    >>> from scipy import stats
    >>> r = integrity_study(stats.norm(), 100, gain=2, stages=2, generators=["gencopy"], replicates=2)
    >>> r.table()[["generator", "kind", "stage", "N_G"]].values.tolist()[:3]
    [['gencopy', 'chain', 1, 200], ['gencopy', 'control', 1, 200], ['gencopy', 'chain', 2, 400]]
    """
    check_law(law)
    n = check_int(n, "n", minimum=10)
    gain = check_int(gain, "gain", minimum=2)
    stages = check_int(stages, "stages", minimum=1, maximum=6)
    chosen = [check_choice(g, "generators", INTEGRITY_GENERATORS) for g in check_list(generators, "generators")]
    replicates = check_int(replicates, "replicates", minimum=2)
    alpha = check_positive(alpha, "alpha")
    if not 0.001 <= alpha <= 0.25:
        raise ValueError(f"`alpha` must be in [0.001, 0.25]; got {alpha!r}.")
    naive_intervals([0.0, 1.0], quantile=quantile, cut=cut, level=level)  # checks the three
    label = name or law_name(law)
    truth = {"mean": float(law.mean()), "quantile": float(law.ppf(quantile)), "fraction": float(1.0 - law.cdf(cut))}
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, source=[*chosen, "real"], gain=gain, stages=stages,
                  q=float(quantile), cut=float(cut), level=float(level), alpha=alpha, m=check_positive(m, "m"))
    rows = run_trials(_measure_integrity, trials, context={"laws": {label: law}, "truth": truth},
                      cost=lambda t: 1.0 if t["source"] == "real" else 2.0, desc="integrity", **engine)
    frame = pd.DataFrame(rows)
    for key, value in truth.items():
        frame[f"truth_{key}"] = value
    frame["law_mean"], frame["law_sd"] = float(law.mean()), float(law.std())
    order = {s: i for i, s in enumerate([*chosen, "real"])}
    frame = frame.sort_values(["source", "stage", "kind", "replicate"], key=lambda c: c.map(order) if c.name == "source" else c,
                              kind="stable")
    return Integrity(frame.reset_index(drop=True))
