"""Run every benchmark in order: ``python -m benchmarks`` (what ``make bench`` calls).

``python -m benchmarks kld_dims cli_startup`` runs only the named ones. The run ends with the
three goals of the dimensions issue (the d-D divergence, the 1-D divergence against its
sort + logs limit, the command line's start-up), read back from benchmarks/results/.
"""

from __future__ import annotations

import importlib
import os
import sys
import time

import pandas as pd

from . import RESULTS, write_results

GOALS = ("kld_speed", "kld_memory", "reference_reuse", "gencopy_stream", "bound_scale", "grid_scaling",
         "kld_dims", "cli_startup", "audit_scale", "flow_fit")


def summary() -> None:
    """The three goals with their measured ratios, from the recorded CSVs; writes results/goals.csv."""
    print("\n### goals: d-D divergence, 1-D against its limit, command-line start-up")
    dims = pd.read_csv(RESULTS / "kld_dims.csv")
    importlib.import_module("benchmarks.kld_dims").summary(dims)
    speed = pd.read_csv(RESULTS / "kld_speed.csv").iloc[-1]
    print(f"goal 1 (restated): at n = m = {int(speed.n):.0e}, ampcore / (sort both + 2kn logs) = "
          f"{speed.ampcore_over_sort_logs:.2f} (goal <= 2: {'met' if speed.ampcore_over_sort_logs <= 2 else 'MISSED'}); "
          f"R FNN / ampcore = {speed.r_over_ampcore:.1f}x")
    cli = pd.read_csv(RESULTS / "cli_startup.csv").set_index("command")
    above = cli.loc["python -m ampcore bound 2000", "above_bare_s"]
    numpy_part = cli.loc["python -c 'import numpy'", "above_bare_s"]
    print(f"goal 8: `ampcore bound 2000` is {above:.3f} s above `python -c pass` (goal <= 0.3: "
          f"{'met' if above <= 0.3 else 'MISSED'}; numpy's import is {numpy_part:.3f} s of it)")

    def case(row: pd.Series) -> str:
        return f"d = {int(row.d)}, n = {int(row.n):.0e}"

    peer = dims.loc[dims.best_peer_over_ampcore.idxmin()]
    rows = [
        ("d-D: ahead of every peer", "best peer / ampcore > 1 in every case",
         f"{peer.best_peer_over_ampcore:.2f} at worst ({case(peer)})", bool((dims.best_peer_over_ampcore > 1).all())),
    ]
    if dims.r_over_ampcore.notna().any():
        slow = dims.loc[dims.r_over_ampcore.idxmin()]
        rows += [
            ("d-D: faster than R FNN", "R / ampcore >= 3 in every case",
             f"{slow.r_over_ampcore:.2f} at worst ({case(slow)})", bool((dims.r_over_ampcore >= 3).all())),
            ("d-D: equal to R FNN", "max |diff| <= 1e-12 nats", f"{dims.maxdiff_r.max():.2g}",
             bool((dims.maxdiff_r <= 1e-12).all())),
        ]
    big = dims.loc[dims.extra_ampcore_over_ckdtree.idxmax()]
    rows += [
        ("d-D: memory", "extra memory ampcore / plain cKDTree <= 1 in every case",
         f"{big.extra_ampcore_over_ckdtree:.2f} at worst ({case(big)})", bool((dims.extra_ampcore_over_ckdtree <= 1).all())),
        ("1-D: against its limit", "ampcore / (sort both + 2kn logs) <= 2 at n = m = 2e6",
         f"{speed.ampcore_over_sort_logs:.2f}", bool(speed.ampcore_over_sort_logs <= 2)),
        ("CLI start-up", "ampcore bound 2000 <= 0.3 s above python -c pass",
         f"{above:.3f} s (numpy's import: {numpy_part:.3f} s)", bool(above <= 0.3)),
    ]
    write_results("goals", [{"goal": g, "target": t, "measured": m, "met": "yes" if ok else "no"}
                            for g, t, m, ok in rows], title="The goals of the dimensions issue")
    print(f"machine load (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    chosen = tuple(sys.argv[1:]) or GOALS
    unknown = [name for name in chosen if name not in GOALS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {', '.join(GOALS)}")
    start = time.perf_counter()
    for name in chosen:
        print(f"\n### benchmarks.{name} (load {os.getloadavg()[0]:.1f})", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    print(f"\nmake bench: {len(chosen)} benchmark(s) measured in {(time.perf_counter() - start) / 60:.1f} min; "
          "CSVs in benchmarks/results/", flush=True)
    if all((RESULTS / f"{name}.csv").exists() for name in ("kld_dims", "kld_speed", "cli_startup")):
        summary()
