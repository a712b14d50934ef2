"""The open state file: BotState, which every feature of the state reads and writes through.

Not the DuckDB store: retraining holds the store's only write lock for minutes, and
feedback is many tiny writes that must each be durable. So: stdlib sqlite3, write-ahead
log, `synchronous=FULL` (a write is on disk when the call returns, and survives a
crash), one connection shared by threads behind a lock, one transaction per call, and
`?` parameters only. Calls are synchronous and quick; async callers use
`asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from bot.state.schema import LATEST_VERSION, MIGRATIONS
from store.errors import UserError

log = logging.getLogger(__name__)

STATE_FILE_NAME = "sage-bot.sqlite3"


class StateError(UserError):
    """The state file cannot be opened, or comes from a newer Sage."""


def default_state_path(store_path: Path) -> Path:
    """`$SAGE_BOT_STATE` if set, else the state file beside the store."""
    if env := os.environ.get("SAGE_BOT_STATE"):
        return Path(env)
    return store_path.parent / STATE_FILE_NAME


class BotState:
    """One open state file. `with BotState.open(path) as state: ...`; threads may share it."""

    def __init__(self, con: sqlite3.Connection, path: Path):
        self._con = con
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path) -> BotState:
        """Open the state file, creating and migrating it as needed."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun and ended here, explicitly.
            con = sqlite3.connect(path, timeout=5.0, isolation_level=None,
                                  check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the bot state {path}: {exc}") from exc
        try:
            if con.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise StateError(f"the bot state {path} cannot use a write-ahead log")
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            _migrate(con, path)
        except sqlite3.DatabaseError as exc:
            con.close()
            raise StateError(f"cannot use the bot state {path}: {exc}") from exc
        except BaseException:
            con.close()
            raise
        return cls(con, path)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> BotState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """All or nothing; a read-only one sees one snapshot."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")


def _migrate(con: sqlite3.Connection, path: Path) -> None:
    for version, description, statements in MIGRATIONS:
        con.execute("BEGIN IMMEDIATE")  # re-read inside: another process may have migrated
        try:
            current = con.execute("PRAGMA user_version").fetchone()[0]
            if current > LATEST_VERSION:
                raise StateError(
                    f"the bot state {path} has schema version {current}, newer than this Sage "
                    f"understands ({LATEST_VERSION}): upgrade Sage"
                )
            if version > current:
                log.info("migrating bot state %s to version %d: %s", path, version, description)
                for statement in statements:
                    con.execute(statement)
                # PRAGMA takes no parameters; the version is our own integer.
                con.execute(f"PRAGMA user_version = {int(version)}")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
