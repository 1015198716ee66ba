"""The ``ampcore`` command: ``ampcore.cli.main`` in-process, and for real in a subprocess.

Argument parsing, the numeric commands and every refusal are checked in-process
(``main([...])`` with captured stdio: the same code path, without starting Python each time); a
few tests run ``python -m ampcore`` and the console script for real, for exit codes and the
split of stdout and stderr. Chapter runs use a tiny throwaway notebook in ``tmp_path``
(``--notebooks``), never the book's chapters. Every bad input must exit non-zero with exactly
one line on stderr and leave no output behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from ampcore.cli import PROG, build_parser, main

nbformat = pytest.importorskip("nbformat", reason="nbformat is installed with the book extra")
pytest.importorskip("papermill", reason="papermill is installed with the book extra")

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = '''\
N: "int in [2, 1000]" = 30  # training events
G: "int in [1, 100]; G * N <= 10**4" = 2  # gain: N_G = G N generated events
M: "float in [0.5, 10]" = 2.0  # Goldilocks statistic
gains: "list[int] in [1, 100]" = [1, 2]  # gains G
'''


def _tiny_notebook(path: Path, parameters: str = PARAMETERS) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny Chapter\n\nA throwaway chapter for the CLI tests."),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from ampcore.book import check_parameters, record\n"
            "params = check_parameters(globals())\n"
            "if N == 13:\n"
            "    raise RuntimeError('thirteen is unlucky')\n"
            "print(f'N_G = {N * G}')"
        ),
        nbformat.v4.new_code_cell("record(n_generated=N * G, gains=gains)"),
    ]
    nbformat.write(nb, str(path))
    return path


def _environ(env: dict[str, str] | None = None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("AMPBOOK_NOTEBOOKS", "MPLBACKEND")}
    environ.update(env or {})
    return environ


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m ampcore ARGS`` in a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "ampcore", *args], cwd=cwd, env=_environ(env), capture_output=True, text=True, timeout=300,
    )


class Result:
    """What an in-process ``main(argv)`` returned and printed (shaped like CompletedProcess)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``main(argv)`` in-process in folder `cwd`; a SystemExit (--help) is an exit code too."""
    monkeypatch.delenv("AMPBOOK_NOTEBOOKS", raising=False)

    def call(*args: str, cwd: Path) -> Result:
        capsys.readouterr()
        with monkeypatch.context() as m:
            m.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


def _one_line_error(proc, code: int, *needles: str, only_line: bool = True) -> str:
    """The error is one line (the only stderr line, unless a chapter ran and printed progress)."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    if not only_line:
        assert [line for line in lines if line.startswith("ampcore:")] == lines[-1:], proc.stderr
        lines = lines[-1:]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ampcore: error: "), lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _make_work(tmp_path: Path) -> Path:
    """A folder with samples (good and bad) and a notebooks/ folder holding one tiny chapter."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    np.save(tmp_path / "x.npy", rng.normal(size=500))
    np.save(tmp_path / "y.npy", rng.normal(size=5000))
    np.save(tmp_path / "two_d.npy", rng.normal(size=(50, 2)))
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan, 3.0]))
    (tmp_path / "x.txt").write_text("\n".join(repr(float(v)) for v in rng.normal(size=200)) + "\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "words.txt").write_text("1.0\n2.0\nabc\n")
    (tmp_path / "nan.csv").write_text("1.0\nnan\n2.0\n")
    (tmp_path / "notebooks").mkdir()
    _tiny_notebook(tmp_path / "notebooks" / "01_tiny.ipynb")
    return tmp_path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return _make_work(tmp_path)


# --- help and the three numeric commands ------------------------------------------------------


HELP = [[], ["bound"], ["amplify"], ["kld"], ["chapter"], ["chapter", "list"], ["chapter", "run"]]


@pytest.mark.parametrize("args", HELP, ids=[" ".join(a) or "top" for a in HELP])
def test_help_everywhere_has_examples(cli, tmp_path: Path, args: list[str]) -> None:
    proc = cli(*args, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "example" in proc.stdout and "ampcore " in proc.stdout


def test_version_and_parser(cli, tmp_path: Path) -> None:
    import ampcore

    proc = cli("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"{PROG} {ampcore.__version__}"
    assert build_parser().prog == PROG == "ampcore"


def test_bound_table(cli, tmp_path: Path) -> None:
    proc = cli("bound", "2000", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # N^(3/2) = 89442.7, sqrt(N) = 44.72, ln(2000)/2 = 3.800 nats = 5.483 bits (bound.py doctests)
    for text in ("N^(3/2)", "89,442.7", "sqrt(N)", "44.72", "3.800 nats", "5.483 bits"):
        assert text in proc.stdout, (text, proc.stdout)


def test_bound_general_form(cli, tmp_path: Path) -> None:
    proc = cli("bound", "100", "--m-train", "2", "--m-gen", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "N^(2)" in proc.stdout and "10,000.0" in proc.stdout  # 100^(4/2)


@pytest.mark.parametrize("suffix", [".npy", ".csv", ".txt"])
def test_amplify_writes_the_sample_and_reports(cli, work: Path, suffix: str) -> None:
    out = work / f"amplified{suffix}"
    proc = cli("amplify", "x.npy", "--gain", "50", "--m", "2.5", "--seed", "1", "-o", out.name, cwd=work)
    assert proc.returncode == 0, proc.stderr
    sample = np.load(out) if suffix == ".npy" else np.loadtxt(out)
    assert sample.shape == (25_000,)
    # 25 000 >= 500^1.5 = 11 180: the bound holds
    for text in ("25,000", "bin width Δ", "M_eff", "holds"):
        assert text in proc.stdout, (text, proc.stdout)
    assert not [p for p in work.iterdir() if ".partial" in p.name]


def test_amplify_is_gencopy_and_reproducible_from_a_text_file(cli, work: Path) -> None:
    from ampcore import gencopy

    for name in ("a.npy", "b.npy"):
        proc = cli("amplify", "x.txt", "--gain", "3", "--m", "2", "--seed", "5", "-o", name, cwd=work)
        assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(work / "a.npy"), np.load(work / "b.npy"))
    np.testing.assert_array_equal(np.load(work / "a.npy"), gencopy(np.loadtxt(work / "x.txt"), 3, m=2.0, rng=5).sample)
    assert "does NOT hold" in proc.stdout  # 600 < 200^1.5 = 2828


def test_kld_vector_and_ties(cli, work: Path) -> None:
    proc = cli("kld", "x.npy", "y.npy", "-k", "4", cwd=work)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines() if line[:1].isdigit()]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4]
    # same law, n = 500: noise ~ 2/sqrt(500) = 0.09 nats at k = 1; |D| < 0.5 is > 5 sd
    assert all(abs(float(r[1])) < 0.5 for r in rows)
    assert "ties: none" in proc.stdout
    tied = cli("kld", "x.npy", "x.npy", "-k", "2", "--bits", cwd=work)
    assert tied.returncode == 0, tied.stderr
    assert "[bits]" in tied.stdout and "-inf" in tied.stdout
    assert "ties:" in tied.stderr and "zero distance" in tied.stderr


# --- bad input: one line, non-zero, nothing left behind --------------------------------------

BAD = [
    # (arguments, exit code, words the one-line message must contain)
    (["frobnicate"], 2, ["invalid choice", "frobnicate"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "0", "-o", "out.npy"], 2, ["`m`", "> 0"]),
    (["amplify", "x.npy", "--gain", "0", "--m", "2", "-o", "out.npy"], 2, ["`gain`", ">= 1"]),
    (["amplify", "x.npy", "--gain", "two", "--m", "2", "-o", "out.npy"], 2, ["--gain", "two"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "2", "--seed", "-1", "-o", "out.npy"], 2, ["`seed`", ">= 0"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "2", "-o", "out.dat"], 2, ["out.dat", ".npy, .csv, .txt"]),
    (["amplify", "missing.npy", "--gain", "5", "--m", "2", "-o", "out.npy"], 1, ["missing.npy", "does not exist"]),
    (["amplify", "empty.txt", "--gain", "5", "--m", "2", "-o", "out.npy"], 1, ["empty.txt", "empty"]),
    (["amplify", "nan.npy", "--gain", "5", "--m", "2", "-o", "out.npy"], 1, ["nan.npy", "NaN"]),
    (["amplify", "nan.csv", "--gain", "5", "--m", "2", "-o", "out.csv"], 1, ["nan.csv", "NaN"]),
    (["amplify", "words.txt", "--gain", "5", "--m", "2", "-o", "out.npy"], 1, ["words.txt", "not a numeric"]),
    (["amplify", "two_d.npy", "--gain", "5", "--m", "2", "-o", "out.npy"], 1, ["two_d.npy", "1-D", "(50, 2)"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "2", "-o", "nowhere/out.npy"], 1, ["nowhere", "does not exist"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "2", "-o", "notebooks/01_tiny.ipynb"], 2, ["01_tiny.ipynb"]),
    (["kld", "x.npy", "missing.npy"], 1, ["missing.npy", "does not exist"]),
    (["kld", "x.npy", "y.npy", "-k", "0"], 2, ["`k`"]),
    (["kld", "x.npy", "y.npy", "-k", "500"], 2, ["`k`", "< the size of X (500)"]),
    (["kld", "x.npy", "two_d.npy"], 1, ["same dimension", "(500,)", "(50, 2)"]),
    (["kld", "x.npy", "nan.npy"], 1, ["nan.npy", "NaN"]),
    (["bound", "abc"], 2, ["abc"]),
    (["bound", "-5"], 2, ["`N`"]),
    (["bound", "0.5"], 2, ["`N` must be >= 1"]),
    (["chapter", "run", "nosuch", "--notebooks", "notebooks"], 2, ["unknown chapter", "nosuch", "tiny"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "nosuch", "1"], 2, ["unknown parameter", "nosuch", "N, G, M, gains"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "-5"], 2, ["`N`", "an integer in [2, 1000]", "-5"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "abc"], 2, ["`N`", "integer", "abc"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "2.5"], 2, ["`N`", "integer", "2.5"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "G", "0"], 2, ["`G`", "[1, 100]"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "1000", "-p", "G", "100"], 2, ["`G`", "G * N <= 10**4", "N=1000", "G=100"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "gains", "[1, 0]"], 2, ["`gains[1]`"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "M", "nan"], 2, ["`M`", "finite"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks/01_tiny.ipynb"], 1, ["refusing", "source notebook"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks"], 1, ["refusing", "source notebook"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "nowhere/deeper"], 1, ["nowhere", "does not exist"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "x.npy"], 1, ["x.npy", "is a file, not a folder"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "--timeout", "0"], 2, ["`timeout`", ">= 1"]),
    (["chapter", "list", "--notebooks", "no_such_folder"], 1, ["no_such_folder", "--notebooks"]),
    (["chapter", "list"], 1, ["no ampbook repository", "--notebooks DIR", "AMPBOOK_NOTEBOOKS"]),
    (["chapter", "frob"], 2, ["invalid choice", "frob"]),
]


@pytest.mark.parametrize(("args", "code", "needles"), BAD, ids=[" ".join(args) for args, _, _ in BAD])
def test_bad_input_is_one_clear_line(cli, work: Path, args: list[str], code: int, needles: list[str]) -> None:
    files, source = _files(work), (work / "notebooks" / "01_tiny.ipynb").read_bytes()
    proc = cli(*args, cwd=work)
    _one_line_error(proc, code, *needles)
    assert _files(work) == files, "the command left files behind"
    assert (work / "notebooks" / "01_tiny.ipynb").read_bytes() == source


def test_a_chapter_whose_parameters_cell_cannot_be_read(cli, work: Path) -> None:
    _tiny_notebook(work / "notebooks" / "02_old.ipynb", parameters="N = 30  # training events\n")
    proc = cli("chapter", "list", "--notebooks", "notebooks", cwd=work)
    _one_line_error(proc, 1, "chapter old", "parameters cell cannot be read", "need a rule")


def test_unexpected_errors_are_one_line_too(cli, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ampcore.generators.histogram

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ampcore.generators.histogram, "gencopy", broken)
    proc = cli("amplify", "x.npy", "--gain", "2", "--m", "2", "-o", "o.npy", cwd=work)
    _one_line_error(proc, 1, "ZeroDivisionError: a bug", "rerun with --traceback")
    assert not (work / "o.npy").exists()


# --- for real: exit codes and stdio of the installed command ------------------------------------


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = shutil.which("ampcore", path=str(Path(sys.executable).parent)) or shutil.which("ampcore")
    if script is None:
        pytest.skip("the `ampcore` console script is not on PATH (run `pip install -e .`)")
    proc = subprocess.run([script, "bound", "100"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1,000.0" in proc.stdout and proc.stderr == ""  # 100^(3/2)


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, subprocess.CompletedProcess[str]]]:
    """``python -m ampcore`` for real, each in a fresh folder, run concurrently (~1 s each)."""
    jobs = {
        "help": ["--help"],
        "usage": ["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "-5"],
        "failure": ["amplify", "missing.npy", "--gain", "5", "--m", "2", "-o", "out.npy"],
        "traceback": ["--traceback", "amplify", "missing.npy", "--gain", "5", "--m", "2", "-o", "o.npy"],
        "kld": ["kld", "x.npy", "x.npy", "-k", "2"],
    }
    folders = {name: _make_work(tmp_path_factory.mktemp(name)) for name in jobs}
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = dict(zip(jobs, pool.map(lambda name: run(*jobs[name], cwd=folders[name]), jobs)))
    return {name: (folders[name], procs[name]) for name in jobs}


def test_real_help(real_runs) -> None:
    _, proc = real_runs["help"]
    assert proc.returncode == 0 and "examples:" in proc.stdout and proc.stderr == ""


def test_real_usage_error_exits_2(real_runs) -> None:
    folder, proc = real_runs["usage"]
    _one_line_error(proc, 2, "`N`", "-5")
    assert proc.stdout == "" and not (folder / "runs").exists()


def test_real_failure_exits_1(real_runs) -> None:
    _, proc = real_runs["failure"]
    _one_line_error(proc, 1, "missing.npy", "does not exist")
    assert proc.stdout == ""


def test_traceback_flag_shows_the_traceback(real_runs) -> None:
    _, proc = real_runs["traceback"]
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_real_ties_go_to_stderr_values_to_stdout(real_runs) -> None:
    _, proc = real_runs["kld"]
    assert proc.returncode == 0 and "-inf" in proc.stdout and "ties:" not in proc.stdout
    assert "ties:" in proc.stderr


# --- chapters ----------------------------------------------------------------------------------


def test_chapter_list_shows_parameters_rules_defaults_and_help(cli, work: Path) -> None:
    proc = cli("chapter", "list", "--notebooks", "notebooks", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "tiny" in proc.stdout and "Tiny Chapter" in proc.stdout and "(01_tiny.ipynb)" in proc.stdout
    # the help of G holds "=" (papermill's own inspection skipped such lines): it is listed
    for text in ("-p N", "default 30", "training events", "an integer in [2, 1000]", "-p G", "N_G = G N",
                 "G * N <= 10**4", "-p gains", "default [1, 2]", "a non-empty list of integers in [1, 100]"):
        assert text in proc.stdout, (text, proc.stdout)
    assert proc.stderr == ""


def test_chapter_folder_from_the_environment(cli, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMPBOOK_NOTEBOOKS", str(work / "notebooks"))
    proc = cli("chapter", "list", cwd=work.parent)
    assert proc.returncode == 0, proc.stderr
    assert "01_tiny.ipynb" in proc.stdout


def test_chapter_folder_of_the_book_around_the_current_folder(cli, work: Path) -> None:
    (work / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    (work / "deep" / "er").mkdir(parents=True)
    proc = cli("chapter", "list", cwd=work / "deep" / "er")
    assert proc.returncode == 0, proc.stderr
    assert "(01_tiny.ipynb)" in proc.stdout


def test_empty_chapter_folder(cli, tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    _one_line_error(cli("chapter", "list", "--notebooks", "nb", cwd=tmp_path), 1, "no chapter notebooks")


@pytest.fixture(scope="module")
def chapter_runs(tmp_path_factory: pytest.TempPathFactory):
    """Three real chapter runs (a kernel each), concurrently: default folder, named notebook, failure."""
    jobs = {
        "default": ["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "40", "-p", "gains", "[3, 4]"],
        "named": ["chapter", "run", "01", "--notebooks", "notebooks", "--no-progress", "-o", "out/run.ipynb"],
        "failing": ["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "13", "--no-progress"],
    }
    folders = {name: _make_work(tmp_path_factory.mktemp(name)) for name in jobs}
    # the book's offline MathJax, where ampcore looks for it (the book around the chapter)
    mathjax = ROOT / "book" / "_static" / "mathjax" / "tex-svg.js"
    if mathjax.is_file():
        (folders["default"] / "book" / "_static" / "mathjax").mkdir(parents=True)
        shutil.copy(mathjax, folders["default"] / "book" / "_static" / "mathjax" / "tex-svg.js")
    before = {name: (_files(folder), (folder / "notebooks" / "01_tiny.ipynb").read_bytes()) for name, folder in folders.items()}
    with ThreadPoolExecutor(max_workers=3) as pool:
        procs = dict(zip(jobs, pool.map(lambda name: run(*jobs[name], cwd=folders[name]), jobs)))
    return {name: (folders[name], before[name], procs[name]) for name in jobs}


def test_chapter_run_writes_notebook_and_html_not_the_source(chapter_runs) -> None:
    from ampcore.book import read_records

    work, (_, source_before), proc = chapter_runs["default"]
    assert proc.returncode == 0, proc.stderr
    paths = dict(line.split(":", 1) for line in proc.stdout.splitlines() if line.startswith(("notebook:", "html:")))
    notebook, html = work / paths["notebook"].strip(), work / paths["html"].strip()
    assert notebook.parent.parent == work / "runs" and notebook.parent.name.startswith("01_tiny-")
    assert read_records(notebook) == {"n_generated": 80, "gains": [3, 4]}
    assert json.loads(notebook.read_text())["metadata"]["papermill"]["parameters"] == {"N": 40, "gains": [3, 4]}
    text = html.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "N_G = 80" in text
    assert "Executing" in proc.stderr  # papermill's progress bar
    assert "without encryption" not in proc.stderr  # the kernel ran over IPC (ampcore.book.kernels)
    if (work / "book" / "_static" / "mathjax" / "tex-svg.js").is_file():  # offline: embedded, not the CDN's
        assert "cdnjs.cloudflare.com/ajax/libs/mathjax" not in text and "window.MathJax" in text
    umask = os.umask(0)
    os.umask(umask)
    assert notebook.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert (work / "notebooks" / "01_tiny.ipynb").read_bytes() == source_before
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["01_tiny.html", "01_tiny.ipynb"]


def test_chapter_run_by_number_into_a_named_notebook(chapter_runs) -> None:
    work, _, proc = chapter_runs["named"]
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (work / "out").iterdir()) == ["run.html", "run.ipynb"]
    assert json.loads((work / "out" / "run.ipynb").read_text())["metadata"]["papermill"]["parameters"] == {}
    assert "Executing" not in proc.stderr  # --no-progress


def test_failing_chapter_leaves_nothing_behind(chapter_runs) -> None:
    work, (before, _), proc = chapter_runs["failing"]
    _one_line_error(proc, 1, "chapter tiny failed", "RuntimeError", "thirteen is unlucky", only_line=False)
    assert _files(work) - before <= {"runs"}  # the runs/ parent may stay; no run folder, no file
    assert not list((work / "runs").glob("*")) if (work / "runs").exists() else True


# --- never destroy the user's data; every input through the API's checks (issue 13 §2, §3) -------


def _inputs(folder: Path) -> None:
    """Bad .npy inputs, one per class the API refuses (the CLI used to convert some silently)."""
    rng = np.random.default_rng(3)
    np.save(folder / "complex.npy", rng.normal(size=50) + 1j)
    np.save(folder / "bools.npy", rng.normal(size=50) > 0)
    np.save(folder / "structured.npy", np.zeros(5, dtype=[("a", "f8"), ("b", "i4")]))
    np.save(folder / "scalar.npy", np.float64(3.0))
    np.save(folder / "huge_ints.npy", np.arange(50, dtype=np.int64) * 2**55)
    np.save(folder / "dates.npy", np.array(["2020-01-01"] * 5, dtype="datetime64[D]"))
    np.save(folder / "texts.npy", np.array(["1.0", "2.0"]))
    np.save(folder / "objects.npy", np.array([1.0, None], dtype=object), allow_pickle=True)
    (folder / "complex.txt").write_text("1+2j\n3\n")
    (folder / "truncated.npy").write_bytes((folder / "x.npy").read_bytes()[:100])


AMP = ["amplify", "--gain", "5", "--m", "2"]
DATA = [
    # (arguments, exit code, words of the one-line message)
    ([*AMP, "x.npy", "-o", "x.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "./x.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "notebooks/../x.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "ABS/x.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "link.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "hard.npy"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "x.npy", "--force"], 2, ["refusing", "is the input"]),
    ([*AMP, "link.npy", "-o", "x.npy", "--force"], 2, ["refusing", "is the input"]),
    ([*AMP, "x.npy", "-o", "y.npy"], 2, ["y.npy", "exists", "--force"]),
    ([*AMP, "complex.npy", "-o", "out.npy"], 1, ["complex.npy", "real-valued", "complex"]),
    ([*AMP, "bools.npy", "-o", "out.npy"], 1, ["bools.npy", "booleans"]),
    ([*AMP, "structured.npy", "-o", "out.npy"], 1, ["structured.npy", "real numbers"]),
    ([*AMP, "scalar.npy", "-o", "out.npy"], 1, ["scalar.npy", "1-D", "shape ()"]),
    ([*AMP, "huge_ints.npy", "-o", "out.npy"], 1, ["huge_ints.npy", "2**53"]),
    ([*AMP, "dates.npy", "-o", "out.npy"], 1, ["dates.npy", "real numbers"]),
    ([*AMP, "texts.npy", "-o", "out.npy"], 1, ["texts.npy", "real numbers"]),
    ([*AMP, "objects.npy", "-o", "out.npy"], 1, ["objects.npy", "not a numeric array"]),
    ([*AMP, "complex.txt", "-o", "out.npy"], 1, ["complex.txt", "not a numeric array"]),
    ([*AMP, "truncated.npy", "-o", "out.npy"], 1, ["truncated.npy", "not a numeric array"]),
    (["kld", "x.npy", "complex.npy"], 1, ["complex.npy", "real-valued"]),
    (["kld", "bools.npy", "y.npy"], 1, ["bools.npy", "booleans"]),
    (["amplify", "x.npy", "--gain", "1000000000000", "--m", "2", "-o", "big.npy"], 1, ["`gain`", "memory", "gencopy_chunks"]),
    (["amplify", "x.npy", "--gain", "5", "--m", "1e-300", "-o", "out.npy"], 1, ["`m`", "too small"]),
    (["bound", "1e300", "--m-gen", "30"], 2, ["overflows"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks/sub"], 1, ["refusing", "inside its folder"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks/run.ipynb"], 1, ["refusing", "inside its folder"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "./notebooks/../notebooks/x/y.ipynb"], 1, ["refusing"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "old"], 2, ["old/01_tiny.ipynb", "exists", "--force"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "gains", "[1,,2]"], 2, ["`gains[1]`", "empty"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "M", "1e-400"], 2, ["`M`", "smallest normal"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "M", "1e-3"], 2, ["`M`", "[0.5, 10]", "0.001"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "1000000000000000000"], 2, ["`N`", "[2, 1000]"]),
]


@pytest.fixture
def data_work(work: Path) -> Path:
    _inputs(work)
    (work / "link.npy").symlink_to("x.npy")
    os.link(work / "x.npy", work / "hard.npy")
    (work / "old").mkdir()
    (work / "old" / "01_tiny.ipynb").write_text("the user's earlier run")
    return work


@pytest.mark.parametrize(("args", "code", "needles"), DATA, ids=[" ".join(a) for a, _, _ in DATA])
def test_data_is_never_destroyed_nor_converted(cli, data_work: Path, monkeypatch: pytest.MonkeyPatch, args, code, needles) -> None:
    import ampcore.book.runner

    monkeypatch.setenv("AMPCORE_MEMORY_LIMIT", "2G")
    monkeypatch.setattr(ampcore.book.runner, "execute_chapter", _no_kernel)
    args = [a.replace("ABS", str(data_work)) for a in args]
    before = {p: p.read_bytes() for p in data_work.rglob("*") if p.is_file()}
    proc = cli(*args, cwd=data_work)
    _one_line_error(proc, code, *needles)
    after = {p: p.read_bytes() for p in data_work.rglob("*") if p.is_file()}
    assert after == before, "the command changed or left files"


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started although the command line is refused")


def test_force_replaces_keeping_the_mode_but_never_through_a_link(cli, data_work: Path) -> None:
    target = data_work / "y.npy"
    target.chmod(0o640)
    proc = cli(*AMP, "x.npy", "-o", "y.npy", "--force", "--seed", "1", cwd=data_work)
    assert proc.returncode == 0, proc.stderr
    assert target.stat().st_mode & 0o777 == 0o640 and np.load(target).size == 2500
    (data_work / "to_y.npy").symlink_to("y.npy")
    proc = cli(*AMP, "x.txt", "-o", "to_y.npy", "--force", "--seed", "1", cwd=data_work)
    _one_line_error(proc, 2, "to_y.npy", "symbolic link", "never writes through a link")
    assert (data_work / "to_y.npy").is_symlink() and np.load(target).size == 2500  # untouched
    assert target.stat().st_mode & 0o777 == 0o640
    assert not list(data_work.glob(".*partial*"))


def test_the_books_chapters_refuse_out_of_range_values_before_a_kernel(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's examples, on the real chapters: refused in one line, no kernel started."""
    import ampcore.book.runner

    monkeypatch.setattr(ampcore.book.runner, "execute_chapter", _no_kernel)
    files = _files(ROOT / "notebooks")
    for args, needles in [
        (["chapter", "run", "question", "-p", "N", "1000000000000000000"], ["`N`", "100_000"]),
        (["chapter", "run", "normal", "-p", "N", "3"], ["`N`", "[100,"]),
        (["chapter", "run", "normal", "-p", "k", "5000"], ["`k`"]),
        (["chapter", "run", "normal", "-p", "seed", "010", "-p", "N", "50"], ["`N`"]),
        (["chapter", "run", "question", "-o", "notebooks/04_normal.html"], ["refusing", "notebooks"]),
    ]:
        proc = cli(*args, cwd=ROOT)
        _one_line_error(proc, 1 if "-o" in args else 2, *needles)
    assert _files(ROOT / "notebooks") == files


def test_values_are_parsed_by_declared_type(work: Path) -> None:
    from ampcore.book.runner import find_chapters
    from ampcore.cli.chapter import _check_chapter_parameters

    chapter = find_chapters(work / "notebooks")[0]
    assert _check_chapter_parameters(chapter, [["N", "010"], ["M", "2.5e0"], ["gains", "[1, 2,]"]]) == {
        "N": 10, "M": 2.5, "gains": [1, 2]}
    assert _check_chapter_parameters(chapter, [["N", "1.5e2"]]) == {"N": 150}


def test_ctrl_c_while_the_command_loads_is_one_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import importlib

    entry = importlib.import_module("ampcore.__main__")
    real_import = builtins.__import__

    def interrupted(name, *args, **kwargs):
        if name == "cli" or name.endswith(".cli") or name == "ampcore.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "ampcore.cli")
    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert entry.main() == 130
    assert capsys.readouterr().err == "ampcore: interrupted\n"


def test_sigterm_in_process_unwinds_like_ctrl_c(cli, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler main() installs: SIGTERM raises Terminated where the command is, the output's
    partial file is removed by the same `finally` as for Ctrl-C, exit 143, one line."""
    import signal as signals

    import ampcore.cli.amplify as command
    from ampcore.cli.files import atomic

    def write_then_sigterm(path, sample, **options):
        with atomic(path) as tmp:
            tmp.write_bytes(b"half")
            os.kill(os.getpid(), signals.SIGTERM)

    monkeypatch.setattr(command, "write_sample", write_then_sigterm)
    before = signals.getsignal(signals.SIGTERM)
    proc = cli(*AMP, "x.npy", "-o", "fresh.npy", cwd=work)
    _one_line_error_like(proc, 143, "terminated by SIGTERM")
    assert not (work / "fresh.npy").exists() and not list(work.glob(".*partial*"))
    assert signals.getsignal(signals.SIGTERM) == before  # restored after the command


def _one_line_error_like(proc, code: int, needle: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ampcore: ") and needle in lines[0], proc.stderr
