"""Scoring a space the way the engine serves it, for the held-out test.

A space model only has to say how it turns training listens into artist vectors; the
ranking is then the engine's own (engine.rank), for every test user at once: the mean
of the liked unit vectors, scaled to unit length, against every unit vector, with the
run's ranking settings (engine.ranking). So the figures of every space describe what
the bot would answer from it, at novelty 0 unless told otherwise.
"""

from __future__ import annotations

import numpy as np

from engine.discovery import in_long_tail
from engine.novelty import popularity_of
from engine.rank import NO_ROW, Queries, Seeds, mean_direction, rank, score, unit_tastes
from engine.ranking import Ranking
from store.catalog import Listens
from train.evaluate.metrics import NO_ARTIST, head_artists
from train.vectors import VectorModel, listeners_of, unit_rows


class ServedRecommender:
    """A space model ranked as the engine ranks, at the given novelty (engine.novelty; an
    engine.rank.Rankable once fitted)."""

    def __init__(self, model: VectorModel, ranking: Ranking, novelty: float = 0.0):
        self.model = model
        self.ranking = ranking
        self.novelty = novelty

    def fit(self, train: Listens) -> None:
        space = self.model.fit_vectors(train)
        self._artist_ids = space.artist_ids
        self._rows_of = space.rows_of
        self.unit = unit_rows(space.vectors.astype(np.float32))
        # As the engine's LoadedSpace: a zero vector has no direction and is left out.
        self._no_vector = ~np.any(self.unit != 0, axis=1)
        self.popularity = popularity_of(listeners_of(train, space.artist_ids))
        # The long tail as the held-out test counts it: outside the most listened in training.
        discovery = self.ranking.discovery
        self.long_tail = (in_long_tail(space.artist_ids, head_artists(train, discovery.after))
                          if discovery else None)
        self.graph = (space.graph.over_rows(space.artist_ids)
                      if self.ranking.step_weight and space.graph is not None else None)

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        rows, found = self._rows_of(likes)
        found &= ~self._no_vector[rows]
        # As the engine's taste: the likes the space has, each counted once.
        seeds = Seeds(np.where(found, rows, NO_ROW),
                      found / np.maximum(found.sum(axis=1, keepdims=True), 1))
        tastes, _ = unit_tastes(mean_direction(self.unit, seeds))
        # A query with no like in the space gets nothing, as the engine answers nothing;
        # likes the space lacks rule nothing out.
        allowed = np.repeat((~self._no_vector)[None, :], len(likes), axis=0)
        allowed[~found.any(axis=1)] = False
        queries, liked = np.nonzero(found)
        allowed[queries, rows[queries, liked]] = False
        scores = score(self, Queries(tastes, seeds), self.novelty)
        ranked = rank(self, scores, seeds, k, allowed=allowed, novelty=self.novelty)
        return np.where(ranked.rows == NO_ROW, NO_ARTIST, self._artist_ids[ranked.rows])
