"""The graph embedding as a recommender for the held-out taste test.

It ranks exactly as the engine does at its default novelty, so the figures describe
what the bot serves: cosine to the mean liked unit vector plus the popularity prior.
"""

from __future__ import annotations

import numpy as np

from engine.novelty import novelty_scores, popularity_of
from store.catalog import Listens
from train.evaluate.baselines import top_columns
from train.evaluate.metrics import NO_ARTIST
from train.graph.params import GraphParams
from train.graph.pipeline import embed_listening_graph


class GraphRecommender:
    def __init__(self, params: GraphParams, *, seed: int, workers: int = 1, novelty: float = 0.0):
        self.params = params
        self.seed = seed
        self.workers = workers
        self.novelty = novelty

    def fit(self, train: Listens) -> None:
        embedding = embed_listening_graph(train, self.params, seed=self.seed, workers=self.workers)
        norms = np.linalg.norm(embedding.vectors, axis=1, keepdims=True)
        self._unit = np.divide(
            embedding.vectors, norms, out=np.zeros_like(embedding.vectors), where=norms > 0
        )
        self._artist_ids = embedding.artist_ids
        self._untrained = ~embedding.trained
        # Each (user, artist) pair appears once in the listens: a count is a listener count.
        listeners = np.bincount(
            np.searchsorted(self._artist_ids, train.artist_ids), minlength=len(self._artist_ids)
        )
        self._popularity = popularity_of(listeners)

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_rows = np.searchsorted(self._artist_ids, likes)
        taste = self._unit[like_rows].mean(axis=1)
        taste /= np.maximum(np.linalg.norm(taste, axis=1, keepdims=True), 1e-12)
        scores = novelty_scores(taste @ self._unit.T, self._popularity, self.novelty)
        scores[:, self._untrained] = -np.inf  # no vector, nothing to say about them
        best = top_columns(scores, k, like_rows)
        return np.where(best == NO_ARTIST, NO_ARTIST, self._artist_ids[best])
