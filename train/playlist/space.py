"""`sage train playlist`: Artist2Vec over the store's playlists, recorded as a run.

Spaces: `playlist` (artist vectors) and `playlist-track` (track vectors, from MPD
playlists only). Without ingested playlists, the artist space learns from the listening
data instead, each user's artists read as one playlist, so the space exists on the
bundled data alone.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from store import Store
from store.catalog import load_listens, load_playlists
from store.errors import UserError
from store.runs import RunRecord, fingerprint, record_run
from train.playlist.corpus import listening_sentences, playlist_sentences, train_sentence_vectors
from train.playlist.params import PlaylistParams

log = logging.getLogger(__name__)

SPACES = {"artist": "playlist", "track": "playlist-track"}
Source = Literal["auto", "mpd", "listens"]
Entity = Literal["artist", "track"]


def train_playlist_space(
    store_path: Path,
    params: PlaylistParams,
    *,
    seed: int,
    workers: int,
    activate: bool,
    source: Source = "auto",
    entity: Entity = "artist",
) -> RunRecord:
    """Train on the store's MPD playlists ("mpd"), on its listens read as playlists
    ("listens"), or on the first of those the store has ("auto"). Track vectors need
    playlists. The store is only open to read and then to write."""
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    with Store.open(store_path) as store:
        source = _resolve_source(store, source, entity)
        if source == "mpd":
            sentences = playlist_sentences(load_playlists(store), entity)
        else:
            sentences = listening_sentences(load_listens(store))
    timings = {"load": time.perf_counter() - started}
    try:
        learned = train_sentence_vectors(
            sentences, params.word2vec, seed=seed, workers=workers, progress=True
        )
    except ValueError as exc:  # no playlist of two entries, or no entity reaches min_count
        raise UserError(f"cannot train on the {source} data of {store_path}: {exc}") from exc
    timings |= learned.timings

    run = RunRecord(
        space=SPACES[entity],
        entity_kind=entity,
        params=params.to_dict() | {"seed": seed, "source": source},
        data_fingerprint=fingerprint(sentences.offsets, sentences.tokens),
        started_at=started_at,
        finished_at=datetime.now(UTC),
        timings=timings,
    )
    with Store.open(store_path) as store:
        recorded = record_run(store, run, learned.entity_ids, learned.vectors, activate=activate)
    log.info(
        "recorded %s run %d: %d %s vectors from %s%s", run.space, recorded.run_id,
        len(learned.entity_ids), entity, source, ", now active" if activate else "",
    )
    return recorded


def _resolve_source(store: Store, source: Source, entity: Entity) -> str:
    has_playlists = store.con.execute("SELECT count(*) > 0 FROM playlist_tracks").fetchone()[0]
    if source == "auto":
        source = "mpd" if has_playlists or entity == "track" else "listens"
    if source == "mpd" and not has_playlists:
        raise UserError(f"{store.path} holds no playlists: run `sage ingest mpd` first")
    if source == "listens" and entity == "track":
        raise UserError("track vectors need playlists (listening data names no tracks)")
    has_listens = store.con.execute("SELECT count(*) > 0 FROM listens").fetchone()[0]
    if source == "listens" and not has_listens:
        raise UserError(f"{store.path} holds no listens: run `sage ingest` first")
    return source

