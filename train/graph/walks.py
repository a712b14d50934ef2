"""Random walks over a CSRGraph, the sentences SAGE feeds to word2vec.

All walkers of a chunk advance one step together with a few array operations, so the
cost per step is that of numpy gathers rather than of Python code.

- Uniform transitions (the original SAGE): a walker at v moves to one of v's neighbours
  with equal probability, `indices[indptr[v] + floor(u * degree[v])]`.
- Weighted transitions (a Markov chain): the probability of v -> w is weight(v, w) over
  v's total out-weight. Each row's cumulative weights are scaled to run from 0 to the
  node's degree, and a guide table (Chen & Asau) holds, for every integer k below the
  degree, the first edge whose cumulative value passes k, with that value and the
  edge's target beside it. A walker draws s = u * degree and looks up bucket floor(s):
  if s is below the stored value the stored target is the answer (~60% of steps on
  bench/walks.py's graph), else it moves right past cumulative values <= s (~0.5 moves
  a step on average). This is exact inverse-transform sampling; a binary search
  (np.searchsorted) instead costs ~1 us a walker on this hardware, ~10x more.

A walk that reaches a node without out-edges stops there; the rest of its row holds
STOPPED. In a symmetric graph that only happens to walks starting at an isolated node.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from train.graph.csr import CSRGraph

log = logging.getLogger(__name__)

STOPPED = -1
DEFAULT_CHUNK_WALKERS = 1 << 16


def random_walks(
    graph: CSRGraph,
    walks_per_node: int,
    walk_length: int,
    *,
    weighted: bool,
    seed: int,
    chunk_walkers: int = DEFAULT_CHUNK_WALKERS,
    progress: bool = False,
) -> np.ndarray:
    """All walks in one int32 array of shape [n_nodes * walks_per_node, walk_length].

    Column 0 holds the start node. Rows come in `walks_per_node` rounds, each round
    starting once from every node in a shuffled order, so a node's walks are spread over
    the corpus rather than bunched together. See `iter_random_walks` for the arguments.
    """
    walks = np.empty((graph.n_nodes * walks_per_node, walk_length), dtype=np.int32)
    row = 0
    for chunk in iter_random_walks(
        graph, walks_per_node, walk_length,
        weighted=weighted, seed=seed, chunk_walkers=chunk_walkers, progress=progress,
    ):
        walks[row:row + len(chunk)] = chunk
        row += len(chunk)
    return walks


def iter_random_walks(
    graph: CSRGraph,
    walks_per_node: int,
    walk_length: int,
    *,
    weighted: bool,
    seed: int,
    chunk_walkers: int = DEFAULT_CHUNK_WALKERS,
    progress: bool = False,
) -> Iterator[np.ndarray]:
    """The rows of `random_walks`, in chunks of at most `chunk_walkers` walks.

    Memory beyond the graph: the start nodes (4 bytes a walk), step tables of 16 bytes a
    node (plus 24 bytes an edge for weighted walks), a few arrays of `chunk_walkers`
    elements and one chunk. The walks are a function of (graph, walks_per_node,
    walk_length, weighted, seed, chunk_walkers): changing the chunk size reshuffles which
    random number drives which walker. `progress` shows a tqdm bar counting walks.
    """
    if walks_per_node < 1 or walk_length < 1 or chunk_walkers < 1:
        raise ValueError("walks_per_node, walk_length and chunk_walkers must be positive")
    tables = _StepTables.build(graph, weighted)
    rng = np.random.default_rng(seed)
    starts = np.concatenate(
        [rng.permutation(graph.n_nodes).astype(np.int32) for _ in range(walks_per_node)]
    )
    log.info(
        "walking %d x %d steps from %d nodes (%s transitions)",
        len(starts), walk_length - 1, graph.n_nodes, "weighted" if weighted else "uniform",
    )
    with tqdm(total=len(starts), unit="walk", disable=not progress, desc="random walks") as bar:
        for first in range(0, len(starts), chunk_walkers):
            position = starts[first:first + chunk_walkers]
            # Built step-major so each step writes one contiguous row, then transposed once.
            steps = np.empty((walk_length, len(position)), dtype=np.int32)
            steps[0] = position
            for step in range(1, walk_length):
                position = tables.step(position, rng)
                steps[step] = position
            steps[steps == tables.absorbing_node] = STOPPED
            bar.update(len(position))
            yield np.ascontiguousarray(steps.T)


# Fields a step reads together sit side by side, so one gather fetches them in one cache line.
_NODE = np.dtype([("first_edge", np.int64), ("degree", np.float64)])
_BUCKET = np.dtype([("threshold", np.float64), ("edge", np.int32), ("target", np.int32)])


@dataclass(frozen=True)
class _StepTables:
    """The graph plus one absorbing node that every dead end leads to, so steps never branch.

    `nodes` holds each node's first edge and degree (a float, so u * degree needs no
    conversion). Weighted walks also need each edge's cumulative weight within its row
    scaled to (0, degree] and, per guide-table bucket, the bucket's first edge, that
    edge's cumulative value (the threshold) and its target node.
    """

    absorbing_node: int
    nodes: np.ndarray  # _NODE[n_nodes + 1]
    indices: np.ndarray  # int32[n_edges]
    scaled_cumulative: np.ndarray | None  # float64[n_edges], weighted only
    buckets: np.ndarray | None  # _BUCKET[n_edges], weighted only

    @classmethod
    def build(cls, graph: CSRGraph, weighted: bool) -> _StepTables:
        extended = _with_absorbing_node(graph)
        degree = extended.degree
        if degree.max() >= 2**29 or extended.n_edges >= 2**31:
            raise ValueError("random walks support under 2**29 out-edges a node, 2**31 in all")
        nodes = np.empty(extended.n_nodes, dtype=_NODE)
        nodes["first_edge"] = extended.indptr[:-1]
        nodes["degree"] = degree
        scaled_cumulative = buckets = None
        if weighted:
            scaled_cumulative = _scaled_row_cumulative(extended)
            first_edge = _guide_table(extended, scaled_cumulative)
            buckets = np.empty(extended.n_edges, dtype=_BUCKET)
            buckets["threshold"] = scaled_cumulative[first_edge]
            buckets["edge"] = first_edge
            buckets["target"] = extended.indices[first_edge]
        return cls(
            absorbing_node=graph.n_nodes,
            nodes=nodes,
            indices=extended.indices,
            scaled_cumulative=scaled_cumulative,
            buckets=buckets,
        )

    def step(self, position: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        node = self.nodes[position]
        # float32 draws are multiples of 2**-24 and degrees stay below 2**29, so the
        # float64 product is exact and strictly below the degree: no clamping needed.
        scaled = rng.random(len(position), dtype=np.float32) * node["degree"]
        slot = node["first_edge"] + scaled.astype(np.int64)
        if self.buckets is None:
            return self.indices[slot]
        bucket = self.buckets[slot]
        target = bucket["target"].copy()
        past = np.flatnonzero(bucket["threshold"] <= scaled)
        edge = bucket["edge"][past].astype(np.int64) + 1
        scaled = scaled[past]
        behind = np.flatnonzero(self.scaled_cumulative[edge] <= scaled)
        while len(behind):
            edge[behind] += 1
            behind = behind[self.scaled_cumulative[edge[behind]] <= scaled[behind]]
        target[past] = self.indices[edge]
        return target


def _with_absorbing_node(graph: CSRGraph) -> CSRGraph:
    """`graph` plus node n, which every node without out-edges and n itself point to."""
    n = graph.n_nodes
    dead_ends = np.flatnonzero(graph.degree == 0)
    at = graph.indptr[dead_ends]
    indices = np.append(np.insert(graph.indices, at, np.int32(n)), np.int32(n))
    weights = np.append(np.insert(graph.weights, at, np.float32(1)), np.float32(1))
    degree = np.append(np.maximum(graph.degree, 1), 1)
    indptr = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    return CSRGraph(indptr=indptr, indices=indices.astype(np.int32), weights=weights)


def _scaled_row_cumulative(graph: CSRGraph) -> np.ndarray:
    """Each edge's cumulative share of its row's weight times the row's degree.

    Within a row the values rise to exactly the degree. Every node has an out-edge here.
    """
    degree = graph.degree
    row = np.repeat(np.arange(graph.n_nodes), degree)
    row_total = np.add.reduceat(graph.weights.astype(np.float64), graph.indptr[:-1])
    # Rows are normalised before the global cumsum, so each row adds exactly ~1 and no
    # row's small weights drown in the running total of the rows before it.
    cumulative = np.cumsum(graph.weights / row_total[row])
    row_end = graph.indptr[1:] - 1
    before_row = np.concatenate([[0.0], cumulative[row_end[:-1]]])
    scaled = (cumulative - before_row[row]) * degree[row]
    np.minimum(scaled, degree[row], out=scaled)
    scaled[row_end] = degree
    return scaled


def _guide_table(graph: CSRGraph, scaled_cumulative: np.ndarray) -> np.ndarray:
    """For each row and k in 0..degree-1 (at position indptr + k), the first edge whose
    scaled cumulative weight exceeds k: the bucket of walkers with floor(s) = k.

    Edge e takes the integers k with cumulative[e - 1] <= k < cumulative[e], which number
    ceil(cumulative[e]) - ceil(cumulative[e - 1]) (cumulative[-1] being 0 within a row).
    """
    ceiling = np.ceil(scaled_cumulative).astype(np.int64)
    owned = np.diff(ceiling, prepend=0)
    row_start = graph.indptr[:-1]
    owned[row_start] = ceiling[row_start]
    return np.repeat(np.arange(graph.n_edges, dtype=np.int32), owned)
