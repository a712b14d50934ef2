"""Tracks placed by their sound: the `audio` space in the artist space the engine searches.

An audio run (train/audio/space.py) gives every ingested audio track a vector in its target
space: the known one, or, for a track whose artist the space has no vector for (nobody
has listened to them: the cold start), one the network predicted from the sound. Here:

- each such artist gets a row in the searched space: the mean direction of its tracks'
  predicted vectors. It can then be recommended, and named in a query, like any other;
- a query may name an audio track, as "Artist - Title" (quoted: a dash reads as "hate")
  or by a title only one audio track has; the track stands for its artist, whose vector
  is the track's (for a new artist with one track, exactly its predicted vector).

Only an audio run trained against the space's active run is used: a retrained target
space has new axes, and vectors predicted for the old ones would land anywhere.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace

import numpy as np

from engine.resolve import Candidate, MatchKind, Resolution, ResolvedQuery, Status
from engine.space import LoadedSpace
from store.db import Store
from store.names import normalize_name
from store.runs import SpaceVectors, active_runs, get_run, read_active_vectors

log = logging.getLogger(__name__)

AUDIO_SPACE = "audio"
# The key of a hybrid run's params naming the audio run its artists placed by sound came from.
PLACED_BY_SOUND = "placed_by_sound"
# A name matched exactly (or by alias, or but for spaces) is the artist, not a track title.
_ARTIST_FIRST = (MatchKind.EXACT, MatchKind.ALIAS, MatchKind.SPACING)


class AudioTracks:
    """The active audio run's tracks, in the target space. Built once; never changed."""

    def __init__(
        self,
        run_id: int,
        track_ids: np.ndarray,
        artist_ids: np.ndarray,
        artist_names: list[str],
        titles: list[str],
        predicted: np.ndarray,
        vectors: np.ndarray,
    ):
        self.run_id = run_id
        self.track_ids = np.asarray(track_ids, dtype=np.int64)
        self.artist_ids = np.asarray(artist_ids, dtype=np.int64)
        pairs = zip(artist_names, titles, strict=True)
        self.names = [f"{artist} - {title}" for artist, title in pairs]
        self.predicted = np.asarray(predicted, dtype=bool)  # placed by sound, not by listening
        vectors = np.asarray(vectors, dtype=np.float32)
        self.unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self._full_keys = {normalize_name(name): index for index, name in enumerate(self.names)}
        title_keys = [normalize_name(title) for title in titles]
        counts = Counter(title_keys)
        self._title_keys = {key: i for i, key in enumerate(title_keys) if counts[key] == 1}

    def placed_by_sound(self, artist_ids: np.ndarray) -> np.ndarray:
        """Whether each artist is in the space for its tracks' sound alone."""
        return np.isin(artist_ids, self.artist_ids[self.predicted])

    def placed_artists(self, known_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The artists outside `known_ids` with tracks placed by sound, ascending, and each
        one's vector: the sum (so the mean direction) of those tracks' unit vectors."""
        new = self.predicted & ~np.isin(self.artist_ids, known_ids)
        artists, inverse = np.unique(self.artist_ids[new], return_inverse=True)
        sums = np.zeros((len(artists), self.unit.shape[1]), np.float64)
        np.add.at(sums, inverse, self.unit[new])
        return artists, sums.astype(np.float32)

    def place_artists(self, space: LoadedSpace) -> LoadedSpace:
        """`space` (the one this run was trained against) plus a row for every artist it
        lacks that has tracks placed by sound."""
        artists, vectors = self.placed_artists(space.entity_ids)
        if not len(artists):
            return space
        log.info("%d artists placed in the %s space by their tracks' sound",
                 len(artists), space.name)
        return space.with_rows(artists, vectors)

    def find(self, typed: str, *, by_title: bool) -> int | None:
        """The track `typed` names: "Artist - Title", or (with `by_title`) a title that
        only one audio track has. None when no track, or several, match."""
        key = normalize_name(typed)
        index = self._full_keys.get(key)
        if index is None and by_title:
            index = self._title_keys.get(key)
        return index

    def resolve(self, understood: ResolvedQuery) -> ResolvedQuery:
        """Terms that name an audio track, rather than an artist by its exact name, now
        name the track's artist, shown as the track."""
        terms = []
        for term in understood.terms:
            if term.tag is not None:  # a genre
                terms.append(term)
                continue
            resolution = term.resolution
            artist = resolution.artist
            if artist is None or artist.match not in _ARTIST_FIRST:
                index = self.find(term.term.name, by_title=artist is None)
                if index is not None:
                    term = replace(term, resolution=self._resolution(resolution.query, index))
            terms.append(term)
        return replace(understood, terms=tuple(terms))

    def _resolution(self, query: str, index: int) -> Resolution:
        # Listeners only rank doubtful names; this one is certain, so they are left at 0.
        candidate = Candidate(
            artist_id=int(self.artist_ids[index]), name=self.names[index],
            listeners=0, similarity=100.0, match=MatchKind.EXACT,
        )
        return Resolution(query, Status.CONFIDENT, (candidate,))


def load_audio_tracks(
    store: Store, space: LoadedSpace
) -> tuple[LoadedSpace, AudioTracks | None]:
    """`space` with the artists the active audio run placed by sound, and the run's tracks
    a query may name; (`space`, None) when the run's vectors are not in `space`'s terms.

    They are when the run was trained against `space`'s active run, or when `space` is a
    hybrid built with the run: its artists placed by sound are hybrid rows already
    (train/hybrid/space.py).
    """
    if AUDIO_SPACE not in active_runs(store):
        return space, None
    vectors = read_active_vectors(store, AUDIO_SPACE)  # the run and its vectors in one snapshot
    audio = vectors.run
    target, target_run = audio.params.get("target_space"), audio.params.get("target_run")
    if target == space.name:
        if target_run != space.run_id:
            log.warning("audio run %s was trained against %s run %s, not the active run %s: "
                        "its tracks are left out until `sage train audio` runs again",
                        audio.run_id, target, target_run, space.run_id)
            return space, None
        tracks = audio_tracks(store, vectors)
        return tracks.place_artists(space), tracks
    searched = get_run(store, space.run_id).params
    component = searched.get("components", {}).get(target, {})
    if component.get("run_id") != target_run:
        return space, None
    built_with = searched.get(PLACED_BY_SOUND, {}).get("audio_run")
    if built_with != audio.run_id:
        log.warning("%s run %s was built %s, not with audio run %s: its tracks are left out "
                    "until `sage train %s` runs again", space.name, space.run_id,
                    f"with audio run {built_with}" if built_with else "before any audio run",
                    audio.run_id, space.name)
        return space, None
    return space, audio_tracks(store, vectors)


def audio_tracks(store: Store, vectors: SpaceVectors) -> AudioTracks:
    """An audio run's tracks with their `vectors` (in its target space)."""
    rows = store.con.execute(
        """SELECT p.track_id, t.artist_id, a.name, t.title, p.predicted
           FROM audio_predictions p JOIN tracks t USING (track_id)
           JOIN artists a USING (artist_id)
           WHERE p.run_id = ? ORDER BY p.track_id""",
        [vectors.run.run_id],
    ).fetchall()
    track_ids = np.array([r[0] for r in rows], dtype=np.int64)
    order = np.argsort(vectors.entity_ids)
    matrix = vectors.matrix[order[np.searchsorted(vectors.entity_ids[order], track_ids)]]
    return AudioTracks(
        vectors.run.run_id, track_ids, [r[1] for r in rows], [r[2] for r in rows],
        [r[3] for r in rows], [r[4] for r in rows], matrix,
    )
