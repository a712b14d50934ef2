"""One step on the related-artists graph from the seeds: where their listeners go next.

A graph space's vectors come from long walks, so cosine in it is second-order: two
artists are close when their neighbourhoods look alike. The graph the walks followed
also says, first-hand, where a listener of each seed goes next (co-listening, mixed with
shared tags: train.graph.related). Ranking by both is better than by either: on the
validation split of the held-out test the step lifts precision@20 from 0.373 to 0.389
at about the same tail recall (bench/graph_frontier.py).

    step score = (mean of the liked rows - beta * mean of the hated rows)
                 / largest entry of the liked mean

so the best next step scores 1 whatever the seeds, and `step_weight` means the same
for every query.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.lookup import positions_in


@dataclass(frozen=True, eq=False)
class GraphEdges:
    """Directed weighted edges between entity ids; each source's weights sum to 1."""

    src: np.ndarray  # int64
    dst: np.ndarray  # int64
    weight: np.ndarray  # float32

    def over_rows(self, entity_ids: np.ndarray) -> sp.csr_matrix:
        """The edges between `entity_ids` (ascending) as a rows x rows matrix; edges to or
        from an id not among them are left out."""
        n = len(entity_ids)
        src, src_found = positions_in(entity_ids, self.src)
        dst, dst_found = positions_in(entity_ids, self.dst)
        kept = src_found & dst_found
        return sp.csr_matrix((self.weight[kept], (src[kept], dst[kept])), shape=(n, n),
                             dtype=np.float32)


def seed_matrix(rows: np.ndarray, weights: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """Queries x rows: each query's seed rows ([queries, seeds], -1 for none) with
    weights summing to 1 per query."""
    queries = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
    present = rows.ravel() >= 0
    weights = np.where(rows >= 0, weights, 0).astype(np.float64)
    totals = weights.sum(axis=1, keepdims=True)
    weights = (weights / np.where(totals > 0, totals, 1)).ravel()
    return sp.csr_matrix(
        (weights[present], (queries[present], rows.ravel()[present])),
        shape=(rows.shape[0], n_rows),
    )


def step_scores(
    graph: sp.csr_matrix, likes: sp.csr_matrix, hates: sp.csr_matrix | None = None,
    beta: float = 0.0,
) -> np.ndarray:
    """float32 [queries, rows]: the step score of every row for each query (seed
    matrices from seed_matrix)."""
    liked = (likes @ graph).toarray().astype(np.float32)
    best = liked.max(axis=1, keepdims=True)
    if hates is not None and beta:
        liked -= np.float32(beta) * (hates @ graph).toarray().astype(np.float32)
    return liked / np.where(best > 0, best, 1)
