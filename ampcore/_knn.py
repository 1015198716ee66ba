"""The nearest-neighbour machinery shared by the kNN estimators of R ``FNN``.

:mod:`ampcore.divergence` (``FNN::KL.divergence``) and :func:`ampcore.information.knn_entropy`
(``FNN::entropy``) check their samples, count their threads and build their kd-trees here, so
that both search a sample with the same exact tree (both read it with
:func:`ampcore._validation.as_points`). Nothing here is
public: the estimators are.

Provenance: no formula (input checks and an exact Euclidean kd-tree, :class:`scipy.spatial.cKDTree`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ._validation import check_int

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = [
    "TieWarning",
    "threads",
    "check_workers",
    "prepare_tree",
    "TREE_CHUNK",
]

# Query points per kd-tree query call (d > 1): each call returns (chunk, k + 1) distances and
# indices, 1.4 MiB each at k = 10.
TREE_CHUNK = 16384


class TieWarning(UserWarning):
    """Zero nearest-neighbour distances were found, so some kNN estimates are +inf, -inf or nan."""


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
