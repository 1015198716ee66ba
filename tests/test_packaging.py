"""Packaging and book-configuration checks (STYLE.md practice 14: one source of truth).

``pyproject.toml`` owns the dependencies; ``environment.yml`` and the Makefile only mirror them.
``_config.yml`` must keep environments and caches out of the book build, and every chapter
notebook must be reachable from ``_toc.yml`` and re-runnable with papermill.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

yaml = pytest.importorskip("yaml", reason="PyYAML is installed with the book extra (jupyter-book)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _dist_name(requirement: str) -> str:
    """The distribution name of a PEP 508 requirement or a conda spec, normalised (PEP 503)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match is not None, f"cannot read a package name from {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _load_yaml(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict[str, Any]:
    return _load_yaml("environment.yml")


@pytest.fixture(scope="module")
def conda_specs(environment: dict[str, Any]) -> list[str]:
    return [dep for dep in environment["dependencies"] if isinstance(dep, str)]


@pytest.fixture(scope="module")
def pip_lines(environment: dict[str, Any]) -> list[str]:
    return [
        line
        for dep in environment["dependencies"]
        if isinstance(dep, dict)
        for line in dep.get("pip", [])
    ]


@pytest.fixture(scope="module")
def toc_files() -> set[str]:
    """Every page of the book named in ``_toc.yml`` (root included), without file extension."""
    files: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    files.add(re.sub(r"\.(md|ipynb)$", "", str(node[key])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(_load_yaml("_toc.yml"))
    return files


# --- environment.yml and the Makefile mirror pyproject.toml ----------------------------------


def test_environment_lists_the_runtime_dependencies(
    pyproject: dict[str, Any], conda_specs: list[str]
) -> None:
    runtime = {_dist_name(req) for req in pyproject["project"]["dependencies"]}
    mirrored = {_dist_name(spec) for spec in conda_specs} - {"python", "pip"}
    assert mirrored == runtime


def test_environment_python_matches_requires_python(
    pyproject: dict[str, Any], conda_specs: list[str]
) -> None:
    python = [spec for spec in conda_specs if _dist_name(spec) == "python"]
    assert python == ["python" + pyproject["project"]["requires-python"]]


def test_environment_pip_line_installs_every_extra_editable(
    pyproject: dict[str, Any], pip_lines: list[str]
) -> None:
    assert len(pip_lines) == 1, f"expected one pip line, got {pip_lines}"
    match = re.fullmatch(r"-e\s+\.\[([^\]]*)\]", pip_lines[0].strip())
    assert match is not None, f"pip line should be '-e .[extras]', got {pip_lines[0]!r}"
    extras = {extra.strip() for extra in match.group(1).split(",")}
    assert extras == set(pyproject["project"]["optional-dependencies"])


def test_makefile_installs_the_same_extras(pip_lines: list[str]) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^EXTRAS\s*:?=\s*(\S+)\s*$", makefile, flags=re.MULTILINE)
    assert match is not None, "Makefile has no 'EXTRAS := ...' line"
    assert f"-e .[{match.group(1)}]" == pip_lines[0].strip()


# --- the book configuration ---------------------------------------------------------------


@pytest.mark.parametrize("folder", [".venv", "_build", ".pytest_cache"])
def test_book_build_excludes(folder: str) -> None:
    # Sphinx reads hidden folders even with only_build_toc_files (research/toolchain.md section 6).
    assert folder in _load_yaml("_config.yml")["exclude_patterns"]


def test_every_toc_entry_exists(toc_files: set[str]) -> None:
    missing = [
        page
        for page in sorted(toc_files)
        if not any((ROOT / f"{page}{ext}").is_file() for ext in (".md", ".ipynb"))
    ]
    assert missing == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_in_toc(notebook: Path, toc_files: set[str]) -> None:
    assert notebook.relative_to(ROOT).with_suffix("").as_posix() in toc_files


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_one_parameters_cell(notebook: Path) -> None:
    # papermill injects values after the first cell tagged `parameters`; a second one would be
    # silently ignored.
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tagged = [cell for cell in cells if "parameters" in cell.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    assert tagged[0]["cell_type"] == "code"


# --- the README's library example ---------------------------------------------------------


def test_readme_library_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import ampcore

    needed = ("min_generated_events", "satisfies_bound", "gencopy", "kl_divergence")
    missing = [name for name in needed if not hasattr(ampcore, name)]
    if missing:
        pytest.skip(f"the README example needs ampcore.{', ampcore.'.join(missing)}")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use the library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert code is not None, "no ```python block under '## Use the library'"
    exec(compile(code.group(1), "README.md", "exec"), {})
    assert "89442.7 True" in capsys.readouterr().out
