"""The graph space as a function of training listens, for the held-out test."""

from __future__ import annotations

import numpy as np

from engine.graph_step import GraphEdges
from store.catalog import Listens, Taggings
from train.graph.params import GraphParams
from train.graph.pipeline import embed_listening_graph
from train.vectors import ArtistVectors


class GraphVectors:
    """The graph space, with the graph it walked (for the engine's step).

    Tags count only from people whose listening the test shows in full: a held-out
    person's tags on the artists hidden from them would tell the model their targets.
    """

    def __init__(self, params: GraphParams, listens: Listens, taggings: Taggings, *,
                 seed: int, workers: int):
        self.params = params
        self.listens = listens  # every listen, to tell whose listening a split hides
        self.taggings = taggings
        self.seed = seed
        self.workers = workers

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        taggings = self.taggings.without_users(partly_hidden_users(self.listens, train))
        embedding = embed_listening_graph(
            train, taggings, self.params, seed=self.seed, workers=self.workers
        )
        trained = embedding.trained
        ids, edges = embedding.artist_ids, embedding.edges
        return ArtistVectors(
            ids[trained], embedding.vectors[trained],
            graph=GraphEdges(ids[edges.src], ids[edges.dst], edges.weight),
        )


def partly_hidden_users(listens: Listens, train: Listens) -> np.ndarray:
    """Users with fewer listens in `train` than in `listens`."""
    users, listened = np.unique(listens.user_ids, return_counts=True)
    in_train = np.zeros(len(users), dtype=np.int64)
    seen, counts = np.unique(train.user_ids, return_counts=True)
    in_train[np.searchsorted(users, seen)] = counts
    return users[in_train < listened]
