"""What a similar-artists service said about the bands people named: a small SQLite file.

Not the DuckDB store: the bot must never hold the store's write lock while training may
need it, and `sage ask`, `sage chat` and the bot all learn. So lookups go to
`<store>.learned.sqlite3` beside the store (as the bot keeps its own state beside it),
with a write-ahead log and one transaction per lookup: a lookup is recorded whole or not
at all, and a crash or restart loses at most the one in flight. `sage add` and training
take the found ones into the store's crawled-edges tables (train/crawl/take_in.py), for
`sage train graph --edges lastfm` and `sage info`.

One row per normalised name asked for, kept whatever came of it: a found band for good,
an unknown or failed name until it is a day old, so a name is asked about at most once a
day.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.learned import Answered

log = logging.getLogger(__name__)

# An unknown or failed name is asked about again after this long.
RETRY_AFTER_S = 24 * 3600

FOUND, UNKNOWN, FAILED = "found", "unknown", "failed"

_SCHEMA = """CREATE TABLE IF NOT EXISTS lookups (
    band_id     INTEGER PRIMARY KEY AUTOINCREMENT,  -- a learned band's provisional id
    norm_name   TEXT NOT NULL UNIQUE,   -- store.names.normalize_name of the name asked for
    asked       TEXT NOT NULL,          -- as typed
    status      TEXT NOT NULL CHECK (status IN ('found', 'unknown', 'failed')),
    name        TEXT,                   -- the service's spelling, when found
    url         TEXT,
    similar     TEXT,                   -- JSON [[name, match, mbid, url], ...], when found
    reason      TEXT,                   -- why it is unknown or failed
    looked_up_at REAL NOT NULL,         -- unix seconds
    taken_in_at REAL                    -- when its edges went into the store
)"""


def lookups_path(store_path: Path) -> Path:
    return Path(store_path).with_suffix(".learned.sqlite3")


@dataclass(frozen=True)
class Lookup:
    band_id: int
    norm_name: str
    asked: str
    status: str  # FOUND, UNKNOWN or FAILED
    name: str | None
    url: str | None
    similar: tuple[tuple[str, float, str | None, str | None], ...]  # name, match, mbid, url
    reason: str | None
    looked_up_at: float
    taken_in: bool

    def answered(self) -> Answered:
        return Answered(self.asked, self.name or self.asked, self.url,
                        tuple((name, match) for name, match, _, _ in self.similar), self.band_id)

    def stale(self, now: float) -> bool:
        return self.status != FOUND and now - self.looked_up_at >= RETRY_AFTER_S


class LookupFile:
    """One open lookups file; threads may share it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._con = sqlite3.connect(self.path, timeout=5.0, isolation_level=None,
                                    check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._con.execute("PRAGMA journal_mode = WAL")
            self._con.execute("PRAGMA synchronous = FULL")
            self._con.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def get(self, norm_name: str) -> Lookup | None:
        with self._lock:
            row = self._con.execute(f"SELECT {_COLUMNS} FROM lookups WHERE norm_name = ?",
                                    [norm_name]).fetchone()
        return None if row is None else _lookup(row)

    def found(self) -> list[Lookup]:
        """Every found band, in the order first asked."""
        with self._lock:
            rows = self._con.execute(f"SELECT {_COLUMNS} FROM lookups WHERE status = 'found' "
                                     "ORDER BY band_id").fetchall()
        return [_lookup(row) for row in rows]

    def not_taken_in(self) -> list[Lookup]:
        """Found or unknown names whose answer the store does not hold yet."""
        with self._lock:
            rows = self._con.execute(
                f"SELECT {_COLUMNS} FROM lookups WHERE taken_in_at IS NULL "
                "AND status IN ('found', 'unknown') ORDER BY band_id").fetchall()
        return [_lookup(row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute("SELECT status, count(*) FROM lookups GROUP BY status")
            return dict(rows.fetchall())

    def record(self, norm_name: str, asked: str, status: str, *, name: str | None = None,
               url: str | None = None, similar: list | None = None,
               reason: str | None = None) -> Lookup:
        """Keep one lookup's outcome (replacing an older one of the name), whole or not at
        all. A name keeps its band_id, so a band keeps its provisional id."""
        with self._lock:
            self._con.execute(
                """INSERT INTO lookups (norm_name, asked, status, name, url, similar, reason,
                                        looked_up_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (norm_name) DO UPDATE SET
                       asked = excluded.asked, status = excluded.status, name = excluded.name,
                       url = excluded.url, similar = excluded.similar,
                       reason = excluded.reason, looked_up_at = excluded.looked_up_at,
                       taken_in_at = NULL""",
                [norm_name, asked, status, name, url,
                 None if similar is None else json.dumps(similar), reason, time.time()],
            )
        return self.get(norm_name)

    def mark_taken_in(self, norm_names: list[str]) -> None:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.executemany("UPDATE lookups SET taken_in_at = ? WHERE norm_name = ?",
                                  [(time.time(), name) for name in norm_names])
            self._con.execute("COMMIT")


_COLUMNS = ("band_id, norm_name, asked, status, name, url, similar, reason, looked_up_at, "
            "taken_in_at")


def _lookup(row: tuple) -> Lookup:
    band_id, norm_name, asked, status, name, url, similar, reason, looked_up_at, taken = row
    entries = tuple((str(e[0]), float(e[1]), e[2], e[3]) for e in json.loads(similar or "[]"))
    return Lookup(band_id, norm_name, asked, status, name, url, entries, reason, looked_up_at,
                  taken is not None)
