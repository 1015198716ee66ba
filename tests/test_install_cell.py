"""tools/install_cell.py: the hidden first cell that installs ampcore where it is missing (Colab)."""

from __future__ import annotations

import builtins
import copy
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tools.install_cell import TAG, install_source, requirement, update

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _nb() -> dict:
    return {"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# T"]},
                      {"cell_type": "code", "id": "b", "metadata": {"tags": ["parameters"]}, "outputs": [],
                       "execution_count": None, "source": ["N = 1"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_inserted_once_at_the_top_hidden_and_idempotent() -> None:
    nb = _nb()
    source = install_source(CONFIG)
    assert update(nb, source) is True
    first = nb["cells"][0]
    assert first["cell_type"] == "code" and {"remove-cell", TAG} <= set(first["metadata"]["tags"])
    assert "".join(first["source"]) == source and len(nb["cells"]) == 3
    again = copy.deepcopy(nb)
    assert update(again, source) is False and again == nb
    # a new repository URL refreshes the same cell, nothing else
    moved = install_source({"repository": {"url": "https://github.com/other/book", "branch": "dev"}})
    assert update(nb, moved) is True and len(nb["cells"]) == 3
    assert "git+https://github.com/other/book@dev" in "".join(nb["cells"][0]["source"])


def test_requirement_is_the_repository_of_the_config() -> None:
    url = CONFIG["repository"]["url"].rstrip("/")
    assert requirement(CONFIG) == f"ampcore[book,gan] @ git+{url}@{CONFIG['repository'].get('branch', 'main')}"
    with pytest.raises(ValueError, match="https://"):
        requirement({"repository": {"url": "git@github.com:x/y"}})


def test_the_cell_installs_only_when_ampcore_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "check_call", lambda argv: calls.append(list(argv)))
    source = install_source(CONFIG)
    exec(compile(source, "install", "exec"), {})  # ampcore is importable here: nothing to do
    assert calls == []
    real_import = builtins.__import__

    def no_ampcore(name: str, *args, **kwargs):
        if name == "ampcore":
            raise ImportError("No module named 'ampcore'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ampcore)
    exec(compile(source, "install", "exec"), {})
    assert len(calls) == 1 and calls[0][1:4] == ["-m", "pip", "install"] and calls[0][-1] == requirement(CONFIG)


def test_every_chapter_has_the_current_install_cell() -> None:
    # fails after a chapter is added or rewritten without it: run `python tools/install_cell.py`
    source = install_source(CONFIG)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert update(copy.deepcopy(nb), source) is False, f"{path.name}: run python tools/install_cell.py"
