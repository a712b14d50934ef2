"""Artist vectors as training produces them and the held-out test scores them.

Shared by train/ (a space's trainer, the hybrid's combination) and train/evaluate/ (the
held-out test), so that training never imports the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.preprocessing import normalize

from engine.graph_step import GraphEdges
from engine.lookup import positions_in
from store.catalog import Listens


@dataclass(frozen=True)
class ArtistVectors:
    """One vector per artist, rows in ascending artist id order."""

    artist_ids: np.ndarray  # int64, ascending, unique
    vectors: np.ndarray  # float32 [artists, dim]
    graph: GraphEdges | None = None  # a graph space's graph, for the engine's step

    def __post_init__(self) -> None:
        if len(self.artist_ids) != len(self.vectors):
            raise ValueError(f"{len(self.artist_ids)} ids for {len(self.vectors)} vectors")
        if np.any(np.diff(self.artist_ids) <= 0):
            raise ValueError("artist ids must be ascending and unique")

    @classmethod
    def sorted(cls, artist_ids: np.ndarray, vectors: np.ndarray) -> ArtistVectors:
        order = np.argsort(artist_ids, kind="stable")
        return cls(np.asarray(artist_ids, dtype=np.int64)[order],
                   np.asarray(vectors, dtype=np.float32)[order])

    def rows_of(self, artist_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each id and whether the space has it (engine.lookup.positions_in)."""
        return positions_in(self.artist_ids, artist_ids)


class VectorModel(Protocol):
    """A space as a function of training listens."""

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        """The space's artist vectors learned from `train` (artists it cannot place left out)."""


def listeners_of(train: Listens, artist_ids: np.ndarray) -> np.ndarray:
    """Listeners of each artist in `train` (0 for artists nobody there plays)."""
    # Each (user, artist) pair appears once in the listens: a count is a listener count.
    played, listeners = np.unique(train.artist_ids, return_counts=True)
    if len(played) == 0:
        return np.zeros(len(artist_ids), dtype=np.int64)
    rows, found = positions_in(played, artist_ids)
    return np.where(found, listeners[rows], 0)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; zero rows stay zero."""
    return normalize(matrix, norm="l2", axis=1, copy=True)
