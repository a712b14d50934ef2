"""Filters between the nearest neighbours and the answer, each one pass over the candidates.

Each takes the candidates in ranking order and returns those it keeps, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.candidates import Candidates
from engine.compose import Taste

# A hated artist removes a candidate that is closer to it than to every liked artist,
# and at least this close: the floor keeps a loose resemblance to a hate from removing
# anything. Why not a threshold alone: how close "close" is differs from space to space.
# In the graph space of the bundled Last.fm data, Coldplay sits at 0.8 from Air and 0.99
# from Muse, and the mainstream pop artists are all within 0.98 of each other, so no one
# threshold keeps Air for a Portishead fan and drops Muse.
DEFAULT_HATE_THRESHOLD = 0.5


@dataclass(frozen=True, eq=False)
class NearHates:
    """Candidates dropped for a hate, ranked: for being closer to a hated artist than to
    the likes, or for carrying a hated genre strongly."""

    candidates: Candidates
    hate_rows: np.ndarray  # int64: the hated artist each one was closest to; -1 for a genre
    hate_similarity: np.ndarray  # float32: its cosine to that artist (or genre's place)
    like_similarity: np.ndarray  # float32: its cosine to the closest like
    # int64: which of the taste's hated genres removed it; -1 when a hated artist did.
    hate_tags: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        if len(self.hate_tags) != len(self.hate_rows):
            object.__setattr__(self, "hate_tags", np.full(len(self.hate_rows), -1, np.int64))

    @classmethod
    def none(cls, candidates: Candidates) -> NearHates:
        nothing = np.zeros(0, dtype=np.float32)
        return cls(candidates.head(0), np.zeros(0, dtype=np.int64), nothing, nothing)

    def ranked(self) -> NearHates:
        """The same removals, those for a hated genre first, each kind best score first."""
        order = np.lexsort((-self.candidates.scores, self.hate_tags < 0))
        return NearHates(
            Candidates(self.candidates.rows[order], self.candidates.similarity[order],
                       self.candidates.scores[order]),
            self.hate_rows[order], self.hate_similarity[order], self.like_similarity[order],
            self.hate_tags[order],
        )

    def then(self, other: NearHates) -> NearHates:
        """These removals followed by those of `other` that are not among them."""
        new = ~np.isin(other.candidates.rows, self.candidates.rows)
        return NearHates(
            self.candidates.then(other.candidates.keep(new)),
            np.concatenate([self.hate_rows, other.hate_rows[new]]),
            np.concatenate([self.hate_similarity, other.hate_similarity[new]]),
            np.concatenate([self.like_similarity, other.like_similarity[new]]),
            np.concatenate([self.hate_tags, other.hate_tags[new]]),
        )


def drop_near_hates(
    candidates: Candidates, unit: np.ndarray, taste: Taste, threshold: float
) -> tuple[Candidates, NearHates]:
    """Leave out candidates closer to a hated row than to every liked row, with a cosine
    to it of at least `threshold`, and say which hate removed which."""
    if len(taste.hate_rows) == 0 or len(candidates) == 0:
        return candidates, NearHates.none(candidates)
    vectors = unit[candidates.rows]
    to_hates = vectors @ unit[taste.hate_rows].T  # [candidates, hates]
    closest = to_hates.argmax(axis=1)
    hate_similarity = to_hates[np.arange(len(candidates)), closest]
    like_similarity = (vectors @ taste.like_vectors(unit).T).max(axis=1)
    near = (hate_similarity >= threshold) & (hate_similarity > like_similarity)
    removed = NearHates(
        candidates.keep(near), taste.hate_rows[closest[near]], hate_similarity[near],
        like_similarity[near],
    )
    return candidates.keep(~near), removed


def drop_hated_tags(
    candidates: Candidates, unit: np.ndarray, taste: Taste
) -> tuple[Candidates, NearHates]:
    """Leave out candidates that carry a hated genre strongly (among their strongest tags,
    engine.tags), and say which genre removed which."""
    if not taste.hate_tags or len(candidates) == 0:
        return candidates, NearHates.none(candidates)
    carried = np.stack([np.isin(candidates.rows, point.carrier_rows) for point in taste.hate_tags])
    removed = carried.any(axis=0)
    which = carried.argmax(axis=0)[removed]  # the first hated genre each one carries
    vectors = unit[candidates.rows[removed]]
    places = np.stack([point.vector for point in taste.hate_tags])
    return candidates.keep(~removed), NearHates(
        candidates.keep(removed),
        np.full(len(which), -1, dtype=np.int64),
        (vectors @ places.T)[np.arange(len(which)), which],
        (vectors @ taste.like_vectors(unit).T).max(axis=1),
        which.astype(np.int64),
    )
