"""``ampcore kld X Y -k K``: the kNN estimates D_1..D_K of D(X||Y), as R FNN::KL.divergence.

The estimates are :func:`ampcore.divergence.kl_divergence`; exact ties give +inf/-inf/nan, as in
FNN, and are reported on stderr.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from .base import PROG, Failure, UsageError, check, formatter
from .files import read_sample

__all__ = ["add_parser", "cmd_kld"]


def add_parser(sub: Any) -> None:
    """Add the ``kld`` sub-command to the sub-parsers `sub`."""
    p = sub.add_parser(
        "kld",
        help="kNN Kullback-Leibler divergence D(X||Y) for k = 1..K (as R FNN)",
        formatter_class=formatter,
        description=(
            "The kNN estimates D_1..D_K of D(X||Y), exactly as R FNN::KL.divergence(X, Y, k).\n"
            "Exact ties give +inf/-inf/nan, as in FNN; they are reported on stderr.\n"
            "Files: .npy (n,) or (n, d), or .csv/.txt with one point a line."
        ),
        epilog="examples:\n  ampcore kld amplified.npy reference.npy\n  ampcore kld x.csv y.csv -k 5 --bits",
    )
    p.add_argument("x", metavar="X", help="sample of P")
    p.add_argument("y", metavar="Y", help="sample of Q")
    p.add_argument("-k", type=int, default=10, metavar="K", help="largest neighbour order (default 10, as FNN)")
    p.add_argument("--bits", action="store_true", help="report bits instead of nats")
    p.set_defaults(func=cmd_kld)


def cmd_kld(args: argparse.Namespace) -> int:
    """Print D_1..D_K of D(X||Y) for the files ``args.x`` and ``args.y``; exit code 0."""
    import numpy as np

    from .. import divergence
    from .._validation import check_int

    k = check(check_int, args.k, "k", minimum=1)
    x = read_sample(args.x, name="X", one_d=False)
    y = read_sample(args.y, name="Y", one_d=False)
    if x.ndim != y.ndim or (x.ndim == 2 and x.shape[1] != y.shape[1]):
        raise Failure(f"X and Y must have the same dimension; got shapes {x.shape} and {y.shape}")
    if k >= x.shape[0] or k > y.shape[0]:
        raise UsageError(
            f"`k` must be < the size of X ({x.shape[0]}) and <= the size of Y ({y.shape[0]}); got {k}"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", divergence.TieWarning)
        try:
            values = divergence.kl_divergence(x, y, k)
        except (TypeError, ValueError, MemoryError) as exc:
            raise Failure(str(exc).rstrip(".")) from exc
    unit = "nats"
    if args.bits:
        values = values / np.log(2)
        unit = "bits"
    print(f"k  D_k(X||Y) [{unit}]   (FNN::KL.divergence, n = {x.shape[0]:,}, m = {y.shape[0]:,})")
    for j, value in enumerate(values, start=1):
        print(f"{j:<2} {value: .6f}")
    ties = [w for w in caught if issubclass(w.category, divergence.TieWarning)]
    for w in ties:
        print(f"{PROG}: ties: {str(w.message).splitlines()[0]}", file=sys.stderr)
    for w in caught:
        if w not in ties:
            print(f"{PROG}: warning: {str(w.message).splitlines()[0]}", file=sys.stderr)
    if not ties:
        print("ties: none (no zero distances)")
    return 0
