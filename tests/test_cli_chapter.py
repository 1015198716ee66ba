"""``ampcore chapter run``: what it checks before running, what it says when a run stops, and what it
never overwrites. The chapters of the book are read (never executed) for the checks; two tests run
a two-cell chapter of their own in a kernel (a few seconds each)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import nbformat
import pytest

from ampcore import cli
from ampcore.book.render import RenderError
from ampcore.book.runner import find_chapters, resolve_chapter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
pytestmark = pytest.mark.skipif(not list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), reason="no chapter notebooks")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_example_in_the_help_names_real_parameters() -> None:
    parser = cli.build_parser()
    texts = [parser.format_help(), cli.__doc__ or ""]
    sub = parser._subparsers._group_actions[0].choices["chapter"]  # type: ignore[union-attr]
    texts.append(sub.format_help())
    texts.append(sub._subparsers._group_actions[0].choices["run"].format_help())  # type: ignore[union-attr]
    chapters = find_chapters(NOTEBOOKS)
    examples = [line.strip() for text in texts for line in text.splitlines() if "ampcore chapter run " in line]
    assert examples
    for line in examples:
        words = shlex.split(line.split("#")[0])
        name = words[words.index("run") + 1]
        if name.isupper() or name.startswith(("[", "-")):
            continue
        spec = resolve_chapter(name, chapters).spec()
        for i, word in enumerate(words):
            if word == "-p":
                assert words[i + 1] in spec, f"{line!r}: {words[i + 1]!r} is not a parameter of {name}"
                spec.parameters[words[i + 1]].parse_text(words[i + 2])


def test_misspelt_parameter_and_chapter_are_answered_with_a_suggestion(capsys) -> None:
    code, _, err = run(capsys, "chapter", "run", "normal", "-p", "seeds", "20")
    assert code == 2 and "did you mean 'seed'?" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "chapter", "run", "entropy_bond")
    assert code == 2 and "did you mean 'entropy_bound'?" in err


def test_parameters_are_checked_before_the_output(tmp_path: Path, capsys) -> None:
    (tmp_path / "04_normal.ipynb").write_text("{}", encoding="utf-8")  # an existing output
    code, _, err = run(capsys, "chapter", "run", "normal", "-p", "N", "-5", "-o", str(tmp_path))
    assert code == 2 and "`N`" in err and "exists" not in err


def test_a_folder_with_the_users_static_files_is_refused_without_force(tmp_path: Path, capsys) -> None:
    css = tmp_path / "_static" / "custom.css"
    css.parent.mkdir()
    css.write_text("body { color: red }", encoding="utf-8")
    code, _, err = run(capsys, "chapter", "run", "question", "-o", str(tmp_path))
    assert code == 2 and "_static" in err and "--force" in err
    assert css.read_text(encoding="utf-8") == "body { color: red }"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_static"]  # nothing was written


def _tiny_chapter(folder: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A Tiny Chapter"),
        nbformat.v4.new_code_cell('seconds: "float in [0, 100]" = 0.0  # how long to wait', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    chapters = folder / "book" / "notebooks"
    chapters.mkdir(parents=True)
    path = chapters / "01_tiny.ipynb"
    nbformat.write(nb, path)
    return chapters


def test_a_cell_timeout_is_one_line_saying_how_long_and_how_to_raise_it(tmp_path: Path, capsys) -> None:
    chapters = _tiny_chapter(tmp_path, "import time\ntime.sleep(seconds)")
    out = tmp_path / "run"
    code, _, err = run(capsys, "chapter", "run", "tiny", "-p", "seconds", "30", "--timeout", "2",
                       "--no-progress", "--notebooks", str(chapters), "-o", str(out))
    lines = [line for line in err.strip().splitlines() if not line.startswith(("running ", "expected run time"))]
    assert code == 1, err
    assert len(lines) == 1, err
    assert re.search(r"limit of 2 s", lines[0]) and "--timeout" in lines[0]
    assert "Traceback" not in err and "ZMQError" not in err
    assert not out.exists()  # nothing half-written is left


def test_a_failed_render_keeps_the_executed_notebook_and_names_the_first_error(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ampcore.book.render as render

    def broken(*args, **kwargs):
        log = "Traceback ...\nNotImplementedError: unknown node type: proposition_node\n\nRuntimeError: \n=====\n"
        raise RenderError("the book build failed", render.first_error_line(log), log)

    monkeypatch.setattr(render, "render_chapter", broken)
    chapters = _tiny_chapter(tmp_path, "x = seconds + 1")
    out = tmp_path / "run"
    code, stdout, err = run(capsys, "chapter", "run", "tiny", "--no-progress", "--notebooks", str(chapters), "-o", str(out))
    assert code == 1
    assert "NotImplementedError: unknown node type: proposition_node" in err and "=====" not in err
    notebook = out / "01_tiny.ipynb"
    assert notebook.is_file() and f"kept at {notebook}" in err
    assert (out / "01_tiny.render.log").is_file()
    meta = nbformat.read(notebook, as_version=4).metadata["ampbook_run"]
    assert meta["parameters"] == {"seconds": 0.0} and meta["ampcore"]


@pytest.mark.slow
def test_a_real_chapter_re_runs_at_new_parameters_renders_and_checks_its_findings(tmp_path: Path, capsys) -> None:
    # the whole path a re-runner takes, on the cheapest chapter: execute at changed parameters,
    # render with the book's Sphinx, run the chapter's claim tests on the new records
    code, out, err = run(capsys, "chapter", "run", "question", "-p", "N", "60", "-p", "seed", "7",
                         "--no-progress", "-o", str(tmp_path / "run"))
    assert code == 0, err
    assert "expected run time" in err
    assert re.search(r"findings at these parameters: \d+ of \d+ hold", out + err), out + err
    page = (tmp_path / "run" / "01_question.html").read_text(encoding="utf-8")
    executed = nbformat.read(tmp_path / "run" / "01_question.ipynb", as_version=4)
    assert "(re-run: N=60, seed=7)" in page  # the title says what changed
    assert "✓" in page  # the findings table at the top of the page
    injected = [c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "N = 60" in injected[0] and "seed = 7" in injected[0]
