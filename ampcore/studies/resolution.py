"""Resolution and significance of amplified data: two close peaks, and estimates with error bars.

Use :func:`resolution_study` to compare the valley depth (:func:`ampcore.valley.valley_depth`)
of training, GenCopy and Monte Carlo samples of the same size at many gains, and
:func:`estimate_study` to compare the real spread (over training samples) of an estimate made from
generated data — tail fractions at several cuts and a mean — with its naive ``1/sqrt(N_G)`` error,
its bias and the coverage of the naive interval, for histogram generators (GenCopy and its
multinomial variant), fitted models (a refitted Normal, a Gaussian mixture), a KDE and Monte
Carlo of the same size (:meth:`Estimates.spread`, :meth:`Estimates.significance_gain`,
:func:`expected_fraction_sd`).

Provenance:

* "the resolution of variables in amplified data is not improved by the process but the increase
  in sample size can still improve statistical significance" is **Quoted** (abstract of Watts &
  Crow 2025, arXiv:2412.18041).
* The valley statistic and the error decomposition ``Var = σ²/N + σ_gen²/N_G`` are
  **Reconstructed** (ours); the binomial and Poisson errors and the delta-method error of a
  fitted Normal's tail fraction are **Standard**.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_choice, check_finite, check_int, check_law, check_positive
from ..generators import ConvergenceWarning, GenCopy
from ..generators.registry import make
from ..information import bin_width
from ..laws import Law, law_name
from ..valley import valley_depth
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = ["Resolution", "Estimates", "resolution_study", "estimate_study", "ESTIMATE_GENERATORS",
           "expected_fraction_sd"]

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
    law: Law,
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
    **engine: Unpack[EngineOptions],
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


ESTIMATE_GENERATORS = ("gencopy-jitter", "gencopy-multinomial", "refit_normal", "kde", "gaussian_mixture", "mc")
"""Sources of :func:`estimate_study`: GenCopy and its multinomial variant (histogram generators),
a refitted Normal, a Gaussian KDE (Silverman's bandwidth), a Gaussian mixture fitted by EM, and
Monte Carlo (fresh events from the law) for comparison."""


def _estimate_sample(source: str, train: np.ndarray, size: int, trial: Trial, law: Law) -> tuple[np.ndarray, bool, int]:
    """`size` events from `source` trained on `train` (MC: from the law itself), whether the fit
    converged and its iterations (0 for generators without an iterative fit, which count as
    converged: GenCopy's histogram, the refitted Normal's closed-form maximum likelihood and the
    KDE's Silverman bandwidth are computed, not searched)."""
    rng = trial.rng("estimate", source)
    if source == "mc":
        return np.asarray(law.rvs(size=size, random_state=rng), dtype=np.float64), True, 0
    name, options = source, dict[str, Any]()  # the registry's generator, at its defaults but these options
    if source.startswith("gencopy"):  # "gencopy-jitter", "gencopy-multinomial": GenCopy's variants
        name, options = "gencopy", {"width": bin_width(train, trial["m"]), "variant": source.split("-", 1)[1]}
    elif source == "gaussian_mixture":
        options = {"components": trial["components"], "restarts": trial.get("restarts", 3)}
        if trial.get("tol") is not None:
            options["tol"] = trial["tol"]
    # a fit that stops at max_iter is recorded (``fit_converged``) and reported once for the whole
    # study by estimate_study, not once per worker; generators without an iterative fit count as
    # converged in 0 iterations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make(name, **options).fit(train)
    converged, iterations = bool(getattr(model, "converged", True)), int(getattr(model, "n_iter", 0))
    return np.asarray(model.sample(size, rng=rng), dtype=np.float64), converged, iterations


def _measure_estimates(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    train = trial.training_sample(law)
    n, gains = trial.n, sorted(trial["gains"])
    # one sample of the largest size; every smaller gain uses its first G·N events (for GenCopy
    # those are G complete copies, for the others an iid sample), so gains share their draws
    sample, converged, iterations = _estimate_sample(trial["source"], train, gains[-1] * n, trial, law)
    ends = np.array(gains) * n - 1
    means = np.cumsum(sample)[ends] / (ends + 1)
    rows = []
    for cut in trial["cuts"]:
        fractions = np.cumsum(sample >= cut)[ends] / (ends + 1)
        for g, f, mean in zip(gains, fractions, means):
            rows.append({"gain": int(g), "cut": float(cut), "n_events": int(g * n), "fraction": float(f),
                         "naive_se": math.sqrt(f * (1 - f) / (g * n)), "mean": float(mean),
                         "fit_converged": converged, "fit_iterations": iterations})
    return rows


def expected_fraction_sd(source: str, *, n: int, n_events: int, fraction: float, z: float | None = None) -> float:
    """The real error of a tail fraction estimated from `n_events` generated events, to first order.

    Parameters
    ----------
    source : str
        A member of :data:`ESTIMATE_GENERATORS`.
    n : int
        Training events N.
    n_events : int
        Generated events ``N_G``.
    fraction : float
        The true tail fraction f, in (0, 1).
    z : float, optional
        The cut in standard units of the law, ``(cut − μ)/σ``; needed for ``"refit_normal"``.

    Returns
    -------
    float
        ``mc``: ``√(f(1−f)/N_G)``; ``gencopy-jitter``: ``√(f(1−f)/N)`` (every copy keeps the
        training histogram); ``gencopy-multinomial``: ``√(f(1−f)(1/N + 1/N_G))``;
        ``refit_normal``: ``√(φ(z)²(1 + z²/2)/N + f(1−f)/N_G)``; NaN for the KDE and the mixture
        (no closed form here).

    Notes
    -----
    Provenance: the binomial errors are Standard; the refitted Normal's term is the Standard delta
    method for ``f = 1 − Φ((c − μ̂)/σ̂)`` with ``Var μ̂ = σ²/N`` and ``Var σ̂ ≈ σ²/(2N)`` (valid when
    the law is Normal). Adding the generator's own binomial noise ``f(1−f)/N_G`` is Reconstructed
    (ours).

    Examples
    --------
    >>> round(expected_fraction_sd("refit_normal", n=2000, n_events=10**9, fraction=0.02275, z=2.0), 5)
    0.00209
    >>> round(expected_fraction_sd("gencopy-jitter", n=2000, n_events=200_000, fraction=0.02275), 5)
    0.00333
    """
    from scipy import stats

    check_choice(source, "source", ESTIMATE_GENERATORS)
    n = check_int(n, "n", minimum=1)
    n_events = check_int(n_events, "n_events", minimum=1)
    f = check_positive(fraction, "fraction")
    if f >= 1:
        raise ValueError(f"`fraction` must be in (0, 1); got {fraction!r}.")
    binomial = f * (1 - f)
    if source == "mc":
        return math.sqrt(binomial / n_events)
    if source == "gencopy-jitter":
        return math.sqrt(binomial / n)
    if source == "gencopy-multinomial":
        return math.sqrt(binomial * (1 / n + 1 / n_events))
    if source == "refit_normal":
        if z is None:
            raise ValueError("`z` (the cut in standard units) is required for source='refit_normal'; got None.")
        z = check_finite(z, "z")
        density = float(stats.norm.pdf(z))
        return math.sqrt(density**2 * (1 + z**2 / 2) / n + binomial / n_events)
    return math.nan


@dataclass(frozen=True)
class Estimates(StudyResult):
    """Rows ``law, n, replicate, source, ..., gain, cut, n_events, fraction, naive_se, mean,
    truth, law_mean, law_sd``: one per (training sample, source, gain, cut). ``truth`` is the
    law's tail fraction at the cut."""

    def spread(self, sd: float | None = None) -> pd.DataFrame:
        """Real error, bias and coverage against the naive error, per (source, gain, cut).

        Parameters
        ----------
        sd : float, optional
            Standard deviation of the law (for the errors of the mean); default the law's
            ``std()`` as recorded when the study ran.

        Returns
        -------
        pandas.DataFrame
            ``source, gain, cut, n_events, truth``; ``fraction_bias`` (mean of f̂ − f),
            ``fraction_bias_se`` (sd / √replicates), ``fraction_sd`` (sd over replicates: the
            real error), ``fraction_naive`` (mean of ``√(f̂(1−f̂)/N_G)``, the binomial error one
            would quote treating the events as independent), ``fraction_train``
            (``√(f(1−f)/N)``, the error of the N training events), ``fraction_ratio =
            fraction_sd / fraction_naive``, ``fraction_expected`` (:func:`expected_fraction_sd`,
            the refitted Normal's only for a Normal law), ``coverage`` (share of replicates whose
            naive interval ``f̂ ± z·naive`` at `level` holds f) and ``coverage_se``; and
            ``mean_sd``, ``mean_naive`` (``sd/√N_G``), ``mean_train`` (``sd/√N``).

        Notes
        -----
        Provenance: Standard (binomial error ``√(f(1−f)/n)``, standard error of a mean, the
        binomial standard error of a coverage); Reconstructed: the comparison.
        """
        from scipy import stats

        sd_law = check_positive(float(self.frame["law_sd"].iloc[0]) if sd is None else sd, "sd")
        n = int(self.frame["n"].iloc[0])
        z_level = float(stats.norm.ppf(0.5 + float(self.frame["level"].iloc[0]) / 2))
        normal = bool(self.frame["law_is_normal"].iloc[0])
        mu = float(self.frame["law_mean"].iloc[0])
        frame = self.frame.assign(covered=(self.frame["fraction"] - self.frame["truth"]).abs()
                                  <= z_level * self.frame["naive_se"])
        g = frame.groupby(["source", "gain", "cut"], sort=False)
        out = pd.DataFrame({
            "n_events": g["n_events"].first(), "truth": g["truth"].first(),
            "replicates": g["replicate"].count(),
            "fraction_bias": g["fraction"].mean() - g["truth"].first(),
            "fraction_sd": g["fraction"].std(ddof=1),
            "fraction_naive": g["naive_se"].mean(),
            "coverage": g["covered"].mean(),
            "mean_sd": g["mean"].std(ddof=1),
        }).reset_index()
        out["fraction_bias_se"] = out["fraction_sd"] / np.sqrt(out["replicates"])
        out["fraction_bias_z"] = out["fraction_bias"] / out["fraction_bias_se"]
        out["fraction_sd_se"] = out["fraction_sd"] / np.sqrt(2 * (out["replicates"] - 1))
        out["fraction_train"] = np.sqrt(out["truth"] * (1 - out["truth"]) / n)
        out["fraction_ratio"] = out["fraction_sd"] / out["fraction_naive"]
        out["coverage_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["replicates"])
        out["fraction_expected"] = [
            math.nan if (src == "refit_normal" and not normal) else
            expected_fraction_sd(src, n=n, n_events=int(ne), fraction=float(f), z=(cut - mu) / sd_law)
            for src, ne, f, cut in zip(out["source"], out["n_events"], out["truth"], out["cut"])
        ]
        out["fraction_expected_z"] = (out["fraction_sd"] - out["fraction_expected"]) / out["fraction_sd_se"]
        out["fraction_train_z"] = (out["fraction_sd"] - out["fraction_train"]) / out["fraction_sd_se"]
        out["fraction_naive_z"] = (out["fraction_sd"] - out["fraction_naive"]) / out["fraction_sd_se"]
        out["mean_naive"] = sd_law / np.sqrt(out["n_events"])
        out["mean_train"] = sd_law / math.sqrt(n)
        return out

    def convergence(self) -> pd.DataFrame:
        """Per source: fits, how many met their convergence criterion, and EM's iterations.

        Returns
        -------
        pandas.DataFrame
            ``generator, fits, converged, iterations (median), iterations (max)``, one row per
            source. Only the Gaussian mixture is fitted iteratively (EM stops when an iteration
            changes the mean log-likelihood per event by less than
            :attr:`ampcore.generators.GaussianMixture.tol`, at most ``max_iter`` iterations); the
            other generators are computed in closed form and count as converged with 0 iterations.
        """
        fits = self.frame.drop_duplicates(["replicate", "source"])
        g = fits.groupby("source", sort=False)
        return pd.DataFrame({
            "generator": list(g.groups), "fits": g["replicate"].count().to_numpy(),
            "converged": g["fit_converged"].sum().astype(int).to_numpy(),
            "iterations (median)": g["fit_iterations"].median().to_numpy(),
            "iterations (max)": g["fit_iterations"].max().astype(int).to_numpy(),
        })

    def significance_gain(self, source: str = "gencopy-multinomial", cut: float | None = None) -> dict[str, float]:
        """How much the real error of the fraction falls from the smallest to the largest gain.

        Returns the measured ratio ``sd(G_min) / sd(G_max)`` at `cut` (default the first cut),
        ``z``: ``ln(measured/predicted)`` in conservative standard errors ``sqrt(1/(R − 1))``, and
        the prediction of the decomposition ``f(1-f)/N + v/N_G``: ``v = f(1-f)`` for a generator
        that draws at random (``sqrt((1 + 1/G_min) / (1 + 1/G_max))``), ``v = 0`` for GenCopy's
        jitter variant, whose copies keep the training histogram (ratio 1). Reconstructed.
        """
        s = self.spread()
        cut = float(s["cut"].iloc[0]) if cut is None else float(cut)
        part = s[(s["source"] == source) & (s["cut"] == cut)].set_index("gain")["fraction_sd"]
        if part.empty:
            raise ValueError(f"no rows for source {source!r} at cut {cut!r}; sources: {sorted(s['source'].unique())}, "
                             f"cuts: {sorted(s['cut'].unique())}.")
        g1, g2 = int(part.index.min()), int(part.index.max())
        predicted = 1.0 if source == "gencopy-jitter" else math.sqrt((1 + 1 / g1) / (1 + 1 / g2))
        measured = float(part[g1] / part[g2])
        replicates = int(s["replicates"].min())
        # each sd has relative standard error 1/sqrt(2(R-1)); treating the two as independent
        # (they share training samples, so the true error of the ratio is smaller) gives a
        # conservative standard error sqrt(1/(R-1)) of ln(ratio) (Standard, for Normal estimates)
        z = math.log(measured / predicted) * math.sqrt(replicates - 1)
        return {"measured": measured, "predicted": predicted, "z": z, "g_min": g1, "g_max": g2}

    def significance_table(self) -> pd.DataFrame:
        """:meth:`significance_gain` for every GenCopy variant in the study, at each cut."""
        sources = [s for s in self.frame["source"].unique() if s.startswith("gencopy")]
        rows = [{"sample": s, "cut": c, **self.significance_gain(s, c)}
                for c in self.frame["cut"].unique() for s in sources]
        out = pd.DataFrame(rows)
        return out.rename(columns={"measured": "error ratio G_min/G_max", "predicted": "decomposition predicts",
                                   "z": "difference (SE)"}).round(3)

    def table(self, gain: int | None = None) -> pd.DataFrame:
        """At one gain (default the largest): bias, real error, naive error and coverage per cut and source."""
        s = self.spread()
        gain = int(s["gain"].max()) if gain is None else int(gain)
        s = s[s["gain"] == gain]
        if s.empty:
            raise ValueError(f"no rows at gain {gain}; gains: {sorted(self.frame['gain'].unique())}.")
        out = pd.DataFrame({
            "cut": s["cut"], "sample": s["source"], "G": s["gain"], "bias": s["fraction_bias"].round(4),
            "real error": s["fraction_sd"].round(4), "predicted": s["fraction_expected"].round(4),
            "error of N": s["fraction_train"].round(4), "naive error": s["fraction_naive"].round(4),
            "coverage": s["coverage"].round(3),
        }).sort_values(["cut"], kind="stable").reset_index(drop=True)
        # no closed form for the KDE and the mixture: a dash, not NaN, for readers
        out["predicted"] = out["predicted"].astype(object).where(out["predicted"].notna(), "—")
        return out

    def headline(self) -> dict[str, Any]:
        """Numbers at the largest gain (and a few at the smallest), by source and by the cut's
        position in ``cuts`` (``"0"``, ``"1"``, ...), so that the names do not depend on the values."""
        s = self.spread()
        top, low = int(s["gain"].max()), int(s["gain"].min())
        cuts = [float(c) for c in s["cut"].unique()]
        position = {c: str(i) for i, c in enumerate(cuts)}

        def at(gain: int, column: str) -> dict[str, dict[str, float]]:
            part = s[s["gain"] == gain]
            return {src: {position[float(c)]: float(v) for c, v in zip(p["cut"], p[column])}
                    for src, p in part.groupby("source", sort=False)}

        first = s[s["gain"] == top]
        per_cut = first.groupby("cut", sort=False)
        generated = first[first["source"] != "mc"]
        out: dict[str, Any] = {
            "max_gain": top, "min_gain": low, "replicates_spread": int(s["replicates"].min()),
            "cuts": cuts,
            "truth": {position[float(c)]: float(v) for c, v in per_cut["truth"].first().items()},
            "fraction_train": {position[float(c)]: float(v) for c, v in per_cut["fraction_train"].first().items()},
            "fraction_sd": at(top, "fraction_sd"), "fraction_sd_g1": at(low, "fraction_sd"),
            "fraction_bias": at(top, "fraction_bias"), "fraction_bias_se": at(top, "fraction_bias_se"),
            "fraction_bias_z": at(top, "fraction_bias_z"), "fraction_sd_se": at(top, "fraction_sd_se"),
            "fraction_expected_z": at(top, "fraction_expected_z"), "fraction_train_z": at(top, "fraction_train_z"),
            "fraction_naive_z": at(top, "fraction_naive_z"),
            "fraction_naive": at(top, "fraction_naive"), "fraction_ratio": at(top, "fraction_ratio"),
            "fraction_expected": at(top, "fraction_expected"),
            "coverage": at(top, "coverage"), "coverage_g1": at(low, "coverage"),
            "coverage_se_max": float(s["coverage_se"].max()),
            "mean_sd": {src: float(v) for src, v in first.groupby("source", sort=False)["mean_sd"].first().items()},
            "mean_train": float(s["mean_train"].iloc[0]), "mean_naive_top": float(first["mean_naive"].iloc[0]),
        }
        if not generated.empty:  # the range of the generators' coverage at the largest gain
            out["coverage_min_top"] = float(generated["coverage"].min())
            out["coverage_max_top"] = float(generated["coverage"].max())
        out["sd_over_train"] = {src: {c: v / out["fraction_train"][c] for c, v in by_cut.items()}
                                for src, by_cut in out["fraction_sd"].items()}
        out["bias_over_sd"] = {src: {c: abs(v) / out["fraction_sd"][src][c] for c, v in by_cut.items()}
                               for src, by_cut in out["fraction_bias"].items()}
        fits = self.convergence().set_index("generator")
        out["fits_converged"] = {str(src): int(row["converged"]) for src, row in fits.iterrows()}
        out["fits"] = {str(src): int(row["fits"]) for src, row in fits.iterrows()}
        if "gaussian_mixture" in fits.index:
            out["mixture_iterations_median"] = float(fits.loc["gaussian_mixture", "iterations (median)"])
            out["mixture_iterations_max"] = int(fits.loc["gaussian_mixture", "iterations (max)"])
        sources = set(s["source"])
        if "gencopy-multinomial" in sources and s["gain"].nunique() > 1:
            gain = self.significance_gain()
            out["multinomial_gain"], out["multinomial_predicted"] = gain["measured"], gain["predicted"]
            out["multinomial_gain_z"] = gain["z"]
        if "gencopy-jitter" in sources and s["gain"].nunique() > 1:
            jitter = self.significance_gain("gencopy-jitter")
            out["jitter_gain"], out["jitter_gain_z"] = jitter["measured"], jitter["z"]
        return out


def estimate_study(
    law: Any,  # Any: a Law with mean() and std() (scipy's frozen laws, TwoPeaks, CamelBack)
    n: int,
    gains: Sequence[int],
    *,
    cuts: Sequence[float],
    generators: Sequence[str] = ESTIMATE_GENERATORS,
    m: float = 2.5,
    components: int = 2,
    restarts: int = 3,
    tol: float | None = None,
    level: float = 0.95,
    replicates: int = 200,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> Estimates:
    """Estimates made from generated data, over many training samples: tail fractions and a mean.

    For each replicate, draw N training events; for each generator, train it on them, generate
    ``G·N`` events for each gain G and record the fraction of events at or above each cut, its
    naive binomial error and the sample mean; MC draws the events from the law itself.

    Parameters
    ----------
    law : Law
        Needs ``cdf``, ``mean`` and ``std`` besides ``rvs``.
    n : int
        Training events N >= 10.
    gains : sequence of int
    cuts : sequence of float
        Each window is ``[cut, +inf)``.
    generators : sequence of str
        Members of :data:`ESTIMATE_GENERATORS`.
    m : float, optional
        Goldilocks statistic for GenCopy's Δ.
    components : int, optional
        Components of the Gaussian mixture.
    restarts : int, optional
        EM runs per mixture fit (:class:`ampcore.generators.GaussianMixture`; the best likelihood is
        kept).
    tol : float, optional
        EM's stopping tolerance on the change of the mean log-likelihood per event; default that
        of :class:`ampcore.generators.GaussianMixture` (1e-7). Give scikit-learn's 1e-3 to see what a
        loosely stopped fit does.
    level : float, optional
        Level of the naive interval whose coverage :meth:`Estimates.spread` reports.
    replicates : int, optional
        Training samples (>= 2; the spread over them is the real error).
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Estimates

    Warns
    -----
    ConvergenceWarning
        Once, when any Gaussian-mixture fit stopped at its ``max_iter`` before meeting `tol`
        (:class:`ampcore.generators.ConvergenceWarning`); the fits are kept and
        :meth:`Estimates.convergence` counts them.

    Notes
    -----
    Provenance: Reconstructed (experiment design, ours). The smaller gains use the first ``G·N``
    events of the largest sample (G complete copies for GenCopy, an iid sample otherwise), so
    the curves against G share their draws.

    Examples
    --------
    >>> from scipy import stats
    >>> e = estimate_study(stats.norm(), 200, [1, 5], cuts=[1.0], replicates=3,
    ...                    generators=["gencopy-jitter", "refit_normal", "mc"])
    >>> sorted(e.frame["source"].unique()), e.spread().shape[0]
    (['gencopy-jitter', 'mc', 'refit_normal'], 6)
    """
    check_law(law)
    n = check_int(n, "n", minimum=10)
    replicates = check_int(replicates, "replicates", minimum=2)
    chosen = [check_choice(v, "generators", ESTIMATE_GENERATORS) for v in check_list(generators, "generators")]
    cut_list = [check_finite(c, "cuts") for c in check_list(cuts, "cuts")]
    level = check_positive(level, "level")
    if level >= 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}.")
    components = check_int(components, "components", minimum=1)
    restarts = check_int(restarts, "restarts", minimum=1)
    options: dict[str, Any] = {"restarts": restarts}
    if tol is not None:
        options["tol"] = check_positive(tol, "tol")
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, source=chosen, gains=tuple(_gains(gains)),
                  cuts=tuple(cut_list), m=check_positive(m, "m"), components=components, **options)
    cost = {"gaussian_mixture": 4.0, "kde": 2.0}
    rows = run_trials(_measure_estimates, trials, context={"laws": {label: law}},
                      cost=lambda t: cost.get(t["source"], 1.0), desc="estimates", **engine)
    frame = pd.DataFrame(rows).drop(columns=["gains", "cuts"])
    frame["truth"] = 1.0 - np.asarray(law.cdf(frame["cut"].to_numpy()), dtype=np.float64)
    frame["law_mean"], frame["law_sd"], frame["level"] = float(law.mean()), float(law.std()), level
    frame["law_is_normal"] = getattr(getattr(law, "dist", None), "name", None) == "norm"
    fits = frame.drop_duplicates(["replicate", "source"])
    failed = int((~fits["fit_converged"].astype(bool)).sum())
    if failed:
        warnings.warn(f"estimate_study: {failed} of {len(fits)} fits did not meet their convergence criterion "
                      "(see Estimates.convergence()); they are kept in the study.", ConvergenceWarning, stacklevel=2)
    return Estimates(frame)
