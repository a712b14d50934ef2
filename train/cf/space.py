"""`sage train cf`: factorise the store's listens and record the artist factors as a run."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from store import Store
from store.catalog import load_listens
from store.errors import UserError
from store.runs import RunRecord, fingerprint, record_run
from train.cf.factors import artist_factors
from train.cf.params import CfParams

log = logging.getLogger(__name__)

SPACE = "cf"


def train_cf_space(store_path: Path, params: CfParams, *, seed: int, activate: bool) -> RunRecord:
    """Train on every listen in the store; the store is only open to read, then to write."""
    started_at = datetime.now(UTC)
    with Store.open(store_path) as store:
        listens = load_listens(store)
    if len(listens) == 0:
        raise UserError(f"{store_path} holds no listens: run `sage ingest` first")
    started = time.perf_counter()
    factors = artist_factors(listens, params, seed=seed)
    timings = {"factorise": time.perf_counter() - started}
    run = RunRecord(
        space=SPACE,
        entity_kind="artist",
        params=params.to_dict() | {"seed": seed},
        data_fingerprint=fingerprint(listens.user_ids, listens.artist_ids, listens.plays),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        timings=timings,
    )
    with Store.open(store_path) as store:
        recorded = record_run(store, run, factors.artist_ids, factors.vectors, activate=activate)
    log.info("recorded cf run %d: %d artists x %d factors in %.1fs%s", recorded.run_id,
             len(factors.artist_ids), params.factors, timings["factorise"],
             ", now active" if activate else "")
    return recorded
