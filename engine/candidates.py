"""Rows of a space in ranking order, with what they were ranked by: what the answer and
the hates' removals are explained from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Candidates:
    """Rows of a space in ranking order, best first, with what they were ranked by."""

    rows: np.ndarray  # int64
    similarity: np.ndarray  # float32: cosine to the taste
    scores: np.ndarray  # float32: the ranking score (similarity, novelty, graph step)

    def __len__(self) -> int:
        return len(self.rows)

    def keep(self, mask: np.ndarray) -> Candidates:
        return Candidates(self.rows[mask], self.similarity[mask], self.scores[mask])

    def head(self, count: int) -> Candidates:
        return Candidates(self.rows[:count], self.similarity[:count], self.scores[:count])

    def then(self, other: Candidates) -> Candidates:
        """These candidates followed by `other`'s."""
        return Candidates(np.concatenate([self.rows, other.rows]),
                          np.concatenate([self.similarity, other.similarity]),
                          np.concatenate([self.scores, other.scores]))
