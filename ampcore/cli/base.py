"""What every sub-command of ``ampcore`` shares: the exit-code errors, the signals, the parser class.

:class:`UsageError` is exit code 2 (the command line is wrong), :class:`Failure` exit code 1 (the
command could not complete) and :class:`Terminated` (SIGTERM or SIGHUP) exit 128 + the signal,
after the same clean-up as Ctrl-C; :func:`ampcore.cli.main` turns each into one line on stderr.
:func:`check` runs an ampcore validator with those exit codes; :func:`fmt` and :func:`table` print
the short tables of ``ampcore bound`` and ``ampcore amplify``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

__all__ = ["PROG", "UsageError", "Failure", "Terminated", "signals_unwind", "threading_main", "Parser",
           "formatter", "check", "fmt", "table", "one_line", "version"]

PROG = "ampcore"


class UsageError(Exception):
    """The command line is wrong (exit code 2)."""


class Failure(Exception):
    """The command could not complete (exit code 1)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwound exactly like Ctrl-C (a KeyboardInterrupt), exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_unwind() -> Iterator[None]:
    """While the command runs, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    Python's default for them is to die at once, skipping every ``finally``: partial outputs
    stayed and a chapter's kernel was orphaned. Raised like Ctrl-C's KeyboardInterrupt, they run
    the same clean-up. A second signal during the clean-up is ignored (the first one is being
    honoured); SIGKILL still ends everything.
    """
    if not threading_main():  # signal handlers can only be set in the main thread
        yield
        return
    caught: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        if caught:
            return
        caught.append(signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        wanted.append(signal.SIGINT)  # Ctrl-C as usual, but a second one during clean-up is ignored
    saved = {sig: signal.getsignal(sig) for sig in wanted}
    for sig in wanted:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def threading_main() -> bool:
    """Whether this is the main thread (the only one where signal handlers can be set)."""
    import threading

    return threading.current_thread() is threading.main_thread()


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the problem (and exit code 2)."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` with argparse's `message` and where to find the help."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def formatter(prog: str) -> argparse.HelpFormatter:
    """The help layout of every (sub-)command: examples kept as written, options aligned."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def check(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an ampcore validator; its ValueError/TypeError is a usage error, MemoryError a failure.

    >>> from ampcore._validation import check_positive
    >>> check(check_positive, -1.0, "m")
    Traceback (most recent call last):
    ...
    ampcore.cli.base.UsageError: `m` must be finite and > 0; got -1.0
    """
    try:
        return func(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc).rstrip(".")) from exc
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc


def fmt(value: float, digits: int = 1) -> str:
    """A number for the tables: thousands separated, `digits` decimals; huge ones in g format.

    >>> fmt(89442.71909999159), fmt(2.0, 0), fmt(3e17), fmt(float("inf"))
    ('89,442.7', '2', '3e+17', 'inf')
    """
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:
        return f"{value:.4g}"
    return f"{value:,.{digits}f}"


def table(rows: Sequence[tuple[str, str]]) -> str:
    """Two columns, the labels padded to the longest.

    >>> print(table([("N", "2,000"), ("gain G", "44.72")]))
    N       2,000
    gain G  44.72
    """
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def one_line(exc: BaseException) -> str:
    """The one line that says what went wrong: a cell's error and its cell, or the last line of `exc`.

    >>> one_line(ValueError("a\\n\\nb is wrong\\n====="))
    'b is wrong'
    """
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        where = f" in cell [{cell}]" if cell is not None else ""
        return f"{ename}: {evalue}{where}"
    first = getattr(exc, "first_line", None)
    if first:
        return str(first)
    text = [line for line in str(exc).strip().splitlines() if line.strip(" =-")]
    return text[-1] if text else type(exc).__name__


def version() -> str:
    """ampcore's version (read when asked: ``ampcore --version`` and the audit's provenance)."""
    from .. import __version__

    return __version__
