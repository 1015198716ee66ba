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

from .bound import min_gain

__all__ = ["BOOK_STYLE", "use_book_style", "mark_bound", "band"]

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
    plt.rcParams.update(BOOK_STYLE)
    try:  # pragma: no cover - only inside IPython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
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
