"""Input checks shared by the public functions: convert once, check, and say what was wrong.

Every message names the parameter in backticks, states the rule and echoes the value received.
The same checks serve the API and the command line (:mod:`ampcore.cli` reads files and passes
them through these), so a value refused in one is refused in the other.

What no public function accepts, anywhere:

* booleans and strings where a number is expected (``True`` is not 1, ``"2"`` is not 2), and
  anything but ``True``/``False`` for a flag (``per_bin=1`` is refused);
* masked arrays with masked entries (ampcore does not honour masks: pass ``x.compressed()``);
* complex numbers, integers beyond 2**53 and floats beyond 2**53 for an integer parameter
  (float64 cannot hold them exactly, so the value that would run is not the one given);
* a call whose memory, estimated before anything is allocated, exceeds what the machine has
  available (:func:`available_memory`, or ``$AMPCORE_MEMORY_LIMIT``): the error names the
  parameter, the estimate and the streaming alternative.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import sys
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "as_sample_1d",
    "as_positive_sample",
    "as_points",
    "as_real_array",
    "reject_masked",
    "broadcast",
    "check_int",
    "check_positive",
    "check_finite",
    "check_bool",
    "check_choice",
    "check_entropy_method",
    "ENTROPY_METHODS",
    "check_law",
    "check_law_entropy",
    "check_bin_precision",
    "check_memory",
    "available_memory",
    "format_bytes",
    "MEMORY_LIMIT_ENV",
    "EXACT_INT",
    "BIN_PRECISION",
]

EXACT_INT = 2**53
"""Integers up to this magnitude convert to float64 exactly; beyond it, digits are lost."""

BIN_PRECISION = 2**32
"""Largest ``max(|origin|, |data|) / width`` at which binning keeps its precision.

float64 carries 52 fraction bits; at this ratio at least 20 of them are left for the position of
a value inside its bin (``origin + (bin + U) * width``), i.e. about one part in a million of a
bin. Beyond it a histogram misassigns values near the edges and GenCopy's redrawn values collapse
onto a few representable numbers (``origin=1e17`` with ``width=0.1`` gives all zeros).
"""

MEMORY_LIMIT_ENV = "AMPCORE_MEMORY_LIMIT"
"""Environment variable: a memory budget in bytes (suffixes K, M, G, T allowed) below what the
machine has; calls estimated to need more are refused before they allocate."""


def _describe(value: Any) -> str:
    text = " ".join(repr(value).split())  # one line, whatever the value's repr
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {_describe(value)}"


def reject_masked(value: Any, name: str) -> Any:
    """Refuse a masked array with masked entries; return the plain data of one without.

    ampcore does not honour masks (every value would be used, the masked ones included), so a
    mask is refused rather than ignored. ``numpy.ma`` is not imported for this (it would add tens
    of milliseconds to every command-line call): no masked array exists before it is imported.
    """
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(value, ma.MaskedArray):
        masked = int(np.count_nonzero(np.asarray(value.mask)))
        if masked:
            raise ValueError(
                f"`{name}` is a masked array with {masked} masked value(s); ampcore does not honour "
                f"masks. Pass `{name}.compressed()` to drop them (or `{name}.filled(value)`)."
            )
        return ma.getdata(value)
    return value


def _as_array(value: Any, name: str, what: str) -> np.ndarray:
    value = reject_masked(value, name)
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be {what}; got {_kind(value)} (a text is not a number).")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be {what}; got {type(value).__name__} that numpy cannot convert ({exc}).") from exc
    if arr.dtype == np.bool_:
        raise TypeError(f"`{name}` must be {what}; got booleans ({_describe(value)}), which are not numbers.")
    if np.iscomplexobj(arr):
        raise TypeError(f"`{name}` must be real-valued; got dtype {arr.dtype}.")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"`{name}` must hold real numbers ({what}); got dtype {arr.dtype} ({_describe(value)}).")
    if np.issubdtype(arr.dtype, np.integer) and arr.size:
        low, high = int(arr.min()), int(arr.max())
        if high > EXACT_INT or low < -EXACT_INT:
            raise ValueError(
                f"`{name}` holds integers beyond 2**53 = {EXACT_INT} (min {low}, max {high}), which "
                "float64 cannot hold exactly; scale them, or convert them to float yourself."
            )
    return arr


def as_real_array(value: ArrayLike, name: str, *, what: str = "a real number or an array of them") -> np.ndarray:
    """`value` as a float64 array (any shape, 0-d for a scalar): real, exact, no mask, no booleans.

    Finiteness and ranges are the caller's rule; this refuses what is not a real number at all.
    """
    return _as_array(value, name, what).astype(np.float64, copy=False)


def broadcast(**arrays: np.ndarray) -> list[np.ndarray]:
    """Broadcast named arrays together, or raise ``ValueError`` naming them and their shapes."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"`{name}` {np.shape(a)}" for name, a in arrays.items())
        raise ValueError(
            f"{' and '.join(f'`{n}`' for n in arrays)} must have the same length (or broadcast "
            f"together); got shapes {shapes}."
        ) from None


def as_sample_1d(x: ArrayLike, name: str = "x", *, min_size: int = 1) -> np.ndarray:
    """Return `x` as a finite float64 1-D array with at least `min_size` values.

    Raises ``TypeError`` for non-numeric data (booleans and texts included) and ``ValueError`` for
    a masked entry, a wrong rank, too few values, integers float64 cannot hold exactly, or
    NaN/inf entries (never dropped silently).
    """
    arr = _as_array(x, name, "a 1-D array of real numbers")
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


def _finite_or_raise(arr: np.ndarray, name: str) -> None:
    """Refuse NaN/inf in a float or integer array, naming the first bad row; no n-sized temporary
    when everything is finite (min and max propagate NaN and expose ±inf)."""
    if not arr.size or not np.issubdtype(arr.dtype, np.floating):
        return
    if np.isfinite(arr.min()) and np.isfinite(arr.max()):
        return
    bad = ~np.isfinite(arr)
    rows = bad.reshape(bad.shape[0], -1).any(axis=1) if bad.ndim > 1 else bad
    raise ValueError(
        f"`{name}` must be finite; got {int(bad.sum())} NaN or infinite value(s) "
        f"(first in row {int(np.flatnonzero(rows)[0])})."
    )


def as_points(
    x: ArrayLike,
    name: str = "x",
    *,
    min_size: int = 1,
    dim: int | None = None,
    keep_dtype: bool = False,
    warn_low_precision: bool = False,
    any_leading: bool = False,
    stacklevel: int = 3,
) -> np.ndarray:
    """`x` as a finite real array of points, shape ``(n, d)`` (a 1-D array is n points, ``(n, 1)``).

    The one validator of point clouds in ampcore: every function that takes points of any
    dimension (cells, GAN, kNN divergence, sample amplification, the d-D laws, the command line)
    calls it, so a class of bad input refused in one place is refused everywhere.

    Parameters
    ----------
    x : array_like
        The points.
    name : str
        The parameter's name, as the user wrote it (named in every message).
    min_size : int
        Fewest points (rows) accepted.
    dim : int, optional
        The dimension d the points must have.
    keep_dtype : bool
        Return the array in its own real dtype (integers and float32 stay as they are, no copy);
        by default it is converted to float64.
    warn_low_precision : bool
        Warn (``UserWarning``) for float16/float32 data, whose storage has already rounded
        distinct values onto each other (exact ties, which nearest-neighbour estimates cannot take).
    any_leading : bool
        Accept any leading shape ``(..., d)`` (points on the last axis, as a density takes them;
        `dim` required) instead of ``(n,)`` or ``(n, d)``; nothing is reshaped.
    stacklevel : int
        Of the low-precision warning, counted from the caller of this function.

    Raises
    ------
    TypeError
        Not an array of real numbers: texts, booleans, complex numbers, objects, ragged lists.
    ValueError
        A masked entry, a wrong rank or dimension, fewer than `min_size` points, no column,
        integers beyond 2**53, NaN or infinite values.

    Examples
    --------
    >>> as_points([1.0, 2.0]).shape, as_points([[1.0, 2.0]]).shape
    ((2, 1), (1, 2))
    """
    x = reject_masked(x, name)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`{name}` must hold real numbers; got {_kind(x)} (a text is not a number).")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"`{name}` must be an array of real numbers of shape (n,) or (n, d); "
            f"got {type(x).__name__} that numpy cannot convert ({' '.join(str(exc).split())})."
        ) from exc
    if arr.dtype == np.bool_ or arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        why = {"b": " (booleans are not numbers)", "c": " (complex numbers are not real-valued)"}.get(arr.dtype.kind, "")
        raise TypeError(f"`{name}` must hold real numbers; got dtype {arr.dtype}{why}.")
    if any_leading:
        if dim is None:
            raise TypeError("as_points: `any_leading` needs `dim`")  # a programming error, not a user's
        if arr.ndim == 0 or arr.shape[-1] != dim:
            raise ValueError(f"`{name}` must have points of dimension {dim} on its last axis; got shape {arr.shape}.")
    else:
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            shape = np.shape(x)
            raise ValueError(f"`{name}` must be 1-D (n,) or 2-D (n, d); got shape {shape} (ndim={len(shape)}).")
        if arr.shape[0] == 0 and min_size >= 1:
            raise ValueError(f"`{name}` must not be empty; got shape {arr.shape}.")
        if arr.shape[0] < min_size:
            raise ValueError(f"`{name}` must hold at least {min_size} point(s); got {arr.shape[0]} (shape {arr.shape}).")
        if arr.shape[1] == 0:
            raise ValueError(f"`{name}` must have at least one column (d >= 1); got shape {arr.shape}.")
        if dim is not None and arr.shape[1] != dim:
            raise ValueError(f"`{name}` must have points of dimension {dim}; got shape {arr.shape}.")
    if np.issubdtype(arr.dtype, np.integer):
        if arr.size and (int(arr.max()) > EXACT_INT or int(arr.min()) < -EXACT_INT):
            raise ValueError(
                f"`{name}` holds integers beyond 2**53 = {EXACT_INT} (min {int(arr.min())}, max {int(arr.max())}), "
                "which float64 cannot represent exactly; scale them, or convert them to float yourself."
            )
    elif warn_low_precision and arr.dtype.itemsize < 8:
        warnings.warn(
            f"`{name}` has dtype {arr.dtype}; it is converted to float64, but {arr.dtype} storage "
            "has already rounded distinct values onto each other, and the resulting exact ties "
            "give +inf/-inf/nan kNN estimates (about 27,000 duplicates among 2e6 N(0,1) values "
            "in float32). Keep samples in float64 end to end.",
            UserWarning,
            stacklevel=stacklevel,
        )
    if not keep_dtype or arr.dtype.itemsize > 8:  # long double beyond float64's range becomes inf here
        arr = arr.astype(np.float64, copy=False)
    _finite_or_raise(arr, name)
    return arr


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return `value` as ``int`` if it is an integer (not bool) within ``[minimum, maximum]``.

    An integer-valued float is accepted up to 2**53 (beyond it the float is not the integer the
    caller wrote).
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be an integer; got bool {value!r}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            if abs(float(value)) > EXACT_INT:
                raise ValueError(
                    f"`{name}` must be an integer; got the float {float(value)!r}, beyond 2**53, where "
                    f"floats skip integers. Pass it as an int (e.g. {int(float(value))})."
                )
            value = float(value)
        else:
            raise TypeError(f"`{name}` must be an integer; got {_kind(value)}.")
    number = int(value)
    if minimum is not None and number < minimum:
        rule = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"`{name}` must be an integer {rule}; got {number}.")
    if maximum is not None and number > maximum:
        rule = f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"`{name}` must be an integer {rule}; got {number}.")
    return number


def _real(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {_kind(value)}.")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"`{name}` must be finite; got an integer too large for a float ({_describe(value)}).") from None


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return `value` as a finite ``float`` that is > 0 (or >= 0 with `allow_zero`)."""
    number = _real(value, name)
    ok = math.isfinite(number) and (number >= 0 if allow_zero else number > 0)
    if not ok:
        rule = "finite and >= 0" if allow_zero else "finite and > 0"
        raise ValueError(f"`{name}` must be {rule}; got {number!r}.")
    return number


def check_finite(value: Any, name: str) -> float:
    """Return `value` as a finite ``float``."""
    number = _real(value, name)
    if not math.isfinite(number):
        raise ValueError(f"`{name}` must be finite; got {number!r}.")
    return number


def check_bool(value: Any, name: str) -> bool:
    """Return `value` if it is ``True`` or ``False`` (numpy's too); a flag takes nothing else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False; got {_kind(value)}.")


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return `value` if it is one of `choices`, else raise ``ValueError`` listing them."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"`{name}` must be one of {listed}; got {_describe(value)}.")
    return value


ENTROPY_METHODS = ("nn", "vasicek", "van es", "ebrahimi", "correa", "auto")
"""The 1-D differential-entropy estimators (:func:`ampcore.information.sample_entropy`)."""


def check_entropy_method(value: Any, name: str = "method") -> str:
    """Check an entropy estimator's name (`name` is the parameter as the caller spells it)."""
    return check_choice(value, name, ENTROPY_METHODS)


def check_law(law: Any, name: str = "law") -> Any:  # Any: it checks what it is given
    """Check that `law` behaves like a frozen ``scipy.stats`` distribution with finite entropy."""
    needed = ("rvs", "pdf", "cdf", "entropy")
    missing = [attr for attr in needed if not callable(getattr(law, attr, None))]
    if missing:
        raise TypeError(
            f"`{name}` must be a frozen scipy.stats distribution (with {', '.join(needed)}); "
            f"got {type(law).__name__} lacking {', '.join(missing)}."
        )
    return law


def check_law_entropy(law: Any, name: str = "law") -> float:  # Any: it checks what it is given
    """``law.entropy()`` as a finite float, or an error naming `name` (never the law's own crash)."""
    check_law(law, name)
    try:
        h = float(np.asarray(law.entropy(), dtype=np.float64).reshape(()))
    except Exception as exc:  # scipy laws without a closed form raise all sorts of errors
        raise ValueError(
            f"`{name}` has no usable differential entropy: {type(law).__name__}.entropy() failed "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); give `h` in nats "
            "instead, or let the entropy be estimated from the sample."
        ) from exc
    if not math.isfinite(h):
        raise ValueError(f"`{name}` must have a finite differential entropy; got {h!r}.")
    return h


def check_bin_precision(low: float, high: float, origin: float, width: float, *, data: str = "x") -> None:
    """Refuse bins that float64 cannot resolve: ``max(|origin|, |data|) / width > 2**32``.

    See :data:`BIN_PRECISION`; the message names `data`, `origin` and `width`.
    """
    scale = max(abs(origin), abs(low), abs(high), abs(high - origin), abs(low - origin))
    if scale / width > BIN_PRECISION:
        raise ValueError(
            f"bins of `width` = {width!r} from `origin` = {origin!r} cannot be resolved for `{data}` in "
            f"[{low!r}, {high!r}]: values of magnitude {scale:.3g} are {scale / width:.3g} bin widths from 0 "
            f"or from the origin, beyond 2**32, so float64 keeps fewer than 20 bits of a value's place "
            "in its bin and the histogram and the redrawn values lose their precision. Use an origin "
            f"near the data (the default is min({data})), centre the data, or a larger width."
        )


# --------------------------------------------------------------------------------------------------
# memory, estimated before allocating


_SUFFIX = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def _limit_from_env() -> float | None:
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if not text:
        return None
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][0-9]+)?)\s*([kKmMgGtT]?)i?[bB]?", text)
    if match is None:
        raise ValueError(f"${MEMORY_LIMIT_ENV} must be a number of bytes such as 4G or 500M; got {text!r}.")
    return float(match.group(1)) * _SUFFIX[match.group(2).lower()]


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> float:
    """Bytes a call may allocate: the machine's available memory, within the container's limit.

    ``MemAvailable`` of ``/proc/meminfo`` (else free physical pages), capped by the cgroup limit
    less its usage, and by ``$AMPCORE_MEMORY_LIMIT`` if set. ``inf`` if nothing can be read.
    """
    found: list[float] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found.append(float(line.split()[1]) * 1024)
                    break
    except OSError:
        pass
    if not found:
        try:
            found.append(float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")))
        except (AttributeError, ValueError, OSError):
            pass
    for limit_path, usage_path in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit, usage = _read_int(limit_path), _read_int(usage_path)
        if limit is not None and limit < 2**60:
            found.append(float(limit - (usage or 0)))
            break
    env = _limit_from_env()
    if env is not None:
        found.append(env)
    return max(min(found), 0.0) if found else math.inf


def format_bytes(nbytes: float) -> str:
    """``1.5 GB``-style text (powers of 1000)."""
    if not math.isfinite(nbytes):
        return "more than any machine has"
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{nbytes:.0f} bytes"


def check_memory(nbytes: float, *, name: str, value: Any, what: str, hint: str = "") -> None:
    """Refuse, with ``MemoryError``, a call estimated to need more than :func:`available_memory`.

    Parameters
    ----------
    nbytes : float
        The estimate (``inf`` for one that overflows).
    name, value : str, object
        The parameter that makes the call this large, and its value (named in the message).
    what : str
        What the memory is for, e.g. ``"5e+14 generated events (8 bytes each)"``.
    hint : str
        How to go large instead (a streaming function, a smaller value).
    """
    budget = available_memory()
    if nbytes > budget:
        source = f" (${MEMORY_LIMIT_ENV})" if os.environ.get(MEMORY_LIMIT_ENV) else ""
        raise MemoryError(
            f"`{name}` = {_describe(value)} needs about {format_bytes(nbytes)} of memory for {what}, "
            f"more than the {format_bytes(budget)} available{source}; nothing was allocated."
            + (f" {hint}" if hint else "")
        )
