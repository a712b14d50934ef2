"""What can keep a recommendation from being the one asked for, told to the person asking.

These are answers, not errors: the pipeline still returns whatever it could find, and
the CLI and the bot show each problem's message next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RecommendProblemKind(StrEnum):
    NOT_IN_SPACE = "not_in_space"  # a liked or hated artist has no vector: left out
    ONLY_HATES = "only_hates"  # hates steer away from bands, they give nothing to search from
    NO_LIKES_IN_SPACE = "no_likes_in_space"  # likes were given, none has a vector
    TASTE_CANCELS = "taste_cancels"  # the likes minus the hates leave no direction
    FEW_RESULTS = "few_results"  # the filters left fewer results than asked for


@dataclass(frozen=True)
class RecommendProblem:
    kind: RecommendProblemKind
    message: str  # one line for the person who asked
    artist_id: int | None = None  # the artist it is about, when it is about one
