"""The nearest-neighbour machinery shared by the kNN estimators of R ``FNN``.

:mod:`ampcore.divergence` (``FNN::KL.divergence``) and :func:`ampcore.information.knn_entropy`
(``FNN::entropy``) check their samples, count their threads and build their kd-trees here, so
that both read a sample the same way and search it with the same exact tree. Nothing here is
public: the estimators are.

Provenance: no formula (input checks and an exact Euclidean kd-tree, :class:`scipy.spatial.cKDTree`).
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._validation import check_int, reject_masked

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = [
    "TieWarning",
    "as_points",
    "check_values",
    "threads",
    "check_workers",
    "prepare_tree",
    "TREE_CHUNK",
    "EXACT_INT",
]

# Query points per kd-tree query call (d > 1): each call returns (chunk, k + 1) distances and
# indices, 1.4 MiB each at k = 10.
TREE_CHUNK = 16384
# Integers up to 2**53 convert to float64 exactly.
EXACT_INT = 2**53


class TieWarning(UserWarning):
    """Zero nearest-neighbour distances were found, so some kNN estimates are +inf, -inf or nan."""


def as_points(sample: ArrayLike, name: str, *, stacklevel: int = 4) -> np.ndarray:
    """Return `sample` as a finite real ``(n, d)`` array (a 1-D input becomes ``(n, 1)``).

    The dtype is kept (no copy here): each search converts to float64 exactly once, while it makes
    its own sorted copy or tree. Integers beyond 2**53 and complex numbers are rejected because
    float64 cannot hold them exactly; float32/float16 input warns (its rounding made ties).
    """
    sample = reject_masked(sample, name)
    try:
        arr = np.asarray(sample)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"`{name}` must be an array of real numbers of shape (n,) or (n, d); "
            f"got {type(sample).__name__} that numpy cannot convert ({exc})."
        ) from exc
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"`{name}` must hold real numbers; got dtype {arr.dtype}.")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {arr.shape} (ndim={arr.ndim})."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"`{name}` must not be empty; got shape {arr.shape}.")
    if arr.shape[1] == 0:
        raise ValueError(f"`{name}` must have at least one column (d >= 1); got shape {arr.shape}.")
    check_values(arr, name, stacklevel=stacklevel + 1)
    return arr


def check_values(arr: np.ndarray, name: str, *, stacklevel: int) -> None:
    """Finite, exactly convertible to float64; warn for low-precision floats. No big temporaries."""
    if np.issubdtype(arr.dtype, np.integer):
        if arr.size and (int(arr.max()) > EXACT_INT or int(arr.min()) < -EXACT_INT):
            raise ValueError(
                f"`{name}` holds integers beyond 2**53 = {EXACT_INT}, which float64 cannot "
                f"represent exactly (got min {int(arr.min())}, max {int(arr.max())}); scale them "
                "or convert them to float64 yourself."
            )
        return
    if np.issubdtype(arr.dtype, np.floating) and arr.dtype.itemsize < 8:
        warnings.warn(
            f"`{name}` has dtype {arr.dtype}; it is converted to float64, but {arr.dtype} storage "
            "has already rounded distinct values onto each other, and the resulting exact ties "
            "give +inf/-inf/nan kNN estimates (about 27,000 duplicates among 2e6 N(0,1) values "
            "in float32). Keep samples in float64 end to end.",
            UserWarning,
            stacklevel=stacklevel,
        )
    # min and max propagate nan and expose +-inf without an n-sized boolean temporary
    if arr.size and np.isfinite(arr.min()) and np.isfinite(arr.max()):
        return
    bad = ~np.isfinite(arr)
    if bad.ndim == 1:
        bad = bad[:, None]
    raise ValueError(
        f"`{name}` must be finite; got {int(bad.sum())} NaN or infinite value(s) "
        f"(first in row {int(np.flatnonzero(bad.any(axis=1))[0])})."
    )


def threads(workers: int) -> int:
    """Number of threads for `workers` (scipy's convention: -1 means every available CPU)."""
    if workers == -1:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)
    return workers


def prepare_tree(points: np.ndarray) -> cKDTree:
    """A kd-tree of the d-D sample (the data is not copied when it is float64 and contiguous).

    Sliding-midpoint splits (``balanced_tree=False``; ANN's kd-tree in R FNN splits this way by
    default) build about 1.5 times faster than scipy's default median splits, and the queries
    are no slower. The distances are exactly the same with any tree: the j-th nearest-neighbour
    distance does not depend on the tree, only the time to find it does. Sliding midpoint also
    avoids the slow median builds of scipy issues #6108/#6444 on samples with many identical
    points.
    """
    from scipy.spatial import cKDTree

    return cKDTree(points.astype(np.float64, copy=False), balanced_tree=False)


def check_workers(workers: Any) -> int:
    """`workers` checked (-1 or an integer >= 1) and turned into a number of threads."""
    workers = check_int(workers, "workers", minimum=-1)
    if workers == 0:
        raise ValueError("`workers` must be -1 (all CPUs) or an integer >= 1; got 0.")
    return threads(workers)
