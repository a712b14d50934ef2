"""Filters between the nearest neighbours and the answer, each one pass over the candidates.

Each takes the candidates in ranking order and returns those it keeps, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.compose import Taste
from engine.search import Candidates

# A hated artist removes a candidate that is closer to it than to every liked artist,
# and at least this close: the floor keeps a loose resemblance to a hate from removing
# anything. Why not a threshold alone: how close "close" is differs from space to space.
# In the graph space of the bundled Last.fm data, Coldplay sits at 0.8 from Air and 0.99
# from Muse, and the mainstream pop artists are all within 0.98 of each other, so no one
# threshold keeps Air for a Portishead fan and drops Muse.
DEFAULT_HATE_THRESHOLD = 0.5


@dataclass(frozen=True, eq=False)
class NearHates:
    """Candidates dropped for being closer to a hated artist than to the likes, ranked."""

    candidates: Candidates
    hate_rows: np.ndarray  # int64: the hated artist each one was closest to
    hate_similarity: np.ndarray  # float32: its cosine to that artist
    like_similarity: np.ndarray  # float32: its cosine to the closest liked artist

    def then(self, other: NearHates) -> NearHates:
        """These removals followed by those of `other` that are not among them."""
        new = ~np.isin(other.candidates.rows, self.candidates.rows)
        return NearHates(
            self.candidates.then(other.candidates.keep(new)),
            np.r_[self.hate_rows, other.hate_rows[new]],
            np.r_[self.hate_similarity, other.hate_similarity[new]],
            np.r_[self.like_similarity, other.like_similarity[new]],
        )


def drop_inputs(candidates: Candidates, taste: Taste) -> Candidates:
    """Leave out the liked and hated artists themselves."""
    inputs = np.concatenate([taste.like_rows, taste.hate_rows])
    return candidates.keep(~np.isin(candidates.rows, inputs))


def drop_excluded(candidates: Candidates, excluded_rows: np.ndarray) -> Candidates:
    """Leave out rows the caller rules out: already shown, disliked before."""
    return candidates.keep(~np.isin(candidates.rows, excluded_rows))


def drop_near_hates(
    candidates: Candidates, unit: np.ndarray, taste: Taste, threshold: float
) -> tuple[Candidates, NearHates]:
    """Leave out candidates closer to a hated row than to every liked row, with a cosine
    to it of at least `threshold`, and say which hate removed which."""
    if len(taste.hate_rows) == 0 or len(candidates) == 0:
        none = np.zeros(0, dtype=np.float32)
        return candidates, NearHates(candidates.head(0), np.zeros(0, dtype=np.int64), none, none)
    vectors = unit[candidates.rows]
    to_hates = vectors @ unit[taste.hate_rows].T  # [candidates, hates]
    closest = to_hates.argmax(axis=1)
    hate_similarity = to_hates[np.arange(len(candidates)), closest]
    like_similarity = (vectors @ unit[taste.like_rows].T).max(axis=1)
    near = (hate_similarity >= threshold) & (hate_similarity > like_similarity)
    removed = NearHates(
        candidates.keep(near), taste.hate_rows[closest[near]], hate_similarity[near],
        like_similarity[near],
    )
    return candidates.keep(~near), removed


def cap_per_group(
    candidates: Candidates, group_of_row: np.ndarray, max_per_group: int
) -> Candidates:
    """Keep at most `max_per_group` candidates of any one group (an artist, a scene), the
    best ranked ones."""
    groups = group_of_row[candidates.rows]
    by_group = np.argsort(groups, kind="stable")  # ranking order within each group
    grouped = groups[by_group]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    sizes = np.diff(np.r_[starts, len(grouped)])
    place_in_group = np.arange(len(grouped)) - np.repeat(starts, sizes)
    keep = np.empty(len(groups), dtype=bool)
    keep[by_group] = place_in_group < max_per_group
    return candidates.keep(keep)
