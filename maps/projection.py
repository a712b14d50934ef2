"""A 2-D projection of a whole embedding space, computed once per training run and kept.

t-SNE (scikit-learn's Barnes-Hut) keeps neighbours together, which is what a map of
scenes needs; PCA alone smears them into one blob. It is slow, so it runs on the
`TSNE_POINTS` most important artists (PageRank of the active graph run) only: 3,000
take about 15 s on two quiet cores and every artist of the SAGE graph would take an
hour. Every other artist is placed at its nearest projected artist in the space, spread
a little around it. (A mean of several neighbours' positions, the usual way to extend a
t-SNE map, put the artists whose neighbours sit in two scenes in the empty space between
them, and piled most of the catalog into one blob in the middle of the map.)

A projection depends only on the run's vectors and the settings below, so it is saved
beside the store (`<store>-maps/<space>-run<id>.npz`), written whole or not at all, and
read back by every later map of that run.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.space import LoadedSpace

log = logging.getLogger(__name__)

TSNE_POINTS = 3_000
PERPLEXITY = 30.0
TSNE_ITERATIONS = 1_000
SEED = 0
_PCA_DIMS = 50  # t-SNE's usual first step: 50 principal components keep the neighbours
_CHUNK = 4_096  # artists placed per matrix product, to bound memory
_JITTER = 0.006  # spread of the artists placed at one projected artist, share of the map


@dataclass(frozen=True)
class Projection:
    space: str
    run_id: int | None
    artist_ids: np.ndarray  # int64, ascending, as the space's rows
    xy: np.ndarray  # float64 (n, 2)
    projected: np.ndarray  # bool (n,): placed by t-SNE itself rather than among neighbours
    method: str  # the settings it was made with; a cached projection must match them


def cache_dir_for(store_path: Path) -> Path:
    """Where projections of a store's runs are kept: a folder beside the store."""
    return store_path.with_name(f"{store_path.stem}-maps")


def project_space(
    space: LoadedSpace,
    importance: np.ndarray,
    *,
    cache_dir: Path | None,
    tsne_points: int = TSNE_POINTS,
    iterations: int = TSNE_ITERATIONS,
) -> Projection:
    """The projection of `space` (one importance per row), from the cache when there is
    one for its run and these settings, else computed and cached."""
    method = (f"tsne points={tsne_points} iterations={iterations} perplexity={PERPLEXITY} "
              f"jitter={_JITTER} seed={SEED}")
    cache = None
    if cache_dir is not None and space.run_id is not None:
        cache = cache_dir / f"{space.name}-run{space.run_id}.npz"
        cached = _read(cache, space, method)
        if cached is not None:
            return cached
    log.info("projecting the %s space (run %s) with t-SNE: once per run, about a minute",
             space.name, space.run_id)
    started = time.perf_counter()
    xy, projected = _project(space.unit, importance, tsne_points, iterations)
    log.info("projected %d %s artists (%d by t-SNE) in %.1f s", len(xy), space.name,
             projected.sum(), time.perf_counter() - started)
    projection = Projection(space.name, space.run_id, space.entity_ids, xy, projected, method)
    if cache is not None:
        _write(cache, projection)
    return projection


def _project(
    unit: np.ndarray, importance: np.ndarray, tsne_points: int, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    # scikit-learn takes seconds to import; only a projection not cached yet needs it.
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = len(unit)
    chosen = np.sort(np.lexsort((np.arange(n), -importance))[:tsne_points])
    sample = unit[chosen]
    if sample.shape[1] > _PCA_DIMS and len(sample) > _PCA_DIMS:
        sample = PCA(_PCA_DIMS, random_state=SEED).fit_transform(sample)
    tsne = TSNE(
        n_components=2, perplexity=min(PERPLEXITY, (len(chosen) - 1) / 3), init="pca",
        max_iter=iterations, random_state=SEED,
    )
    xy = np.zeros((n, 2))
    xy[chosen] = tsne.fit_transform(sample)
    projected = np.zeros(n, dtype=bool)
    projected[chosen] = True
    rest = np.flatnonzero(~projected)
    nearest = np.zeros(len(rest), dtype=np.int64)
    for start in range(0, len(rest), _CHUNK):
        similarity = unit[rest[start:start + _CHUNK]] @ unit[chosen].T
        nearest[start:start + _CHUNK] = np.argmax(similarity, axis=1)
    span = np.ptp(xy[chosen], axis=0).max()
    jitter = np.random.default_rng(SEED).normal(scale=_JITTER * span, size=(len(rest), 2))
    xy[rest] = xy[chosen][nearest] + jitter
    return xy, projected


def _read(path: Path, space: LoadedSpace, method: str) -> Projection | None:
    try:
        with np.load(path) as saved:
            if str(saved["method"]) != method or not np.array_equal(
                saved["artist_ids"], space.entity_ids
            ):
                return None
            return Projection(space.name, space.run_id, saved["artist_ids"], saved["xy"],
                              saved["projected"], method)
    except (OSError, KeyError, ValueError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("ignoring unreadable projection cache %s: %s", path, exc)
        return None


def _write(path: Path, projection: Projection) -> None:
    """Written to a temporary file and renamed, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.part")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(out, artist_ids=projection.artist_ids, xy=projection.xy,
                     projected=projection.projected, method=np.array(projection.method))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
