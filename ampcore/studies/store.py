"""Results store: one SQLite row per finished trial, so that long sweeps can be resumed.

Use :class:`ResultsStore` through any study's ``store=path`` (the engine,
:func:`ampcore.studies.run_trials`): every trial is written (and committed) the moment it
finishes, keyed by everything that determines its result (the study, its context — laws and
reference samples — and the trial's values and root seed), so a
sweep that is interrupted — Ctrl-C, ``kill -9``, a lost Dask cluster — resumes where it stopped:
finished trials are read back bitwise (records are stored as JSON, whose float text round-trips
exactly) and are never computed or written twice.

The file is SQLite (standard library; a committed row survives the writer being killed). It holds
a ``meta`` table naming the format and its version; a file that is not SQLite, or a database
without that stamp, or a newer version, is refused with a clear error and never overwritten.

Provenance: no formula here (bookkeeping only).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ResultsStore", "StoreError", "trial_key", "FORMAT", "VERSION"]

FORMAT = "ampcore-results"
"""Value of the ``format`` entry in the ``meta`` table of every results store."""

VERSION = 2
"""Schema version written by this ampcore (2: one record per trial holds all its rows)."""

_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials (
    key TEXT PRIMARY KEY,       -- canonical JSON of the trial's parameters and seed
    record TEXT NOT NULL,       -- canonical JSON of the result row
    computed_at REAL NOT NULL,  -- unix time when the row was written
    pid INTEGER NOT NULL        -- process that wrote it
);
"""


class StoreError(ValueError):
    """The file is not an ampcore results store (corrupted, foreign or from a newer ampcore)."""


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


class ResultsStore:
    """An SQLite file of finished trials, one row per trial key.

    Parameters
    ----------
    path : str or os.PathLike
        The store file. Created (with its format stamp) if it does not exist or is empty;
        otherwise it must be an ampcore results store.

    Raises
    ------
    StoreError
        If `path` exists and is not SQLite, is SQLite without the ampcore stamp (a foreign
        database), or was written by a newer schema version. The file is left untouched.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "sweep.sqlite")
    >>> with ResultsStore(path) as store:
    ...     store.add({"n": 10}, {"n": 10, "kld": 0.5})
    ...     store.get_many([{"n": 10}, {"n": 20}])
    {'{"n":10}': {'kld': 0.5, 'n': 10}}
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open results store {str(self.path)!r}: {exc}") from exc
        try:
            if fresh:
                self._create()
            else:
                self._check()
        except BaseException:
            self._db.close()
            raise

    def _create(self) -> None:
        self._db.executescript(
            "BEGIN IMMEDIATE;"
            + _SCHEMA
            + f"INSERT INTO meta VALUES ('format', '{FORMAT}'), ('version', '{VERSION}');"
            + "COMMIT;"
        )

    def _check(self) -> None:
        where = f"{str(self.path)!r}"
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{where} is not an ampcore results store: it is not an SQLite database or it is "
                f"corrupted ({exc}). It was left untouched; pass another path."
            ) from exc
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
                f"version {VERSION} only (version 1 stores came from ampcore 0.1, whose trial "
                "keys differ). It was left untouched; pass a new path."
            )
        if columns[:2] != ["key", "record"]:
            raise StoreError(f"{where} has an unexpected 'trials' table {columns!r}.")
        check = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"{where} is corrupted (SQLite quick_check: {check}).")

    # ---------------------------------------------------------------------------------------------

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (committed rows are already on disk)."""
        self._db.close()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM trials").fetchone()[0])

    def add(self, params: Mapping[str, Any], record: Mapping[str, Any]) -> None:
        """Write one finished trial and commit at once.

        Raises
        ------
        StoreError
            If a trial with the same key is already stored (it would be computed twice).
        """
        key = trial_key(params)
        try:
            self._db.execute(
                "INSERT INTO trials (key, record, computed_at, pid) VALUES (?, ?, ?, ?)",
                (key, _dumps(dict(record)), time.time(), os.getpid()),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"trial {key} is already in {str(self.path)!r}.") from exc

    def get_many(self, params: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """Stored records of those of `params` that are finished, by key."""
        keys = [trial_key(p) for p in params]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            rows = self._db.execute(
                f"SELECT key, record FROM trials WHERE key IN ({','.join('?' * len(batch))})", batch
            )
            for key, text in rows:
                found[key] = json.loads(text)
        return found

    def rows(self) -> list[tuple[str, dict[str, Any], float, int]]:
        """Every stored trial as ``(key, record, computed_at, pid)``, in insertion order."""
        return [
            (key, json.loads(text), at, pid)
            for key, text, at, pid in self._db.execute(
                "SELECT key, record, computed_at, pid FROM trials ORDER BY rowid"
            )
        ]
