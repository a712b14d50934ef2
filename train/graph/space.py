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
from store.catalog import load_listens, load_taggings
from store.errors import UserError
from store.runs import RunRecord, fingerprint, record_run
from train.graph.colisten import Edges
from train.graph.params import COLISTENING, GraphParams
from train.graph.pipeline import GraphEmbedding, embed_graph, embed_listening_graph
from train.graph.scenes import DetectedScenes, find_scenes

log = logging.getLogger(__name__)

SPACE = "graph"


def train_graph_space(
    store_path: Path,
    params: GraphParams,
    *,
    seed: int,
    workers: int,
    activate: bool,
    edges_from: str = COLISTENING,
) -> RunRecord:
    """Train on the store's listens, or on stored edges of another source (e.g. "lastfm",
    as the crawler left them). The store is only open to read and then to write."""
    started_at = datetime.now(UTC)
    if edges_from == COLISTENING:
        with Store.open(store_path) as store:
            listens = load_listens(store)
            taggings = load_taggings(store)
        if len(listens) == 0:
            raise UserError(f"{store_path} holds no listens: run `sage ingest` first")
        if len(taggings) == 0 and params.graph.tag_share:
            log.warning("the store has no per-person tags (stores from before schema 5 get "
                        "them by ingesting the HetRec data again): the graph is co-listening "
                        "only")
        data_fingerprint = fingerprint(
            listens.user_ids, listens.artist_ids, listens.plays,
            taggings.user_ids, taggings.artist_ids, taggings.tag_ids,
        )
        embedding = embed_listening_graph(
            listens, taggings, params, seed=seed, workers=workers, progress=True
        )
    else:
        with Store.open(store_path) as store:
            artist_ids, edges = _stored_edges(store, edges_from)
        data_fingerprint = fingerprint(artist_ids[edges.src], artist_ids[edges.dst], edges.weight)
        embedding = embed_graph(
            artist_ids, edges, params, seed=seed, workers=workers, progress=True
        )
    timings = dict(embedding.timings)
    started = time.perf_counter()
    scenes = find_scenes(embedding.edges, len(embedding.artist_ids), seed=seed)
    timings["scenes"] = time.perf_counter() - started

    run = RunRecord(
        space=SPACE,
        entity_kind="artist",
        params=params.to_dict() | {"seed": seed, "edges": edges_from},
        data_fingerprint=data_fingerprint,
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
            also=lambda con, run_id: _write_graph(con, run_id, embedding, scenes, edges_from),
        )
    log.info(
        "recorded run %d of %d artist vectors (%d artists have no edges) in %.1fs%s",
        recorded.run_id, trained.sum(), (~trained).sum(), time.perf_counter() - started,
        ", now active" if activate else "",
    )
    return recorded


def _stored_edges(store: Store, source: str) -> tuple[np.ndarray, Edges]:
    """A stored graph as edges over its artists' indices, made two-way: a crawl lists only
    what the artists it fetched point to, and walks must be able to come back."""
    table = store.con.execute(
        "SELECT src, dst, weight FROM artist_edges WHERE source = ? AND weight > 0", [source]
    ).to_arrow_table()
    if table.num_rows == 0:
        raise UserError(f"{store.path} holds no '{source}' edges (crawl them with `sage crawl`)")
    src, dst = table.column("src").to_numpy(), table.column("dst").to_numpy()
    artist_ids = np.unique(np.concatenate([src, dst]))
    src_rows = np.searchsorted(artist_ids, src).astype(np.int32)
    dst_rows = np.searchsorted(artist_ids, dst).astype(np.int32)
    weight = table.column("weight").to_numpy().astype(np.float32)
    edges = Edges(
        src=np.concatenate([src_rows, dst_rows]),
        dst=np.concatenate([dst_rows, src_rows]),
        weight=np.concatenate([weight, weight]),
    )
    return artist_ids, edges


def _write_graph(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    embedding: GraphEmbedding,
    scenes: DetectedScenes,
    edges_from: str,
) -> None:
    """Scenes and the graph walked are kept per run, the graph with each artist's
    weights summing to 1 for the engine's step (engine.graph_step). A graph built from
    the listens also replaces the previous one in artist_edges (stored edges of other
    sources were the input and stay as they are)."""
    ids = embedding.artist_ids
    edges: Edges = embedding.edges
    out_weight = np.bincount(edges.src, edges.weight.astype(np.float64), len(ids))
    con.register("new_scenes", pa.table({
        "artist_id": ids, "pagerank": scenes.pagerank, "community": scenes.community,
    }))
    con.register("new_edges", pa.table({
        "src": ids[edges.src], "dst": ids[edges.dst], "weight": edges.weight.astype(np.float64),
        "step": (edges.weight / out_weight[edges.src]).astype(np.float32),
    }))
    try:
        con.execute(
            "INSERT INTO artist_scenes SELECT artist_id, ?, pagerank, community FROM new_scenes",
            [run_id],
        )
        con.execute("INSERT INTO graph_edges SELECT ?, src, dst, step FROM new_edges", [run_id])
        if edges_from == COLISTENING:
            con.execute("DELETE FROM artist_edges WHERE source = ?", [COLISTENING])
            con.execute(
                "INSERT INTO artist_edges SELECT src, dst, weight, ? FROM new_edges", [COLISTENING]
            )
    finally:
        con.unregister("new_scenes")
        con.unregister("new_edges")
