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

# How far an answer's scores run: the best minus the SPAN_ROWS-th best. Spaces score on
# different scales (about 1 in cf, 2 in the hybrid, 3 in graph, places 0.01 to 0.1
# apart), so the push is a share of this span rather than a fixed amount.
SPAN_ROWS = 100
# What a row loses at a cosine of 1 to a disliked band of weight 1, as a share of the
# span; at a cosine of c, c times that; nothing at or below 0. `python -m bench.feedback`
# on the bundled store, 10 queries each asked again after a 👎 on its first band: at 0.25
# the answer keeps 8.7 of its 9 other bands in the hybrid space (never fewer than 8),
# 8.0 in cf and 8.7 in graph (never fewer than 7), and the band closest to the disliked
# one drops 0.8 places in the hybrid and stays; at 0.5 the hybrid keeps as few as 6, at
# 1.0 as few as 2. 0.25 holds the bar a 👍 on a whole answer is held to, 7 kept.
DISLIKED_NEIGHBOUR_PENALTY = 0.25


def near_dislike_penalty(
    space: LoadedSpace, dislikes: Sequence[Seed], scores: np.ndarray
) -> np.ndarray | None:
    """float32 [rows], 0 or less: what each row's score (`scores`, float32 [rows], all
    finite) loses for being close to the disliked bands; None when the space places none
    of them.

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
    best = np.partition(scores, max(len(scores) - SPAN_ROWS, 0))[-SPAN_ROWS:]
    span = best.max() - best.min()
    return np.float32(-DISLIKED_NEIGHBOUR_PENALTY) * span * closeness.max(axis=1)
