"""The files of the ``ampcore`` command: samples read with the API's checks, outputs never destroyed.

Every input passes the same checks as the API (:mod:`ampcore._validation`): complex, boolean,
masked or non-finite data is refused, not converted. Every output goes through
:mod:`ampcore._output`: an output that is an input (any spelling, links too) or a symbolic link is
refused, an existing one is replaced only with ``--force``, and it is written to a hidden
temporary file renamed into place at the end. The writer's refusals are the command's exit codes
(:class:`~ampcore.cli.base.UsageError`, :class:`~ampcore.cli.base.Failure`).
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .base import Failure, UsageError

__all__ = ["OUTPUT_SUFFIXES", "read_sample", "same_file", "check_output_path", "atomic", "write_sample"]

def read_sample(path_text: str, *, name: str, one_d: bool) -> Any:
    """Load a sample from .npy, or .csv/.txt (one value a line; columns allowed unless `one_d`)."""
    import numpy as np

    path = Path(path_text)
    if not path.exists():
        raise Failure(f"{name} file {path_text!r} does not exist")
    if not path.is_file():
        raise Failure(f"{name} file {path_text!r} is not a file")
    if path.stat().st_size == 0:
        raise Failure(f"{name} file {path_text!r} is empty")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            _check_npy_memory(path, name)
            data = np.load(path, allow_pickle=False)
        elif suffix in (".csv", ".txt", ".dat", ""):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy warns (not raises) on a file with no data
                data = np.loadtxt(path, dtype=np.float64, delimiter="," if suffix == ".csv" else None, ndmin=1)
        else:
            raise Failure(f"{name} file {path_text!r}: unknown format {suffix!r}; use .npy, .csv or .txt")
    except Failure:
        raise
    except UserWarning as exc:
        raise Failure(f"{name} file {path_text!r} holds no numbers ({exc})") from exc
    except PermissionError as exc:
        raise Failure(f"{name} file {path_text!r} cannot be read (permission denied)") from exc
    except (ValueError, OSError, EOFError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Failure(f"{name} file {path_text!r} is not a numeric array ({detail})") from exc
    from .._validation import as_points, as_sample_1d

    # the API's own checks: complex, boolean, text or huge-integer data is refused, not converted
    try:
        if data.size == 0:
            raise ValueError(f"is empty (shape {data.shape})")
        if one_d:
            return as_sample_1d(data, name)
        points = as_points(data, name)
    except (TypeError, ValueError) as exc:
        raise Failure(f"{name} file {path_text!r}: {str(exc).rstrip('.')}") from exc
    return points[:, 0] if data.ndim == 1 else points


def _check_npy_memory(path: Path, name: str) -> None:
    """Refuse a .npy file whose array (and its float64 copy) would not fit, before reading it."""
    from numpy.lib import format as npy

    from .._validation import check_memory

    try:
        with open(path, "rb") as handle:
            version = npy.read_magic(handle)
            read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, _, dtype = read(handle)
    except (ValueError, OSError, EOFError):
        return  # np.load reports what is wrong with the file
    count = math.prod(shape)
    try:
        check_memory(count * (dtype.itemsize + 8), name=name, value=str(path), what=f"reading {count:,} values")
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc


OUTPUT_SUFFIXES = (".npy", ".csv", ".txt")


def same_file(a: Path, b: Path) -> bool:
    """Whether `a` and `b` are one file: any spelling, symbolic and hard links included."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def _output_errors() -> Iterator[None]:
    """The writer's refusals as the command's: a refused or existing output is a usage error
    (exit 2), a missing folder or one that cannot be written a failure (exit 1)."""
    from .._output import OutputExists, OutputFolderMissing, UnsafeOutput

    try:
        yield
    except (UnsafeOutput, OutputExists) as exc:
        raise UsageError(str(exc)) from exc
    except OutputFolderMissing as exc:
        raise Failure(str(exc)) from exc


def check_output_path(
    path_text: str, *, inputs: Sequence[str] = (), force: bool = False, suffixes: Sequence[str] = OUTPUT_SUFFIXES
) -> Path:
    """Check an output before any work (the writer checks it again when it writes)."""
    from .._output import check_output

    with _output_errors():
        return check_output(path_text, inputs=inputs, force=force, suffixes=suffixes)


@contextlib.contextmanager
def atomic(target: Path, *, inputs: Sequence[str] = (), force: bool = False) -> Iterator[Path]:
    """:func:`ampcore._output.atomic_output` with the command's exit codes."""
    from .._output import atomic_output

    with _output_errors(), atomic_output(target, inputs=inputs, force=force) as tmp:
        yield tmp


def write_sample(path: Path, sample: Any, *, inputs: Sequence[str] = (), force: bool = False) -> None:
    """Write `sample` to `path` (.npy, else text with 17 significant digits), atomically."""
    import numpy as np

    with atomic(path, inputs=inputs, force=force) as tmp:
        with open(tmp, "wb") as handle:  # a file object: np.save would append .npy to a name
            if path.suffix.lower() == ".npy":
                np.save(handle, sample, allow_pickle=False)
            else:
                np.savetxt(handle, sample, fmt="%.17g")

