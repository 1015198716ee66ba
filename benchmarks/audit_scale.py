"""The audit at a practitioner's scale: N = 10^3 training events, N_G = 10^6 to 10^8 generated.

Two ratios against the limits the audit is held to:

* time: ``audit(train, generated, law=norm)`` over the time of one ``np.sort`` of the generated
  sample (the audit sorts it once and reads everything else from the sorted copy: bin counts,
  copies, ties, the tail fraction, the measured M, the KS statistic). Goal: <= 10;
* memory: the peak traced memory during the call (:mod:`tracemalloc`, which sees every numpy
  buffer) over the bytes of the generated sample, the sample itself included. Goal: <= 3, and
  the same whatever the number of bootstrap or ensemble members (the ensemble row refits 20 and
  then 80 KDE members; its peak is one member's sample plus a few numbers a bin).

``python -m benchmarks audit_scale`` runs 10^6 and 10^7 (and 10^8 with ``AMPBOOK_AUDIT_1E8=1``:
0.8 GB of events, about 2.4 GB at the peak, well inside 24 GiB).
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from typing import Any

import numpy as np
from scipy import stats

from ampcore.auditing import audit, ensemble_amplification

from . import write_results


def _peak(fn: Any) -> tuple[float, int]:
    """(seconds, peak traced bytes including what was live before) of one call."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seconds, peak - before


def _best_time(fn: Any, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(20250120)
    n = 1000
    train = rng.standard_normal(n)
    sizes = [10**6, 10**7] + ([10**8] if os.environ.get("AMPBOOK_AUDIT_1E8") else [])
    rows = []
    for n_g in sizes:
        generated = rng.standard_normal(n_g)
        sort_seconds = _best_time(lambda generated=generated: np.sort(generated), repeats=3 if n_g <= 10**7 else 1)
        audit_seconds = _best_time(lambda generated=generated: audit(train, generated, law=stats.norm(), rng=1),
                                   repeats=2 if n_g <= 10**7 else 1)
        _, peak = _peak(lambda generated=generated: audit(train, generated, law=stats.norm(), rng=1))
        # the traced peak is the extra; the sample itself was live before the call
        rows.append({"n_train": n, "n_generated": n_g, "case": "law norm", "sort_s": sort_seconds,
                     "audit_s": audit_seconds, "time_over_sort": audit_seconds / sort_seconds,
                     "goal_time": 10.0, "peak_over_sample": (peak + generated.nbytes) / generated.nbytes,
                     "goal_memory": 3.0})
        del generated
        gc.collect()
    for members in (20, 80):
        seconds, peak = _peak(lambda members=members: ensemble_amplification(train, members=members, rng=1))
        member_bytes = 8 * min(max(100 * n, 100_000), 1_000_000)
        rows.append({"n_train": n, "n_generated": 0, "case": f"ensemble, {members} KDE refits", "sort_s": float("nan"),
                     "audit_s": seconds, "time_over_sort": float("nan"), "goal_time": float("nan"),
                     "peak_over_sample": peak / member_bytes, "goal_memory": float("nan")})
    write_results("audit_scale", rows, title="the audit at scale: time over one sort, peak memory over the sample")


if __name__ == "__main__":
    main()
