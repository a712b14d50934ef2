"""The cf space as a recommender for the held-out test, ranked as the engine serves it."""

from __future__ import annotations

from train.cf.factors import CfFactors
from train.cf.params import CfParams
from train.evaluate.served import ServedRecommender


class CfRecommender(ServedRecommender):
    def __init__(self, params: CfParams, *, seed: int):
        super().__init__(CfFactors(params, seed=seed), params.popularity_prior)
