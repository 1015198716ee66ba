"""The one place where ``rng`` arguments become a :class:`numpy.random.Generator`."""

from __future__ import annotations

import numbers
from typing import TypeAlias

import numpy as np

__all__ = ["normalize_rng", "child_rng", "RNGLike"]

RNGLike: TypeAlias = "int | np.random.Generator | np.random.SeedSequence | None"


def normalize_rng(rng: RNGLike, *, name: str = "rng") -> np.random.Generator:
    """Turn an ``rng`` argument into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        A seed (non-negative int), a ``SeedSequence``, an existing generator (returned as is, so
        the caller's stream advances), or ``None`` for fresh OS entropy.
    name : str, optional
        The parameter name used in error messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        If `rng` is of any other type (including ``bool`` and the legacy ``RandomState``).
    ValueError
        If `rng` is a negative integer.

    Examples
    --------
    >>> a = normalize_rng(7).random()
    >>> b = normalize_rng(7).random()
    >>> a == b
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if int(rng) < 0:
            raise ValueError(f"`{name}` must be a non-negative integer seed; got {rng!r}.")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"`{name}` must be an int seed, a numpy.random.Generator, a numpy.random.SeedSequence "
        f"or None; got {type(rng).__name__} {rng!r}."
    )


def child_rng(seq: np.random.SeedSequence, index: int) -> np.random.Generator:
    """Generator for the deterministic child stream `index` of `seq`.

    Unlike ``seq.spawn``, which advances a counter inside `seq`, calling this twice with the
    same arguments gives the same stream: the child is ``SeedSequence(seq.entropy,
    spawn_key=seq.spawn_key + (index,))``, the very child ``spawn`` would create at that index.

    Examples
    --------
    >>> seq = np.random.SeedSequence(5)
    >>> child_rng(seq, 0).random() == child_rng(seq, 0).random() == np.random.default_rng(seq.spawn(1)[0]).random()
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, index)))
