"""A weighted graph in compressed sparse row form, the layout random walks step over."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class CSRGraph:
    """Out-edges of nodes 0..n-1: node v's neighbours are `indices[indptr[v]:indptr[v + 1]]`.

    Construction checks the shapes, dtypes, node ids and that every weight is finite and
    positive, so walks can rely on them. `from_edges` also sorts each node's neighbours,
    merges repeated edges and drops self-loops.
    """

    indptr: np.ndarray  # int64[n_nodes + 1]
    indices: np.ndarray  # int32[n_edges]
    weights: np.ndarray  # float32[n_edges]

    def __post_init__(self) -> None:
        indptr, indices, weights = self.indptr, self.indices, self.weights
        if indptr.dtype != np.int64 or indices.dtype != np.int32 or weights.dtype != np.float32:
            raise ValueError("CSRGraph needs int64 indptr, int32 indices and float32 weights")
        if indptr.ndim != 1 or len(indptr) == 0 or indptr[0] != 0:
            raise ValueError("indptr must be one-dimensional and start at 0")
        if np.any(np.diff(indptr) < 0) or not indptr[-1] == len(indices) == len(weights):
            raise ValueError("indptr must be non-decreasing and end at the number of edges")
        n_nodes = len(indptr) - 1
        if len(indices) and (indices.min() < 0 or indices.max() >= n_nodes):
            raise ValueError(f"edge targets must lie in 0..{n_nodes - 1}")
        if not np.all(np.isfinite(weights) & (weights > 0)):
            raise ValueError("edge weights must be finite and positive")

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Stored (directed) edges: a symmetric graph stores each undirected edge twice."""
        return len(self.indices)

    @property
    def degree(self) -> np.ndarray:
        """Out-degree of every node, int64[n_nodes]."""
        return np.diff(self.indptr)

    @classmethod
    def from_edges(
        cls,
        src: ArrayLike,
        dst: ArrayLike,
        weight: ArrayLike,
        n_nodes: int,
        symmetric: bool,
    ) -> CSRGraph:
        """Build the graph from parallel arrays of edges src -> dst.

        With `symmetric`, every edge is also added in reverse, so the graph is undirected.
        Repeated edges are merged by summing their weights: two sources relating the same
        pair (or A listing B and B listing A, when symmetric) count as stronger evidence.
        Self-loops are dropped: a step from a node to itself relates it to nothing.
        Raises ValueError for node ids outside 0..n_nodes-1 and for weights that are not
        finite and positive.
        """
        src = np.asarray(src, dtype=np.int64).ravel()
        dst = np.asarray(dst, dtype=np.int64).ravel()
        weight = np.asarray(weight, dtype=np.float64).ravel()
        if not len(src) == len(dst) == len(weight):
            raise ValueError("src, dst and weight must have the same length")
        if not 0 <= n_nodes < 2**31:
            raise ValueError("n_nodes must lie in 0..2**31-1")
        if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n_nodes):
            raise ValueError(f"edge endpoints must lie in 0..{n_nodes - 1}")
        if not np.all(np.isfinite(weight) & (weight > 0)):
            raise ValueError("edge weights must be finite and positive")
        if symmetric:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            weight = np.concatenate([weight, weight])
        not_loop = src != dst
        adjacency = scipy.sparse.csr_array(
            (weight[not_loop], (src[not_loop], dst[not_loop])), shape=(n_nodes, n_nodes)
        )
        # Building from (row, col) pairs sums repeated edges and sorts each node's targets
        # already; saying so keeps that from resting on a construction detail.
        adjacency.sum_duplicates()
        return cls(
            indptr=adjacency.indptr.astype(np.int64),
            indices=adjacency.indices.astype(np.int32),
            weights=adjacency.data.astype(np.float32),
        )
