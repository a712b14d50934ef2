"""What a similar-artists service answers, and how one artist's fetch ended."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimilarArtist:
    name: str
    match: float  # the service's similarity score, 0..1
    mbid: str | None  # MusicBrainz id, when the service knows it
    url: str | None


@dataclass(frozen=True)
class SimilarArtists:
    """One answer: `artist` is the service's spelling of the name asked for (after autocorrect)."""

    artist: str
    similar: list[SimilarArtist]


@dataclass(frozen=True)
class QueueEntry:
    """An artist waiting to be fetched, `hops` similar-artist steps from the nearest seed."""

    norm_name: str
    name: str
    hops: int


@dataclass(frozen=True)
class Fetched:
    entry: QueueEntry
    answer: SimilarArtists


@dataclass(frozen=True)
class Missed:
    """A fetch that gave no list: the service does not know the name, or it kept failing."""

    entry: QueueEntry
    status: str  # "unknown" or "failed"
    reason: str


Outcome = Fetched | Missed


class ArtistNotFound(Exception):
    """The service answered that it does not know this artist."""


class FetchFailed(Exception):
    """No usable answer for this artist, even after retrying what was worth retrying."""
