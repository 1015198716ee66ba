"""The layers contract (DESIGN.md section 2): imports only go downward,
core <- generators <- auditing, studies <- book <- cli.

Every module's imports are read with ``ast`` (those inside functions too), resolved to the
ampcore module they name, and checked:

* the core (``ampcore/*.py`` except ``auditing.py`` and ``__main__.py``) imports nothing from the
  layers above it, ``ampcore.generators`` included;
* ``ampcore/generators/*`` imports the core only;
* ``ampcore/auditing.py`` (the audit refits a generator for its ensemble estimate, so it sits
  above the generators) and ``ampcore/studies/*`` import nothing from ``ampcore.book`` or
  ``ampcore.cli``, and the audit nothing from the studies;
* ``ampcore/__init__.py``, the package's lazy facade, re-exports the core, the generators and the
  audit, and imports nothing from the studies, the book or the command;
* ``ampcore/book/*`` imports nothing from ``ampcore.cli``;
* the command (the package ``ampcore/cli/`` and ``ampcore/__main__.py``, its entry point) may
  import from the book, the studies and the core; nothing else imports it;
* no module imports a private name (``_something``) from another ampcore module, nor a private
  module other than ``ampcore._rng``, ``ampcore._validation``, ``ampcore._knn``, ``ampcore._output``
  and ``ampcore._jax``.

A failure lists every offending import as ``file:line``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ampcore"
SHARED_PRIVATE = {"ampcore._rng", "ampcore._validation", "ampcore._knn", "ampcore._output", "ampcore._jax"}


@dataclass(frozen=True)
class Import:
    file: str  # relative to the repository
    line: int
    module: str  # the importing module, e.g. "ampcore.studies.gain"
    target: str  # the ampcore module imported from, e.g. "ampcore.generators"
    names: tuple[str, ...]  # the names imported from it ("*" for a star; () for `import x`)

    def __str__(self) -> str:
        what = f"from {self.target} import {', '.join(self.names)}" if self.names else f"import {self.target}"
        return f"{self.file}:{self.line}: {what}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    relative = Path(*name.split("."))
    return (PACKAGE.parent / relative).with_suffix(".py").is_file() or (PACKAGE.parent / relative / "__init__.py").is_file()


def _imports(path: Path) -> list[Import]:
    """Every import of an ampcore module in `path`, resolved to absolute module names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    rel = str(path.relative_to(PACKAGE.parent))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ampcore" or alias.name.startswith("ampcore."):
                    found.append(Import(rel, node.lineno, module, alias.name, ()))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not (source == "ampcore" or source.startswith("ampcore.")):
                continue
            plain = []
            for alias in node.names:
                # `from . import bound` imports the module ampcore.bound
                if _is_module(f"{source}.{alias.name}"):
                    found.append(Import(rel, node.lineno, module, f"{source}.{alias.name}", ()))
                else:
                    plain.append(alias.name)
            if plain:
                found.append(Import(rel, node.lineno, module, source, tuple(plain)))
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("generators", "auditing", "studies", "book", "cli"):
        return parts[1]
    if module == "ampcore.__main__":
        return "cli"
    if module == "ampcore":
        return "facade"
    return "core"


FORBIDDEN = {
    "core": {"facade", "generators", "auditing", "studies", "book", "cli"},
    "generators": {"facade", "auditing", "studies", "book", "cli"},
    "auditing": {"studies", "book", "cli"},  # its report reads ampcore.__version__ from the facade
    "facade": {"studies", "book", "cli"},
    "studies": {"facade", "book", "cli"},
    "book": {"cli"},
    "cli": set(),
}
FILES = sorted(PACKAGE.rglob("*.py"))
ALL_IMPORTS = [imp for path in FILES for imp in _imports(path)]


def test_the_reader_sees_every_kind_of_import():
    """The contract is only as good as the reader: check it on known imports of the package."""
    seen = {(imp.module, imp.target) for imp in ALL_IMPORTS}
    assert ("ampcore.studies.gain", "ampcore.generators.registry") in seen  # from ..generators.registry import ...
    assert ("ampcore.generators.gan", "ampcore.generators.base") in seen  # from .base import ...
    assert ("ampcore.generators.histogram", "ampcore.information") in seen  # from ..information import ...
    assert ("ampcore.auditing", "ampcore.generators.registry") in seen  # inside a function
    assert ("ampcore.studies.gain", "ampcore.studies.engine") in seen  # from .engine import ...
    assert ("ampcore.cli.bound", "ampcore.bound") in seen  # from .. import bound, inside a function
    assert ("ampcore.cli.chapter", "ampcore.book.runner") in seen  # from ..book.runner import ..., in a function
    assert ("ampcore.cli.app", "ampcore.cli.bound") in seen  # from . import bound (the command's own package)
    assert ("ampcore.cli", "ampcore.cli.app") in seen
    assert ("ampcore.book.plotting", "ampcore.studies.gain") in seen
    assert {imp.file for imp in ALL_IMPORTS} >= {"ampcore/__init__.py", "ampcore/studies/engine.py", "ampcore/book/runner.py",
                                                  "ampcore/cli/app.py"}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_only_go_downward(layer):
    offending = [str(imp) for imp in ALL_IMPORTS if _layer(imp.module) == layer and _layer(imp.target) in FORBIDDEN[layer]]
    assert not offending, f"{layer} must not import from {sorted(FORBIDDEN[layer])}:\n" + "\n".join(offending)


def test_no_private_names_across_modules():
    offending = []
    for imp in ALL_IMPORTS:
        if imp.target == imp.module:
            continue
        private_module = any(part.startswith("_") for part in imp.target.split(".")[1:])
        if private_module and imp.target not in SHARED_PRIVATE:
            offending.append(f"{imp}  (private module)")
        private = [n for n in imp.names if n.startswith("_") and n != "__version__"]
        if private:
            offending.append(f"{imp}  (private name {', '.join(private)})")
    assert not offending, "imports of private names from other ampcore modules:\n" + "\n".join(offending)


def test_a_violation_is_reported_with_file_and_line(tmp_path):
    """On a fake package: an upward import inside a function and a private name are both found."""
    fake = tmp_path / "ampcore"
    (fake / "studies").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "studies" / "__init__.py").write_text("")
    (fake / "studies" / "engine.py").write_text("_helper = 1\n")
    (fake / "floor.py").write_text(
        "import numpy\n"
        "from .studies.engine import _helper\n"
        "def f():\n"
        "    from ampcore.studies import engine\n"
        "    import ampcore.studies.engine as e\n"
    )
    real = globals()["PACKAGE"]
    globals()["PACKAGE"] = fake  # the reader resolves names against this package root
    try:
        imports = _imports(fake / "floor.py")
    finally:
        globals()["PACKAGE"] = real
    assert all(_layer(imp.module) == "core" and _layer(imp.target) in FORBIDDEN["core"] for imp in imports)
    assert [str(imp) for imp in imports] == [
        "ampcore/floor.py:2: from ampcore.studies.engine import _helper",
        "ampcore/floor.py:4: import ampcore.studies.engine",
        "ampcore/floor.py:5: import ampcore.studies.engine",
    ]
