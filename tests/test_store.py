"""Tests of ampcore.store and of resumable sweeps (run_grid(..., store=path))."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Executor, Future

import pytest
from scipy import stats

from ampcore import run_grid
from ampcore.store import FORMAT, VERSION, ResultsStore, StoreError, trial_key

LAW = {"normal": stats.norm()}


class TestResultsStore:
    def test_round_trip_is_exact(self, tmp_path):
        record = {"x": 0.1 + 0.2, "inf": float("inf"), "nan": float("nan"), "v": (1e-300, -2.5), "b": True}
        with ResultsStore(tmp_path / "s.sqlite") as store:
            store.add({"n": 1}, record)
            got = store.get_many([{"n": 1}])[trial_key({"n": 1})]
            assert len(store) == 1
        assert got["x"] == 0.1 + 0.2 and got["inf"] == float("inf") and got["nan"] != got["nan"]
        assert got["v"] == [1e-300, -2.5] and got["b"] is True

    def test_stamp(self, tmp_path):
        ResultsStore(tmp_path / "s.sqlite").close()
        with sqlite3.connect(tmp_path / "s.sqlite") as db:
            assert dict(db.execute("SELECT name, value FROM meta")) == {"format": FORMAT, "version": str(VERSION)}

    def test_duplicate_trial_is_refused(self, tmp_path):
        with ResultsStore(tmp_path / "s.sqlite") as store:
            store.add({"n": 1}, {"a": 1})
            with pytest.raises(StoreError, match="already in"):
                store.add({"n": 1}, {"a": 2})

    def test_nan_and_none_keys_agree(self):
        assert trial_key({"m": float("nan")}) == trial_key({"m": None})

    def test_garbage_file_is_refused_and_untouched(self, tmp_path):
        path = tmp_path / "results.sqlite"
        path.write_bytes(b"this is a CSV file, not a database\n" * 100)
        before = path.read_bytes()
        with pytest.raises(StoreError, match="not an ampcore results store.*not an SQLite database or it is corrupted"):
            ResultsStore(path)
        assert path.read_bytes() == before

    def test_foreign_database_is_refused_and_untouched(self, tmp_path):
        path = tmp_path / "other.sqlite"
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE people (name TEXT)")
        before = path.read_bytes()
        with pytest.raises(StoreError, match=r"is an SQLite database but not an ampcore results store \(tables \['people'\]"):
            ResultsStore(path)
        assert path.read_bytes() == before

    def test_wrong_format_stamp_is_refused(self, tmp_path):
        path = tmp_path / "s.sqlite"
        ResultsStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = 'something-else' WHERE name = 'format'")
        with pytest.raises(StoreError, match="format 'something-else'"):
            ResultsStore(path)

    def test_newer_version_is_refused(self, tmp_path):
        path = tmp_path / "s.sqlite"
        ResultsStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = ? WHERE name = 'version'", (str(VERSION + 1),))
        with pytest.raises(StoreError, match=f"version '{VERSION + 1}'"):
            ResultsStore(path)

    def test_truncated_database_is_refused(self, tmp_path):
        path = tmp_path / "s.sqlite"
        with ResultsStore(path) as store:
            for i in range(200):
                store.add({"n": i}, {"payload": "x" * 500})
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(StoreError):
            ResultsStore(path)

    def test_run_grid_refuses_foreign_store(self, tmp_path):
        path = tmp_path / "notes.txt"
        path.write_text("my notes\n" * 50)
        with pytest.raises(StoreError, match="notes.txt"):
            run_grid(LAW, [300], [2.0], [1], replicates=1, reference_size=5000, store=path)
        assert path.read_text() == "my notes\n" * 50


class TestResume:
    def test_second_run_reads_everything_back(self, tmp_path):
        path = tmp_path / "sweep.sqlite"
        options = dict(replicates=2, reference_size=20_000, workers=1)
        first = run_grid(LAW, [300, 500], [2.0, 3.0], [1, 4], store=path, **options)
        with ResultsStore(path) as store:
            rows = store.rows()
        again = run_grid(LAW, [300, 500], [2.0, 3.0], [1, 4], store=path, **options)
        plain = run_grid(LAW, [300, 500], [2.0, 3.0], [1, 4], **options)
        assert again.equals(first) and first.equals(plain)
        with ResultsStore(path) as store:
            assert store.rows() == rows  # nothing recomputed or rewritten

    def test_store_key_separates_parameters(self, tmp_path):
        """A different root seed or k is a different trial, not a cached one."""
        path = tmp_path / "sweep.sqlite"
        options = dict(replicates=1, reference_size=5000, workers=1, store=path)
        a = run_grid(LAW, [300], [2.0], [1], **options)
        b = run_grid(LAW, [300], [2.0], [1], root_seed=7, **options)
        c = run_grid(LAW, [300], [2.0], [1], k=3, **options)
        assert not a.equals(b) and not a.equals(c)
        with ResultsStore(path) as store:
            assert len(store) == 3

    def test_killed_sweep_resumes_without_loss_or_repeat(self, tmp_path):
        """SIGKILL a sweep once some trials are stored; resume; compare with an uninterrupted run.

        Rows written before the kill keep their timestamps and writer pid after the resume, so
        they were not computed again; the store holds each trial exactly once (primary key).
        """
        path = tmp_path / "sweep.sqlite"
        script = textwrap.dedent(
            f"""
            from scipy import stats
            from ampcore import run_grid
            run_grid({{"normal": stats.norm()}}, [3000], [2.0, 2.5, 3.0], [20, 40],
                     replicates=4, reference_size=200_000, workers=1, store={str(path)!r})
            """
        )
        child = subprocess.Popen([sys.executable, "-c", script])
        try:
            deadline = time.monotonic() + 120
            stored = 0
            while time.monotonic() < deadline and child.poll() is None:
                if path.exists():
                    try:
                        with sqlite3.connect(path) as db:
                            stored = db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
                    except sqlite3.OperationalError:
                        stored = 0
                if stored >= 4:
                    break
                time.sleep(0.02)
            assert child.poll() is None, "the sweep finished before it could be killed"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait()
        assert child.returncode == -signal.SIGKILL
        with ResultsStore(path) as store:
            before = {key: (at, pid) for key, _, at, pid in store.rows()}
        total = 3 * 2 * 4
        assert 4 <= len(before) < total

        resumed = run_grid(LAW, [3000], [2.0, 2.5, 3.0], [20, 40], replicates=4,
                           reference_size=200_000, workers=1, store=path)
        plain = run_grid(LAW, [3000], [2.0, 2.5, 3.0], [20, 40], replicates=4,
                         reference_size=200_000, workers=1)
        assert resumed.equals(plain)
        with ResultsStore(path) as store:
            rows = store.rows()
        assert len(rows) == total and len({key for key, *_ in rows}) == total
        for key, _, at, pid in rows:
            if key in before:
                assert (at, pid) == before[key]
            else:
                assert pid == os.getpid()
        assert {pid for _, pid in before.values()} == {child.pid}


class _FailingExecutor(Executor):
    """Runs tasks at once in-process, but the `fail_at`-th submission fails like a lost worker."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at
        self.count = 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.count += 1
        future: Future = Future()
        if self.count == self.fail_at:
            future.set_exception(ConnectionError("lost the scheduler at tcp://127.0.0.1:9"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


class TestFailures:
    def test_failed_trial_keeps_the_finished_ones(self, tmp_path):
        path = tmp_path / "sweep.sqlite"
        options = dict(replicates=2, reference_size=5000)
        with pytest.raises(ConnectionError, match="tcp://127.0.0.1:9") as info:
            run_grid(LAW, [300], [2.0, 3.0], [1, 4], store=path, executor=_FailingExecutor(3), **options)
        assert any("7 of 8 trials are finished and stored" in note for note in info.value.__notes__)
        with ResultsStore(path) as store:
            assert len(store) == 7
        resumed = run_grid(LAW, [300], [2.0, 3.0], [1, 4], store=path, workers=1, **options)
        assert resumed.equals(run_grid(LAW, [300], [2.0, 3.0], [1, 4], workers=1, **options))
        with ResultsStore(path) as store:
            assert len(store) == 8
