"""``ampcore amplify IN --gain G --m M -o OUT``: GenCopy on a file, and whether the bound holds.

The sample is :func:`ampcore.generators.histogram.gencopy` (bin at the Goldilocks width for M, then G
randomised copies inside the bins); the check is :func:`ampcore.bound.satisfies_bound`.
"""

from __future__ import annotations

import argparse
from typing import Any

from .base import Failure, check, fmt, formatter, table
from .files import check_output_path, read_sample, write_sample

__all__ = ["add_parser", "cmd_amplify"]


def add_parser(sub: Any) -> None:
    """Add the ``amplify`` sub-command to the sub-parsers `sub`."""
    p = sub.add_parser(
        "amplify",
        help="amplify a sample with GenCopy and check the bound",
        formatter_class=formatter,
        description=(
            "Amplify a 1-D sample G times with GenCopy (bin at the Goldilocks width for M, then G\n"
            "randomised copies inside the bins); write the G*N events and print the bin width,\n"
            "the measured M_eff, N_G and whether 2 ln N_G >= 3 ln N holds.\n"
            "Files: .npy, or .csv/.txt with one value a line."
        ),
        epilog="examples:\n  ampcore amplify train.npy --gain 50 --m 2.5 --seed 1 -o amplified.npy\n"
        "  ampcore amplify train.txt --gain 10 --m 2 -o amplified.csv",
    )
    p.add_argument("input", metavar="IN", help="training sample (.npy, .csv or .txt)")
    p.add_argument("--gain", "-G", type=int, required=True, metavar="G", help="gain G >= 1 (copies)")
    p.add_argument("--m", type=float, required=True, metavar="M", help="Goldilocks statistic M > 0 (sets the bin width)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default: fresh entropy)")
    p.add_argument("--dither", action="store_true",
                   help="rounded or low-precision data: break exact ties before estimating the entropy for the width")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the sample (.npy, .csv or .txt)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists (never an input, never through a link)")
    p.set_defaults(func=cmd_amplify)


def cmd_amplify(args: argparse.Namespace) -> int:
    """Amplify ``args.input``, write the sample to ``args.output`` and print its table; exit code 0."""
    from .. import bound
    from ..generators import histogram
    from .._validation import check_int, check_positive

    gain = check(check_int, args.gain, "gain", minimum=1)
    m = check(check_positive, args.m, "m")
    if args.seed is not None:
        check(check_int, args.seed, "seed", minimum=0)
    out = check_output_path(args.output, inputs=[args.input], force=args.force)
    x = read_sample(args.input, name="input", one_d=True)
    if x.size < 2:
        raise Failure(f"input file {args.input!r} must hold at least 2 values; got {x.size}")
    try:
        result = histogram.gencopy(x, gain, m=m, dither=args.dither, rng=args.seed)
    except (TypeError, ValueError, MemoryError) as exc:
        # the API's hint names its keyword; on the command line it is the option
        raise Failure(str(exc).rstrip(".").replace("`dither=True`", "--dither")) from exc
    write_sample(out, result.sample, inputs=[args.input], force=args.force)
    n_g = result.n_generated
    holds = bool(bound.satisfies_bound(result.n_train, n_g))
    rows = [
        ("training events N", f"{result.n_train:,}"),
        ("gain G", f"{gain:,}"),
        ("generated events N_G = G N", f"{n_g:,}"),
        ("Goldilocks statistic M", f"{m:g}"),
        ("bin width Δ", f"{result.width:.6g}"),
        ("measured M_eff of the training sample at Δ", f"{result.m_eff:.3f}"),
        ("fewest generated events N^(3/2)", fmt(float(bound.min_generated_events(result.n_train)), 1)),
        ("bound 2 ln N_G >= 3 ln N", "holds" if holds else "does NOT hold (N_G < N^(3/2))"),
    ]
    print(table(rows))
    print(f"wrote {out}")
    return 0
