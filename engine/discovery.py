"""Discovery slots: a few places in every answer kept for long-tail bands.

A ranking by similarity plus a popularity prior is precise because well-known bands are
safe bets, and for the same reason it rarely reaches the long tail, which is what a
discovery bot is for. No single weight of the prior gets both (`sage eval --all`: the
graph space is the more precise, cf finds long-tail bands 1.7x as often). Keeping slots
for the best long-tail bands by the same score gets both: the well-known bands fill the
rest of the list, and each slot goes to the long-tail band the taste ranks highest.

How many slots follows the likes, as calibrated recommendation does (Steck, RecSys
2018): a taste made of long-tail bands gets more of them back.

    slots = round(k * (share + tail_taste * share of the likes in the long tail))

The long tail is every artist outside the `after` most listened: by default
LONG_TAIL_AFTER, the line the held-out test draws for tail recall (train.evaluate.harness).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LONG_TAIL_AFTER = 500


@dataclass(frozen=True)
class Discovery:
    share: float = 0.0  # of every answer, kept for the long tail
    tail_taste: float = 0.0  # more share, times the share of the likes in the long tail
    after: int = LONG_TAIL_AFTER  # the long tail starts after this many most listened

    def __post_init__(self) -> None:
        if not (self.share >= 0 and self.tail_taste >= 0 and self.share + self.tail_taste <= 1):
            raise ValueError(
                f"discovery shares must be 0 or more and add up to at most 1: {self}"
            )

    def __bool__(self) -> bool:
        return self.share > 0 or self.tail_taste > 0

    def slots(self, k: int, like_tail_share: np.ndarray) -> np.ndarray:
        """Places of k kept for the long tail, for likes with this share in the long tail
        (one share, or one per query)."""
        return np.floor(k * (self.share + self.tail_taste * like_tail_share) + 0.5).astype(
            np.int64)


def most_listened(artist_ids: np.ndarray, listeners: np.ndarray, count: int) -> np.ndarray:
    """The `count` artists with the most listeners (ties: lower id first)."""
    return artist_ids[np.lexsort((artist_ids, -listeners))[:count]]


def in_long_tail(artist_ids: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Whether each artist is outside `head` (most_listened's answer)."""
    return ~np.isin(artist_ids, head)


def like_tail_share(like_in_tail: np.ndarray, like_weights: np.ndarray) -> np.ndarray:
    """Weighted share of the likes in the long tail, per query ([queries, likes] arrays,
    or one query's [likes])."""
    total = like_weights.sum(axis=-1)
    tail = np.where(like_in_tail, like_weights, 0).sum(axis=-1)
    return tail / np.where(total > 0, total, 1)
