"""The SAGE method end to end: listens -> related-artists graph -> walks -> word2vec."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from store.catalog import Listens, Taggings
from train.graph.colisten import Edges
from train.graph.csr import CSRGraph
from train.graph.params import GraphParams
from train.graph.related import related_artist_edges
from train.graph.walks import random_walks
from train.graph.word2vec import train_word2vec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GraphEmbedding:
    """Vectors for the artists of a graph; row i belongs to `artist_ids[i]`."""

    artist_ids: np.ndarray  # int64, sorted: every artist of the graph
    vectors: np.ndarray  # float32[n, dim]
    trained: np.ndarray  # bool[n]: False for artists no walk visited (no edges)
    edges: Edges  # over row indices
    timings: dict[str, float]


def embed_listening_graph(
    listens: Listens,
    taggings: Taggings,
    params: GraphParams,
    *,
    seed: int,
    workers: int = 1,
    progress: bool = False,
) -> GraphEmbedding:
    """The SAGE method on the related-artists graph that the listens and tags imply."""
    started = time.perf_counter()
    artist_ids = np.unique(listens.artist_ids)
    edges = related_artist_edges(listens, taggings, artist_ids, params.graph)
    built = time.perf_counter() - started
    embedding = embed_graph(artist_ids, edges, params, seed=seed, workers=workers,
                            progress=progress)
    embedding.timings["graph"] = built + embedding.timings["graph"]
    return embedding


def embed_graph(
    artist_ids: np.ndarray,
    edges: Edges,
    params: GraphParams,
    *,
    seed: int,
    workers: int = 1,
    progress: bool = False,
) -> GraphEmbedding:
    """Walks over `edges` (directed, over indices into `artist_ids`) fed to word2vec."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    graph = CSRGraph.from_edges(edges.src, edges.dst, edges.weight, len(artist_ids), symmetric=False)
    timings["graph"] = time.perf_counter() - started
    log.info("graph: %d artists, %d directed edges", graph.n_nodes, graph.n_edges)

    started = time.perf_counter()
    walks = random_walks(
        graph, params.walks.walks_per_node, params.walks.walk_length,
        weighted=params.walks.weighted, seed=seed, progress=progress,
    )
    timings["walks"] = time.perf_counter() - started

    started = time.perf_counter()
    nodes = train_word2vec(
        walks, graph.n_nodes, params.word2vec, seed=seed, workers=workers, progress=progress
    )
    timings["word2vec"] = time.perf_counter() - started
    return GraphEmbedding(artist_ids, nodes.vectors, nodes.trained, edges, timings)
