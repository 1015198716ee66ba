"""The amplification bound: how many generated events are needed, and how many are too few.

Use this module to check a planned amplification (N training events → N_G generated events)
against the published bound ``2 ln N_G >= 3 ln N`` and against its reconstructed general form.
Every function is vectorised over NumPy arrays.

Provenance:

* ``2 ln N_G >= 3 ln N`` — **Quoted** from the published abstract of Watts & Crow,
  *Machine Learning: Science and Technology* (2025), DOI 10.1088/2632-2153/add78d,
  arXiv:2412.18041.
* information content ``ln N / M`` — from the authors' 2022 paper (arXiv:2210.02848: a histogram's
  entropy has the form ``(1/M) ln N``).
* ``M_G = M_N ln N_G / ln N`` and ``N_G >= N^(M_G/M_N)`` — **Reconstructed** (ours): at a bin width
  fixed by the training set, the generated sample carries the same entropy, so its measured M grows
  with ``ln N_G``; ``M_N = 2``, ``M_G = 3`` give the published form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_real_array, broadcast, check_positive

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "information_content",
    "satisfies_bound",
    "min_generated_events",
    "min_gain",
    "generated_m",
    "bound_table",
]


def _counts(value: ArrayLike, name: str, *, minimum: float) -> np.ndarray:
    arr = as_real_array(value, name)
    if np.any(~np.isfinite(arr)) or np.any(arr < minimum):
        raise ValueError(f"`{name}` must be finite and >= {minimum:g}; got {value!r}.")
    return arr


def _m(value: ArrayLike, name: str) -> np.ndarray:
    arr = as_real_array(value, name)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"`{name}` must be finite and > 0; got {value!r}.")
    return arr


def _finite(arr: np.ndarray, what: str, **inputs: np.ndarray) -> np.ndarray:
    """`arr`, or a ``ValueError`` if it overflowed float64 (naming the inputs that made it)."""
    if not np.all(np.isfinite(arr)):
        shown = ", ".join(f"{name}={np.asarray(v).tolist()!r}"[:80] for name, v in inputs.items())
        raise ValueError(f"{what} overflows float64 (beyond 1.8e308) for {shown}; use smaller values.")
    return arr


def _out(arr: np.ndarray) -> np.ndarray | float:
    if arr.ndim == 0:
        return float(arr)
    return arr


def _out_bool(arr: np.ndarray) -> np.ndarray | bool:
    if arr.ndim == 0:
        return bool(arr)
    return arr


def information_content(n: ArrayLike, m: ArrayLike = 2.0, *, base: float | None = None) -> np.ndarray | float:
    """Information carried by `n` events resolved at Goldilocks statistic `m`.

    Parameters
    ----------
    n : array_like
        Number of events, ``n >= 1``.
    m : array_like, optional
        Goldilocks statistic ``M > 0``; default 2, the information ceiling.
    base : float, optional
        Logarithm base; default e (nats), ``2`` for bits.

    Returns
    -------
    float or numpy.ndarray
        ``ln(n) / m`` (in the chosen base).

    Notes
    -----
    Provenance: Watts & Crow 2022 (arXiv:2210.02848) — a histogram's entropy has the form
    ``(1/M) log N``, and ``(1/2) log2 N`` bits is the most continuous data can teach.

    Examples
    --------
    >>> round(information_content(2000, base=2), 3)
    5.483
    """
    n_arr = _counts(n, "n", minimum=1)
    m_arr = _m(m, "m")
    broadcast(n=n_arr, m=m_arr)
    out = np.log(n_arr) / m_arr
    if base is not None:
        base = check_positive(base, "base")
        if base == 1:
            raise ValueError(f"`base` must be positive and != 1; got {base!r}.")
        out = out / np.log(base)
    return _out(out)


def satisfies_bound(n_train: ArrayLike, n_generated: ArrayLike) -> np.ndarray | bool:
    """Whether `n_generated` events satisfy ``2 ln N_G >= 3 ln N`` for `n_train` training events.

    Parameters
    ----------
    n_train : array_like
        Training events N, ``N >= 1``.
    n_generated : array_like
        Generated events N_G, ``N_G >= 1``.

    Returns
    -------
    bool or numpy.ndarray of bool

    Notes
    -----
    Provenance: Quoted — the published abstract of Watts & Crow 2025 gives
    ``2 log(Generated Events) ⩾ 3 log(Training Events)``. The comparison is made exactly in
    integers where possible (``N_G^2 >= N^3``) so that the boundary ``N_G = N^(3/2)`` is not
    decided by rounding.

    Examples
    --------
    >>> satisfies_bound(2000, 89_442), satisfies_bound(2000, 89_443)
    (False, True)
    >>> satisfies_bound(100, [999, 1000]).tolist()
    [False, True]
    """
    n = _counts(n_train, "n_train", minimum=1)
    ng = _counts(n_generated, "n_generated", minimum=1)
    broadcast(n_train=n, n_generated=ng)
    # exact integer test when both are whole numbers small enough for Python ints via object arrays
    if np.all(n == np.floor(n)) and np.all(ng == np.floor(ng)):
        nb, ngb = np.broadcast_arrays(n, ng)
        flat = [int(b) ** 2 >= int(a) ** 3 for a, b in zip(nb.ravel(), ngb.ravel())]
        return _out_bool(np.array(flat, dtype=bool).reshape(nb.shape))
    return _out_bool(2 * np.log(ng) >= 3 * np.log(n))


def min_generated_events(
    n: ArrayLike, m_train: ArrayLike = 2.0, m_gen: ArrayLike = 3.0
) -> np.ndarray | float:
    """Smallest number of generated events for which the bound holds.

    Parameters
    ----------
    n : array_like
        Training events N, ``N >= 1``.
    m_train : array_like, optional
        Goldilocks statistic of the training histogram, default 2.
    m_gen : array_like, optional
        Goldilocks statistic allowed for the generated histogram at the same bin width, default 3.

    Returns
    -------
    float or numpy.ndarray
        ``N ** (m_gen / m_train)``; ``N^(3/2)`` at the defaults.

    Notes
    -----
    Provenance: Reconstructed general form (ours) — from ``ln N_G / M_G >= ln N / M_N``; at
    ``M_N = 2, M_G = 3`` it is the Quoted bound ``2 ln N_G >= 3 ln N``.

    Examples
    --------
    >>> round(min_generated_events(2000), 1)
    89442.7
    >>> min_generated_events([100, 10_000]).tolist()
    [1000.0, 1000000.0]
    """
    n_arr = _counts(n, "n", minimum=1)
    m_train_arr, m_gen_arr = _m(m_train, "m_train"), _m(m_gen, "m_gen")
    broadcast(n=n_arr, m_train=m_train_arr, m_gen=m_gen_arr)
    with np.errstate(over="ignore"):
        out = _finite(n_arr ** (m_gen_arr / m_train_arr), "N ** (m_gen / m_train)", n=n_arr, m_gen=m_gen_arr)
    return _out(out)


def min_gain(n: ArrayLike, m_train: ArrayLike = 2.0, m_gen: ArrayLike = 3.0) -> np.ndarray | float:
    """Smallest gain ``G = N_G / N`` for which the bound holds: ``N ** (m_gen/m_train - 1)``.

    Equals ``sqrt(N)`` at the defaults. Provenance: Reconstructed (algebra on the bound).

    Examples
    --------
    >>> round(min_gain(2000), 2)
    44.72
    """
    n_arr = _counts(n, "n", minimum=1)
    m_train_arr, m_gen_arr = _m(m_train, "m_train"), _m(m_gen, "m_gen")
    broadcast(n=n_arr, m_train=m_train_arr, m_gen=m_gen_arr)
    with np.errstate(over="ignore"):
        out = _finite(n_arr ** (m_gen_arr / m_train_arr - 1.0), "N ** (m_gen / m_train - 1)", n=n_arr, m_gen=m_gen_arr)
    return _out(out)


def generated_m(n_train: ArrayLike, n_generated: ArrayLike, m_train: ArrayLike = 2.0) -> np.ndarray | float:
    """Goldilocks statistic of `n_generated` events binned at the training resolution.

    Parameters
    ----------
    n_train : array_like
        Training events N, ``N >= 2``.
    n_generated : array_like
        Generated events N_G, ``N_G >= 1``.
    m_train : array_like, optional
        Goldilocks statistic of the training histogram, default 2.

    Returns
    -------
    float or numpy.ndarray
        ``M_G = m_train · ln N_G / ln N``.

    Notes
    -----
    Provenance: Reconstructed (ours). The bin width fixed by the training set keeps the entropy
    H = ln N / M_N; binning N_G events at that width gives ``M_G = ln N_G / H``.

    Examples
    --------
    >>> round(generated_m(2000, 2000 ** 1.5), 6)
    3.0
    """
    n = _counts(n_train, "n_train", minimum=2)
    ng = _counts(n_generated, "n_generated", minimum=1)
    m_arr = _m(m_train, "m_train")
    broadcast(n_train=n, n_generated=ng, m_train=m_arr)
    return _out(m_arr * np.log(ng) / np.log(n))


def bound_table(n: ArrayLike, *, gain: int | None = None, m_train: float = 2.0, m_gen: float = 3.0) -> pd.DataFrame:
    """The bound in numbers: for each training size, the fewest generated events and the gain.

    Parameters
    ----------
    n : array_like of int
        Training sizes N >= 1.
    gain : int, optional
        If given, a column saying whether ``N_G = gain · N`` satisfies the bound.
    m_train, m_gen : float
        As in :func:`min_generated_events`.

    Returns
    -------
    pandas.DataFrame
        ``N``, ``min N_G = N^(3/2)`` (rounded up), ``min G = sqrt(N)`` (one decimal), ``information
        (bits)`` (``log2 N / m_train``, two decimals), and ``G = <gain> satisfies`` when asked.

    Notes
    -----
    Provenance: the bound is Quoted (Watts & Crow 2025 abstract); the information content is
    from Watts & Crow 2022; the general exponents are Reconstructed.

    Examples
    --------
    >>> bound_table([100, 2000], gain=5).values.tolist()
    [[100, 1000, 10.0, 3.32, False], [2000, 89443, 44.7, 5.48, False]]
    """
    import pandas as pd

    sizes = _counts(n, "n", minimum=1).ravel()
    largest = float(np.max(min_generated_events(sizes, m_train, m_gen)))
    if largest >= 2.0**63:  # the table's integer columns would wrap around
        raise ValueError(f"`n` = {float(sizes.max()):g} needs {largest:.3g} generated events, beyond the 64-bit integers of the table.")
    table = pd.DataFrame({
        "N": sizes.astype(np.int64),
        "min N_G = N^(3/2)": np.ceil(np.asarray(min_generated_events(sizes, m_train, m_gen))).astype(np.int64),
        "min G = sqrt(N)": np.round(np.asarray(min_gain(sizes, m_train, m_gen)), 1),
        "information (bits)": np.round(np.asarray(information_content(sizes, m_train, base=2)), 2),
    })
    if gain is not None:
        from ._validation import check_int

        g = check_int(gain, "gain", minimum=1)
        table[f"G = {g} satisfies"] = np.asarray(satisfies_bound(sizes, g * sizes), dtype=bool)
    return table
