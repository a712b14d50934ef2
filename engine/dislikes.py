"""Bands the asker disliked before, as a small push down on their close neighbours.

A disliked band itself is never recommended to its disliker again (the caller excludes
it); the bands around it come a little lower, by how close they are to it, but stay
recommendable. Typed hates do more (engine.filters drops the bands closer to a hate
than to every like): a dislike is one reaction on one answer, not what was asked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.compose import Seed
from engine.space import NO_ROW, LoadedSpace

# What a row's score loses at a cosine of 1 to a disliked band of weight 1; at a cosine
# of c, c times that; nothing at or below 0. Answers' scores run about 1.7 to 2.6 on the
# bundled store's hybrid space (cosine, popularity prior and graph step together), a
# place or two apart by 0.05. Measured there on 10 queries, each asked again after a 👎
# on its first band (/tmp-style script in the commit message): at 0.3 the answer keeps
# 8.7 of its 9 other bands and the band in it closest to the disliked one drops 0.8
# places; at 0.5, 8.1 (never fewer than 7) and 1.3 places, and that band always stays;
# at 0.8, 7.5 (as few as 5) and 2.9 places, and it leaves one answer. 0.5 lowers the
# neighbours visibly and keeps 7 of 9 at worst, the bar a 👍 on a whole answer is held to.
DISLIKED_NEIGHBOUR_PENALTY = 0.5


def near_dislike_penalty(space: LoadedSpace, dislikes: Sequence[Seed]) -> np.ndarray | None:
    """float32 [rows], 0 or less: what each row's score loses for being close to the
    disliked bands; None when the space places none of them.

    A row's loss comes from the one disliked band it is closest to (by cosine times
    the band's weight), not their sum: ten bands disliked with one 👎 push the bands
    around them down no further than one does.
    """
    rows = space.rows_of([seed.artist_id for seed in dislikes])
    placed = rows != NO_ROW
    if not placed.any():
        return None
    weights = np.array([seed.weight for seed in dislikes], dtype=np.float32)[placed]
    closeness = np.maximum(space.unit @ space.unit[rows[placed]].T, 0) * weights
    return np.float32(-DISLIKED_NEIGHBOUR_PENALTY) * closeness.max(axis=1)
