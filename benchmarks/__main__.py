"""Run every benchmark in order: ``python -m benchmarks`` (what ``make bench`` calls)."""

from __future__ import annotations

import importlib
import time

GOALS = ("kld_speed", "kld_memory", "reference_reuse", "gencopy_stream", "bound_scale", "grid_scaling")

if __name__ == "__main__":
    start = time.perf_counter()
    for name in GOALS:
        print(f"\n### benchmarks.{name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    print(f"\nmake bench: all {len(GOALS)} goals measured in {(time.perf_counter() - start) / 60:.1f} min; "
          "CSVs in benchmarks/results/", flush=True)
