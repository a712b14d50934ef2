"""Training runs and the active run of each space.

A run is recorded together with its vectors in one transaction, and activating it is
one more row change in that transaction, so a reader sees the old model or the new one,
never a mix. Reading a space goes through the active pointer inside one transaction.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path

import duckdb
import numpy as np

from store.db import Store
from store.errors import StoreError
from store.vectors import read_vectors, write_vectors


@dataclass(frozen=True)
class RunRecord:
    """What a training run was: enough to reproduce it and to judge it."""

    space: str
    entity_kind: str  # "artist" or "track"
    params: dict
    data_fingerprint: str
    started_at: datetime
    finished_at: datetime
    metrics: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    code_version: str = field(default_factory=lambda: code_version())
    run_id: int | None = None
    dim: int | None = None


@dataclass(frozen=True)
class SpaceVectors:
    """The vectors of one run: row i of `matrix` belongs to `entity_ids[i]`."""

    run: RunRecord
    entity_ids: np.ndarray
    matrix: np.ndarray


@cache
def code_version() -> str:
    """The git commit of the checkout Sage runs from (with -dirty), else the package version."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=root, capture_output=True, text=True, timeout=5, check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        try:
            return metadata.version("sage-recommender")
        except metadata.PackageNotFoundError:
            return "unknown"


def fingerprint(*arrays: np.ndarray) -> str:
    """A short content hash of the arrays a model was trained from."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def record_run(
    store: Store,
    run: RunRecord,
    entity_ids: np.ndarray,
    matrix: np.ndarray,
    *,
    activate: bool,
    also: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
) -> RunRecord:
    """Write a run and its vectors; with `activate`, make it its space's active run atomically.

    `also(con, run_id)` writes whatever else belongs to the run (its graph, its scenes)
    inside the same transaction.
    """
    # Trained vectors are close to incompressible, and decoding DuckDB's float compression
    # costs more than reading the raw bytes, so vectors are stored uncompressed: the
    # setting must hold until the checkpoint that writes them out.
    store.con.execute("SET force_compression = 'uncompressed'")
    try:
        run_id = _insert_run(store, run, entity_ids, matrix, activate, also)
        store.con.execute("CHECKPOINT")
    finally:
        store.con.execute("RESET force_compression")
    return get_run(store, run_id)


def _insert_run(
    store: Store,
    run: RunRecord,
    entity_ids: np.ndarray,
    matrix: np.ndarray,
    activate: bool,
    also: Callable[[duckdb.DuckDBPyConnection, int], None] | None,
) -> int:
    with store.transaction() as con:
        run_id = con.execute(
            """INSERT INTO runs (space, entity_kind, dim, params, data_fingerprint, code_version,
                                 metrics, timings, started_at, finished_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id""",
            [
                run.space, run.entity_kind, int(matrix.shape[1]), json.dumps(run.params),
                run.data_fingerprint, run.code_version, json.dumps(run.metrics),
                json.dumps(run.timings), run.started_at, run.finished_at,
            ],
        ).fetchone()[0]
        write_vectors(con, run_id, entity_ids, matrix)
        if also is not None:
            also(con, run_id)
        if activate:
            _set_active(con, run.space, run_id)
    return run_id


def activate_run(store: Store, run_id: int) -> None:
    with store.transaction() as con:
        space = con.execute("SELECT space FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if space is None:
            raise StoreError(f"no run {run_id} in {store.path}")
        _set_active(con, space[0], run_id)


def _set_active(con, space: str, run_id: int) -> None:
    con.execute(
        """INSERT INTO active_runs VALUES (?, ?, now())
           ON CONFLICT (space) DO UPDATE SET run_id = excluded.run_id,
                                             activated_at = excluded.activated_at""",
        [space, run_id],
    )


def update_metrics(store: Store, run_id: int, metrics: dict) -> None:
    """Merge evaluation results into a run's record."""
    with store.transaction() as con:
        row = con.execute("SELECT metrics FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None:
            raise StoreError(f"no run {run_id} in {store.path}")
        merged = json.loads(row[0]) | metrics
        con.execute("UPDATE runs SET metrics = ? WHERE run_id = ?", [json.dumps(merged), run_id])


_RUN_COLUMNS = """run_id, space, entity_kind, dim, params, data_fingerprint, code_version,
                  metrics, timings, started_at, finished_at"""


def _run_from_row(row: tuple) -> RunRecord:
    (run_id, space, kind, dim, params, fingerprint_, version, metrics, timings, started,
     finished) = row
    return RunRecord(
        space=space, entity_kind=kind, params=json.loads(params), data_fingerprint=fingerprint_,
        started_at=started, finished_at=finished, metrics=json.loads(metrics),
        timings=json.loads(timings), code_version=version, run_id=run_id, dim=dim,
    )


def get_run(store: Store, run_id: int) -> RunRecord:
    row = store.con.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None:
        raise StoreError(f"no run {run_id} in {store.path}")
    return _run_from_row(row)


def list_runs(store: Store, space: str | None = None) -> list[RunRecord]:
    rows = store.con.execute(
        f"SELECT {_RUN_COLUMNS} FROM runs WHERE ? IS NULL OR space = ? ORDER BY run_id",
        [space, space],
    ).fetchall()
    return [_run_from_row(row) for row in rows]


def active_runs(store: Store) -> dict[str, RunRecord]:
    rows = store.con.execute(
        f"""SELECT {_RUN_COLUMNS} FROM runs JOIN active_runs USING (run_id, space)
            ORDER BY space"""
    ).fetchall()
    return {row[1]: _run_from_row(row) for row in rows}


def read_active_vectors(store: Store, space: str) -> SpaceVectors:
    """The active run of `space` with its vectors, read in one consistent snapshot."""
    with store.transaction() as con:
        row = con.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs JOIN active_runs USING (run_id, space) "
            "WHERE space = ?",
            [space],
        ).fetchone()
        if row is None:
            known = ", ".join(sorted(active_runs(store))) or "none yet"
            raise StoreError(f"no trained '{space}' space in {store.path} (trained: {known})")
        run = _run_from_row(row)
        entity_ids, matrix = read_vectors(con, run.run_id, run.dim)
    return SpaceVectors(run=run, entity_ids=entity_ids, matrix=matrix)
