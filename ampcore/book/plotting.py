"""The book's figures: one consistent style and one function per kind of figure.

Every function takes ``ax=None`` (a new figure is made when it is None), draws, and returns the
axes, so chapters stay short and the figures can be tested structurally. Call
:func:`use_book_style` once per notebook; nothing here changes global state at import time.

Axis labels are lower case with units; no titles (MyST captions name the figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from ..bound import min_gain
from ..studies.gain import seed_matrix

__all__ = [
    "BOOK_STYLE", "use_book_style", "mark_bound", "band", "gencopy_picture", "slope_guide",
    "kld_vs_gain", "kld_vs_meff", "kl_regions", "seed_bands", "fine_histograms",
    "success_vs_extra", "three_notions", "collapse_curves",
    "amplification_curves", "training_curve",
]

BOOK_STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 4.5,
    "legend.frameon": False,
    "font.size": 10,
}
"""rcParams of every book figure (set once by :func:`use_book_style`)."""


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to matplotlib's rcParams (PNG output for notebooks)."""
    plt.rcParams.update(BOOK_STYLE)  # type: ignore[arg-type]  # matplotlib types rc keys as literals
    try:  # pragma: no cover - only inside IPython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover
        pass


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def mark_bound(ax: Axes | None, n: int, *, axis: str = "gain", m_train: float = 2.0, m_gen: float = 3.0) -> Axes:
    """Mark the bound on a gain axis: a vertical line at ``G = N^(m_gen/m_train - 1)`` (√N).

    Parameters
    ----------
    ax : Axes or None
    n : int
        Training events N.
    axis : {"gain", "generated"}
        Whether the x axis is the gain G (line at √N) or the number of generated events N_G
        (line at N^(3/2)).
    """
    ax = _axes(ax)
    g_min = float(min_gain(n, m_train, m_gen))
    if axis == "gain":
        ax.axvline(g_min, color="0.35", ls="--", lw=1.0, label=rf"$G=\sqrt{{N}}$ ({g_min:.0f})")
    elif axis == "generated":
        ax.axvline(g_min * n, color="0.35", ls="--", lw=1.0, label=rf"$N_G=N^{{3/2}}$ ({g_min * n:.3g})")
    else:
        raise ValueError(f"`axis` must be one of 'gain', 'generated'; got {axis!r}.")
    return ax


def band(
    ax: Axes | None,
    x: ArrayLike,
    samples: ArrayLike,
    *,
    label: str | None = None,
    color: Any = None,
    marker: str = "o",
    spread: str = "sd",
) -> Axes:
    """Plot the mean over seeds with error bars (one row of `samples` per x, one column per seed).

    Parameters
    ----------
    ax : Axes or None
    x : array_like, shape (p,)
    samples : array_like, shape (p, s)
        Values for each x over s seeds.
    spread : {"sd", "sem"}
        Error bar: the standard deviation over seeds, or the standard error of the mean.
    """
    ax = _axes(ax)
    values = np.asarray(samples, dtype=float)
    if values.ndim != 2 or values.shape[0] != np.asarray(x).shape[0]:
        raise ValueError(f"`samples` must have shape (len(x), seeds); got {values.shape}.")
    mean = values.mean(axis=1)
    sd = values.std(axis=1, ddof=1) if values.shape[1] > 1 else np.zeros_like(mean)
    err = sd / np.sqrt(values.shape[1]) if spread == "sem" else sd
    ax.errorbar(x, mean, yerr=err, marker=marker, capsize=2.5, label=label, color=color)
    return ax


# --------------------------------------------------------------------------------------------------
# pictures of samples


def gencopy_picture(
    train: ArrayLike, copies: ArrayLike, width: float, origin: float, *, gain: int, ax: Axes | None = None
) -> Axes:
    """Draw GenCopy on a small sample: training rug, bin edges, and each copy on its own row.

    Parameters
    ----------
    train : array_like, shape (n,)
        Training events, drawn as a rug at height 0.
    copies : array_like, shape (gain * n,)
        GenCopy output, copy by copy (the first n values are copy 1); copy g is drawn at height g.
    width, origin : float
        Bin width Δ and left edge of bin 0; the edges of the occupied range are drawn.
    gain : int
        Number of copies G.
    ax : Axes or None

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    x = np.asarray(train, dtype=float)
    y = np.asarray(copies, dtype=float)
    if y.size != gain * x.size:
        raise ValueError(f"`copies` must hold gain * len(train) = {gain * x.size} values; got {y.size}.")
    lo = int(np.floor((min(x.min(), y.min()) - origin) / width))
    hi = int(np.floor((max(x.max(), y.max()) - origin) / width)) + 1
    for j in range(lo, hi + 1):
        ax.axvline(origin + j * width, color="0.8", lw=0.8, zorder=0)
    ax.plot(x, np.zeros_like(x), "|", color="k", markersize=14, label="training events")
    rows = np.repeat(np.arange(1, gain + 1), x.size)
    ax.plot(y, rows, "o", color="C0", alpha=0.7, markersize=3.5, label="generated (one row per copy)")
    ax.set_yticks(range(0, gain + 1))
    ax.set_ylabel("copy g (0 = training)")
    ax.set_xlabel("x")
    ax.grid(False)
    return ax


def slope_guide(
    ax: Axes | None, x: ArrayLike, *, anchor: tuple[float, float], slope: float = -0.5, label: str | None = None
) -> Axes:
    """Draw a straight reference line ``y = y0 (x/x0)^slope`` on log-log axes through `anchor`.

    Parameters
    ----------
    ax : Axes or None
    x : array_like
        x values at which the line is drawn (positive).
    anchor : (x0, y0)
        A point on the line (both positive).
    slope : float
        Log-log slope (default -1/2, the 1/sqrt(n) law).
    label : str, optional
    """
    ax = _axes(ax)
    xs = np.asarray(x, dtype=float)
    x0, y0 = anchor
    if np.any(xs <= 0) or x0 <= 0 or y0 <= 0:
        raise ValueError(f"`x` and `anchor` must be positive for a log-log guide; got anchor={anchor!r}.")
    ax.plot(xs, y0 * (xs / x0) ** slope, ls=":", color="0.3", lw=1.2, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    return ax


# --------------------------------------------------------------------------------------------------
# gain grids (ampcore.studies.run_grid): KLD against G and against the measured M_eff, and where
# the floor comes from


def _grid_colors(count: int, cmap: str = "viridis") -> list[Any]:
    colormap = plt.get_cmap(cmap)
    return [colormap(0.9 * i / max(count - 1, 1)) for i in range(count)]


def kld_vs_gain(
    ax: Axes | None,
    frame: Any,
    *,
    n: int | None = None,
    m_values: Sequence[float] | None = None,
    color: Any = None,
    marker: str = "o",
    label: str = "M = {m:g}",
    floor: bool = True,
    mc: bool = True,
    law: bool = False,
) -> Axes:
    """Mean ± sd over seeds of ``kld_nats`` against G (log axis), one curve per M.

    Parameters
    ----------
    ax : Axes or None
    frame : GainGrid or pandas.DataFrame
        A grid (:func:`ampcore.studies.run_grid`) for one law, one N and one amplifier, or its
        ``.frame`` (columns ``m, gain, replicate, kld_nats, floor_nats, kld_mc_nats``).
    n : int, optional
        Training size; if given, the bound ``G = √N`` is marked (:func:`mark_bound`).
    m_values : sequence of float, optional
        Which M to draw (default all).
    color : optional
        One colour for every curve (default: a viridis colour per M).
    marker, label : str
        Marker, and a format string for the legend with field ``m``.
    floor : bool
        Draw the mean exact floor ``floor_nats`` of each M as a dashed line of the same colour.
    mc : bool
        Draw the MC baseline of the same size (black squares), if the column has values.
    law : bool
        Draw the gain law ``floor − noise/G`` (column ``law_nats``, mean over seeds;
        :func:`ampcore.floor.kld_gain_law`) as a thin solid line of the same colour.
    """
    ax = _axes(ax)
    frame = getattr(frame, "frame", frame)
    groups = [(m, g) for m, g in frame.groupby("m", sort=True) if m_values is None or m in m_values]
    if not groups:
        raise ValueError(f"`m_values` selects no rows; got {m_values!r}.")
    colors = _grid_colors(len(groups)) if color is None else [color] * len(groups)
    for (m, group), c in zip(groups, colors):
        xs, values = seed_matrix(group, x="gain", value="kld_nats")
        band(ax, xs, values, label=label.format(m=m), color=c, marker=marker)
        if floor:
            ax.axhline(float(group.groupby("replicate")["floor_nats"].first().mean()), color=c, ls="--", lw=1.0)
        if law:
            predicted = group.groupby("gain", sort=True)["law_nats"].mean()
            ax.plot(predicted.index, predicted.to_numpy(), color=c, lw=0.9, alpha=0.8)
    if mc and frame["kld_mc_nats"].notna().all():
        xs, values = seed_matrix(groups[0][1], x="gain", value="kld_mc_nats")
        band(ax, xs, values, label="MC, same size", color="black", marker="s")
    if n is not None:
        mark_bound(ax, n)
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("gain G")
    ax.set_ylabel("KLD D(gen‖ref) (nats)")
    return ax


def kld_vs_meff(ax: Axes | None, frame: Any, *, gains: Sequence[int] | None = None, floor: bool = True) -> Axes:
    """Mean ± sd over seeds of ``kld_nats`` against the measured M_eff, one curve per G.

    The x position of each point is the mean over seeds of the measured ``m_eff`` at that M;
    the Goldilocks band 2 ≤ M_eff ≤ 3 is shaded, and the mean exact floor is drawn dashed.

    Parameters
    ----------
    ax : Axes or None
    frame : GainGrid or pandas.DataFrame
        A grid for one law, one N and one amplifier, or its ``.frame``.
    gains : sequence of int, optional
        Which G to draw (default all).
    floor : bool
        Draw the floor against M_eff (black dashed).
    """
    ax = _axes(ax)
    frame = getattr(frame, "frame", frame)
    groups = [(g, d) for g, d in frame.groupby("gain", sort=True) if gains is None or g in gains]
    if not groups:
        raise ValueError(f"`gains` selects no rows; got {gains!r}.")
    ax.axvspan(2.0, 3.0, color="0.85", alpha=0.5, lw=0, label=r"$2\leq M_{\mathrm{eff}}\leq 3$")
    for (g, group), c in zip(groups, _grid_colors(len(groups), "plasma")):
        _, values = seed_matrix(group, x="m", value="kld_nats")
        x_eff = group.groupby("m", sort=True)["m_eff"].mean().to_numpy()
        band(ax, x_eff, values, label=f"G = {g}", color=c)
    if floor:
        first = groups[-1][1].groupby("m", sort=True)
        ax.plot(first["m_eff"].mean(), first["floor_nats"].mean(), ls="--", color="black", lw=1.2,
                label="exact floor")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(r"measured $M_{\mathrm{eff}}$")
    ax.set_ylabel("KLD D(gen‖ref) (nats)")
    return ax


def kl_regions(ax: Axes | None, table: Any, *, errors: Any = None, ylabel: str = "contribution to the floor (nats)") -> Axes:
    """Grouped bars: one group per row of `table` (e.g. per M), one bar per column (region).

    Parameters
    ----------
    ax : Axes or None
    table : pandas.DataFrame
        Rows = groups (the index labels the x axis), columns = regions, values in nats.
    errors : pandas.DataFrame, optional
        Same shape: error bars (e.g. the sd over seeds).
    ylabel : str
    """
    ax = _axes(ax)
    rows, cols = table.shape
    if rows == 0 or cols == 0:
        raise ValueError(f"`table` must have at least one row and one column; got shape {table.shape}.")
    if errors is not None and errors.shape != table.shape:
        raise ValueError(f"`errors` must have the shape of `table` {table.shape}; got {errors.shape}.")
    width = 0.8 / cols
    positions = np.arange(rows)
    for j, (column, c) in enumerate(zip(table.columns, _grid_colors(cols, "cividis"))):
        err = None if errors is None else errors[column].to_numpy()
        ax.bar(positions + (j - (cols - 1) / 2) * width, table[column].to_numpy(), width, yerr=err,
               color=c, label=str(column), capsize=2)
    ax.set_xticks(positions, [str(i) for i in table.index])
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_ylabel(ylabel)
    return ax


# --------------------------------------------------------------------------------------------------
# any tidy table with replicates


def seed_bands(
    frame: Any,
    *,
    x: str,
    y: str,
    by: str | None = None,
    replicate: str = "replicate",
    spread: str = "sd",
    labels: dict[Any, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean ± spread over seeds of column `y` against column `x`, one curve per value of `by`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy table with columns `x`, `y`, `replicate` (and `by`).
    x, y : str
        Column names of the horizontal and vertical values.
    by : str, optional
        Column whose values make separate curves (in order of appearance).
    replicate : str
        Column naming the seed; each (group, x) needs one row per seed.
    spread : {"sd", "sem"}
        Error bar (see :func:`band`).
    labels : dict, optional
        Legend label for each value of `by` (default ``str(value)``).
    ax : Axes or None

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    frame = getattr(frame, "frame", frame)
    missing = [c for c in (x, y, replicate) + ((by,) if by else ()) if c not in frame.columns]
    if missing:
        raise ValueError(f"`frame` lacks column(s) {missing}.")
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=False))
    for key, grp in groups:
        table = grp.pivot_table(index=x, columns=replicate, values=y, aggfunc="first").sort_index()
        label = None if key is None else (labels or {}).get(key, str(key))
        band(ax, table.index.to_numpy(), table.to_numpy(), label=label, spread=spread)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def fine_histograms(
    samples: dict[str, ArrayLike], *, edges: ArrayLike, ax: Axes | None = None
) -> Axes:
    """Step-line densities of several samples on the same fine bin `edges`.

    Parameters
    ----------
    samples : dict of label -> array_like
        Samples to draw (in order), each normalised to a density over all its events.
    edges : array_like, shape (b + 1,)
        Increasing bin edges.
    ax : Axes or None

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError(f"`edges` must be an increasing 1-D array of >= 2 values; got shape {e.shape}.")
    for label, values in samples.items():
        v = np.asarray(values, dtype=float)
        counts, _ = np.histogram(v, bins=e)
        density = counts / (v.size * np.diff(e))
        ax.stairs(density, e, label=f"{label} ({v.size:,} events)")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    return ax


# --------------------------------------------------------------------------------------------------
# chapter 9: sample amplification, three notions on one sample, replace versus accumulate


def success_vs_extra(ax: Axes | None, result: Any) -> Axes:
    """Best-test success against ``(m − n)√d/n``, one colour per d, exact curves and thresholds.

    Parameters
    ----------
    ax : Axes or None
    result : Distinguishability
        From :func:`ampcore.studies.neighbours.distinguishability`. Points: the simulated success
        ± its binomial standard error; lines: the exact success of the best test
        (:func:`ampcore.sampleamp.gaussian_mean_success`); dotted verticals: the exact largest
        valid ``m − n`` of each d; the horizontal line is the validity limit 2/3.
    """
    from ..sampleamp import VALIDITY_LIMIT, gaussian_mean_success

    ax = _axes(ax)
    summary = result.summary().reset_index()
    thresholds = result.thresholds().set_index("d")
    n = int(result.frame["n"].iloc[0])
    dims = sorted(int(d) for d in summary["d"].unique())
    colors = _grid_colors(len(dims))
    for d, c in zip(dims, colors):
        part = summary[summary["d"] == d]
        ax.errorbar(part["scale_actual"], part["success"], yerr=part["success_se"], marker="o", ls="none",
                    capsize=2.5, color=c, label=f"d = {d}")
        low = max(1.0, float(part["extra"].min()) / 2)
        extra = np.unique(np.geomspace(low, float(part["extra"].max()) * 1.05, 200).round().astype(int))
        ax.plot(extra * np.sqrt(d) / n, [gaussian_mean_success(n, n + int(k), d) for k in extra], color=c, lw=1.0)
        ax.axvline(float(thresholds.loc[d, "(m − n)√d/n"]), color=c, ls=":", lw=1.0)
    ax.axhline(VALIDITY_LIMIT, color="0.35", ls="--", lw=1.0, label="validity limit 2/3")
    ax.set_xscale("log")
    ax.set_xlabel(r"extra points, $(m-n)\sqrt{d}/n$")
    ax.set_ylabel("success of the best test")
    ax.legend(loc="upper left")
    return ax


def three_notions(result: Any, *, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Three stacked panels over the gain G, each one notion on the same amplified samples.

    Parameters
    ----------
    result : Notions
        From :func:`ampcore.studies.neighbours.notions_study`.
    axes : sequence of three Axes, optional
        Default: a new figure with three rows sharing the x axis.

    Returns
    -------
    sequence of Axes
        Top: best-test success (simulated ± se, exact line) with the limit 2/3. Middle: the
        measured M of the generated sample at the training width (mean ± sd), the level 3 and
        ``G = √N``. Bottom: the amplification factor (pooled ± se, first-order expectation
        dashed) and the level 1.
    """
    from ..sampleamp import VALIDITY_LIMIT

    if axes is None:
        fig, made = plt.subplots(3, 1, sharex=True, figsize=(6.4, 7.2))
        axes = list(made)
    if len(axes) != 3:
        raise ValueError(f"`axes` must hold three Axes; got {len(axes)}.")
    s = result.summary()
    gains = s.index.to_numpy(dtype=float)
    n = int(result.frame["n"].iloc[0])
    top, middle, bottom = axes
    top.errorbar(gains, s["success"], yerr=s["success_se"], marker="o", ls="none", capsize=2.5, label="simulated")
    top.plot(gains, s["success_exact"], color="C0", lw=1.0, label="exact")
    top.axhline(VALIDITY_LIMIT, color="0.35", ls="--", lw=1.0, label="2/3")
    top.set_ylabel("best-test success")
    top.legend(loc="upper left")
    middle.errorbar(gains, s["m_generated_mean"], yerr=s["m_generated_sd"], marker="o", capsize=2.5, color="C1")
    middle.axhline(3.0, color="0.35", ls="--", lw=1.0, label="M = 3")
    mark_bound(middle, n)
    middle.set_ylabel("measured M at Δ")
    middle.legend(loc="upper left")
    bottom.errorbar(gains, s["amp_factor"], yerr=s["amp_factor_se"], marker="o", capsize=2.5, color="C2",
                    label="measured")
    bottom.plot(gains, s["amp_factor_expected"], color="C2", ls="--", lw=1.0, label="first-order expectation")
    bottom.axhline(1.0, color="0.35", ls="--", lw=1.0)
    bottom.set_ylabel("amplification factor")
    bottom.set_xscale("log")
    bottom.set_xlabel("gain G = m/N")
    bottom.legend(loc="upper left")
    return axes


def collapse_curves(result: Any, *, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Model variance and exact KL against generation, for every (generator, data) pair.

    Parameters
    ----------
    result : Collapse
        From :func:`ampcore.studies.collapse.collapse_grid`.
    axes : sequence of two Axes, optional
        Default: a new figure with two panels side by side.

    Returns
    -------
    sequence of Axes
        Left: mean model variance ± se over chains (points) and the exact expectation given each
        chain's real events (line).
        Right: mean exact KL ± se (log scale). Solid: replace; open markers: accumulate.
    """
    if axes is None:
        fig, made = plt.subplots(1, 2, figsize=(9.6, 3.8))
        axes = list(made)
    if len(axes) != 2:
        raise ValueError(f"`axes` must hold two Axes; got {len(axes)}.")
    c = result.curves()
    left, right = axes
    for method, mode in result.pairs():
        part = c.loc[(method, mode)]
        g = part.index.to_numpy()
        color = "C0" if method == "refit_normal" else "C3"
        face = color if mode == "replace" else "white"
        label = f"{'Normal refit' if method == 'refit_normal' else 'KDE'}, {mode}"
        left.errorbar(g, part["variance"], yerr=part["variance_se"], marker="o", ls="none", capsize=2,
                      color=color, markerfacecolor=face, label=label, markersize=3.5)
        left.plot(g, part["expected_variance"], color=color, lw=1.0, ls="-" if mode == "replace" else "--")
        right.errorbar(g, part["kl"], yerr=part["kl_se"], marker="o", capsize=2, color=color,
                       markerfacecolor=face, label=label, markersize=3.5, lw=1.0)
    left.axhline(float(result.frame["law_variance"].iloc[0]), color="0.6", lw=0.8)
    left.set_xlabel("generation g")
    left.set_ylabel("variance of the model")
    left.legend(loc="upper left", fontsize=8)
    right.set_xlabel("generation g")
    right.set_ylabel("exact KL(model‖truth) (nats)")
    right.set_yscale("log")
    return axes


# --------------------------------------------------------------------------------------------------
# generative models (chapter 8)


def amplification_curves(
    factors: Any,
    *,
    x: str = "n_generated",
    sources: Sequence[str],
    labels: dict[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """``G_eff`` ± its sd against `x` (``n_generated`` or ``n_q``), one curve per source.

    Parameters
    ----------
    factors : pandas.DataFrame
        Rows of :meth:`ampcore.studies.Generative.factors` for one N (and one N_q, or one gain).
    x : str
        The column on the horizontal axis (log scale).
    sources : sequence of str
        Which sources to draw, in order.
    labels : dict, optional
        Legend label of each source.
    ax : Axes or None
    """
    ax = _axes(ax)
    for source in sources:
        part = factors[factors["source"] == source].sort_values(x)
        if part.empty:
            raise ValueError(f"`factors` has no rows for source {source!r}.")
        ax.errorbar(part[x], part["g_eff"], yerr=part["g_eff_sd"], marker="o", capsize=2.5,
                    label=(labels or {}).get(source, source))
    ax.axhline(1.0, color="0.4", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel(r"amplification factor $n_\mathrm{equiv}/N$")
    ax.set_xlabel("generated events N_G" if x == "n_generated" else "quantiles N_q")
    return ax


def training_curve(model: Any, *, window: int = 50, ax: Axes | None = None) -> Axes:
    """A GAN's training curve: running means of the critic's and the generator's losses.

    Parameters
    ----------
    model : ampcore.generators.gan.GANModel
        A trained GAN (its :meth:`curve`).
    window : int
        Steps per running mean.
    ax : Axes or None
    """
    ax = _axes(ax)
    curve = model.curve()
    if window < 1 or window > curve["step"].size:
        raise ValueError(f"`window` must be in [1, {curve['step'].size}]; got {window}.")
    kernel = np.ones(window) / window
    steps = curve["step"][window - 1:]
    for key, label in (("critic_loss", "critic"), ("generator_loss", "generator")):
        ax.plot(steps, np.convolve(curve[key], kernel, mode="valid"), label=label)
    ax.axhline(2 * np.log(2), color="0.5", ls=":", lw=1.0, label=r"$2\ln 2$, $\ln 2$ (balanced game)")
    ax.axhline(np.log(2), color="0.5", ls=":", lw=1.0)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (nats)")
    return ax
