"""Checks of the measuring instruments: histogram entropy, the Goldilocks rule and the kNN estimator.

Use these studies to see, on fresh random samples, that the tools the book relies on do what their
formulas say: the histogram entropy at width Δ tracks ``h − ln Δ`` (:func:`discretisation_check`,
Shannon and Rényi); the Goldilocks width ``Δ = e^h N^(-1/M)`` gives back the chosen M
(:func:`goldilocks_recovery`); a larger sample binned at the training width has a larger measured M
(:func:`generated_m_curve`, whose crossing of M = 3 is the bound); the kNN estimator approaches
analytic KL divergences with noise ∝ 1/√n (:func:`estimator_bias`); it reproduces R FNN on the
fixtures shipped with ampcore (:func:`fnn_fixture_table`); and copies with a tiny jitter give a
divergence that measures the jitter (:func:`tie_jitter_scan`).

Every study returns a :class:`~ampcore.studies.results.StudyResult` (``.frame``, ``.table()``,
``.headline()``). Entropies and divergences are in nats.

Provenance: each check's formula is documented where it is used (Standard: the discretisation
``H_Δ ≈ h − ln Δ``, Cover & Thomas 2006 Thm 8.3.1; the kNN estimator, FNN / Wang, Kulkarni &
Verdú 2009; from Watts & Crow 2022: the Goldilocks width and the measured M); the checks
themselves are ours (Reconstructed).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._validation import as_sample_1d, check_int, check_law, check_positive
from ..generators import GenCopy
from ..divergence import kl_distance, kl_divergence, normal_kl
from ..floor import fisher_information
from ..information import bin_width, differential_renyi_entropy, effective_m, histogram, renyi_entropy
from ..laws import Law, law_name
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "NORMAL_PAIRS",
    "FNN_FIXTURES",
    "Discretisation",
    "GoldilocksRecovery",
    "GeneratedM",
    "EstimatorBias",
    "FixtureAgreement",
    "TieJitter",
    "discretisation_check",
    "goldilocks_recovery",
    "generated_m_curve",
    "estimator_bias",
    "fnn_fixture_table",
    "tie_jitter_scan",
]

NORMAL_PAIRS: dict[str, tuple[float, float, float, float]] = {
    "N(0,1) vs N(0,1)": (0.0, 1.0, 0.0, 1.0),
    "N(0,1) vs N(1,1)": (0.0, 1.0, 1.0, 1.0),
    "N(0,1) vs N(0,2²)": (0.0, 1.0, 0.0, 2.0),
}
"""Default Normal pairs ``name → (mean_p, sd_p, mean_q, sd_q)`` for :func:`estimator_bias`."""

FNN_FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fnn"
"""R FNN 1.1.3.1 reference outputs shipped with ampcore (``cases.json`` and ``.npy`` inputs)."""


def _positive_tuple(values: Any, name: str) -> tuple[float, ...]:
    return tuple(check_positive(v, f"{name}[{i}]") for i, v in enumerate(check_list(values, name)))


def _int_list(values: Any, name: str, minimum: int) -> list[int]:
    return [check_int(v, f"{name}[{i}]", minimum=minimum) for i, v in enumerate(check_list(values, name))]


# --------------------------------------------------------------------------------------------------
# histogram entropy against h - ln Δ


def _measure_discretisation(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    x = trial.training_sample(context["laws"][trial.law])
    h_alpha = context["h_alpha"]
    rows = []
    for w in trial["widths"]:
        counts = histogram(x, w).counts
        for a in trial["alphas"]:
            rows.append({"alpha": a, "width": w, "measured": renyi_entropy(counts, a),
                         "predicted": h_alpha[a] - math.log(w), "occupied_bins": int(counts.size)})
    return rows


@dataclass(frozen=True)
class Discretisation(StudyResult):
    """Rows ``law, n, replicate, alpha, width, measured, predicted`` (nats), plus ``gap``."""

    def gap(self, alpha: float = 1.0) -> pd.DataFrame:
        """``measured − predicted`` of one order, as a (width × replicate) table."""
        part = self.select(alpha=alpha)
        return part.pivot_table(index="width", columns="replicate", values="gap")

    def max_gap(self, alpha: float = 1.0, *, up_to: float = 0.2) -> float:
        """Largest ``|measured − predicted|`` over replicates and widths ``<= up_to``."""
        gap = self.gap(alpha)
        return float(gap[gap.index <= up_to].abs().max().max())

    def max_gaps(self, *, up_to: float = 0.2) -> pd.DataFrame:
        """Largest ``|measured − predicted|`` per order, over widths ``<= up_to`` and replicates."""
        orders = sorted(self.frame["alpha"].unique())
        return pd.DataFrame({"Rényi order α": orders,
                             f"max |H − (h − ln Δ)| for Δ ≤ {up_to:g} (nats)": [round(self.max_gap(a, up_to=up_to), 4) for a in orders]})

    def mean_gaps(self, *, up_to: float = 0.2) -> pd.DataFrame:
        """Per order: the largest ``|mean gap|`` over widths ``<= up_to`` (mean over replicates),
        the width where it is, its standard error and ``z`` = mean gap / SE there."""
        rows = []
        for a in sorted(self.frame["alpha"].unique()):
            g = self.select(alpha=a).groupby("width")["gap"]
            mean, se = g.mean(), g.std(ddof=1) / np.sqrt(g.size())
            mean, se = mean[mean.index <= up_to], se[se.index <= up_to]
            w = float(mean.abs().idxmax())
            rows.append({"alpha": float(a), "largest_mean_gap": float(mean[w]), "width": w,
                         "se": float(se[w]), "z": float(mean[w] / se[w])})
        return pd.DataFrame(rows)

    def second_order(self) -> pd.DataFrame:
        """Shannon gap per width against its first- and second-order expectation, in standard errors.

        One row per width: the mean gap ``H_Δ − (h − ln Δ)`` over replicates, the mean
        second-order expectation ``Δ²J/24 − (B_occ − 1)/(2n)``, the standard error of the mean
        gap over replicates, ``z_first`` (mean gap / SE: the first-order relation predicts 0) and
        ``z_second`` (the mean of the per-replicate differences from the second-order expectation
        over their standard error). NaN where there is one replicate.

        Notes
        -----
        ``H_Δ + ln Δ − h = KL(p‖q_Δ)`` for the law's own histogram density ``q_Δ`` (an identity),
        and ``KL(p‖q_Δ) = Δ²J/24 + O(Δ⁴)`` with ``J = ∫ p'²/p`` (Standard: the expansion of the
        floor, :func:`ampcore.floor.floor_terms`); the plug-in entropy of n events is biased low
        by ``(B_occ − 1)/(2n)`` (Standard: Miller 1955).
        """
        part = self.select(alpha=1.0)
        if part.empty:
            raise ValueError("`second_order` needs the Shannon order alpha = 1 in the study's `alphas`.")
        part = part.assign(diff=part["gap"] - part["second_order"])
        g = part.groupby("width")
        count = g.size()
        se = g["gap"].std(ddof=1) / np.sqrt(count)
        se_diff = g["diff"].std(ddof=1) / np.sqrt(count)
        out = pd.DataFrame({"mean_gap": g["gap"].mean(), "second_order": g["second_order"].mean(), "se": se})
        out["z_first"] = out["mean_gap"] / se
        out["z_second"] = g["diff"].mean() / se_diff
        return out.reset_index()

    def table(self) -> pd.DataFrame:
        """Mean gap over replicates, one row per width, one column per order."""
        t = self.frame.pivot_table(index="width", columns="alpha", values="gap", aggfunc="mean")
        t.columns = [f"gap, α = {a:g} (nats)" for a in t.columns]
        t.index = t.index.to_series().round(4)
        return t.round(4).reset_index().rename(columns={"width": "bin width Δ"})

    def headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"max_gap_alpha_{a:g}".replace(".", "p"): self.max_gap(a) for a in sorted(self.frame["alpha"].unique())}
        shannon = self.gap(1.0) if 1.0 in set(self.frame["alpha"]) else None
        if shannon is not None:
            out["gap_at_widest"] = float(shannon.iloc[-1].mean())
            out["widest"] = float(shannon.index[-1])
            out["gap_at_finest"] = float(shannon.iloc[0].mean())
            out["finest"] = float(shannon.index[0])
        return out


def discretisation_check(
    law: Law,
    widths: ArrayLike,
    *,
    n: int,
    alphas: Sequence[float] = (1.0,),
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> Discretisation:
    """Histogram (Rényi) entropy at width Δ against the prediction ``h_α − ln Δ``.

    Parameters
    ----------
    law : Law
    widths : array_like of float
        Bin widths Δ > 0.
    n : int
        Sample size per replicate, ``n >= 2``.
    alphas : sequence of float, optional
        Rényi orders (> 0); 1 is Shannon.
    replicates : int, optional
        Independent samples, ``>= 1``.
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    Discretisation
        The plug-in Rényi entropy of the histogram (origin ``min(x)``), ``h_α − ln Δ``, their
        difference ``gap``, the number of occupied bins, and for α = 1 the gap's second-order
        expectation ``second_order = Δ²J/24 − (B_occ − 1)/(2n)`` (NaN for other orders; see
        :meth:`Discretisation.second_order`).

    Notes
    -----
    ``H_α,Δ ≈ h_α − ln Δ`` for smooth p and small Δ holds for every order α because
    ``P_j ≈ p(x_j) Δ``, so ``Σ P_j^α ≈ Δ^(α−1) ∫ p^α``. The plug-in estimate falls below it when
    the bins hold few events (finite-n bias), and the approximation fails when Δ is not small.

    Provenance: Standard (Cover & Thomas 2006, Thm 8.3.1 for α = 1; the Rényi case by the same
    argument). Its use for the Rényi form of the bound is Reconstructed (ours).

    Examples
    --------
    >>> from scipy import stats
    >>> t = discretisation_check(stats.norm(), [0.1], n=100_000, replicates=1)
    >>> bool(abs(t.frame["gap"][0]) < 0.01)
    True
    """
    check_law(law)
    ws = _positive_tuple(np.atleast_1d(np.asarray(widths, dtype=np.float64)).tolist(), "widths")
    orders = _positive_tuple(list(alphas), "alphas")
    n = check_int(n, "n", minimum=2)
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, widths=ws, alphas=orders)
    context = {"laws": {label: law}, "h_alpha": {a: differential_renyi_entropy(law, a) for a in orders}}
    frame = pd.DataFrame(run_trials(_measure_discretisation, trials, context=context, desc="entropy vs width", **engine))
    frame = frame.drop(columns=["widths", "alphas"])
    frame["gap"] = frame["measured"] - frame["predicted"]
    # the Shannon gap's second-order expectation (see Discretisation.second_order)
    fisher = fisher_information(law)
    second = frame["width"] ** 2 * fisher / 24.0 - (frame["occupied_bins"] - 1) / (2.0 * n)
    frame["second_order"] = second.where(frame["alpha"] == 1.0)
    return Discretisation(frame)


# --------------------------------------------------------------------------------------------------
# the Goldilocks rule gives back M


def _measure_recovery(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    x = trial.training_sample(context["laws"][trial.law])
    rows = []
    for m in trial["m_values"]:
        width = bin_width(x, m, method="nn")
        rows.append({"m": m, "width": width, "m_measured": effective_m(x, width)})
    return rows


@dataclass(frozen=True)
class GoldilocksRecovery(StudyResult):
    """Rows ``law, n, replicate, m, width, m_measured``."""

    def errors(self) -> pd.DataFrame:
        """Mean error ``measured − chosen M`` per (law, N, M) with its standard error and z = mean / SE.

        Rows with law ``"mean of laws"`` average the laws' mean errors at each (N, M), with the
        standard error of that average (the laws' samples are independent).
        """
        g = self.frame.assign(error=self.frame["m_measured"] - self.frame["m"]).groupby(["law", "n", "m"], sort=False)["error"]
        out = pd.DataFrame({"mean_error": g.mean(), "se": g.std(ddof=1) / np.sqrt(g.size())}).reset_index()
        pooled = out.groupby(["n", "m"], sort=False).agg(
            mean_error=("mean_error", "mean"), se=("se", lambda v: float(np.sqrt(np.sum(np.square(v)))) / len(v)))
        pooled = pooled.reset_index().assign(law="mean of laws")
        out = pd.concat([out, pooled[out.columns]], ignore_index=True)
        out["z"] = out["mean_error"] / out["se"]
        return out

    def table(self) -> pd.DataFrame:
        """Mean measured M over replicates: one row per (law, N), one column per chosen M."""
        t = self.frame.pivot_table(index=["law", "n"], columns="m", values="m_measured", aggfunc="mean", sort=False)
        t.columns = [f"M = {m:g}" for m in t.columns]
        return t.round(3).reset_index().rename(columns={"n": "N"})

    def headline(self) -> dict[str, Any]:
        mean = self.frame.groupby("m")["m_measured"].mean()
        by = self.frame.groupby(["law", "n", "m"])["m_measured"].mean().reset_index()
        by["error"] = (by["m_measured"] - by["m"]).abs()
        worst = by.groupby("m")["error"].max()
        band = by[(by["m"] >= 2.0) & (by["m"] <= 3.0)]
        low = by.groupby(["law", "n", "m"])["m_measured"].first() - by.groupby(["law", "n", "m"])["m"].first()
        return {
            "recovery_by_m": {f"{m:g}": float(v) for m, v in mean.items()},
            "recovery_worst_error": {f"{m:g}": float(v) for m, v in worst.items()},
            # the Goldilocks band 2 <= M <= 3: the largest |measured - chosen| by N (over laws and M)
            "recovery_band_worst_by_n": {str(int(n)): float(v) for n, v in band.groupby("n")["error"].max().items()},
            # signed mean error (measured - chosen) by M and N, over laws: the direction of the miss
            "recovery_signed_by_m_n": {
                f"{m:g}": {str(int(n)): float(v) for n, v in part.groupby("n").mean().items()}
                for m, part in low.groupby(level="m")
            },
        }


def goldilocks_recovery(
    laws: Mapping[str, Any],
    n_values: Sequence[int],
    m_values: Sequence[float],
    *,
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    **engine: Unpack[EngineOptions],
) -> GoldilocksRecovery:
    """Measured ``M = ln N / Ĥ`` of training samples binned at the Goldilocks width for a chosen M.

    Parameters
    ----------
    laws : mapping name → Law
    n_values : sequence of int
        Training sizes N >= 2.
    m_values : sequence of float
        Chosen Goldilocks statistics M > 0.
    replicates : int, optional
        Independent samples per (law, N), ``>= 1``; each serves every M.
    seed : int, optional
        Root seed.
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    GoldilocksRecovery
        Δ uses the nearest-neighbour entropy of the sample (:func:`ampcore.information.bin_width`),
        bins start at ``min(x)``.

    Notes
    -----
    Provenance: the width rule and the measured M are from Watts & Crow 2022 (arXiv:2210.02848);
    this check is ours.

    Examples
    --------
    >>> from scipy import stats
    >>> t = goldilocks_recovery({"normal": stats.norm()}, [2000], [2.0], replicates=1)
    >>> round(float(t.frame["m_measured"][0]), 1)
    2.0
    """
    if not isinstance(laws, Mapping) or not laws:
        raise TypeError(f"`laws` must be a non-empty mapping name -> law; got {laws!r}.")
    for law in laws.values():
        check_law(law)
    ns = _int_list(n_values, "n_values", 2)
    ms = _positive_tuple(m_values, "m_values")
    trials = grid(law=list(laws), n=ns, replicates=replicates, seed=seed, m_values=ms)
    rows = run_trials(_measure_recovery, trials, context={"laws": dict(laws)}, desc="Goldilocks rule", **engine)
    return GoldilocksRecovery(pd.DataFrame(rows).drop(columns=["m_values"]))


# --------------------------------------------------------------------------------------------------
# measured M of N_G events at the training width


def _measure_generated_m(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    x = trial.training_sample(law)
    model = GenCopy(m=trial["m"]).fit(x)
    width, origin = model.width, model.origin
    m_train = float(model.m_eff)
    gain = trial["gain"]
    size = gain * trial.n
    fresh = np.asarray(law.rvs(size=size, random_state=trial.rng("iid")), dtype=np.float64)
    copies = model.sample(size, rng=trial.rng("gencopy"))
    predicted = m_train * math.log(size) / math.log(trial.n)
    b_train = histogram(x, width, origin=origin).counts.size
    h_train = math.log(trial.n) / m_train
    rows = []
    for source, sample in (("iid", fresh), ("gencopy", copies)):
        b = histogram(sample, width, origin=origin).counts.size
        # Miller-Madow: E[H_plug-in] ≈ H - (B - 1)/(2n) for both samples, so a sample that carries
        # the law's entropy at Δ has H_G ≈ H_train + (B_train - 1)/(2N) - (B_G - 1)/(2 N_G)
        h_expected = h_train + (b_train - 1) / (2.0 * trial.n) - (b - 1) / (2.0 * size)
        rows.append({"n_generated": size, "source": source, "m_train": m_train,
                     "m_measured": effective_m(sample, width, origin=origin), "m_predicted": predicted,
                     "occupied_train": int(b_train), "occupied": int(b),
                     "m_predicted_mm": math.log(size) / h_expected})
    return rows


@dataclass(frozen=True)
class GeneratedM(StudyResult):
    """Rows ``law, n, replicate, gain, m, n_generated, source, m_train, m_measured, m_predicted``."""

    def crossing(self, source: str, level: float = 3.0) -> float:
        """N_G at which the mean measured M of `source` reaches `level` (log-linear interpolation).

        The measured M is linear in ``ln N_G`` (:func:`ampcore.bound.generated_m`), so the
        crossing is interpolated in ``ln N_G``; ``nan`` if the curve does not reach `level`.
        """
        part = self.select(source=source)
        mean = part.groupby("n_generated")["m_measured"].mean()
        values, sizes = mean.to_numpy(), np.log(mean.index.to_numpy(dtype=np.float64))
        if not values.min() <= level <= values.max():
            return math.nan
        return float(np.exp(np.interp(level, values, sizes)))

    def crossings(self, level: float = 3.0) -> pd.DataFrame:
        """Where each source's mean measured M reaches `level`, and its ratio to ``N^(3/2)``."""
        n = int(self.frame["n"].iloc[0])
        sources = sorted(self.frame["source"].unique())
        values = [self.crossing(s, level) for s in sources]
        return pd.DataFrame({"sample": sources, f"N_G at measured M = {level:g}": [round(v) if math.isfinite(v) else v for v in values],
                             "ratio to N^(3/2)": [round(v / n**1.5, 3) for v in values]})

    def step3(self, source: str = "iid") -> pd.DataFrame:
        """Measured M of `source` against step 3's prediction, in standard errors of the mean.

        One row per N_G: the mean over replicates of ``m_measured − m_predicted`` (step 3 with
        the training sample's plug-in entropy) and of ``m_measured − m_predicted_mm`` (both
        entropies corrected for their plug-in bias, Miller–Madow), each with its standard error
        over replicates and ``z`` = mean / SE (NaN where the differences do not vary, as for
        GenCopy, whose histogram at Δ is the training histogram: an identity).
        """
        part = self.select(source=source)
        part = part.assign(diff=part["m_measured"] - part["m_predicted"],
                           diff_mm=part["m_measured"] - part["m_predicted_mm"])
        g = part.groupby("n_generated")
        count = np.sqrt(g.size())
        out = pd.DataFrame({"diff": g["diff"].mean(), "se": g["diff"].std(ddof=1) / count,
                            "diff_mm": g["diff_mm"].mean(), "se_mm": g["diff_mm"].std(ddof=1) / count})
        out["z"] = (out["diff"] / out["se"]).where(out["se"] > 1e-12)
        out["z_mm"] = (out["diff_mm"] / out["se_mm"]).where(out["se_mm"] > 1e-12)
        return out.reset_index()

    def table(self) -> pd.DataFrame:
        """Mean measured M over replicates, one row per N_G, one column per source."""
        t = self.frame.pivot_table(index="n_generated", columns="source", values="m_measured", aggfunc="mean")
        t.columns = [f"measured M, {s}" for s in t.columns]
        t["M_train ln N_G / ln N"] = self.frame.groupby("n_generated")["m_predicted"].mean()
        return t.round(3).reset_index().rename(columns={"n_generated": "N_G"})

    def headline(self) -> dict[str, Any]:
        n = int(self.frame["n"].iloc[0])
        out: dict[str, Any] = {"n": n, "m_train_mean": float(self.frame["m_train"].mean())}
        for source in sorted(self.frame["source"].unique()):
            out[f"crossing_{source}"] = self.crossing(source)
            out[f"crossing_ratio_{source}"] = self.crossing(source) / n**1.5
            # ln N_G* / ln N: 3/M_train for GenCopy (each copy has the training histogram)
            out[f"crossing_exponent_{source}"] = math.log(self.crossing(source)) / math.log(n)
        return out


def generated_m_curve(
    law: Law,
    n: int,
    gains: Sequence[int],
    *,
    m: float = 2.0,
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> GeneratedM:
    """Measured M of a sample of ``N_G = G·N`` events binned at the training width and origin.

    Parameters
    ----------
    law : Law
    n : int
        Training events N >= 2.
    gains : sequence of int
        Gains G >= 1; ``N_G = G·N``.
    m : float, optional
        Goldilocks statistic of the training histogram (Δ from the sample's NN entropy).
    replicates : int, optional
        Independent training samples, ``>= 1``.
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    GeneratedM
        `source` is ``"iid"`` (fresh draws from the law) or ``"gencopy"`` (GenCopy output of the
        training sample), and ``m_predicted = M_train · ln N_G / ln N`` with ``M_train`` the
        measured M of the training sample.

    Notes
    -----
    GenCopy (jitter variant) keeps each bin's count times G, so its entropy at Δ equals the
    training entropy and ``M_G = M_train ln N_G / ln N`` holds exactly — by construction, not as
    a measurement. Fresh draws carry the law's own entropy at Δ, slightly above the training
    plug-in value.

    Provenance: Reconstructed (ours; ``DESIGN.md`` §4): the step from the Goldilocks M to the bound.

    Examples
    --------
    >>> from scipy import stats
    >>> t = generated_m_curve(stats.norm(), 400, [20], replicates=1)
    >>> g = t.select(source="gencopy").iloc[0]
    >>> bool(abs(g["m_measured"] - g["m_predicted"]) < 1e-9)
    True
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    gs = _int_list(gains, "gains", 1)
    m = check_positive(m, "m")
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, gain=gs, m=m)
    rows = run_trials(_measure_generated_m, trials, context={"laws": {label: law}},
                      cost=lambda t: t["gain"], desc="measured M of N_G", **engine)
    return GeneratedM(pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------------
# the kNN estimator against exact values


def _measure_bias(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    mp, sp, mq, sq = context["pairs"][trial.law]
    gen = trial.rng(0)
    x = gen.normal(mp, sp, size=trial.n)
    y = gen.normal(mq, sq, size=trial.n)
    k = trial["k"]
    estimate = float(kl_divergence(x, y, k=k)[k - 1])
    truth = float(normal_kl(mp, sp, mq, sq))
    return {"estimate": estimate, "truth": truth, "error": estimate - truth}


@dataclass(frozen=True)
class EstimatorBias(StudyResult):
    """Rows ``law`` (the pair), ``n, replicate, k, estimate, truth, error`` (nats)."""

    def summary(self) -> pd.DataFrame:
        """Per (pair, n): mean error, sd over replicates, standard error and |mean| / s.e."""
        g = self.frame.groupby(["law", "n"])
        out = pd.DataFrame({"mean_error": g["error"].mean(), "sd": g["estimate"].std(ddof=1), "replicates": g.size()})
        out["sem"] = out["sd"] / np.sqrt(out["replicates"])
        out["z"] = out["mean_error"] / out["sem"]
        return out.reset_index()

    def noise_law(self) -> pd.DataFrame:
        """Per pair: the log-log slope of the sd against n (least squares), its standard error, the
        slope's distance from −1/2 in those standard errors (``slope_z``) and ``mean(sd·√n)``.

        The standard error is Standard: an sd from s Normal replicates has relative error about
        ``1/√(2(s − 1))``, which is the error of each ``ln sd``; least squares through the points
        ``ln n_i`` turns it into ``(1/√(2(s − 1))) / √(Σ (ln n_i − mean)²)`` for the slope.
        """
        s = self.summary()
        rows = []
        for pair, part in s.groupby("law", sort=False):
            log_n = np.log(part["n"].to_numpy(dtype=float))
            slope = float(np.polyfit(log_n, np.log(part["sd"]), 1)[0])
            relative = 1.0 / np.sqrt(2.0 * (part["replicates"].to_numpy(dtype=float) - 1.0))
            slope_se = float(relative.mean() / np.sqrt(np.sum((log_n - log_n.mean()) ** 2)))
            rows.append({"pair": pair, "slope": slope, "slope_se": slope_se, "slope_z": (slope + 0.5) / slope_se,
                         "sd_relative_error": float(relative.mean()),
                         "sd_sqrt_n": float(np.mean(part["sd"] * np.sqrt(part["n"])))})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Mean error ± standard error by pair and n (nats)."""
        s = self.summary()
        return pd.DataFrame({
            "pair": s["law"], "n = m": s["n"], "mean error (nats)": s["mean_error"].round(4),
            "sd (nats)": s["sd"].round(4), "standard error (nats)": s["sem"].round(4),
            "mean / s.e.": s["z"].round(1),
        })

    def headline(self) -> dict[str, Any]:
        law = self.noise_law().set_index("pair")
        s = self.summary().set_index(["law", "n"])
        return {
            "slopes": {p: float(v) for p, v in law["slope"].items()},
            "slope_se": float(law["slope_se"].max()),
            "slope_z": {p: float(v) for p, v in law["slope_z"].items()},
            "slope_z_abs_max": float(law["slope_z"].abs().max()),
            "sd_relative_error": float(law["sd_relative_error"].max()),
            "sd_sqrt_n": {p: float(v) for p, v in law["sd_sqrt_n"].items()},
            "mean_error": {f"{p} @ {n}": float(v) for (p, n), v in s["mean_error"].items()},
            "z": {f"{p} @ {n}": float(v) for (p, n), v in s["z"].items()},
            "sd": {f"{p} @ {n}": float(v) for (p, n), v in s["sd"].items()},
            "sem": {f"{p} @ {n}": float(v) for (p, n), v in s["sem"].items()},
            "z_abs_max": float(s["z"].abs().max()),
        }


def estimator_bias(
    n_values: Sequence[int],
    *,
    pairs: Mapping[str, tuple[float, float, float, float]] | None = None,
    k: int = 5,
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    **engine: Unpack[EngineOptions],
) -> EstimatorBias:
    """kNN estimate ``D_k`` of KL(P‖Q) for Normal pairs against the analytic value, over n and replicates.

    Parameters
    ----------
    n_values : sequence of int
        Sample sizes n = m (both samples), each ``> k``.
    pairs : mapping name → (mean_p, sd_p, mean_q, sd_q), optional
        Normal pairs; default :data:`NORMAL_PAIRS`.
    k : int, optional
        Neighbour order reported (FNN's element k), ``>= 1``.
    replicates : int, optional
        Independent sample pairs per (pair, n), ``>= 1``.
    seed : int, optional
        Root seed.
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    EstimatorBias

    Notes
    -----
    Provenance: Standard (the estimator: FNN / Wang, Kulkarni & Verdú 2009; the truth:
    :func:`ampcore.divergence.normal_kl`).

    Examples
    --------
    >>> t = estimator_bias([20_000], k=5, replicates=1)
    >>> bool((t.frame["error"].abs() < 0.05).all())
    True
    """
    ns = _int_list(n_values, "n_values", 2)
    k = check_int(k, "k", minimum=1)
    if min(ns) <= k:
        raise ValueError(f"`n_values` must all be > k = {k}; got {ns}.")
    cases = dict(NORMAL_PAIRS if pairs is None else pairs)
    if not cases:
        raise ValueError("`pairs` must name at least one Normal pair; got {}.")
    trials = grid(law=list(cases), n=ns, replicates=replicates, seed=seed, k=k)
    rows = run_trials(_measure_bias, trials, context={"pairs": cases}, cost=lambda t: t.n,
                      desc="estimator bias", **engine)
    return EstimatorBias(pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------------
# exact agreement with R FNN


def _max_abs_diff(got: np.ndarray, want: np.ndarray) -> tuple[float, bool]:
    same_pattern = bool(
        np.array_equal(np.isnan(got), np.isnan(want))
        and np.array_equal(np.where(np.isinf(got), got, 0.0), np.where(np.isinf(want), want, 0.0))
    )
    finite = np.isfinite(want) & np.isfinite(got)
    diff = float(np.max(np.abs(got[finite] - want[finite]))) if finite.any() else 0.0
    return diff, same_pattern


def _measure_fixture(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    folder = Path(context["directory"])
    case = context["cases"][trial.law]
    x = np.load(folder / case["x_file"])
    y = np.load(folder / case["y_file"])
    k = int(case["k"])
    want_div = np.array([float(s) for s in case["kl_divergence"]])
    want_dist = np.array([float(s) for s in case["kl_dist"]])
    d_div, ok_div = _max_abs_diff(kl_divergence(x, y, k, ties="ignore"), want_div)
    d_dist, ok_dist = _max_abs_diff(kl_distance(x, y, k, ties="ignore"), want_dist)
    return {"m": int(case["m"]), "d": int(case["p"]), "nonfinite": int(np.sum(~np.isfinite(want_div))),
            "max_diff_divergence": d_div, "max_diff_distance": d_dist, "same_nonfinite": ok_div and ok_dist}


@dataclass(frozen=True)
class FixtureAgreement(StudyResult):
    """One row per R case: ``law`` (the case), ``n, m, d, nonfinite, max_diff_divergence,
    max_diff_distance, same_nonfinite``."""

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "case": self.frame["law"], "d": self.frame["d"], "±inf/nan in R": self.frame["nonfinite"],
            "max |Δ| KL.divergence (nats)": self.frame["max_diff_divergence"].map("{:.1e}".format),
            "max |Δ| KL.dist (nats)": self.frame["max_diff_distance"].map("{:.1e}".format),
            "same ±inf/nan": self.frame["same_nonfinite"],
        })

    def headline(self) -> dict[str, Any]:
        largest = float(self.frame[["max_diff_divergence", "max_diff_distance"]].max().max())
        return {"cases": len(self.frame), "largest_difference": largest,
                "within_1e12": bool(largest <= 1e-12), "same_nonfinite": bool(self.frame["same_nonfinite"].all())}


def fnn_fixture_table(directory: str | Path | None = None, **engine: Unpack[EngineOptions]) -> FixtureAgreement:
    """Agreement of :func:`kl_divergence` and :func:`kl_distance` with stored R FNN outputs.

    Parameters
    ----------
    directory : path, optional
        A folder holding ``cases.json`` and the ``.npy`` inputs; default :data:`FNN_FIXTURES`,
        shipped with ampcore (R 4.2.2, FNN 1.1.3.1, ``KL.divergence`` / ``KL.dist`` with k = 10,
        ``algorithm="kd_tree"``).
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    FixtureAgreement
        Differences are over the finite entries (nats); ``same_nonfinite`` says whether the
        positions and signs of Inf/-Inf/NaN match in both functions.

    Raises
    ------
    FileNotFoundError
        If `directory` has no ``cases.json``.

    Notes
    -----
    Ties are computed with ``ties="ignore"``: the fixtures plant ties on purpose.
    Provenance: Standard (FNN, Beygelzimer et al.).

    Examples
    --------
    >>> t = fnn_fixture_table()
    >>> t.headline()["within_1e12"], t.headline()["same_nonfinite"]
    (True, True)
    """
    folder = Path(FNN_FIXTURES if directory is None else directory)
    manifest = folder / "cases.json"
    if not manifest.is_file():
        raise FileNotFoundError(f"`directory` must contain cases.json; none in {str(folder)!r}.")
    cases = {c["name"]: c for c in json.loads(manifest.read_text(encoding="utf-8"))}
    trials = [Trial.make(law=name, n=int(c["n"])) for name, c in cases.items()]
    options: EngineOptions = {"workers": 1, **engine}  # in-process unless told otherwise
    rows = run_trials(_measure_fixture, trials, context={"directory": str(folder), "cases": cases},
                      desc="R FNN cases", **options)
    return FixtureAgreement(pd.DataFrame(rows).drop(columns=["replicate"]))


# --------------------------------------------------------------------------------------------------
# ties


def _measure_jitter(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    copies = np.tile(context["x"], trial["gain"])
    s = trial["scale"]
    sample = copies + trial.rng("jitter").uniform(-s / 2, s / 2, size=copies.size) if s > 0 else copies
    k = trial["k"]
    estimate = float(kl_divergence(sample, context["reference"], k=k, ties="ignore")[k - 1])
    return {"estimate": estimate, "zero_within": int(sample.size - np.unique(sample).size)}


@dataclass(frozen=True)
class TieJitter(StudyResult):
    """Rows ``scale, gain, k, estimate, zero_within`` (``estimate`` in nats)."""

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({
            "jitter width s": self.frame["scale"].map("{:.0e}".format),
            "D_k(copies‖reference) (nats)": self.frame["estimate"].round(3),
            "exactly tied values": self.frame["zero_within"],
        })

    def headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"jitter_{s:g}": float(v) for s, v in zip(self.frame["scale"], self.frame["estimate"])}
        out.update({f"ties_{s:g}": int(v) for s, v in zip(self.frame["scale"], self.frame["zero_within"])})
        return out


def tie_jitter_scan(
    x: ArrayLike,
    reference: ArrayLike,
    scales: Sequence[float],
    *,
    gain: int,
    k: int = 5,
    seed: int = DEFAULT_SEED,
    **engine: Unpack[EngineOptions],
) -> TieJitter:
    """kNN divergence of G exact copies of `x`, each value moved by ``Uniform(−s/2, s/2)``, from `reference`.

    Parameters
    ----------
    x : array_like, shape (n,)
        Training sample.
    reference : array_like, shape (m,)
        Reference sample of the true law (sorted or not).
    scales : sequence of float
        Jitter widths s >= 0; ``s = 0`` gives exact copies.
    gain : int
        Number of copies G >= 1 (G >= 2 creates ties at s = 0).
    k : int, optional
        Neighbour order reported.
    seed : int, optional
        Root seed of the jitter.
    **engine
        ``executor``, ``workers``, ``store``, ``progress``.

    Returns
    -------
    TieJitter
        ``estimate = D_k(copies‖reference)`` (``inf`` for exact copies with G > k) and the number
        of exactly tied values in the jittered copies.

    Notes
    -----
    For ``0 < s`` far below the typical spacing ``1/(n p)``, the within-sample k-th neighbour of a
    copy is another copy at distance ≈ s, so ``D ≈ ln(spacing / s) + const``: the estimate
    measures the jitter, not the law (``research/kld.md`` §5). Provenance: Standard estimator;
    the experiment is ours.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = tie_jitter_scan(rng.normal(size=500), rng.normal(size=5000), [0.0, 1e-6], gain=10)
    >>> t.frame["estimate"].tolist()[0], bool(t.frame["estimate"].tolist()[1] > 5)
    (inf, True)
    """
    xs = as_sample_1d(x, "x", min_size=2)
    ref = as_sample_1d(reference, "reference", min_size=2)
    gain = check_int(gain, "gain", minimum=1)
    k = check_int(k, "k", minimum=1)
    ss = [float(s) for s in np.atleast_1d(np.asarray(scales, dtype=np.float64))]
    if not ss or any(not math.isfinite(s) or s < 0 for s in ss):
        raise ValueError(f"`scales` must be a non-empty list of finite numbers >= 0; got {scales!r}.")
    trials = grid(law="sample", n=xs.size, replicates=1, seed=seed, scale=ss, gain=gain, k=k)
    rows = run_trials(_measure_jitter, trials, context={"x": xs, "reference": ref}, desc="tie jitter", **engine)
    return TieJitter(pd.DataFrame(rows).drop(columns=["law", "n", "replicate"]))
