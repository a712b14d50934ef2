"""Merging a batch of playlists into the store: artists, tracks, playlists and their entries.

Runs inside the caller's transaction, one per batch. The batch is staged as Arrow tables
and merged with set-based SQL: artists match the catalog by normalised name, tracks by
(source, URI), playlists by (source, id). Merging the same batch again writes nothing: a
known playlist is rewritten only when its tracks differ. Staged tables are Arrow tables
that DuckDB reads in place (registered), never copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from store.names import normalize_name


@dataclass(frozen=True)
class PlaylistBatch:
    """Playlists column-wise: per playlist its id, name and length; per entry (playlist by
    playlist, in order) the track and its artist."""

    pids: np.ndarray  # int64, the source's playlist ids
    names: pa.StringArray
    lengths: np.ndarray  # int64, entries of each playlist
    artist_names: pa.StringArray
    track_names: pa.StringArray
    track_uris: pa.StringArray
    artist_uris: pa.StringArray  # null where the source does not say
    album_names: pa.StringArray  # null where the source does not say

    @property
    def n_playlists(self) -> int:
        return len(self.pids)

    @property
    def n_entries(self) -> int:
        return len(self.track_uris)

    @classmethod
    def concat(cls, batches: Sequence[PlaylistBatch]) -> PlaylistBatch:
        def strings(name: str) -> pa.StringArray:
            return pa.concat_arrays([getattr(batch, name) for batch in batches])

        return cls(
            pids=np.concatenate([batch.pids for batch in batches]),
            names=strings("names"),
            lengths=np.concatenate([batch.lengths for batch in batches]),
            artist_names=strings("artist_names"),
            track_names=strings("track_names"),
            track_uris=strings("track_uris"),
            artist_uris=strings("artist_uris"),
            album_names=strings("album_names"),
        )


def merge_playlists(con: duckdb.DuckDBPyConnection, batch: PlaylistBatch, *, source: str) -> None:
    """Merge `batch` through `con`, which must be inside a transaction."""
    # Distinct artists and tracks are found with Arrow's dictionary encoding, in order of
    # first appearance, so "the first entry's name" needs no ordered SQL aggregate.
    artist_norms = _normalized(batch.artist_names)
    artist_codes, artist_firsts = _codes(artist_norms)
    incoming_artists = pa.table({
        "ord": np.arange(len(artist_firsts)),
        "norm_name": artist_norms.take(artist_firsts),
        "name": batch.artist_names.take(artist_firsts),
        "uri": batch.artist_uris.take(artist_firsts),
    })
    artist_ids = _artist_ids(con, incoming_artists, source)

    track_codes, track_firsts = _codes(batch.track_uris)
    incoming_tracks = pa.table({
        "ord": np.arange(len(track_firsts)),
        "uri": batch.track_uris.take(track_firsts),
        "title": batch.track_names.take(track_firsts),
        "album": batch.album_names.take(track_firsts),
        "artist_id": artist_ids[artist_codes[track_firsts]],
    })
    track_ids = _track_ids(con, incoming_tracks, source)

    incoming_playlists = pa.table({
        "ord": np.arange(batch.n_playlists),
        "source_key": pa.array(batch.pids).cast(pa.string()),
        "name": batch.names,
    })
    playlist_ids, is_new = _playlist_ids(con, incoming_playlists, source)
    starts = np.cumsum(batch.lengths) - batch.lengths
    incoming_entries = pa.table({
        "playlist_id": np.repeat(playlist_ids, batch.lengths),
        "pos": (np.arange(batch.n_entries) - np.repeat(starts, batch.lengths)).astype(np.int32),
        "track_id": track_ids[track_codes],
    })
    _write_entries(con, incoming_entries, pa.table({"playlist_id": playlist_ids[~is_new]}))


def _codes(keys: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's key as a number (keys numbered in order of first appearance), and the
    entry where each key first appears."""
    codes = keys.dictionary_encode().indices.to_numpy()
    _, firsts = np.unique(codes, return_index=True)
    return codes, firsts


@lru_cache(maxsize=1 << 20)
def _normalize_cached(name: str) -> str:
    # Artist names repeat from batch to batch; the cache does the work once per name.
    return normalize_name(name)


def _normalized(names: pa.StringArray) -> pa.StringArray:
    """normalize_name of each entry, computed once per distinct name."""
    distinct = pc.unique(names)
    norms = pa.array([_normalize_cached(name) for name in distinct.to_pylist()], pa.string())
    return norms.take(pc.index_in(names, value_set=distinct))


def _ids(
    con: duckdb.DuckDBPyConnection, found: dict[str, np.ndarray], n: int, table: str, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Store ids of `n` incoming rows: those `found` (columns ord and id), and for the rest
    new ids numbered on from the table's largest in incoming order; and which are new."""
    ids = np.full(n, -1, dtype=np.int64)
    ids[found["ord"]] = found["id"]
    is_new = ids < 0
    largest = con.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]
    ids[is_new] = largest + 1 + np.arange(is_new.sum())
    return ids, is_new


def _artist_ids(
    con: duckdb.DuckDBPyConnection, incoming_artists: pa.Table, source: str
) -> np.ndarray:
    """An incoming artist is the oldest catalog artist of the same normalised name, else a
    new one named and keyed as its first entry has it (by URI where the source gives one)."""
    with _staged(con, incoming_artists=incoming_artists):
        found = con.execute(
            """SELECT i.ord, min(a.artist_id) AS id FROM incoming_artists i
               JOIN artists a USING (norm_name) GROUP BY i.ord"""
        ).fetchnumpy()
    ids, is_new = _ids(con, found, len(incoming_artists), "artists", "artist_id")
    new_artists = incoming_artists.filter(is_new).append_column("artist_id", pa.array(ids[is_new]))
    with _staged(con, new_artists=new_artists):
        con.execute(
            """INSERT INTO artists
               SELECT artist_id, name, norm_name, NULL, $source, coalesce(uri, norm_name)
               FROM new_artists""",
            {"source": source},
        )
    return ids


def _track_ids(
    con: duckdb.DuckDBPyConnection, incoming_tracks: pa.Table, source: str
) -> np.ndarray:
    """An incoming track is the known track of its URI, else a new one with the artist,
    title and album of its first entry."""
    with _staged(con, incoming_tracks=incoming_tracks):
        found = con.execute(
            """SELECT i.ord, t.track_id AS id FROM incoming_tracks i
               JOIN tracks t ON t.source = $source AND t.source_key = i.uri""",
            {"source": source},
        ).fetchnumpy()
    ids, is_new = _ids(con, found, len(incoming_tracks), "tracks", "track_id")
    new_tracks = incoming_tracks.filter(is_new)
    # Titles are normalised for new tracks only: most entries of a batch are known tracks.
    new_tracks = new_tracks.append_column("track_id", pa.array(ids[is_new])).append_column(
        "norm_title", _normalized(new_tracks["title"].combine_chunks())
    )
    with _staged(con, new_tracks=new_tracks):
        con.execute(
            """INSERT INTO tracks
               SELECT track_id, artist_id, title, norm_title, album, $source, uri
               FROM new_tracks""",
            {"source": source},
        )
    return ids


def _playlist_ids(
    con: duckdb.DuckDBPyConnection, incoming_playlists: pa.Table, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each incoming playlist's id, and whether it is new; known ones take the new name."""
    with _staged(con, incoming_playlists=incoming_playlists):
        found = con.execute(
            """SELECT i.ord, p.playlist_id AS id FROM incoming_playlists i
               JOIN playlists p ON p.source = $source AND p.source_key = i.source_key""",
            {"source": source},
        ).fetchnumpy()
    ids, is_new = _ids(con, found, len(incoming_playlists), "playlists", "playlist_id")
    with_ids = incoming_playlists.append_column("playlist_id", pa.array(ids))
    with _staged(con, new_playlists=with_ids.filter(is_new),
                 known_playlists=with_ids.filter(~is_new)):
        con.execute(
            """INSERT INTO playlists SELECT playlist_id, name, $source, source_key
               FROM new_playlists""",
            {"source": source},
        )
        con.execute(
            """UPDATE playlists SET name = k.name FROM known_playlists k
               WHERE playlists.playlist_id = k.playlist_id AND playlists.name <> k.name"""
        )
    return ids, is_new


def _write_entries(
    con: duckdb.DuckDBPyConnection, incoming_entries: pa.Table, known: pa.Table
) -> None:
    """Writes the entries of new playlists, and of `known` playlists whose tracks differ."""
    with _staged(con, incoming_entries=incoming_entries, known=known):
        changed = con.execute(
            """WITH stored AS (
                   SELECT playlist_id, list(track_id ORDER BY pos) AS tracks
                   FROM playlist_tracks WHERE playlist_id IN (SELECT playlist_id FROM known)
                   GROUP BY playlist_id),
               incoming AS (
                   SELECT playlist_id, list(track_id ORDER BY pos) AS tracks
                   FROM incoming_entries WHERE playlist_id IN (SELECT playlist_id FROM known)
                   GROUP BY playlist_id)
               SELECT playlist_id FROM known
               LEFT JOIN stored s USING (playlist_id) LEFT JOIN incoming i USING (playlist_id)
               WHERE s.tracks IS DISTINCT FROM i.tracks"""
        ).to_arrow_table()
        with _staged(con, changed=changed):
            con.execute(
                "DELETE FROM playlist_tracks WHERE playlist_id IN (SELECT playlist_id FROM changed)"
            )
            con.execute(
                """INSERT INTO playlist_tracks SELECT playlist_id, pos, track_id
                   FROM incoming_entries
                   WHERE playlist_id NOT IN (SELECT playlist_id FROM known)
                      OR playlist_id IN (SELECT playlist_id FROM changed)"""
            )


@contextmanager
def _staged(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """The Arrow tables readable by name in SQL for the duration of the block."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)
