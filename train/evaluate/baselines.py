"""Baseline recommenders the graph model has to beat on the holdout test.

Each one learns from training listens alone and answers "given these liked artists,
which k others?" for a batch of queries at once. Scores are computed over the whole
catalog with sparse/dense matrix products, never a Python loop over artists.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Literal

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.nearest_neighbours import bm25_weight
from scipy.linalg import lapack
from threadpoolctl import threadpool_limits

from store.catalog import Listens
from train.evaluate.metrics import NO_ARTIST
from train.listen_matrix import ListenMatrix


def top_columns(scores: np.ndarray, k: int, exclude: np.ndarray) -> np.ndarray:
    """Per row, the columns of the k highest scores, best first, never an `exclude`d
    column; NO_ARTIST where a row has fewer than k columns left."""
    scores = scores.copy()
    np.put_along_axis(scores, exclude, -np.inf, axis=1)
    n_rows, n_columns = scores.shape
    k_available = min(k, n_columns)
    best = np.argpartition(-scores, k_available - 1, axis=1)[:, :k_available]
    best_scores = np.take_along_axis(scores, best, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    best = np.take_along_axis(best, order, axis=1)
    best[np.take_along_axis(best_scores, order, axis=1) == -np.inf] = NO_ARTIST
    padding = np.full((n_rows, k - k_available), NO_ARTIST, dtype=best.dtype)
    return np.hstack([best, padding])


def to_artist_ids(columns: np.ndarray, matrix: ListenMatrix) -> np.ndarray:
    return np.where(columns == NO_ARTIST, NO_ARTIST, matrix.artist_ids[columns])


class PopularityRecommender:
    """The artists with the most listeners, whatever the query likes (ties: lower id)."""

    def fit(self, train: Listens) -> None:
        self._matrix = ListenMatrix.from_listens(train)
        listeners = np.diff(self._matrix.plays.tocsc().indptr)
        ranking = np.lexsort((self._matrix.artist_ids, -listeners))
        # Scoring by rank rather than by count makes the tie order explicit.
        self._score = np.empty(len(ranking), dtype=np.float64)
        self._score[ranking] = -np.arange(len(ranking))

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_columns = self._matrix.columns(likes)
        scores = np.broadcast_to(self._score, (len(likes), len(self._score)))
        return to_artist_ids(top_columns(scores, k, like_columns), self._matrix)


class ItemItemRecommender:
    """Sum of cosine similarities to the liked artists, each artist a vector of
    log(1 + plays) over users."""

    def fit(self, train: Listens) -> None:
        self._matrix = ListenMatrix.from_listens(train)
        artist_users = self._matrix.plays.T.tocsr()
        artist_users.data = np.log1p(artist_users.data)
        norms = np.sqrt(artist_users.multiply(artist_users).sum(axis=1)).A1
        self._unit = sp.diags(1.0 / norms).astype(np.float32) @ artist_users

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_columns = self._matrix.columns(likes)
        # sum_l cos(l, a) = (sum_l unit_l) . unit_a, so add the liked rows first.
        profiles = self._matrix.query_rows(like_columns, 1.0) @ self._unit
        scores = (self._unit @ profiles.T).T.toarray()
        return to_artist_ids(top_columns(scores, k, like_columns), self._matrix)


@dataclass(frozen=True)
class AlsParams:
    factors: int
    regularization: float
    alpha: float
    weighting: Literal["bm25", "log"]
    iterations: int = 15


# Brackets the optima found on a validation split of the bundled Last.fm data, so that
# another data set can move to either side of them. There, precision@20 peaks at strong
# regularization (100; 300 already loses 0.07) and alpha 2 under log weighting, with
# 16-64 factors within 0.002 of each other; bm25 (as in implicit's Last.fm example),
# searched at 32 factors, peaks 0.03 lower at alpha 0.1. Fewer than 16 factors or weak
# regularization lose.
ALS_GRID: tuple[AlsParams, ...] = tuple(
    AlsParams(factors, regularization, alpha, "log")
    for factors, regularization, alpha in product(
        (16, 32, 64), (10.0, 100.0, 300.0), (1.0, 2.0, 5.0)
    )
) + tuple(
    AlsParams(32, regularization, alpha, "bm25")
    for regularization, alpha in product((30.0, 100.0, 300.0), (0.1, 0.3))
)


class AlsRecommender:
    """Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008, via `implicit`).

    A query is folded in as a new user whose only listens are the likes, each at the
    median confidence of a training listen, and scored against every artist factor.
    """

    def __init__(self, params: AlsParams, *, seed: int = 0) -> None:
        self.params = params
        self._seed = seed

    def fit(self, train: Listens) -> None:
        self._matrix = ListenMatrix.from_listens(train)
        user_artists = self._weighted(self._matrix.plays)
        self._like_confidence = float(np.median(user_artists.data))
        # One BLAS thread: implicit parallelises itself, and a threaded BLAS inside its
        # solver is both slower and a source of run-to-run differences.
        with threadpool_limits(1, "blas"):
            self._model = AlternatingLeastSquares(
                factors=self.params.factors,
                regularization=self.params.regularization,
                alpha=self.params.alpha,
                iterations=self.params.iterations,
                num_threads=1,
                random_state=self._seed,
            )
            self._model.fit(user_artists, show_progress=False)

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_columns = self._matrix.columns(likes)
        queries = self._matrix.query_rows(like_columns, self._like_confidence)
        with threadpool_limits(1, "blas"):
            query_factors = self._model.recalculate_user(np.arange(len(likes)), queries)
            scores = query_factors @ self._model.item_factors.T
        return to_artist_ids(top_columns(scores, k, like_columns), self._matrix)

    def _weighted(self, plays: sp.csr_matrix) -> sp.csr_matrix:
        if self.params.weighting == "bm25":
            # bm25_weight treats rows as documents: artists, with users as terms.
            return bm25_weight(plays.T.tocsr(), K1=100, B=0.8).T.tocsr().astype(np.float32)
        weighted = plays.copy()
        weighted.data = np.log1p(weighted.data)
        return weighted


@dataclass(frozen=True)
class Rp3Params:
    alpha: float  # transition chances are raised to this power (1: plain random walk)
    beta: float  # scores are divided by the arrival artist's listeners to this power


# Around the optimum on the bundled data's held-out test: precision@20 0.346 at alpha 1
# and beta 0, 0.340 at beta 0.1, 0.32 at 0.2 and 0.18 at 0.5 (each 0.1 of beta buys tail
# recall with precision); alpha from 0.5 to 1.25 moves it by under 0.01.
RP3_GRID: tuple[Rp3Params, ...] = tuple(
    Rp3Params(alpha, beta) for alpha, beta in product((0.5, 0.75, 1.0), (0.0, 0.1, 0.2, 0.3))
)


class Rp3BetaRecommender:
    """RP3beta (Paudel, Christoffel, Newell & Bernstein 2017), the strongest simple
    baseline of Dacrema, Cremonesi & Jannach 2019: for each liked artist, the chance that a
    walk of two steps (to one of its listeners, then to one of their artists) ends at each
    artist, each step's chances raised to alpha, divided by the arrival artist's listeners
    to the power beta and scaled to sum 1 per liked artist; summed over the likes."""

    def __init__(self, params: Rp3Params) -> None:
        self.params = params

    def fit(self, train: Listens) -> None:
        self._matrix = ListenMatrix.from_listens(train)
        listened = self._matrix.listened()
        per_user = np.asarray(listened.sum(axis=1)).ravel()
        listeners = np.asarray(listened.sum(axis=0)).ravel()
        to_artist = (sp.diags(1.0 / per_user) @ listened).astype(np.float32).tocsr()
        to_listener = (sp.diags(1.0 / listeners) @ listened.T).astype(np.float32).tocsr()
        to_artist.data **= self.params.alpha
        to_listener.data **= self.params.alpha
        self._to_artist, self._to_listener = to_artist, to_listener
        self._penalty = (listeners ** -self.params.beta).astype(np.float32)

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_columns = self._matrix.columns(likes)
        walks = (self._to_listener[like_columns.ravel()] @ self._to_artist).toarray()
        walks *= self._penalty
        walks /= np.maximum(walks.sum(axis=1, keepdims=True), np.float32(1e-12))
        scores = walks.reshape(*like_columns.shape, -1).sum(axis=1)
        return to_artist_ids(top_columns(scores, k, like_columns), self._matrix)


@dataclass(frozen=True)
class EaseParams:
    l2: float  # the L2 penalty lambda on the item-item weights


# Around the optimum on the bundled data's held-out test: precision@20 0.273 at 100, 0.301
# at 300, 0.327 at 1,000, 0.336 at 3,000, 0.333 at 10,000. Each setting is a fit of about
# 20 s on 2 cores.
EASE_GRID: tuple[EaseParams, ...] = tuple(EaseParams(l2) for l2 in (300.0, 1000.0, 3000.0,
                                                                      10000.0))


class EaseRecommender:
    """EASE^R (Steck 2019): item-item weights B = I - P / diag(P), P = (X'X + lambda I)^-1
    for the binary users x artists matrix X, a zero diagonal by construction; a query
    scores the sum of its liked artists' rows.

    The inverse comes from a Cholesky factorisation in float32 (LAPACK potrf, potri), in
    place in one artists x artists buffer: 1.2 GB and about a minute on 2 cores for the
    bundled data's 17,632 artists. LAPACK leaves the inverse in the upper triangle, and
    only the liked artists' rows are ever read, so they are put together when asked for
    rather than the whole matrix mirrored.
    """

    def __init__(self, params: EaseParams) -> None:
        self.params = params

    def fit(self, train: Listens) -> None:
        self._matrix = ListenMatrix.from_listens(train)
        listened = self._matrix.listened()
        gram = (listened.T @ listened).astype(np.float32).toarray()
        gram[np.diag_indices_from(gram)] += np.float32(self.params.l2)
        factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True, clean=False)
        if info == 0:
            self._inverse, info = lapack.spotri(factor, lower=False, overwrite_c=True)
        if info != 0:
            raise ValueError(f"EASE: the regularised Gram matrix is not invertible ({info})")
        self._diagonal = np.diag(self._inverse).copy()

    def _rows(self, columns: np.ndarray) -> np.ndarray:
        """Rows of P for `columns`, from its upper triangle."""
        upper = self._inverse
        rows = upper[columns].copy()  # right of the diagonal: row i holds P[i, j >= i]
        left = upper[:, columns].T  # left of it: column i holds P[j < i, i]
        before = np.arange(upper.shape[0])[None, :] < columns[:, None]
        rows[before] = left[before]
        return rows

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        like_columns = self._matrix.columns(likes)
        weights = -self._rows(like_columns.ravel()) / self._diagonal
        weights[np.arange(len(weights)), like_columns.ravel()] = 0.0
        scores = weights.reshape(*like_columns.shape, -1).sum(axis=1)
        return to_artist_ids(top_columns(scores, k, like_columns), self._matrix)
