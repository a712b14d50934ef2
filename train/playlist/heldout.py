"""Artist2Vec as a function of training listens, for the held-out taste test.

The test hides listens, not playlist entries, so the model learns from the training
listens with each user's artists read as one playlist (the space's "listens" source),
and is ranked as the engine serves the space (train.evaluate.served).
"""

from __future__ import annotations

from store.catalog import Listens
from train.playlist.corpus import listening_sentences, train_sentence_vectors
from train.playlist.params import PlaylistParams
from train.vectors import ArtistVectors


class PlaylistVectors:
    """The playlist space learned from training listens (a train.vectors.VectorModel)."""

    def __init__(self, params: PlaylistParams, *, seed: int, workers: int = 1):
        self.params = params
        self.seed = seed
        self.workers = workers

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        learned = train_sentence_vectors(
            listening_sentences(train), self.params.word2vec, seed=self.seed,
            workers=self.workers,
        )
        return ArtistVectors(learned.entity_ids, learned.vectors)
