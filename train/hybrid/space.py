"""`sage train hybrid`: combine the active runs of the component spaces into one run.

Nothing is learned from listens here: the hybrid is a pure function of its components'
vectors and its weights, so the run records which component runs it was built from
(with their settings, to score it on held-out listens later).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from store import Store
from store.errors import StoreError, UserError
from store.runs import RunRecord, SpaceVectors, fingerprint, load_space, record_run
from train.evaluate.served import ArtistVectors
from train.hybrid.combine import combine
from train.hybrid.params import HybridParams

log = logging.getLogger(__name__)

SPACE = "hybrid"


def active_components(store: Store, params: HybridParams) -> dict[str, SpaceVectors]:
    """The active run of each weighted component that has one (and holds artists)."""
    found = {}
    for name, weight in params.weights.items():
        if weight <= 0:
            continue
        try:
            space = load_space(store, name)
        except StoreError:
            log.warning("hybrid: no trained %s space, left out", name)
            continue
        if space.run.entity_kind != "artist":
            log.warning("hybrid: the %s space holds %ss, left out", name, space.run.entity_kind)
            continue
        found[name] = space
    return found


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
    started = time.perf_counter()
    hybrid = combine(
        {name: ArtistVectors.sorted(space.entity_ids, space.matrix)
         for name, space in components.items()},
        params.weights, ridge=params.ridge,
    )
    timings = {"combine": time.perf_counter() - started}
    run = RunRecord(
        space=SPACE,
        entity_kind="artist",
        params=params.to_dict() | {"components": components_params(components)},
        data_fingerprint=fingerprint(np.array(
            [f"{name}:{space.run.data_fingerprint}" for name, space in components.items()]
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
