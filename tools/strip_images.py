"""Strip image outputs (and cell timing metadata) from executed notebooks, in place.

Notebooks are committed executed with their text outputs, so GitHub shows the printed results and
nbval compares the cells tagged ``nbval-check-output``; images are dropped to keep diffs small, and
the book build re-creates every figure (STYLE.md, notebook-output policy). ``make notebooks`` runs
this after ``jupyter execute --inplace``.

What is removed, per code cell:

* every ``image/*`` entry of ``display_data`` / ``execute_result`` outputs (and its output
  metadata); an output left with no data at all is dropped;
* ``metadata.execution`` (the timestamps nbclient records on every run).

Text outputs, execution counts, tags and all other metadata are kept.

Usage: ``python tools/strip_images.py notebooks/*.ipynb``
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip_notebook(nb: nbformat.NotebookNode) -> int:
    """Remove image outputs and timing metadata from ``nb``; return the number of images removed."""
    removed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        kept = []
        for output in cell.outputs:
            if output.output_type in ("display_data", "execute_result"):
                images = [mime for mime in output.data if mime.startswith("image/")]
                for mime in images:
                    del output.data[mime]
                    output.metadata.pop(mime, None)
                removed += len(images)
                if not output.data:
                    continue
            kept.append(output)
        cell.outputs = kept
    return removed


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python tools/strip_images.py NOTEBOOK.ipynb [...]", file=sys.stderr)
        return 2
    for path in map(Path, paths):
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        removed = strip_notebook(nb)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        print(f"{path}: removed {removed} image output(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
