"""One ranking for every caller: the bot's answers and the held-out test rank alike.

Batched over queries, so the held-out test ranks every test user at once and the
engine ranks its one query as a batch of one (engine.pipeline):

    score: cosine to the taste + the popularity prior, which the novelty knob sets
           (engine.novelty) + a step on the space's graph from the likes, away from
           the hates (engine.graph_step) + what the caller adds (liked genres)
    rank:  the best allowed rows, the space's discovery slots (engine.discovery; fewer
           when the knob plays it safe) taken by the best long-tail ones, at most so
           many of any one group (a scene), highest score first

What a row may not be (an input, excluded, near a hate) is the caller's `allowed` mask,
so filtering and ranking are one pass and no list runs short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from engine.discovery import like_tail_share
from engine.graph_step import step_scores
from engine.novelty import novelty_scores
from engine.ranking import Ranking

NO_ROW = -1


class Rankable(Protocol):
    """What ranking needs of a space (engine.space.LoadedSpace, or the held-out test's
    model fitted on training listens)."""

    unit: np.ndarray  # float32 [rows, dim], rows of length 1
    popularity: np.ndarray  # float32 [rows] in [0, 1] (engine.novelty)
    long_tail: np.ndarray | None  # bool [rows]; None when the ranking keeps no slots
    graph: sp.csr_matrix | None  # rows x rows, the step's graph; None: no step
    ranking: Ranking


@dataclass(frozen=True, eq=False)
class Seeds:
    """Per query, the rows it starts from and how much each counts."""

    rows: np.ndarray  # int64 [queries, seeds]; NO_ROW where a query has fewer
    weights: np.ndarray  # float64 [queries, seeds]; 0 where rows is NO_ROW

    @classmethod
    def one(cls, rows: np.ndarray, weights: np.ndarray) -> Seeds:
        return cls(np.asarray(rows, dtype=np.int64)[None, :],
                   np.asarray(weights, dtype=np.float64)[None, :])

    def __len__(self) -> int:
        return self.rows.shape[0]


@dataclass(frozen=True, eq=False)
class Queries:
    tastes: np.ndarray  # float32 [queries, dim], unit length
    likes: Seeds
    hates: Seeds | None = None
    beta: float = 0.0  # how far the hates turn the step away (engine.compose)
    boost: np.ndarray | None = None  # float32 [queries, rows], added to the scores


@dataclass(frozen=True, eq=False)
class Ranked:
    rows: np.ndarray  # int64 [queries, k], best first; NO_ROW pads a short list
    scores: np.ndarray  # float32 [queries, k]; -inf where rows is NO_ROW
    deep: np.ndarray  # bool [queries, k]: took a place kept for the long tail
    slots: np.ndarray  # int64 [queries]: places kept for the long tail


def mean_direction(unit: np.ndarray, seeds: Seeds) -> np.ndarray:
    """float64 [queries, dim]: each query's weighted mean of its seeds' vectors."""
    present = seeds.rows != NO_ROW
    weights = np.where(present, seeds.weights, 0.0)
    vectors = unit[np.where(present, seeds.rows, 0)].astype(np.float64)
    total = weights.sum(axis=1, keepdims=True)
    return np.einsum("qs,qsd->qd", weights, vectors) / np.where(total > 0, total, 1)


def unit_tastes(directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 [queries, dim]: each direction scaled to length 1 (zero ones stay zero),
    and float64 [queries]: their lengths before."""
    lengths = np.sqrt(np.einsum("qd,qd->q", directions, directions))
    scaled = directions / np.where(lengths > 0, lengths, 1)[:, None]
    return scaled.astype(np.float32), lengths


def score(space: Rankable, queries: Queries, novelty: float = 0.0) -> np.ndarray:
    """float32 [queries, rows]: the ranking score of every row for each query."""
    similarity = queries.tastes @ space.unit.T
    ranking = space.ranking
    scores = novelty_scores(similarity, space.popularity, ranking.prior_at(novelty))
    if space.graph is not None and ranking.step_weight:
        likes, hates = queries.likes, queries.hates
        step = (step_scores(space.graph, likes.rows, likes.weights, hates.rows, hates.weights,
                            queries.beta)
                if hates is not None and hates.rows.size
                else step_scores(space.graph, likes.rows, likes.weights))
        step.add_to(scores, ranking.step_weight)
    if queries.boost is not None:
        scores += queries.boost
    return scores


def rank(
    space: Rankable,
    scores: np.ndarray,
    likes: Seeds,
    k: int,
    *,
    allowed: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    max_per_group: int | None = None,
    among: np.ndarray | None = None,
    novelty: float = 0.0,
) -> Ranked:
    """Each query's k best allowed rows, with its discovery slots and at most
    `max_per_group` rows of any one of `groups` (an int64 label per row).

    `among`: rows known to hold every query's answer (the best by score of those
    allowed, and of those in the long tail), to rank them alone; None: all rows.
    `novelty`: the knob `scores` were made at (score), which also sets the slots."""
    slots = _slots(space, likes, k, novelty)
    long_tail = space.long_tail
    if among is not None:
        scores = scores[:, among]
        allowed = allowed[:, among] if allowed is not None else None
        long_tail = long_tail[among] if long_tail is not None else None
        groups = groups[among] if groups is not None else None
    if allowed is not None:
        scores = np.where(allowed, scores, np.float32(-np.inf))
    cap = (groups, max_per_group) if max_per_group is not None else None
    deep = (_best(np.where(long_tail, scores, np.float32(-np.inf)), int(slots.max()), cap)
            if slots.any() else np.full((len(scores), 0), NO_ROW, dtype=np.int64))
    deep = np.where(np.arange(deep.shape[1]) < slots[:, None], deep, NO_ROW)
    fetch = k + deep.shape[1]
    while True:
        fetched = _best(scores, fetch, None)
        main = np.where(_member(fetched, deep), NO_ROW, fetched)
        # The long-tail picks go first so that the cap counts them before the others.
        both = np.hstack([deep, main])
        if cap is not None:
            both = np.where(_within_cap(both, *cap), both, NO_ROW)
        chosen = _compact(both)[:, :k]
        # Short of k, with rows left beyond those fetched: fetch more.
        short = (chosen == NO_ROW).any(axis=1) & (fetched[:, -1] != NO_ROW)
        if not short.any() or fetch >= scores.shape[1]:
            break
        fetch *= 4
    chosen_scores = _scores_at(scores, chosen)
    order = np.argsort(-chosen_scores, axis=1, kind="stable")
    chosen = np.take_along_axis(chosen, order, axis=1)
    deep_chosen = _member(chosen, deep) & (chosen != NO_ROW)
    if among is not None:  # back to the space's rows
        present = chosen != NO_ROW
        chosen[present] = among[chosen[present]]
    return Ranked(chosen, np.take_along_axis(chosen_scores, order, axis=1), deep_chosen, slots)


def _slots(space: Rankable, likes: Seeds, k: int, novelty: float) -> np.ndarray:
    """Places of each query's answer kept for long-tail rows (engine.discovery)."""
    discovery = space.ranking.discovery_at(novelty)
    if not discovery or space.long_tail is None:
        return np.zeros(len(likes), dtype=np.int64)
    present = likes.rows != NO_ROW
    in_tail = present & space.long_tail[np.where(present, likes.rows, 0)]
    return np.minimum(discovery.slots(k, like_tail_share(in_tail, likes.weights)), k)


def _best(scores: np.ndarray, count: int, cap: tuple[np.ndarray, int] | None) -> np.ndarray:
    """int64 [queries, count]: the rows of the highest finite scores, best first (within
    the cap when there is one); NO_ROW where a query has fewer."""
    n_rows = scores.shape[1]
    fetch = count
    while True:
        taken = min(fetch, n_rows)
        best = np.argpartition(-scores, taken - 1, axis=1)[:, :taken] if taken else (
            np.zeros((len(scores), 0), dtype=np.int64))
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1).astype(np.int64)
        best = np.where(np.isfinite(np.take_along_axis(scores, best, axis=1)), best, NO_ROW)
        if cap is not None:
            best = _compact(np.where(_within_cap(best, *cap), best, NO_ROW))
        found = (best != NO_ROW).sum(axis=1)
        if cap is None or found.min(initial=count) >= count or taken == n_rows:
            break
        fetch *= 4
    padded = np.full((len(scores), count), NO_ROW, dtype=np.int64)
    width = min(count, best.shape[1])
    padded[:, :width] = best[:, :width]
    return padded


def _within_cap(rows: np.ndarray, groups: np.ndarray, max_per_group: int) -> np.ndarray:
    """bool [queries, n]: whether each row is among the first `max_per_group` of its
    group in its query's list (NO_ROW: never)."""
    present = (rows != NO_ROW).ravel()
    label = np.where(present, groups[np.where(present, rows.ravel(), 0)], 0)
    query = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
    # Sorted by query, then group, then place in the list: a group's rows in list order.
    order = np.lexsort((np.arange(rows.size), label, present, query))
    key = np.stack([query, present, label])[:, order]
    starts = np.flatnonzero(np.r_[True, (key[:, 1:] != key[:, :-1]).any(axis=0)])
    place = np.arange(rows.size) - np.repeat(starts, np.diff(np.r_[starts, rows.size]))
    within = np.empty(rows.size, dtype=bool)
    within[order] = place < max_per_group
    return (within & present).reshape(rows.shape)


def _member(rows: np.ndarray, of: np.ndarray) -> np.ndarray:
    """bool, like `rows`: whether each row is among its query's `of` (NO_ROW never is)."""
    if of.shape[1] == 0:
        return np.zeros(rows.shape, dtype=bool)
    return (rows[:, :, None] == of[:, None, :]).any(axis=2) & (rows != NO_ROW)


def _compact(rows: np.ndarray) -> np.ndarray:
    """Each query's rows in the same order with the NO_ROW gaps moved to the end."""
    return np.take_along_axis(rows, np.argsort(rows == NO_ROW, axis=1, kind="stable"), axis=1)


def _scores_at(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each query's scores of `rows`; -inf for NO_ROW."""
    if scores.shape[1] == 0:  # nothing to rank: every row is NO_ROW
        return np.full(rows.shape, -np.inf, dtype=np.float32)
    at = np.take_along_axis(scores, np.where(rows == NO_ROW, 0, rows), axis=1)
    return np.where(rows == NO_ROW, np.float32(-np.inf), at)
