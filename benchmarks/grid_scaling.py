"""Goal 6: run_grid on its local process pool, 1 worker against 2 (this machine has 2 cores).

A 64-trial grid (N in 5000, 20000; M in 2, 3; G in 50, 200; 8 replicates; 2e6-event reference)
run with ``workers=1`` (in-process) and ``workers=2`` (forkserver process pool, pool start-up
included), alternately twice; the faster of the two runs of each is kept, which is the one
least disturbed by other work on the machine. The tables must be bitwise identical. In-process, each kl_divergence uses every core
by default (threads), while the pool's workers use one thread each; so the one-worker run is
timed both ways, and the speed-up of the pool is given against the single-threaded one (the
fair 1-vs-2-core comparison) and against the default.
"""

from __future__ import annotations

import time

from scipy import stats

from ampcore.studies import run_grid

from . import write_results

GRID = dict(replicates=8, reference_size=2_000_000, k=5)
ARGS = ({"normal": stats.norm()}, [5000, 20000], [2.0, 3.0], [50, 200])


def main() -> None:
    # start-up cost of a process pool: 8 tiny trials, first pool of this process (forkserver)
    start = time.perf_counter()
    run_grid({"normal": stats.norm()}, [100], [2.0], [1, 2], replicates=4, reference_size=1000, workers=2)
    pool_start = time.perf_counter() - start
    times: dict[str, float] = {}
    tables = {}
    runs = [("1_thread", 1, 1), ("2", 2, -1)] * 2 + [("1_default", 1, -1)]
    for label, workers, threads in runs:
        start = time.perf_counter()
        tables[label] = run_grid(*ARGS, workers=workers, threads=threads if workers == 1 else None, **GRID).frame
        seconds = time.perf_counter() - start
        times[label] = min(seconds, times.get(label, float("inf")))
        print(f"{label}: {seconds:.1f} s", flush=True)
    same = all(t.equals(tables["2"]) for t in tables.values())
    trials = len(tables["2"])
    rows = [{
        "trials": trials,
        "workers_1_single_thread_s": times["1_thread"],
        "workers_1_default_threads_s": times["1_default"],
        "workers_2_s": times["2"],
        "speedup_vs_single_thread": times["1_thread"] / times["2"],
        "speedup_vs_default": times["1_default"] / times["2"],
        "tables_bitwise_equal": same,
        "first_pool_start_s": pool_start,
    }]
    frame = write_results("grid_scaling", rows, title="Goal 6: run_grid, 1 vs 2 worker processes")
    row = frame.iloc[0]
    print(f"goal 6 (first pool start-up {pool_start:.1f} s): {trials} trials: 1 worker {row.workers_1_single_thread_s:.1f} s (single-threaded KLD), "
          f"{row.workers_1_default_threads_s:.1f} s (threaded KLD); 2 workers {row.workers_2_s:.1f} s: "
          f"speed-up {row.speedup_vs_single_thread:.2f}x vs one core, {row.speedup_vs_default:.2f}x vs "
          f"the threaded default; identical tables: {same}")


if __name__ == "__main__":
    main()
