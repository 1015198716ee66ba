"""Goal 3: a Reference sorted once makes every further KLD against it skip the reference sort.

A 48-trial grid (N in 500, 1000, 2000, 5000; G in 1, 10, 40; 4 replicates; GenCopy at M = 2.5)
against a 2e6-event N(0,1) reference. Each trial's generated sample is measured twice:
* with reuse: ``kl_divergence(generated, reference.sample)`` — the sorted sample is detected
  (one linear check) and not sorted again;
* without reuse: the same call with the reference in random order, so it is sorted every time.
Both give bitwise the same values (checked). The whole grid is also run with ``run_grid`` on
the one Reference (in-process) for the time per trial including generation and baseline.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from ampcore import Reference, gencopy, kl_divergence
from ampcore.studies import run_grid

from . import timed, write_results

REFERENCE_SIZE = 2_000_000
NS = (500, 1000, 2000, 5000)
GAINS = (1, 10, 40)
REPLICATES = 4
K = 5


def main() -> None:
    law = stats.norm()
    reference = Reference.draw(law, REFERENCE_SIZE, rng=1, name="normal")
    shuffled = np.random.default_rng(2).permutation(reference.sample)
    t_sort, _ = timed(lambda: np.sort(shuffled), repeat=3)
    rng = np.random.default_rng(3)
    reuse = resort = 0.0
    trials = 0
    for n in NS:
        for rep in range(REPLICATES):
            train = law.rvs(size=n, random_state=rng)
            for gain in GAINS:
                generated = gencopy(train, gain, m=2.5, rng=rng).sample
                start = time.perf_counter()
                a = kl_divergence(generated, reference.sample, K, ties="ignore")
                middle = time.perf_counter()
                b = kl_divergence(generated, shuffled, K, ties="ignore")
                end = time.perf_counter()
                assert np.array_equal(a, b, equal_nan=True)
                reuse += middle - start
                resort += end - middle
                trials += 1
    start = time.perf_counter()
    table = run_grid([reference], list(NS), [2.5], list(GAINS), replicates=REPLICATES, k=K, workers=1)
    grid_time = time.perf_counter() - start
    assert len(table) == trials == 48
    rows = [{
        "trials": trials, "reference_size": REFERENCE_SIZE, "k": K,
        "kld_per_trial_reuse_s": reuse / trials,
        "kld_per_trial_resort_s": resort / trials,
        "resort_over_reuse": resort / reuse,
        "saved_per_trial_s": (resort - reuse) / trials,
        "sort_reference_s": t_sort,
        "run_grid_per_trial_s": grid_time / trials,
    }]
    frame = write_results("reference_reuse", rows, title="Goal 3: KLD per trial with and without a pre-sorted Reference")
    row = frame.iloc[0]
    print(f"goal 3: per-trial KLD {row.kld_per_trial_reuse_s * 1e3:.1f} ms with reuse vs "
          f"{row.kld_per_trial_resort_s * 1e3:.1f} ms re-sorting the reference "
          f"({row.resort_over_reuse:.1f}x); one sort of the reference costs {row.sort_reference_s * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
