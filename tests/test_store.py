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


# --- version 3: checksums, identical results, claims -------------------------------------------


class TestChecksums:
    def test_an_edited_digit_is_detected_naming_the_trial(self, tmp_path):
        path = tmp_path / "s.sqlite"
        with ResultsStore(path) as store:
            store.add({"n": 1}, {"kld_nats": 0.123456})
            store.add({"n": 2}, {"kld_nats": 0.5})
        with sqlite3.connect(path) as db:
            db.execute("UPDATE trials SET record = ? WHERE key = ?", ('{"kld_nats":0.133456}', '{"n":1}'))
        with ResultsStore(path) as store:
            assert store.get_many([{"n": 2}]) == {'{"n":2}': {"kld_nats": 0.5}}  # the others still read
            with pytest.raises(StoreError, match=r'trial \{"n":1\}.*fails its checksum.*was not used'):
                store.get_many([{"n": 1}, {"n": 2}])
            with pytest.raises(StoreError, match="fails its checksum"):
                store.rows()
            with pytest.raises(StoreError, match="fails its checksum"):
                store.claim({"n": 1})

    def test_an_edited_key_is_detected_too(self, tmp_path):
        path = tmp_path / "s.sqlite"
        with ResultsStore(path) as store:
            store.add({"n": 1}, {"v": 1})
        with sqlite3.connect(path) as db:
            db.execute("UPDATE trials SET key = ?", ('{"n":3}',))
        with ResultsStore(path) as store, pytest.raises(StoreError, match="checksum"):
            store.get_many([{"n": 3}])

    def test_a_resumed_study_refuses_a_tampered_row(self, tmp_path):
        from scipy import stats

        from ampcore.studies import floor_scan

        path = tmp_path / "scan.sqlite"
        first = floor_scan(stats.norm(), 300, [2.0, 3.0], replicates=2, workers=1, store=path)
        with sqlite3.connect(path) as db:
            key, record = db.execute("SELECT key, record FROM trials LIMIT 1").fetchone()
            digit = next(i for i, c in enumerate(record) if c.isdigit() and c != "9")
            edited = record[:digit] + str(int(record[digit]) + 1) + record[digit + 1:]
            db.execute("UPDATE trials SET record = ? WHERE key = ?", (edited, key))
        with pytest.raises(StoreError, match="fails its checksum"):
            floor_scan(stats.norm(), 300, [2.0, 3.0], replicates=2, workers=1, store=path)
        assert len(first) > 0


class TestSharedWrites:
    def test_an_identical_result_is_accepted_once_a_different_one_refused(self, tmp_path):
        with ResultsStore(tmp_path / "s.sqlite") as a, ResultsStore(tmp_path / "s.sqlite") as b:
            assert a.add({"n": 1}, {"v": 0.1 + 0.2}) is True
            assert b.add({"n": 1}, {"v": 0.1 + 0.2}) is False  # another sweep's equal result
            with pytest.raises(StoreError, match="already in .* with a different result"):
                b.add({"n": 1}, {"v": 0.3})
            assert len(a) == 1

    def test_claims(self, tmp_path):
        with ResultsStore(tmp_path / "s.sqlite") as a, ResultsStore(tmp_path / "s.sqlite") as b:
            assert a.claim({"n": 1}) == ("run", None)
            assert a.claim({"n": 1}) == ("run", None)  # its own claim
            assert b.claim({"n": 1}) == ("wait", None)  # a's process is alive
            a.add({"n": 1}, {"v": 7})
            assert b.claim({"n": 1}) == ("done", {"v": 7})
            assert b.claim({"n": 2}) == ("run", None)
        with ResultsStore(tmp_path / "s.sqlite") as c:  # closing released b's claim on n=2
            assert c.claim({"n": 2}) == ("run", None)

    def test_a_dead_claimers_trial_is_taken_over(self, tmp_path):
        import socket
        import subprocess
        import sys

        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        pid = int(dead.stdout)
        path = tmp_path / "s.sqlite"
        ResultsStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO claims VALUES (?, ?, ?, ?, 0)", ('{"n":1}', "gone", socket.gethostname(), pid))
            db.execute("INSERT INTO claims VALUES (?, ?, ?, ?, 0)", ('{"n":2}', "far", "another-host", pid))
        with ResultsStore(path) as store:
            assert store.claim({"n": 1}) == ("run", None)
            assert store.claim({"n": 2}) == ("wait", None)  # another host: cannot tell, so wait


class TestOpening:
    def test_wal_and_the_layout(self, tmp_path):
        path = tmp_path / "s.sqlite"
        ResultsStore(path).close()
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert [r[1] for r in db.execute("PRAGMA table_info(trials)")] == ["key", "record", "computed_at", "pid", "checksum"]

    def test_a_version_2_store_is_refused_untouched(self, tmp_path):
        path = tmp_path / "old.sqlite"
        with sqlite3.connect(path) as db:
            db.executescript(
                "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "CREATE TABLE trials (key TEXT PRIMARY KEY, record TEXT NOT NULL, computed_at REAL NOT NULL, pid INTEGER NOT NULL);"
                "INSERT INTO meta VALUES ('format', 'ampcore-results'), ('version', '2');"
                "INSERT INTO trials VALUES ('{\"n\":1}', '{\"v\":1}', 0, 1);"
            )
        before = path.read_bytes()
        with pytest.raises(StoreError, match="version '2'.*version 2 from ampcore 0.2.0.*pass a new path"):
            ResultsStore(path)
        assert path.read_bytes() == before

    @pytest.mark.parametrize("kind", ["folder", "missing folder", "empty database"])
    def test_paths(self, tmp_path, kind):
        if kind == "folder":
            with pytest.raises(StoreError, match="is a folder"):
                ResultsStore(tmp_path)
        elif kind == "missing folder":
            with pytest.raises(StoreError, match="cannot open"):
                ResultsStore(tmp_path / "nowhere" / "s.sqlite")
        else:  # an SQLite file with no table is a new store
            sqlite3.connect(tmp_path / "e.sqlite").close()
            with ResultsStore(tmp_path / "e.sqlite") as store:
                assert len(store) == 0


# --- real processes at once ------------------------------------------------------------------

MEASURE = '''
import os, time

def measure(trial, context):
    with open(context["log"], "a") as log:  # O_APPEND: one whole line per computation
        log.write(f"{trial['i']} {os.getpid()}\\n")
    time.sleep(context["sleep"])
    return {"twice": 2.0 * trial["i"], "draw": float(trial.rng(1).random())}
'''

SWEEP = '''
import json, sys
from ampcore.studies import grid, run_trials
import e13_measure

if __name__ == "__main__":
    store, log, workers, count, sleep = sys.argv[1:6]
    trials = grid(law="toy", n=1, replicates=1, i=list(range(int(count))))
    rows = run_trials(e13_measure.measure, trials, context={"log": log, "sleep": float(sleep)},
                      store=store, workers=int(workers))
    print(json.dumps(rows))
'''

CREATE = '''
import sys, time
from ampcore.studies.store import ResultsStore
path, start, me = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
with ResultsStore(path) as store:
    store.add({"writer": me}, {"v": me})
'''


@pytest.fixture
def scripts(tmp_path):
    (tmp_path / "e13_measure.py").write_text(MEASURE)
    (tmp_path / "sweep.py").write_text(SWEEP)
    (tmp_path / "create.py").write_text(CREATE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("AMPCORE_MEMORY_LIMIT", None)
    return tmp_path, env


def test_four_processes_create_one_new_store_at_the_same_instant(scripts):
    import subprocess
    import sys
    import time

    folder, env = scripts
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, str(folder / "create.py"), str(folder / "new.sqlite"), str(start), str(i)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    outcomes = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
    assert all(code == 0 for _, code in outcomes), outcomes
    with ResultsStore(folder / "new.sqlite") as store:
        assert sorted(r["v"] for _, r, _, _ in store.rows()) == [0, 1, 2, 3]


def test_concurrent_sweeps_share_a_store_each_trial_computed_once(scripts):
    """Two sweeps of the same 40 trials at once (a pool of 2 and a serial one): both finish with the
    rows of a sweep alone, every trial is stored once and computed once (the claims)."""
    import json
    import subprocess
    import sys

    folder, env = scripts
    store, log = folder / "shared.sqlite", folder / "computed.log"
    args = [str(store), str(log)]
    procs = [subprocess.Popen([sys.executable, str(folder / "sweep.py"), *args, workers, "40", "0.05"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for workers in ("2", "1")]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    rows = [json.loads(out) for out, _ in results]
    assert rows[0] == rows[1] and [r["twice"] for r in rows[0]] == [2.0 * i for i in range(40)]
    computed = [line.split()[0] for line in log.read_text().splitlines()]
    assert sorted(computed, key=int) == [str(i) for i in range(40)], "a trial was computed twice or not at all"
    with ResultsStore(store) as s:
        assert len(s) == 40
        assert s._db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0  # every claim released
    alone = subprocess.run([sys.executable, str(folder / "sweep.py"), str(folder / "alone.sqlite"), str(folder / "alone.log"),
                            "1", "40", "0"], env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(alone.stdout) == rows[0]


def test_a_sweep_killed_midway_is_finished_by_the_other(scripts):
    """SIGKILL one of two sweeps: the survivor takes over the dead one's claimed trials."""
    import json
    import signal
    import subprocess
    import sys
    import time

    folder, env = scripts
    store, log = folder / "shared.sqlite", folder / "computed.log"
    victim = subprocess.Popen([sys.executable, str(folder / "sweep.py"), str(store), str(log), "1", "30", "0.1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 3):
        time.sleep(0.05)
    survivor = subprocess.Popen([sys.executable, str(folder / "sweep.py"), str(store), str(log), "1", "30", "0.1"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    assert [r["twice"] for r in json.loads(out)] == [2.0 * i for i in range(30)]
    with ResultsStore(store) as s:
        assert len(s) == 30
    computed = [line.split()[0] for line in log.read_text().splitlines()]
    assert set(computed) == {str(i) for i in range(30)}
    assert len(computed) <= 31  # at most the one trial the victim was computing when killed
