"""The novelty knob: trading similarity for the long tail, or for the well known.

    score = similarity - novelty * NOVELTY_SPAN * popularity

where popularity is log(1 + listeners) over the most listened artist's, in [0, 1], and
novelty is in [-1, 1]. At 0 the score is the cosine. At +1 the most listened artist
loses NOVELTY_SPAN of cosine against an artist nobody listens to, so rare bands rise;
at -1 it gains that much, so the well known rise. The logarithm keeps the knob about
orders of magnitude: going from 100 to 1,000 listeners costs as much as 10,000 to 100,000.
"""

from __future__ import annotations

import numpy as np

# Neighbours in a trained space differ by tenths of cosine: this lets the knob reorder
# them without letting an unrelated rare band overtake a close popular one.
NOVELTY_SPAN = 0.2


def novelty_scores(similarity: np.ndarray, popularity: np.ndarray, novelty: float) -> np.ndarray:
    """The ranking score of each row; `similarity` itself when novelty is 0."""
    if novelty == 0:
        return similarity
    # One new array, written twice: a fresh 218,000-float array costs more in page
    # faults than the arithmetic does.
    scores = np.multiply(popularity, np.float32(-novelty * NOVELTY_SPAN))
    scores += similarity
    return scores
