"""Why each band was recommended, and what the hates took away.

Plain frozen data with names filled in, so the CLI and the bot render the same answer
without going back to the space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.candidates import Candidates
from engine.compose import Taste
from engine.csr import entries
from engine.evidence import Evidence
from engine.filters import NearHates
from engine.space import LoadedSpace
from engine.top_tracks import TopTrack


@dataclass(frozen=True)
class ClosestLike:
    """The liked artist (or genre) a recommendation is nearest to: "because you like ..."."""

    artist_id: int | None  # None for a liked genre
    name: str
    similarity: float  # cosine between the two (to a genre: to its place)

    @property
    def is_genre(self) -> bool:
        return self.artist_id is None


@dataclass(frozen=True)
class GraphNeighbour:
    """The liked artist a graph space's step reaches this one from most often."""

    artist_id: int
    name: str
    step: float  # the chance of that step (each liked artist's steps sum to 1)


@dataclass(frozen=True)
class RecommendedItem:
    rank: int  # 1 for the best
    artist_id: int
    name: str
    score: float  # what it was ranked by: the similarity adjusted for novelty and graph step
    similarity: float  # cosine to the taste
    listeners: int
    closest_like: ClosestLike
    # In a graph space that ranks with its graph, when a liked artist links to it.
    graph_neighbour: GraphNeighbour | None = None
    discovery: bool = False  # it took a place kept for the long tail (engine.discovery)
    # What the data says besides the vectors (engine.evidence); None when not looked up.
    evidence: Evidence | None = None
    url: str | None = None  # its page, to listen in one click
    track: TopTrack | None = None  # a track of it to play, when the store has one


@dataclass(frozen=True)
class RemovedItem:
    artist_id: int
    name: str
    similarity_to_hate: float  # cosine to the hated artist that removed it
    similarity_to_likes: float  # cosine to the closest liked artist: lower, or it would stay
    score: float  # the score it would have been ranked by


@dataclass(frozen=True)
class HateRemoval:
    """The bands one hated artist (or genre) kept out of the answer."""

    hate_id: int | None  # None for a hated genre
    hate_name: str
    removed: tuple[RemovedItem, ...]  # in the order they would have ranked

    @property
    def hated(self) -> str:
        """What was hated, in words: "DMX", "the genre rap"."""
        return self.hate_name if self.hate_id is not None else f"the genre {self.hate_name}"


def explain_items(
    space: LoadedSpace, taste: Taste, chosen: Candidates, discovery_rows: np.ndarray = ()
) -> tuple[RecommendedItem, ...]:
    """Each chosen row with the liked artist or genre closest to it; `discovery_rows`
    took a place kept for the long tail."""
    like_rows = np.unique(taste.like_rows)
    likes = np.concatenate([space.unit[like_rows], *(p.vector[None] for p in taste.like_tags)])
    to_likes = space.unit[chosen.rows] @ likes.T  # [chosen, likes]
    # A band liked before may be recommended again: it is not its own reason.
    itself = chosen.rows[:, None] == np.concatenate(
        [like_rows, np.full(len(taste.like_tags), -1)])[None, :]
    if itself.all(axis=1).any():  # its only like is itself: keep it rather than nothing
        itself &= ~itself.all(axis=1, keepdims=True)
    to_likes = np.where(itself, -np.inf, to_likes)
    nearest = to_likes.argmax(axis=1)
    count = len(chosen)
    artist_ids = space.artist_ids[chosen.rows].tolist()
    like_names = space.artist_names(space.artist_ids[like_rows]) + [
        p.name for p in taste.like_tags]
    like_ids: list[int | None] = space.artist_ids[like_rows].tolist() + [None] * len(
        taste.like_tags)
    closest = [(like_ids[i], like_names[i]) for i in nearest.tolist()]
    like_similarity = to_likes[np.arange(count), nearest].tolist()
    names = space.artist_names(artist_ids)
    urls = space.artist_urls(artist_ids)
    scores, similarity = chosen.scores.tolist(), chosen.similarity.tolist()
    listeners = space.listeners[chosen.rows].tolist()
    neighbours = _graph_neighbours(space, like_rows, chosen.rows)
    discovery = np.isin(chosen.rows, discovery_rows).tolist()
    return tuple(
        RecommendedItem(
            rank=i + 1, artist_id=artist_ids[i], name=names[i], score=scores[i],
            similarity=similarity[i], listeners=listeners[i],
            closest_like=ClosestLike(*closest[i], like_similarity[i]),
            graph_neighbour=neighbours[i], discovery=discovery[i], url=urls[i],
        )
        for i in range(count)
    )


def _graph_neighbours(
    space: LoadedSpace, like_rows: np.ndarray, chosen_rows: np.ndarray
) -> list[GraphNeighbour | None]:
    if space.graph is None or not len(like_rows):
        return [None] * len(chosen_rows)
    steps = entries(space.graph, like_rows, chosen_rows)  # [likes, chosen]
    strongest = steps.argmax(axis=0)
    step = steps[strongest, np.arange(len(chosen_rows))].tolist()
    from_ids = space.artist_ids[like_rows[strongest]].tolist()
    from_names = space.artist_names(from_ids)
    return [
        GraphNeighbour(artist_id, name, chance) if chance > 0 else None
        for artist_id, name, chance in zip(from_ids, from_names, step, strict=True)
    ]


def explain_removals(
    space: LoadedSpace, taste: Taste, near_hates: NearHates, cutoff_scores: np.ndarray
) -> tuple[HateRemoval, ...]:
    """Per hated artist or genre, the removed bands that would have made the answer.

    A removed band counts when its score reaches its `cutoff_scores` entry, the score of
    the answer's band it would have pushed out: the others were too far down to have
    been shown anyway.
    """
    mattered = near_hates.candidates.scores >= cutoff_scores
    if not mattered.any():
        return ()
    removed = near_hates.candidates.keep(mattered)
    artist_ids = space.artist_ids[removed.rows].tolist()
    hate_rows = near_hates.hate_rows[mattered]
    hate_ids = np.where(hate_rows >= 0, space.artist_ids[hate_rows], -1).tolist()
    # A hated artist by its id, a hated genre by its place among the taste's (negative).
    hates = [hate_id if hate_id >= 0 else -2 - tag for hate_id, tag in
             zip(hate_ids, near_hates.hate_tags[mattered].tolist(), strict=True)]
    items_of_hate: dict[int, list[RemovedItem]] = {}
    for artist_id, name, hate, to_hate, to_likes, score in zip(
        artist_ids, space.artist_names(artist_ids), hates,
        near_hates.hate_similarity[mattered].tolist(),
        near_hates.like_similarity[mattered].tolist(), removed.scores.tolist(),
        strict=True,
    ):
        items_of_hate.setdefault(hate, []).append(
            RemovedItem(artist_id, name, to_hate, to_likes, score)
        )
    return tuple(
        HateRemoval(hate, space.artist_names([hate])[0], tuple(items)) if hate >= 0
        else HateRemoval(None, taste.hate_tags[-2 - hate].name, tuple(items))
        for hate, items in items_of_hate.items()
    )
