"""Tests of ampcore.studies.store: the results store file (resuming a study: test_engine.py)."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from ampcore.studies.store import FORMAT, VERSION, ResultsStore, StoreError, trial_key


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

    def test_key_is_canonical_json(self):
        assert trial_key({"n": 100, "law": "normal", "v": (1, 2.5)}) == '{"law":"normal","n":100,"v":[1,2.5]}'
        assert trial_key({"b": 1, "a": 2}) == trial_key({"a": 2, "b": 1})
        assert trial_key({"x": np.int64(3)}) == trial_key({"x": 3})
        with pytest.raises(TypeError, match="cannot store a value of type object"):
            trial_key({"x": object()})

    def test_numpy_records_and_missing_keys(self, tmp_path):
        with ResultsStore(tmp_path / "s.sqlite") as store:
            store.add({"n": 1}, {"v": np.arange(3), "x": np.float64(0.5)})
            assert store.get_many([{"n": 1}, {"n": 2}]) == {'{"n":1}': {"v": [0, 1, 2], "x": 0.5}}
            assert store.get_many([]) == {}

    def test_many_keys_are_read_in_batches(self, tmp_path):
        # SQLite limits the parameters of one statement; get_many asks 500 at a time
        with ResultsStore(tmp_path / "s.sqlite") as store:
            for i in range(520):
                store.add({"n": i}, {"i": i})
            found = store.get_many([{"n": i} for i in range(530)])
        assert len(found) == 520 and found[trial_key({"n": 519})] == {"i": 519}

    def test_rows_in_insertion_order_with_writer(self, tmp_path):
        with ResultsStore(tmp_path / "s.sqlite") as store:
            store.add({"n": 2}, {"a": 1})
            store.add({"n": 1}, {"a": 2})
            rows = store.rows()
        assert [key for key, *_ in rows] == ['{"n":2}', '{"n":1}']
        assert all(pid == os.getpid() for *_, pid in rows) and rows[0][2] <= rows[1][2]

    def test_reopen_keeps_rows_and_empty_file_is_a_fresh_store(self, tmp_path):
        path = tmp_path / "s.sqlite"
        with ResultsStore(path) as store:
            store.add({"n": 1}, {"a": 1})
        with ResultsStore(path) as store:
            assert len(store) == 1
        empty = tmp_path / "empty.sqlite"
        empty.write_bytes(b"")
        with ResultsStore(empty) as store:
            assert len(store) == 0

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

    def test_old_version_is_refused(self, tmp_path):
        path = tmp_path / "s.sqlite"
        ResultsStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = '1' WHERE name = 'version'")
        with pytest.raises(StoreError, match="version '1'.*version 1 stores came from ampcore 0.1"):
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
