"""Artist factors of the listening matrix by implicit-feedback ALS (the `implicit` library)."""

from __future__ import annotations

import numpy as np
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from store.catalog import Listens
from train.cf.params import CfParams
from train.listen_matrix import ListenMatrix
from train.vectors import ArtistVectors


def artist_factors(listens: Listens, params: CfParams, *, seed: int) -> ArtistVectors:
    """One factor vector per artist anyone listened to."""
    matrix = ListenMatrix.from_listens(listens)
    confidence = matrix.plays.copy()
    confidence.data = np.log1p(confidence.data)
    # One thread for implicit and BLAS: fitting takes seconds, and one thread makes a
    # run repeat exactly (a threaded BLAS inside implicit's solver is also slower).
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=params.factors,
            regularization=params.regularization,
            alpha=params.alpha,
            iterations=params.iterations,
            num_threads=1,
            random_state=seed,
        )
        model.fit(confidence, show_progress=False)
    return ArtistVectors(matrix.artist_ids, np.asarray(model.item_factors, dtype=np.float32))


class CfFactors:
    """The cf space as a function of training listens (a train.vectors.VectorModel)."""

    def __init__(self, params: CfParams, *, seed: int):
        self.params = params
        self.seed = seed

    def fit_vectors(self, train: Listens) -> ArtistVectors:
        return artist_factors(train, self.params, seed=self.seed)
