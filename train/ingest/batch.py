"""What every source produces: a catalog batch keyed by the source's own ids."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CatalogBatch:
    """Rows from one source, before they are given store ids.

    Artists are keyed by `artist_key`: the source's id where it has one, else the
    normalised name. With `match_artists_by_name`, keys are matched against every artist
    already in the catalog by normalised name, so a CSV naming "Minor Threat" reuses the
    artist that the Last.fm data brought.
    """

    source: str
    match_artists_by_name: bool
    artists: list[tuple[str, str, str | None]] = field(default_factory=list)  # key, name, url
    users: list[str] = field(default_factory=list)
    listens: list[tuple[str, str, int]] = field(default_factory=list)  # user, artist, plays
    tags: list[tuple[str, str]] = field(default_factory=list)  # key, name
    artist_tags: list[tuple[str, str, float]] = field(default_factory=list)  # artist, tag, weight
    user_tags: list[tuple[str, str, str]] = field(default_factory=list)  # user, artist, tag
