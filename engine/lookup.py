"""Finding ids in an ascending array of unique ids: a binary search, nothing to build."""

from __future__ import annotations

import numpy as np


def positions_in(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The position of each of `ids` (any shape) in `sorted_ids`, and whether it is there
    at all; an id that is not gets some valid position (0 when `sorted_ids` is empty), to
    be masked by the second array."""
    ids = np.asarray(ids)
    if len(sorted_ids) == 0:
        return np.zeros(ids.shape, dtype=np.int64), np.zeros(ids.shape, dtype=bool)
    positions = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return positions, sorted_ids[positions] == ids
