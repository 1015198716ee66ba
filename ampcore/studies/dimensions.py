"""More dimensions: the bound, the floor and GANplifying's ring and shell in d = 1 … 5.

Three studies, each on the engine (one trial per dimension, point and replicate, value-keyed
seeds):

* :func:`bound_dims` — does the reconstructed bound change with d? In ``N(0, I_d)``, GenCopy on
  cells (:class:`ampcore.generators.GenCopyCells`, a cell with probability count/N, uniform in it)
  is fitted at the Goldilocks cell width for ``M = m_train``; the measured M of ``G·N``
  generated events *at the training cells* is compared with 3, and the gain where it crosses 3
  with the bound's ``N^(3/M − 1)`` at the nominal M (√N for M = 2) and at the training sample's
  measured M.
* :func:`floor_dims` — the floor of GenCopy against d at fixed N and M: the exact ``D(q‖p)`` of
  the training histogram (:func:`ampcore.cells.product_floor`), the part that exact cell
  probabilities leave (:func:`ampcore.cells.binning_bias`) and the rest (bin-count noise).
* :func:`cloud_dims` — does amplification grow with d? Generators of the whole point cloud
  (GenCopy on cells, a fitted d-D Normal, a fitted shell, a Gaussian KDE, optionally the GAN) trained
  on N events of ``N(0, I_d)`` or of GANplifying's shell, scored on the d-D Goldilocks cells by the
  amplification factor for cells of unequal probability (:func:`ampcore.envelope.cell_score`), at
  the gain G and as G → ∞, beside the envelope of an efficient fit of each law's family
  (:func:`ampcore.envelope.amplification_envelope_cells`).

Provenance:

* The bound ``2 ln N_G >= 3 ln N`` is **Quoted** (Watts & Crow 2025, abstract); reading it as
  "the measured M of N_G events at the training resolution reaches 3" and the gain
  ``N^(3/M − 1)`` are **Reconstructed** (:func:`ampcore.bound.min_gain`); the d-D cell rule is
  **Reconstructed** (:mod:`ampcore.cells`).
* That amplification grows with dimensionality is **Quoted** as the direction of GANplifying's
  claim only (Butter et al. 2021, sections 3–4: "Two-dimensional ring", "Multi-dimensional
  spherical shell"); their numbers and toy parameters were not available. The score on d-D cells
  and the envelope are **Reconstructed** (ours; :mod:`ampcore.envelope`). A score on the radius
  alone would make any radial model's factor the same in every d by construction; the cells see
  the whole point cloud.
* Means, standard errors over replicates and the delta-method error of the pooled factor are
  **Standard**.
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

from .._validation import check_int, check_positive
from ..generators import ConvergenceWarning, GenCopyCells
from ..generators.registry import make
from ..bound import min_gain
from ..cells import binning_bias, effective_m_cells, goldilocks_cell_width, product_floor
from ..envelope import CellEnvelope, CellTruth, amplification_envelope_cells, cell_score, cell_truth
from ..laws import GaussianND, Shell
from .engine import DEFAULT_SEED, EngineOptions, Trial, grid, run_trials
from .results import StudyResult, check_list

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

__all__ = [
    "CLOUD_GENERATORS",
    "CLOUD_LAWS",
    "BoundDims",
    "CloudDims",
    "FloorDims",
    "bound_dims",
    "cloud_dims",
    "floor_dims",
]

_GAUSSIAN = "gaussian_nd"
_SHELL = "shell"


def _dims(dims: Sequence[int], *, minimum: int = 1) -> list[int]:
    values = [check_int(d, "dims", minimum=minimum, maximum=10) for d in check_list(dims, "dims")]
    if len(set(values)) != len(values):
        raise ValueError(f"`dims` must not repeat a dimension; got {list(dims)!r}.")
    return values


# --------------------------------------------------------------------------------------------------
# (a) the bound in d dimensions


def _measure_bound(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    d, n, m_train = trial["d"], trial.n, trial["m_train"]
    law = GaussianND(d)
    train = law.rvs(n, random_state=trial.rng(0, d))
    from scipy import stats

    model = GenCopyCells(m=m_train, law=law).fit(train)
    hist = model.hist
    # the exact cell entropy is h − ln V + bias (bias = D(p‖p_V) >= 0); the plug-in estimate
    # is lower by about (B − 1)/(2N) (Miller 1955): so M measured ≈ ln N / (ln N/M + bias − noise)
    bias = binning_bias(stats.norm(), hist.width, d, origin=hist.origin)
    expected = math.log(n) / (math.log(n) / m_train + bias - (hist.occupied - 1) / (2 * n))
    rows = []
    for gain in trial["gains"]:
        generated = model.sample(gain * n, rng=trial.rng(1, d, gain))
        rows.append({
            "gain": gain,
            "width": hist.width,
            "occupied": hist.occupied,
            "m_train_measured": model.m_eff,
            "m_train_expected": expected,
            "m_generated": effective_m_cells(generated, hist.width, origin=hist.origin),
        })
    return rows


def _crossing(gains: np.ndarray, values: np.ndarray, level: float) -> float:
    """The gain at which `values` first reach `level` (linear in ln G); NaN if never."""
    above = np.flatnonzero(values >= level)
    if above.size == 0 or above[0] == 0:
        return math.nan
    i = int(above[0])
    x0, x1 = math.log(gains[i - 1]), math.log(gains[i])
    t = (level - values[i - 1]) / (values[i] - values[i - 1])
    return float(math.exp(x0 + t * (x1 - x0)))


@dataclass(frozen=True)
class BoundDims(StudyResult):
    """Rows ``law, n, replicate, d, m_train, gains, gain, width, occupied, m_train_measured,
    m_train_expected, m_generated``: one per (d, replicate, gain)."""

    def summary(self) -> pd.DataFrame:
        """By d: the cell width, the measured M of the training sample (mean, sd), the crossing gain
        of the mean curve, and the bound's gain at the nominal and at the measured M."""
        n = int(self.frame["n"].iloc[0])
        m_train = float(self.frame["m_train"].iloc[0])
        out = []
        for d, part in self.frame.groupby("d", sort=True):
            curve = part.groupby("gain", sort=True)["m_generated"].mean()
            per_rep = part.groupby("replicate")["m_train_measured"].first()
            m_meas = float(per_rep.mean())
            out.append({
                "d": int(d),
                "width": float(part["width"].iloc[0]),
                "occupied": float(part.groupby("replicate")["occupied"].first().mean()),
                "m_train_measured": m_meas,
                "m_train_sd": float(per_rep.std(ddof=1)),
                "m_train_expected": float(part.groupby("replicate")["m_train_expected"].first().mean()),
                "m_generated_largest": float(curve.iloc[-1]),
                "crossing_gain": _crossing(curve.index.to_numpy(dtype=float), curve.to_numpy(), 3.0),
                "bound_gain_nominal": float(min_gain(n, m_train, 3.0)),
                "bound_gain_measured": float(min_gain(n, m_meas, 3.0)),
            })
        return pd.DataFrame(out).set_index("d")

    def curves(self) -> pd.DataFrame:
        """Mean measured M of the generated events by (gain, d): one column per d (for a plot)."""
        return self.frame.pivot_table(index="gain", columns="d", values="m_generated", aggfunc="mean")

    def table(self) -> pd.DataFrame:
        s = self.summary().reset_index()
        return pd.DataFrame({
            "d": s["d"],
            "cell width (per axis)": s["width"].round(3),
            "occupied cells": s["occupied"].round(0),
            "measured M (training)": s["m_train_measured"].round(3),
            "expected M": s["m_train_expected"].round(3),
            "M = 3 reached at G": s["crossing_gain"].round(1),
            "bound at nominal M": s["bound_gain_nominal"].round(1),
            "bound at measured M": s["bound_gain_measured"].round(1),
        })

    def headline(self) -> dict[str, Any]:
        s = self.summary()
        dims = [int(d) for d in s.index]
        ratio = np.log(s["crossing_gain"] / s["bound_gain_measured"]) / math.log(int(self.frame["n"].iloc[0]))
        return {
            "n": int(self.frame["n"].iloc[0]),
            "m_train": float(self.frame["m_train"].iloc[0]),
            "dims": dims,
            "d_max": dims[-1],
            "replicates": int(self.frame["replicate"].nunique()),
            "gain_largest": int(self.frame["gain"].max()),
            "bound_gain_nominal": float(s["bound_gain_nominal"].iloc[0]),
            "m_train_measured": {str(d): float(v) for d, v in s["m_train_measured"].items()},
            "m_train_sd": {str(d): float(v) for d, v in s["m_train_sd"].items()},
            "m_train_expected": {str(d): float(v) for d, v in s["m_train_expected"].items()},
            "crossing_gain": {str(d): float(v) for d, v in s["crossing_gain"].items()},
            "bound_gain_measured": {str(d): float(v) for d, v in s["bound_gain_measured"].items()},
            "width": {str(d): float(v) for d, v in s["width"].items()},
            "m_train_measured_max_d": float(s["m_train_measured"].iloc[-1]),
            "crossing_gain_min_d": float(s["crossing_gain"].iloc[0]),
            "crossing_gain_max_d": float(s["crossing_gain"].iloc[-1]),
            "bound_gain_measured_max_d": float(s["bound_gain_measured"].iloc[-1]),
            # |ln(crossing / bound at measured M)| / ln N: the exponents' difference
            "max_exponent_gap": float(np.nanmax(np.abs(ratio))),
            "max_m_gap": float((s["m_train_measured"] - s["m_train_expected"]).abs().max()),
        }


def bound_dims(
    n: int,
    dims: Sequence[int],
    gains: Sequence[int],
    *,
    m_train: float = 2.0,
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    **engine: Unpack[EngineOptions],
) -> BoundDims:
    """The measured M of GenCopy's ``G·N`` events at the training cells, in d dimensions.

    Parameters
    ----------
    n : int
        Training events N, >= 10.
    dims : sequence of int
        Dimensions d in [1, 10].
    gains : sequence of int
        Gains G >= 1, increasing.
    m_train : float
        Goldilocks statistic of the training cells.
    replicates, seed, **engine
        As every study (``executor``, ``workers``, ``store``, ``progress``).

    Returns
    -------
    BoundDims

    Notes
    -----
    Provenance: Reconstructed (the experiment and the bound's reading; see the module docstring).

    Examples
    --------
    >>> r = bound_dims(200, [1, 2], [1, 10, 100], replicates=2)
    >>> r.table()["d"].tolist()
    [1, 2]
    """
    n = check_int(n, "n", minimum=10)
    dim_list = _dims(dims)
    gain_list = [check_int(g, "gains", minimum=1) for g in check_list(gains, "gains")]
    if gain_list != sorted(set(gain_list)):
        raise ValueError(f"`gains` must be strictly increasing; got {list(gains)!r}.")
    m_train = check_positive(m_train, "m_train")
    trials = grid(law=_GAUSSIAN, n=n, replicates=replicates, seed=seed, d=dim_list, m_train=m_train, gains=[tuple(gain_list)])
    rows = run_trials(_measure_bound, trials, context={}, desc="bound in d-D",
                      cost=lambda t: float(t["d"]) * sum(t["gains"]), **engine)
    return BoundDims(pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------------
# (b) the floor against d


def _measure_floor(trial: Trial, context: Mapping[str, Any]) -> dict[str, Any]:
    from scipy import stats

    d, n, m = trial["d"], trial.n, trial["m"]
    law = GaussianND(d)
    train = law.rvs(n, random_state=trial.rng(0, d))
    model = GenCopyCells(m=m, law=law).fit(train)
    hist = model.hist
    floor = product_floor(hist, stats.norm())
    bias = binning_bias(stats.norm(), hist.width, d, origin=hist.origin)
    return {
        "width": hist.width,
        "occupied": hist.occupied,
        "m_train_measured": model.m_eff,
        "floor": floor,
        "bias": bias,
        "noise": floor - bias,
        "noise_approx": (hist.occupied - 1) / (2 * n),
    }


@dataclass(frozen=True)
class FloorDims(StudyResult):
    """Rows ``law, n, replicate, d, m, width, occupied, m_train_measured, floor, bias, noise,
    noise_approx``: one per (d, replicate); ``floor`` is the exact ``D(q‖p)`` in nats."""

    def summary(self) -> pd.DataFrame:
        """Means by d, with the standard error of the floor over replicates."""
        g = self.frame.groupby("d", sort=True)
        out = g[["width", "occupied", "m_train_measured", "floor", "bias", "noise", "noise_approx"]].mean()
        out["floor_se"] = g["floor"].std(ddof=1) / np.sqrt(g["floor"].size())
        return out

    def table(self) -> pd.DataFrame:
        s = self.summary().reset_index()
        return pd.DataFrame({
            "d": s["d"],
            "cell width (per axis)": s["width"].round(3),
            "occupied cells": s["occupied"].round(0),
            "floor D(q‖p) (nats)": s["floor"].round(4),
            "± se": s["floor_se"].round(4),
            "binning bias (nats)": s["bias"].round(4),
            "noise (nats)": s["noise"].round(4),
            "(B − 1)/(2N) (nats)": s["noise_approx"].round(4),
        })

    def headline(self) -> dict[str, Any]:
        s = self.summary()
        dims = [int(d) for d in s.index]
        return {
            "n": int(self.frame["n"].iloc[0]),
            "m": float(self.frame["m"].iloc[0]),
            "dims": dims,
            "d_min": dims[0],
            "d_max": dims[-1],
            "floor": {str(d): float(v) for d, v in s["floor"].items()},
            "floor_se": {str(d): float(v) for d, v in s["floor_se"].items()},
            "bias": {str(d): float(v) for d, v in s["bias"].items()},
            "noise": {str(d): float(v) for d, v in s["noise"].items()},
            "noise_approx": {str(d): float(v) for d, v in s["noise_approx"].items()},
            "floor_min_d": float(s["floor"].iloc[0]),
            "floor_max_d": float(s["floor"].iloc[-1]),
            "floor_ratio": float(s["floor"].iloc[-1] / s["floor"].iloc[0]),
            "bias_share_max_d": float(s["bias"].iloc[-1] / s["floor"].iloc[-1]),
            "bias_share_min_d": float(s["bias"].iloc[0] / s["floor"].iloc[0]),
            "floor_increasing": bool(np.all(np.diff(s["floor"].to_numpy()) > 0)),
        }


def floor_dims(
    n: int, dims: Sequence[int], *, m: float = 2.0, replicates: int = 5, seed: int = DEFAULT_SEED, **engine: Unpack[EngineOptions]
) -> FloorDims:
    """GenCopy's exact floor ``D(q‖p)`` in ``N(0, I_d)`` against d, at fixed N and M.

    Examples
    --------
    >>> r = floor_dims(500, [1, 3], replicates=2)
    >>> r.headline()["floor_increasing"]
    True
    """
    n = check_int(n, "n", minimum=10)
    dim_list = _dims(dims)
    m = check_positive(m, "m")
    trials = grid(law=_GAUSSIAN, n=n, replicates=replicates, seed=seed, d=dim_list, m=m)
    rows = run_trials(_measure_floor, trials, context={}, desc="floor in d-D", cost=lambda t: float(t["d"]), **engine)
    return FloorDims(pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------------
# (c) whole point clouds on d-D cells: does amplification grow with d?


CLOUD_GENERATORS: dict[str, str] = {
    "truth": "G·N true events (check of the score: worth G training samples)",
    "gencopy": "GenCopy on the scoring cells (worth one training sample as G grows, by construction)",
    "gaussian_fit": "fitted d-D Gaussian (mean and full covariance, k = d + d(d+1)/2)",
    "radial_fit": "fitted shell (mean and sd of the radius, uniform direction, k = 2)",
    "kde": "Gaussian KDE (Scott's bandwidth matrix)",
    "gan": "GAN (ampcore.generators.gan; only with gan_steps > 0)",
}
"""The generators of :func:`cloud_dims`, by key (the ``generator`` column); ``training`` scores the N
training events themselves. The GAN takes part only when ``gan_steps > 0``: each new dimension
costs it a compilation of its trainer (about 15 s here)."""

CLOUD_LAWS: dict[str, str] = {"gaussian_nd": "N(0, I_d)", "shell": "spherical shell (radius 4, width 0.5)"}
"""The truths of :func:`cloud_dims`: the standard Normal (a product law: exact cell probabilities)
and GANplifying's shell (d = 2 is the ring; cell probabilities from a reference sample)."""

def _cloud_law(name: str, d: int) -> Any:
    return GaussianND(d) if name == _GAUSSIAN else Shell(d)


def _measure_cloud(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    d, n, gain = trial["d"], trial.n, trial["gain"]
    law = _cloud_law(trial.law, d)
    truth: CellTruth = context["truths"][(trial.law, d)]
    train = law.rvs(n, random_state=trial.rng(0, d))
    models: dict[str, Any] = {
        "gencopy": make("gencopy_cells", width=truth.width, origin=truth.origin).fit(train),
        "gaussian_fit": make("gaussian_fit").fit(train),
        "radial_fit": make("radial_fit").fit(train),
        "kde": make("kde_cells").fit(train),
    }
    converged = dict.fromkeys(models, True)  # closed forms: maximum likelihood, Scott's rule, counts
    if trial.get("gan_steps", 0) > 0:
        from ..generators.gan import GAN

        gan_seed = int(trial.rng(3, d).integers(2**31 - 1))
        with warnings.catch_warnings():  # the row records `converged`
            warnings.simplefilter("ignore", ConvergenceWarning)
            models["gan"] = GAN(steps=trial["gan_steps"], seed=gan_seed).fit(train)
        converged["gan"] = bool(models["gan"].converged)
    rows = []
    for name in [g for g in CLOUD_GENERATORS if g == "truth" or g in models]:
        stream = trial.rng(1, d, name)
        generated = law.rvs(gain * n, random_state=stream) if name == "truth" else models[name].sample(gain * n, rng=stream)
        score = cell_score(generated, truth)
        rows.append({"generator": name, "error": score.error, "limit_error": score.limit_error,
                     "spread": score.spread, "converged": converged.get(name, True)})
    score = cell_score(train, truth)
    rows.append({"generator": "training", "error": score.error, "limit_error": math.nan,
                 "spread": score.spread, "converged": True})
    return rows


def _ratio(spread: float, n: int, errors: pd.Series) -> tuple[float, float]:
    """``spread/(N · mean error)`` and its delta-method standard error (Standard)."""
    mean = float(errors.mean())
    se = float(errors.std(ddof=1) / math.sqrt(errors.size))
    if not mean > 0:
        return math.inf, math.nan
    value = spread / (n * mean)
    return value, value * se / mean


@dataclass(frozen=True)
class CloudDims(StudyResult):
    """Rows ``law, n, replicate, d, gain, m_train, …, generator, error, limit_error, spread,
    converged``: one per (law, d, replicate, generator). The envelopes ride along as columns
    ``envelope``, ``envelope_se``, ``envelope_k``, ``width`` (one value per law and d)."""

    def summary(self) -> pd.DataFrame:
        """By (law, d, generator): ``G_eff`` at the study's gain and as G → ∞ (each ± its se), the
        share of converged fits, and the envelope of an efficient fit of the law's own family."""
        n = int(self.frame["n"].iloc[0])
        out = []
        for (law, d, name), part in self.frame.groupby(["law", "d", "generator"], sort=True):
            spread = float(part["spread"].mean())
            g, g_se = _ratio(spread, n, part["error"])
            lim, lim_se = (math.nan, math.nan) if name in ("truth", "training") else _ratio(spread, n, part["limit_error"])
            out.append({"law": law, "d": int(d), "generator": name, "g_eff": g, "g_eff_se": g_se,
                        "g_eff_limit": lim, "g_eff_limit_se": lim_se, "converged": float(part["converged"].mean()),
                        "envelope": float(part["envelope"].iloc[0]), "envelope_se": float(part["envelope_se"].iloc[0]),
                        "envelope_k": int(part["envelope_k"].iloc[0]), "width": float(part["width"].iloc[0])})
        return pd.DataFrame(out).set_index(["law", "d", "generator"])

    @property
    def generators(self) -> list[str]:
        """The generators of this run (keys of :data:`CLOUD_GENERATORS`), in the table's order."""
        present = set(self.frame["generator"])
        return [name for name in CLOUD_GENERATORS if name in present]

    def table(self) -> pd.DataFrame:
        s = self.summary().reset_index()
        order = {name: i for i, name in enumerate([*self.generators, "training"])}
        s = s.assign(_o=s["generator"].map(order)).sort_values(["law", "d", "_o"])
        return pd.DataFrame({
            "law": s["law"].map(CLOUD_LAWS).to_numpy(),
            "d": s["d"].to_numpy(),
            "generator": s["generator"].to_numpy(),
            "G_eff at G": s["g_eff"].round(2).to_numpy(),
            "± se": s["g_eff_se"].round(2).to_numpy(),
            "G_eff as G → ∞": s["g_eff_limit"].round(2).to_numpy(),
            "± se ": s["g_eff_limit_se"].round(2).to_numpy(),
        })

    def envelope_table(self) -> pd.DataFrame:
        """By law and d: the cell width and the envelope of an efficient fit of the law's family."""
        s = self.summary().reset_index().drop_duplicates(["law", "d"])
        return pd.DataFrame({
            "law": s["law"].map(CLOUD_LAWS).to_numpy(),
            "d": s["d"].to_numpy(),
            "cell width (per axis)": s["width"].round(3).to_numpy(),
            "fitted family": np.where(s["law"] == _GAUSSIAN, "Gaussian", "radial"),
            "k": s["envelope_k"].to_numpy(),
            "envelope G_eff(∞)": s["envelope"].round(2).to_numpy(),
        })

    def trend(self, law: str, generator: str, column: str = "g_eff_limit") -> tuple[float, float]:
        """``ln(G_eff at the largest d / at the smallest)`` and its standard error (delta method)."""
        s = self.summary().xs((law, generator), level=["law", "generator"]).sort_index()
        first, last = s.iloc[0], s.iloc[-1]
        change = math.log(last[column] / first[column])
        se = math.hypot(last[f"{column}_se"] / last[column], first[f"{column}_se"] / first[column])
        return change, se

    def headline(self) -> dict[str, Any]:
        s = self.summary()
        laws = sorted(set(self.frame["law"]))
        dims = sorted(int(d) for d in self.frame["d"].unique())

        def by(column: str) -> dict[str, float]:
            return {f"{law}_{name}_{d}": float(row[column]) for (law, d, name), row in s.iterrows()}

        fits = {_GAUSSIAN: "gaussian_fit", _SHELL: "radial_fit"}  # the efficient fit of each law's family
        trends: dict[str, float] = {}
        trend_se: dict[str, float] = {}
        for law in laws:
            for name in self.generators:
                if name in ("truth",):
                    continue
                trends[f"{law}_{name}"], trend_se[f"{law}_{name}"] = self.trend(law, name)
        envelope_z = {}
        for law in laws:
            for d in dims:
                row = s.loc[(law, d, fits[law])]
                # measured over envelope: the measured factor's se and the envelope's MC se
                envelope_z[f"{law}_{d}"] = float((row["g_eff_limit"] - row["envelope"])
                                                 / math.hypot(row["g_eff_limit_se"], row["envelope_se"]))
        truth_z = {f"{law}_{d}": float((s.loc[(law, d, "truth"), "g_eff"] - self.gain)
                                       / s.loc[(law, d, "truth"), "g_eff_se"]) for law in laws for d in dims}
        training_z = {f"{law}_{d}": float((s.loc[(law, d, "training"), "g_eff"] - 1.0)
                                          / s.loc[(law, d, "training"), "g_eff_se"]) for law in laws for d in dims}
        return {
            "n": int(self.frame["n"].iloc[0]),
            "gain": self.gain,
            "m_train": float(self.frame["m_train"].iloc[0]),
            "dims": dims,
            "d_min": dims[0],
            "d_max": dims[-1],
            "laws": laws,
            "generators": self.generators,
            "replicates": int(self.frame["replicate"].nunique()),
            "reference_size": int(self.frame["reference_size"].iloc[0]),
            "g_eff": by("g_eff"),
            "g_eff_se": by("g_eff_se"),
            "g_eff_limit": by("g_eff_limit"),
            "g_eff_limit_se": by("g_eff_limit_se"),
            "envelope": {f"{law}_{d}": float(s.loc[(law, d, "truth"), "envelope"]) for law in laws for d in dims},
            "envelope_se": {f"{law}_{d}": float(s.loc[(law, d, "truth"), "envelope_se"]) for law in laws for d in dims},
            "envelope_k": {f"{law}_{d}": int(s.loc[(law, d, "truth"), "envelope_k"]) for law in laws for d in dims},
            "width": {f"{law}_{d}": float(s.loc[(law, d, "truth"), "width"]) for law in laws for d in dims},
            # ln(G_eff(∞) at the largest d / at the smallest), its se and their ratio z
            "trend": trends,
            "trend_se": trend_se,
            "trend_z": {key: trends[key] / trend_se[key] for key in trends},
            "trend_ratio": {key: math.exp(v) for key, v in trends.items()},
            # (measured G_eff(∞) of the law's efficient fit − envelope) / combined se
            "envelope_z": envelope_z,
            "envelope_z_max": float(max(abs(v) for v in envelope_z.values())),
            "truth_z": truth_z,
            "truth_z_max": float(max(abs(v) for v in truth_z.values())),
            "training_z": training_z,
            "training_z_max": float(max(abs(v) for v in training_z.values())),
            "converged": {name: bool(s.xs(name, level="generator")["converged"].min() == 1.0) for name in self.generators},
        }

    @property
    def gain(self) -> int:
        """The generated events per training event, G."""
        return int(self.frame["gain"].iloc[0])


def cloud_dims(
    n: int,
    dims: Sequence[int],
    *,
    laws: Sequence[str] = (_GAUSSIAN, _SHELL),
    gain: int = 30,
    m_train: float = 2.0,
    reference_size: int = 1_000_000,
    gan_steps: int = 0,
    replicates: int = 20,
    seed: int = DEFAULT_SEED,
    **engine: Unpack[EngineOptions],
) -> CloudDims:
    """Generators of the whole point cloud, scored on d-D cells at the Goldilocks resolution.

    In each law and dimension the cells are those of :func:`ampcore.cells.goldilocks_cell_width`
    for N events at ``M = m_train`` (with the law's exact entropy), a cell centred on the origin.
    Every generator is trained on N events, generates ``G·N``, and is scored by
    :func:`ampcore.envelope.cell_score`; ``G_eff = Σ P_j(1 − P_j)/(N · mean error)`` over the
    replicates, at the gain G and as G → ∞ (its own counting noise removed). Beside them, the
    envelope of an efficient fit of the law's family
    (:func:`ampcore.envelope.amplification_envelope_cells`).

    Parameters
    ----------
    n : int
        Training events N, >= 50.
    dims : sequence of int
        Dimensions d in [1, 8].
    laws : sequence of str
        Keys of :data:`CLOUD_LAWS`.
    gain : int
        Generated events per training event, G >= 2.
    m_train : float
        The Goldilocks statistic of the scoring cells.
    reference_size : int
        Draws of the reference sample of each non-product law (and of the shell's envelope), >= 10_000.
    gan_steps : int, optional
        Training steps of a GAN scored beside the others; 0 (the default) leaves it out.
    replicates, seed, **engine
        As every study.

    Returns
    -------
    CloudDims

    Notes
    -----
    Provenance: Reconstructed (the experiment and the score on cells of unequal probability; see
    :mod:`ampcore.envelope`).

    Examples
    --------
    >>> r = cloud_dims(200, [2], laws=["gaussian_nd"], gain=5, replicates=3)
    >>> r.generators
    ['truth', 'gencopy', 'gaussian_fit', 'radial_fit', 'kde']
    """
    n = check_int(n, "n", minimum=50)
    dim_list = _dims(dims)
    if max(dim_list) > 8:
        raise ValueError(f"`dims` must be in [1, 8]; got {list(dims)!r}.")
    law_list = [str(v) for v in check_list(laws, "laws")]
    for law in law_list:
        if law not in CLOUD_LAWS:
            raise ValueError(f"`laws` must hold keys of CLOUD_LAWS {sorted(CLOUD_LAWS)}; got {law!r}.")
    if len(set(law_list)) != len(law_list):
        raise ValueError(f"`laws` must not repeat a law; got {law_list!r}.")
    gain = check_int(gain, "gain", minimum=2)
    m_train = check_positive(m_train, "m_train")
    reference_size = check_int(reference_size, "reference_size", minimum=10_000)
    gan_steps = check_int(gan_steps, "gan_steps", minimum=0)
    truths: dict[tuple[str, int], CellTruth] = {}
    envelopes: dict[tuple[str, int], CellEnvelope] = {}
    for law in law_list:
        for d in dim_list:
            dist = _cloud_law(law, d)
            width = goldilocks_cell_width(n, m_train, dist.entropy(), d)
            truths[(law, d)] = cell_truth(dist, width, reference_size=reference_size,
                                          rng=np.random.default_rng([seed, d, 7]))
            envelopes[(law, d)] = amplification_envelope_cells(dist, width, reference_size=reference_size,
                                                               rng=np.random.default_rng([seed, d, 8]))
    trials = grid(law=law_list, n=n, replicates=replicates, seed=seed, d=dim_list, gain=gain, m_train=m_train,
                  reference_size=reference_size, **({"gan_steps": gan_steps} if gan_steps else {}))
    rows = run_trials(_measure_cloud, trials, context={"truths": truths}, desc="point clouds in d-D",
                      cost=lambda t: float(t["d"]), **engine)
    frame = pd.DataFrame(rows)
    keys = list(zip(frame["law"], frame["d"]))
    frame["envelope"] = [envelopes[key].value for key in keys]
    frame["envelope_se"] = [envelopes[key].se for key in keys]
    frame["envelope_k"] = [envelopes[key].parameters for key in keys]
    frame["width"] = [truths[key].width for key in keys]
    return CloudDims(frame)
