"""The floor scan: the exact floor of GenCopy and its noise-plus-bias approximation over M.

Use :func:`floor_scan` to tabulate, for several training samples of one law, the exact floor
``KL(q_Δ‖p)`` (:func:`ampcore.divergence.histogram_kl`) and its two-term approximation
(:func:`ampcore.floor.floor_terms`) at each Goldilocks statistic M (chapter 2).

Provenance: Reconstructed (our experiment design; the pieces are documented in
:func:`ampcore.floor.floor_terms` and :func:`ampcore.divergence.histogram_kl`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._validation import check_choice, check_int, check_law, check_positive
from ..divergence import histogram_kl
from ..floor import fisher_information, floor_terms
from ..information import bin_width, effective_m
from ..laws import Law, law_name
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = ["FloorScan", "floor_scan"]


def _measure(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    law = context["laws"][trial.law]
    x = trial.training_sample(law)
    origin = float(x.min())
    rows = []
    for m in trial["m_values"]:
        if trial["entropy"] == "law":
            width = bin_width(x, m, law=law)
        else:
            width = bin_width(x, m, method="nn")
        terms = floor_terms(x, width, fisher=trial["fisher"], origin=origin)
        rows.append({
            "m": float(m), "width": width, "m_eff": effective_m(x, width, origin=origin),
            "occupied_bins": terms.occupied_bins, "noise": terms.noise, "bias": terms.bias,
            "approx": terms.total, "exact": histogram_kl(x, width, origin=origin, law=law),
        })
    return rows


@dataclass(frozen=True)
class FloorScan(StudyResult):
    """Rows ``law, n, replicate, m, width, m_eff, occupied_bins, noise, bias, approx, exact`` (nats)."""

    def means(self) -> pd.DataFrame:
        """Mean over replicates of each column, by M."""
        return self.frame.groupby("m")[["m_eff", "noise", "bias", "approx", "exact"]].mean()

    def paired_z(self, a: float, b: float, column: str = "exact") -> float:
        """Mean over replicates of ``column(M = a) − column(M = b)`` in standard errors of that mean.

        Each replicate's training sample serves every M, so the difference is paired by sample.
        """
        wide = self.frame.pivot_table(index="replicate", columns="m", values=column)
        for value, name in ((a, "a"), (b, "b")):
            if float(value) not in wide.columns:
                raise ValueError(f"`{name}` must be one of the scanned M {sorted(wide.columns)}; got {value!r}.")
        diff = wide[float(a)] - wide[float(b)]
        if len(diff) < 2:
            raise ValueError(f"`paired_z` needs at least 2 replicates; the scan has {len(diff)}.")
        return float(diff.mean() / (diff.std(ddof=1) / len(diff) ** 0.5))

    def gap_z(self) -> dict[str, float]:
        """By M: the mean of ``exact − approx`` over replicates in standard errors of that mean."""
        gap = (self.frame["exact"] - self.frame["approx"]).groupby(self.frame["m"])
        z = gap.mean() / (gap.std(ddof=1) / gap.size() ** 0.5)
        return {f"{m:g}": float(v) for m, v in z.items()}

    def table(self) -> pd.DataFrame:
        """Mean over replicates by M: measured M, the two terms, their sum and the exact floor."""
        means = self.means()
        sd = self.frame.groupby("m")["exact"].std(ddof=1)
        return pd.DataFrame({
            "M": means.index,
            "measured M_eff": means["m_eff"].round(3).to_numpy(),
            "noise (B_occ−1)/2N (nats)": means["noise"].round(4).to_numpy(),
            "bias Δ²J/24 (nats)": means["bias"].round(5).to_numpy(),
            "noise + bias (nats)": means["approx"].round(4).to_numpy(),
            "exact floor (nats)": means["exact"].round(4).to_numpy(),
            "exact floor sd (nats)": sd.round(4).to_numpy(),
        })

    def headline(self) -> dict[str, Any]:
        """Exact floors (mean, sd) and their approximation by M, the gap between them, the best M."""
        means = self.means()
        sd = self.frame.groupby("m")["exact"].std(ddof=1)
        gap = means["exact"] - means["approx"]
        return {
            "floor_exact": {f"{m:g}": float(v) for m, v in means["exact"].items()},
            "floor_exact_sd": {f"{m:g}": float(v) for m, v in sd.items()},
            "floor_gap": {f"{m:g}": float(v) for m, v in gap.items()},
            "floor_gap_rel": {f"{m:g}": float(v) for m, v in (gap / means["exact"]).items()},
            "floor_approx": {f"{m:g}": float(v) for m, v in means["approx"].items()},
            "floor_noise": {f"{m:g}": float(v) for m, v in means["noise"].items()},
            "floor_bias": {f"{m:g}": float(v) for m, v in means["bias"].items()},
            "floor_gap_z": self.gap_z() if len(self.frame["replicate"].unique()) > 1 else {},
            "floor_best_m": float(means["exact"].idxmin()),
            "floor_min": float(means["exact"].min()),
        }


def floor_scan(
    law: Law,
    n: int,
    m_values: Sequence[float],
    *,
    replicates: int = 5,
    entropy: str = "nn",
    seed: int = DEFAULT_SEED,
    name: str | None = None,
    **engine: Unpack[EngineOptions],
) -> FloorScan:
    """Exact floor ``KL(q_Δ‖p)`` and its two-term approximation over M, for several training samples.

    Parameters
    ----------
    law : Law
        The true law p (also used for the exact KL and for J).
    n : int
        Training events N, ``n >= 2``.
    m_values : sequence of float
        Goldilocks statistics M > 0; ``Δ = e^h N^(-1/M)``.
    replicates : int, optional
        Independent training samples, ``>= 1``; each serves every M.
    entropy : {"nn", "law"}, optional
        Where h comes from: the nearest-neighbour estimate of each training sample (the authors'
        2022 rule; default) or the law's exact entropy.
    seed : int, optional
        Root seed.
    name : str, optional
        The law's name in the table and the seeds (default :func:`ampcore.laws.law_name`).
    **engine
        ``executor``, ``workers``, ``store``, ``progress`` (see :func:`ampcore.studies.run_trials`).

    Returns
    -------
    FloorScan

    Examples
    --------
    >>> from scipy import stats
    >>> scan = floor_scan(stats.norm(), 2000, [2.0, 3.0], replicates=2)
    >>> scan.frame.shape, bool((scan.frame["exact"] > 0).all())
    ((4, 11), True)
    """
    check_law(law)
    n = check_int(n, "n", minimum=2)
    check_choice(entropy, "entropy", ("nn", "law"))
    ms = tuple(check_positive(v, "m_values") for v in check_list(m_values, "m_values"))
    label = name or law_name(law)
    trials = grid(law=label, n=n, replicates=replicates, seed=seed, m_values=ms, entropy=entropy)
    fisher = fisher_information(law)  # after every check: no quadrature on a bad grid
    trials = [t.replace(fisher=fisher) for t in trials]
    rows = run_trials(_measure, trials, context={"laws": {label: law}}, desc="floor scan", **engine)
    frame = pd.DataFrame(rows).drop(columns=["m_values", "entropy", "fisher"])
    return FloorScan(frame)
