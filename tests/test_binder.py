"""Binder and Colab get what the notebooks import (what can be checked offline).

Binder (repo2docker) reads ``binder/``: ``environment.yml`` for the conda environment, built
before the repository's files are in the image (so it cannot install the project), then
``postBuild``, which installs the project with its notebook extras. Colab runs the install cell
that ``book/rerun.md`` shows (the ``{colab-install}`` directive of ``book/_ext/rerun_note.py``).
Both must install the same extras, and those extras plus the runtime dependencies must provide
every module the notebooks import.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

yaml = pytest.importorskip("yaml", reason="PyYAML is installed with the book extra (jupyter-book)")
pytest.importorskip("sphinx", reason="the re-run extension needs Sphinx (the book extra)")

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
NOTEBOOKS = [*sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "book").glob("*.ipynb"))]


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _extension():
    spec = importlib.util.spec_from_file_location("rerun_note", ROOT / "book" / "_ext" / "rerun_note.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_binder_environment_mirrors_the_runtime_dependencies(pyproject):
    env = yaml.safe_load((BINDER / "environment.yml").read_text(encoding="utf-8"))
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    assert not [d for d in env["dependencies"] if not isinstance(d, str)], "no pip section: postBuild installs the project"
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    assert {_name(s) for s in specs} - {"python", "pip"} == runtime
    # repo2docker picks its Python from an exact version (a lower bound is not read)
    python = next(s for s in specs if _name(s) == "python")
    version = re.fullmatch(r"python=(\d+)\.(\d+)", python)
    assert version is not None, python
    low = tuple(int(v) for v in re.fullmatch(r">=(\d+)\.(\d+)", pyproject["project"]["requires-python"]).groups())
    assert tuple(int(v) for v in version.groups()) >= low


def test_postbuild_installs_the_project_with_the_notebook_extras():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash")
    match = re.search(r'pip install[^\n]*-e "\.\[([a-z,]+)\]"', text)
    assert match is not None, text
    assert tuple(match.group(1).split(",")) == _extension().NOTEBOOK_EXTRAS


def test_colab_command_comes_from_config_and_installs_the_same():
    ext = _extension()
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    command = ext.colab_install_command(repo["url"], repo.get("branch", "main"))
    url = repo["url"].rstrip("/")
    assert command == f'!pip install "ampcore[{",".join(ext.NOTEBOOK_EXTRAS)}] @ git+{url}@{repo.get("branch", "main")}"'
    assert "{colab-install}" in (ROOT / "book" / "rerun.md").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="must start with https://"):
        ext.colab_install_command("git@github.com:owner/name")


def _imported_modules(notebook: Path) -> set[str]:
    names: set[str] = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("!", "%"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def _closure(requirements: set[str]) -> set[str]:
    """The installed distributions these names pull in (their requirements, recursively)."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def test_runtime_and_notebook_extras_provide_every_import(pyproject):
    ext = _extension()
    wanted = {_name(r) for r in pyproject["project"]["dependencies"]}
    for extra in ext.NOTEBOOK_EXTRAS:
        wanted |= {_name(r) for r in pyproject["project"]["optional-dependencies"][extra]}
    provided = _closure(wanted)
    owners = importlib.metadata.packages_distributions()
    missing = {}
    for notebook in NOTEBOOKS:
        for module in sorted(_imported_modules(notebook)):
            if module in sys.stdlib_module_names or module == "ampcore":
                continue
            dists = {_name(d) for d in owners.get(module, [])}
            assert dists, f"{notebook.name} imports {module!r}, which no installed distribution provides"
            if not dists & provided:
                missing.setdefault(notebook.name, []).append(module)
    assert missing == {}, f"Binder/Colab would lack: {missing} (add them to the runtime list or to NOTEBOOK_EXTRAS)"
