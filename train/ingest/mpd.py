"""The Million Playlist Dataset's JSON slices: playlists of tracks whose artists are named.

A slice is `{"playlists": [{"pid", "name", "tracks": [{"artist_name", "track_name",
"track_uri", optional "artist_uri", "album_name", ...}]}]}`; a PATH is a slice file (plain
or gzipped), a folder of them (searched recursively, as the MPD's `data/` folder), or a tar
archive of them (any compression), read member by member without unpacking. A track's
position is its index in the slice's list, which is what the MPD's `pos` field says too.

Memory stays bounded by one slice file: each is parsed with `json.loads` (a real slice of
1,000 playlists is ~33 MB of text, a few hundred MB as Python objects) and turned into
Arrow columns at once; the columns of a few files are merged into the store as one batch
of about `BATCH_ENTRIES` playlist entries, one transaction per batch. One transaction for
the whole ingest is not an option: DuckDB holds uncommitted rows in memory it cannot
spill (measured: 1.3 GB at 120,000 playlists, and out-of-memory under a 400 MB limit), so
all-or-nothing comes from a first pass that parses and checks every file before the
second pass writes anything. A bad file thus leaves the store as it was; an ingest cut
short while writing leaves whole batches, and running it again completes it. The first
`KEPT_ENTRIES` entries are kept from the check, so a small ingest is parsed only once.
"""

from __future__ import annotations

import gzip
import json
import logging
import tarfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from store.db import Store
from train.ingest.tables import IngestError
from train.ingest.write_playlists import PlaylistBatch, merge_playlists

log = logging.getLogger(__name__)

SOURCE = "mpd"
# About four real slice files: big enough that the per-batch SQL is noise, small enough
# that the batch's Arrow columns stay far below one parsed slice's Python objects.
BATCH_ENTRIES = 250_000
# The check keeps the columns of the first files, up to this many entries (85-150 MB at
# 85-150 bytes an entry), for the write to use instead of parsing them again.
KEPT_ENTRIES = 1_000_000
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_REQUIRED_TEXT = ("artist_name", "track_name", "track_uri")
_OPTIONAL_TEXT = ("artist_uri", "album_name")


@dataclass(frozen=True)
class IngestCounts:
    files: int
    playlists: int
    entries: int  # playlist entries, i.e. (playlist, position) pairs
    new_artists: int
    new_tracks: int
    new_playlists: int


def ingest_mpd(store_path: Path, paths: Sequence[Path], *, progress: bool = False) -> IngestCounts:
    """Merge every slice under `paths` into the store at `store_path`.

    Artists are matched to the catalog by normalised name; unknown names become artists
    of source "mpd". Tracks are matched by track URI and playlists by pid, so ingesting
    the same slices again changes nothing; a known pid that comes with other tracks has
    them replaced. Raises IngestError (naming the file, and the line, playlist or track)
    for anything malformed before the store is even opened.
    """
    files = _slice_paths(paths)
    n_files = n_playlists = n_entries = 0
    seen_pids: set[int] = set()
    kept: list[PlaylistBatch] = []
    for where, raw in tqdm(_read_slices(files), desc="checking", unit="file",
                           disable=not progress):
        batch = parse_slice(raw, where)
        _check_new_pids(batch.pids, seen_pids, where)
        n_files += 1
        n_playlists += batch.n_playlists
        n_entries += batch.n_entries
        if n_entries <= KEPT_ENTRIES:
            kept.append(batch)

    log.info("checked %d slice files: %d playlists, %d entries; writing", n_files, n_playlists,
             n_entries)
    rest = (parse_slice(raw, where) for where, raw in islice(_read_slices(files), len(kept), None))
    with Store.open(store_path) as store, tqdm(
        total=n_playlists, desc="writing", unit="playlist", disable=not progress
    ) as bar:
        before = _row_counts(store)
        pending: list[PlaylistBatch] = []
        pending_entries = 0
        for batch in chain(kept, rest):
            pending.append(batch)
            pending_entries += batch.n_entries
            if pending_entries >= BATCH_ENTRIES:
                bar.update(_write(store, pending))
                pending, pending_entries = [], 0
        bar.update(_write(store, pending))
        after = _row_counts(store)
    return IngestCounts(
        files=n_files,
        playlists=n_playlists,
        entries=n_entries,
        new_artists=after["artists"] - before["artists"],
        new_tracks=after["tracks"] - before["tracks"],
        new_playlists=after["playlists"] - before["playlists"],
    )


def _write(store: Store, batches: list[PlaylistBatch]) -> int:
    if not batches:
        return 0
    batch = PlaylistBatch.concat(batches)
    with store.transaction() as con:
        merge_playlists(con, batch, source=SOURCE)
    return batch.n_playlists


def _check_new_pids(pids: np.ndarray, seen: set[int], where: str) -> None:
    """A pid met twice in one ingest is an error: one playlist would replace the other."""
    for pid in pids.tolist():
        if pid in seen:
            raise IngestError(where, None, f"pid {pid} appears twice in the files ingested")
        seen.add(pid)


def _row_counts(store: Store) -> dict[str, int]:
    return {
        table: store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("artists", "tracks", "playlists")
    }


def _slice_paths(paths: Sequence[Path]) -> list[Path]:
    """Every slice file or archive under `paths`, each once even when named twice."""
    found: dict[Path, Path] = {}  # resolved -> as named
    for path in paths:
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.name.endswith((".json", ".json.gz"))
            )
            if not files:
                raise IngestError(path, None, "no .json or .json.gz files in this folder")
        elif path.is_file():
            files = [path]
        else:
            raise IngestError(path, None, "no such file or folder")
        for file in files:
            found.setdefault(file.resolve(), file)
    return list(found.values())


def _read_slices(files: list[Path]) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of every slice, one file at a time."""
    for file in files:
        if file.name.endswith(_ARCHIVE_SUFFIXES):
            yield from _archive_members(file)
        else:
            yield str(file), _read_maybe_gzipped(file)


def _read_maybe_gzipped(path: Path) -> bytes:
    """Gzip is recognised by its magic bytes, so a .json that is really gzipped works too."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IngestError(path, None, f"truncated or corrupt gzip data ({exc})") from exc


def _archive_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """The .json members of a tar archive, streamed in archive order."""
    found = False
    try:
        with tarfile.open(path, "r|*") as archive:
            for member in archive:
                if not (member.isfile() and member.name.endswith(".json")):
                    continue
                found = True
                yield f"{path}:{member.name}", archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise IngestError(path, None, f"truncated or corrupt archive ({exc})") from exc
    if not found:
        raise IngestError(path, None, "the archive holds no .json files")


def parse_slice(raw: bytes, where: str) -> PlaylistBatch:
    """One slice file's playlists as columns, after checking every field the store needs."""
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise IngestError(where, exc.lineno, f"malformed or truncated JSON ({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise IngestError(where, None, f"not UTF-8 text ({exc.reason})") from None
    playlists = document.get("playlists") if isinstance(document, dict) else None
    if not isinstance(playlists, list):
        raise IngestError(where, None, 'not an MPD slice: no "playlists" list at the top')
    try:
        return _columns(playlists)
    except (KeyError, TypeError, ValueError, pa.ArrowException):
        # The fast path only says that something is wrong; find what, to say it.
        raise IngestError(where, None, _first_problem(playlists)) from None


def _columns(playlists: list) -> PlaylistBatch:
    """Raises on the first malformed field without saying where: see `_first_problem`."""
    pids = [playlist["pid"] for playlist in playlists]
    if not all(type(pid) is int and pid >= 0 for pid in pids):
        raise ValueError("bad pid")
    track_lists = [playlist["tracks"] for playlist in playlists]
    if not all(type(tracks) is list for tracks in track_lists):
        raise TypeError("tracks is not a list")
    tracks = [track for tracks in track_lists for track in tracks]
    text = {
        key: pa.array([track[key] for track in tracks], pa.string()) for key in _REQUIRED_TEXT
    }
    text |= {
        key: pa.array([track.get(key) for track in tracks], pa.string()) for key in _OPTIONAL_TEXT
    }
    for key in _REQUIRED_TEXT:
        if text[key].null_count:
            raise ValueError(f"null {key}")
    for key in ("artist_name", "track_uri"):
        if pc.any(pc.equal(pc.utf8_length(text[key]), 0)).as_py():
            raise ValueError(f"empty {key}")
    names = pa.array([playlist["name"] for playlist in playlists], pa.string())
    if names.null_count:
        raise ValueError("null name")
    return PlaylistBatch(
        pids=np.array(pids, dtype=np.int64),
        names=names,
        lengths=np.array([len(tracks) for tracks in track_lists], dtype=np.int64),
        artist_names=text["artist_name"],
        track_names=text["track_name"],
        track_uris=text["track_uri"],
        artist_uris=text["artist_uri"],
        album_names=text["album_name"],
    )


def _first_problem(playlists: list) -> str:
    for i, playlist in enumerate(playlists):
        if not isinstance(playlist, dict):
            return f"playlist {i} is not a JSON object"
        pid = playlist.get("pid")
        if type(pid) is not int or pid < 0:
            return f"playlist {i}: pid must be a whole number ≥ 0, found {pid!r}"
        at = f"playlist {i} (pid {pid})"
        if not isinstance(playlist.get("name"), str):
            return f"{at}: name must be text, found {playlist.get('name')!r}"
        tracks = playlist.get("tracks")
        if not isinstance(tracks, list):
            return f"{at}: tracks must be a list, found {tracks!r}"
        for j, track in enumerate(tracks):
            if not isinstance(track, dict):
                return f"{at}, track {j}: not a JSON object"
            for key in _REQUIRED_TEXT:
                if key not in track:
                    return f"{at}, track {j}: no {key}"
            for key in (*_REQUIRED_TEXT, *_OPTIONAL_TEXT):
                value = track.get(key)
                if key in track and not isinstance(value, str) and not (
                    key in _OPTIONAL_TEXT and value is None
                ):
                    return f"{at}, track {j}: {key} must be text, found {value!r}"
            for key in ("artist_name", "track_uri"):
                if not track[key]:
                    return f"{at}, track {j}: {key} is empty"
    return "malformed playlists"
