"""How long each chapter takes at its defaults: the base of ``ampcore chapter run``'s estimate.

``python -m benchmarks.chapter_times [TOPIC ...] [--keep DIR]`` executes each chapter once at its
defaults with papermill (:func:`ampcore.book.runner.execute_chapter`, never over the source),
one after the other, and rewrites ``benchmarks/results/chapter_times.csv``: the wall time, the
CPU time of the kernel and everything it started (user + system, sampled every 0.2 s), and
the machine's 1-minute load before the run. The CPU time is the better measure on a shared
machine. ``ampcore chapter run`` scales the CPU time by the
chapter's work expression (:data:`ampcore.book.runner.CHAPTER_WORK`) to announce its expected
run time. ``--keep DIR`` keeps the executed notebooks (e.g. for the render test,
``AMPBOOK_EXECUTED=DIR``). Not part of ``make test``; ``make bench`` does not run it either
(about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from ampcore.book.runner import chapter_fingerprint, execute_chapter, find_chapters, resolve_chapter

from . import RESULTS

ROOT = Path(__file__).resolve().parents[1]
OUT = RESULTS / "chapter_times.csv"
FIELDS = ("chapter", "wall_s", "cpu_s", "load_1min", "date")


class _DescendantsCPU:
    """CPU time (user + system) of every process this one starts while it runs: the kernel and
    its workers, sampled every 0.2 s (their last sample counts; getrusage misses kernels that
    jupyter_client never waits for)."""

    def __init__(self) -> None:
        import threading

        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            for proc in me.children(recursive=True):
                try:
                    times = proc.cpu_times()
                    self.seen[proc.pid] = times.user + times.system
                except psutil.Error:
                    pass
            self._stop.wait(0.2)

    def __enter__(self) -> _DescendantsCPU:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total(self) -> float:
        return sum(self.seen.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chapter_times", description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*", help="chapters to time (default: all)")
    parser.add_argument("--keep", metavar="DIR", help="keep the executed notebooks in DIR")
    args = parser.parse_args(argv)
    chapters = find_chapters(ROOT / "notebooks")
    if args.topics:
        chapters = [resolve_chapter(t, chapters) for t in args.topics]
    rows: dict[str, dict[str, str]] = {}
    if OUT.is_file():
        with OUT.open(newline="", encoding="utf-8") as handle:
            rows = {row["chapter"]: row for row in csv.DictReader(handle)}
    keep = Path(args.keep) if args.keep else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chapter-times-") as tmp:
        for chapter in chapters:
            target = (keep or Path(tmp)) / chapter.path.name
            load = os.getloadavg()[0]
            wall0 = time.perf_counter()
            with _DescendantsCPU() as meter:
                execute_chapter(chapter.path, target, timeout=1800)
            wall, cpu = time.perf_counter() - wall0, meter.total
            if keep is not None:  # stamped like nbval's runs, so the claim tests may read them
                import json

                nb = json.loads(target.read_text(encoding="utf-8"))
                nb.setdefault("metadata", {})["ampbook"] = {"fingerprint": chapter_fingerprint(chapter.path),
                                                            "executed_by": "papermill"}
                target.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            rows[chapter.stem] = {"chapter": chapter.stem, "wall_s": f"{wall:.1f}", "cpu_s": f"{cpu:.1f}",
                                  "load_1min": f"{load:.2f}",
                                  "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
            print(f"{chapter.stem}: wall {wall:.1f} s, cpu {cpu:.1f} s (load before {load:.2f})", flush=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for stem in sorted(rows):
            writer.writerow({k: rows[stem].get(k, "") for k in FIELDS})
    return 0


if __name__ == "__main__":
    sys.exit(main())
