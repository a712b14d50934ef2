"""Vectors in and out of DuckDB through Arrow.

Each dimension d has its own table `vectors_d{d}` with a fixed-size FLOAT[d] column.
Writing goes through a registered Arrow table (row-by-row inserts are ~300x slower);
reading comes back as one Arrow buffer viewed as a float32 matrix.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa


def vector_table(dim: int) -> str:
    # The name is built from an int the code chose, never from user text.
    if not isinstance(dim, int | np.integer) or not 0 < dim <= 65536:
        raise ValueError(f"vector dimension must be a positive int, not {dim!r}")
    return f"vectors_d{int(dim)}"


def write_vectors(
    con: duckdb.DuckDBPyConnection, run_id: int, entity_ids: np.ndarray, matrix: np.ndarray
) -> None:
    """Insert one run's vectors; the caller owns the transaction."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    entity_ids = np.asarray(entity_ids, dtype=np.int64)
    if matrix.ndim != 2 or len(entity_ids) != len(matrix):
        raise ValueError(f"need one row per entity, got {matrix.shape} for {len(entity_ids)} ids")
    if len(np.unique(entity_ids)) != len(entity_ids):
        raise ValueError("entity ids must be unique within a run")
    dim = matrix.shape[1]
    table = vector_table(dim)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        f" run_id INTEGER NOT NULL, entity_id BIGINT NOT NULL, vector FLOAT[{dim}] NOT NULL)"
    )
    batch = pa.table(
        {
            "run_id": pa.array(np.full(len(matrix), run_id, dtype=np.int32)),
            "entity_id": pa.array(entity_ids),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), dim),
        }
    )
    con.register("incoming_vectors", batch)
    try:
        con.execute(f"INSERT INTO {table} SELECT run_id, entity_id, vector FROM incoming_vectors")
    finally:
        con.unregister("incoming_vectors")


def read_vectors(
    con: duckdb.DuckDBPyConnection, run_id: int, dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """One run's (entity_ids int64, matrix float32 [n, dim]), in insertion order."""
    table = con.execute(
        f"SELECT entity_id, vector FROM {vector_table(dim)} WHERE run_id = ?", [run_id]
    ).to_arrow_table()
    ids = table.column("entity_id").to_numpy()
    vectors = table.column("vector")
    if vectors.num_chunks == 1:
        # A single chunk's flat values are the matrix already: view it, copy nothing.
        flat = vectors.chunk(0).flatten().to_numpy()
    else:
        flat = np.concatenate([chunk.flatten().to_numpy() for chunk in vectors.chunks])
    return ids, flat.reshape(-1, dim)
