"""Resolution and significance of amplified data: two close peaks, and estimates with error bars.

Use :func:`resolution_study` to compare the valley depth (:func:`ampcore.valley.valley_depth`)
of training, GenCopy and Monte Carlo samples of the same size at many gains, and
:func:`estimate_study` to compare the real spread (over training samples) of an estimate made from
amplified data — a window fraction and a mean — with its naive ``1/sqrt(N_G)`` error and with
Monte Carlo of the same size (:meth:`Estimates.spread`, :meth:`Estimates.significance_gain`).

Provenance:

* "the resolution of variables in amplified data is not improved by the process but the increase
  in sample size can still improve statistical significance" is **Quoted** (abstract of Watts &
  Crow 2025, arXiv:2412.18041).
* The valley statistic and the error decomposition ``Var = σ²/N + σ_gen²/N_G`` are
  **Reconstructed** (ours); the binomial and Poisson errors are **Standard**.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_choice, check_finite, check_int, check_law, check_positive
from ..amplify import GenCopy
from ..information import bin_width
from ..laws import law_name
from ..valley import valley_depth
from .engine import DEFAULT_SEED, Trial, grid, run_trials
from .results import StudyResult, check_list

__all__ = ["Resolution", "Estimates", "resolution_study", "estimate_study"]

_VARIANTS = ("jitter", "multinomial")


def _gains(gains: Any) -> list[int]:
    return [check_int(g, "gains", minimum=1) for g in check_list(gains, "gains")]


def _measure_resolution(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    train = trial.training_sample(law)
    width = bin_width(train, trial["m"])
    g, n = trial["gain"], trial.n
    amplified = GenCopy(width=width, variant=trial["variant"]).fit(train).sample(g * n, rng=trial.rng(1))
    mc = np.asarray(law.rvs(size=g * n, random_state=trial.rng(2)), dtype=np.float64)
    rows = []
    for source, sample in (("training", train), ("gencopy", amplified), ("mc", mc)):
        v = valley_depth(sample, separation=trial["separation"], window=trial["window"], center=trial["center"])
        rows.append({"source": source, "n_events": int(sample.size), "width": width,
                     "depth": v.depth, "z_naive": v.z_naive})
    return rows


@dataclass(frozen=True)
class Resolution(StudyResult):
    """Rows ``law, n, replicate, gain, ..., source`` (``training``, ``gencopy``, ``mc``),
    ``n_events, width, depth, z_naive`` (the training rows repeat at every gain)."""

    def summary(self) -> pd.DataFrame:
        """Mean and sd over replicates of the depth and the naive z, by (source, gain)."""
        g = self.frame.groupby(["source", "gain"])
        return pd.DataFrame({
            "depth_mean": g["depth"].mean(), "depth_sd": g["depth"].std(ddof=1),
            "z_mean": g["z_naive"].mean(), "z_sd": g["z_naive"].std(ddof=1),
        }).reset_index()

    def table(self) -> pd.DataFrame:
        s = self.summary()
        s = s[(s["source"] != "training") | (s["gain"] == s["gain"].min())]
        return pd.DataFrame({
            "sample": s["source"], "G": s["gain"], "valley depth": s["depth_mean"].round(3),
            "depth sd": s["depth_sd"].round(3), "naive z": s["z_mean"].round(1),
            "naive z sd": s["z_sd"].round(1),
        }).reset_index(drop=True)

    def headline(self) -> dict[str, Any]:
        s = self.summary().set_index(["source", "gain"])
        top = int(self.frame["gain"].max())
        return {
            "width_mean": float(self.frame["width"].mean()),
            "depth_training": float(s.loc[("training", top), "depth_mean"]),
            "depth_gencopy": float(s.loc[("gencopy", top), "depth_mean"]),
            "depth_gencopy_sd": float(s.loc[("gencopy", top), "depth_sd"]),
            "depth_mc": float(s.loc[("mc", top), "depth_mean"]),
            "z_gencopy": float(s.loc[("gencopy", top), "z_mean"]),
            "z_mc": float(s.loc[("mc", top), "z_mean"]),
            "max_gain": top,
        }


def resolution_study(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    separation: float,
    window: float,
    center: float = 0.0,
    m: float = 2.5,
    replicates: int = 5,
    variant: str = "jitter",
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Any,
) -> Resolution:
    """Valley depth of the training sample, of GenCopy at each gain, and of MC of the same size.

    Parameters
    ----------
    law : Law
        Two-peak law (e.g. :class:`ampcore.laws.TwoPeaks`).
    n : int
        Training events N >= 2.
    gains : sequence of int
        Gains G; GenCopy and MC samples have ``G·N`` events.
    separation, window, center
        As in :func:`ampcore.valley.valley_depth`.
    m : float, optional
        Goldilocks statistic for GenCopy's Δ (nearest-neighbour entropy of the training sample).
    replicates : int, optional
        Independent training samples (shared by every gain).
    variant : {"jitter", "multinomial"}, optional
        GenCopy variant.
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Resolution

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours).

    Examples
    --------
    >>> from ampcore.laws import TwoPeaks
    >>> r = resolution_study(TwoPeaks(0.12, 0.03), 500, [1, 10], separation=0.12, window=0.03,
    ...                      replicates=2)
    >>> sorted(r.frame["source"].unique()), len(r)
    (['gencopy', 'mc', 'training'], 12)
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    check_choice(variant, "variant", _VARIANTS)
    separation, window = check_positive(separation, "separation"), check_positive(window, "window")
    if window > separation:
        raise ValueError(f"`window` must be <= `separation`; got window={window!r}, separation={separation!r}.")
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=_gains(gains), m=check_positive(m, "m"),
                  variant=variant, separation=separation, window=window, center=check_finite(center, "center"))
    rows = run_trials(_measure_resolution, trials, context={"laws": {label: law}}, cost=lambda t: t["gain"],
                      desc="resolution", **engine)
    return Resolution(pd.DataFrame(rows))


def _measure_estimates(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    train = trial.training_sample(law)
    width = bin_width(train, trial["m"])
    g, n, cut = trial["gain"], trial.n, trial["cut"]
    samples = [
        (f"gencopy-{v}", GenCopy(width=width, variant=v).fit(train).sample(g * n, rng=trial.rng("gencopy", v)))
        for v in trial["variants"]
    ]
    samples.append(("mc", np.asarray(law.rvs(size=g * n, random_state=trial.rng("mc")), dtype=np.float64)))
    return [{"source": source, "n_events": int(s.size), "fraction": float(np.mean(s >= cut)), "mean": float(s.mean())}
            for source, s in samples]


@dataclass(frozen=True)
class Estimates(StudyResult):
    """Rows ``law, n, replicate, gain, ..., source, n_events, fraction, mean``."""

    def spread(self, sd: float | None = None) -> pd.DataFrame:
        """Real spread over training samples vs the naive error, per (source, gain).

        Parameters
        ----------
        sd : float, optional
            Standard deviation of the law (for the errors of the mean); default the law's
            ``std()`` as recorded when the study ran.

        Returns
        -------
        pandas.DataFrame
            ``source, gain, n_events, fraction_sd`` (sd over replicates, the real error),
            ``fraction_naive`` (mean of ``sqrt(f(1-f)/N_G)``, the binomial error one would quote
            treating the events as independent), ``fraction_train`` (``sqrt(f̄(1-f̄)/N)``),
            ``fraction_ratio = fraction_sd / fraction_naive``, and ``mean_sd``, ``mean_naive``
            (``sd/sqrt(N_G)``), ``mean_train`` (``sd/sqrt(N)``).

        Notes
        -----
        Provenance: Standard (binomial error ``sqrt(f(1-f)/n)``, standard error of a mean);
        Reconstructed: the comparison.
        """
        sd_law = check_positive(float(self.frame["law_sd"].iloc[0]) if sd is None else sd, "sd")
        n = int(self.frame["n"].iloc[0])
        rows = []
        for (source, gain), grp in self.frame.groupby(["source", "gain"], sort=True):
            f = grp["fraction"].to_numpy()
            n_g = int(grp["n_events"].iloc[0])
            f_bar = float(f.mean())
            rows.append({
                "source": source, "gain": int(gain), "n_events": n_g,
                "fraction_sd": float(f.std(ddof=1)),
                "fraction_naive": float(np.mean(np.sqrt(f * (1 - f) / n_g))),
                "fraction_train": math.sqrt(f_bar * (1 - f_bar) / n),
                "mean_sd": float(grp["mean"].std(ddof=1)),
                "mean_naive": sd_law / math.sqrt(n_g),
                "mean_train": sd_law / math.sqrt(n),
            })
        out = pd.DataFrame(rows)
        out["fraction_ratio"] = out["fraction_sd"] / out["fraction_naive"]
        return out

    def significance_gain(self, source: str = "gencopy-multinomial") -> dict[str, float]:
        """How much the real error of the fraction falls from the smallest to the largest gain.

        Returns the measured ratio ``sd(G_min) / sd(G_max)`` and the prediction
        ``sqrt((1 + 1/G_min) / (1 + 1/G_max))`` of the decomposition ``f(1-f)/N + v/N_G`` with
        ``v = f(1-f)`` (a generator that samples its histogram at random; Reconstructed).
        """
        s = self.spread()
        part = s[s["source"] == source].set_index("gain")["fraction_sd"]
        if part.empty:
            raise ValueError(f"no rows for source {source!r}; sources: {sorted(s['source'].unique())}.")
        g1, g2 = int(part.index.min()), int(part.index.max())
        return {"measured": float(part[g1] / part[g2]),
                "predicted": math.sqrt((1 + 1 / g1) / (1 + 1 / g2)), "g_min": g1, "g_max": g2}

    def significance_table(self) -> pd.DataFrame:
        """:meth:`significance_gain` for every GenCopy variant in the study."""
        sources = [s for s in sorted(self.frame["source"].unique()) if s.startswith("gencopy")]
        rows = [{"sample": s, **self.significance_gain(s)} for s in sources]
        out = pd.DataFrame(rows)
        return out.rename(columns={"measured": "error ratio G_min/G_max", "predicted": "decomposition predicts"}).round(3)

    def table(self) -> pd.DataFrame:
        s = self.spread()
        return pd.DataFrame({
            "sample": s["source"], "G": s["gain"], "N_G": s["n_events"],
            "sd of fraction": s["fraction_sd"].round(4), "naive error": s["fraction_naive"].round(4),
            "sd / naive": s["fraction_ratio"].round(2), "sd of mean": s["mean_sd"].round(4),
            "naive error of mean": s["mean_naive"].round(4),
        })

    def headline(self) -> dict[str, Any]:
        s = self.spread()
        top = s[s["gain"] == s["gain"].max()].set_index("source")
        out: dict[str, Any] = {
            "fraction_ratio": {k: float(v) for k, v in top["fraction_ratio"].items()},
            "fraction_sd": {k: float(v) for k, v in top["fraction_sd"].items()},
            "mean_sd": {k: float(v) for k, v in top["mean_sd"].items()},
            "fraction_train": float(s["fraction_train"].iloc[0]),
            "mean_train": float(s["mean_train"].iloc[0]),
        }
        if "gencopy-multinomial" in set(s["source"]):
            gain = self.significance_gain()
            out["multinomial_gain"], out["multinomial_predicted"] = gain["measured"], gain["predicted"]
        if "gencopy-jitter" in set(s["source"]):
            out["jitter_gain"] = self.significance_gain("gencopy-jitter")["measured"]
        return out


def estimate_study(
    law: Any,
    n: int,
    gains: Sequence[int],
    *,
    cut: float,
    m: float = 2.5,
    replicates: int = 200,
    variants: Sequence[str] = _VARIANTS,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Any,
) -> Estimates:
    """Estimates made from amplified data, over many training samples: a fraction and a mean.

    For each replicate, draw N training events; for each gain G and GenCopy variant, amplify
    and record the fraction of events at or above `cut` and the sample mean; do the same for an
    MC sample of ``G·N`` events.

    Parameters
    ----------
    law : Law
    n : int
        Training events N >= 2.
    gains : sequence of int
    cut : float
        The window is ``[cut, +inf)``.
    m : float, optional
        Goldilocks statistic for GenCopy's Δ.
    replicates : int, optional
        Training samples (>= 2; the spread over them is the real error).
    variants : sequence of {"jitter", "multinomial"}
        GenCopy variants to run.
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Estimates
        Sources ``"gencopy-jitter"``, ``"gencopy-multinomial"``, ``"mc"``.

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours).

    Examples
    --------
    >>> from ampcore.laws import TwoPeaks
    >>> e = estimate_study(TwoPeaks(0.12, 0.03), 200, [1, 5], cut=0.5, replicates=3)
    >>> sorted(e.frame["source"].unique()), e.spread().shape[0]
    (['gencopy-jitter', 'gencopy-multinomial', 'mc'], 6)
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    replicates = check_int(replicates, "replicates", minimum=2)
    chosen = tuple(check_choice(v, "variants", _VARIANTS) for v in check_list(variants, "variants"))
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=_gains(gains), cut=check_finite(cut, "cut"),
                  m=check_positive(m, "m"), variants=chosen)
    rows = run_trials(_measure_estimates, trials, context={"laws": {label: law}}, cost=lambda t: t["gain"],
                      desc="estimates", **engine)
    frame = pd.DataFrame(rows).drop(columns=["variants"])
    frame["law_sd"] = float(law.std())
    return Estimates(frame)
