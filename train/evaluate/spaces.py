"""Every space as a held-out recommender, built from a run's settings (or the defaults).

Each kind of space says how it takes the test (train.kind.SpaceKind.heldout_model):
spaces that learn from listens are fitted again on the split's training listens; a space
that learned from playlists takes the test with its stored vectors; a hybrid is rebuilt
from the components its run records. Each model is fitted once per split and shared, so
scoring the graph space and a hybrid containing it walks the graph once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from engine.ranking import Ranking
from store import Store
from store.catalog import Listens
from store.runs import RunRecord, get_run
from store.vectors import read_vectors
from train.evaluate.served import ServedRecommender
from train.kind import LISTENS
from train.kinds import kind
from train.vectors import ArtistVectors, VectorModel


@dataclass(frozen=True)
class SpaceSpec:
    """A space's settings to score: a run's (run_id set) or the defaults (run_id None)."""

    space: str
    params: dict
    run_id: int | None = None

    @classmethod
    def of_run(cls, run: RunRecord) -> SpaceSpec:
        return cls(run.space, run.params, run.run_id)

    @property
    def ranking(self) -> Ranking:
        return Ranking.of_run(self.params, self.run_id)

    def learns_from(self) -> frozenset[str]:
        return kind(self.space).learns_from(self.params)

    @property
    def refits(self) -> bool:
        """Whether the held-out test fits it again on training listens."""
        return LISTENS in self.learns_from()

    @property
    def scores_as_trained(self) -> bool:
        return kind(self.space).scores_as_trained(self.params)


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


class HeldoutModels:
    """Builds held-out recommenders from specs, each distinct model built once."""

    def __init__(self, store_path: Path, *, seed: int, workers: int):
        self.store_path = store_path
        self.seed = seed
        self.workers = workers
        self._models: dict[tuple, VectorModel] = {}

    def recommender(self, spec: SpaceSpec, novelty: float = 0.0) -> ServedRecommender:
        return ServedRecommender(self.model(spec), spec.ranking, novelty)

    def model(self, spec: SpaceSpec) -> VectorModel:
        key = (spec.space, json.dumps(spec.params, sort_keys=True) if spec.refits else spec.run_id)
        if key not in self._models:
            self._models[key] = kind(spec.space).heldout_model(spec, self)
        return self._models[key]

    def stored(self, run_id: int) -> ArtistVectors:
        """A run's vectors as they are."""
        with Store.open(self.store_path, read_only=True) as store:
            run = get_run(store, run_id)
            with store.transaction() as con:
                ids, matrix = read_vectors(con, run_id, run.dim)
        return ArtistVectors.sorted(ids, matrix)
