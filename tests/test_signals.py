"""Signals and clean-up, with real processes (issue 13 §1).

* SIGTERM cleans up exactly as Ctrl-C: partial outputs removed, every child ended, exit 143 (130
  for Ctrl-C), one line on stderr — for ``ampcore amplify`` mid-write and ``ampcore chapter run``
  mid-cell (its kernel and the kernel's process-pool workers included);
* Ctrl-C during start-up is one line and exit 130, never a traceback;
* a chapter run prints no "Kernel is running over TCP without encryption" line (IPC kernels);
* SIGKILL of a ``run_trials(workers=2)`` parent ends the forkserver, the workers and the
  resource tracker (the workers watch their parent);
* a script that starts a pool from unguarded top-level code runs serially, with a warning.

Each scenario runs in its own session, so that the processes it leaves can be found by process
group; all are started at once by module fixtures (~10 s each on a quiet machine).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is installed with the book extra")
pytest.importorskip("papermill", reason="papermill is installed with the book extra")

MEASURE = '''
import os, time
from pathlib import Path

def slow(trial, context):
    Path(context["pids"], f"worker-{os.getpid()}").touch()
    time.sleep(trial["s"])
    return {"pid": os.getpid()}
'''

CHAPTER_CELL = '''
import os
from pathlib import Path
from ampcore.book import check_parameters
from ampcore.studies import grid, run_trials
from e13_measure import slow
params = check_parameters(globals())
Path(PIDS, f"kernel-{os.getpid()}").touch()
rows = run_trials(slow, grid(law="x", n=1, replicates=8, s=S), context={"pids": PIDS}, workers=2)
'''

AMPLIFY = '''
import sys, time
import numpy as np
import ampcore.cli as cli

real_save = np.save

def slow_save(handle, sample, allow_pickle=False):
    real_save(handle, sample[:10], allow_pickle=allow_pickle)  # a partial file on disk, then hang
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)

np.save = slow_save
sys.exit(cli.main(sys.argv[1:]))
'''

POOL = '''
import os, sys
from ampcore.studies import grid, run_trials
from e13_measure import slow

if __name__ == "__main__":
    run_trials(slow, grid(law="x", n=1, replicates=8, s=60), context={"pids": sys.argv[1]}, workers=2)
'''

UNGUARDED = '''
import json, os, sys
from ampcore.studies import grid, run_trials
from e13_measure import slow

rows = run_trials(slow, grid(law="x", n=1, replicates=8, s=0.2), context={"pids": sys.argv[1]}, workers=2)
print(json.dumps({"parent": os.getpid(), "pids": sorted({r["pid"] for r in rows})}))
'''

GUARDED = UNGUARDED.replace("rows = run_trials", 'if __name__ == "__main__":\n    rows = run_trials').replace(
    "\nprint(", "\n    print(")


def _work(folder: Path, seconds: int = 30) -> Path:
    """A book folder: one chapter whose cell runs a pool of 2 workers for `seconds`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (folder / "notebooks").mkdir(exist_ok=True)
    (folder / "pids").mkdir(exist_ok=True)
    (folder / "e13_measure.py").write_text(MEASURE)
    for name, text in (("amplify_slow.py", AMPLIFY), ("pool.py", POOL), ("unguarded.py", UNGUARDED), ("guarded.py", GUARDED)):
        (folder / name).write_text(text)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Slow Chapter"),
        nbformat.v4.new_code_cell(f'S: "int in [0, 100]" = {seconds}  # seconds per trial\nPIDS: "str" = {str(folder / "pids")!r}  # pid folder',
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(CHAPTER_CELL),
    ]
    nbformat.write(nb, str(folder / "notebooks" / "01_slow.ipynb"))
    import numpy as np

    np.save(folder / "x.npy", np.random.default_rng(1).normal(size=2000))
    return folder


def _env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AMPBOOK_NOTEBOOKS", "MPLBACKEND", "AMPCORE_MEMORY_LIMIT")}
    env["PYTHONPATH"] = str(folder) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _pids(folder: Path) -> list[int]:
    return [int(p.name.split("-")[1]) for p in (folder / "pids").iterdir()]


def _gone(pids: list[int], timeout: float = 20.0) -> list[int]:
    """The pids still alive after `timeout` seconds (zombies count as gone)."""
    deadline = time.time() + timeout
    alive = list(pids)
    while alive and time.time() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        time.sleep(0.1)
    return alive


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _group_gone(pgid: int, timeout: float = 20.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        members = [p for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == pgid and _running(int(p))]
        if not members:
            return True
        time.sleep(0.1)
    return False


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _run(folder: Path, args: list[str], *, signum: int | None = None, when: str | float = "", script: str | None = None):
    """Start the command in its own session; send `signum` once `when` (a file glob, or seconds)."""
    command = [sys.executable, script] if script else [sys.executable, "-m", "ampcore"]
    proc = subprocess.Popen([*command, *args], cwd=folder, env=_env(folder), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    if signum is not None:
        deadline = time.time() + 120
        if isinstance(when, str):
            pattern, count = when.split(":") if ":" in when else (when, "1")
            while time.time() < deadline and len(list((folder / "pids").glob(pattern))) < int(count):
                time.sleep(0.05)
        else:
            time.sleep(when)
        time.sleep(0.3)
        proc.send_signal(signum)
    out, err = proc.communicate(timeout=300)
    return proc, out, err


SCENARIOS = {
    "chapter SIGTERM": (["chapter", "run", "slow", "--notebooks", "notebooks", "-o", "out"], signal.SIGTERM, "worker-*:2", None),
    "chapter SIGINT": (["chapter", "run", "slow", "--notebooks", "notebooks", "-o", "out"], signal.SIGINT, "worker-*:2", None),
    "chapter finished": (["chapter", "run", "slow", "--notebooks", "notebooks", "-o", "out", "-p", "S", "0", "--no-progress"], None, "", None),
    "start-up SIGINT": (["chapter", "run", "slow", "--notebooks", "notebooks", "-o", "out"], signal.SIGINT, 0.5, None),
    "amplify SIGTERM": (["amplify", "x.npy", "--gain", "5", "--m", "2", "-o", "old.npy", "--force"], signal.SIGTERM, 0.0, "amplify_slow.py"),
    "amplify SIGINT": (["amplify", "x.npy", "--gain", "5", "--m", "2", "-o", "old.npy", "--force"], signal.SIGINT, 0.0, "amplify_slow.py"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    folders = {name: _work(tmp_path_factory.mktemp(name.replace(" ", "_"))) for name in SCENARIOS}
    for name in ("amplify SIGTERM", "amplify SIGINT"):
        (folders[name] / "old.npy").write_bytes(b"the user's old file")

    def one(name: str):
        args, signum, when, script = SCENARIOS[name]
        if script is not None:  # wait for the partial file: the signal lands mid-write
            return _run_amplify(folders[name], args, signum, script)
        return _run(folders[name], args, signum=signum, when=when)

    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        results = dict(zip(SCENARIOS, pool.map(one, SCENARIOS)))
    return {name: (folders[name], *results[name]) for name in SCENARIOS}


def _run_amplify(folder: Path, args: list[str], signum: int, script: str):
    proc = subprocess.Popen([sys.executable, script, *args], cwd=folder, env=_env(folder), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline()  # "writing": the hidden partial file exists now
    assert line.strip() == "writing", line
    assert list(folder.glob(".old.*.partial.npy"))
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    return proc, out, err


def _one_line(err: str, *needles: str) -> None:
    ours = [line for line in err.splitlines() if line.startswith("ampcore:")]
    assert len(ours) == 1, err
    for needle in needles:
        assert needle in ours[0], (needle, ours[0])
    assert "Traceback" not in err and "Error" not in err.replace(ours[0], ""), err


@pytest.mark.parametrize(("name", "code"), [("chapter SIGTERM", 143), ("chapter SIGINT", 130)])
def test_an_interrupted_chapter_run_leaves_nothing(runs, name, code):
    folder, proc, out, err = runs[name]
    assert proc.returncode == code, err
    _one_line(err, "terminated by SIGTERM" if code == 143 else "interrupted", "partial outputs removed")
    assert not (folder / "out").exists(), "the run folder (and its partial files) must be removed"
    kernel = [p for p in _pids(folder)]
    assert len(kernel) >= 3  # the kernel and two pool workers had started
    assert _gone(kernel) == [], "the kernel or a pool worker outlived the command"
    assert _group_gone(proc.pid)
    assert "without encryption" not in err


def test_a_chapter_run_prints_no_tcp_warning(runs):
    folder, proc, out, err = runs["chapter finished"]
    assert proc.returncode == 0, err
    assert "without encryption" not in err and "WARNING" not in err, err
    assert (folder / "out" / "01_slow.ipynb").is_file() and (folder / "out" / "01_slow.html").is_file()
    assert _gone(_pids(folder)) == []


def test_ctrl_c_during_start_up_is_one_line(runs):
    folder, proc, out, err = runs["start-up SIGINT"]
    assert proc.returncode == 130, err
    _one_line(err, "interrupted")
    assert not (folder / "out").exists()
    assert _gone(_pids(folder)) == []


@pytest.mark.parametrize(("name", "code"), [("amplify SIGTERM", 143), ("amplify SIGINT", 130)])
def test_an_interrupted_amplify_keeps_the_old_file_and_no_partial(runs, name, code):
    folder, proc, out, err = runs[name]
    assert proc.returncode == code, err
    _one_line(err, "partial outputs removed")
    assert not list(folder.glob(".*partial*")), "the hidden partial output must be removed"
    assert (folder / "old.npy").read_bytes() == b"the user's old file"


@pytest.fixture(scope="module")
def pool_runs(tmp_path_factory: pytest.TempPathFactory):
    folders = {name: _work(tmp_path_factory.mktemp(name)) for name in ("killed", "unguarded", "guarded")}

    def killed():
        folder = folders["killed"]
        proc = subprocess.Popen([sys.executable, "pool.py", str(folder / "pids")], cwd=folder, env=_env(folder),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline and len(list((folder / "pids").glob("worker-*"))) < 2:
            time.sleep(0.05)
        workers = _pids(folder)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        return workers, _gone(workers), _group_gone(proc.pid)

    def script(name: str):
        folder = folders[name]
        return subprocess.run([sys.executable, f"{name}.py", str(folder / "pids")], cwd=folder, env=_env(folder),
                              capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = {"killed": pool.submit(killed), "unguarded": pool.submit(script, "unguarded"), "guarded": pool.submit(script, "guarded")}
        return {name: job.result() for name, job in jobs.items()}


def test_sigkill_of_the_parent_ends_its_pool(pool_runs):
    workers, alive, group_gone = pool_runs["killed"]
    assert len(workers) == 2
    assert alive == [], "pool workers outlived their parent"
    assert group_gone, "the forkserver or the resource tracker outlived the parent"


def test_an_unguarded_script_runs_serially_with_a_warning(pool_runs):
    proc = pool_runs["unguarded"]
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["pids"] == [result["parent"]]
    assert "RuntimeWarning" in proc.stderr and 'if __name__ == "__main__":' in proc.stderr
    assert "unguarded.py:" in proc.stderr and "Traceback" not in proc.stderr


def test_a_guarded_script_uses_the_pool(pool_runs):
    proc = pool_runs["guarded"]
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["parent"] not in result["pids"]  # the trials ran in worker processes
    assert "RuntimeWarning" not in proc.stderr
