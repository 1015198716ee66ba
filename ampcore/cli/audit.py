"""``ampcore audit TRAIN GEN``: the verdict on a generated sample, and a standalone HTML report.

The checks and their reasons are :func:`ampcore.auditing.audit`'s; this module reads the files,
checks the options with the command's exit codes, records the provenance (the command line, the
seed, the version, the date and every input's SHA-256) and prints or writes the result.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from .base import PROG, Failure, UsageError, check, formatter, version
from .files import atomic, check_output_path, read_sample

__all__ = ["AUDIT_LAWS", "add_parser", "cmd_audit"]

# laws `ampcore audit --law NAME` knows by name (any continuous law of scipy.stats is accepted too)
AUDIT_LAWS = {
    "norm": "the Normal law (loc, scale)",
    "lognorm": "the LogNormal law (s, loc, scale)",
    "expon": "the exponential law (loc, scale)",
    "uniform": "the uniform law (loc, scale)",
    "camel": "the camel back of chapter 8 (separation, sd, weight, center)",
}


def add_parser(sub: Any) -> None:
    """Add the ``audit`` sub-command to the sub-parsers `sub`."""
    p = sub.add_parser(
        "audit",
        help="audit a generated sample against its training sample: a verdict with intervals",
        formatter_class=formatter,
        description=(
            "Audit a generated sample against the sample its generator was trained on. The verdict comes\n"
            "first: how many true events the sample is worth on B = N^(1/M) equiprobable bins (and on your\n"
            "--n-q), against the training sample and an efficient fit; whether it is distinguishable from\n"
            "real data (Kolmogorov-Smirnov); the rule for errors; copies and ties; each check PASS, WARN or\n"
            "FAIL with its reason, and a provenance block. Without a truth, the ensemble estimate\n"
            "(Bayesiamplify's) stands in. With -o, a standalone HTML report with the figures.\n"
            "Files: .npy (n,) or (n, d), or .csv/.txt with one event a line.\n"
            "Laws (--law NAME, NAME:KEY=VALUE,..., or fit:NAME): "
            + "; ".join(f"{k} = {v}" for k, v in AUDIT_LAWS.items()) + "."
        ),
        epilog=(
            "examples:\n"
            "  ampcore audit train.npy amplified.npy --law norm\n"
            "  ampcore audit train.npy gen.npy --law norm:loc=5,scale=2 --n-q 20\n"
            "  ampcore audit train.npy gen.npy --law fit:lognorm -o report.html\n"
            "  ampcore audit train.npy gan.npy --reference holdout.npy -o report.html --force\n"
            "  ampcore audit train.npy gen.npy --members gen1.npy gen2.npy gen3.npy"
        ),
    )
    p.add_argument("train", metavar="TRAIN", help="training sample (.npy, .csv or .txt)")
    p.add_argument("generated", metavar="GEN", help="generated sample, at least as large as TRAIN")
    _add_options(p)
    p.set_defaults(func=cmd_audit)


def _add_options(p: argparse.ArgumentParser) -> None:
    truth = p.add_mutually_exclusive_group()
    truth.add_argument("--law", metavar="LAW", help="the true law: NAME, NAME:KEY=VALUE,... or fit:NAME")
    truth.add_argument("--reference", metavar="REF", help="a large holdout sample of the truth instead of --law")
    p.add_argument("-o", "--output", metavar="REPORT", help="write a standalone HTML report (.html)")
    p.add_argument("--m", type=float, default=2.0, metavar="M", help="Goldilocks M: B = N^(1/M) bins (default 2)")
    p.add_argument("--n-q", type=int, default=None, metavar="NQ", help="your own number of quantile bins")
    p.add_argument("-k", type=int, default=5, metavar="K", help="neighbour order of the kNN KLD (default 5)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of every random draw (default 0)")
    p.add_argument("--dither", action="store_true",
                   help="break the ties of rounded or float16 data with a uniform jitter at their resolution")
    p.add_argument("--ensemble", type=int, default=None, metavar="R",
                   help="ensemble estimate from R refits on bootstrap resamples (default 20 without a truth)")
    p.add_argument("--generator", default="kde", metavar="NAME",
                   help="the generator refitted for --ensemble (default kde, a Gaussian KDE)")
    p.add_argument("--members", nargs="+", metavar="FILE",
                   help="ensemble estimate from >= 4 samples of independently trained generators")
    p.add_argument("--details", action="store_true", help="print the detailed table after the verdict")
    p.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    p.add_argument("--force", action="store_true", help="replace REPORT if it exists (never an input, never through a link)")


class _Options(NamedTuple):
    """The audit's checked numeric options; `ensemble` is a refit count, member files, or None.

    (A named tuple, not a dataclass: ``dataclasses`` would be one more import at every start.)
    """

    m: float
    k: int
    seed: int
    n_q: int | None
    ensemble: Any


def _check_law_name(law: str) -> None:
    name = law.removeprefix("fit:").partition(":")[0].strip()
    import scipy.stats

    if name not in AUDIT_LAWS and not isinstance(getattr(scipy.stats, name, None), scipy.stats.rv_continuous):
        raise UsageError(f"unknown law {name!r}; choose one of: {', '.join(AUDIT_LAWS)} "
                         "(or a continuous law of scipy.stats), optionally NAME:KEY=VALUE,... or fit:NAME")


def _check_options(args: argparse.Namespace) -> _Options:
    """Every option checked before a file is read (usage errors first, exit code 2)."""
    from .._validation import check_int, check_positive

    if args.law is not None and args.reference is not None:
        raise UsageError("give at most one of --law and --reference")
    if args.law is not None:
        _check_law_name(args.law)
    m = check(check_positive, args.m, "m")
    k = check(check_int, args.k, "k", minimum=1)
    seed = check(check_int, args.seed, "seed", minimum=0)
    n_q = None if args.n_q is None else check(check_int, args.n_q, "n-q", minimum=2)
    ensemble: Any = None
    if args.members:
        if len(args.members) < 4:
            raise UsageError(f"--members needs at least 4 generated files; got {len(args.members)}")
        ensemble = args.members
    elif args.ensemble is not None:
        ensemble = check(check_int, args.ensemble, "ensemble", minimum=4)
    return _Options(m=m, k=k, seed=seed, n_q=n_q, ensemble=ensemble)


def _read_inputs(args: argparse.Namespace, ensemble: Any) -> tuple[Any, Any, Any, Any]:
    """(training, generated, reference or None, ensemble with member files read)."""
    train = read_sample(args.train, name="training", one_d=False)
    generated = read_sample(args.generated, name="generated", one_d=False)
    if train.ndim != generated.ndim or (train.ndim == 2 and train.shape[1] != generated.shape[1]):
        raise Failure(f"training and generated samples must have the same dimension; got shapes {train.shape} and {generated.shape}")
    if generated.shape[0] < train.shape[0]:
        raise Failure(
            f"the generated sample ({generated.shape[0]:,} events) is smaller than the training sample "
            f"({train.shape[0]:,}); an amplified sample has N_G >= N (are the files swapped?)"
        )
    reference = None if args.reference is None else read_sample(args.reference, name="reference", one_d=False)
    if args.law is not None and train.ndim != 1:
        raise Failure(f"--law describes 1-D data; the samples have shape {train.shape}; give --reference instead")
    if isinstance(ensemble, list):
        ensemble = [read_sample(path, name="member", one_d=True) for path in ensemble]
    return train, generated, reference, ensemble


def _file_sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _provenance(args: argparse.Namespace, seed: int, files: list[tuple[str, str, Any]]) -> Any:
    """The report's provenance: the command line, seed, version, date, and each input's SHA-256."""
    import datetime
    import shlex

    from ..auditing import InputFile, Provenance

    return Provenance(
        command=" ".join(shlex.quote(a) for a in [PROG, *args.argv]), seed=seed, version=version(),
        date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        inputs=tuple(InputFile(f"{role} {path}", tuple(data.shape), _file_sha256(path)) for role, path, data in files),
    )


def _print_result(result: Any, details: bool) -> None:
    print(result.summary())
    if details:
        rows = result.rows()
        width = max(len(c) for c, _, _ in rows)
        print()
        for check_name, value, meaning in rows:
            print(f"{check_name:<{width}}  {value:>10}  {meaning}")
    for note in result.notes:
        print(f"note: {note}")


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit ``args.generated`` against ``args.train``; print the verdict, write the report; exit code 0."""
    options = _check_options(args)
    inputs = [args.train, args.generated] + ([args.reference] if args.reference else []) + list(args.members or [])
    out: Path | None = None
    if args.output is not None:
        out = check_output_path(args.output, inputs=inputs, force=args.force, suffixes=(".html", ".htm"))
    train, generated, reference, ensemble = _read_inputs(args, options.ensemble)

    def say(message: str) -> None:
        if not args.quiet:
            print(f"{PROG} audit: {message} ...", file=sys.stderr, flush=True)

    result = _audit(args, options, train, generated, reference, ensemble, say)
    _print_result(result, args.details)
    if out is not None:
        say(f"writing the report {out}")
        page = result.html(title=f"ampcore audit of {Path(args.generated).name} (trained on {Path(args.train).name})")
        with atomic(out, inputs=inputs, force=args.force) as tmp:
            tmp.write_text(page, encoding="utf-8")
        print(f"wrote {out}")
    return 0


def _audit(args: argparse.Namespace, options: _Options, train: Any, generated: Any, reference: Any, ensemble: Any,
           say: Callable[[str], None]) -> Any:
    """Parse the law, record the provenance and run :func:`ampcore.auditing.audit`."""
    from ..auditing import audit, parse_law

    law = description = None
    if args.law is not None:
        try:
            law, description = parse_law(args.law, train)
        except ValueError as exc:
            raise UsageError(str(exc).rstrip(".")) from exc
    files = [("training", args.train, train), ("generated", args.generated, generated)]
    if reference is not None:
        files.append(("reference", args.reference, reference))
    provenance = _provenance(args, options.seed, files)
    try:
        return audit(train, generated, law=law, law_description=description, reference=reference, m=options.m,
                     k=options.k, n_q=options.n_q, ensemble=ensemble, ensemble_generator=args.generator,
                     dither=args.dither, rng=options.seed, provenance=provenance, progress=say)
    except (TypeError, ValueError) as exc:
        raise Failure(str(exc).rstrip(".")) from exc
    except MemoryError as exc:
        raise Failure(str(exc).rstrip(".")) from exc
