"""How well predicted vectors land on held-out files' true ones, against predicting the mean.

For each held-out file: the cosine between its predicted vector and its true target, and
the rank of the true item (its track, or its artist in an artist space) among all items
of the target space, ordered by cosine to the prediction (1 = nearest). The baseline
predicts the mean training target for every file: what a model that learnt nothing from
the sound would do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

_ROWS_PER_CHUNK = 256  # keeps the [chunk, items] cosine block small for large spaces


@dataclass(frozen=True)
class AudioEvaluation:
    files: int
    items: int
    mean_cosine: float
    median_rank: float
    baseline_mean_cosine: float
    baseline_median_rank: float

    def to_metrics(self) -> dict:
        return {f"holdout_{name}": value for name, value in asdict(self).items()}


def evaluate_predictions(
    predicted: np.ndarray, true_rows: np.ndarray, items: np.ndarray, baseline: np.ndarray
) -> AudioEvaluation:
    """`predicted` [n, d] for files whose true item is row `true_rows[i]` of `items` [m, d];
    `baseline` [d] is the mean training target."""
    unit_items = _unit(items)
    cosine, rank = cosines_and_ranks(_unit(predicted), unit_items, true_rows)
    base = np.broadcast_to(_unit(baseline[None, :]), predicted.shape)
    base_cosine, base_rank = cosines_and_ranks(base, unit_items, true_rows)
    return AudioEvaluation(
        files=len(predicted), items=len(items),
        mean_cosine=float(cosine.mean()), median_rank=float(np.median(rank)),
        baseline_mean_cosine=float(base_cosine.mean()),
        baseline_median_rank=float(np.median(base_rank)),
    )


def cosines_and_ranks(
    unit_vectors: np.ndarray, unit_items: np.ndarray, true_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine of each vector to its true item, and that item's rank among all items."""
    cosine = np.empty(len(unit_vectors), np.float32)
    rank = np.empty(len(unit_vectors), np.int64)
    for start in range(0, len(unit_vectors), _ROWS_PER_CHUNK):
        stop = start + _ROWS_PER_CHUNK
        block = unit_vectors[start:stop] @ unit_items.T
        true = block[np.arange(len(block)), true_rows[start:stop]]
        cosine[start:stop] = true
        rank[start:stop] = 1 + (block > true[:, None]).sum(axis=1)
    return cosine, rank


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
