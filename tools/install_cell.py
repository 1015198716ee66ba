"""Give every chapter notebook a first cell that installs ampcore where it is missing (Colab).

``python tools/install_cell.py [notebooks/*.ipynb]`` (default: every ``notebooks/NN_topic.ipynb``)
inserts, or brings up to date, one code cell at the top of each notebook:

* it installs ``ampcore[book,gan]`` from the repository of ``_config.yml`` (``repository: url`` and
  ``branch``) with pip, only if ``import ampcore`` fails, so in the book's own environment, under
  nbval, papermill and Binder it does nothing;
* it is tagged ``remove-cell`` (the book does not show it) and ``ampbook-install`` (how this tool
  finds it again), and has the cell id ``ampbook-install``.

Running it again changes nothing unless the repository URL, the branch or the cell's text changed
(``--check`` exits 1 if a notebook would change, for CI). Outputs, other cells and the notebook's
metadata are kept as they are. The cell's code is in :data:`INSTALL_TEMPLATE`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "ampbook-install"
CELL_ID = "ampbook-install"
# the same extras as the Colab command of book/rerun.md (book/_ext/rerun_note.py NOTEBOOK_EXTRAS)
EXTRAS = ("book", "gan")
INSTALL_TEMPLATE = '''\
# Colab and other fresh environments: install ampcore from the book's repository if it is missing.
# (Hidden in the book; does nothing where ampcore is installed.)
try:
    import ampcore  # noqa: F401
except ImportError:
    import subprocess
    import sys

    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "{requirement}"])'''


def requirement(config: dict[str, Any]) -> str:
    """``ampcore[book,gan] @ git+URL@BRANCH`` from a ``_config.yml``."""
    repo = dict(config.get("repository") or {})
    url = str(repo.get("url") or "").rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"_config.yml `repository: url:` must start with https://; got {url!r}")
    return f"ampcore[{','.join(EXTRAS)}] @ git+{url}@{repo.get('branch') or 'main'}"


def install_source(config: dict[str, Any]) -> str:
    """The install cell's code for the book configured by `config`."""
    return INSTALL_TEMPLATE.format(requirement=requirement(config))


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [line + "\n" for line in parts[:-1]] + [parts[-1]]


def update(nb: dict[str, Any], source: str) -> bool:
    """Insert or refresh the install cell at the top of notebook `nb` (a JSON dict); True if changed."""
    cells = nb.setdefault("cells", [])
    found = [i for i, cell in enumerate(cells) if TAG in (cell.get("metadata", {}).get("tags") or [])]
    cell: dict[str, Any] = {
        "cell_type": "code", "execution_count": None, "id": CELL_ID,
        "metadata": {"tags": ["remove-cell", TAG]}, "outputs": [], "source": _lines(source),
    }
    if nb.get("nbformat", 4) == 4 and nb.get("nbformat_minor", 0) < 5:
        cell.pop("id")
    if found == [0]:
        old = cells[0]
        text = "".join(old.get("source", [])) if isinstance(old.get("source"), list) else str(old.get("source", ""))
        tags = old.get("metadata", {}).get("tags") or []
        if text == source and "remove-cell" in tags:
            return False
        cell["outputs"], cell["execution_count"] = old.get("outputs", []), old.get("execution_count")
        cells[0] = cell
        return True
    for i in reversed(found):  # a copy somewhere else, or several: one, at the top
        del cells[i]
    cells.insert(0, cell)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/install_cell.py", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    source = install_source(config)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    changed = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if update(nb, source):
            changed.append(path)
            if not args.check:
                # nbformat's own layout (sorted keys, indent 1), as the notebooks are stored
                path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    verb = "would change" if args.check else "updated"
    print(f"install cell: {verb} {len(changed)} of {len(paths)} notebooks" + "".join(f"\n  {p}" for p in changed))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
