"""A taste: the direction in a space that someone's likes and hates point to.

    taste = weighted mean of the liked unit vectors - beta * weighted mean of the hated ones

scaled to unit length. A liked or hated genre counts as one more vector: its place, the
weighted mean of its most characteristic artists' vectors (engine.tags), scaled to unit
length so that a genre weighs what a band weighs. SAGE summed the vectors; means keep
the balance between likes and hates the same however many of each are named, so beta
means one thing. At the default
0.5 the hates turn the taste away without outweighing the likes: what sits right next
to a hated band is the near-hate filter's job, not the taste's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.problems import RecommendProblem, RecommendProblemKind
from engine.rank import Seeds, mean_direction, unit_tastes
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
class TagSeed:
    """A liked or hated genre: the artists most characteristic of it, weighted
    (engine.tags), and those that carry it strongly, which a hated genre rules out."""

    name: str
    artist_ids: np.ndarray  # int64
    artist_weights: np.ndarray  # float64, summing to 1
    carrier_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weight: float = 1.0


@dataclass(frozen=True, eq=False)
class TagPoint:
    """A genre's place in a space."""

    name: str
    vector: np.ndarray  # float32 [dim], unit length
    rows: np.ndarray  # int64: its characteristic artists' rows
    row_weights: np.ndarray  # float64: their weights, summing to the genre's weight
    carrier_rows: np.ndarray  # int64: rows of the artists that carry it strongly
    weight: float


@dataclass(frozen=True, eq=False)
class Taste:
    vector: np.ndarray  # float32 [dim], unit length
    like_rows: np.ndarray  # int64: rows of the liked artists that have vectors
    hate_rows: np.ndarray  # int64: rows of the hated artists that have vectors
    beta: float
    like_weights: np.ndarray  # float64, one per like row
    hate_weights: np.ndarray  # float64, one per hate row
    like_tags: tuple[TagPoint, ...] = ()
    hate_tags: tuple[TagPoint, ...] = ()

    def seeds(self, hates: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Rows and weights of the liked (or hated) artists, each genre's characteristic
        artists sharing its weight: where a step on the graph starts."""
        rows, weights = (self.hate_rows, self.hate_weights) if hates else (
            self.like_rows, self.like_weights)
        points = self.hate_tags if hates else self.like_tags
        return (np.concatenate([rows, *(p.rows for p in points)]).astype(np.int64),
                np.concatenate([weights, *(p.row_weights for p in points)]))

    def like_vectors(self, unit: np.ndarray) -> np.ndarray:
        """[likes, dim]: the liked artists' vectors, then the liked genres' places."""
        return np.concatenate([unit[self.like_rows], *(p.vector[None] for p in self.like_tags)])


@dataclass(frozen=True)
class Composition:
    taste: Taste | None  # None when there is nothing to search from; the problems say why
    problems: tuple[RecommendProblem, ...]


def compose(
    space: LoadedSpace,
    likes: Sequence[Seed],
    hates: Sequence[Seed],
    *,
    beta: float = DEFAULT_BETA,
    like_tags: Sequence[TagSeed] = (),
    hate_tags: Sequence[TagSeed] = (),
) -> Composition:
    """The taste of `likes` and `like_tags` minus `hates` and `hate_tags` (beta >= 0);
    seeds without a vector are reported."""
    like_rows, like_weights, missing_likes = _found(space, likes)
    hate_rows, hate_weights, missing_hates = _found(space, hates)
    like_points, unplaced_likes = _placed(space, like_tags)
    hate_points, unplaced_hates = _placed(space, hate_tags)
    problems = [
        *(_not_in_space(space, seed, "left out of your taste") for seed in missing_likes),
        *(_not_in_space(space, seed, "not used to steer away") for seed in missing_hates),
        *(_genre_not_in_space(space, seed, "left out of your taste") for seed in unplaced_likes),
        *(_genre_not_in_space(space, seed, "not used to steer away")
          for seed in unplaced_hates),
    ]
    if not likes and not like_tags:
        problems.append(RecommendProblem(
            RecommendProblemKind.ONLY_HATES,
            "Name at least one band you like: hates only steer away from bands, "
            "they give Sage nothing to search from.",
        ))
        return Composition(None, tuple(problems))
    if len(like_rows) == 0 and not like_points:
        problems.append(RecommendProblem(
            RecommendProblemKind.NO_LIKES_IN_SPACE,
            f"None of the bands you like is in the {space.name} space yet: "
            "try others you like.",
        ))
        return Composition(None, tuple(problems))

    direction = _weighted_mean(space.unit, like_rows, like_weights, like_points)
    if len(hate_rows) or hate_points:
        direction -= beta * _weighted_mean(space.unit, hate_rows, hate_weights, hate_points)
    [vector], [length] = unit_tastes(direction[None, :])
    if length < _CANCELLED_NORM:
        problems.append(RecommendProblem(
            RecommendProblemKind.TASTE_CANCELS,
            "Your likes and hates cancel each other out: drop a hate or add a like.",
        ))
        return Composition(None, tuple(problems))
    taste = Taste(
        vector=vector,
        like_rows=like_rows, hate_rows=hate_rows, beta=beta,
        like_weights=like_weights, hate_weights=hate_weights,
        like_tags=like_points, hate_tags=hate_points,
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


def _placed(
    space: LoadedSpace, seeds: Sequence[TagSeed]
) -> tuple[tuple[TagPoint, ...], list[TagSeed]]:
    """Each genre's place, from those of its characteristic artists the space has; the
    genres none of whose artists it has."""
    points, unplaced = [], []
    for seed in seeds:
        rows = space.rows_of(seed.artist_ids)
        found = rows != NO_ROW
        if not found.any():
            unplaced.append(seed)
            continue
        weights = seed.artist_weights[found] / seed.artist_weights[found].sum()
        place = weights @ space.unit[rows[found]].astype(np.float64)
        length = float(np.linalg.norm(place))
        if length < _CANCELLED_NORM:
            unplaced.append(seed)
            continue
        carriers = space.rows_of(seed.carrier_ids)
        points.append(TagPoint(
            seed.name, (place / length).astype(np.float32), rows[found], weights * seed.weight,
            carriers[carriers != NO_ROW], seed.weight,
        ))
    return tuple(points), unplaced


def _weighted_mean(
    unit: np.ndarray, rows: np.ndarray, weights: np.ndarray, points: Sequence[TagPoint] = ()
) -> np.ndarray:
    # The artists' part is the held-out test's taste too (engine.rank.mean_direction).
    mean = mean_direction(unit, Seeds.one(rows, weights))[0]
    if not points:
        return mean
    total = mean * weights.sum()
    for point in points:
        total = total + point.weight * point.vector.astype(np.float64)
    return total / (weights.sum() + sum(point.weight for point in points))


def _genre_not_in_space(space: LoadedSpace, seed: TagSeed, effect: str) -> RecommendProblem:
    return RecommendProblem(
        RecommendProblemKind.NOT_IN_SPACE,
        f"No band of the genre {seed.name} has a place in the {space.name} space yet, so it "
        f"was {effect}.",
    )


def _not_in_space(space: LoadedSpace, seed: Seed, effect: str) -> RecommendProblem:
    [name] = space.artist_names([seed.artist_id])
    return RecommendProblem(
        RecommendProblemKind.NOT_IN_SPACE,
        f"{name} has no place in the {space.name} space yet, so it was {effect}.",
        artist_id=seed.artist_id,
    )
