"""The hybrid space as a function of training listens, and as a recommender for the
held-out test: each component space is fitted on the training listens and combined."""

from __future__ import annotations

from collections.abc import Mapping

from store.catalog import Listens
from train.evaluate.served import ArtistVectors, ServedRecommender, VectorModel
from train.hybrid.combine import combine
from train.hybrid.params import HybridParams


class HybridModel:
    def __init__(self, components: Mapping[str, VectorModel], params: HybridParams):
        self.components = dict(components)
        self.params = params

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        spaces = {name: model.fit_vectors(train) for name, model in self.components.items()}
        return combine(spaces, self.params.weights, ridge=self.params.ridge)


class HybridRecommender(ServedRecommender):
    def __init__(self, components: Mapping[str, VectorModel], params: HybridParams):
        super().__init__(HybridModel(components, params), params.popularity_prior)
