"""`sage ingest audio DIR`: record audio files, link each to the catalog, cache its features.

A file is identified by the sha256 of its bytes. Each one that decodes and names an
artist becomes a recording of a track:

- catalog_track: the catalog has the artist (by normalised name, then alias) and a track
  of theirs with the same normalised title;
- catalog_artist: the catalog has the artist but not the track: a new track (source
  'audio', source_key = the hash) under that artist;
- new_artist: nobody in the catalog: a new artist (source 'audio') and a new track. These
  have no listening data: the cold-start case the audio model is for.

A file that does not decode, or that nothing names an artist for, is recorded with its
reason and skipped; the batch goes on. Everything is written in one transaction after
the features are computed, so a failure leaves the store as it was, and ingesting the same
files again changes nothing (a moved file only gets its new path).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from store.catalog import load_aliases, load_artists
from store.db import Store
from store.errors import UserError
from store.names import normalize_name
from train.audio.discover import AUDIO_SUFFIXES, FoundFile, discover
from train.audio.features import FeatureCache, extract_features

log = logging.getLogger(__name__)

SOURCE = "audio"
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class IngestedFile:
    path: Path
    sha256: str
    artist: str | None
    title: str
    named_by: str  # manifest, tags, filename or none
    # ok, known (ingested before), duplicate (the same bytes as another file here),
    # undecodable or no_artist
    status: str
    reason: str | None = None
    track_id: int | None = None
    link: str | None = None  # catalog_track, catalog_artist or new_artist


@dataclass(frozen=True)
class AudioIngestReport:
    files: tuple[IngestedFile, ...]

    def with_status(self, status: str) -> list[IngestedFile]:
        return [f for f in self.files if f.status == status]

    def links(self) -> dict[str, int]:
        counts = {"catalog_track": 0, "catalog_artist": 0, "new_artist": 0}
        for file in self.with_status("ok"):
            counts[file.link] += 1
        return counts


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_audio(
    store_path: Path, directory: Path, *, feature_dir: Path, workers: int, progress: bool = True
) -> AudioIngestReport:
    found = discover(directory)
    if not found:
        kinds = ", ".join(sorted(suffix[1:] for suffix in AUDIO_SUFFIXES))
        raise UserError(f"no audio files ({kinds}) under {directory}")
    hashes = [
        file_sha256(f.path)
        for f in tqdm(found, unit="file", desc="hashing", disable=not progress or not found)
    ]
    with Store.open(store_path) as store:
        known = _known_files(store, hashes)
    extractions = extract_features(
        [(sha, f.path) for f, sha in zip(found, hashes, strict=True)],
        FeatureCache(feature_dir), workers=workers, progress=progress,
    )
    seen: set[str] = set()
    files = []
    for file, sha in zip(found, hashes, strict=True):
        if sha in seen:
            files.append(_entry(file, sha, "duplicate", "same bytes as another file here"))
        elif sha in known:
            files.append(_entry(file, sha, "known", track_id=known[sha]))
        elif (error := extractions[sha].error) is not None:
            files.append(_entry(file, sha, "undecodable", error))
        elif file.artist is None:
            files.append(_entry(file, sha, "no_artist",
                                "no artist in manifest.csv, tags or name (Artist - Title.ext)"))
        else:
            files.append(_entry(file, sha, "ok"))
        seen.add(sha)
    by_path = {f.path: f for f in found}
    with Store.open(store_path) as store, store.transaction() as con:
        linked = _link(con, store, files, by_path)
        _write_files(con, linked, by_path)
    report = AudioIngestReport(tuple(linked))
    for file in report.files:
        if file.status in ("undecodable", "no_artist"):
            log.warning("skipped %s: %s", file.path, file.reason)
    return report


def _entry(
    file: FoundFile, sha: str, status: str, reason: str | None = None, track_id: int | None = None
) -> IngestedFile:
    return IngestedFile(file.path, sha, file.artist, file.title, file.named_by, status, reason,
                        track_id)


def _known_files(store: Store, hashes: Sequence[str]) -> dict[str, int]:
    """Hash -> track of the files ingested before and linked; others are looked at again."""
    rows = store.con.execute(
        "SELECT sha256, track_id FROM audio_files WHERE status = 'ok' AND sha256 IN "
        "(SELECT unnest(?::VARCHAR[]))",
        [list(hashes)],
    ).fetchall()
    return dict(rows)


def _artist_keys(store: Store) -> dict[str, int]:
    """Normalised name (or alias) -> artist id. Where several artists share a name, the one
    most people listen to: mostly they are one band spelt twice."""
    catalog = load_artists(store)
    order = np.lexsort((catalog.artist_ids, -catalog.listeners))[::-1]  # best last wins
    keys = {normalize_name(alias): artist for artist, alias in load_aliases(store)}
    keys.update({catalog.norm_names[row]: int(catalog.artist_ids[row]) for row in order})
    return keys


def _link(
    con, store: Store, files: list[IngestedFile], found: dict[Path, FoundFile]
) -> list[IngestedFile]:
    """Give every ok file a track, creating artists and tracks the catalog lacks."""
    artist_keys = _artist_keys(store)
    next_artist = con.execute("SELECT coalesce(max(artist_id), 0) + 1 FROM artists").fetchone()[0]
    next_track = con.execute("SELECT coalesce(max(track_id), 0) + 1 FROM tracks").fetchone()[0]
    catalog_artists = set(artist_keys.values())
    new_artists: list[tuple[int, str, str]] = []
    new_tracks: list[tuple[int, int, str, str, str | None, str]] = []
    track_keys: dict[tuple[int, str], int] = {}
    ok = [f for f in files if f.status == "ok"]
    for file in ok:
        key = normalize_name(file.artist)
        if key not in artist_keys:
            artist_keys[key] = next_artist
            new_artists.append((next_artist, file.artist, key))
            next_artist += 1
    candidates = sorted({artist_keys[normalize_name(f.artist)] for f in ok} & catalog_artists)
    for track_id, artist_id, norm_title in con.execute(
        "SELECT track_id, artist_id, norm_title FROM tracks "
        "WHERE artist_id IN (SELECT unnest(?::INTEGER[])) ORDER BY track_id DESC",
        [candidates],
    ).fetchall():
        track_keys[(artist_id, norm_title)] = track_id  # descending: the oldest track wins
    catalog_tracks = set(track_keys.values())
    linked = []
    for file in files:
        if file.status != "ok":
            linked.append(file)
            continue
        artist_id = artist_keys[normalize_name(file.artist)]
        track_key = (artist_id, normalize_name(file.title))
        if track_key not in track_keys:
            track_keys[track_key] = next_track
            album = found[file.path].tags.album
            new_tracks.append((next_track, artist_id, file.title, track_key[1], album, file.sha256))
            next_track += 1
        track_id = track_keys[track_key]
        if track_id in catalog_tracks:
            link = "catalog_track"
        else:
            link = "catalog_artist" if artist_id in catalog_artists else "new_artist"
        linked.append(replace(file, track_id=track_id, link=link))
    if new_artists:
        con.executemany(
            "INSERT INTO artists VALUES (?, ?, ?, NULL, ?, ?)",
            [(artist_id, name, key, SOURCE, key) for artist_id, name, key in new_artists],
        )
    if new_tracks:
        con.executemany(
            "INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*track, SOURCE, sha) for *track, sha in new_tracks],
        )
        log.info("audio ingest: %d new artists, %d new tracks", len(new_artists), len(new_tracks))
    return linked


def _write_files(con, files: list[IngestedFile], found: dict[Path, FoundFile]) -> None:
    if moved := [(str(f.path), f.sha256) for f in files if f.status == "known"]:
        con.executemany("UPDATE audio_files SET path = ? WHERE sha256 = ?", moved)
    fresh = [f for f in files if f.status in ("ok", "undecodable", "no_artist")]
    now = datetime.now(UTC)
    table = pa.table({
        "sha256": [f.sha256 for f in fresh],
        "path": [str(f.path) for f in fresh],
        "bytes": pa.array([f.path.stat().st_size for f in fresh], pa.int64()),
        "tag_artist": pa.array([found[f.path].tags.artist for f in fresh], pa.string()),
        "tag_title": pa.array([found[f.path].tags.title for f in fresh], pa.string()),
        "tag_album": pa.array([found[f.path].tags.album for f in fresh], pa.string()),
        "artist": pa.array([f.artist for f in fresh], pa.string()),
        "title": [f.title for f in fresh],
        "named_by": [f.named_by for f in fresh],
        "status": [f.status for f in fresh],
        "reason": pa.array([f.reason for f in fresh], pa.string()),
        "track_id": pa.array([f.track_id for f in fresh], pa.int32()),
        "link": pa.array([f.link for f in fresh], pa.string()),
    })
    con.register("incoming_audio_files", table)
    try:
        # A file that failed before (or named no artist) is looked at again: its row is
        # brought up to date and keeps the time it was first added.
        con.execute(
            """INSERT INTO audio_files
               SELECT sha256, path, bytes, tag_artist, tag_title, tag_album, artist, title,
                      named_by, status, reason, track_id, link, ?
               FROM incoming_audio_files
               ON CONFLICT (sha256) DO UPDATE SET
                   path = excluded.path, tag_artist = excluded.tag_artist,
                   tag_title = excluded.tag_title, tag_album = excluded.tag_album,
                   artist = excluded.artist, title = excluded.title,
                   named_by = excluded.named_by, status = excluded.status,
                   reason = excluded.reason, track_id = excluded.track_id, link = excluded.link""",
            [now],
        )
    finally:
        con.unregister("incoming_audio_files")
