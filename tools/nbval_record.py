"""pytest plugin: keep the notebook executions that nbval makes, so that nothing runs twice.

``make test`` runs every chapter once, under nbval (``python -m pytest -p tools.nbval_record
--nbval-lax notebooks/``). This plugin collects the outputs nbval received for each cell and,
when a notebook has run through without an error, writes it as an executed notebook to
``$AMPBOOK_EXECUTED`` (default ``_build/executed/``), stamped with
:func:`ampcore.book.runner.chapter_fingerprint`. Then

* the chapter claim tests (``tests/test_chapter_*.py``) read their records from it
  (:func:`ampcore.book.runner.executed_records`), and
* ``make book`` seeds the book's execution cache with it (``tools/seed_cache.py``),

as long as neither the notebook's code nor ampcore changed since (the fingerprint says so).

It also makes nbval's kernels run over IPC, like every other kernel of the project
(:mod:`ampcore.book.kernels`): ``--nbval-current-env`` builds its kernelspec in memory, without
the venv's kernel.json, so the IPC provisioner is made jupyter_client's default here.
"""

from __future__ import annotations

import copy
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

_OUTPUTS: dict[Path, dict[int, tuple[list[Any], int | None]]] = defaultdict(dict)
_FAILED: set[Path] = set()


def pytest_configure(config: Any) -> None:
    from ampcore.book.kernels import set_default_provisioner

    set_default_provisioner()


def _folder() -> Path:
    return Path(os.environ.get("AMPBOOK_EXECUTED", "_build/executed"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    cell = getattr(item, "cell", None)
    if cell is None or not hasattr(item, "cell_num"):
        return
    path = Path(str(item.fspath)).resolve()
    if report.failed:
        _FAILED.add(path)
    if call.when == "call" and getattr(item, "test_outputs", None) is not None:
        count = next((o.get("execution_count") for o in item.test_outputs if o.get("output_type") == "execute_result"), None)
        _OUTPUTS[path][item.cell_num] = (copy.deepcopy(list(item.test_outputs)), count)


def _plain(value: Any) -> Any:
    """NotebookNode outputs as plain JSON values."""
    return json.loads(json.dumps(value))


def _quiet(source: str) -> bool:
    """Whether IPython would hide the cell's result: its last statement ends with ``;``.

    nbval executes with ``store_history=False``, so IPython cannot see the semicolon and shows
    the result anyway; a notebook run (the book's, papermill's) would not.
    """
    import io
    import tokenize

    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER,
                                    tokenize.INDENT, tokenize.DEDENT)]
    except (tokenize.TokenError, SyntaxError):
        return False
    return bool(tokens) and tokens[-1].string == ";"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    from ampcore.book.runner import chapter_fingerprint

    folder = _folder()
    for path, cells in _OUTPUTS.items():
        if path in _FAILED:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        if len(cells) != len(code):  # some cells were not run (deselected, interrupted)
            continue
        for number, cell in enumerate(code):  # nbval counts code cells from 0
            outputs, count = cells[number]
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if _quiet(source):
                outputs = [o for o in outputs if o.get("output_type") != "execute_result"]
            cell["outputs"] = _plain(outputs)
            cell["execution_count"] = count if count is not None else number + 1
        nb.setdefault("metadata", {})["ampbook"] = {"fingerprint": chapter_fingerprint(path), "executed_by": "nbval"}
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        tmp = target.with_suffix(".partial")
        tmp.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, target)
