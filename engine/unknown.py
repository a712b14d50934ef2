"""What Sage says of a band it does not know: what its catalog is, what it learned, and
how the band can be added."""

from __future__ import annotations

from dataclasses import dataclass

from store.db import Store
from train.crawl.lastfm import API_KEY_ENV

# What each source of artists is, in words (artists.source; see train/ingest, train/crawl).
SOURCES = {
    "hetrec": "Last.fm listening data of 2011",
    "lastfm": "Last.fm's similar artists",
    "listens": "listening data",
    "mpd": "Spotify playlists",
    "audio": "audio files",
}


@dataclass(frozen=True)
class Outcome:
    """What came of one unknown name: learned, too few, unknown (to the service too),
    failed, pending (still looking) or off (no service)."""

    asked: str
    state: str
    name: str | None = None  # the service's spelling
    related: tuple[str, ...] = ()  # known similar artists, strongest first
    known: int = 0  # how many similar artists the catalog knows
    reason: str | None = None


def describe_catalog(store: Store) -> str:
    """"17,632 artists from Last.fm listening data of 2011", from the store's artists."""
    counts = store.con.execute(
        "SELECT source, count(*) FROM artists GROUP BY source ORDER BY count(*) DESC, source"
    ).fetchall()
    total = sum(n for _, n in counts)
    if not counts:
        return "empty"
    if len(counts) == 1:
        return f"{total:,} artists from {SOURCES.get(counts[0][0], counts[0][0])}"
    parts = [f"{n:,} from {SOURCES.get(source, source)}" for source, n in counts]
    return f"{total:,} artists: " + ", ".join(parts)


def learned_note(outcome: Outcome) -> str:
    related = ", ".join(outcome.related)
    more = " …" if outcome.known > len(outcome.related) else ""
    return (f"I didn't know {outcome.name}; Last.fm relates it to {related}{more}: here is "
            "what I'd recommend.")


def unknown_note(outcome: Outcome, catalog: str) -> str:
    """The honest answer for a band that is not placed: one line."""
    said = f"I don't know {outcome.asked}: my catalog is {catalog}."
    add = f'A maintainer can add it with `sage add "{outcome.asked}"`'
    if outcome.state == "off":
        return f"{said} {add}, or set {API_KEY_ENV} so that I learn bands like it by myself."
    if outcome.state == "pending":
        return f"{said} I'm still looking it up on Last.fm: ask again in a moment."
    if outcome.state == "unknown":
        return f"{said} Last.fm doesn't know it either; check the spelling."
    if outcome.state == "too few":
        known = ", ".join(outcome.related) or "none"
        return (f"{said} Last.fm relates {outcome.name} to only {outcome.known} bands I know "
                f"({known}): too few to place it.")
    return (f"{said} I couldn't look it up on Last.fm ({_short(outcome.reason)}); I'll try "
            "again tomorrow.")


def _short(reason: str | None) -> str:
    """The first clause of a service's reason: a note is one line."""
    text = " ".join((reason or "no reason given").split())
    return text if len(text) <= 120 else text[:117] + "..."
