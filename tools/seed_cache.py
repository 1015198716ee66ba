"""Start the book's execution cache from the chapter executions ``make test`` already made.

``make book`` calls this before ``jupyter-book build``. It empties the cache
(``_build/.jupyter_cache``, used by ``execute_notebooks: cache`` in ``_config.yml``) and adds
every ``_build/executed/<chapter>.ipynb`` whose stamp equals the chapter's current
:func:`ampcore.book.runner.chapter_fingerprint` — the notebook's code and every ampcore source
file. The book then renders those executions (figures included) instead of running the chapter
again; any chapter without a fresh execution is executed by the build itself. The cache is never
reused across changes: a stale entry (a changed ampcore, an old run) cannot reach the book.

Usage: ``python tools/seed_cache.py [NOTEBOOKS] [EXECUTED] [CACHE]``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def seed(notebooks: Path, executed: Path, cache_path: Path) -> list[str]:
    """Empty `cache_path`, add the fresh executions of `notebooks` found in `executed`."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from ampcore.book.runner import chapter_fingerprint

    shutil.rmtree(cache_path, ignore_errors=True)
    cache = get_cache(str(cache_path))
    seeded = []
    for source in sorted(notebooks.glob("*.ipynb")):
        run = executed / source.name
        if not run.is_file():
            continue
        stamp = json.loads(run.read_text(encoding="utf-8")).get("metadata", {}).get("ampbook", {})
        if stamp.get("fingerprint") != chapter_fingerprint(source):
            continue
        nb = nbformat.read(str(run), as_version=4)
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(source.resolve()), data={"seeded_from": str(run)}),
                                    check_validity=False, overwrite=True)
        seeded.append(source.name)
    return seeded


def main(argv: list[str]) -> int:
    notebooks = Path(argv[0] if len(argv) > 0 else "notebooks")
    executed = Path(argv[1] if len(argv) > 1 else "_build/executed")
    cache_path = Path(argv[2] if len(argv) > 2 else "_build/.jupyter_cache")
    seeded = seed(notebooks, executed, cache_path)
    total = len(list(notebooks.glob("*.ipynb")))
    print(f"seed_cache: {len(seeded)} of {total} chapters reuse this run's execution"
          + (f" ({', '.join(seeded)})" if seeded else "") + "; the book build executes the others.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
