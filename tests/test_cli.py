"""The ``ampcore`` command, run for real in a subprocess (``python -m ampcore`` and the script).

Chapter runs use a tiny throwaway notebook in ``tmp_path`` (``--notebooks``), so these tests do
not depend on the book's chapters or their run time; one test lists the real ``notebooks/``.
Every bad input must exit non-zero with exactly one line on stderr and leave no output behind.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

nbformat = pytest.importorskip("nbformat", reason="nbformat is installed with the book extra")
pytest.importorskip("papermill", reason="papermill is installed with the book extra")

PARAMETERS = """\
N: int = 30  # training events
G: int = 2  # gain: N_G = G N generated events
M: float = 2.0  # Goldilocks statistic
gains: list = [1, 2]  # gains G
"""


def _tiny_notebook(path: Path, parameters: str = PARAMETERS) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny Chapter\n\nA throwaway chapter for the CLI tests."),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from ampcore.notebook import check_parameters, record\n"
            "params = check_parameters(N=N, G=G, M=M, gains=gains)\n"
            "if N == 13:\n"
            "    raise RuntimeError('thirteen is unlucky')\n"
            "print(f'N_G = {N * G}')"
        ),
        nbformat.v4.new_code_cell("record(n_generated=N * G, gains=gains)"),
    ]
    nbformat.write(nb, str(path))
    return path


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("AMPBOOK_NOTEBOOKS", "MPLBACKEND")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ampcore", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=300,
    )


def _one_line_error(
    proc: subprocess.CompletedProcess[str], code: int, *needles: str, only_line: bool = True
) -> str:
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


def _run_all(jobs: list[tuple[list[str], Path]]) -> list[subprocess.CompletedProcess[str]]:
    """Run many commands at once (each starts Python and imports numpy, scipy and pandas: ~1 s)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda job: run(*job[0], cwd=job[1]), jobs))


# --- help and the three numeric commands ------------------------------------------------------


HELP = [[], ["bound"], ["amplify"], ["kld"], ["chapter"], ["chapter", "list"], ["chapter", "run"]]


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> list[subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("help")
    return _run_all([([*args, "--help"], folder) for args in HELP])


@pytest.mark.parametrize("index", range(len(HELP)), ids=[" ".join(a) or "top" for a in HELP])
def test_help_everywhere_has_examples(helps: list[subprocess.CompletedProcess[str]], index: int) -> None:
    proc = helps[index]
    assert proc.returncode == 0, proc.stderr
    assert "example" in proc.stdout and "ampcore " in proc.stdout


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = shutil.which("ampcore", path=str(Path(sys.executable).parent)) or shutil.which("ampcore")
    if script is None:
        pytest.skip("the `ampcore` console script is not on PATH (run `pip install -e .`)")
    proc = subprocess.run([script, "bound", "100"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "1,000.0" in proc.stdout  # 100^(3/2)


def test_bound_table(tmp_path: Path) -> None:
    proc = run("bound", "2000", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # N^(3/2) = 89442.7, sqrt(N) = 44.72, ln(2000)/2 = 3.800 nats = 5.483 bits (bound.py doctests)
    for text in ("N^(3/2)", "89,442.7", "sqrt(N)", "44.72", "3.800 nats", "5.483 bits"):
        assert text in proc.stdout, (text, proc.stdout)


def test_bound_general_form(tmp_path: Path) -> None:
    proc = run("bound", "100", "--m-train", "2", "--m-gen", "4", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "N^(2)" in proc.stdout and "10,000.0" in proc.stdout  # 100^(4/2)


@pytest.mark.parametrize("suffix", [".npy", ".csv", ".txt"])
def test_amplify_writes_the_sample_and_reports(work: Path, suffix: str) -> None:
    out = work / f"amplified{suffix}"
    proc = run("amplify", "x.npy", "--gain", "50", "--m", "2.5", "--seed", "1", "-o", out.name, cwd=work)
    assert proc.returncode == 0, proc.stderr
    sample = np.load(out) if suffix == ".npy" else np.loadtxt(out)
    assert sample.shape == (25_000,)
    # 25 000 >= 500^1.5 = 11 180: the bound holds
    for text in ("25,000", "bin width Δ", "M_eff", "holds"):
        assert text in proc.stdout, (text, proc.stdout)
    assert not [p for p in work.iterdir() if ".partial" in p.name]


def test_amplify_is_reproducible_from_a_text_file(work: Path) -> None:
    for name in ("a.npy", "b.npy"):
        proc = run("amplify", "x.txt", "--gain", "3", "--m", "2", "--seed", "5", "-o", name, cwd=work)
        assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(work / "a.npy"), np.load(work / "b.npy"))
    assert "does NOT hold" in proc.stdout  # 600 < 200^1.5 = 2828


def test_kld_vector_and_ties(work: Path) -> None:
    proc = run("kld", "x.npy", "y.npy", "-k", "4", cwd=work)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines() if line[:1].isdigit()]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4]
    # same law, n = 500: noise ~ 2/sqrt(500) = 0.09 nats at k = 1; |D| < 0.5 is > 5 sd
    assert all(abs(float(r[1])) < 0.5 for r in rows)
    assert "ties: none" in proc.stdout
    tied = run("kld", "x.npy", "x.npy", "-k", "2", "--bits", cwd=work)
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
    (["kld", "x.npy", "nan.npy"], 1, ["nan.npy", "NaN"]),
    (["bound", "abc"], 2, ["abc"]),
    (["bound", "-5"], 2, ["`N`"]),
    (["chapter", "run", "nosuch", "--notebooks", "notebooks"], 2, ["unknown chapter", "nosuch", "tiny"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "nosuch", "1"], 2, ["unknown parameter", "nosuch", "N, G, M, gains"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "-5"], 2, ["`N`", ">= 2", "-5"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "abc"], 2, ["`N`", "integer", "abc"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "G", "0"], 2, ["`G`", ">= 1"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "gains", "[1, 0]"], 2, ["`gains[1]`"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks/01_tiny.ipynb"], 1, ["refusing", "source notebook"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "notebooks"], 1, ["refusing", "source notebook"]),
    (["chapter", "run", "tiny", "--notebooks", "notebooks", "-o", "nowhere/deeper"], 1, ["nowhere", "does not exist"]),
    (["chapter", "list", "--notebooks", "no_such_folder"], 1, ["no_such_folder", "--notebooks"]),
    (["chapter", "frob"], 2, ["invalid choice", "frob"]),
]


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, set[str], subprocess.CompletedProcess[str]]]:
    """Every BAD command, each in a fresh folder of its own, run concurrently."""
    folders = [_make_work(tmp_path_factory.mktemp(f"bad{i}")) for i in range(len(BAD))]
    before = [(_files(folder), (folder / "notebooks" / "01_tiny.ipynb").read_bytes()) for folder in folders]
    procs = _run_all([(args, folder) for (args, _, _), folder in zip(BAD, folders)])
    return list(zip(folders, before, procs))


@pytest.mark.parametrize("index", range(len(BAD)), ids=[" ".join(args) for args, _, _ in BAD])
def test_bad_input_is_one_clear_line(bad_runs, index: int) -> None:
    _, code, needles = BAD[index]
    folder, (files, source), proc = bad_runs[index]
    _one_line_error(proc, code, *needles)
    assert _files(folder) == files, "the command left files behind"
    assert (folder / "notebooks" / "01_tiny.ipynb").read_bytes() == source


def test_traceback_flag_shows_the_traceback(work: Path) -> None:
    proc = run("--traceback", "amplify", "missing.npy", "--gain", "5", "--m", "2", "-o", "o.npy", cwd=work)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


# --- chapters ----------------------------------------------------------------------------------


def test_chapter_list_shows_parameters_types_defaults_and_help(work: Path) -> None:
    proc = run("chapter", "list", "--notebooks", "notebooks", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "tiny" in proc.stdout and "Tiny Chapter" in proc.stdout
    # papermill's inspection skips a line with two "=" (the help of G): it must still be listed
    for text in ("-p N", "int", "default 30", "training events", "-p G", "N_G = G N", "-p gains", "[1, 2]"):
        assert text in proc.stdout, (text, proc.stdout)
    assert "Unable to parse" not in proc.stderr


def test_chapter_folder_from_the_environment(work: Path) -> None:
    proc = run("chapter", "list", cwd=work, env={"AMPBOOK_NOTEBOOKS": str(work / "notebooks")})
    assert proc.returncode == 0, proc.stderr
    assert "01_tiny.ipynb" in proc.stdout


def test_chapter_list_covers_every_real_notebook(tmp_path: Path) -> None:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        pytest.skip("notebooks/ has no NN_topic.ipynb chapters yet")
    proc = run("chapter", "list", cwd=tmp_path)  # default folder: <repo>/notebooks
    assert proc.returncode == 0, proc.stderr
    for path in notebooks:
        assert f"({path.name})" in proc.stdout, path.name


def test_chapter_run_writes_notebook_and_html_not_the_source(work: Path) -> None:
    source = work / "notebooks" / "01_tiny.ipynb"
    before = source.read_bytes()
    proc = run("chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "40", "-p", "gains", "[3, 4]", cwd=work)
    assert proc.returncode == 0, proc.stderr
    paths = dict(line.split(":", 1) for line in proc.stdout.splitlines() if line.startswith(("notebook:", "html:")))
    notebook, html = work / paths["notebook"].strip(), work / paths["html"].strip()
    assert notebook.parent.parent == work / "runs" and notebook.parent.name.startswith("01_tiny-")
    from ampcore.notebook import read_records

    assert read_records(notebook) == {"n_generated": 80, "gains": [3, 4]}
    text = html.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "N_G = 80" in text
    assert "Executing" in proc.stderr  # papermill's progress bar
    from ampcore.cli import _LOCAL_MATHJAX

    if _LOCAL_MATHJAX.is_file():  # offline: the book's MathJax is embedded, not the CDN's
        assert "cdnjs.cloudflare.com/ajax/libs/mathjax" not in text and "window.MathJax" in text
    umask = os.umask(0)
    os.umask(umask)
    assert notebook.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert source.read_bytes() == before
    assert sorted(p.name for p in notebook.parent.iterdir()) == ["01_tiny.html", "01_tiny.ipynb"]


def test_chapter_run_by_number_into_a_named_notebook(work: Path) -> None:
    proc = run("chapter", "run", "01", "--notebooks", "notebooks", "--no-progress", "-o", "out/run.ipynb", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (work / "out").iterdir()) == ["run.html", "run.ipynb"]
    assert json.loads((work / "out" / "run.ipynb").read_text())["metadata"]["papermill"]["parameters"] == {}


def test_failing_chapter_leaves_nothing_behind(work: Path) -> None:
    before = _files(work)
    proc = run("chapter", "run", "tiny", "--notebooks", "notebooks", "-p", "N", "13", "--no-progress", cwd=work)
    _one_line_error(proc, 1, "chapter tiny failed", "RuntimeError", "thirteen is unlucky", only_line=False)
    assert _files(work) - before <= {"runs"}  # the runs/ parent may stay; no run folder, no file
    assert not list((work / "runs").glob("*")) if (work / "runs").exists() else True


def test_rerun_commands_list_every_parameter(work: Path) -> None:
    from ampcore.cli import find_chapters, rerun_commands

    (chapter,) = find_chapters(work / "notebooks")
    cli, pm = rerun_commands(chapter)
    assert cli.split() == "ampcore chapter run tiny \\ -p N 30 \\ -p G 2 \\ -p M 2.0 \\ -p gains '[1, 2]'".split()
    assert pm.startswith("papermill -k python3 --cwd notebooks notebooks/01_tiny.ipynb _build/runs/01_tiny.ipynb")
    assert "-y 'gains: [1, 2]'" in pm and "-p N 30" in pm


# --- the book's generated re-run notes (book/_ext/rerun_note.py) --------------------------------


@pytest.mark.slow
def test_book_extension_writes_the_rerun_note(tmp_path: Path) -> None:
    """A private one-chapter book built with -W: the note and the parameter table are generated."""
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if jb is None:
        pytest.skip("jupyter-book is not installed (the book extra)")
    book = tmp_path / "book"
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "book" / "rerun.md", book / "book" / "rerun.md")
    (book / "book" / "intro.md").write_text("# Intro\n\nA private book.\n")
    (book / "notebooks").mkdir()
    _tiny_notebook(book / "notebooks" / "01_tiny.ipynb")
    (book / "_config.yml").write_text(
        "title: private\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: 'off'\n"
        "sphinx:\n  local_extensions:\n    rerun_note: book/_ext\n"
    )
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_tiny\n  - file: book/rerun\n"
    )
    proc = subprocess.run([jb, "build", "-W", "--keep-going", str(book)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    import html
    import re

    page = (book / "_build" / "html" / "notebooks" / "01_tiny.html").read_text(encoding="utf-8")
    assert "rerun-note" in page
    chapter = html.unescape(re.sub(r"<[^>]+>", "", page))  # the text, without pygments' spans
    assert "Re-run this chapter" in chapter
    assert "ampcore chapter run tiny" in chapter and "-p gains '[1, 2]'" in chapter
    assert "papermill -k python3 --cwd notebooks notebooks/01_tiny.ipynb" in chapter
    rerun = (book / "_build" / "html" / "book" / "rerun.html").read_text(encoding="utf-8")
    assert "rerun-parameters" in rerun and "N_G = G N" in rerun and "Tiny Chapter" in rerun
