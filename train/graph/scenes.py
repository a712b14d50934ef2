"""Importance and scenes over the related-artists graph: PageRank and Louvain communities.

Both run in igraph's compiled code: networkx's pure-Python Louvain takes minutes at
SAGE scale (218,000 artists, 2.2M edges) where igraph takes seconds.

Louvain over the whole graph finds a few huge communities (16 over the bundled store's
17,632 artists, the biggest 3,063: Have Heart, Madball and Terror sat with Linkin Park
among 2,110 bands), too coarse for "no more than two from one scene". So a community of
more than MAX_SCENE_ARTISTS is split by Louvain over its own edges, and its parts again,
until each is small enough or cannot be split: a hierarchy, cut where a scene is one.
A higher resolution over the whole graph was tried instead and is worse: it breaks the
well-connected bands off into scenes of their own (at 8, Linkin Park's holds 21 artists,
"2009 · rap") and depends on the graph's size, where the cap means the same at any size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import igraph
import numpy as np

from train.graph.colisten import Edges

# Measured on the bundled store (`sage train graph`, seed 0): capped at 300, Louvain's 16
# communities become 271 scenes, the biggest 286 artists, the median artist's 83; Have
# Heart, Madball and Terror share "hardcore · straight edge" (102 artists), Minor Threat,
# Black Flag and Comeback Kid "hardcore · punk rock" (286), Converge is in "deathcore ·
# metalcore" (50), Linkin Park in "post-grunge · hard rock" (63). Capped at 150, the
# median artist's scene holds 59 and hardcore falls apart into "hardcore · epic", "hc ·
# hardcore punk" and "metalcore · beatdown" of 20 to 28 bands: finer than listeners tell
# scenes apart, and "two from a scene" would say little.
MAX_SCENE_ARTISTS = 300


@dataclass(frozen=True)
class DetectedScenes:
    """What training finds per graph node, stored with the run; the engine loads it back
    by artist as engine.scenes.Scenes."""

    pagerank: np.ndarray  # float64[n_nodes], sums to 1
    community: np.ndarray  # int32[n_nodes]; 0 is the largest scene, isolated artists get their own


def find_scenes(edges: Edges, n_nodes: int, seed: int) -> DetectedScenes:
    """PageRank follows the edges as directed; scenes treat a relation either way as one."""
    graph = igraph.Graph(n=n_nodes, edges=np.column_stack([edges.src, edges.dst]), directed=True)
    graph.es["weight"] = edges.weight.astype(np.float64)
    pagerank = np.asarray(graph.pagerank(weights="weight"), dtype=np.float64)
    graph.to_undirected(mode="collapse", combine_edges="max")
    # igraph draws from Python's `random` module unless told otherwise; seed it for
    # reproducible scenes without touching the caller's global random state.
    igraph.set_random_number_generator(random.Random(seed))
    try:
        membership = _split_large(graph, _louvain(graph))
    finally:
        igraph.set_random_number_generator(random)
    return DetectedScenes(pagerank=pagerank, community=_relabel_by_size(membership))


def _louvain(graph: igraph.Graph) -> np.ndarray:
    return np.asarray(graph.community_multilevel(weights="weight").membership)


def _split_large(graph: igraph.Graph, membership: np.ndarray) -> np.ndarray:
    """`membership` with every community of more than MAX_SCENE_ARTISTS split by Louvain
    over its own edges, again and again; one Louvain cannot split stays whole."""
    order = np.argsort(membership, kind="stable")
    bounds = np.flatnonzero(np.diff(membership[order])) + 1
    pending, scenes = np.split(order, bounds), []
    while pending:
        rows = pending.pop()
        parts = _louvain(graph.induced_subgraph(rows)) if len(rows) > MAX_SCENE_ARTISTS else None
        if parts is None or parts.max() == 0:
            scenes.append(rows)
        else:  # the subgraph's vertices keep their order: part p is rows[parts == p]
            pending.extend(rows[parts == part] for part in range(parts.max() + 1))
    split = np.empty(len(membership), dtype=np.int64)
    for label, rows in enumerate(scenes):
        split[rows] = label
    return split


def _relabel_by_size(membership: np.ndarray) -> np.ndarray:
    labels, inverse, sizes = np.unique(membership, return_inverse=True, return_counts=True)
    # Biggest scene first; equal sizes keep igraph's order so labels are stable.
    rank = np.empty(len(labels), dtype=np.int32)
    rank[np.lexsort((labels, -sizes))] = np.arange(len(labels), dtype=np.int32)
    return rank[inverse]
