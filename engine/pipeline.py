"""From resolved likes and hates to explained recommendations, over one loaded space.

    compose the taste -> rule out the inputs, the excluded, the bands that carry a hated
    genre and those too close to a hate -> rank (engine.rank, a batch of one: the
    ranking the held-out test scores) -> explain the answer and what the hates took away

A pure function of its inputs: the CLI and the bot call it and render the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine.candidates import Candidates
from engine.compose import DEFAULT_BETA, Seed, TagSeed, Taste, compose
from engine.dislikes import near_dislike_penalty
from engine.explain import HateRemoval, RecommendedItem, explain_items, explain_removals
from engine.filters import DEFAULT_HATE_THRESHOLD, NearHates, drop_hated_tags, drop_near_hates
from engine.problems import RecommendProblem, RecommendProblemKind
from engine.rank import Queries, Ranked, Seeds, rank, score
from engine.scenes import NO_SCENE, Scenes
from engine.space import NO_ROW, LoadedSpace
from store.errors import UserError

MAX_K = 100
# Rows asked about the hates per result asked for, at first (_rank_past_hates).
_OVERFETCH = 4
# How much a liked genre lifts the bands that carry it (_tag_scores); measured in
# tests/test_understanding.py: with it, most of the answer to a genre carries the genre.
TAG_WEIGHT = 0.5
# A band fits the taste when its cosine to it is at least this share of the best band's
# (_fits). Measured in bench/weekly.py over six server tastes: with it, the weekly post
# fits the taste as well as an ordinary answer (mean cosine 0.59 to 0.84, from 0.28 to
# 0.52 when variety filled places from any scene); 0.5 lets in bands at half the best's
# cosine, 0.7 gains 0.01 to 0.05 of fit for posts deeper in the long tail.
FIT_SHARE = 0.6


class SettingError(UserError):
    """A recommendation setting outside the range it is defined on."""


@dataclass(frozen=True)
class Settings:
    """How a recommendation was asked for; kept with it to explain it."""

    k: int = 10  # results wanted, 1 to MAX_K
    beta: float = DEFAULT_BETA  # how far hates turn the taste away, >= 0 (see engine.compose)
    novelty: float = 0.0  # -1 favours the well known, +1 the long tail (see engine.novelty)
    hate_threshold: float = DEFAULT_HATE_THRESHOLD  # see engine.filters.drop_near_hates
    # Results of any one scene, chosen among the bands that fit the taste alone (None: no
    # limit, and no fit asked for).
    max_per_scene: int | None = None

    def __post_init__(self) -> None:
        checks = [
            (isinstance(self.k, int) and 1 <= self.k <= MAX_K, f"k must be 1 to {MAX_K}", self.k),
            (math.isfinite(self.beta) and self.beta >= 0, "beta must be 0 or more", self.beta),
            (-1 <= self.novelty <= 1, "novelty must be -1 to 1", self.novelty),
            (-1 <= self.hate_threshold <= 1, "hate_threshold is a cosine, -1 to 1",
             self.hate_threshold),
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
    max_per_scene: int | None = None,
    scenes: Scenes | None = None,
    exclude_ids: Collection[int] = (),
    like_tags: Sequence[TagSeed] = (),
    hate_tags: Sequence[TagSeed] = (),
    soft_likes: Sequence[Seed] = (),
    soft_hates: Sequence[Seed] = (),
) -> Recommendation:
    """The k artists nearest the taste of `likes` and `like_tags` minus `hates` and
    `hate_tags`, each with why. A band that carries a hated genre strongly is left out.

    `soft_likes` (bands liked before) join the taste but, not being asked about, may be
    recommended again. `soft_hates` (bands disliked before) lower their close neighbours
    a little (engine.dislikes). `exclude_ids` are artists never to recommend (already
    shown, disliked before). `max_per_scene` needs the `scenes`; artists outside every
    scene are not limited. With it, the answer holds only bands that fit the taste
    (_fits), so may be shorter than k: variety is never bought with bands from outside
    the taste.
    """
    settings = Settings(k, beta, novelty, hate_threshold, max_per_scene)
    if max_per_scene is not None and scenes is None:
        raise ValueError("max_per_scene needs the scenes")
    composition = compose(space, [*likes, *soft_likes], hates, beta=beta,
                          like_tags=like_tags, hate_tags=hate_tags)
    problems = list(composition.problems)
    items: tuple[RecommendedItem, ...] = ()
    removals: tuple[HateRemoval, ...] = ()
    if composition.taste is not None:
        chosen, near_hates, deep_rows = _search(
            space, composition.taste, settings, exclude_ids, scenes,
            space.rows_of([seed.artist_id for seed in soft_likes]),
            soft_hates,
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
    soft_rows: np.ndarray,
    soft_hates: Sequence[Seed],
) -> tuple[Candidates, NearHates, np.ndarray]:
    """The best k rows the filters allow, what the hates removed that could have been
    in the answer, and the rows that took a discovery slot. `soft_rows` are likes that
    may be recommended all the same; `soft_hates` lower their neighbours' scores."""
    like_rows, like_weights = taste.seeds()
    hate_rows, hate_weights = taste.seeds(hates=True)
    likes = Seeds.one(like_rows, like_weights)
    queries = Queries(
        taste.vector[None, :], likes, Seeds.one(hate_rows, hate_weights), taste.beta,
        boost=_tag_scores(len(space), taste)[None, :] if taste.like_tags else None,
    )
    scores = score(space, queries, settings.novelty)
    if soft_hates and (penalty := near_dislike_penalty(space, soft_hates, scores[0])) is not None:
        scores[0] += penalty
    excluded_rows = space.rows_of(np.fromiter(exclude_ids, dtype=np.int64, count=len(exclude_ids)))
    ruled_out = np.zeros(len(space), dtype=bool)
    ruled_out[taste.like_rows] = True
    ruled_out[soft_rows[soft_rows != NO_ROW]] = False
    ruled_out[np.concatenate([taste.hate_rows, excluded_rows[excluded_rows != NO_ROW]])] = True
    groups = None
    if settings.max_per_scene is not None:
        groups = scenes.community_of(space.artist_ids)
        # An artist outside every scene is a scene of its own.
        outside = groups == NO_SCENE
        groups[outside] = -2 - np.flatnonzero(outside)
        ruled_out |= ~_fits(space, taste)
    ranked, near_hates = _rank_past_hates(space, taste, scores, likes, ruled_out, settings,
                                          groups)
    found = ranked.rows[0] != NO_ROW
    rows = ranked.rows[0][found]
    chosen = Candidates(rows, space.unit[rows] @ taste.vector, ranked.scores[0][found])
    return chosen, near_hates, rows[ranked.deep[0][found]]


def _rank_past_hates(
    space: LoadedSpace, taste: Taste, scores: np.ndarray, likes: Seeds, ruled_out: np.ndarray,
    settings: Settings, groups: np.ndarray | None,
) -> tuple[Ranked, NearHates]:
    """The ranking without the rows the hates remove, and those rows.

    Whether a hate removes a row is a question about that row alone, so it is asked only
    of the rows that rank high enough to matter (at 218,000 rows, asking it of every row
    would cost 8 times the search): the best `pool` rows, and the best `pool` long-tail
    rows for the discovery slots, and more while the answer reaches below them. A
    removed row that beat the answer's last place is then always among those asked
    about, so the removals explained are all there are.
    """
    none = NearHates.none(Candidates(np.zeros(0, dtype=np.int64), scores[0, :0], scores[0, :0]))
    rank_with = partial(rank, space, scores, likes, settings.k, groups=groups,
                        max_per_group=settings.max_per_scene, novelty=settings.novelty)
    if not len(taste.hate_rows) and not taste.hate_tags:
        return rank_with(allowed=~ruled_out[None, :]), none
    allowed = ~ruled_out
    # The scores of the rows not asked about yet, -inf for the others.
    unasked = np.where(allowed, scores[0], np.float32(-np.inf))
    asked, removed = np.zeros(0, dtype=np.int64), none
    pool = _OVERFETCH * settings.k
    # At most this many of the best rows are outside the long tail, so the best `pool`
    # long-tail rows are among the best `pool + head` of all: one partial sort finds both.
    head = int(np.count_nonzero(~space.long_tail)) if space.long_tail is not None else 0
    while True:
        both = _best_rows(unasked, pool + head)
        best = both[np.argsort(-unasked[both], kind="stable")[:pool]]
        rows = best
        if space.long_tail is not None:
            in_tail = both[space.long_tail[both]]
            rows = np.union1d(best, in_tail[np.argsort(-unasked[in_tail], kind="stable")[:pool]])
        unasked[rows] = -np.inf
        asked = np.concatenate([asked, rows])
        removed = removed.then(_removed_by_hates(space, taste, rows, scores[0],
                                                 settings.hate_threshold))
        allowed[removed.candidates.rows] = False
        if not np.isfinite(unasked).any():
            return rank_with(allowed=allowed[None, :]), removed.ranked()
        # What was asked about holds every allowed row down to `floor`, and the best
        # long-tail ones further down: the answer from them alone is the whole answer
        # when its slots are all taken and its main places all reach the floor.
        floor = scores[0, best].min()
        ranked = rank_with(allowed=allowed[None, :], among=np.sort(asked[allowed[asked]]))
        main = ranked.rows[0][~ranked.deep[0]]
        if (ranked.deep[0].sum() == ranked.slots[0]
                and (main != NO_ROW).sum() == settings.k - ranked.slots[0]
                and (scores[0, main[main != NO_ROW]] >= floor).all()):
            return ranked, removed.ranked()
        pool *= _OVERFETCH


def _fits(space: LoadedSpace, taste: Taste) -> np.ndarray:
    """Whether each row fits the taste: its cosine to it at least FIT_SHARE of the best
    cosine of a band the taste does not name. Far scenes' bands that only their
    popularity or a graph step lifts into the ranking do not. The bar is the taste's own,
    whatever else is left out (bands posted before, bands without tracks for a playlist):
    fewer bands left never lowers it."""
    similarity = space.unit @ taste.vector
    named = np.zeros(len(space), dtype=bool)
    named[np.concatenate([taste.like_rows, taste.hate_rows])] = True
    return similarity >= FIT_SHARE * similarity[~named].max(initial=0.0)


def _best_rows(scores: np.ndarray, count: int) -> np.ndarray:
    """The rows of the `count` highest finite scores (fewer when fewer are finite)."""
    count = min(count, len(scores))
    best = np.argpartition(scores, len(scores) - count)[len(scores) - count:]
    return best[np.isfinite(scores[best])].astype(np.int64)


def _removed_by_hates(
    space: LoadedSpace, taste: Taste, rows: np.ndarray, scores: np.ndarray, threshold: float,
) -> NearHates:
    """Which of `rows` the hates remove: those that carry a hated genre strongly, then
    those closer to a hated band than to every like (engine.filters)."""
    asked = Candidates(rows, space.unit[rows] @ taste.vector, scores[rows])
    kept, carry_hated_tags = drop_hated_tags(asked, space.unit, taste)
    return carry_hated_tags.then(drop_near_hates(kept, space.unit, taste, threshold)[1])


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


def _tag_scores(n_rows: int, taste: Taste) -> np.ndarray:
    """What carrying a liked genre adds to a row's score: TAG_WEIGHT times the genre's
    share of the likes. A genre's place in a space says where its bands gather, but
    near it sit well-known neighbours of other genres too; the tags say which are its."""
    total = taste.like_weights.sum() + sum(point.weight for point in taste.like_tags)
    scores = np.zeros(n_rows, dtype=np.float32)
    for point in taste.like_tags:
        scores[point.carrier_rows] += np.float32(TAG_WEIGHT * point.weight / total)
    return scores
