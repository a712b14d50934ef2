"""`sage train audio`: learn to place tracks in a target space from their sound, and record
every audio track's vector as the `audio` space.

    audio files linked to tracks -> targets from the target space (the track's own vector
    when the space has tracks, else its artist's) -> split held-out artists (or tracks)
    -> train -> evaluate on the held-out files -> predict every file -> one vector per track

The `audio` space is a track space in the target space's dimension. A track whose target
is known keeps it (listening data is evidence, sound a guess); every other track gets the
mean prediction of its files, and `audio_predictions` says which is which. Files whose
target is known are split by target, so a held-out artist is one the network never heard:
the cold-start case the evaluation is about.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import torch.distributed as dist

from store import Store
from store.errors import UserError
from store.runs import RunRecord, SpaceVectors, fingerprint, read_active_vectors, record_run
from train.audio.evaluate import AudioEvaluation, evaluate_predictions
from train.audio.features import MEL, FeatureCache, extract_features
from train.audio.params import DEFAULT_HOLDOUT, TrainParams
from train.audio.train import (
    Checkpointing,
    is_main_process,
    predict,
    start_distributed,
    train_model,
)

log = logging.getLogger(__name__)

SPACE = "audio"


@dataclass(frozen=True)
class AudioFiles:
    """The ingested files that decoded and are linked to a track, sorted by hash."""

    sha256: list[str]
    paths: list[Path]
    track_ids: np.ndarray  # int64
    artist_ids: np.ndarray  # int64


@dataclass(frozen=True)
class Targets:
    """Each file's row in the target space's vectors, -1 where the space has none."""

    rows: np.ndarray  # int64 [files]
    space: SpaceVectors
    by: str  # "track" or "artist": what the target space's vectors are of

    @property
    def known(self) -> np.ndarray:
        return self.rows >= 0


def train_audio_space(
    store_path: Path,
    *,
    target_space: str,
    params: TrainParams,
    feature_dir: Path,
    checkpoint_dir: Path,
    holdout: float = DEFAULT_HOLDOUT,
    workers: int = 1,
    activate: bool = True,
    progress: bool = True,
) -> RunRecord | None:
    """Train, evaluate, predict and record the run; None in every process of a torchrun
    group but the first, which alone writes."""
    if not 0 <= holdout < 1:
        raise UserError(f"the held-out share must be in [0, 1), not {holdout}")
    started_at = datetime.now(UTC)
    timings: dict[str, float] = {}
    distributed = start_distributed()
    # In a torchrun group every process reads, so all must open the store read-only.
    with Store.open(store_path, read_only=distributed) as store:
        files = _audio_files(store)
        targets = _targets(store, files, target_space)

    started = time.perf_counter()
    cache = FeatureCache(feature_dir)
    if is_main_process():
        _cache_features(files, cache, workers, progress)
    if distributed:
        dist.barrier()
    files, targets = _drop_uncached(files, targets, cache)
    features = cache.load_many(files.sha256)
    timings["features"] = time.perf_counter() - started

    train_rows, holdout_rows = split_by_target(targets, holdout, params.seed)
    target_matrix = targets.space.matrix[targets.rows[train_rows]]
    data_fingerprint = fingerprint(
        np.array(files.sha256, dtype="S64")[train_rows], target_matrix
    )
    checkpointing = Checkpointing(
        checkpoint_dir / f"audio-{_run_key(params, target_space, data_fingerprint)}.pt",
        data_fingerprint,
    )
    log.info("training on %d files (%d held out, %d without a target) toward %s",
             len(train_rows), len(holdout_rows), (~targets.known).sum(), target_space)
    started = time.perf_counter()
    result = train_model(features[train_rows], target_matrix, params,
                         checkpointing=checkpointing, progress=progress)
    timings["train"] = time.perf_counter() - started
    if not is_main_process():
        return None

    started = time.perf_counter()
    predicted = predict(result.model, features)
    timings["predict"] = time.perf_counter() - started
    evaluation = _evaluate(predicted, targets, train_rows, holdout_rows)
    track_ids, vectors, is_predicted = track_vectors(files, targets, predicted)

    metrics = {
        "files": len(files.sha256), "train_files": len(train_rows),
        "tracks": len(track_ids), "predicted_tracks": int(is_predicted.sum()),
        "known_tracks": int((~is_predicted).sum()),
        "epochs_run": len(result.losses) - result.resumed_at_epoch,
        "final_loss": result.losses[-1] if result.losses else None,
        "train_clips_per_second": result.clips_per_second,
    }
    if evaluation is not None:
        metrics |= evaluation.to_metrics()
    run = RunRecord(
        space=SPACE,
        entity_kind="track",
        params=asdict(params) | {
            "target_space": target_space, "target_run": targets.space.run.run_id,
            "target_by": targets.by, "holdout": holdout, "features": MEL.key,
            "checkpoint": str(checkpointing.path),
        },
        data_fingerprint=fingerprint(np.array(files.sha256, dtype="S64"), targets.rows),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        metrics=metrics,
        timings=timings,
    )
    with Store.open(store_path) as store:
        recorded = record_run(
            store, run, track_ids, vectors, activate=activate,
            also=lambda con, run_id: _write_predicted_flags(con, run_id, track_ids, is_predicted),
        )
    log.info("recorded audio run %d: %d tracks, %d predicted from sound%s", recorded.run_id,
             len(track_ids), is_predicted.sum(), ", now active" if activate else "")
    return recorded


def _audio_files(store: Store) -> AudioFiles:
    table = store.con.execute(
        """SELECT f.sha256, f.path, f.track_id, t.artist_id
           FROM audio_files f JOIN tracks t USING (track_id)
           WHERE f.status = 'ok' ORDER BY f.sha256"""
    ).to_arrow_table()
    if table.num_rows == 0:
        raise UserError(f"{store.path} holds no usable audio files: run `sage ingest audio DIR`")
    return AudioFiles(
        sha256=table.column("sha256").to_pylist(),
        paths=[Path(p) for p in table.column("path").to_pylist()],
        track_ids=table.column("track_id").to_numpy().astype(np.int64),
        artist_ids=table.column("artist_id").to_numpy().astype(np.int64),
    )


def _targets(store: Store, files: AudioFiles, target_space: str) -> Targets:
    if target_space == SPACE:
        raise UserError("the audio space cannot be its own target: pick cf, graph, playlist...")
    space = read_active_vectors(store, target_space)
    by = space.run.entity_kind
    if by not in ("track", "artist"):
        raise UserError(f"the '{target_space}' space holds {by} vectors, not track or artist ones")
    keys = files.track_ids if by == "track" else files.artist_ids
    order = np.argsort(space.entity_ids, kind="stable")
    sorted_ids = space.entity_ids[order]
    positions = np.minimum(np.searchsorted(sorted_ids, keys), max(len(sorted_ids) - 1, 0))
    found = (sorted_ids[positions] == keys) if len(sorted_ids) else np.zeros(len(keys), bool)
    rows = np.where(found, order[positions], -1).astype(np.int64)
    return Targets(rows, space, by)


def _cache_features(files: AudioFiles, cache: FeatureCache, workers: int, progress: bool) -> None:
    """Compute features the cache lacks (deleted, or made with other parameters)."""
    missing = [(sha, path) for sha, path in zip(files.sha256, files.paths, strict=True)
               if not cache.has(sha)]
    for extraction in extract_features(missing, cache, workers=workers, progress=progress).values():
        if extraction.error is not None:
            log.warning("no features for %s: %s", extraction.sha256[:12], extraction.error)


def _drop_uncached(
    files: AudioFiles, targets: Targets, cache: FeatureCache
) -> tuple[AudioFiles, Targets]:
    keep = np.array([cache.has(sha) for sha in files.sha256], dtype=bool)
    if keep.all():
        return files, targets
    log.warning("%d audio files have no features (moved or deleted since ingest) and are "
                "left out", (~keep).sum())
    if not keep.any():
        raise UserError("no audio file has features: ingest the files again")
    rows = np.flatnonzero(keep)
    kept = AudioFiles([files.sha256[r] for r in rows], [files.paths[r] for r in rows],
                      files.track_ids[rows], files.artist_ids[rows])
    return kept, Targets(targets.rows[rows], targets.space, targets.by)


def split_by_target(targets: Targets, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, held-out rows) of the files with a target: a share of the targets, with
    all their files, is held out, so the network is judged on artists (or tracks) it never
    heard. At least one target stays on each side when there are two or more."""
    labelled = np.flatnonzero(targets.known)
    groups = np.unique(targets.rows[labelled])
    if len(groups) < 2:
        raise UserError(
            f"only {len(groups)} of the audio files' {targets.by}s have a vector in the "
            f"'{targets.space.run.space}' space: ingest audio of artists it knows"
        )
    held = 0 if holdout == 0 else min(max(1, round(holdout * len(groups))), len(groups) - 1)
    held_groups = np.random.default_rng(seed).permutation(groups)[:held]
    is_held = np.isin(targets.rows[labelled], held_groups)
    return labelled[~is_held], labelled[is_held]


def _evaluate(
    predicted: np.ndarray, targets: Targets, train_rows: np.ndarray, holdout_rows: np.ndarray
) -> AudioEvaluation | None:
    if len(holdout_rows) == 0:
        return None
    matrix = targets.space.matrix
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    baseline = unit[targets.rows[train_rows]].mean(axis=0)
    evaluation = evaluate_predictions(
        predicted[holdout_rows], targets.rows[holdout_rows], matrix, baseline
    )
    log.info(
        "held-out files: mean cosine %.3f (mean vector %.3f), median rank %g (mean vector %g) "
        "of %d", evaluation.mean_cosine, evaluation.baseline_mean_cosine,
        evaluation.median_rank, evaluation.baseline_median_rank, evaluation.items,
    )
    return evaluation


def track_vectors(
    files: AudioFiles, targets: Targets, predicted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(track ids, vectors, predicted flags): a track's known target where it has one,
    else the mean prediction of its files."""
    track_ids, inverse = np.unique(files.track_ids, return_inverse=True)
    sums = np.zeros((len(track_ids), predicted.shape[1]), np.float64)
    np.add.at(sums, inverse, predicted)
    vectors = (sums / np.bincount(inverse)[:, None]).astype(np.float32)
    known_row = np.full(len(track_ids), -1, np.int64)
    known_row[inverse[targets.known]] = targets.rows[targets.known]
    is_known = known_row >= 0
    vectors[is_known] = targets.space.matrix[known_row[is_known]]
    return track_ids, vectors, ~is_known


def _write_predicted_flags(
    con: duckdb.DuckDBPyConnection, run_id: int, track_ids: np.ndarray, is_predicted: np.ndarray
) -> None:
    con.register("new_predictions", pa.table({"track_id": track_ids, "predicted": is_predicted}))
    try:
        con.execute(
            "INSERT INTO audio_predictions SELECT ?, track_id, predicted FROM new_predictions",
            [run_id],
        )
    finally:
        con.unregister("new_predictions")


def _run_key(params: TrainParams, target_space: str, data_fingerprint: str) -> str:
    """Names the checkpoint, so the same training asked again resumes (or, finished, only
    predicts) and any other gets a file of its own."""
    described = json.dumps([params.resumable_from(), target_space, data_fingerprint,
                            MEL.key], sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:16]
