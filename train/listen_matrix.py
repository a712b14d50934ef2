"""Listens as a sparse users x artists matrix: what matrix-factorising spaces and the
baselines learn from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from store.catalog import Listens


@dataclass(frozen=True)
class ListenMatrix:
    """Training listens as a sparse users x artists matrix of play counts."""

    artist_ids: np.ndarray  # column -> artist id, ascending
    plays: sp.csr_matrix  # float32

    @classmethod
    def from_listens(cls, listens: Listens) -> ListenMatrix:
        _, rows = np.unique(listens.user_ids, return_inverse=True)
        artist_ids, columns = np.unique(listens.artist_ids, return_inverse=True)
        # A listen stored with 0 plays still says the user knows the artist (the split
        # and the metrics count it), so it weighs as one play instead of vanishing.
        plays = sp.csr_matrix(
            (np.maximum(listens.plays, 1).astype(np.float32), (rows, columns)),
            shape=(rows.max(initial=-1) + 1, len(artist_ids)),
        )
        return cls(artist_ids=artist_ids, plays=plays)

    def listened(self) -> sp.csr_matrix:
        """Who listens to what: 1 for every (user, artist) pair with a listen."""
        listened = self.plays.copy()
        listened.data[:] = 1.0
        return listened

    def columns(self, artist_ids: np.ndarray) -> np.ndarray:
        columns = np.searchsorted(self.artist_ids, artist_ids)
        known = columns < len(self.artist_ids)
        known[known] = self.artist_ids[columns[known]] == artist_ids[known]
        if not known.all():
            raise ValueError(f"artists not in the training data: {np.unique(artist_ids[~known])}")
        return columns

    def query_rows(self, like_columns: np.ndarray, value: float) -> sp.csr_matrix:
        """One sparse row per query with `value` at each liked column."""
        n_queries, n_likes = like_columns.shape
        return sp.csr_matrix(
            (
                np.full(like_columns.size, value, dtype=np.float32),
                like_columns.ravel(),
                np.arange(0, like_columns.size + 1, n_likes),
            ),
            shape=(n_queries, self.plays.shape[1]),
        )
