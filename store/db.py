"""Opening the store, applying migrations, and transactions."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from store.errors import StoreError
from store.schema import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

# DuckDB lets one process write a file or many read it, and a reader's brief look (the
# bot checking for a new model) blocks a writer as surely as another writer does. A
# writer therefore waits this long for the lock before giving up; a reader never waits,
# since what blocks it (training, ingest) holds the lock for minutes.
WRITER_LOCK_WAIT_SECONDS = 30.0
_LOCK_ERROR = "Could not set lock"


def default_store_path() -> Path:
    """`SAGE_STORE` if set, else sage.duckdb in the user's data directory (XDG)."""
    if env := os.environ.get("SAGE_STORE"):
        return Path(env)
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "sage" / "sage.duckdb"


class Store:
    """One open connection to a store file.

    Open it, do the work, close it: `with Store.open(path) as store: ...`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | str | None = None, *, read_only: bool = False) -> Store:
        path = Path(path) if path is not None else default_store_path()
        if read_only and not path.exists():
            raise StoreError(f"no store at {path}: build one with `sage ingest hetrec` first")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect(path, read_only)
        store = cls(con, path, read_only)
        try:
            store._migrate()
        except BaseException:
            con.close()
            raise
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit on success, roll back on any exception."""
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    @property
    def schema_version(self) -> int:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()[0]
        if not exists:
            return 0
        return self.con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]

    def _migrate(self) -> None:
        current = self.schema_version
        if current > LATEST_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {current}, newer than this Sage "
                f"understands ({LATEST_VERSION}): upgrade Sage"
            )
        if current == LATEST_VERSION:
            return
        if self.read_only:
            raise StoreError(
                f"store {self.path} has schema version {current}, this Sage needs "
                f"{LATEST_VERSION}: open it once for writing (e.g. `sage info`) to migrate"
            )
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            log.info("migrating store to version %d: %s", version, description)
            with self.transaction() as con:
                con.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
                )
                for statement in statements:
                    con.execute(statement)
                con.execute(
                    "INSERT INTO schema_version VALUES (?, ?, now())", [version, description]
                )


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + (0.0 if read_only else WRITER_LOCK_WAIT_SECONDS)
    pause = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if _LOCK_ERROR not in str(exc) or time.monotonic() >= deadline:
                raise StoreError(f"cannot open store {path}: {exc}") from exc
            log.debug("store %s is locked by another process; waiting", path)
            # Jittered, so two waiting writers do not retry in step.
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 1.0)
        else:
            # DuckDB draws a progress bar on stdout for queries over 2 s: it would corrupt
            # `sage ask --json`, or any output another program reads.
            con.execute("SET enable_progress_bar = false")
            return con
