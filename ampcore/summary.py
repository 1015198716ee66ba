"""Summaries of experiment grids: seed matrices, floor tables, plateaus, KL by region.

Use these on the tidy tables of :func:`ampcore.experiment.run_grid` (one row per trial, with a
``replicate`` column): :func:`seed_matrix` turns one curve into an (x, seeds) array for error bars,
:func:`floor_table` gives one row per (law, M) with the exact floor, the plateau of the measured
divergence and the MC baseline (mean ± sd over seeds), :func:`plateau_gain` reads off where a
curve in G reaches its floor, :func:`kl_by_region` adds up the per-bin contributions of
:func:`ampcore.divergence.histogram_kl` over regions of the x axis, and :func:`floor_by_region`
does that for the very training samples behind a grid's rows.

Provenance: means and sample standard deviations over independent replicates are Standard; the
reading of the large-G level as the floor ``KL(q_Δ‖p)`` is Reconstructed (``DESIGN.md`` §4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_int, check_positive
from .divergence import histogram_kl
from .experiment import training_sample
from .information import bin_width
from .logspace import log_floor

__all__ = ["seed_matrix", "floor_table", "plateau_gain", "kl_by_region", "floor_by_region"]

_GRID_COLUMNS = ("law", "m", "gain", "replicate", "kld_nats", "kld_mc_nats", "floor_nats", "m_eff", "width")


def _check_frame(frame: object, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`frame` must be a pandas DataFrame from run_grid; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"`frame` lacks the column(s) {', '.join(missing)}; got {list(frame.columns)}.")
    if frame.empty:
        raise ValueError("`frame` must have at least one row; got an empty table.")
    return frame


def seed_matrix(frame: pd.DataFrame, *, x: str, value: str) -> tuple[np.ndarray, np.ndarray]:
    """One curve as an array of shape (points, seeds), ready for :func:`ampcore.plotting.band`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of ONE curve (e.g. one law and one M), with columns `x`, `value` and ``replicate``.
    x : str
        Column on the x axis (e.g. ``"gain"``); one point per distinct value, sorted.
    value : str
        Column to spread over seeds (e.g. ``"kld_nats"``).

    Returns
    -------
    xs : numpy.ndarray, shape (p,)
    values : numpy.ndarray, shape (p, s)
        ``values[i, j]`` is `value` at ``xs[i]`` for replicate j.

    Raises
    ------
    ValueError
        If a column is missing, or some (x, replicate) pair is missing or repeated (the rows are
        then not one curve).

    Examples
    --------
    >>> df = pd.DataFrame({"gain": [1, 1, 10, 10], "replicate": [0, 1, 0, 1],
    ...                    "kld_nats": [0.1, 0.2, 0.3, 0.4]})
    >>> xs, v = seed_matrix(df, x="gain", value="kld_nats")
    >>> xs.tolist(), v.tolist()
    ([1, 10], [[0.1, 0.2], [0.3, 0.4]])
    """
    frame = _check_frame(frame, [x, value, "replicate"])
    if frame.duplicated([x, "replicate"]).any():
        raise ValueError(
            f"`frame` must hold one row per ({x}, replicate); some pairs repeat. "
            "Filter it to one curve (e.g. one law and one m) first."
        )
    table = frame.pivot(index=x, columns="replicate", values=value).sort_index()
    if table.isna().any().any():
        raise ValueError(f"`frame` must have every replicate at every {x}; some (x, replicate) rows are missing.")
    return table.index.to_numpy(), table.to_numpy(dtype=np.float64)


def floor_table(frame: pd.DataFrame, *, plateau_from: int) -> pd.DataFrame:
    """One row per (law, M): the exact floor, the measured plateau and the MC baseline.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`ampcore.experiment.run_grid` table of a binning amplifier (GenCopy).
    plateau_from : int
        Smallest gain G counted in the plateau. Per replicate, the plateau is the mean of
        ``kld_nats`` over gains ``>= plateau_from``; the table gives the mean and sd of that over
        replicates.

    Returns
    -------
    pandas.DataFrame
        Columns ``law, m, m_eff_mean, width_mean, floor_mean, floor_sd, plateau_mean,
        plateau_sd, mc_mean, mc_sd, replicates``; the MC columns are at the largest gain.
        Divergences in nats; sd is the sample standard deviation over replicates (ddof = 1).

    Raises
    ------
    ValueError
        If no gain reaches `plateau_from`, or a required column is missing.

    Notes
    -----
    Provenance: mean and sample sd are Standard. Reading the plateau against the exact floor
    ``KL(q_Δ‖p)`` of the training histogram is Reconstructed (``DESIGN.md`` §4).

    Examples
    --------
    >>> df = pd.DataFrame({"law": "normal", "m": 2.0, "gain": [1, 100, 1, 100],
    ...     "replicate": [0, 0, 1, 1], "kld_nats": [0.0, 0.02, 0.01, 0.03],
    ...     "kld_mc_nats": [0.0, 0.001, 0.0, -0.001], "floor_nats": [0.02, 0.02, 0.03, 0.03],
    ...     "m_eff": 2.0, "width": 0.09})
    >>> floor_table(df, plateau_from=100)[["floor_mean", "plateau_mean", "mc_mean"]].round(3).values.tolist()
    [[0.025, 0.025, 0.0]]
    """
    frame = _check_frame(frame, _GRID_COLUMNS)
    plateau_from = check_int(plateau_from, "plateau_from", minimum=1)
    top = frame["gain"].max()
    if top < plateau_from:
        raise ValueError(f"`plateau_from` must be <= the largest gain {top}; got {plateau_from}.")
    rows = []
    for (law, m), group in frame.groupby(["law", "m"], sort=True):
        per_rep = group.groupby("replicate")
        plateau = group[group["gain"] >= plateau_from].groupby("replicate")["kld_nats"].mean()
        floor = per_rep["floor_nats"].first()
        mc = group[group["gain"] == top].groupby("replicate")["kld_mc_nats"].first()
        rows.append(
            {
                "law": law,
                "m": float(m),
                "m_eff_mean": float(per_rep["m_eff"].first().mean()),
                "width_mean": float(per_rep["width"].first().mean()),
                "floor_mean": float(floor.mean()),
                "floor_sd": _sd(floor),
                "plateau_mean": float(plateau.mean()),
                "plateau_sd": _sd(plateau),
                "mc_mean": float(mc.mean()),
                "mc_sd": _sd(mc),
                "replicates": int(floor.size),
            }
        )
    return pd.DataFrame(rows)


def _sd(values: pd.Series) -> float:
    return float(values.std(ddof=1)) if values.size > 1 else math.nan


def plateau_gain(gains: Sequence[float], values: Sequence[float], floor: float, *, tolerance: float) -> float:
    """Smallest gain from which a curve stays within `tolerance` of `floor`.

    Parameters
    ----------
    gains : sequence of float
        Increasing gains G.
    values : sequence of float
        The curve at those gains (e.g. the mean KLD over seeds), same length.
    floor : float
        The level the curve approaches (e.g. the mean exact floor).
    tolerance : float
        Allowed distance ``|value − floor|``, > 0 (e.g. two standard errors of the mean).

    Returns
    -------
    float
        ``gains[i]`` for the smallest i with ``|values[j] − floor| <= tolerance`` for all j >= i;
        ``nan`` if even the last point is further away.

    Examples
    --------
    >>> plateau_gain([1, 3, 10, 30], [0.0, 0.01, 0.019, 0.021], 0.02, tolerance=0.002)
    10.0
    """
    g = np.asarray(gains, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if g.ndim != 1 or v.shape != g.shape or g.size == 0:
        raise ValueError(f"`gains` and `values` must be 1-D of the same non-zero length; got {g.shape} and {v.shape}.")
    if np.any(np.diff(g) <= 0):
        raise ValueError(f"`gains` must be strictly increasing; got {g.tolist()}.")
    if not np.all(np.isfinite(v)):
        raise ValueError("`values` must be finite; got NaN or inf.")
    floor = float(floor)
    if not math.isfinite(floor):
        raise ValueError(f"`floor` must be finite; got {floor!r}.")
    tolerance = check_positive(tolerance, "tolerance")
    inside = np.abs(v - floor) <= tolerance
    if not inside[-1]:
        return math.nan
    outside = np.flatnonzero(~inside)
    first = 0 if outside.size == 0 else int(outside[-1]) + 1
    return float(g[first])


def kl_by_region(table: pd.DataFrame, edges: Sequence[float] | np.ndarray, labels: Sequence[str]) -> pd.Series:
    """Add up per-bin KL contributions over regions of the x axis.

    Parameters
    ----------
    table : pandas.DataFrame
        ``histogram_kl(..., per_bin=True)`` output (columns ``left``, ``right``,
        ``contribution``).
    edges : sequence of float
        Increasing region boundaries, ``len(labels) + 1`` of them; use ``-inf``/``inf`` at the
        ends to cover everything. A bin belongs to the region that holds its midpoint.
    labels : sequence of str
        Region names.

    Returns
    -------
    pandas.Series
        Contribution (nats) per region, indexed by `labels`; the values sum to the total
        divergence when the edges cover every bin.

    Notes
    -----
    Provenance: Standard (the KL sum over bins is additive, ``DESIGN.md`` §4 for the floor).

    Examples
    --------
    >>> t = pd.DataFrame({"left": [0.0, 1.0, 2.0], "right": [1.0, 2.0, 3.0],
    ...                   "contribution": [0.01, -0.002, 0.005]})
    >>> kl_by_region(t, [-np.inf, 1.0, np.inf], ["low", "high"]).round(3).tolist()
    [0.01, 0.003]
    """
    _check_frame(table, ["left", "right", "contribution"])
    e = np.asarray(edges, dtype=np.float64)
    names = [str(s) for s in labels]
    if e.ndim != 1 or e.size != len(names) + 1:
        raise ValueError(f"`edges` must have len(labels) + 1 = {len(names) + 1} values; got {e.size}.")
    if np.any(np.diff(e) <= 0):
        raise ValueError(f"`edges` must be strictly increasing; got {e.tolist()}.")
    mid = 0.5 * (table["left"].to_numpy() + table["right"].to_numpy())
    which = np.searchsorted(e, mid, side="right") - 1
    valid = (which >= 0) & (which < len(names))
    sums = np.zeros(len(names))
    np.add.at(sums, which[valid], table["contribution"].to_numpy()[valid])
    return pd.Series(sums, index=names, name="contribution")


def floor_by_region(
    law: Any,
    n: int,
    m_values: Sequence[float],
    *,
    name: str,
    replicates: int,
    edges: Sequence[float],
    labels: Sequence[str],
    space: str = "linear",
    root_seed: int = 20250101,
    entropy_method: str = "nn",
) -> pd.DataFrame:
    """Where the floor comes from: per-region sums of the exact floor, per M and replicate.

    For each M and replicate, take the training sample of
    :func:`ampcore.experiment.training_sample` (the one
    ``run_grid`` used), bin it as GenCopy does (``space="linear"``: width from x, origin
    ``min(x)``; ``space="log"``: width from ln x, origin ``min(ln x)``), compute the exact floor
    per bin (:func:`ampcore.divergence.histogram_kl` or :func:`ampcore.logspace.log_floor` with
    ``per_bin``) and add the bins up by region (:func:`kl_by_region`, bin midpoint in x or ln x).

    Parameters
    ----------
    law : frozen scipy.stats distribution
        Law of X, support in ``[0, inf)``.
    n : int
        Training events N.
    m_values : sequence of float
        Goldilocks statistics.
    name : str
        The reference name used by the grid (it enters the seeds).
    replicates : int
        Number of replicates (0 .. replicates − 1).
    edges : sequence of float
        Region boundaries in x, increasing, ``len(labels) + 1`` values, each ``>= 0`` or ``-inf``
        for the first (``0`` and ``-inf`` both map to ``-inf`` in ln x).
    labels : sequence of str
        Region names.
    space : {"linear", "log"}
        Bins in x or in ln x.
    root_seed : int
        The grid's root seed.
    entropy_method : str
        Entropy estimator for Δ.

    Returns
    -------
    pandas.DataFrame
        Columns ``m, replicate, region, contribution`` (nats); for each (m, replicate) the
        contributions add up to that trial's ``floor_nats``.

    Notes
    -----
    Provenance: Standard (the per-bin KL sum is additive); the floor reading is Reconstructed.

    Examples
    --------
    >>> from scipy import stats
    >>> t = floor_by_region(stats.lognorm(1.0), 300, [2.5], name="lognormal", replicates=1,
    ...                     edges=[0, 1, np.inf], labels=["low", "high"])
    >>> t["region"].tolist()
    ['low', 'high']
    """
    if space not in ("linear", "log"):
        raise ValueError(f"`space` must be one of 'linear', 'log'; got {space!r}.")
    replicates = check_int(replicates, "replicates", minimum=1)
    e = np.asarray(edges, dtype=np.float64)
    if np.any(np.isnan(e)) or np.any((e < 0) & ~np.isneginf(e)):
        raise ValueError(f"`edges` must be >= 0 (or -inf) to be regions of a positive x; got {e.tolist()}.")
    with np.errstate(divide="ignore"):
        log_edges = np.where(e <= 0, -np.inf, np.log(np.where(e > 0, e, 1.0)))
    rows: list[dict[str, Any]] = []
    for m in m_values:
        m = check_positive(m, "m_values")
        for rep in range(replicates):
            x = training_sample(law, n, name=name, replicate=rep, root_seed=root_seed)
            if space == "linear":
                width = bin_width(x, m, method=entropy_method)
                table = histogram_kl(x, width, law=law, per_bin=True)
                parts = kl_by_region(table, e, labels)
            else:
                width = bin_width(np.log(x), m, method=entropy_method)
                table = log_floor(x, width, law=law, per_bin=True)
                parts = kl_by_region(table, log_edges, labels)
            rows.extend({"m": m, "replicate": rep, "region": r, "contribution": float(v)} for r, v in parts.items())
    return pd.DataFrame(rows)
