"""The ``ampcore`` command's parser and :func:`main`: every sub-command's parser, one line per error.

Each sub-command's module (:mod:`~ampcore.cli.bound`, :mod:`~ampcore.cli.amplify`,
:mod:`~ampcore.cli.kld`, :mod:`~ampcore.cli.audit`, :mod:`~ampcore.cli.chapter`) adds its own
parser and runs it; they import the library only inside their functions, so that building the
parser stays as light as ``argparse`` (``ampcore bound`` loads numpy and nothing heavier).
:func:`main` turns the errors into the exit codes of :mod:`ampcore.cli`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from . import amplify, audit, bound, chapter, kld
from .base import PROG, Failure, Parser, Terminated, UsageError, formatter, one_line, signals_unwind, version

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``ampcore`` argument parser (sub-commands bound, amplify, kld, audit, chapter list/run)."""
    parser = Parser(
        prog=PROG,
        formatter_class=formatter,
        description="ampcore: the amplification bound, GenCopy, the kNN divergence, and the book's chapters.",
        epilog=(
            "examples:\n"
            "  ampcore bound 2000\n"
            "  ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy\n"
            "  ampcore kld amplified.npy reference.npy -k 5 --bits\n"
            "  ampcore audit train.npy amplified.npy --law norm -o report.html\n"
            "  ampcore chapter list\n"
            "  ampcore chapter run normal -p N 5000 -p seed 20\n\n"
            "exit codes: 0 ok, 2 usage error, 1 failure; add --traceback to see Python tracebacks."
        ),
    )
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for command in (bound, amplify, kld, audit, chapter):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ampcore`` command with `argv` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    show_tb = "--traceback" in argv
    try:
        with signals_unwind():
            args = build_parser().parse_args(argv)
            args.argv = argv  # the command line as given (the audit's provenance records it)
            return int(args.func(args))
    except Terminated as exc:
        name = signal.Signals(exc.signum).name
        print(f"{PROG}: terminated by {name}; partial outputs removed", file=sys.stderr)
        return 128 + exc.signum
    except UsageError as exc:
        if show_tb:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except Failure as exc:
        if show_tb:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; partial outputs removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ampcore chapter list | head`: the reader left; say nothing
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the exit flush does not fail again
        return 141  # 128 + SIGPIPE, as a tool killed by the signal
    except Exception as exc:  # a bug or an unforeseen failure: still one line unless --traceback
        if show_tb:
            raise
        print(f"{PROG}: error: {type(exc).__name__}: {one_line(exc)} (rerun with --traceback)", file=sys.stderr)
        return 1
