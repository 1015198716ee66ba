"""Goal 8: start-up of the command line, ``ampcore bound 2000`` against the bare interpreter.

In one run, alternating, 15 times each: ``python -c pass`` (the interpreter and its site
packages: the floor of any Python command), ``python -c "import numpy"`` (the floor of a command
that computes with numpy, as the bound does), ``python -m ampcore bound 2000`` and the installed
``ampcore bound 2000`` script. Medians of the wall-clock time of each process, from start to exit.
``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment and one warm-up call
of each comes first, so that ampcore's modules are read from their compiled ``.pyc`` files, as
after any ``pip install`` (compiling them again on every call would add about 40 ms here).

Goal: ``ampcore bound 2000`` at most 0.3 s above ``python -c pass``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import write_results

REPEAT = 15
GOAL_S = 0.3


def commands() -> dict[str, list[str]]:
    py = sys.executable
    script = shutil.which("ampcore", path=str(Path(py).parent)) or shutil.which("ampcore")
    out = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import numpy'": [py, "-c", "import numpy"],
        "python -m ampcore bound 2000": [py, "-m", "ampcore", "bound", "2000"],
    }
    if script is not None:
        out["ampcore bound 2000"] = [script, "bound", "2000"]
    return out


def main() -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    cmds = commands()
    for cmd in cmds.values():  # warm-up: writes the .pyc files, fills the page cache
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    load = os.getloadavg()[0]
    for _ in range(REPEAT):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, env=env)
            times[name].append(time.perf_counter() - start)
    bare = statistics.median(times["python -c pass"])
    rows = [
        {
            "command": name, "repeats": REPEAT, "median_s": statistics.median(values),
            "min_s": min(values), "above_bare_s": statistics.median(values) - bare,
            "load_before": round(load, 1),
        }
        for name, values in times.items()
    ]
    frame = write_results("cli_startup", rows, title="Goal 8: start-up of `ampcore bound 2000`")
    row = frame[frame.command == "python -m ampcore bound 2000"].iloc[0]
    numpy_row = frame[frame.command == "python -c 'import numpy'"].iloc[0]
    print(
        f"goal 8: `ampcore bound 2000` takes {row.median_s:.3f} s, {row.above_bare_s:.3f} s above "
        f"`python -c pass` (goal <= {GOAL_S}: {'met' if row.above_bare_s <= GOAL_S else 'MISSED'}); "
        f"importing numpy alone is {numpy_row.above_bare_s:.3f} s of it, ampcore's own part "
        f"{row.median_s - numpy_row.median_s:.3f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
