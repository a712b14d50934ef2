"""Scoring recommendation lists against the hidden targets of a holdout split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.discovery import most_listened
from store.catalog import Listens
from train.evaluate.split import HoldoutSplit
from train.vectors import listeners_of

NO_ARTIST = -1  # pads a recommendation row when a model has fewer than k artists to offer


# The answer a person reads first: popularity lift compares its bands with the likes.
LIFT_TOP = 10


@dataclass(frozen=True)
class Metrics:
    """Means over test cases; tail recall only over cases with at least one tail target.

    Two measures of discovery next to those of accuracy: `popularity_lift`, how much
    better known the answer is than what was liked (per case, the median listeners of
    the first LIFT_TOP answers over the median listeners of the likes, then the median
    over cases: 1 answers at the likes' own fame, 5 with bands five times as well known);
    and `coverage`, how many distinct artists all the answers together name.
    """

    k: int
    precision: float
    recall: float
    tail_recall: float  # nan when no case has a tail target
    n_cases: int
    n_tail_cases: int
    n_head_artists: int  # the most-listened artists that do not count as tail
    popularity_lift: float  # nan when no case has an answer
    coverage: int


def head_artists(train: Listens, n_head: int) -> np.ndarray:
    """The `n_head` artists with the most listeners in training (ties: lower id first)."""
    artists, listeners = np.unique(train.artist_ids, return_counts=True)
    return most_listened(artists, listeners, n_head)


def score(recommended: np.ndarray, split: HoldoutSplit, head: np.ndarray) -> Metrics:
    """Precision, recall and tail recall of `recommended` (n_cases x k artist ids, best
    first, NO_ARTIST padding) for the cases of `split`; `head` is what is not tail."""
    n_cases, k = recommended.shape
    if n_cases != split.n_cases:
        raise ValueError(f"{n_cases} recommendation rows for {split.n_cases} test cases")

    # A target is found when the pair (case, artist) is among the recommended pairs.
    stride = max(int(recommended.max(initial=0)), int(split.target_artists.max())) + 1
    recommended_keys = np.arange(n_cases)[:, None] * stride + recommended
    target_keys = split.target_cases * stride + split.target_artists
    found = np.isin(target_keys, recommended_keys[recommended != NO_ARTIST])

    hits = np.bincount(split.target_cases, weights=found, minlength=n_cases)
    n_targets = np.bincount(split.target_cases, minlength=n_cases)

    is_tail = ~np.isin(split.target_artists, head)
    tail_hits = np.bincount(split.target_cases[is_tail], weights=found[is_tail], minlength=n_cases)
    n_tail = np.bincount(split.target_cases[is_tail], minlength=n_cases)
    has_tail = n_tail > 0

    return Metrics(
        k=k,
        precision=float(np.mean(hits / k)),
        recall=float(np.mean(hits / n_targets)),
        tail_recall=float(np.mean(tail_hits[has_tail] / n_tail[has_tail]))
        if has_tail.any()
        else float("nan"),
        n_cases=n_cases,
        n_tail_cases=int(has_tail.sum()),
        n_head_artists=len(head),
        popularity_lift=popularity_lift(recommended, split),
        coverage=len(np.unique(recommended[recommended != NO_ARTIST])),
    )


def popularity_lift(recommended: np.ndarray, split: HoldoutSplit) -> float:
    """The median over cases of (median listeners of the first LIFT_TOP answers) / (median
    listeners of the likes), listeners counted in training; nan without answers."""
    top = recommended[:, :LIFT_TOP]
    listeners = listeners_of(split.train, np.where(top == NO_ARTIST, 0, top).ravel())
    answered = np.where(top == NO_ARTIST, np.nan, listeners.reshape(top.shape).astype(float))
    liked = listeners_of(split.train, split.likes.ravel()).reshape(split.likes.shape)
    has_answer = (top != NO_ARTIST).any(axis=1)
    if not has_answer.any():
        return float("nan")
    ratios = (np.nanmedian(answered[has_answer], axis=1)
              / np.maximum(np.median(liked[has_answer], axis=1), 1))
    return float(np.median(ratios))
