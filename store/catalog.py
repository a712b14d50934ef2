"""Reading the catalog and the listening data as plain arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from store.db import Store


@dataclass(frozen=True)
class Listens:
    """The user x artist play counts, one entry per (user, artist) pair."""

    user_ids: np.ndarray  # int64
    artist_ids: np.ndarray  # int64
    plays: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.plays)


@dataclass(frozen=True)
class Taggings:
    """Who gave which tag to which artist, one entry per (user, artist, tag)."""

    user_ids: np.ndarray  # int64
    artist_ids: np.ndarray  # int64
    tag_ids: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.tag_ids)

    def without_users(self, user_ids: np.ndarray) -> Taggings:
        kept = ~np.isin(self.user_ids, user_ids)
        return Taggings(self.user_ids[kept], self.artist_ids[kept], self.tag_ids[kept])


@dataclass(frozen=True)
class ArtistCatalog:
    """Every artist with its names and popularity, sorted by artist id."""

    artist_ids: np.ndarray  # int64
    names: list[str]
    norm_names: list[str]
    listeners: np.ndarray  # int64, 0 for artists nobody listened to
    plays: np.ndarray  # int64
    urls: list[str | None] | None = None  # each artist's page (Last.fm), where known


def load_listens(store: Store) -> Listens:
    table = store.con.execute(
        "SELECT user_id, artist_id, plays FROM listens ORDER BY user_id, artist_id"
    ).to_arrow_table()
    return Listens(
        user_ids=table.column("user_id").to_numpy().astype(np.int64),
        artist_ids=table.column("artist_id").to_numpy().astype(np.int64),
        plays=table.column("plays").to_numpy().astype(np.int64),
    )


def load_taggings(store: Store) -> Taggings:
    table = store.con.execute(
        "SELECT user_id, artist_id, tag_id FROM user_tags ORDER BY user_id, artist_id, tag_id"
    ).fetchnumpy()
    return Taggings(*(table[column].astype(np.int64) for column in ("user_id", "artist_id", "tag_id")))


def load_artists(store: Store) -> ArtistCatalog:
    table = store.con.execute(
        """SELECT artist_id, name, norm_name, url,
                  coalesce(listeners, 0) AS listeners, coalesce(plays, 0) AS plays
           FROM artists LEFT JOIN artist_popularity USING (artist_id)
           ORDER BY artist_id"""
    ).to_arrow_table()
    return ArtistCatalog(
        artist_ids=table.column("artist_id").to_numpy().astype(np.int64),
        names=table.column("name").to_pylist(),
        norm_names=table.column("norm_name").to_pylist(),
        listeners=table.column("listeners").to_numpy().astype(np.int64),
        plays=table.column("plays").to_numpy().astype(np.int64),
        urls=table.column("url").to_pylist(),
    )


def load_aliases(store: Store) -> list[tuple[int, str]]:
    """Every (artist_id, alias) pair, in a stable order."""
    return store.con.execute(
        "SELECT artist_id, alias FROM artist_aliases ORDER BY artist_id, alias"
    ).fetchall()


@dataclass(frozen=True)
class ArtistTags:
    """How many people gave each artist each tag, one entry per (artist, tag) pair."""

    artist_ids: np.ndarray  # int64
    tag_ids: np.ndarray  # int64
    weights: np.ndarray  # float64
    tag_names: dict[int, str]  # every tag used above, by id

    def __len__(self) -> int:
        return len(self.weights)


def load_artist_tags(store: Store) -> ArtistTags:
    table = store.con.execute(
        "SELECT artist_id, tag_id, weight FROM artist_tags ORDER BY artist_id, tag_id"
    ).fetchnumpy()
    names = store.con.execute(
        "SELECT tag_id, name FROM tags WHERE tag_id IN (SELECT tag_id FROM artist_tags)"
    ).fetchall()
    return ArtistTags(
        artist_ids=table["artist_id"].astype(np.int64),
        tag_ids=table["tag_id"].astype(np.int64),
        weights=table["weight"].astype(np.float64),
        tag_names=dict(names),
    )


@dataclass(frozen=True)
class Playlists:
    """Every playlist with tracks, flat: playlist i's entries, in order, are rows
    offsets[i]:offsets[i + 1] of `track_ids` and `artist_ids`."""

    playlist_ids: np.ndarray  # int64, ascending
    offsets: np.ndarray  # int64 (len(playlist_ids) + 1,)
    track_ids: np.ndarray  # int32 per entry (the MPD has 66 million entries)
    artist_ids: np.ndarray  # int32 per entry: the artist of its track

    def __len__(self) -> int:
        return len(self.playlist_ids)

    @property
    def n_entries(self) -> int:
        return len(self.track_ids)


def load_playlists(store: Store) -> Playlists:
    """Playlists without tracks are left out."""
    table = store.con.execute(
        """SELECT p.playlist_id, p.track_id, t.artist_id
           FROM playlist_tracks p JOIN tracks t USING (track_id)
           ORDER BY p.playlist_id, p.pos"""
    ).fetchnumpy()
    entry_playlists = table["playlist_id"]
    starts = np.flatnonzero(np.diff(entry_playlists, prepend=-1))
    return Playlists(
        playlist_ids=entry_playlists[starts].astype(np.int64),
        offsets=np.r_[starts, len(entry_playlists)].astype(np.int64),
        track_ids=table["track_id"].astype(np.int32),
        artist_ids=table["artist_id"].astype(np.int32),
    )


def catalog_counts(store: Store) -> dict[str, int]:
    counts = {}
    for table in ("artists", "users", "listens", "tags", "artist_tags", "user_tags", "artist_edges",
                  "tracks", "playlists", "playlist_tracks"):
        counts[table] = store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return counts
