"""`sage train hybrid`: combine the active runs of the component spaces into one run.

Nothing is learned from listens here: the hybrid is a pure function of its components'
vectors and its weights, so the run records which component runs it was built from
(with their settings, to score it on held-out listens later).

The cold start carries over: when the active audio run was trained against one of the
component runs, the artists it placed by sound (engine/audio_tracks.py) join that
component before combining, which predicts their other blocks as for any artist a space
lacks. The run records the audio run; held-out scoring leaves them out (nobody listens to
them).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from engine.audio_tracks import AUDIO_SPACE, PLACED_BY_SOUND, audio_tracks
from store import Store
from store.errors import StoreError, UserError
from store.runs import (
    RunRecord,
    SpaceVectors,
    active_runs,
    fingerprint,
    read_active_vectors,
    record_run,
)
from train.hybrid.combine import combine
from train.hybrid.params import HybridParams
from train.vectors import ArtistVectors

log = logging.getLogger(__name__)

SPACE = "hybrid"


def active_components(store: Store, params: HybridParams) -> dict[str, SpaceVectors]:
    """The active run of each weighted component that has one (and holds artists)."""
    found = {}
    for name, weight in params.weights.items():
        if weight <= 0:
            continue
        try:
            space = read_active_vectors(store, name)
        except StoreError:
            log.warning("hybrid: no trained %s space, left out", name)
            continue
        if space.run.entity_kind != "artist":
            log.warning("hybrid: the %s space holds %ss, left out", name, space.run.entity_kind)
            continue
        found[name] = space
    return found


@dataclass(frozen=True)
class PlacedBySound:
    run: RunRecord  # the audio run
    artists: int  # artists it placed in its target space


def with_artists_placed_by_sound(
    store: Store, components: dict[str, SpaceVectors]
) -> tuple[dict[str, ArtistVectors], PlacedBySound | None]:
    """The components' vectors, with the active audio run's artists placed by sound added
    to its target space when that is one of `components` at the run it was trained on."""
    vectors = {name: ArtistVectors.sorted(space.entity_ids, space.matrix)
               for name, space in components.items()}
    if AUDIO_SPACE not in active_runs(store):
        return vectors, None
    audio = read_active_vectors(store, AUDIO_SPACE)
    target = audio.run.params.get("target_space")
    target_run = audio.run.params.get("target_run")
    if target not in components or target_run != components[target].run.run_id:
        log.info("hybrid: audio run %d was trained against %s run %s, not a component run: "
                 "its artists are left out", audio.run.run_id, target, target_run)
        return vectors, None
    known = components[target]
    artists, placed = audio_tracks(store, audio).placed_artists(known.entity_ids)
    vectors[target] = ArtistVectors.sorted(np.concatenate([known.entity_ids, artists]),
                                           np.vstack([known.matrix, placed]))
    log.info("hybrid: %d artists placed in %s by audio run %d's sound join it",
             len(artists), target, audio.run.run_id)
    return vectors, PlacedBySound(audio.run, len(artists))


def components_params(components: dict[str, SpaceVectors]) -> dict:
    """What a hybrid run records of its components: enough to rebuild it on other listens."""
    return {name: {"run_id": space.run.run_id, "params": space.run.params}
            for name, space in components.items()}


def train_hybrid_space(store_path: Path, params: HybridParams, *, activate: bool) -> RunRecord:
    started_at = datetime.now(UTC)
    with Store.open(store_path) as store:
        components = active_components(store, params)
        if len(components) < 2:
            weighted = ", ".join(name for name, weight in params.weights.items() if weight > 0)
            raise UserError(
                f"a hybrid needs two trained spaces of {weighted}; {store_path} has "
                f"{', '.join(components) or 'none'} (train them with `sage train SPACE`)"
            )
        vectors, placed = with_artists_placed_by_sound(store, components)
    started = time.perf_counter()
    hybrid = combine(vectors, params.weights, ridge=params.ridge)
    timings = {"combine": time.perf_counter() - started}
    recorded_params = params.to_dict() | {"components": components_params(components)}
    sources = {name: space.run for name, space in components.items()}
    if placed is not None:
        recorded_params[PLACED_BY_SOUND] = {"audio_run": placed.run.run_id,
                                            "artists": placed.artists}
        sources["audio"] = placed.run
    run = RunRecord(
        space=SPACE,
        entity_kind="artist",
        params=recorded_params,
        data_fingerprint=fingerprint(np.array(
            [f"{name}:{run.data_fingerprint}" for name, run in sources.items()]
        )),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        timings=timings,
    )
    with Store.open(store_path) as store:
        recorded = record_run(store, run, hybrid.artist_ids, hybrid.vectors, activate=activate)
    log.info("recorded hybrid run %d of %s: %d artists x %d dims%s", recorded.run_id,
             " + ".join(f"{name} run {space.run.run_id}" for name, space in components.items()),
             len(hybrid.artist_ids), hybrid.vectors.shape[1], ", now active" if activate else "")
    return recorded
