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


def mean_rows(graph: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """float32 [queries, graph rows]: each query's weighted mean of its seeds' graph rows
    (`rows` [queries, seeds], -1 for none; the weights of those present scaled to sum 1).

    Gathered from the seeds' own rows of the CSR arrays: a query's few seeds touch a few
    hundred entries, where a sparse product would pass over every column of the graph."""
    n_queries, n_rows = rows.shape[0], graph.shape[1]
    present = rows >= 0
    weights = np.where(present, weights, 0).astype(np.float64)
    totals = weights.sum(axis=1, keepdims=True)
    weights = weights / np.where(totals > 0, totals, 1)
    query = np.broadcast_to(np.arange(n_queries)[:, None], rows.shape)[present]
    seed, weight = rows[present], weights[present]
    starts, lengths = graph.indptr[seed], np.diff(graph.indptr)[seed]
    # The positions of every seed's entries, one run of `lengths` after each start.
    ends = np.cumsum(lengths)
    entries = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths,
                                                                  lengths)
    spread = np.bincount(
        np.repeat(query, lengths) * n_rows + graph.indices[entries],
        weights=graph.data[entries] * np.repeat(weight, lengths),
        minlength=n_queries * n_rows,
    )
    return spread.reshape(n_queries, n_rows).astype(np.float32)


def step_scores(
    liked: np.ndarray, hated: np.ndarray | None = None, beta: float = 0.0,
) -> np.ndarray:
    """float32 [queries, rows]: the step score of every row for each query, from the mean
    graph rows of its likes and of its hates (mean_rows)."""
    best = liked.max(axis=1, keepdims=True)
    if hated is not None and beta:
        liked = liked - np.float32(beta) * hated
    return liked / np.where(best > 0, best, 1)
