"""Scoring a space the way the engine serves it, for the held-out test.

A space model only has to say how it turns training listens into artist vectors; the
ranking is then the engine's: the mean of the liked unit vectors, scaled to unit length,
against every unit vector, plus the space's popularity prior (engine.novelty). So the
figures of every space describe what the bot would answer from it at novelty 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.discovery import Discovery, in_long_tail, like_tail_share, with_slots
from engine.graph_step import GraphEdges, seed_matrix, step_scores
from engine.lookup import positions_in
from engine.novelty import novelty_scores, popularity_of
from store.catalog import Listens
from train.evaluate.baselines import top_columns
from train.evaluate.metrics import NO_ARTIST, head_artists


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
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


class ServedRecommender:
    """A space model ranked as the engine ranks, at novelty 0 and the given prior, weight
    of the graph step (for a model that has a graph) and discovery slots."""

    def __init__(self, model: VectorModel, popularity_prior: float, step_weight: float = 0.0,
                 discovery: Discovery = Discovery()):
        self.model = model
        self.popularity_prior = popularity_prior
        self.step_weight = step_weight
        self.discovery = discovery

    def fit(self, train: Listens) -> None:
        space = self.model.fit_vectors(train)
        self._artist_ids = space.artist_ids
        self._rows_of = space.rows_of
        self._unit = unit_rows(space.vectors.astype(np.float32))
        # As the engine's LoadedSpace: a zero vector has no direction and is left out.
        self._no_vector = ~np.any(self._unit != 0, axis=1)
        self._popularity = popularity_of(listeners_of(train, space.artist_ids))
        # The long tail as the held-out test counts it: outside the most listened in training.
        self._long_tail = (in_long_tail(space.artist_ids, head_artists(train, self.discovery.after))
                           if self.discovery else None)
        self._graph = (space.graph.over_rows(space.artist_ids)
                       if self.step_weight and space.graph is not None else None)

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        rows, found = self._rows_of(likes)
        found &= ~self._no_vector[rows]
        # As the engine's taste: the likes the space has, each counted once.
        weights = found / np.maximum(found.sum(axis=1, keepdims=True), 1)
        taste = np.einsum("ql,qld->qd", weights.astype(np.float32), self._unit[rows])
        taste /= np.maximum(np.linalg.norm(taste, axis=1, keepdims=True), 1e-12)
        scores = novelty_scores(
            taste @ self._unit.T, self._popularity, 0.0, self.popularity_prior
        )
        if self._graph is not None:
            seeds = seed_matrix(np.where(found, rows, -1), weights, len(self._artist_ids))
            scores += np.float32(self.step_weight) * step_scores(self._graph, seeds)
        scores[:, self._no_vector] = -np.inf
        # A query with no like in the space gets nothing, as the engine answers nothing.
        scores[~found.any(axis=1)] = -np.inf
        # Likes the space lacks exclude nothing: they stand in for one it has.
        some_found = rows[np.arange(len(rows)), found.argmax(axis=1)][:, None]
        exclude = np.where(found, rows, some_found)
        if self.discovery:
            slots = np.minimum(self.discovery.slots(
                k, like_tail_share(found & self._long_tail[rows], weights)), k)
            deep = top_columns(np.where(self._long_tail, scores, -np.inf), slots.max(), exclude)
            best = with_slots(top_columns(scores, k + slots.max(), exclude), deep, slots, k)
        else:
            best = top_columns(scores, k, exclude)
        return np.where(best == NO_ARTIST, NO_ARTIST, self._artist_ids[best])
