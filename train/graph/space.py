"""`sage train graph`: train the graph space from the store's listens and record the run."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from store import Store
from store.catalog import load_listens
from store.errors import UserError
from store.runs import RunRecord, fingerprint, record_run
from train.graph.colisten import Edges
from train.graph.params import GraphParams
from train.graph.pipeline import GraphEmbedding, embed_listening_graph
from train.graph.scenes import Scenes, find_scenes

log = logging.getLogger(__name__)

SPACE = "graph"
EDGE_SOURCE = "colisten"


def train_graph_space(
    store_path: Path, params: GraphParams, *, seed: int, workers: int, activate: bool
) -> RunRecord:
    """Train on the listens now in the store; the store is only open to read and to write."""
    started_at = datetime.now(UTC)
    with Store.open(store_path) as store:
        listens = load_listens(store)
    if len(listens) == 0:
        raise UserError(f"{store_path} holds no listens: run `sage ingest` first")

    embedding = embed_listening_graph(listens, params, seed=seed, workers=workers, progress=True)
    timings = dict(embedding.timings)
    started = time.perf_counter()
    scenes = find_scenes(embedding.edges, len(embedding.artist_ids), seed=seed)
    timings["scenes"] = time.perf_counter() - started

    run = RunRecord(
        space=SPACE,
        entity_kind="artist",
        params=params.to_dict() | {"seed": seed},
        data_fingerprint=fingerprint(listens.user_ids, listens.artist_ids, listens.plays),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        timings=timings,
    )
    trained = embedding.trained
    started = time.perf_counter()
    with Store.open(store_path) as store:
        recorded = record_run(
            store, run, embedding.artist_ids[trained], embedding.vectors[trained],
            activate=activate,
            also=lambda con, run_id: _write_graph(con, run_id, embedding, scenes),
        )
    log.info(
        "recorded run %d of %d artist vectors (%d artists have no edges) in %.1fs%s",
        recorded.run_id, trained.sum(), (~trained).sum(), time.perf_counter() - started,
        ", now active" if activate else "",
    )
    return recorded


def _write_graph(
    con: duckdb.DuckDBPyConnection, run_id: int, embedding: GraphEmbedding, scenes: Scenes
) -> None:
    """The graph the run walked replaces the previous co-listening graph; scenes are per run."""
    ids = embedding.artist_ids
    edges: Edges = embedding.edges
    con.execute("DELETE FROM artist_edges WHERE source = ?", [EDGE_SOURCE])
    con.register("new_edges", pa.table({
        "src": ids[edges.src], "dst": ids[edges.dst], "weight": edges.weight.astype(np.float64),
    }))
    con.register("new_scenes", pa.table({
        "artist_id": ids, "pagerank": scenes.pagerank, "community": scenes.community,
    }))
    try:
        con.execute(
            "INSERT INTO artist_edges SELECT src, dst, weight, ? FROM new_edges", [EDGE_SOURCE]
        )
        con.execute(
            "INSERT INTO artist_scenes SELECT artist_id, ?, pagerank, community FROM new_scenes",
            [run_id],
        )
    finally:
        con.unregister("new_edges")
        con.unregister("new_scenes")
