"""Artist-artist similarity from the tags people gave them.

Co-listening knows nothing of an artist few people play; a tag ("hardcore", "shoegaze")
ties it to the artists that share its sound. Each artist is a tf-idf vector over tags:
log(1 + people who gave the tag) times log(artists / artists with the tag), so a tag
everyone gets ("rock") says little and a rare shared one says much; similarity is the
cosine of two such vectors.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from store.catalog import Taggings


def tag_similarity(taggings: Taggings, artist_ids: np.ndarray) -> sp.csr_matrix:
    """Artists x artists tag cosine, rows and columns in the order of `artist_ids`
    (sorted); artists without tags have empty rows, and no artist is its own neighbour."""
    known = np.isin(taggings.artist_ids, artist_ids)
    rows = np.searchsorted(artist_ids, taggings.artist_ids[known])
    tags, columns = np.unique(taggings.tag_ids[known], return_inverse=True)
    people = sp.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(artist_ids), len(tags))
    )
    people.sum_duplicates()
    people.data = np.log1p(people.data)
    artists_per_tag = np.diff(people.tocsc().indptr)
    idf = np.log(len(artist_ids) / np.maximum(artists_per_tag, 1))
    weighted = people @ sp.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    unit = sp.diags(1 / np.where(norms > 0, norms, 1)) @ weighted
    similarity = (unit @ unit.T).tocsr()
    similarity.setdiag(0)
    similarity.eliminate_zeros()
    return similarity
