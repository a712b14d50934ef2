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


@dataclass(frozen=True, eq=False)
class Step:
    """The step scores that are not 0: query `queries[i]`'s score of row `rows[i]` is
    `scores[i]`, each (query, row) pair once. A query's few seeds reach a few hundred
    rows, so these are all a ranking needs to add."""

    queries: np.ndarray  # int64
    rows: np.ndarray  # int64
    scores: np.ndarray  # float32

    def add_to(self, scores: np.ndarray, weight: float) -> None:
        """Adds `weight` times the step to `scores` ([queries, rows]) in place."""
        scores[self.queries, self.rows] += np.float32(weight) * self.scores


def step_scores(
    graph: sp.csr_matrix,
    like_rows: np.ndarray,
    like_weights: np.ndarray,
    hate_rows: np.ndarray | None = None,
    hate_weights: np.ndarray | None = None,
    beta: float = 0.0,
) -> Step:
    """Each query's step from its likes, and away from its hates by `beta` (seed rows
    [queries, seeds], -1 for none, with their weights)."""
    n_rows = graph.shape[1]
    keys, values = _mean_rows(graph, like_rows, like_weights)
    n_liked = len(keys)
    if hate_rows is not None and beta:
        hate_keys, hate_values = _mean_rows(graph, hate_rows, hate_weights)
        keys, values = np.concatenate([keys, hate_keys]), np.concatenate([values,
                                                                          -beta * hate_values])
    pairs, pair_of = np.unique(keys, return_inverse=True)
    queries, rows = np.divmod(pairs, n_rows)
    liked = np.bincount(pair_of[:n_liked], weights=values[:n_liked], minlength=len(pairs))
    best = np.zeros(len(like_rows))
    np.maximum.at(best, queries, liked)
    scores = np.bincount(pair_of, weights=values, minlength=len(pairs))
    return Step(queries, rows, (scores / np.where(best > 0, best, 1)[queries]).astype(np.float32))


def _mean_rows(
    graph: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's weighted mean of its seeds' graph rows (`rows` [queries, seeds], -1
    for none; the weights of those present scaled to sum 1), as entries keyed query *
    graph rows + row, a key repeated where seeds share a row (a sum).

    Gathered from the seeds' own rows of the CSR arrays: a query's few seeds touch a few
    hundred entries, where a sparse product passes over every column of the graph."""
    n_rows = graph.shape[1]
    present = rows >= 0
    weights = np.where(present, weights, 0).astype(np.float64)
    totals = weights.sum(axis=1, keepdims=True)
    weights = weights / np.where(totals > 0, totals, 1)
    query = np.broadcast_to(np.arange(rows.shape[0])[:, None], rows.shape)[present]
    seed, weight = rows[present], weights[present]
    starts = graph.indptr[seed]
    lengths = graph.indptr[seed + 1] - starts
    # The positions of every seed's entries, one run of `lengths` after each start.
    ends = np.cumsum(lengths)
    entries = np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths,
                                                                  lengths)
    return (np.repeat(query, lengths) * n_rows + graph.indices[entries],
            graph.data[entries] * np.repeat(weight, lengths))
