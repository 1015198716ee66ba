"""Speed and memory benchmarks of ampcore (the goals of the "experiments at scale" issue).

One script per goal, each runnable as ``python -m benchmarks.<name>`` and all of them as
``python -m benchmarks`` or ``make bench``. Each prints a table and writes
``benchmarks/results/<name>.csv`` with the date and the machine in every row; the book's
Performance appendix (``book/performance.md``) shows those files, never typed-in numbers.
Benchmarks are not tests: nothing here asserts a time (CONTRIBUTING.md).

Goals are ratios measured in one run (ampcore against R FNN, cKDTree or ``np.sort`` on the same
data, one worker against two), so they hold on a noisy machine.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"

__all__ = [
    "RESULTS",
    "machine",
    "timed",
    "write_results",
    "rscript",
    "peak_rss_child",
    "self_peak_rss_gib",
]


def machine() -> dict[str, str]:
    """Date (UTC) and a one-line description of this machine and its software."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover - not Linux
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count() or 1
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import scipy

    r_version = "R absent"
    r = shutil.which("Rscript")
    if r is not None:
        probe = subprocess.run(
            [r, "-e", 'cat(R.version$major, ".", R.version$minor, " FNN ", '
             'tryCatch(format(packageVersion("FNN")), error = function(e) "absent"), sep = "")'],
            capture_output=True, text=True,
        )
        r_version = f"R {probe.stdout.strip()}" if probe.returncode == 0 else "R broken"
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{cores}-core {cpu}, {ram:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"{r_version}"
        ),
    }


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall-clock seconds of `repeat` calls of `fn`, and its last result."""
    times = []
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def write_results(name: str, rows: Sequence[dict[str, Any]], *, title: str) -> pd.DataFrame:
    """Print `rows` as a table and write them to results/<name>.csv.

    Every row gets the run's ``date`` column; the machine (CPU, cores, RAM, OS and versions) is
    written with the same date to results/machine.csv, kept out of the per-goal tables so that
    they stay narrow enough for the book.
    """
    frame = pd.DataFrame(list(rows))
    meta = machine()
    printed = frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")
    print(f"\n== {title} ==\n{printed}\n({meta['date']}; {meta['machine']})", flush=True)
    frame["date"] = meta["date"]
    frame["load_1min"] = round(os.getloadavg()[0], 1)  # other work on the machine at the end
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / f"{name}.csv", index=False, float_format="%.6g")
    pd.DataFrame([meta]).to_csv(RESULTS / "machine.csv", index=False)
    return frame


def rscript() -> str | None:
    """Path of Rscript if R and the FNN package are installed, else None (and say so)."""
    path = shutil.which("Rscript")
    if path is None:
        print("R is absent: no Rscript on PATH (install: apt-get install -y r-base-core r-cran-fnn); "
              "the R FNN columns are left empty.", flush=True)
        return None
    probe = subprocess.run([path, "-e", "library(FNN)"], capture_output=True, text=True)
    if probe.returncode != 0:
        print("R is installed but the FNN package is absent (apt-get install -y r-cran-fnn); "
              "the R FNN columns are left empty.", flush=True)
        return None
    return path


def peak_rss_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m <module> --child <args>`` and return its JSON line plus its peak RSS.

    The child prints one JSON object as its last line, including ``peak_rss_gib`` from
    :func:`self_peak_rss_gib` (the whole child process: interpreter, numpy and data).
    """
    proc = subprocess.run(
        [sys.executable, "-m", module, "--child", *args],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} --child {' '.join(args)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def self_peak_rss_gib() -> float:
    """Peak RSS of this process so far, in GiB.

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of this process's own memory map.
    ``ru_maxrss`` is not used there because Linux keeps it across ``execve``, so a child started
    by a large parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20  # kB
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
