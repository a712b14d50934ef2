"""Tracks for a query: `tracks like Fugazi, "Have Heart - Watch Me Rot" hate Creed`.

    resolve names (a band, or a track as "Band - Title") -> a taste in the track space
    -> the nearest tracks, one a band, none of a band named or disliked -> why

A band counts as its place in the track space (the mean direction of its tracks,
engine.track_space), a track as its own vector; the taste is built as engine.compose
builds one from bands. Ratings on a track answer are ratings of its bands (the bot
records each track's band), so 👎 on a track keeps its band out of later answers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from engine.compose import DEFAULT_BETA
from engine.query import Polarity
from engine.resolve import MatchKind, ResolvedQuery
from engine.track_space import TrackSpace

NO_TRACKS = ("This store has no track vectors: `sage ingest mpd` and `sage train "
             "playlist-track` make them.")
# A name matched exactly (or by alias, or but for spaces) is the band, not a track title.
_BAND_FIRST = (MatchKind.EXACT, MatchKind.ALIAS, MatchKind.SPACING)
# Tracks looked at per track answered: enough to find `k` of different bands.
_SHORTLIST = 50


@dataclass(frozen=True)
class TrackSeed:
    name: str  # as shown: the band, or "Band - Title"
    liked: bool
    weight: float
    vector: np.ndarray  # unit, in the track space
    artist_id: int  # the band, or the track's band
    track_id: int | None  # the track, for a track named


@dataclass(frozen=True)
class TrackItem:
    track_id: int
    artist_id: int
    title: str
    band: str
    url: str | None  # where it plays
    score: float  # its cosine to the taste
    why: str  # one line: the liked band or track it is closest to


@dataclass(frozen=True)
class TrackAnswer:
    text: str  # the query as typed
    seeds: tuple[TrackSeed, ...]
    items: tuple[TrackItem, ...]  # best first
    notes: tuple[str, ...]  # one line each, for the person who asked

    @property
    def likes(self) -> tuple[str, ...]:
        return tuple(seed.name for seed in self.seeds if seed.liked)

    @property
    def hates(self) -> tuple[str, ...]:
        return tuple(seed.name for seed in self.seeds if not seed.liked)


def answer_tracks(tracks: TrackSpace | None, understood: ResolvedQuery, text: str, *,
                  k: int = 10, exclude_ids: Collection[int] = ()) -> TrackAnswer:
    """Up to `k` tracks for what `understood` (engine.Engine.understand of `text`) names,
    none by a band in `exclude_ids` (the asker's dislikes); NO_TRACKS when the store has
    no track space."""
    if tracks is None:
        return TrackAnswer(text, (), (), (NO_TRACKS,))
    seeds, notes = _seeds(tracks, understood)
    liked = [seed for seed in seeds if seed.liked]
    if not liked:
        if not notes:
            notes.append('Tell me bands or tracks you like, e.g. "tracks like Fugazi, Slint".')
        elif not any(seed.liked for seed in seeds):
            notes.append("I need at least one band or track you like that has tracks here.")
        return TrackAnswer(text, tuple(seeds), (), tuple(dict.fromkeys(notes)))
    taste = _taste(seeds)
    if taste is None:
        notes.append("Your likes and hates cancel out: nothing is left to search for.")
        return TrackAnswer(text, tuple(seeds), (), tuple(dict.fromkeys(notes)))
    left_out = np.isin(tracks.artist_ids, [seed.artist_id for seed in seeds] + list(exclude_ids))
    scores = np.where(left_out, -np.inf, tracks.unit @ taste)
    shortlist = min(len(scores), _SHORTLIST * k)
    rows = np.argpartition(-scores, shortlist - 1)[:shortlist]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    items, bands = [], set()
    for row in rows.tolist():
        if len(items) == k or not np.isfinite(scores[row]):
            break
        if tracks.artist_ids[row] in bands:
            continue
        bands.add(int(tracks.artist_ids[row]))
        pick = tracks.picked(row, float(scores[row]))
        items.append(TrackItem(pick.track_id, pick.artist_id, pick.title, tracks.bands[row],
                               pick.url, pick.fit, _why(tracks.unit[row], liked)))
    return TrackAnswer(text, tuple(seeds), tuple(items), tuple(dict.fromkeys(notes)))


def _seeds(tracks: TrackSpace, understood: ResolvedQuery) -> tuple[list[TrackSeed], list[str]]:
    """The query's bands and tracks placed in the track space, and a note for each name
    that is neither, or has no tracks there."""
    seeds, notes = [], []
    notes += [problem.message for problem in understood.parsed.problems]
    for term in understood.terms:
        liked, weight = term.term.polarity is Polarity.LIKE, term.term.weight
        if term.tag is not None:
            notes.append(f"genres do not steer track answers yet: {term.tag.name} left out")
            continue
        artist = term.artist
        if artist is None or artist.match not in _BAND_FIRST:
            row = tracks.find(term.term.name)
            if row is not None:
                name = f"{tracks.bands[row]} - {tracks.titles[row]}"
                seeds.append(TrackSeed(name, liked, weight, tracks.unit[row],
                                       int(tracks.artist_ids[row]), int(tracks.track_ids[row])))
                continue
        if artist is None:
            notes.append(term.resolution.describe())
            continue
        places, found = tracks.artist_places([artist.artist_id])
        if not found[0]:
            notes.append(f"{artist.name} has no tracks here, so it is left out")
            continue
        seeds.append(TrackSeed(artist.name, liked, weight, places[0], artist.artist_id, None))
    return seeds, notes


def _taste(seeds: list[TrackSeed]) -> np.ndarray | None:
    """Weighted mean of the liked vectors minus DEFAULT_BETA times that of the hated ones,
    unit length (engine.compose); None when they cancel out."""
    def mean(chosen: list[TrackSeed]) -> np.ndarray:
        weights = np.array([seed.weight for seed in chosen])
        return weights @ np.stack([seed.vector for seed in chosen]) / weights.sum()

    liked = [seed for seed in seeds if seed.liked]
    hated = [seed for seed in seeds if not seed.liked]
    taste = mean(liked) - (DEFAULT_BETA * mean(hated) if hated else 0.0)
    norm = float(np.linalg.norm(taste))
    return (taste / norm).astype(np.float32) if norm > 1e-6 else None


def _why(vector: np.ndarray, liked: list[TrackSeed]) -> str:
    """The liked band or track it is closest to, and how close."""
    fits = [float(seed.vector @ vector) for seed in liked]
    best = int(np.argmax(fits))
    return f"close to {liked[best].name} ({fits[best]:.2f})"
