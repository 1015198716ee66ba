"""Goal 2: peak extra memory of 1-D kl_divergence, as a multiple of the bytes of its two inputs.

Measured with :mod:`tracemalloc`, which sees every numpy data buffer: the peak of traced memory
during the call minus the memory traced before it (the inputs). The streaming sorted search
needs the sorted float64 copies of x and y (1.0x the inputs for float64 data) plus
O(k · chunk) work per thread; it never materialises (n, k) distance matrices. The kd-tree path
(``method="kdtree"``, which holds one (n, k) float64 matrix of logs to sum them in the input
order, where R FNN holds its distance and index matrices) is measured for contrast; its tree
itself is C++ memory that tracemalloc does not see, so its ratio is a lower bound
(``benchmarks/kld_dims.py`` measures resident memory, trees included, in d > 1).

Goal: peak extra <= 1.5x the input bytes (float64, n = m = 2e6 and 2e7, k = 10).
"""

from __future__ import annotations

import gc
import tracemalloc
import warnings

import numpy as np

from ampcore import kl_divergence

from . import write_results

K = 10


def peak_extra(fn) -> int:  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


def main() -> None:
    rng = np.random.default_rng(20250102)
    rows = []
    cases = [
        (2_000_000, "float64, both unsorted", "auto", np.float64, False),
        (2_000_000, "float64, y pre-sorted (Reference)", "auto", np.float64, True),
        (2_000_000, "float32 input (converted once; warns)", "auto", np.float32, False),
        (20_000_000, "float64, both unsorted", "auto", np.float64, False),
        (2_000_000, "kd-tree path, one (n, k) matrix of logs", "kdtree", np.float64, False),
    ]
    for n, label, method, dtype, presorted in cases:
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        if presorted:
            y.sort()
        input_bytes = x.nbytes + y.nbytes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # float32 warns by design (research/kld.md §5)
            extra = peak_extra(lambda x=x, y=y: kl_divergence(x, y, K, method=method, ties="ignore"))
        rows.append({
            "n": n, "m": n, "k": K, "case": label, "input_mib": input_bytes / 2**20,
            "peak_extra_mib": extra / 2**20, "extra_over_input": extra / input_bytes,
            "naive_nk_matrices_mib": 2 * n * K * 8 / 2**20,
        })
        del x, y
    frame = write_results("kld_memory", rows, title="Goal 2: peak extra memory of 1-D KLD (tracemalloc)")
    main_row = frame[(frame.n == 2_000_000) & (frame.case == "float64, both unsorted")].iloc[0]
    print(f"goal 2: peak extra / input bytes = {main_row.extra_over_input:.2f} at n = m = 2e6 "
          "(goal <= 1.5)")


if __name__ == "__main__":
    main()
