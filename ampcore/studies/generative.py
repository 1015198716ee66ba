"""Generative models and the limit: a GAN, a mixture fit, a KDE and GenCopy, side by side.

Use :func:`generative_study` to train each generator once per (training sample, replicate) and
sample it at every gain, measuring on each generated sample GANplifying's quantile MSE at several
numbers of quantiles ``N_q`` (hence the amplification factor), the kNN divergence from a large
Monte Carlo reference, the measured M at the training bin width Δ, and the exact copies of
training events; the same for an MC sample of the same size and for the training sample itself.
:func:`regan_study` trains a GAN on a GAN's output (re-amplification with a real generator),
:func:`gan_resolution_study` asks whether a GAN resolves two peaks closer than Δ, and
:func:`gan_audit_sample` makes the training and generated samples that the chapter hands to
``ampcore audit``.

Provenance:

* the amplification factor ``G_eff = n_equiv / N`` with ``n_equiv`` from the quantile MSE is as in
  :mod:`ampcore.ampfactor` (qMSE Paraphrased from a re-implementation of Butter et al. 2021,
  ``G = n_equiv/n_train`` Quoted from a review of Bahl et al. 2025); averaging the qMSE over
  replicates *before* inverting it is **Reconstructed** (ours): the mean of per-replicate ratios
  ``n_equiv/N`` is biased upwards, by ``(N_q − 1)/(N_q − 3)`` for true samples (the mean of an
  inverse chi-square), a factor 2 at ``N_q = 5``;
* the plateau ``n_∞`` of ``n_equiv`` as N_G grows, from ``E[qMSE] = b + c/N_G`` (a fixed bias b of
  the generator's law plus multinomial noise ``c = (1 − 1/N_q)/N_q``), so that
  ``n_equiv = 1/(1/n_∞ + 1/N_G)`` with ``n_∞ = c/b``: **Reconstructed** (ours; the noise term is
  Standard);
* the exact floors ``KL(q‖p)`` of the mixture fit and the KDE (numerical quadrature of
  ``q ln(q/p)``) and of GenCopy (:func:`ampcore.divergence.histogram_kl`) are Standard
  definitions; the study design is Reconstructed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_choice, check_int, check_law, check_positive
from ..ampfactor import equivalent_events, quantile_edges, quantile_mse
from ..generators import FittedModel, GenCopy, NormalModel
from ..generators.registry import make, resolve
from ..bound import min_generated_events
from ..divergence import histogram_kl, kl_divergence
from ..information import bin_width, effective_m
from ..laws import Law, Reference, law_name
from ..valley import true_valley_depth, valley_depth
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials, trial_threads
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "GENERATORS",
    "Generative",
    "ReGAN",
    "GANResolution",
    "generative_study",
    "regan_study",
    "gan_resolution_study",
    "gan_audit_sample",
    "ENVELOPE_LABELS",
    "envelope_curve",
    "envelope_table",
    "envelope_records",
    "EnsembleCheck",
    "ensemble_check",
]

GENERATORS = ("gan", "gaussian_mixture", "kde", "gencopy", "refit_normal", "flow")
"""The generators a study can compare: the GAN, a two-Gaussian EM fit, a Gaussian KDE, GenCopy,
a refitted Normal (a model of the wrong form for a camel back) and a normalising flow
(:class:`ampcore.generators.flow.Flow` at its defaults)."""

_BASELINES = ("mc", "training")  # an MC sample of the same size; the N training events themselves
_LABELS = {"gan": "GAN", "gaussian_mixture": "mixture fit", "kde": "KDE", "gencopy": "GenCopy",
           "refit_normal": "one Normal", "flow": "flow", "mc": "MC, same size", "training": "training sample"}


def _seed_of(trial: Trial, stream: str) -> int:
    """An integer seed for a generator's own training randomness, from the trial's stream."""
    return int(trial.rng(stream).integers(2**31 - 1))


def _gan_options(trial: Trial) -> dict[str, Any]:
    return dict(trial.get("gan", ()) or ())


_SEED_STREAM = {"gan": "gan", "gaussian_mixture": "em", "flow": "flow"}  # the trial's stream of each training seed


def _fit(name: str, train: np.ndarray, width: float, origin: float, trial: Trial) -> FittedModel:
    """Fit generator `name` (the registry's, at its defaults but these options) once per trial."""
    options = {"gan": _gan_options(trial), "gencopy": {"width": width, "origin": origin}}.get(name, {})
    stream = _SEED_STREAM.get(name)
    return make(name, rng=None if stream is None else trial.rng(stream), **options).fit(train)


def _smooth_kl(logq: Any, law: Law, low: float, high: float, points: int = 20001) -> float:
    """``KL(q‖p) = ∫ q ln(q/p)`` by Simpson's rule on `points` points of [low, high]."""
    from scipy import integrate

    grid_x = np.linspace(low, high, points)
    lq = np.asarray(logq(grid_x), dtype=np.float64)
    lp = np.asarray(law.logpdf(grid_x), dtype=np.float64)
    q = np.exp(lq)
    integrand = np.where(q > 0, q * (lq - lp), 0.0)
    return float(integrate.simpson(integrand, x=grid_x))


def _floor(name: str, model: FittedModel, train: np.ndarray, width: float, origin: float, law: Law) -> float:
    """The KL(q‖p) of the generator's own law q (its KLD as N_G → ∞) by quadrature; NaN for a GAN."""
    if name == "gencopy":
        return float(histogram_kl(train, width, origin=origin, law=law))
    if isinstance(model, NormalModel):
        return _smooth_kl(lambda t: -0.5 * ((t - model.mean) / model.sd) ** 2 - math.log(model.sd * math.sqrt(2 * math.pi)),
                          law, model.mean - 12 * model.sd, model.mean + 12 * model.sd)
    logpdf = getattr(model, "logpdf", None)  # the mixture, the KDE and the flow have a density; the GAN not
    if logpdf is not None:
        spread = float(np.std(train))
        low, high = float(train.min()) - 8 * spread, float(train.max()) + 8 * spread
        return _smooth_kl(logpdf, law, low, high)
    return math.nan


def _measure_generative(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One (training sample, generator): fit once, sample the largest N_G, score every prefix.

    Streams: 0 the training sample; "gan"/"em"/"flow" the generator's own seed; "sample" the generated
    events; "mc" the MC baseline. The sample at gain G is the first G·N events of one sample of
    the largest size (for GenCopy: its first G copies), so the gains share their draws.
    """
    reference: Reference = context["reference"]
    law = reference.law
    edges: dict[int, np.ndarray] = context["edges"]
    n, source, k, m = trial.n, trial["source"], trial["k"], trial["m"]
    gains = [int(g) for g in trial["gains"]]
    train = trial.training_sample(law)
    width = bin_width(train, m)
    origin = float(train.min())
    m_train = effective_m(train, width, origin=origin)
    floor, seconds, compiled = math.nan, math.nan, False
    if source == "training":
        big, gains = train, [1]
    elif source == "mc":
        big = np.asarray(law.rvs(size=max(gains) * n, random_state=trial.rng("mc")), dtype=np.float64)
    else:
        model = _fit(source, train, width, origin, trial)
        seconds = float(getattr(model, "seconds", math.nan))
        compiled = bool(getattr(model, "compiled", False))
        floor = _floor(source, model, train, width, origin, law)
        big = model.sample(max(gains) * n, rng=trial.rng("sample"))
    train_values = np.unique(train)
    rows = []
    for gain in gains:
        sample = big[: gain * n]
        row: dict[str, Any] = {
            "gain": gain, "n_generated": int(sample.size), "width": width, "m_train": m_train,
            "m_generated": effective_m(sample, width, origin=origin),
            "kld_nats": float(kl_divergence(sample, reference.sample, k=k, workers=trial_threads())[k - 1]),
            "floor_nats": floor,
            "copies": int(np.isin(sample, train_values).sum()) if source != "training" else 0,
            "ties": int(sample.size - np.unique(sample).size),
            "fit_seconds": seconds, "compiled": compiled,
        }
        for n_q, e in edges.items():
            row[f"qmse_{n_q}"] = quantile_mse(sample, e)
        rows.append(row)
    return rows


def _noise(n_q: int) -> float:
    """``c = (1 − 1/N_q)/N_q``: ``E[qMSE] = c/n`` for n true events (Standard)."""
    return (1.0 - 1.0 / n_q) / n_q


@dataclass(frozen=True)
class Generative(StudyResult):
    """Rows ``law, n, replicate, source, gain, n_generated, width, m_train, m_generated,
    kld_nats, floor_nats, copies, ties, fit_seconds, compiled, qmse_<N_q>...`` (one per trial and
    gain; ``source`` is a generator of :data:`GENERATORS`, ``"mc"`` or ``"training"``)."""

    @property
    def n_qs(self) -> list[int]:
        """The numbers of quantiles ``N_q`` measured."""
        return sorted(int(c.split("_")[1]) for c in self.frame.columns if c.startswith("qmse_"))

    def factors(self) -> pd.DataFrame:
        """``G_eff`` by (source, n, gain, N_q), from the replicate-mean qMSE.

        Columns ``source, n, gain, n_generated, n_q, qmse, n_equiv, g_eff, g_eff_sd, replicates``;
        ``g_eff_sd`` propagates the standard error of the mean qMSE (delta method:
        ``sd(G) = G · se(qMSE)/mean(qMSE)``).
        """
        long = self.frame.melt(id_vars=["source", "n", "gain", "n_generated", "replicate"],
                               value_vars=[f"qmse_{q}" for q in self.n_qs], var_name="n_q", value_name="qmse")
        long["n_q"] = long["n_q"].str.slice(5).astype(int)
        g = long.groupby(["source", "n", "gain", "n_generated", "n_q"], sort=True)["qmse"]
        out = g.agg(qmse="mean", qmse_sd="std", replicates="count").reset_index()
        out["n_equiv"] = [equivalent_events(q, nq) for q, nq in zip(out["qmse"], out["n_q"])]
        out["g_eff"] = out["n_equiv"] / out["n"]
        se = out["qmse_sd"] / np.sqrt(out["replicates"])
        out["g_eff_sd"] = out["g_eff"] * se / out["qmse"]
        return out.drop(columns="qmse_sd")

    def plateau(self) -> pd.DataFrame:
        """Where ``n_equiv`` stops growing: ``n_∞`` and the knee, against the bound's N^(3/2).

        From the largest N_G of each (source, n, N_q): the bias ``b = mean qMSE − c/N_G`` and
        ``n_∞ = c/b`` (inf when b <= 0: no bias resolved). ``n_equiv = 1/(1/n_∞ + 1/N_G)`` reaches
        half its plateau at ``N_G = n_∞`` (the knee) and 90 % of it at ``9 n_∞``. Columns ``source,
        n, n_q, g_eff_max`` (at the largest N_G), ``g_inf = n_∞/N``, ``knee_n_generated``,
        ``bound_n_generated = N^(3/2)`` and ``knee_over_bound``.
        """
        f = self.factors()
        f = f[f["source"].isin(GENERATORS)]
        last = f.loc[f.groupby(["source", "n", "n_q"])["n_generated"].idxmax()].copy()
        c = np.array([_noise(int(q)) for q in last["n_q"]])
        bias = last["qmse"].to_numpy() - c / last["n_generated"].to_numpy()
        with np.errstate(divide="ignore"):
            n_inf = np.where(bias > 0, c / np.where(bias > 0, bias, 1.0), np.inf)
        last["g_eff_max"] = last["g_eff"]
        last["g_inf"] = n_inf / last["n"]
        last["knee_n_generated"] = n_inf
        last["bound_n_generated"] = np.asarray(min_generated_events(last["n"].to_numpy()), dtype=np.float64)
        last["knee_over_bound"] = last["knee_n_generated"] / last["bound_n_generated"]
        cols = ["source", "n", "n_q", "g_eff_max", "g_inf", "knee_n_generated", "bound_n_generated", "knee_over_bound"]
        return last[cols].reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """``G_eff`` at the largest gain, one row per (generator, N), one column per N_q (2 d.p.)."""
        f = self.factors()
        last = f.loc[f.groupby(["source", "n", "n_q"])["n_generated"].idxmax()]
        wide = last.pivot_table(index=["source", "n"], columns="n_q", values="g_eff", aggfunc="first")
        order = [s for s in (*GENERATORS, *_BASELINES) if s in wide.index.get_level_values(0)]
        wide = wide.reindex(order, level=0)
        wide.columns = [f"G_eff, N_q = {q}" for q in wide.columns]
        wide = wide.reset_index()
        wide["source"] = wide["source"].map(_LABELS)
        return wide.rename(columns={"source": "generator", "n": "N"}).round(2)

    def kld_table(self) -> pd.DataFrame:
        """Mean ± sd over replicates of the kNN KLD at each gain, and the exact floor (nats)."""
        g = self.frame[self.frame["source"] != "training"].groupby(["source", "n", "gain"])
        out = pd.DataFrame({"KLD (nats)": g["kld_nats"].mean(), "KLD sd (nats)": g["kld_nats"].std(ddof=1),
                            "floor (nats)": g["floor_nats"].mean(),
                            "measured M at Δ": g["m_generated"].mean()}).reset_index()
        out["source"] = out["source"].map(_LABELS)
        return out.rename(columns={"source": "generator", "n": "N", "gain": "G"}).round(4)

    def headline(self) -> dict[str, Any]:
        f = self.factors()
        last = f.loc[f.groupby(["source", "n", "n_q"])["n_generated"].idxmax()]
        plateau = self.plateau()
        frame = self.frame
        top = frame[frame["gain"] == frame.groupby(["source", "n"])["gain"].transform("max")]
        by = top.groupby(["source", "n"])
        gan = frame[(frame["source"] == "gan")]
        runs = gan.drop_duplicates(["n", "replicate"])

        def nested(table: pd.DataFrame, value: str) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for (src, n, q), v in table.set_index(["source", "n", "n_q"])[value].items():
                out.setdefault(str(src), {}).setdefault(str(n), {})[str(q)] = float(v)
            return out

        def by_source(values: pd.Series) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for (src, n), v in values.items():
                out.setdefault(str(src), {})[str(n)] = float(v)
            return out

        return {
            "g_eff": nested(last, "g_eff"),
            "g_eff_sd": nested(last, "g_eff_sd"),
            "n_equiv": nested(last, "n_equiv"),
            "g_inf": nested(plateau, "g_inf"),
            "knee_over_bound": nested(plateau, "knee_over_bound"),
            "kld": by_source(by["kld_nats"].mean()),
            "kld_sd": by_source(by["kld_nats"].std(ddof=1)),
            "floor": by_source(by["floor_nats"].mean()),
            "m_generated": by_source(by["m_generated"].mean()),
            "m_train": {str(n): float(v) for n, v in frame.groupby("n")["m_train"].mean().items()},
            "copies": by_source(by["copies"].mean()),
            "max_gain": {str(n): int(v) for n, v in frame.groupby("n")["gain"].max().items()},
            "gan_seconds": float(runs.loc[~runs["compiled"], "fit_seconds"].mean()) if (~runs["compiled"]).any() else math.nan,
            "gan_seconds_max": float(runs["fit_seconds"].max()) if len(runs) else math.nan,
            "replicates": int(frame["replicate"].nunique()),
            "n_qs": self.n_qs,
        }


def _reference(law: Law, size: int, seed: int, label: str) -> Reference:
    return Reference.draw(law, check_int(size, "reference_size", minimum=2),
                          rng=np.random.SeedSequence(seed, spawn_key=(0,)), name=label)


def _check_gan_options(options: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    if options is None:
        return ()
    if not isinstance(options, Mapping):
        raise TypeError(f"`gan_options` must be a dict of GAN options; got {type(options).__name__}.")
    from ..generators.gan import GAN

    if "seed" in options:
        raise ValueError("`gan_options` must not hold `seed`: each trial derives its GAN's seed from the study's seed.")
    GAN(**options)._options()  # a bad name raises TypeError, a bad value ValueError, before any work
    return tuple(sorted(options.items()))


def generative_study(
    law: Law,
    ns: Sequence[int],
    gains: Sequence[int],
    *,
    generators: Sequence[str] = GENERATORS[:4],
    n_qs: Sequence[int] = (5, 10, 20, 50),
    m: float = 2.0,
    k: int = 5,
    replicates: int = 5,
    reference_size: int = 200_000,
    gan_options: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> Generative:
    """Train each generator once per training sample, sample it at every gain, score every sample.

    Parameters
    ----------
    law : Law
        The true law (e.g. :class:`ampcore.laws.CamelBack`).
    ns : sequence of int
        Training sizes N (each > k).
    gains : sequence of int
        Gains G; every generator is sampled at ``max(gains) · N`` events once and scored on the
        first ``G · N`` of them.
    generators : sequence of str
        Any of :data:`GENERATORS` (default the first four: GAN, mixture fit, KDE, GenCopy); an MC sample of the same size and the training sample itself
        are always added as baselines.
    n_qs : sequence of int
        Numbers of equal-probability quantiles of the true law (each >= 2).
    m : float
        Goldilocks statistic of the training bin width ``Δ = e^ĥ N^(-1/M)`` (GenCopy's width, and
        the width at which the measured M of every sample is taken). Default 2, the bound's M_N.
    k : int
        The kNN divergence reported is FNN's ``D_k(generated‖reference)``.
    replicates : int
        Independent training samples per N (>= 2 for error bars; the book uses >= 5).
    reference_size : int
        Size of the sorted MC reference of the divergence.
    gan_options : dict, optional
        Options of :class:`ampcore.generators.gan.GAN` (not ``seed``: each trial derives its own).
    seed : int
        Root seed.
    name : str, optional
        The law's name in the seeds and tables (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Generative

    Notes
    -----
    Provenance: see the module docstring (the amplification factor as in :mod:`ampcore.ampfactor`,
    averaging the qMSE before inverting it and the plateau Reconstructed, the design ours).

    Examples
    --------
    >>> from ampcore.laws import CamelBack
    >>> r = generative_study(CamelBack(), [100], [1, 10], generators=["gaussian_mixture", "kde"],
    ...                      n_qs=[5, 10], replicates=2, reference_size=20_000)
    >>> sorted(r.frame["source"].unique()), r.n_qs
    (['gaussian_mixture', 'kde', 'mc', 'training'], [5, 10])
    """
    check_law(law)
    n_list = [check_int(v, "ns", minimum=2) for v in check_list(ns, "ns")]
    gain_list = sorted({check_int(g, "gains", minimum=1) for g in check_list(gains, "gains")})
    sources = [check_choice(g, "generators", GENERATORS) for g in check_list(generators, "generators")]
    if len(set(sources)) != len(sources):
        raise ValueError(f"`generators` must not repeat a name; got {list(generators)!r}.")
    q_list = sorted({check_int(q, "n_qs", minimum=2) for q in check_list(n_qs, "n_qs")})
    m = check_positive(m, "m")
    k = check_int(k, "k", minimum=1)
    if k >= min(n_list):
        raise ValueError(f"`k` must be < every N; got k={k}, smallest N={min(n_list)}.")
    replicates = check_int(replicates, "replicates", minimum=1)
    gan = _check_gan_options(gan_options) if "gan" in sources else ()
    label = name or law_name(law)
    trials = grid(law=label, n=n_list, replicates=replicates, seed=seed, source=[*sources, *_BASELINES],
                  gains=tuple(gain_list), n_qs=tuple(q_list), m=m, k=k, gan=gan)
    context = {"reference": _reference(law, reference_size, seed, label),
               "edges": {q: quantile_edges(q, law=law) for q in q_list}}

    def cost(t: Trial) -> float:
        return (100.0 if t["source"] == "gan" else 1.0) * t.n

    rows = run_trials(_measure_generative, trials, context=context, cost=cost, desc="generative models", **engine)
    frame = pd.DataFrame(rows).drop(columns=["gains", "n_qs", "gan"])
    return Generative(frame.sort_values(["n", "source", "replicate", "gain"]).reset_index(drop=True))


# --------------------------------------------------------------------------------------------------
# a GAN trained on a GAN's output


def _measure_regan(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Generation 1: a GAN on N real events; generation 2: a GAN on G·N of generation 1's events;
    and, for comparison, a GAN on G·N real events. Streams: 0 training; "gan", "gan2", "gan-real"
    seeds; "sample", "sample2", "real", "score", "score2", "score-real" draws."""
    from ..generators.gan import GAN

    law = context["law"]
    edges: dict[int, np.ndarray] = context["edges"]
    n, gain, score_size = trial.n, trial["gain"], trial["score_size"]
    options = _gan_options(trial)
    train = trial.training_sample(law)
    first = GAN(seed=_seed_of(trial, "gan"), **options).fit(train)
    amplified = first.sample(gain * n, rng=trial.rng("sample"))
    second = GAN(seed=_seed_of(trial, "gan2"), **options).fit(amplified)
    stages: list[tuple[str, Any, int]] = [("GAN on N real", first, n), ("GAN on GAN output", second, gain * n)]
    if trial["with_real"]:
        real = np.asarray(law.rvs(size=gain * n, random_state=trial.rng("real")), dtype=np.float64)
        stages.append(("GAN on G·N real", GAN(seed=_seed_of(trial, "gan-real"), **options).fit(real), gain * n))
    rows = []
    for stage, model, trained_on in stages:
        sample = model.sample(score_size, rng=trial.rng("score", stage))
        row: dict[str, Any] = {"stage": stage, "trained_on": int(trained_on)}
        for n_q, e in edges.items():
            row[f"qmse_{n_q}"] = quantile_mse(sample, e)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ReGAN(StudyResult):
    """Rows ``law, n, replicate, gain, score_size, with_real, stage, trained_on, qmse_<N_q>...``."""

    def factors(self) -> pd.DataFrame:
        """``n_equiv`` (from the replicate-mean qMSE) and ``n_equiv / N`` (N = the real events of
        generation 1) by stage and N_q."""
        cols = [c for c in self.frame.columns if c.startswith("qmse_")]
        long = self.frame.melt(id_vars=["stage", "n", "trained_on", "replicate"], value_vars=cols,
                               var_name="n_q", value_name="qmse")
        long["n_q"] = long["n_q"].str.slice(5).astype(int)
        out = long.groupby(["stage", "n", "n_q"], sort=False).agg(
            trained_on=("trained_on", "first"), qmse=("qmse", "mean"), qmse_sd=("qmse", "std"),
            replicates=("qmse", "count")).reset_index()
        out["n_equiv"] = [equivalent_events(q, nq) for q, nq in zip(out["qmse"], out["n_q"])]
        out["g_eff"] = out["n_equiv"] / out["n"]
        out["g_eff_sd"] = out["g_eff"] * out["qmse_sd"] / np.sqrt(out["replicates"]) / out["qmse"]
        return out.drop(columns="qmse_sd")

    def table(self) -> pd.DataFrame:
        """``n_equiv / N`` (N real events at the start) by stage and N_q, 1 d.p."""
        f = self.factors()
        wide = f.pivot_table(index=["stage", "trained_on"], columns="n_q", values="g_eff", aggfunc="first", sort=False)
        wide.columns = [f"n_equiv / N, N_q = {q}" for q in wide.columns]
        return wide.reset_index().rename(columns={"trained_on": "trained on (events)"}).round(1)

    def headline(self) -> dict[str, Any]:
        f = self.factors()
        out: dict[str, Any] = {}
        for key, stage in (("regan_first", "GAN on N real"), ("regan_second", "GAN on GAN output"),
                           ("regan_real", "GAN on G·N real")):
            part = f[f["stage"] == stage]
            if part.empty:
                continue
            out[key] = {str(q): float(v) for q, v in zip(part["n_q"], part["g_eff"])}
            out[f"{key}_sd"] = {str(q): float(v) for q, v in zip(part["n_q"], part["g_eff_sd"])}
        out["regan_gain"] = int(self.frame["gain"].iloc[0])
        return out


def regan_study(
    law: Law,
    n: int,
    *,
    gain: int = 10,
    n_qs: Sequence[int] = (5, 10, 20, 50),
    score_size: int = 100_000,
    with_real: bool = True,
    replicates: int = 5,
    gan_options: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> ReGAN:
    """Re-amplification with a real generator: a GAN trained on ``G·N`` events of another GAN.

    For each replicate: GAN 1 on N real events; ``G·N`` events of GAN 1; GAN 2 trained on them;
    and a GAN trained on ``G·N`` *real* events. Each is scored by the quantile MSE of
    `score_size` of its events, and ``n_equiv`` is divided by the N real events of the start.

    Parameters
    ----------
    law : Law
    n : int
        Real training events N of generation 1 (>= 2).
    gain : int
        Events of generation 1 handed to GAN 2, as a multiple of N (>= 1).
    n_qs, gan_options, seed, name, **engine
        As in :func:`generative_study`.
    score_size : int
        Events drawn from each GAN to score it (>= 100).
    with_real : bool
        Also train a GAN on ``G·N`` real events (a third fit per replicate). A chapter that has
        already trained GANs on that many real events can leave it out.
    replicates : int
        Independent starts (>= 1).

    Returns
    -------
    ReGAN

    Notes
    -----
    Provenance: the claim tested, that amplified data cannot be amplified again, is Quoted from a
    summary of Watts & Crow 2025; the design is Reconstructed (ours).
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gain = check_int(gain, "gain", minimum=1)
    score_size = check_int(score_size, "score_size", minimum=100)
    q_list = sorted({check_int(q, "n_qs", minimum=2) for q in check_list(n_qs, "n_qs")})
    replicates = check_int(replicates, "replicates", minimum=1)
    if not isinstance(with_real, bool):
        raise TypeError(f"`with_real` must be True or False; got {with_real!r}.")
    gan = _check_gan_options(gan_options)
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=gain, score_size=score_size,
                  n_qs=tuple(q_list), gan=gan, with_real=with_real)
    context = {"law": law, "edges": {q: quantile_edges(q, law=law) for q in q_list}}
    rows = run_trials(_measure_regan, trials, context=context, desc="GAN on GAN output", **engine)
    return ReGAN(pd.DataFrame(rows).drop(columns=["n_qs", "gan"]))


# --------------------------------------------------------------------------------------------------
# resolution below the training bin width


def _measure_resolution(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Valley depth of the training sample, a GAN's and GenCopy's output and MC of the same size.
    Streams: 0 training; "gan" seed; "sample" GAN draws; "gencopy" GenCopy draws; "mc"."""
    from ..generators.gan import GAN

    law = context["law"]
    n, gain, m = trial.n, trial["gain"], trial["m"]
    separation, window = trial["separation"], trial["window"]
    train = trial.training_sample(law)
    width = bin_width(train, m)
    samples = {
        "training": train,
        "gan": GAN(seed=_seed_of(trial, "gan"), **_gan_options(trial)).fit(train).sample(gain * n, rng=trial.rng("sample")),
        "gencopy": GenCopy(width=width).fit(train).sample(gain * n, rng=trial.rng("gencopy")),
        "mc": np.asarray(law.rvs(size=gain * n, random_state=trial.rng("mc")), dtype=np.float64),
    }
    rows = []
    for source, sample in samples.items():
        v = valley_depth(sample, separation=separation, window=window)
        rows.append({"source": source, "width": width, "depth": v.depth, "z_naive": v.z_naive,
                     "n_events": int(sample.size)})
    return rows


@dataclass(frozen=True)
class GANResolution(StudyResult):
    """Rows ``law, n, replicate, gain, m, separation, window, source, width, depth, z_naive,
    n_events``; the context's true depth is ``true_depth``."""

    true_depth: float = math.nan

    def table(self) -> pd.DataFrame:
        """Mean and sd of the valley depth over replicates, by source (3 d.p.)."""
        g = self.frame.groupby("source", sort=False)
        out = pd.DataFrame({"events": g["n_events"].first(), "valley depth": g["depth"].mean(),
                            "depth sd": g["depth"].std(ddof=1)}).reset_index()
        out["source"] = out["source"].map(_LABELS)
        return out.rename(columns={"source": "sample"}).round(3)

    def headline(self) -> dict[str, Any]:
        g = self.frame.groupby("source")["depth"]
        return {
            "res_depth": {str(s): float(v) for s, v in g.mean().items()},
            "res_depth_sd": {str(s): float(v) for s, v in g.std(ddof=1).items()},
            "res_width": float(self.frame["width"].mean()),
            "res_width_min": float(self.frame["width"].min()),
            "res_separation": float(self.frame["separation"].iloc[0]),
            "res_true_depth": float(self.true_depth),
        }


def gan_resolution_study(
    law: Law,
    n: int,
    *,
    separation: float,
    window: float,
    gain: int = 100,
    m: float = 2.0,
    replicates: int = 5,
    gan_options: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> GANResolution:
    """Does a GAN resolve two peaks closer than the training bin width Δ?

    Parameters
    ----------
    law : Law
        A law with two peaks `separation` apart around 0 (e.g. :class:`ampcore.laws.TwoPeaks`).
    n : int
        Training events N.
    separation, window : float
        Peak separation and counting-window width of :func:`ampcore.valley.valley_depth`.
    gain : int
        Generated events per training event.
    m : float
        Goldilocks statistic of Δ (GenCopy's width; compare Δ with `separation`).
    replicates, gan_options, seed, name, **engine
        As in :func:`generative_study`.

    Returns
    -------
    GANResolution

    Notes
    -----
    Provenance: "the resolution of variables in amplified data is not improved" is Quoted from
    the abstract of Watts & Crow 2025; the valley statistic and the design are Reconstructed
    (as in chapter 7, :mod:`ampcore.valley`).
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    separation = check_positive(separation, "separation")
    window = check_positive(window, "window")
    gain = check_int(gain, "gain", minimum=1)
    m = check_positive(m, "m")
    replicates = check_int(replicates, "replicates", minimum=1)
    gan = _check_gan_options(gan_options)
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=gain, m=m, separation=separation,
                  window=window, gan=gan)
    rows = run_trials(_measure_resolution, trials, context={"law": law}, desc="GAN resolution", **engine)
    truth = true_valley_depth(law, separation=separation, window=window)
    return GANResolution(pd.DataFrame(rows).drop(columns=["gan"]), true_depth=truth)


def gan_audit_sample(
    law: Law,
    n: int,
    *,
    gain: int,
    gan_options: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """The training sample, a GAN's ``gain · N`` events and the GAN, as a reader would have them.

    Replicate 0 of :func:`generative_study` with the same law, N, seed and GAN options: the same
    training sample and the same GAN seed, so the GAN is the study's (bitwise, on the same
    machine), and the generated events are the study's first ``gain · N`` (to the rounding of a
    matrix product of another size).

    Returns
    -------
    (train, generated, model)
    """
    from ..generators.gan import GAN

    check_law(law)
    n = check_int(n, "n", minimum=2)
    gain = check_int(gain, "gain", minimum=1)
    gan = _check_gan_options(gan_options)
    trial = Trial.make(law=name or law_name(law), n=n, replicate=0, seed=seed)
    train = trial.training_sample(law)
    model = GAN(seed=_seed_of(trial, "gan"), **dict(gan)).fit(train)
    return train, model.sample(gain * n, rng=trial.rng("sample")), model


# --------------------------------------------------------------------------------------------------
# the neural generators against the envelope (chapter 8): tables and records of an EnvelopeStudy

ENVELOPE_LABELS = {"gan": "GAN", "flow": "normalising flow", "gaussian_mixture": "two-Gaussian fit",
                   "kde": "KDE", "gencopy": "GenCopy", "gencopy_multinomial": "GenCopy (multinomial)",
                   "fitted": "the law's own family"}
"""Reader-facing names of the envelope study's generators."""


def _fixed_factors(study: Any) -> pd.DataFrame:
    """``G_eff(∞)`` at the study's fixed ``N_q`` with its SE (delta method on the replicate-mean qMSE)."""
    exact = study.frame[study.frame["gain"] == 0]
    g = exact.groupby(["law", "generator", "m", "n"], sort=True)["qmse_fixed"]
    out = g.agg(mean="mean", sd="std", replicates="size").reset_index()
    q = study.n_q_fixed
    out["g_fixed"] = (1 - 1 / q) / (q * out["n"] * out["mean"])
    out["g_fixed_se"] = out["g_fixed"] * out["sd"] / out["mean"] / np.sqrt(out["replicates"])
    return out.drop(columns=["mean", "sd", "replicates"])


def envelope_curve(study: Any) -> pd.DataFrame:
    """:meth:`ampcore.studies.EnvelopeStudy.curve` with the fixed-``N_q`` factor's SE, its distance
    from 1 (the training sample's own factor) in SE, and the fraction of converged fits.

    Columns of ``curve()`` plus ``g_fixed_se``, ``z_fixed_one`` and ``converged``.
    """
    curve = study.curve()
    keys = ["law", "generator", "m", "n"]
    fixed = _fixed_factors(study)
    exact = study.frame[study.frame["gain"] == 0]
    conv = exact.groupby(keys, sort=True)["converged"].mean().rename("converged").reset_index()
    out = curve.merge(fixed[[*keys, "g_fixed_se"]], on=keys).merge(conv, on=keys)
    out["z_fixed_one"] = (out["g_eff_fixed"] - 1.0) / out["g_fixed_se"]
    return out


def envelope_table(study: Any, *, m: float = 2.0) -> pd.DataFrame:
    """The chapter's table: one row per (generator, N) at Goldilocks M = `m`, reader-facing columns."""
    c = envelope_curve(study)
    c = c[c["m"] == float(m)].copy()
    order = {g: i for i, g in enumerate(ENVELOPE_LABELS)}
    c = c.sort_values(["generator", "n"], key=lambda s: s.map(order) if s.name == "generator" else s)
    q = study.n_q_fixed
    return pd.DataFrame({
        "generator": c["generator"].map(ENVELOPE_LABELS).to_numpy(),
        "N": c["n"].astype(int).to_numpy(),
        "bins B": c["bins"].astype(int).to_numpy(),
        "G_eff(∞)": c["g_eff"].round(2).to_numpy(),
        "SE": c["g_eff_se"].round(2).to_numpy(),
        "envelope": c["envelope"].round(2).to_numpy(),
        "z from envelope": c["z"].round(1).to_numpy(),
        "effective parameters B/G_eff(∞)": c["effective_parameters"].round(1).to_numpy(),
        f"G_eff(∞) at N_q = {q}": c["g_eff_fixed"].round(2).to_numpy(),
        f"SE at N_q = {q}": c["g_fixed_se"].round(2).to_numpy(),
        "fits converged": [f"{round(v * r)}/{r}" for v, r in zip(c["converged"], c["replicates"])],
    })


def envelope_records(study: Any, *, m: float = 2.0) -> dict[str, Any]:
    """Glue names of the per-(generator, N) numbers at M = `m`: ``<field>_<generator>_<N>`` for
    ``geff, geff_se, envelope, z_env, kparams, fixed, fixed_se, z_fixed_one, conv``; the largest
    excess over the envelope in SE (``z_env_max``, and which generator), the largest share of a
    neural sample's counting noise in its score (``noise_share_max``) and the fits converged
    overall by generator (``conv_<generator>``, a fraction)."""
    c = envelope_curve(study)
    c = c[c["m"] == float(m)]
    out: dict[str, Any] = {}
    names = {"g_eff": "geff", "g_eff_se": "geff_se", "envelope": "envelope", "z": "z_env",
             "effective_parameters": "kparams", "g_eff_fixed": "fixed", "g_fixed_se": "fixed_se",
             "z_fixed_one": "z_fixed_one", "converged": "conv", "bins": "bins"}
    for row in c.itertuples():
        for col, short in names.items():
            out[f"{short}_{row.generator}_{int(row.n)}"] = float(getattr(row, col))
    top = c.loc[c["z"].idxmax()]
    out["z_env_max"] = float(top["z"])
    out["z_env_max_generator"] = ENVELOPE_LABELS.get(str(top["generator"]), str(top["generator"]))
    out["z_env_max_n"] = int(top["n"])
    exact = study.frame[(study.frame["gain"] == 0) & (study.frame["m"] == float(m))]
    for gen, part in exact.groupby("generator"):
        out[f"conv_{gen}"] = float(part["converged"].mean())
        out[f"fits_{gen}"] = int(len(part))
    if "counting_noise" in exact.columns:
        nn = exact.dropna(subset=["counting_noise"])
        if len(nn):
            out["noise_share_max"] = float((nn["counting_noise"] / (nn["qmse"] + nn["counting_noise"])).max())
            out["generated_size"] = int(nn["generated_size"].iloc[0])
    out["n_q_fixed"] = int(study.n_q_fixed)
    return out


# --------------------------------------------------------------------------------------------------
# the ensemble (holdout-free) estimate against the truth-based one


def _model_cdf(model: FittedModel) -> Any:
    """The exact cdf of a fitted Normal, Gaussian mixture or KDE (Standard: sums of Normal cdfs)."""
    from scipy import special

    if isinstance(model, NormalModel):
        return lambda e: special.ndtr((e - model.mean) / model.sd)
    if hasattr(model, "weights") and hasattr(model, "means"):
        w, mu, sd = model.weights, model.means, model.sds  # type: ignore[attr-defined]
        return lambda e: (w * special.ndtr((e[:, None] - mu) / sd)).sum(axis=1)
    if hasattr(model, "centers") and hasattr(model, "bandwidth"):
        centres, h = model.centers, model.bandwidth
        return lambda e: special.ndtr((e[:, None] - centres[None, :]) / h).mean(axis=1)
    raise TypeError(f"no exact cdf for {type(model).__name__}")  # pragma: no cover - checked by the study


def _measure_ensemble(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    """One (training sample, amplifier): the ensemble estimate and the truth-based ``G_eff(∞)``
    of the amplifier fitted on the whole training sample. Streams: 0 training; "ensemble"."""
    from ..auditing import ensemble_amplification
    from ..envelope import goldilocks_bins

    law = context["law"]
    n, m, amp = trial.n, trial["m"], trial["amplifier"]
    train = trial.training_sample(law)
    est = ensemble_amplification(train, members=trial["members"], generator=amp, m=m,
                                 member_size=trial["member_size"], rng=trial.rng("ensemble"))
    bins = goldilocks_bins(n, m)
    edges = np.asarray(law.ppf(np.arange(1, bins) / bins))
    cdf = _model_cdf(make(amp).fit(train))
    p_hat = np.diff(np.concatenate([[0.0], np.asarray(cdf(edges), dtype=np.float64), [1.0]]))
    return {"bins": bins, "ensemble_gain": float(est.gain.value), "ensemble_bins": est.bins,
            "below_noise_bins": est.below_noise_bins, "qmse_truth": float(np.mean((p_hat - 1.0 / bins) ** 2))}


_ENSEMBLE_LABELS = {"gaussian_mixture": "two-Gaussian fit", "smoothed_bootstrap": "KDE", "refit_normal": "one Normal"}


@dataclass(frozen=True)
class EnsembleCheck(StudyResult):
    """Rows ``law, n, replicate, amplifier, m, members, member_size, bins, ensemble_gain,
    ensemble_bins, below_noise_bins, qmse_truth``: per training sample and amplifier, the ensemble
    estimate (Bayesiamplify's definition, :func:`ampcore.auditing.ensemble_amplification`) and the
    truth-based ``G_eff(∞)`` of the same amplifier (GANplifying's definition: the quantile MSE of
    its exact bin probabilities, inverted through the truth's expectation)."""

    def summary(self) -> pd.DataFrame:
        """By amplifier: the mean ensemble factor and its SE over training samples, the truth-based
        ``G_eff(∞)`` (from the replicate-mean qMSE, SE by the delta method), their ratio and the
        difference in SE of the difference."""
        rows = []
        for amp, part in self.frame.groupby("amplifier", sort=False):
            r = len(part)
            b = float(part["bins"].iloc[0])
            n = float(part["n"].iloc[0])
            values = part["ensemble_gain"].to_numpy(float)  # inf when a bin's variance is below the members' noise
            with np.errstate(invalid="ignore"):
                ens, ens_se = float(values.mean()), float(values.std(ddof=1) / math.sqrt(r))
            q, q_sd = float(part["qmse_truth"].mean()), float(part["qmse_truth"].std(ddof=1))
            truth = (1 - 1 / b) / (b * n * q)
            truth_se = truth * q_sd / q / math.sqrt(r)
            rows.append({"amplifier": amp, "replicates": r, "ensemble": ens, "ensemble_se": ens_se,
                         "truth": truth, "truth_se": truth_se, "ratio": ens / truth,
                         "z": (ens - truth) / math.hypot(ens_se, truth_se)})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """:meth:`summary` with reader-facing columns."""
        s = self.summary()
        return pd.DataFrame({
            "generator refitted": s["amplifier"].map(_ENSEMBLE_LABELS).fillna(s["amplifier"]).to_numpy(),
            "ensemble estimate": s["ensemble"].round(2).to_numpy(), "SE": s["ensemble_se"].round(2).to_numpy(),
            "truth-based G_eff(∞)": s["truth"].round(2).to_numpy(), "SE ": s["truth_se"].round(2).to_numpy(),
            "ratio": s["ratio"].round(2).to_numpy(), "difference in SE": s["z"].round(1).to_numpy(),
        })

    def headline(self) -> dict[str, Any]:
        s = self.summary().set_index("amplifier")
        out: dict[str, Any] = {"ens_n": int(self.frame["n"].iloc[0]), "ens_bins": int(self.frame["bins"].iloc[0]),
                               "ens_members": int(self.frame["members"].iloc[0]),
                               "ens_member_size": int(self.frame["member_size"].iloc[0]),
                               "ens_replicates": int(self.frame["replicate"].nunique()),
                               "ens_below_noise_bins": int(self.frame["below_noise_bins"].max())}
        for amp, row in s.iterrows():
            for col in ("ensemble", "ensemble_se", "truth", "truth_se", "ratio", "z"):
                out[f"ens_{col}_{amp}"] = float(row[col])
        return out


def ensemble_check(
    law: Law,
    n: int,
    *,
    amplifiers: Sequence[str] = ("gaussian_mixture", "smoothed_bootstrap", "refit_normal"),
    members: int = 20,
    member_size: int = 20_000,
    replicates: int = 4,
    m: float = 2.0,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> EnsembleCheck:
    """The holdout-free ensemble estimate against the truth-based factor, on a known law.

    For each of `replicates` training samples of N events and each amplifier: the ensemble
    estimate of :func:`ampcore.auditing.ensemble_amplification` (`members` refits on bootstrap
    resamples, `member_size` events each, ``round(N^{1/M})`` bins at the training quantiles) and the
    truth-based ``G_eff(∞)`` of the amplifier fitted once on the whole sample, from its exact bin
    probabilities on the truth's ``round(N^{1/M})`` equiprobable bins.

    Parameters
    ----------
    law : Law
    n : int
        Training events N (>= 10).
    amplifiers : sequence of str
        Names in :func:`ampcore.generators.registry.names` with an exact cdf: ``"gaussian_mixture"``,
        ``"smoothed_bootstrap"`` (the KDE), ``"refit_normal"``.
    members, member_size : int
        Ensemble size R (>= 4) and events per member (>= N).
    replicates : int
        Training samples (>= 2: the SE).
    m : float
        Goldilocks M of the bins.
    seed, name, **engine
        As in :func:`generative_study`; the training sample of replicate r is that of every other
        study with the same law name, N, r and seed.

    Returns
    -------
    EnsembleCheck

    Notes
    -----
    Provenance: the ensemble estimate is Bayesiamplify's (Quoted from its code, corrections
    Reconstructed; see :func:`ampcore.auditing.ensemble_amplification`); the truth-based factor
    GANplifying's quantile MSE inverted through the truth's expectation (:mod:`ampcore.ampfactor`);
    the comparison is ours. Without model bias the two differ by the mean of the inverse per-bin
    variances against the inverse of their mean (the ensemble sums ``mean²/variance`` per bin; the
    truth-based factor inverts the average squared error), so the ensemble is at least as large
    (arithmetic against harmonic mean, Standard); a model's bias, which a refit on resamples
    repeats, is invisible to it.

    Examples
    --------
    >>> from ampcore.laws import CamelBack
    >>> r = ensemble_check(CamelBack(), 100, amplifiers=["refit_normal"], members=5, member_size=1000, replicates=2)
    >>> bool(r.summary()["ratio"].iloc[0] > 1)  # a wrong model: its bias is invisible to the ensemble
    True
    """
    check_law(law)
    n = check_int(n, "n", minimum=10)
    amps = check_list(amplifiers, "amplifiers")
    for a in amps:
        if a not in ("gaussian_mixture", "smoothed_bootstrap", "refit_normal"):
            raise ValueError(f"`amplifiers` must be out of 'gaussian_mixture', 'smoothed_bootstrap', 'refit_normal' "
                             f"(those with an exact cdf); got {a!r}.")
        resolve(a, "amplifiers")
    members = check_int(members, "members", minimum=4)
    member_size = check_int(member_size, "member_size", minimum=n)
    replicates = check_int(replicates, "replicates", minimum=2)
    m = check_positive(m, "m")
    trials = grid(law=name or law_name(law), n=n, replicates=replicates, seed=seed, amplifier=list(amps), m=m,
                  members=members, member_size=member_size)
    rows = run_trials(_measure_ensemble, trials, context={"law": law}, desc="ensemble estimate", **engine)
    return EnsembleCheck(pd.DataFrame(rows))
