"""Hand the book's execution cache the chapter runs of the current code, executing the missing ones.

``make book`` calls this before ``jupyter-book build``. It

1. executes, two at a time (``--workers``), every chapter that has no up-to-date run in
   ``_build/executed/`` — a run is up to date when its stamp equals the chapter's current
   :func:`ampcore.book.runner.chapter_fingerprint` (its code cells and every ampcore source file);
   after ``make test`` every chapter has one (nbval's), so nothing runs again;
2. empties the book's cache (``_build/.jupyter_cache``, used by ``execute_notebooks: cache`` in
   ``_config.yml``) and adds exactly those up-to-date runs.

The book then renders those executions (figures included). The cache is never reused across
changes: a stale entry (a changed ampcore, an old run) cannot reach the book. A chapter that fails
here fails ``make book`` with its error, as the book's own execution would.

Usage: ``python tools/seed_cache.py [NOTEBOOKS] [EXECUTED] [CACHE] [--workers W]``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def _fresh(source: Path, executed: Path) -> bool:
    from ampcore.book.runner import chapter_fingerprint

    run = executed / source.name
    if not run.is_file():
        return False
    stamp = json.loads(run.read_text(encoding="utf-8")).get("metadata", {}).get("ampbook", {})
    return bool(stamp.get("fingerprint") == chapter_fingerprint(source))


def _execute(source: str, executed: str) -> tuple[str, float]:
    from ampcore.book.runner import executed_records

    start = time.perf_counter()
    executed_records(source, executed)
    return Path(source).name, time.perf_counter() - start


def execute_missing(notebooks: Path, executed: Path, workers: int) -> list[tuple[str, float]]:
    """Run, `workers` at a time, every chapter of `notebooks` without an up-to-date run in `executed`."""
    missing = [s for s in sorted(notebooks.glob("*.ipynb")) if not _fresh(s, executed)]
    if not missing:
        return []
    executed.mkdir(parents=True, exist_ok=True)
    print(f"seed_cache: executing {len(missing)} chapter(s), {workers} at a time: "
          + ", ".join(s.name for s in missing), flush=True)
    with ProcessPoolExecutor(max(1, min(workers, len(missing)))) as pool:
        done = list(pool.map(_execute, [str(s) for s in missing], [str(executed)] * len(missing)))
    for name, seconds in done:
        print(f"seed_cache: {name} executed in {seconds:.1f} s", flush=True)
    return done


def seed(notebooks: Path, executed: Path, cache_path: Path) -> list[str]:
    """Empty `cache_path`, add the up-to-date executions of `notebooks` found in `executed`."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    shutil.rmtree(cache_path, ignore_errors=True)
    cache = get_cache(str(cache_path))
    seeded = []
    for source in sorted(notebooks.glob("*.ipynb")):
        if not _fresh(source, executed):
            continue
        run = executed / source.name
        nb = _as_source(nbformat.read(str(source), as_version=4), nbformat.read(str(run), as_version=4))
        if nb is None:
            continue
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(source.resolve()), data={"seeded_from": str(run)}),
                                    check_validity=False, overwrite=True)
        seeded.append(source.name)
    return seeded


def _as_source(source: Any, run: Any) -> Any:
    """The source notebook carrying the run's outputs, or None if their code cells differ.

    The book looks a chapter up in its cache by a hash of the code cells' sources and metadata and
    of the kernelspec. nbval's runs keep those as they are, but papermill adds its own metadata to
    every cell, so a papermill run would never be found: the book would execute the chapter again.
    """
    source_cells = [c for c in source.cells if c.cell_type == "code"]
    run_cells = [c for c in run.cells if c.cell_type == "code"]
    if [c.source for c in source_cells] != [c.source for c in run_cells]:
        return None
    for cell, done in zip(source_cells, run_cells):
        cell.outputs = done.outputs
        cell.execution_count = done.execution_count
    return source


def main(argv: list[str]) -> int:
    workers = 2
    if "--workers" in argv:
        i = argv.index("--workers")
        workers = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    notebooks = Path(argv[0] if len(argv) > 0 else "notebooks")
    executed = Path(argv[1] if len(argv) > 1 else "_build/executed")
    cache_path = Path(argv[2] if len(argv) > 2 else "_build/.jupyter_cache")
    execute_missing(notebooks, executed, workers)
    seeded = seed(notebooks, executed, cache_path)
    total = len(list(notebooks.glob("*.ipynb")))
    print(f"seed_cache: {len(seeded)} of {total} chapters' runs are up to date and go to the book"
          + ("" if len(seeded) == total else "; the book build executes the others") + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
