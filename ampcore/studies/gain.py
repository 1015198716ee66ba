"""The gain grid: amplify N training events by G and measure the kNN divergence from the truth.

Use :func:`run_grid` for every combination of law × N × M × G × amplifier × replicate (chapters 4
and 5): each trial draws N training events, amplifies them (GenCopy's width Δ from M), and
measures the divergence ``D_k(generated‖reference)`` against a large sorted Monte Carlo
reference, the same for an MC sample of the same size (the baseline), the exact floor
``KL(q_Δ‖p)`` of the training histogram, and optionally the floor's split by region of x. The
result (:class:`GainGrid`) gives the tidy frame, the floor table, one curve as a seeds matrix,
a rounded table for the book and headline numbers.

Provenance: the design (KLD of amplified data against a large MC reference, compared with an MC
sample of the same size) follows the summary of Watts & Crow 2025 and is Reconstructed (ours);
the floor is :func:`ampcore.divergence.histogram_kl` (Standard definition; its reading as the
floor is Reconstructed, ``DESIGN.md`` §4).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_positive_sample, check_bool, check_choice, check_int, check_law, check_memory, check_positive
from ..generators.registry import make, resolve
from ..bound import satisfies_bound
from ..divergence import histogram_kl, kl_divergence
from ..floor import fisher_information, floor_terms, kl_by_region, kld_gain_law
from ..information import bin_width, effective_m
from ..laws import Law, Reference
from ..logspace import log_floor
from .engine import DEFAULT_SEED, Trial, check_grid_size, grids, run_trials, trial_threads
from .results import StudyResult, check_list, mean_sd

__all__ = ["BINNING_AMPLIFIERS", "GainGrid", "run_grid", "measure_gain", "seed_matrix"]

BINNING_AMPLIFIERS = frozenset({"gencopy", "gencopy-log"})
"""Amplifiers that use the Goldilocks bin width (their rows carry M, Δ, M_eff and the floor)."""
_LOG_BINNED = frozenset({"gencopy-log"})  # binned in ln x: width, origin and M refer to ln x
_REFERENCE_KEY = 0  # spawn-key slot no trial uses (trials have N >= 2 there)

_COLUMNS = [
    "law", "n", "m", "gain", "amplifier", "replicate", "n_generated", "width", "origin", "m_eff",
    "m_generated", "bound", "kld_nats", "kld_mc_nats", "floor_nats", "noise_nats", "bias_nats", "law_nats",
    "kld_vector",
]


def _region_floors(train: np.ndarray, width: float, origin: float, law: Law, regions: Any, in_log: bool) -> dict[str, float]:
    """Per-region sums of the exact floor (bin midpoints in x, or in ln x for log bins)."""
    edges, labels = np.asarray(regions[0], dtype=np.float64), [str(s) for s in regions[1]]
    if in_log:
        table = log_floor(train, width, law=law, origin=origin, per_bin=True)
        with np.errstate(divide="ignore"):
            edges = np.where(edges <= 0, -np.inf, np.log(np.where(edges > 0, edges, 1.0)))
    else:
        table = histogram_kl(train, width, origin=origin, law=law, per_bin=True)
    parts = kl_by_region(table, edges, labels)
    return {f"floor_{label}_nats": float(parts[label]) for label in labels}


def measure_gain(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    """One trial of the gain grid (the engine's measure; see :func:`run_grid`).

    Streams: 0 the training sample, 1 the amplifier, 2 the MC baseline. For binning amplifiers
    the row also carries the terms of the gain law (:func:`ampcore.floor.kld_gain_law`): the noise
    ``(B_occ − 1)/(2N)`` and bias ``Δ² J/24`` of the training histogram (in ln x for log bins) and
    the law's prediction for this training sample, ``floor − noise/G``.
    """
    reference: Reference = context["references"][trial.law]
    law = reference.law
    n, gain, amplifier, k = trial.n, trial["gain"], trial["amplifier"], trial["k"]
    train = trial.training_sample(law)
    binning = amplifier in BINNING_AMPLIFIERS
    row: dict[str, Any] = {
        "m": math.nan, "width": math.nan, "origin": math.nan, "m_eff": math.nan,
        "m_generated": math.nan, "floor_nats": math.nan, "noise_nats": math.nan, "bias_nats": math.nan,
        "law_nats": math.nan,
    }
    if binning:
        in_log = amplifier in _LOG_BINNED
        binned = np.log(as_positive_sample(train, "training sample")) if in_log else train
        width = bin_width(binned, trial["m"], method=trial["entropy_method"])
        origin = float(binned.min())
        model: Any = make(amplifier, width=width, origin=origin).fit(train)  # a HistogramModel
        out = model.amplify(gain, rng=trial.rng(1))
        generated = np.log(out.sample) if in_log else out.sample
        floor = log_floor(train, width, origin=origin, law=law) if in_log else histogram_kl(train, width, origin=origin, law=law)
        fisher = context["fisher"][trial.law]["log" if in_log else "linear"]
        terms = floor_terms(binned, width, fisher=1.0, origin=origin)  # the noise term; J is applied below
        row.update(
            m=float(trial["m"]), width=width, origin=origin, m_eff=float(model.m_eff),
            m_generated=effective_m(generated, width, origin=origin), floor_nats=float(floor),
            noise_nats=terms.noise, bias_nats=terms.bias * fisher,
            law_nats=float(kld_gain_law(gain, noise=terms.noise, floor=floor)),
        )
        if trial.get("regions") is not None:
            row.update(_region_floors(train, width, origin, law, trial["regions"], in_log))
    else:
        out = make(amplifier).fit(train).amplify(gain, rng=trial.rng(1))
    vector = kl_divergence(out.sample, reference.sample, k=k, ties="ignore", workers=trial_threads())
    kld_mc = math.nan
    if trial["baseline"]:
        mc = np.asarray(law.rvs(size=out.n_generated, random_state=trial.rng(2)), dtype=np.float64)
        kld_mc = float(kl_divergence(mc, reference.sample, k=k, workers=trial_threads())[k - 1])
    row.update(
        n_generated=out.n_generated,
        bound=bool(satisfies_bound(n, out.n_generated)),
        kld_nats=float(vector[k - 1]),
        kld_mc_nats=kld_mc,
        kld_vector=[float(v) for v in vector],
    )
    return row


@dataclass(frozen=True)
class GainGrid(StudyResult):
    """The trials of :func:`run_grid`: one row per (law, N, M, G, amplifier, replicate).

    Columns: ``law, n, m, gain, amplifier, replicate, n_generated, width, origin, m_eff,
    m_generated, bound, kld_nats, kld_mc_nats, floor_nats, noise_nats, bias_nats, law_nats,
    kld_vector`` (divergences in nats; ``m``, ``width``, ``origin``, ``m_eff``, ``m_generated``,
    ``floor_nats`` and the gain-law columns are NaN for amplifiers that do not bin; for
    ``"gencopy-log"`` they refer to ln x; ``bias_nats`` is NaN for a law without finite Fisher
    information), plus ``floor_<region>_nats`` when regions were asked for. ``law_nats`` is the
    gain law for the trial's own training sample, ``floor − noise/G``
    (:func:`ampcore.floor.kld_gain_law`).
    """

    def curve(self, x: str, value: str, **where: Any) -> tuple[np.ndarray, np.ndarray]:
        """One curve as ``(xs, values[points, replicates])``, after selecting rows by `where`.

        Examples: ``grid.curve("gain", "kld_nats", m=2.5, amplifier="gencopy")``.
        """
        return seed_matrix(self.select(**where), x=x, value=value)

    def floor_table(self, *, plateau_from: int | None = None) -> pd.DataFrame:
        """One row per (law, N, amplifier, M): the exact floor, the measured plateau, the MC baseline.

        Parameters
        ----------
        plateau_from : int, optional
            Smallest gain counted in the plateau (default ``ceil(sqrt(N))``, the bound's gain, or
            the largest gain of the grid if that is smaller).
            Per replicate the plateau is the mean ``kld_nats`` over gains ``>= plateau_from``.

        Returns
        -------
        pandas.DataFrame
            ``law, n, amplifier, m, m_eff_mean, width_mean, floor_mean, floor_sd, plateau_mean,
            plateau_sd, mc_mean, mc_sd, replicates``; MC at the largest gain; sd over
            replicates (ddof = 1). Provenance: mean and sample sd Standard; the plateau's
            reading against the exact floor Reconstructed.
        """
        frame = self.frame[self.frame["amplifier"].isin(BINNING_AMPLIFIERS)]
        if frame.empty:
            raise ValueError("the grid has no binning amplifier (GenCopy), so it has no floors.")
        rows = []
        for (law, n, amp, m), group in frame.groupby(["law", "n", "amplifier", "m"], sort=True):
            top = group["gain"].max()
            start = min(math.ceil(math.sqrt(n)), top) if plateau_from is None else check_int(plateau_from, "plateau_from", minimum=1)
            if top < start:
                raise ValueError(f"`plateau_from` must be <= the largest gain {top}; got {start}.")
            per_rep = group.groupby("replicate")
            plateau = group[group["gain"] >= start].groupby("replicate")["kld_nats"].mean()
            floor = per_rep["floor_nats"].first()
            mc = group[group["gain"] == top].groupby("replicate")["kld_mc_nats"].first()
            rows.append({
                "law": law, "n": int(n), "amplifier": amp, "m": float(m), "plateau_from": start,
                "m_eff_mean": float(per_rep["m_eff"].first().mean()),
                "width_mean": float(per_rep["width"].first().mean()),
                **mean_sd(floor, "floor"), **mean_sd(plateau, "plateau"), **mean_sd(mc, "mc"),
                "replicates": int(floor.size),
            })
        return pd.DataFrame(rows)

    def _region_columns(self) -> list[str]:
        columns = [c for c in self.frame.columns if c.startswith("floor_") and c.endswith("_nats") and c != "floor_nats"]
        if not columns:
            raise ValueError("the grid was run without `regions`, so it has no per-region floors.")
        return columns

    def region_means(self, amplifier: str = "gencopy") -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per-region floors of one amplifier: (mean, sd) over replicates, rows M, columns regions."""
        columns = self._region_columns()
        first = self.select(amplifier=amplifier).drop_duplicates(["law", "n", "m", "replicate"])
        g = first.groupby("m")[columns]
        labels = {c: c[len("floor_"):-len("_nats")] for c in columns}
        return g.mean().rename(columns=labels), g.std(ddof=1).rename(columns=labels)

    def region_table(self) -> pd.DataFrame:
        """Mean per-region floors (nats), one row per (amplifier, M), for the book."""
        parts = []
        for amp in [a for a in self.frame["amplifier"].unique() if a in BINNING_AMPLIFIERS]:
            mean, _ = self.region_means(amp)
            mean.columns = [f"{c} (nats)" for c in mean.columns]
            parts.append(mean.round(4).reset_index().rename(columns={"m": "M"}).assign(amplifier=amp))
        out = pd.concat(parts, ignore_index=True)
        return out[["amplifier", *[c for c in out.columns if c != "amplifier"]]]

    def by_m(self) -> pd.DataFrame:
        """Per M (GenCopy rows): measured M_eff, KLD at the smallest and largest gain, the floor."""
        frame = self.frame[self.frame["amplifier"].isin(BINNING_AMPLIFIERS)]
        low, top = frame["gain"].min(), frame["gain"].max()
        g = frame.groupby("m")
        return pd.DataFrame({
            "measured M_eff": g["m_eff"].mean(),
            f"KLD at G = {low} (nats)": frame[frame["gain"] == low].groupby("m")["kld_nats"].mean(),
            f"KLD at G = {top} (nats)": frame[frame["gain"] == top].groupby("m")["kld_nats"].mean(),
            "floor (nats)": g["floor_nats"].mean(),
        }).round(3).reset_index().rename(columns={"m": "M"})

    def noise_table(self, coefficient: float = 0.8) -> pd.DataFrame:
        """The MC baseline's spread over replicates at each gain against ``coefficient / sqrt(N_G)``.

        The MC sample of each (G, replicate) is an independent sample of the law of size N_G, so
        its kNN estimate scatters like the estimator's noise for equal laws (chapter 3 measures
        about ``0.7–0.8 / sqrt(n)`` at k = 5; Standard behaviour of the estimator).
        """
        coefficient = check_positive(coefficient, "coefficient")
        mc = self.frame.drop_duplicates(["law", "n", "gain", "replicate"])
        g = mc.groupby("gain")
        n_gen = g["n_generated"].first()
        return pd.DataFrame({
            "G": n_gen.index, "N_G": n_gen.to_numpy(),
            f"{coefficient:g}/√N_G (nats)": (coefficient / np.sqrt(n_gen.to_numpy())).round(4),
            "MC sd over replicates (nats)": g["kld_mc_nats"].std(ddof=1).round(4).to_numpy(),
            "MC mean (nats)": g["kld_mc_nats"].mean().round(4).to_numpy(),
        })

    def table(self) -> pd.DataFrame:
        """The floor table, rounded, with units in the column names (for the book)."""
        t = self.floor_table()
        out = pd.DataFrame({
            "law": t["law"], "amplifier": t["amplifier"], "M": t["m"],
            "measured M_eff": t["m_eff_mean"].round(2), "bin width Δ": t["width_mean"].round(3),
            "floor (nats)": t["floor_mean"].round(4), "floor sd (nats)": t["floor_sd"].round(4),
            f"plateau, G ≥ {t['plateau_from'].iloc[0]} (nats)": t["plateau_mean"].round(4),
            "plateau sd (nats)": t["plateau_sd"].round(4),
            "MC at largest G (nats)": t["mc_mean"].round(4),
        })
        if out["law"].nunique() == 1:
            out = out.drop(columns="law")
        if out["amplifier"].nunique() == 1:
            out = out.drop(columns="amplifier")
        return out.reset_index(drop=True)

    def law_table(self, amplifier: str = "gencopy") -> pd.DataFrame:
        """The gain law against the measured KLD, one row per M (mean over replicates).

        Columns: M, the noise ``(B_occ − 1)/(2N)`` and bias ``Δ²J/24`` terms, the measured KLD at
        the smallest gain and the law's value there (``floor − noise/G``), the exact floor, and
        the largest gap between measured and predicted over the gains, in nats and in standard
        errors of the paired difference (:func:`ampcore.floor.kld_gain_law`).
        """
        check_choice(amplifier, "amplifier", sorted(BINNING_AMPLIFIERS))
        frame = self.select(amplifier=amplifier)
        low = frame["gain"].min()
        rows = []
        for m, group in frame.groupby("m", sort=True):
            diff = (group["kld_nats"] - group["law_nats"]).groupby(group["gain"])
            sem = diff.std(ddof=1) / np.sqrt(diff.count())
            first = group[group["gain"] == low]
            per_rep = group.groupby("replicate")
            rows.append({
                "M": float(m),
                "noise (B_occ−1)/2N (nats)": round(float(per_rep["noise_nats"].first().mean()), 4),
                "bias Δ²J/24 (nats)": round(float(per_rep["bias_nats"].first().mean()), 4),
                f"KLD at G = {low} (nats)": round(float(first["kld_nats"].mean()), 4),
                f"law at G = {low} (nats)": round(float(first["law_nats"].mean()), 4),
                "exact floor (nats)": round(float(per_rep["floor_nats"].first().mean()), 4),
                "largest |KLD − law| (nats)": round(float(diff.mean().abs().max()), 4),
                "in standard errors": round(float((diff.mean().abs() / sem).max()), 1),
            })
        return pd.DataFrame(rows)

    def headline(self, *, law_from_m: float = 2.0) -> dict[str, Any]:
        """Floors, plateaus, the gain law and baselines by M, for ``record`` and the tests.

        Lists in M order (``floor_mean``, ``plateau_mean``, ...) and the same by M label
        (``floor_by_m``, ``floor_sd_by_m``, ``plateau_by_m``, ``plateau_sd_by_m``, ``m_eff_by_m``,
        ``plateau_gap`` = plateau − floor (``plateau_gap_abs_max`` its largest size over every
        amplifier and M), ``noise``, ``bias``, ``kld_first`` / ``kld_first_sd`` at the smallest
        gain, ``law_gap`` and ``law_z``: the largest |mean KLD − mean gain law| over the gains and
        the same in standard errors of the paired difference); amplifiers other than GenCopy carry
        their name as a suffix; ``law_z_max`` and ``law_gap_max`` are the largest of these over
        the M >= `law_from_m` (bins of many events; the law needs more than k generated events per
        bin, see :func:`ampcore.floor.kld_gain_law`). With regions: ``region`` (by M, by region,
        mean over replicates); with both GenCopy and GenCopy in ln x: ``floor_ratio_linear_to_log``
        by M. MC baseline: its mean and sd at the largest gain, its sd at the smallest, and the
        range of its sd over ``0.8/√N_G`` (:meth:`noise_table`).
        """
        t = self.floor_table()
        out: dict[str, Any] = {}
        for amp, part in t.groupby("amplifier", sort=False):
            tag = "" if amp == "gencopy" else "_" + str(amp).replace("-", "_")
            labels = [f"{float(v):g}" for v in part["m"]]
            out[f"m_values{tag}"] = [float(v) for v in part["m"]]
            out[f"m_eff{tag}"] = [float(v) for v in part["m_eff_mean"]]
            out[f"floor_mean{tag}"] = [float(v) for v in part["floor_mean"]]
            out[f"floor_sd{tag}"] = [float(v) for v in part["floor_sd"]]
            out[f"floor_smallest{tag}"] = float(part["floor_mean"].min())
            out[f"plateau_mean{tag}"] = [float(v) for v in part["plateau_mean"]]
            out[f"plateau_sd{tag}"] = [float(v) for v in part["plateau_sd"]]
            for key, column in (("floor_by_m", "floor_mean"), ("floor_sd_by_m", "floor_sd"), ("plateau_by_m", "plateau_mean"),
                                ("plateau_sd_by_m", "plateau_sd"), ("m_eff_by_m", "m_eff_mean")):
                out[f"{key}{tag}"] = {label: float(v) for label, v in zip(labels, part[column])}
            out[f"plateau_gap{tag}"] = {
                label: float(p - f) for label, p, f in zip(labels, part["plateau_mean"], part["floor_mean"])
            }
        frame = self.frame
        low, top = frame["gain"].min(), frame["gain"].max()
        out["plateau_gap_abs_max"] = float(max(abs(p - f) for p, f in zip(t["plateau_mean"], t["floor_mean"])))
        binning = frame[frame["amplifier"].isin(BINNING_AMPLIFIERS)]
        for (amp, m), group in binning.groupby(["amplifier", "m"], sort=True):
            tag = "" if amp == "gencopy" else "_" + str(amp).replace("-", "_")
            label = f"{float(m):g}"
            first = group[group["gain"] == low]["kld_nats"]
            per_rep = group.groupby("replicate")
            diff = (group["kld_nats"] - group["law_nats"]).groupby(group["gain"])
            gap = diff.mean()
            sem = diff.std(ddof=1) / np.sqrt(diff.count())
            for key, value in (
                ("kld_first", float(first.mean())), ("kld_first_sd", float(first.std(ddof=1))),
                ("noise", float(per_rep["noise_nats"].first().mean())), ("bias", float(per_rep["bias_nats"].first().mean())),
                ("law_gap", float(gap.abs().max())), ("law_z", float((gap.abs() / sem).max())),
            ):
                out.setdefault(f"{key}{tag}", {})[label] = value
        for key in [k for k in out if k.startswith(("law_gap", "law_z"))]:
            tag = key[len("law_gap"):] if key.startswith("law_gap") else key[len("law_z"):]
            base = "law_gap" if key.startswith("law_gap") else "law_z"
            kept = [v for label, v in out[key].items() if float(label) >= law_from_m]
            if kept:
                out[f"{base}_max{tag}"] = float(max(kept))
        if any(c.startswith("floor_") and c != "floor_nats" for c in frame.columns):
            for amp in [a for a in frame["amplifier"].unique() if a in BINNING_AMPLIFIERS]:
                tag = "" if amp == "gencopy" else "_" + str(amp).replace("-", "_")
                mean, _ = self.region_means(amp)
                out[f"region{tag}"] = {
                    f"{float(m):g}": {str(r): float(v) for r, v in row.items()} for m, row in mean.iterrows()
                }
        amps = set(frame["amplifier"])
        if {"gencopy", "gencopy-log"} <= amps:
            log_floor_by_m = out["floor_by_m_gencopy_log"]
            out["floor_ratio_linear_to_log"] = {
                m: value / log_floor_by_m[m] for m, value in out["floor_by_m"].items() if m in log_floor_by_m
            }
        mc = frame.drop_duplicates(["law", "n", "gain", "replicate"])
        out["first_gain"], out["max_gain"] = int(low), int(top)
        out["max_generated"] = int(frame["n_generated"].max())
        out["plateau_from"] = int(t["plateau_from"].iloc[0])
        out["mc_at_max_gain"] = float(mc.loc[mc["gain"] == top, "kld_mc_nats"].mean())
        out["mc_sd_at_max_gain"] = float(mc.loc[mc["gain"] == top, "kld_mc_nats"].std(ddof=1))
        out["mc_sd_at_first_gain"] = float(mc.loc[mc["gain"] == low, "kld_mc_nats"].std(ddof=1))
        if mc["kld_mc_nats"].notna().all() and mc["replicate"].nunique() > 1:
            by_gain = mc.groupby("gain")
            ratio = by_gain["kld_mc_nats"].std(ddof=1) / (0.8 / np.sqrt(by_gain["n_generated"].first()))
            out["mc_sd_ratio_min"], out["mc_sd_ratio_max"] = float(ratio.min()), float(ratio.max())
        out["bound_at_max_gain"] = bool(frame.loc[frame["gain"] == top, "bound"].all())
        out["n_trials"] = int(len(frame))
        return out


def seed_matrix(frame: pd.DataFrame, *, x: str, value: str) -> tuple[np.ndarray, np.ndarray]:
    """One curve of a tidy table as an array of shape (points, replicates).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of ONE curve (e.g. one law and one M), with columns `x`, `value` and ``replicate``.
    x : str
        Column on the x axis (e.g. ``"gain"``); one point per distinct value, sorted.
    value : str
        Column to spread over replicates (e.g. ``"kld_nats"``).

    Returns
    -------
    xs : numpy.ndarray, shape (p,)
    values : numpy.ndarray, shape (p, s)
        ``values[i, j]`` is `value` at ``xs[i]`` for replicate j.

    Raises
    ------
    ValueError
        If a column is missing, or some (x, replicate) pair is missing or repeated.

    Examples
    --------
    >>> df = pd.DataFrame({"gain": [1, 1, 10, 10], "replicate": [0, 1, 0, 1],
    ...                    "kld_nats": [0.1, 0.2, 0.3, 0.4]})
    >>> xs, v = seed_matrix(df, x="gain", value="kld_nats")
    >>> xs.tolist(), v.tolist()
    ([1, 10], [[0.1, 0.2], [0.3, 0.4]])
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in (x, value, "replicate") if c not in frame.columns]
    if missing:
        raise ValueError(f"`frame` lacks the column(s) {', '.join(missing)}; got {list(frame.columns)}.")
    if frame.empty:
        raise ValueError("`frame` must have at least one row; got an empty table.")
    if frame.duplicated([x, "replicate"]).any():
        raise ValueError(
            f"`frame` must hold one row per ({x}, replicate); some pairs repeat. "
            "Select one curve (e.g. one law and one m) first."
        )
    table = frame.pivot(index=x, columns="replicate", values=value).sort_index()
    if table.isna().any().any():
        raise ValueError(f"`frame` must have every replicate at every {x}; some (x, replicate) rows are missing.")
    return table.index.to_numpy(), table.to_numpy(dtype=np.float64)


def _reference_seed(seed: int, name: str) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode("utf-8")), _REFERENCE_KEY))


def run_grid(
    laws: Mapping[str, Any] | Sequence[Reference],
    n: Sequence[int],
    m: Sequence[float],
    gain: Sequence[int],
    *,
    amplifiers: Sequence[str] = ("gencopy",),
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    reference_size: int = 200_000,
    k: int = 5,
    baseline: bool = True,
    entropy_method: str = "nn",
    regions: tuple[Sequence[float], Sequence[str]] | None = None,
    executor: Any = None,
    workers: int | None = None,
    store: Any = None,
    progress: bool = False,
    threads: int | None = None,
) -> GainGrid:
    """Run every combination of law × N × M × G × amplifier × replicate.

    Parameters
    ----------
    laws : mapping of name → Law, or sequence of Reference
        With a mapping, one :class:`~ampcore.laws.Reference` of `reference_size` events is drawn
        per law from ``SeedSequence(seed, spawn_key=(crc32(name), 0))``.
    n, m, gain : sequences
        Training sizes, Goldilocks statistics and gains. M applies to binning amplifiers only;
        other amplifiers run once per (law, N, G, replicate) with ``m = NaN``.
    amplifiers : sequence of str
        Generator names (:func:`ampcore.generators.registry.names`; ``"gencopy-log"`` and
        ``"smoothed_bootstrap"`` are the older spellings this study's rows keep).
    replicates : int
        Independent training samples per (law, N).
    seed : int
        Root seed (see :class:`~ampcore.studies.engine.Trial`).
    reference_size : int
        Size of each reference sample when `laws` is a mapping.
    k : int
        Neighbour order of the reported divergence (FNN's D_k; the vector 1..k is kept too).
    baseline : bool
        Compute the MC baseline once per (law, N, G, replicate) and copy it to every row of that
        group (it does not depend on M or the amplifier).
    entropy_method : str
        Entropy estimator for GenCopy's Δ.
    regions : (edges, labels), optional
        Also split each trial's exact floor by region of x: increasing `edges` (``len(labels)
        + 1``, ``-inf``/``inf`` allowed at the ends; for ``"gencopy-log"`` each edge must be
        ``>= 0`` or ``-inf``), a bin counting in the region that holds its midpoint.
    executor, workers, store, progress, threads
        How the trials run (:func:`ampcore.studies.run_trials`): the table is bitwise the same
        for any executor, worker count, thread count, order or resumed store.

    Returns
    -------
    GainGrid
        ``.frame`` sorted by (law, n, m, gain, amplifier, replicate).

    Examples
    --------
    >>> from scipy import stats
    >>> g = run_grid({"normal": stats.norm()}, [500], [2.5], [1, 4], replicates=2,
    ...              reference_size=20_000)
    >>> g.frame[["gain", "n_generated", "bound"]].drop_duplicates().values.tolist()
    [[1, 500, False], [4, 2000, False]]
    """
    # every argument is checked before any work (the references are drawn last)
    seed = check_int(seed, "seed", minimum=0)
    references: list[Reference] | None = None
    if isinstance(laws, Mapping):
        if not laws:
            raise ValueError("`laws` must name at least one law; got an empty mapping.")
        reference_size = check_int(reference_size, "reference_size", minimum=2)
        named = [(str(name), check_law(law)) for name, law in laws.items()]
    else:
        references = list(laws)
        if not references or not all(isinstance(r, Reference) for r in references):
            raise TypeError("`laws` must be a mapping of name -> law or a non-empty sequence of Reference.")
        named = [(r.name, r.law) for r in references]
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise ValueError(f"Reference names must be unique; got {names!r}.")
    ns = [check_int(v, "n", minimum=2) for v in check_list(n, "n")]
    gains = [check_int(v, "gain", minimum=1) for v in check_list(gain, "gain")]
    ms = [check_positive(v, "m") for v in check_list(m, "m")]
    amps = [a for a in check_list(amplifiers, "amplifiers") if resolve(a, "amplifiers")]  # the label as given
    replicates = check_int(replicates, "replicates", minimum=1)
    k = check_int(k, "k", minimum=1)
    if k >= min(ns):
        raise ValueError(f"`k` must be < every N (k-th neighbour within the sample); got k={k}, n={min(ns)}.")
    if regions is not None:
        regions = _check_regions(regions, log="gencopy-log" in amps)
    if "gencopy-log" in amps:
        negative = [name for name, law in named if not float(law.support()[0]) >= 0]
        if negative:
            raise ValueError(f"amplifier 'gencopy-log' needs laws on [0, inf) (it bins ln x); {negative} reach below 0.")
    # limits before work: the grid, the largest trial (its G N events, their sorted copy, the MC
    # baseline) and the references must fit in memory (ampcore._validation.check_memory)
    baseline = check_bool(baseline, "baseline")
    check_grid_size(law=len(named), n=len(ns), m=len(ms), gain=len(gains), amplifiers=len(amps), replicates=replicates)
    check_memory(40 * max(ns) * max(gains), name="gain", value=max(gains),
                 what=f"the largest trial ({max(ns)} x {max(gains)} generated events, 40 bytes each with the baseline)")
    if references is None:
        check_memory(24 * reference_size * len(named), name="reference_size", value=reference_size,
                     what=f"{len(named)} reference sample(s) (draws and sorted copy, 24 bytes an event)")
        references = [
            Reference.draw(law, reference_size, name=name, rng=_reference_seed(seed, name)) for name, law in named
        ]

    # a ragged grid: M is an axis of the binning generators only; the MC baseline is measured once
    # per (law, N, G), with the first generator at its first M
    common = {"law": [ref.name for ref in references], "n": ns, "gain": gains, "k": k,
              "entropy_method": entropy_method}
    parts: list[dict[str, Any]] = []
    for amp in amps:
        binning = amp in BINNING_AMPLIFIERS
        m_axis: list[float | None] = list(ms) if binning else [None]
        part = {**common, "amplifier": amp, "regions": regions if binning else None}
        first = amp == amps[0]
        parts.append({**part, "m": m_axis[0], "baseline": bool(baseline and first)})
        if len(m_axis) > 1:
            parts.append({**part, "m": m_axis[1:], "baseline": False})
    trials = grids(parts, replicates=replicates, seed=seed)
    rows = run_trials(
        measure_gain, trials,
        context={"references": {r.name: r for r in references}, "fisher": {r.name: _fishers(r.law, amps) for r in references}},
        executor=executor, workers=workers, store=store, progress=progress, threads=threads,
        cost=lambda t: t.n * t["gain"] * (1 + t["baseline"]), desc="gain grid",
    )
    frame = pd.DataFrame(rows)
    region_columns = [c for c in frame.columns if c.startswith("floor_") and c != "floor_nats"]
    frame = frame[_COLUMNS + region_columns]
    if baseline:
        keys = ["law", "n", "gain", "replicate"]
        frame["kld_mc_nats"] = frame.groupby(keys)["kld_mc_nats"].transform("max")
    frame = frame.sort_values(["law", "n", "m", "gain", "amplifier", "replicate"], na_position="last")
    return GainGrid(frame.reset_index(drop=True))


def _fishers(law: Law, amplifiers: Sequence[str]) -> dict[str, float]:
    """J of the law (and of the law of ln x, for log bins) for the bias term; NaN if not finite."""
    out = {"linear": math.nan, "log": math.nan}
    for key, needed in (("linear", "gencopy" in amplifiers), ("log", "gencopy-log" in amplifiers)):
        if needed:
            try:
                out[key] = fisher_information(law, log=key == "log")
            except (TypeError, ValueError):  # a law without a smooth density (e.g. a jump): no bias term
                out[key] = math.nan
    return out


def _check_regions(regions: Any, *, log: bool) -> tuple[tuple[float, ...], tuple[str, ...]]:
    try:
        edges, labels = regions
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`regions` must be a pair (edges, labels); got {regions!r}.") from exc
    e = np.asarray(edges, dtype=np.float64)
    names = [str(s) for s in labels]
    if e.ndim != 1 or e.size != len(names) + 1 or np.any(np.isnan(e)) or np.any(np.diff(e) <= 0):
        raise ValueError(
            f"`regions` edges must be {len(names) + 1} strictly increasing values (one more than the "
            f"labels); got {list(edges)!r}."
        )
    if log and np.any((e < 0) & ~np.isneginf(e)):
        raise ValueError(f"`regions` edges must be >= 0 (or -inf) for 'gencopy-log'; got {e.tolist()}.")
    return tuple(float(v) for v in e), tuple(names)
