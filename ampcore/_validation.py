"""Input checks shared by the public functions: convert once, check, and say what was wrong.

Every message names the parameter in backticks, states the rule and echoes the value received.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "as_sample_1d",
    "as_positive_sample",
    "check_int",
    "check_positive",
    "check_finite",
    "check_choice",
    "check_law",
]


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_sample_1d(x: ArrayLike, name: str = "x", *, min_size: int = 1) -> np.ndarray:
    """Return `x` as a finite float64 1-D array with at least `min_size` values.

    Raises ``TypeError`` for non-numeric data and ``ValueError`` for a wrong rank, too few
    values, or NaN/inf entries (never dropped silently).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises for ragged input on some versions
        raise TypeError(f"`{name}` must be a 1-D array of real numbers; got {_describe(x)}.") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"`{name}` must be a 1-D array of real numbers; got dtype {arr.dtype}.")
    if np.iscomplexobj(arr):
        raise TypeError(f"`{name}` must be real-valued; got dtype {arr.dtype}.")
    if arr.ndim != 1:
        raise ValueError(
            f"`{name}` must be a 1-D array; got an array of shape {arr.shape} (ndim={arr.ndim})."
        )
    if arr.size < min_size:
        raise ValueError(f"`{name}` must hold at least {min_size} values; got {arr.size}.")
    arr = arr.astype(np.float64, copy=False)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(
            f"`{name}` must be finite; got {int(bad.sum())} NaN or infinite value(s) "
            f"(first at index {int(np.flatnonzero(bad)[0])})."
        )
    return arr


def as_positive_sample(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Return `x` as a finite float64 1-D array of at least 2 values, all > 0 (for ``ln x``)."""
    xs = as_sample_1d(x, name, min_size=2)
    if np.any(xs <= 0):
        raise ValueError(
            f"`{name}` must be > 0 to be amplified in log x; got {int(np.sum(xs <= 0))} value(s) <= 0 "
            f"(smallest {float(xs.min())!r})."
        )
    return xs


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return `value` as ``int`` if it is an integer (not bool) within ``[minimum, maximum]``."""
    if isinstance(value, bool):
        raise TypeError(f"`{name}` must be an integer; got bool {value!r}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            value = float(value)
        else:
            raise TypeError(f"`{name}` must be an integer; got {type(value).__name__} {_describe(value)}.")
    number = int(value)
    if minimum is not None and number < minimum:
        rule = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"`{name}` must be an integer {rule}; got {number}.")
    if maximum is not None and number > maximum:
        rule = f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"`{name}` must be an integer {rule}; got {number}.")
    return number


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return `value` as a finite ``float`` that is > 0 (or >= 0 with `allow_zero`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {type(value).__name__} {_describe(value)}.")
    number = float(value)
    ok = math.isfinite(number) and (number >= 0 if allow_zero else number > 0)
    if not ok:
        rule = "finite and >= 0" if allow_zero else "finite and > 0"
        raise ValueError(f"`{name}` must be {rule}; got {number!r}.")
    return number


def check_finite(value: Any, name: str) -> float:
    """Return `value` as a finite ``float``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {type(value).__name__} {_describe(value)}.")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"`{name}` must be finite; got {number!r}.")
    return number


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return `value` if it is one of `choices`, else raise ``ValueError`` listing them."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"`{name}` must be one of {listed}; got {_describe(value)}.")
    return value


def check_law(law: Any, name: str = "law") -> Any:
    """Check that `law` behaves like a frozen ``scipy.stats`` distribution with finite entropy."""
    needed = ("rvs", "pdf", "cdf", "entropy")
    missing = [attr for attr in needed if not callable(getattr(law, attr, None))]
    if missing:
        raise TypeError(
            f"`{name}` must be a frozen scipy.stats distribution (with {', '.join(needed)}); "
            f"got {type(law).__name__} lacking {', '.join(missing)}."
        )
    return law
