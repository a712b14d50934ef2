"""Combining spaces into one: weighted concatenation of unit vectors, gaps predicted.

    hybrid(a) = [sqrt(w_1) u_1(a), ..., sqrt(w_n) u_n(a)],  weights summing to 1

where u_s(a) is artist a's unit vector in space s. For two artists that every space
has, the hybrid cosine is then the weighted mean of the spaces' cosines, which is what
a weight should mean. The hybrid covers every artist of any space. Where a space lacks an
artist (the playlist space knows a third of the listened artists, the listening spaces
none of the playlist-only ones), a zero block would leave that artist's hybrid vector
pointing only along the spaces it has, and rank it by less evidence than the others.
Instead the missing block is predicted: a ridge-regression map from each space the artist
has to the missing one, fitted on the artists both spaces share, averaged over the
spaces it has, and scaled to unit length like an observed block.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np

from train.vectors import ArtistVectors, unit_rows

log = logging.getLogger(__name__)


def combine(
    spaces: Mapping[str, ArtistVectors], weights: Mapping[str, float], *, ridge: float
) -> ArtistVectors:
    """The hybrid of `spaces` (each with a weight > 0 in `weights`) over all their artists."""
    names = [name for name in spaces if weights.get(name, 0) > 0]
    if not names:
        raise ValueError("no space with a positive weight to combine")
    total = sum(weights[name] for name in names)
    artist_ids = np.unique(np.concatenate([spaces[name].artist_ids for name in names]))
    blocks, present = {}, {}
    for name in names:
        blocks[name], present[name] = _aligned_unit(spaces[name], artist_ids)
    filled = {name: _fill_missing(name, blocks, present, ridge) for name in names}
    hybrid = np.hstack([np.sqrt(weights[name] / total) * filled[name] for name in names])
    return ArtistVectors(artist_ids, hybrid.astype(np.float32))


def _aligned_unit(space: ArtistVectors, artist_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The space's unit vectors on the rows of `artist_ids`, zero where it has none, and
    which rows it has (a zero vector counts as none: it has no direction)."""
    unit = unit_rows(space.vectors.astype(np.float32))
    rows = np.searchsorted(artist_ids, space.artist_ids)
    block = np.zeros((len(artist_ids), unit.shape[1]), dtype=np.float32)
    block[rows] = unit
    present = np.zeros(len(artist_ids), dtype=bool)
    present[rows] = np.any(unit != 0, axis=1)
    return block, present


def _fill_missing(
    target: str, blocks: Mapping[str, np.ndarray], present: Mapping[str, np.ndarray], ridge: float
) -> np.ndarray:
    missing = ~present[target]
    if not missing.any():
        return blocks[target]
    prediction = np.zeros((len(missing), blocks[target].shape[1]), dtype=np.float64)
    sources = np.zeros(len(missing), dtype=np.int64)
    for source in blocks:
        if source == target:
            continue
        shared = present[source] & present[target]
        wanted = missing & present[source]
        if not shared.any() or not wanted.any():
            continue
        x, y = blocks[source][shared].astype(np.float64), blocks[target][shared]
        mapping = np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ y)
        prediction[wanted] += blocks[source][wanted] @ mapping
        sources[wanted] += 1
    predicted = sources > 0
    filled = blocks[target].copy()
    filled[predicted] = unit_rows(prediction[predicted] / sources[predicted, None])
    log.info("%s: predicted for %d artists it lacks%s", target, predicted.sum(),
             f" ({(missing & ~predicted).sum()} share no space with it: left empty)"
             if (missing & ~predicted).any() else "")
    return filled
