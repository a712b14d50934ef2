"""The ranking score: similarity plus a popularity prior that the novelty knob sets.

    score = similarity + weight(novelty) * popularity

where popularity is log(1 + listeners) over the most listened artist's, in [0, 1], and
novelty is in [-1, 1]. A listener is more likely to enjoy a near band that many people
play than an equally near one nobody plays, so some prior helps; how much is a choice
between precision and discovery (engine.ranking: each space's run records its own,
chosen on validation, as the spread of cosines differs between spaces). The knob moves
the weight along that choice:

    novelty +1: 0 (pure cosine: the long tail rises)
    novelty  0: the run's prior (the default answers)
    novelty -1: the run's safe prior (the most precise on validation: well-known bands)

linearly in between. The logarithm keeps the prior about orders of magnitude: going
from 100 to 1,000 listeners counts as much as 10,000 to 100,000.
"""

from __future__ import annotations

import numpy as np

# The prior of a space whose run sets none. Chosen on the held-out validation split for
# the graph model before it had tags (bench/graph_tuning.py): on the bundled data it
# lifted precision@20 from 0.263 to 0.318 at the same tail recall; larger priors buy
# precision with tail recall.
POPULARITY_PRIOR = 0.5


def popularity_of(listeners: np.ndarray) -> np.ndarray:
    """log(1 + listeners) over the largest, float32 in [0, 1]."""
    top = np.log1p(listeners.max(initial=0))
    if top == 0:
        return np.zeros(len(listeners), dtype=np.float32)
    return (np.log1p(listeners) / top).astype(np.float32)


def prior_weight(novelty: float, prior: float, safe_prior: float) -> float:
    """The popularity prior's weight at this novelty: `safe_prior` at -1, `prior` at 0,
    nothing at +1, linear in between."""
    if novelty >= 0:
        return prior * (1 - novelty)
    return prior - novelty * (safe_prior - prior)


def novelty_scores(similarity: np.ndarray, popularity: np.ndarray, weight: float) -> np.ndarray:
    """The ranking score of each row (or of each row of a batch [queries, rows]) with the
    prior at `weight` (prior_weight); `similarity` itself at 0."""
    if weight == 0:
        return similarity
    # One new array, written twice: at 218,000 rows a second temporary array costs more
    # in page faults than the arithmetic does.
    scores = np.multiply(popularity, np.float32(weight), out=np.empty_like(similarity))
    scores += similarity
    return scores
