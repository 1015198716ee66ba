"""The one output writer of the project: every file ampcore writes goes through here.

The rules, the same for the API and the command line (:mod:`ampcore.cli`):

* an output that is, or resolves to, one of the command's inputs is refused, compared by device
  and inode (so any spelling of the path, symbolic and hard links included);
* a symbolic link at the output path is refused, whatever it points to and even with `force`:
  nothing is ever written through a link (a link planted at a report path in a shared folder
  would otherwise overwrite whatever it points to). The message says so;
* an existing file is replaced only with ``force=True`` (the command line's ``--force``), and
  keeps its permission bits;
* the file is written to a hidden temporary file in the same folder and renamed into place, so an
  interrupted writer leaves the old file, or nothing; without `force` the rename cannot replace a
  file created in the meantime (it is a hard link that fails if the name exists);
* in an output folder, only the files named are written: nothing else there is touched
  (:func:`copy_files` copies a folder's files one by one under the same rules).

Errors are one line naming the path and the option to use: :class:`UnsafeOutput` (a
``ValueError``: the output is an input, a link or a folder, or has the wrong suffix),
:class:`OutputExists` (a ``FileExistsError``: pass `force`) and :class:`OutputFolderMissing`
(a ``FileNotFoundError``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "UnsafeOutput",
    "OutputExists",
    "OutputFolderMissing",
    "check_output",
    "atomic_output",
    "write_bytes",
    "write_text",
    "write_with",
    "copy_files",
]

PathLike = str | os.PathLike[str]


class UnsafeOutput(ValueError):
    """The output would destroy data: it is an input, a symbolic link or a folder."""


class OutputExists(FileExistsError):
    """The output exists and `force` was not given."""


class OutputFolderMissing(FileNotFoundError):
    """The folder the output should go in does not exist."""


def _identity(path: PathLike) -> tuple[int, int] | None:
    try:
        info = os.stat(path)  # through links: an input given as a link is the file it names
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def check_output(
    path: PathLike,
    *,
    inputs: Iterable[PathLike] = (),
    force: bool = False,
    option: str = "-o",
    force_option: str = "--force",
    suffixes: Iterable[str] | None = None,
) -> Path:
    """Check that `path` may be written under the rules of this module; return it as a Path.

    Parameters
    ----------
    path : str or path-like
        The output file.
    inputs : iterable of str or path-like
        The files the same command reads; the output may be none of them (by device and inode).
    force : bool
        Whether an existing regular file may be replaced.
    option, force_option : str
        How the user names the output and the permission to replace it (``"-o"``/``"--force"`` on
        the command line, ``"`path`"``/``"`force=True`"`` in the API); used in the messages.
    suffixes : iterable of str, optional
        Allowed suffixes (lower case, with the dot), if the format is chosen by the suffix.

    Raises
    ------
    UnsafeOutput
        The output is an input, a symbolic link, a folder, or has a suffix not allowed.
    OutputExists
        It exists and `force` is false.
    OutputFolderMissing
        Its folder does not exist.
    """
    target = Path(path)
    shown = os.fspath(path)
    if suffixes is not None:
        allowed = tuple(suffixes)
        if target.suffix.lower() not in allowed:
            raise UnsafeOutput(
                f"output {shown!r} must end in {', '.join(allowed)} (got {target.suffix or 'no suffix'!r}); "
                f"choose another {option}"
            )
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputFolderMissing(f"output {shown!r} cannot be examined ({exc.strerror or exc})") from exc
    if info is not None:
        here = _identity(target)  # through a link: a link to an input is named as the input
        for source in inputs:
            if here is not None and _identity(source) == here:
                how = " (through a symbolic link)" if stat.S_ISLNK(info.st_mode) else ""
                raise UnsafeOutput(
                    f"refusing to write {shown!r}: it is the input {os.fspath(source)!r}{how}; choose another {option}"
                )
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UnsafeOutput(
            f"refusing to write {shown!r}: it is a symbolic link (to {os.readlink(target)!r}) and ampcore "
            f"never writes through a link, even with {force_option}; remove the link or choose another {option}"
        )
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise UnsafeOutput(f"output {shown!r} is a folder; give a file name with {option}")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeOutput(f"output {shown!r} is not a regular file; choose another {option}")
        if not force:
            raise OutputExists(f"output {shown!r} exists; pass {force_option} to replace it")
    parent = target.parent
    if not parent.is_dir():
        raise OutputFolderMissing(f"output folder {str(parent)!r} does not exist")
    return target


def _commit(tmp: Path, target: Path, *, replace: bool, force_option: str) -> None:
    """Move `tmp` to `target`: a rename if replacing, else a hard link that fails if it exists."""
    if replace:
        os.replace(tmp, target)  # a rename never follows a link at the destination
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputExists(
            f"output {os.fspath(target)!r} appeared while it was being written; pass {force_option} to replace it"
        ) from None
    except OSError:  # a file system without hard links: the checks just passed, rename
        os.replace(tmp, target)
        return
    tmp.unlink()


@contextlib.contextmanager
def atomic_output(
    path: PathLike,
    *,
    inputs: Iterable[PathLike] = (),
    force: bool = False,
    option: str = "-o",
    force_option: str = "--force",
    suffixes: Iterable[str] | None = None,
) -> Iterator[Path]:
    """Yield a hidden temporary path beside `path` to write; put it in place when the block ends.

    The checks of :func:`check_output` run before the block and again just before the file is
    put in place (the folder may have changed meanwhile). On an error or an interrupt inside the
    block the temporary file is removed and `path` is untouched. An existing file that is
    replaced keeps its permission bits; a new file gets the umask's.
    """
    inputs = tuple(inputs)
    options: dict[str, Any] = {"inputs": inputs, "force": force, "option": option, "force_option": force_option, "suffixes": suffixes}
    target = check_output(path, **options)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".partial{target.suffix}", dir=target.parent)
    except OSError as exc:
        raise OutputFolderMissing(f"cannot write in {str(target.parent)!r}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            mode = stat.S_IMODE(os.lstat(target).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes 0600; the result should be an ordinary file
        tmp.chmod(mode)
        yield tmp
        check_output(target, **options)
        _commit(tmp, target, replace=force and os.path.lexists(target), force_option=force_option)
    finally:
        tmp.unlink(missing_ok=True)


def write_with(path: PathLike, write: Callable[[IO[bytes]], Any], **options: Any) -> Path:
    """Write `path` atomically by calling ``write(handle)`` on a binary file handle.

    `options` are those of :func:`check_output`. Returns the path written.
    """
    with atomic_output(path, **options) as tmp, open(tmp, "wb") as handle:
        write(handle)
    return Path(path)


def write_bytes(path: PathLike, data: bytes, **options: Any) -> Path:
    """Write `data` to `path` atomically under the rules of this module (`options` as :func:`check_output`)."""
    return write_with(path, lambda handle: handle.write(data), **options)


def write_text(path: PathLike, text: str, *, encoding: str = "utf-8", **options: Any) -> Path:
    """Write `text` to `path` atomically under the rules of this module (`options` as :func:`check_output`)."""
    return write_bytes(path, text.encode(encoding), **options)


def copy_files(
    source: PathLike,
    folder: PathLike,
    *,
    inputs: Iterable[PathLike] = (),
    force: bool = False,
    option: str = "-o",
    force_option: str = "--force",
) -> list[Path]:
    """Copy the regular files under `source` into `folder` (same relative paths), one by one.

    The folder variant of the writer: sub-folders are created as needed; every file goes through
    :func:`atomic_output` (so an existing file there is replaced only with `force`, never through
    a link, and never if it is an input); files of `folder` that `source` does not have are not
    touched, and links inside `source` are not followed. Every target is checked before the first
    is written, so a refusal leaves `folder` as it was. Returns the files written.
    """
    source, folder = Path(source), Path(folder)
    inputs = tuple(inputs)
    plan: list[tuple[Path, Path]] = []
    for root, _dirs, names in os.walk(source):
        for name in sorted(names):
            origin = Path(root) / name
            if origin.is_symlink() or not origin.is_file():
                continue
            plan.append((origin, folder / origin.relative_to(source)))
    options: dict[str, Any] = {"inputs": inputs, "force": force, "option": option, "force_option": force_option}
    for _, target in plan:
        if target.parent.is_dir() or not target.parent.exists():
            if target.parent.exists():
                check_output(target, **options)
            elif os.path.lexists(target.parent):
                raise UnsafeOutput(f"refusing to write {str(target)!r}: its folder is a broken link; choose another {option}")
        else:
            raise UnsafeOutput(f"refusing to write {str(target)!r}: {str(target.parent)!r} is not a folder")
    written = []
    for origin, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target, **options) as tmp:
            shutil.copyfile(origin, tmp)
        written.append(target)
    return written
