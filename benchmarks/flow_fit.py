"""The normalising flow at its defaults: fit time, convergence and a KS check, in 1-D.

For N = 100 and 1000 and each of two laws (the camel back and a Normal), ``SEEDS`` training
samples: one flow each at the defaults (:class:`ampcore.generators.flow.Flow`), after the trainer has been
compiled once (the compilation is timed separately, in a process with JAX's persistent cache
switched off, so that it is measured rather than loaded). Reported per (law, N): the median and
range of the fit's CPU and wall-clock seconds, the epochs trained, how many fits converged, and
the KS p-values of N generated events against the law with the two-sample argument of
tests/test_flow.py (``sqrt(N/2) D`` against Kolmogorov's law), beside the same p-value of the
training sample itself (``sqrt(N) D``).

Not a goal with a target: the numbers document what "a few seconds at N = 1000" means here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from scipy import stats

from . import write_results

SEEDS = 5
SIZES = (100, 1000)

COMPILE = """
import time, numpy as np
from ampcore.generators.flow import Flow
x = np.random.default_rng(0).normal(size=1000)
start, wall = time.process_time(), time.perf_counter()
Flow().fit(x)
print(time.process_time() - start, time.perf_counter() - wall)
"""


def main() -> None:
    from ampcore.generators.flow import Flow
    from ampcore.laws import CamelBack

    env = {**os.environ, "AMPCORE_JAX_CACHE": "off"}
    cpu_compile, wall_compile = map(float, subprocess.run([sys.executable, "-c", COMPILE], capture_output=True,
                                                          text=True, check=True, env=env).stdout.split())
    laws = {"camel back": CamelBack(), "normal": stats.norm(3.0, 2.0)}
    Flow().fit(np.random.default_rng(0).normal(size=1000))  # compile (or load) the trainer once
    rows = []
    for label, law in laws.items():
        for n in SIZES:
            cpu, wall, epochs, converged, p_flow, p_train = [], [], [], 0, [], []
            for seed in range(SEEDS):
                x = law.rvs(size=n, random_state=np.random.default_rng([n, seed]))
                start, begin = time.process_time(), time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = Flow().fit(x, rng=seed)
                cpu.append(time.process_time() - start)
                wall.append(time.perf_counter() - begin)
                epochs.append(model.epochs)
                converged += model.converged
                d = stats.kstest(model.sample(n, rng=seed + 100), law.cdf).statistic
                p_flow.append(float(stats.kstwobign.sf(d * np.sqrt(n / 2))))
                p_train.append(float(stats.kstest(x, law.cdf).pvalue))
            rows.append({
                "law": label, "n": n, "fits": SEEDS, "cpu_s_median": statistics.median(cpu), "cpu_s_max": max(cpu),
                "wall_s_median": statistics.median(wall), "wall_s_max": max(wall),
                "epochs_min": min(epochs), "epochs_max": max(epochs), "converged": converged,
                "ks_p_flow_min": min(p_flow), "ks_p_flow_median": statistics.median(p_flow),
                "ks_p_train_min": min(p_train), "compile_cpu_s": cpu_compile, "compile_wall_s": wall_compile,
            })
    write_results("flow_fit", rows, title="The normalising flow at its defaults (1-D)")


if __name__ == "__main__":
    main()
