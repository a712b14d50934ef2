"""The related-artists graph the walks follow and the engine steps on: co-listening,
mixed with shared tags.

Each artist's out-weights sum to 1: `tag_share` of it goes to its strongest tag
neighbours, the rest to its strongest co-listened ones (all of it to whichever kind it
has, when it has only one). On the validation split of the held-out test, a share of
0.2 lifts the served model's tail recall and precision together (bench/graph_frontier.py).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from store.catalog import Listens, Taggings
from train.graph.colisten import Edges, colistening_edges, strongest_per_row
from train.graph.params import RelatedGraphParams
from train.graph.tags import tag_similarity


def related_artist_edges(
    listens: Listens, taggings: Taggings, artist_ids: np.ndarray, params: RelatedGraphParams
) -> Edges:
    """Edges over indices into `artist_ids` (sorted), each artist's weights summing to 1."""
    n = len(artist_ids)
    colistening = colistening_edges(listens, artist_ids, params)
    colistened = rows_summing_to_one(
        sp.csr_matrix((colistening.weight, (colistening.src, colistening.dst)), shape=(n, n))
    )
    tag_share = np.zeros(n)
    tagged = sp.csr_matrix((n, n))
    if params.tag_share and len(taggings):
        tagged = tag_neighbours(taggings, artist_ids, params.tag_neighbours)
        has_tags = np.diff(tagged.indptr) > 0
        has_colistening = np.diff(colistened.indptr) > 0
        tag_share = np.where(has_tags, np.where(has_colistening, params.tag_share, 1.0), 0.0)
    mixed = (sp.diags(1 - tag_share) @ colistened + sp.diags(tag_share) @ tagged).tocoo()
    kept = mixed.data > 0
    return Edges(mixed.row[kept].astype(np.int32), mixed.col[kept].astype(np.int32),
                 mixed.data[kept].astype(np.float32))


def tag_neighbours(taggings: Taggings, artist_ids: np.ndarray, k: int) -> sp.csr_matrix:
    """Artists x artists: each artist's k most tag-similar artists, its row summing to 1
    (empty for an artist without tags)."""
    similarity = tag_similarity(taggings, artist_ids)
    src, dst, weight = strongest_per_row(similarity, k)
    return rows_summing_to_one(sp.csr_matrix((weight, (src, dst)), shape=similarity.shape))


def rows_summing_to_one(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Each non-empty row scaled to sum 1."""
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    return (sp.diags(1 / np.where(totals > 0, totals, 1)) @ matrix).tocsr()
