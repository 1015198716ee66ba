"""More dimensions: the bound, the floor and GANplifying's ring and shell in d = 1 … 5.

Three studies, each on the engine (one trial per dimension, point and replicate, value-keyed
seeds):

* :func:`bound_dims` — does the reconstructed bound change with d? In ``N(0, I_d)``, GenCopy on
  cells (:class:`ampcore.amplify.GenCopyCells`, a cell with probability count/N, uniform in it)
  is fitted at the Goldilocks cell width for ``M = m_train``; the measured M of ``G·N``
  generated events *at the training cells* is compared with 3, and the gain where it crosses 3
  with the bound's ``N^(3/M − 1)`` at the nominal M (√N for M = 2) and at the training sample's
  measured M.
* :func:`floor_dims` — the floor of GenCopy against d at fixed N and M: the exact ``D(q‖p)`` of
  the training histogram (:func:`ampcore.cells.product_floor`), the part that exact cell
  probabilities leave (:func:`ampcore.cells.binning_bias`) and the rest (bin-count noise).
* :func:`shell_dims` — the ring (d = 2) and the shell (d = 3, 5): GenCopy on cells, a Gaussian
  KDE (:class:`ampcore.amplify.KDECells`) and a fitted radial model
  (:class:`ampcore.amplify.RadialFit`), with ``G·N`` fresh true events as the Monte Carlo
  baseline. Each is scored by the amplification factor on radial quantiles and by the kNN
  divergence (:func:`ampcore.divergence.kl_divergence`) from a large truth sample; GenCopy's floor
  by :func:`ampcore.cells.cell_floor_mc`.

Provenance:

* The bound ``2 ln N_G >= 3 ln N`` is **Quoted** (Watts & Crow 2025, abstract); reading it as
  "the measured M of N_G events at the training resolution reaches 3" and the gain
  ``N^(3/M − 1)`` are **Reconstructed** (:func:`ampcore.bound.min_gain`); the d-D cell rule is
  **Reconstructed** (:mod:`ampcore.cells`).
* That amplification grows with dimensionality is **Quoted** as the direction of GANplifying's
  claim only (Butter et al. 2021, sections 3–4: "Two-dimensional ring", "Multi-dimensional
  spherical shell"); their numbers and toy parameters were not available. The amplification
  factor on *radial* quantiles is **Reconstructed** (ours): the laws are radial, so the radius
  carries their whole structure, and one 1-D score keeps the quantile MSE of
  :mod:`ampcore.ampfactor` (Paraphrased) comparable across d; per-axis quantiles of a shell tend
  to a Normal's as d grows and would test the marginals, not the shell.
* Means, standard errors over replicates and the delta-method error of the pooled factor are
  **Standard**.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_int, check_positive
from ..ampfactor import equivalent_events, quantile_edges, quantile_mse
from ..amplify import FittedModel, GenCopyCells, KDECells, RadialFit
from ..bound import min_gain
from ..cells import binning_bias, cell_floor_mc, effective_m_cells, product_floor
from ..divergence import kl_divergence
from ..laws import GaussianND, Shell
from .engine import DEFAULT_SEED, Trial, grid, run_trials, trial_threads
from .results import StudyResult, check_list

__all__ = [
    "SHELL_GENERATORS",
    "BoundDims",
    "FloorDims",
    "ShellDims",
    "bound_dims",
    "floor_dims",
    "shell_dims",
]

SHELL_GENERATORS: dict[str, str] = {
    "truth": "G·N true events (Monte Carlo baseline)",
    "gencopy": "GenCopy on cells",
    "kde": "Gaussian KDE (Scott)",
    "radial_fit": "fitted radial model",
    "gan": "GAN (ampcore.gan; only with gan_steps > 0)",
}
"""The generators of :func:`shell_dims`, by key (the ``generator`` column). The GAN takes part
only when ``gan_steps > 0``: each new dimension costs it a compilation of its trainer (about
15 s here), more than a chapter's minute allows for three dimensions."""

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
    **engine: Any,
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
    n: int, dims: Sequence[int], *, m: float = 2.0, replicates: int = 5, seed: int = DEFAULT_SEED, **engine: Any
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
# (c) the ring and the shell


def _measure_shell(trial: Trial, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    d, n, gain, k = trial["d"], trial.n, trial["gain"], trial["k"]
    law = Shell(d, trial["radius"], trial["width"])
    reference = context["references"][d]
    edges = quantile_edges(trial["n_q"], law=law.radial)
    train = law.rvs(n, random_state=trial.rng(0, d))
    cells = GenCopyCells(m=trial["m_train"], law=law).fit(train)
    models: dict[str, FittedModel] = {
        "gencopy": cells,
        "kde": KDECells().fit(train),
        "radial_fit": RadialFit().fit(train),
    }
    if trial.get("gan_steps", 0) > 0:
        from ..gan import GAN

        gan_seed = int(trial.rng(3, d).integers(2**31 - 1))
        models["gan"] = GAN(steps=trial["gan_steps"], seed=gan_seed).fit(train)
    rows = []
    for name in _present(SHELL_GENERATORS, models):
        stream = trial.rng(1, d, name)
        generated = law.rvs(gain * n, random_state=stream) if name == "truth" else models[name].sample(gain * n, rng=stream)
        radii = np.sqrt(np.einsum("ij,ij->i", generated, generated))
        row = {
            "generator": name,
            "qmse": quantile_mse(radii, edges),
            "kld": float(kl_divergence(generated, reference, k=k, ties="ignore", workers=trial_threads())[k - 1]),
            "floor": math.nan,
            "floor_se": math.nan,
        }
        if name == "gencopy":
            floor = cell_floor_mc(cells.hist, law, draws=trial["floor_draws"], rng=trial.rng(2, d))
            row.update(floor=floor.value, floor_se=floor.se, cell_width=cells.hist.width, m_train_measured=cells.m_eff)
        rows.append(row)
    rows.append({"generator": "training", "qmse": quantile_mse(np.linalg.norm(train, axis=1), edges),
                 "kld": float(kl_divergence(train, reference, k=k, ties="ignore", workers=trial_threads())[k - 1]),
                 "floor": math.nan, "floor_se": math.nan})
    return rows


def _present(names: Mapping[str, str], models: Mapping[str, Any]) -> list[str]:
    """The generators of a shell trial: the truth, and every fitted model, in the table's order."""
    return [name for name in names if name == "truth" or name in models]


@dataclass(frozen=True)
class ShellDims(StudyResult):
    """Rows ``law, n, replicate, d, gain, …, generator, qmse, kld, floor, floor_se`` (and GenCopy's
    ``cell_width``, ``m_train_measured``): one per (d, replicate, generator); ``training`` scores the
    N training events themselves."""

    def summary(self) -> pd.DataFrame:
        """By (d, generator): the pooled amplification factor (± delta-method se), the mean kNN
        divergence (± se) and GenCopy's mean floor."""
        n, n_q = int(self.frame["n"].iloc[0]), int(self.frame["n_q"].iloc[0])
        g = self.frame.groupby(["d", "generator"], sort=True)
        qmse = g["qmse"].mean()
        qmse_se = g["qmse"].std(ddof=1) / np.sqrt(g["qmse"].size())
        out = pd.DataFrame({"qmse": qmse})
        out["amp_factor"] = [equivalent_events(float(q), n_q) / n for q in qmse]
        out["amp_factor_se"] = out["amp_factor"] * qmse_se / qmse
        out["kld"] = g["kld"].mean()
        out["kld_se"] = g["kld"].std(ddof=1) / np.sqrt(g["kld"].size())
        out["floor"] = g["floor"].mean()
        return out

    def table(self) -> pd.DataFrame:
        s = self.summary().reset_index()
        order = {name: i for i, name in enumerate([*self.generators, "training"])}
        s = s.sort_values(["d", "generator"], key=lambda c: c.map(order) if c.name == "generator" else c)
        return pd.DataFrame({
            "d": s["d"].to_numpy(),
            "generator": s["generator"].to_numpy(),
            "amplification factor": s["amp_factor"].round(2).to_numpy(),
            "± se": s["amp_factor_se"].round(2).to_numpy(),
            "kNN KLD (nats)": s["kld"].round(3).to_numpy(),
            "± se ": s["kld_se"].round(3).to_numpy(),
            "floor (nats)": s["floor"].round(3).to_numpy(),
        })

    @property
    def generators(self) -> list[str]:
        """The generators of this run (keys of :data:`SHELL_GENERATORS`), in the table's order."""
        present = set(self.frame["generator"])
        return [name for name in SHELL_GENERATORS if name in present]

    def factor_by_dimension(self) -> pd.DataFrame:
        """Amplification factor by d (rows) and generator (columns), for a plot."""
        return self.summary()["amp_factor"].unstack("generator")

    def kld_by_dimension(self) -> pd.DataFrame:
        """Mean kNN divergence by d (rows) and generator (columns), for a plot."""
        return self.summary()["kld"].unstack("generator")

    def headline(self) -> dict[str, Any]:
        s = self.summary()
        dims = sorted(int(d) for d in self.frame["d"].unique())
        names = [*self.generators, "training"]

        def by(column: str) -> dict[str, float]:
            return {f"{name}_{d}": float(s.loc[(d, name), column]) for d in dims for name in names}

        floor = s.xs("gencopy", level="generator")
        floor_se = self.frame[self.frame["generator"] == "gencopy"].groupby("d")["floor_se"].mean()
        first, last = dims[0], dims[-1]
        change_z = {
            name: float((s.loc[(last, name), "amp_factor"] - s.loc[(first, name), "amp_factor"])
                        / math.hypot(s.loc[(last, name), "amp_factor_se"], s.loc[(first, name), "amp_factor_se"]))
            for name in self.generators
        }
        cells = self.frame[self.frame["generator"] == "gencopy"].groupby("d")["cell_width"].mean()
        trend = {name: float(s.loc[(dims[-1], name), "amp_factor"] / s.loc[(dims[0], name), "amp_factor"])
                 for name in self.generators}
        return {
            "n": int(self.frame["n"].iloc[0]),
            "gain": int(self.frame["gain"].iloc[0]),
            "n_q": int(self.frame["n_q"].iloc[0]),
            "k": int(self.frame["k"].iloc[0]),
            "dims": dims,
            "d_min": dims[0],
            "d_max": dims[-1],
            "replicates": int(self.frame["replicate"].nunique()),
            "amp_factor": by("amp_factor"),
            "amp_factor_se": by("amp_factor_se"),
            "kld": by("kld"),
            "kld_se": by("kld_se"),
            "floor": {str(d): float(v) for d, v in floor["floor"].items()},
            "floor_mc_se": {str(d): float(v) for d, v in floor_se.items()},
            # factor at the largest d over the factor at the smallest: > 1 means "grows with d"
            "factor_trend": trend,
            # (factor at the largest d − at the smallest) / the se of the difference
            "factor_change_z": change_z,
            "nonparametric_factor_max": float(s.loc[(slice(None), ["gencopy", "kde"]), "amp_factor"].max()),
            "cell_width": {str(d): float(v) for d, v in cells.items()},
            "radius": float(self.frame["radius"].iloc[0]),
            "radial_width": float(self.frame["width"].iloc[0]),
            "grows_with_d": {name: bool(np.all(np.diff(s.xs(name, level="generator")["amp_factor"].to_numpy()) > 0))
                             for name in self.generators},
        }


def shell_dims(
    n: int,
    dims: Sequence[int],
    *,
    gain: int = 10,
    m_train: float = 2.0,
    n_q: int = 10,
    k: int = 5,
    radius: float = 4.0,
    width: float = 0.5,
    reference_size: int = 20_000,
    floor_draws: int = 20_000,
    gan_steps: int = 0,
    replicates: int = 5,
    seed: int = DEFAULT_SEED,
    **engine: Any,
) -> ShellDims:
    """GANplifying's ring and shell: three generators (four with the GAN) and the truth, scored in each dimension.

    Parameters
    ----------
    n : int
        Training events N, >= 20.
    dims : sequence of int
        Dimensions d in [2, 10] (d = 2 is the ring).
    gain : int
        Generated events per training event, G >= 1.
    m_train : float
        Goldilocks statistic of GenCopy's cells.
    n_q : int
        Radial quantile bins of the amplification factor.
    k : int
        Neighbour order of the kNN divergence (its k-th estimate is used).
    radius, width : float
        The shell's radial law (:class:`ampcore.laws.Shell`).
    reference_size : int
        Truth events per dimension for the kNN divergence (drawn once from ``seed``).
    floor_draws : int
        Monte Carlo points of GenCopy's floor (:func:`ampcore.cells.cell_floor_mc`).
    gan_steps : int, optional
        Training steps of a GAN (:class:`ampcore.gan.GAN`, the ``gan`` extra) scored beside the
        others; 0 (the default) leaves the GAN out.
    replicates, seed, **engine
        As every study.

    Returns
    -------
    ShellDims

    Notes
    -----
    Provenance: Reconstructed (the experiment, the radial score; see the module docstring).

    Examples
    --------
    >>> r = shell_dims(100, [2], gain=2, reference_size=2000, floor_draws=500, replicates=2)
    >>> sorted(r.frame["generator"].unique())
    ['gencopy', 'kde', 'radial_fit', 'training', 'truth']
    """
    n = check_int(n, "n", minimum=20)
    dim_list = _dims(dims, minimum=2)
    gain = check_int(gain, "gain", minimum=1)
    m_train = check_positive(m_train, "m_train")
    n_q = check_int(n_q, "n_q", minimum=2, maximum=n)
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    radius = check_positive(radius, "radius")
    width = check_positive(width, "width")
    reference_size = check_int(reference_size, "reference_size", minimum=max(1000, k))
    floor_draws = check_int(floor_draws, "floor_draws", minimum=100)
    gan_steps = check_int(gan_steps, "gan_steps", minimum=0)
    references = {
        d: Shell(d, radius, width).rvs(reference_size, random_state=np.random.default_rng([seed, d, 7]))
        for d in dim_list
    }
    trials = grid(law=_SHELL, n=n, replicates=replicates, seed=seed, d=dim_list, gain=gain, m_train=m_train,
                  n_q=n_q, k=k, radius=radius, width=width, reference_size=reference_size, floor_draws=floor_draws,
                  # a trial's streams come from its values: without the GAN they stay what they were
                  **({"gan_steps": gan_steps} if gan_steps else {}))
    rows = run_trials(_measure_shell, trials, context={"references": references}, desc="ring and shell",
                      cost=lambda t: float(t["d"]), **engine)
    return ShellDims(pd.DataFrame(rows))
