"""The hybrid space as a function of training listens, for the held-out test: each
component space is fitted on the training listens and combined."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from store.catalog import Listens
from train.hybrid.combine import combine
from train.hybrid.params import HybridParams
from train.vectors import ArtistVectors, VectorModel


class HybridModel:
    def __init__(self, components: Mapping[str, VectorModel], params: HybridParams):
        self.components = dict(components)
        self.params = params

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        spaces = {name: model.fit_vectors(train) for name, model in self.components.items()}
        hybrid = combine(spaces, self.params.weights, ridge=self.params.ridge)
        # The engine steps on the graph component's graph (engine.space).
        return replace(hybrid, graph=spaces["graph"].graph) if "graph" in spaces else hybrid
