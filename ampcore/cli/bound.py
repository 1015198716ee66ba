"""``ampcore bound N``: N^(3/2), sqrt(N) and the information content for N training events.

The numbers are :func:`ampcore.bound.min_generated_events`, :func:`ampcore.bound.min_gain` and
:func:`ampcore.bound.information_content` (their provenance is documented there).
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from .base import UsageError, check, fmt, formatter, table

__all__ = ["add_parser", "cmd_bound"]


def add_parser(sub: Any) -> None:
    """Add the ``bound`` sub-command to the sub-parsers `sub`."""
    p = sub.add_parser(
        "bound",
        help="N^(3/2), sqrt(N) and the information content for N training events",
        formatter_class=formatter,
        description="The bound 2 ln N_G >= 3 ln N for N training events, in a short table.",
        epilog="examples:\n  ampcore bound 2000\n  ampcore bound 1e6 --m-train 2 --m-gen 4",
    )
    p.add_argument("N", type=float, help="training events (>= 1)")
    p.add_argument("--m-train", type=float, default=2.0, metavar="M", help="M of the training histogram (default 2)")
    p.add_argument("--m-gen", type=float, default=3.0, metavar="M", help="M allowed for the generated one (default 3)")
    p.set_defaults(func=cmd_bound)


def cmd_bound(args: argparse.Namespace) -> int:
    """Print the bound's table for ``args.N``; exit code 0."""
    from .. import bound
    from .._validation import check_positive

    n = check(check_positive, args.N, "N")
    if n < 1:
        raise UsageError(f"`N` must be >= 1; got {args.N!r}")
    m_train = check(check_positive, args.m_train, "m-train")
    m_gen = check(check_positive, args.m_gen, "m-gen")
    power = m_gen / m_train
    exponent = "3/2" if (m_train, m_gen) == (2.0, 3.0) else f"{power:g}"
    gain_label = "sqrt(N)" if (m_train, m_gen) == (2.0, 3.0) else f"N^{power - 1:g}"
    n_g = check(bound.min_generated_events, n, m_train, m_gen)
    nats = bound.information_content(n, m_train)
    rows = [
        ("training events N", fmt(n, 0) if float(n).is_integer() else fmt(n, 3)),
        (f"fewest generated events N_G = N^({exponent})", fmt(float(n_g), 1)),
        (f"smallest gain G = {gain_label}", fmt(float(bound.min_gain(n, m_train, m_gen)), 2)),
        (f"information content ln N / {m_train:g}", f"{nats:.3f} nats = {nats / math.log(2):.3f} bits"),
    ]
    print(table(rows))
    print(f"bound: {m_train:g} ln N_G >= {m_gen:g} ln N (Watts & Crow 2025 at M = 2, 3)")
    return 0
