"""Results store: one SQLite row per finished trial, so that long sweeps resume and can share a file.

Use :class:`ResultsStore` through any study's ``store=path`` (the engine,
:func:`ampcore.studies.run_trials`): every trial is written (and committed) the moment it
finishes, keyed by everything that determines its result (the study, its context — laws and
reference samples — and the trial's values and root seed), so a sweep that is interrupted —
Ctrl-C, ``kill -9``, a lost Dask cluster — resumes where it stopped: finished trials are read
back bitwise (records are stored as JSON, whose float text round-trips exactly) and are never
computed or written twice.

**Shared by concurrent sweeps.** Several processes may use one store at once (two terminals, a
job array on one machine): the file is in SQLite's WAL mode (readers never block the writer);
every write is one short ``BEGIN IMMEDIATE`` transaction, and a busy file is waited for (the
busy timeout, 60 s by default) instead of failing; a trial is *claimed* before it starts
(:meth:`ResultsStore.claim`), so another sweep waits for it and reads it instead of computing
it again, and takes it over if the claimer's process has died; a result that another sweep
stored first is accepted if it is identical (``INSERT OR IGNORE``, then a comparison) and
refused if it differs. Creating a new store from several processes at the same instant is safe.
WAL needs the processes on one machine (SQLite's shared memory): on a network file system shared
by several hosts, give each host its own store, or run the trials on Dask, where only the
calling process writes.

**Checked on read.** Each row carries a SHA-256 checksum of its key and record; a row that does
not match (edited, or corrupted on disk) raises :class:`StoreError` naming the trial, and is
never used.

The file holds a ``meta`` table naming the format and its version; a file that is not SQLite, or
a database without that stamp, or another version, is refused with a clear error and never
overwritten. Version 3 (this one) added the checksums, the claims and canonical law keys; stores
of versions 1 (ampcore 0.1) and 2 (ampcore 0.2.0) are refused, left untouched, and their trials
are computed again into a new path (their keys differ, and their rows cannot be verified).

Provenance: no formula here (bookkeeping only).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ResultsStore", "StoreError", "trial_key", "FORMAT", "VERSION"]

FORMAT = "ampcore-results"
"""Value of the ``format`` entry in the ``meta`` table of every results store."""

VERSION = 3
"""Schema version written by this ampcore (3: row checksums, claims, canonical law keys)."""

_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS trials (
        key TEXT PRIMARY KEY,       -- canonical JSON of the trial's parameters and seed
        record TEXT NOT NULL,       -- canonical JSON of the result
        computed_at REAL NOT NULL,  -- unix time when the row was written
        pid INTEGER NOT NULL,       -- process that wrote it
        checksum TEXT NOT NULL      -- SHA-256 of key and record, checked on every read
    )""",
    """CREATE TABLE IF NOT EXISTS claims (
        key TEXT PRIMARY KEY,       -- a trial some sweep is computing now
        owner TEXT NOT NULL,        -- that sweep (host:pid:random)
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        at REAL NOT NULL
    )""",
)


class StoreError(ValueError):
    """The file is not a usable ampcore results store, or a stored row fails its checksum."""


def _plain(value: Any) -> Any:
    """JSON hook: numpy scalars and arrays to Python values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def _dumps(value: Any) -> str:
    # allow_nan: NaN and +-inf are written as NaN/Infinity and read back exactly
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain, allow_nan=True)


def _checksum(key: str, record: str) -> str:
    return hashlib.sha256(f"{key}\n{record}".encode("utf-8")).hexdigest()


def trial_key(params: Mapping[str, Any]) -> str:
    """Canonical text key of a trial: JSON with sorted names; ``nan`` and ``None`` both → null.

    Examples
    --------
    >>> trial_key({"n": 100, "law": "normal", "m": float("nan")})
    '{"law":"normal","m":null,"n":100}'
    """
    clean = {
        name: (None if isinstance(v, float) and math.isnan(v) else v) for name, v in params.items()
    }
    return _dumps(clean)


def _read_only_error(exc: BaseException | None) -> bool:
    """Whether an SQLite error means the file or its folder cannot be written."""
    if not isinstance(exc, sqlite3.Error):
        return False
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open database file" in text


def _alive(host: str, pid: int) -> bool:
    """Whether the claimer `pid` on `host` may still be running (another host: assume so)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process holds the pid
        return True
    return True


class ResultsStore:
    """An SQLite file of finished trials, one row per trial key, shareable by concurrent sweeps.

    Parameters
    ----------
    path : str or os.PathLike
        The store file. Created (with its format stamp) if it does not exist or holds no table;
        otherwise it must be an ampcore results store of this version.
    timeout : float
        Seconds to wait for a file another process is writing (SQLite's busy timeout).

    Raises
    ------
    StoreError
        If `path` exists and is not SQLite, is SQLite without the ampcore stamp (a foreign
        database), or has another schema version; the file is left untouched.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "sweep.sqlite")
    >>> with ResultsStore(path) as store:
    ...     store.add({"n": 10}, {"n": 10, "kld": 0.5})
    ...     store.get_many([{"n": 10}, {"n": 20}])
    True
    {'{"n":10}': {'kld': 0.5, 'n': 10}}
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        where = f"{str(self.path)!r}"
        if self.path.is_dir():
            raise StoreError(f"{where} is a folder; give the path of a results store file.")
        self.read_only = False
        """Whether the store was opened for reading only (a file or folder that cannot be written):
        its finished trials are read; :meth:`add` and claiming a new trial raise :class:`StoreError`."""
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open results store {where}: {exc}") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._open()
        except StoreError as exc:
            self._db.close()
            if not (self.path.is_file() and self.path.stat().st_size and _read_only_error(exc.__cause__)):
                raise
            self._open_read_only(timeout)
        except BaseException:
            self._db.close()
            raise

    def _open_read_only(self, timeout: float) -> None:
        """Open a store that cannot be written (its file, or its folder where SQLite keeps the WAL
        index): read-only, or, if SQLite cannot even make its shared-memory index there, as an
        immutable file (nobody can write it either)."""
        uri = self.path.resolve().as_uri()
        error: Exception | None = None
        for query in ("mode=ro", "mode=ro&immutable=1"):
            try:
                self._db = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=timeout, isolation_level=None)
            except sqlite3.Error as exc:
                error = exc
                continue
            try:
                self._check()
            except StoreError as exc:
                self._db.close()
                if not _read_only_error(exc.__cause__):
                    raise
                error = exc
                continue
            self.read_only = True
            return
        raise StoreError(f"cannot open the read-only results store {str(self.path)!r}: {error}") from error

    def _refuse_write(self, detail: str = "") -> StoreError:
        return StoreError(
            f"results store {str(self.path)!r} is read-only{f' ({detail})' if detail else ''}: its finished "
            "trials can be read, but new ones cannot be written. Make it (and its folder) writable, or "
            "copy it to a writable place and pass that path."
        )

    # ---------------------------------------------------------------------------------------------
    # opening: create (safely from many processes at once), switch to WAL, check the stamp

    def _tables(self) -> set[str]:
        try:
            return {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{str(self.path)!r} is not an ampcore results store: it is not an SQLite database or it is "
                f"corrupted ({exc}). It was left untouched; pass another path."
            ) from exc

    def _open(self) -> None:
        if not self._tables():  # a new (or empty) file: one process creates, the others wait and see
            self._wal()
            with self._transaction():
                if not self._tables():
                    for statement in _TABLES:
                        self._db.execute(statement)
                    self._db.execute("INSERT INTO meta VALUES ('format', ?), ('version', ?)", (FORMAT, str(VERSION)))
        self._check()
        self._wal()

    def _wal(self) -> None:
        """WAL mode (persistent in the file); stays in the rollback journal if the file system cannot."""
        try:
            self._db.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError:  # pragma: no cover - busy beyond the timeout: keep the journal
            pass

    def _transaction(self) -> Any:
        store = self

        class _Tx:
            def __enter__(self) -> None:
                if store.read_only:
                    raise store._refuse_write()
                try:
                    store._db.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    if _read_only_error(exc):
                        raise store._refuse_write(str(exc)) from exc
                    raise StoreError(f"cannot write to results store {str(store.path)!r}: {exc}") from exc

            def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
                if kind is None:
                    try:
                        store._db.execute("COMMIT")
                    except sqlite3.Error as error:
                        store._db.execute("ROLLBACK")
                        if _read_only_error(error):
                            raise store._refuse_write(str(error)) from error
                        raise StoreError(f"cannot write to results store {str(store.path)!r}: {error}") from error
                else:
                    store._db.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.Error):
                        if _read_only_error(exc):
                            raise store._refuse_write(str(exc)) from exc
                        raise StoreError(f"cannot write to results store {str(store.path)!r}: {exc}") from exc

        return _Tx()

    def _check(self) -> None:
        where = f"{str(self.path)!r}"
        tables = self._tables()
        if not {"meta", "trials"} <= tables:
            raise StoreError(
                f"{where} is an SQLite database but not an ampcore results store (tables "
                f"{sorted(tables)!r}; expected 'meta' and 'trials'). It was left untouched."
            )
        try:
            meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
            columns = [r[1] for r in self._db.execute("PRAGMA table_info(trials)")]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{where} is corrupted: {exc}. It was left untouched.") from exc
        if meta.get("format") != FORMAT:
            raise StoreError(
                f"{where} is not an ampcore results store: its meta table says format "
                f"{meta.get('format')!r}, expected {FORMAT!r}. It was left untouched."
            )
        try:
            version = int(meta.get("version", ""))
        except ValueError:
            version = -1
        if version != VERSION:
            raise StoreError(
                f"{where} has results-store version {meta.get('version')!r}; this ampcore reads "
                f"version {VERSION} only (version 1 stores came from ampcore 0.1 and version 2 from "
                "ampcore 0.2.0: their trial keys differ and their rows carry no checksum). It was "
                "left untouched; pass a new path and the trials are computed again."
            )
        if columns != ["key", "record", "computed_at", "pid", "checksum"] or "claims" not in tables:
            raise StoreError(f"{where} has an unexpected layout (trials columns {columns!r}).")
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"{where} is corrupted (SQLite quick_check: {check}).")

    # ---------------------------------------------------------------------------------------------

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Give up this store's claims and close the file (committed rows are already on disk)."""
        if not self.read_only:
            try:
                self._db.execute("DELETE FROM claims WHERE owner = ?", (self.owner,))
            except sqlite3.Error:  # pragma: no cover - a vanished file: nothing to release
                pass
        self._db.close()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM trials").fetchone()[0])

    def _verified(self, key: str, text: str, checksum: str) -> dict[str, Any]:
        if _checksum(key, text) != checksum:
            raise StoreError(
                f"the stored result of trial {key} in {str(self.path)!r} fails its checksum: it was "
                "edited or corrupted after it was written, so it was not used. Delete that row (or "
                "use a new store) and run again to recompute it."
            )
        value: dict[str, Any] = json.loads(text)
        return value

    def add(self, params: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
        """Write one finished trial (and release its claim) in one committed transaction.

        Returns
        -------
        bool
            True if written; False if another sweep had already stored the identical result.

        Raises
        ------
        StoreError
            If the trial is already stored with a *different* result (it would be stored twice,
            and the results of equal trials must be equal).
        """
        key = trial_key(params)
        text = _dumps(dict(record))
        with self._transaction():
            written = self._db.execute(
                "INSERT OR IGNORE INTO trials (key, record, computed_at, pid, checksum) VALUES (?, ?, ?, ?, ?)",
                (key, text, time.time(), os.getpid(), _checksum(key, text)),
            ).rowcount == 1
            if not written:
                old, checksum = self._db.execute("SELECT record, checksum FROM trials WHERE key = ?", (key,)).fetchone()
                self._verified(key, old, checksum)
                if old != text:
                    raise StoreError(
                        f"trial {key} is already in {str(self.path)!r} with a different result; the "
                        "same trial must give the same rows (did the code change between the sweeps?)."
                    )
            self._db.execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, self.owner))
        return written

    def claim(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """Claim a trial before computing it.

        Returns
        -------
        ("run", None)
            Claimed for this store object: compute it (and :meth:`add` it).
        ("done", record)
            Already stored (by this or another sweep): here is its record.
        ("wait", None)
            Another live sweep is computing it: ask again later. A claim whose process has
            died (on this machine) is taken over instead, and answered "run".
        """
        key = trial_key(params)
        if self.read_only:
            row = self._db.execute("SELECT record, checksum FROM trials WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return "done", self._verified(key, *row)
            raise self._refuse_write()
        with self._transaction():
            row = self._db.execute("SELECT record, checksum FROM trials WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return "done", self._verified(key, *row)
            claim = self._db.execute("SELECT owner, host, pid FROM claims WHERE key = ?", (key,)).fetchone()
            if claim is not None and claim[0] != self.owner and _alive(claim[1], int(claim[2])):
                return "wait", None
            self._db.execute(
                "INSERT OR REPLACE INTO claims (key, owner, host, pid, at) VALUES (?, ?, ?, ?, ?)",
                (key, self.owner, socket.gethostname(), os.getpid(), time.time()),
            )
        return "run", None

    def get_many(self, params: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """Stored records of those of `params` that are finished, by key (each checksum verified)."""
        keys = [trial_key(p) for p in params]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, record, checksum FROM trials WHERE key IN ({','.join('?' * len(batch))})", batch
            )
            for key, text, checksum in rows:
                found[key] = self._verified(key, text, checksum)
        return found

    def rows(self) -> list[tuple[str, dict[str, Any], float, int]]:
        """Every stored trial as ``(key, record, computed_at, pid)``, in insertion order (verified)."""
        return [
            (key, self._verified(key, text, checksum), at, pid)
            for key, text, at, pid, checksum in self._db.execute(
                "SELECT key, record, computed_at, pid, checksum FROM trials ORDER BY rowid"
            )
        ]
