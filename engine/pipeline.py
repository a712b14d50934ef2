"""From resolved likes and hates to explained recommendations, over one loaded space.

    compose the taste -> score every row (cosine, adjusted for novelty; plus one step on
    the graph in a graph space) -> take the best
    candidates -> drop the inputs, the excluded, those too close to a hate -> keep the
    space's discovery slots for the best long-tail ones -> drop extra ones of an artist
    or of a scene -> explain the first k

A pure function of its inputs: the CLI and the bot call it and render the same answer.
Filters can only remove, so the search fetches more candidates than asked for; in the
rare case the filters leave fewer than k, it fetches again with a larger pool.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.compose import DEFAULT_BETA, Seed, TagSeed, Taste, compose
from engine.discovery import like_tail_share
from engine.explain import HateRemoval, RecommendedItem, explain_items, explain_removals
from engine.filters import (
    DEFAULT_HATE_THRESHOLD,
    NearHates,
    cap_per_group,
    drop_excluded,
    drop_hated_tags,
    drop_inputs,
    drop_near_hates,
)
from engine.graph_step import seed_matrix, step_scores
from engine.novelty import novelty_scores
from engine.problems import RecommendProblem, RecommendProblemKind
from engine.scenes import NO_SCENE, Scenes
from engine.search import Candidates, similarities, top_candidates
from engine.space import NO_ROW, LoadedSpace
from store.errors import UserError

MAX_K = 100
# How much a liked genre lifts the bands that carry it (_tag_scores); measured in
# tests/test_understanding.py: with it, most of the answer to a genre carries the genre.
TAG_WEIGHT = 0.5
# Candidates fetched per result asked for, before the filters thin them out.
_OVERFETCH = 4


class SettingError(UserError):
    """A recommendation setting outside the range it is defined on."""


@dataclass(frozen=True)
class Settings:
    """How a recommendation was asked for; kept with it to explain it."""

    k: int = 10  # results wanted, 1 to MAX_K
    beta: float = DEFAULT_BETA  # how far hates turn the taste away, >= 0 (see engine.compose)
    novelty: float = 0.0  # -1 favours the well known, +1 the long tail (see engine.novelty)
    hate_threshold: float = DEFAULT_HATE_THRESHOLD  # see engine.filters.drop_near_hates
    max_per_artist: int = 1  # results of any one artist
    max_per_scene: int | None = None  # results of any one scene (None: no limit)

    def __post_init__(self) -> None:
        checks = [
            (isinstance(self.k, int) and 1 <= self.k <= MAX_K, f"k must be 1 to {MAX_K}", self.k),
            (math.isfinite(self.beta) and self.beta >= 0, "beta must be 0 or more", self.beta),
            (-1 <= self.novelty <= 1, "novelty must be -1 to 1", self.novelty),
            (-1 <= self.hate_threshold <= 1, "hate_threshold is a cosine, -1 to 1",
             self.hate_threshold),
            (isinstance(self.max_per_artist, int) and self.max_per_artist >= 1,
             "max_per_artist must be 1 or more", self.max_per_artist),
            (self.max_per_scene is None
             or (isinstance(self.max_per_scene, int) and self.max_per_scene >= 1),
             "max_per_scene must be 1 or more", self.max_per_scene),
        ]
        for ok, rule, value in checks:
            if not ok:
                raise SettingError(f"{rule}, not {value!r}")


@dataclass(frozen=True)
class Recommendation:
    items: tuple[RecommendedItem, ...]  # best first; empty when there was no taste
    removed_by_hates: tuple[HateRemoval, ...]
    problems: tuple[RecommendProblem, ...]
    space: str
    entity_kind: str
    run_id: int | None
    settings: Settings


def recommend(
    space: LoadedSpace,
    likes: Sequence[Seed],
    hates: Sequence[Seed] = (),
    *,
    k: int = 10,
    beta: float = DEFAULT_BETA,
    novelty: float = 0.0,
    hate_threshold: float = DEFAULT_HATE_THRESHOLD,
    max_per_artist: int = 1,
    max_per_scene: int | None = None,
    scenes: Scenes | None = None,
    exclude_ids: Collection[int] = (),
    like_tags: Sequence[TagSeed] = (),
    hate_tags: Sequence[TagSeed] = (),
) -> Recommendation:
    """The k artists nearest the taste of `likes` and `like_tags` minus `hates` and
    `hate_tags`, each with why. A band that carries a hated genre strongly is left out.

    `exclude_ids` are artists never to recommend (already shown, disliked before).
    `max_per_scene` needs the `scenes`; artists outside every scene are not limited.
    """
    settings = Settings(k, beta, novelty, hate_threshold, max_per_artist, max_per_scene)
    if max_per_scene is not None and scenes is None:
        raise ValueError("max_per_scene needs the scenes")
    composition = compose(space, likes, hates, beta=beta, like_tags=like_tags,
                          hate_tags=hate_tags)
    problems = list(composition.problems)
    items: tuple[RecommendedItem, ...] = ()
    removals: tuple[HateRemoval, ...] = ()
    if composition.taste is not None:
        chosen, near_hates, deep_rows = _search(
            space, composition.taste, settings, exclude_ids, scenes
        )
        if len(chosen) < k:
            problems.append(RecommendProblem(
                RecommendProblemKind.FEW_RESULTS,
                f"Only {len(chosen)} bands were left to recommend after leaving out your "
                "bands, the excluded ones and those close to your hates.",
            ))
        items = explain_items(space, composition.taste, chosen, deep_rows)
        removals = explain_removals(
            space, composition.taste, near_hates,
            _removal_cutoffs(space, chosen, deep_rows, near_hates, k),
        )
    return Recommendation(
        items, removals, tuple(problems), space.name, space.entity_kind, space.run_id, settings
    )


def _search(
    space: LoadedSpace,
    taste: Taste,
    settings: Settings,
    exclude_ids: Collection[int],
    scenes: Scenes | None,
) -> tuple[Candidates, NearHates, np.ndarray]:
    """The best k rows through the filters, what the hates removed on the way, and the
    rows that took a discovery slot."""
    scene_of_row = None
    if settings.max_per_scene is not None:
        scene_of_row = scenes.community_of(space.artist_ids)
        # An artist outside every scene is a scene of its own.
        outside = scene_of_row == NO_SCENE
        scene_of_row[outside] = -2 - np.flatnonzero(outside)
    similarity = similarities(space, taste.vector)
    scores = novelty_scores(
        similarity, space.popularity, settings.novelty, space.popularity_prior
    )
    if space.graph is not None:
        scores += np.float32(space.step_weight) * _graph_step(space.graph, taste)
    if taste.like_tags:
        scores += _tag_scores(len(space), taste)
    excluded_rows = space.rows_of(np.fromiter(exclude_ids, dtype=np.int64, count=len(exclude_ids)))
    excluded_rows = excluded_rows[excluded_rows != NO_ROW]
    k = settings.k
    slots = _discovery_slots(space, taste, k)

    def allowed(candidates: Candidates) -> tuple[Candidates, NearHates]:
        kept = drop_excluded(drop_inputs(candidates, taste), excluded_rows)
        kept, carry_hated_tags = drop_hated_tags(kept, space.unit, taste)
        kept, near_hates = drop_near_hates(kept, space.unit, taste, settings.hate_threshold)
        return kept, carry_hated_tags.then(near_hates)

    def capped(candidates: Candidates) -> Candidates:
        kept = cap_per_group(candidates, space.artist_ids, settings.max_per_artist)
        if scene_of_row is not None:
            kept = cap_per_group(kept, scene_of_row, settings.max_per_scene)
        return kept

    tail_scores = np.where(space.long_tail, scores, -np.inf) if slots else None
    pool = _OVERFETCH * k + len(taste.like_rows) + len(taste.hate_rows) + len(excluded_rows)
    pool += sum(len(point.carrier_rows) for point in taste.hate_tags)
    while True:
        kept, near_hates = allowed(top_candidates(similarity, scores, pool))
        deep = kept.head(0)
        if slots:
            tail, tail_near_hates = allowed(top_candidates(similarity, tail_scores, pool))
            # A long-tail band the hates removed may rank below every main candidate and
            # still have beaten the last slot pick (_removal_cutoffs).
            near_hates = near_hates.then(tail_near_hates)
            deep = capped(tail.keep(np.isfinite(tail.scores))).head(slots)
            # The long-tail picks go first so that the caps count them before the others.
            kept = deep.then(kept.keep(~np.isin(kept.rows, deep.rows)))
        kept = capped(kept)
        if (len(kept) >= k and len(deep) == slots) or pool >= len(space):
            return kept.head(k).by_score(), near_hates, deep.rows
        pool *= _OVERFETCH


def _removal_cutoffs(
    space: LoadedSpace, chosen: Candidates, deep_rows: np.ndarray, near_hates: NearHates, k: int
) -> np.ndarray:
    """The score each band the hates removed had to beat to be in the answer: the last
    main place's; for a long-tail band, the last place's of either kind, as it could have
    taken a discovery slot. Any score, when the answer has places left over."""
    removed_rows = near_hates.candidates.rows
    if len(chosen) < k:
        return np.full(len(removed_rows), -np.inf, dtype=np.float32)
    main_scores = chosen.scores[~np.isin(chosen.rows, deep_rows)]
    main_cutoff = main_scores.min() if len(main_scores) else np.inf
    if not len(deep_rows):
        return np.full(len(removed_rows), main_cutoff, dtype=np.float32)
    return np.where(space.long_tail[removed_rows], chosen.scores.min(), main_cutoff)


def _discovery_slots(space: LoadedSpace, taste: Taste, k: int) -> int:
    """Places of the answer kept for long-tail bands (engine.discovery)."""
    if not space.discovery:
        return 0
    rows, weights = taste.seeds()
    share = like_tail_share(space.long_tail[rows], weights)
    return int(space.discovery.slots(k, share))


def _tag_scores(n_rows: int, taste: Taste) -> np.ndarray:
    """What carrying a liked genre adds to a row's score: TAG_WEIGHT times the genre's
    share of the likes. A genre's place in a space says where its bands gather, but
    near it sit well-known neighbours of other genres too; the tags say which are its."""
    total = taste.like_weights.sum() + sum(point.weight for point in taste.like_tags)
    scores = np.zeros(n_rows, dtype=np.float32)
    for point in taste.like_tags:
        scores[point.carrier_rows] += np.float32(TAG_WEIGHT * point.weight / total)
    return scores


def _graph_step(graph: sp.csr_matrix, taste: Taste) -> np.ndarray:
    """The step score of every row for the taste's likes and hates (engine.graph_step)."""
    n_rows = graph.shape[0]
    like_rows, like_weights = taste.seeds()
    hate_rows, hate_weights = taste.seeds(hates=True)
    likes = seed_matrix(like_rows[None, :], like_weights[None, :], n_rows)
    hates = (seed_matrix(hate_rows[None, :], hate_weights[None, :], n_rows)
             if len(hate_rows) else None)
    return step_scores(graph, likes, hates, taste.beta)[0]
