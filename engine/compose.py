"""A taste: the direction in a space that someone's likes and hates point to.

    taste = weighted mean of the liked unit vectors - beta * weighted mean of the hated ones

scaled to unit length. SAGE summed the vectors; means keep the balance between likes and
hates the same however many of each are named, so beta means one thing. At the default
0.5 the hates turn the taste away without outweighing the likes: what sits right next
to a hated band is the near-hate filter's job, not the taste's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.problems import RecommendProblem, RecommendProblemKind
from engine.space import NO_ROW, LoadedSpace

DEFAULT_BETA = 0.5
# Below this length the likes and hates have cancelled out: no direction is left.
_CANCELLED_NORM = 1e-6


@dataclass(frozen=True)
class Seed:
    """A liked or hated artist and how much it counts (the query's `*N`)."""

    artist_id: int
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"a seed's weight must be a positive number, not {self.weight!r}")


@dataclass(frozen=True, eq=False)
class Taste:
    vector: np.ndarray  # float32 [dim], unit length
    like_rows: np.ndarray  # int64: rows of the liked artists that have vectors
    hate_rows: np.ndarray  # int64: rows of the hated artists that have vectors
    beta: float
    like_weights: np.ndarray  # float64, one per like row
    hate_weights: np.ndarray  # float64, one per hate row


@dataclass(frozen=True)
class Composition:
    taste: Taste | None  # None when there is nothing to search from; the problems say why
    problems: tuple[RecommendProblem, ...]


def compose(
    space: LoadedSpace, likes: Sequence[Seed], hates: Sequence[Seed], *, beta: float = DEFAULT_BETA
) -> Composition:
    """The taste of `likes` minus `hates` (beta >= 0); seeds without a vector are reported."""
    like_rows, like_weights, missing_likes = _found(space, likes)
    hate_rows, hate_weights, missing_hates = _found(space, hates)
    problems = [
        *(_not_in_space(space, seed, "left out of your taste") for seed in missing_likes),
        *(_not_in_space(space, seed, "not used to steer away") for seed in missing_hates),
    ]
    if not likes:
        problems.append(RecommendProblem(
            RecommendProblemKind.ONLY_HATES,
            "Name at least one band you like: hates only steer away from bands, "
            "they give Sage nothing to search from.",
        ))
        return Composition(None, tuple(problems))
    if len(like_rows) == 0:
        problems.append(RecommendProblem(
            RecommendProblemKind.NO_LIKES_IN_SPACE,
            f"None of the bands you like is in the {space.name} space yet: "
            "try others you like.",
        ))
        return Composition(None, tuple(problems))

    direction = _weighted_mean(space.unit, like_rows, like_weights)
    if len(hate_rows):
        direction -= beta * _weighted_mean(space.unit, hate_rows, hate_weights)
    length = float(np.linalg.norm(direction))
    if length < _CANCELLED_NORM:
        problems.append(RecommendProblem(
            RecommendProblemKind.TASTE_CANCELS,
            "Your likes and hates cancel each other out: drop a hate or add a like.",
        ))
        return Composition(None, tuple(problems))
    taste = Taste(
        vector=(direction / length).astype(np.float32),
        like_rows=like_rows, hate_rows=hate_rows, beta=beta,
        like_weights=like_weights, hate_weights=hate_weights,
    )
    return Composition(taste, tuple(problems))


def _found(
    space: LoadedSpace, seeds: Sequence[Seed]
) -> tuple[np.ndarray, np.ndarray, list[Seed]]:
    """Rows and weights of the seeds that have a vector, and the seeds that do not."""
    rows = space.rows_of([seed.artist_id for seed in seeds])
    weights = np.array([seed.weight for seed in seeds], dtype=np.float64)
    found = rows != NO_ROW
    missing = [seed for seed, ok in zip(seeds, found, strict=True) if not ok]
    return rows[found], weights[found], missing


def _weighted_mean(unit: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return (weights @ unit[rows].astype(np.float64)) / weights.sum()


def _not_in_space(space: LoadedSpace, seed: Seed, effect: str) -> RecommendProblem:
    [name] = space.artist_names([seed.artist_id])
    return RecommendProblem(
        RecommendProblemKind.NOT_IN_SPACE,
        f"{name} has no place in the {space.name} space yet, so it was {effect}.",
        artist_id=seed.artist_id,
    )
