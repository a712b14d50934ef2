"""Every space as a held-out recommender, built from a run's settings (or the defaults).

Spaces that learn from listens (graph, cf, a playlist space trained on listens read as
playlists) are fitted again on the split's training listens. A playlist space trained on
MPD playlists learns nothing from listens, so its stored vectors take the test as they
are. A hybrid is rebuilt from the components its run records. Each model is
fitted once per split and shared, so scoring the graph space and a hybrid containing it
walks the graph once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.discovery import Discovery
from engine.graph_step import GraphEdges
from engine.novelty import POPULARITY_PRIOR
from store import Store
from store.catalog import Listens, Taggings, load_listens, load_taggings
from store.errors import UserError
from store.runs import get_run
from store.vectors import read_vectors
from train.cf.factors import CfFactors
from train.cf.params import CfParams
from train.evaluate.served import ArtistVectors, ServedRecommender, VectorModel
from train.graph.params import GraphParams
from train.graph.pipeline import embed_listening_graph
from train.hybrid.params import HybridParams
from train.hybrid.recommender import HybridModel
from train.playlist.corpus import listening_sentences, train_sentence_vectors
from train.playlist.params import PlaylistParams

# A playlist run's "source" -> what it learned from (train.playlist.space).
PLAYLIST_SOURCES = {"mpd": "playlists", "listens": "listens"}


@dataclass(frozen=True)
class SpaceSpec:
    """A space's settings to score: a run's (run_id set) or the defaults (run_id None)."""

    space: str
    params: dict
    run_id: int | None = None

    @property
    def popularity_prior(self) -> float:
        return self.params.get("popularity_prior", POPULARITY_PRIOR)

    @property
    def step_weight(self) -> float:
        return self.params.get("step_weight", 0.0)

    def learns_from(self) -> frozenset[str]:
        """What it learned from, "listens" and/or "playlists": the neighbour test's ground
        truth must come from a source the space did not learn from."""
        if self.space == "hybrid":
            return frozenset().union(*(
                SpaceSpec(name, component["params"]).learns_from()
                for name, component in self.params["components"].items()
            ))
        if self.space == "playlist":
            return frozenset({PLAYLIST_SOURCES[self.params["source"]]})
        return frozenset({"listens"})

    @property
    def refits(self) -> bool:
        """Whether the held-out test fits it again on training listens."""
        return "listens" in self.learns_from()


class FitOnce:
    """A model that remembers its vectors for the last training listens it was given."""

    def __init__(self, model: VectorModel):
        self.model = model
        self._train: Listens | None = None
        self._vectors: ArtistVectors | None = None

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        if train is not self._train:
            self._vectors = self.model.fit_vectors(train)
            self._train = train
        return self._vectors


class StoredVectors:
    """A run's own vectors, whatever the listens: for spaces that learn from other data."""

    def __init__(self, vectors: ArtistVectors):
        self.vectors = vectors

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        return self.vectors


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


class PlaylistVectorsFromListens:
    """A playlist space trained on listens, each user's artists read as one playlist."""

    def __init__(self, params: PlaylistParams, *, seed: int, workers: int):
        self.params = params
        self.seed = seed
        self.workers = workers

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        learned = train_sentence_vectors(listening_sentences(train), self.params.word2vec,
                                         seed=self.seed, workers=self.workers)
        return ArtistVectors(learned.entity_ids, learned.vectors)


class HeldoutModels:
    """Builds held-out recommenders from specs, each distinct model built once."""

    def __init__(self, store_path: Path, *, seed: int, workers: int):
        self.store_path = store_path
        self.seed = seed
        self.workers = workers
        self._models: dict[tuple, VectorModel] = {}

    def recommender(self, spec: SpaceSpec) -> ServedRecommender:
        return ServedRecommender(self.model(spec), spec.popularity_prior, spec.step_weight,
                                 Discovery.of_params(spec.params))

    def model(self, spec: SpaceSpec) -> VectorModel:
        key = (spec.space, json.dumps(spec.params, sort_keys=True) if spec.refits else spec.run_id)
        if key not in self._models:
            self._models[key] = self._build(spec)
        return self._models[key]

    def _build(self, spec: SpaceSpec) -> VectorModel:
        if spec.space == "graph":
            with Store.open(self.store_path, read_only=True) as store:
                listens, taggings = load_listens(store), load_taggings(store)
            return FitOnce(GraphVectors(
                GraphParams.from_dict(spec.params), listens, taggings,
                seed=self.seed, workers=self.workers,
            ))
        if spec.space == "cf":
            return FitOnce(CfFactors(CfParams.from_dict(spec.params), seed=self.seed))
        if spec.space == "hybrid":
            components = {
                name: self.model(SpaceSpec(name, component["params"], component["run_id"]))
                for name, component in spec.params["components"].items()
            }
            return FitOnce(HybridModel(components, HybridParams.from_dict(spec.params)))
        if spec.space == "playlist" and spec.refits:
            return FitOnce(PlaylistVectorsFromListens(
                PlaylistParams.from_dict(spec.params), seed=self.seed, workers=self.workers
            ))
        if spec.run_id is None:
            raise UserError(f"the {spec.space} space can only be scored from a trained run")
        return StoredVectors(self._stored(spec.run_id))

    def _stored(self, run_id: int) -> ArtistVectors:
        with Store.open(self.store_path, read_only=True) as store:
            run = get_run(store, run_id)
            with store.transaction() as con:
                ids, matrix = read_vectors(con, run_id, run.dim)
        return ArtistVectors.sorted(ids, matrix)
