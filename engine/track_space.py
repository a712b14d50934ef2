"""The `playlist-track` space made ready for picking tracks: which of a band's tracks fits a
taste, and an order in which a playlist of them flows.

An artist sits in the track space where its tracks do: the mean direction of their unit
vectors. An artist with no track there (most of the Last.fm catalog: few of its bands
are in playlists) sits where a ridge map from the searched artist space puts it, learned
on the artists both spaces hold, as the hybrid maps between spaces
(train/hybrid/combine.py). A taste of artists (likes and hates, as engine.compose builds
one in an artist space) is built from those places, so a server's taste and the tracks
it is offered are measured in one space, not through a band's play count.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from engine.audio_tracks import AudioTracks
from engine.compose import DEFAULT_BETA, Seed
from engine.lookup import positions_in
from engine.space import LoadedSpace
from engine.top_tracks import track_url
from store.db import Store
from store.names import normalize_name
from store.runs import active_runs, read_active_vectors

log = logging.getLogger(__name__)

TRACK_SPACE = "playlist-track"
# The L2 penalty of the map from an artist space into the track space: the hybrid's for
# its maps between spaces (train/hybrid/params.py).
RIDGE = 1.0


@dataclass(frozen=True)
class PickedTrack:
    track_id: int
    artist_id: int
    title: str
    url: str | None  # where it plays; None for a track with no page
    fit: float  # its cosine to the taste it was picked for


class TrackSpace:
    """Track vectors with their artists, titles and links. Built once; never changed."""

    def __init__(self, track_ids: np.ndarray, artist_ids: np.ndarray, bands: Sequence[str],
                 titles: Sequence[str], urls: Sequence[str | None], vectors: np.ndarray,
                 mapped_ids: np.ndarray | None = None, mapped_places: np.ndarray | None = None):
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1)
        keep = norms > 0  # a zero row has no direction to fit
        # Rows grouped by artist, so an artist's tracks are one slice.
        order = np.flatnonzero(keep)
        order = order[np.argsort(np.asarray(artist_ids)[order], kind="stable")]
        self.track_ids = np.asarray(track_ids, dtype=np.int64)[order]
        self.artist_ids = np.asarray(artist_ids, dtype=np.int64)[order]
        self.bands = [bands[i] for i in order.tolist()]  # each track's artist's name
        self.titles = [titles[i] for i in order.tolist()]
        self.urls = [urls[i] for i in order.tolist()]
        self.unit = vectors[order] / norms[order, None]
        self._artists, self._starts = np.unique(self.artist_ids, return_index=True)
        self._ends = np.append(self._starts[1:], len(self.artist_ids))
        # Artists with no track here, ascending, and their places by the ridge map
        # (with_searched_space).
        self.mapped_ids = (np.zeros(0, np.int64) if mapped_ids is None
                           else np.asarray(mapped_ids, dtype=np.int64))
        self.mapped_places = (np.zeros((0, self.unit.shape[1]), np.float32)
                              if mapped_places is None else mapped_places)
        self._by_name: dict[str, int] = {}  # "band - title", normalised -> its first row
        for row, (band, title) in enumerate(zip(self.bands, self.titles, strict=True)):
            self._by_name.setdefault(normalize_name(f"{band} - {title}"), row)

    def __len__(self) -> int:
        return len(self.track_ids)

    def find(self, typed: str) -> int | None:
        """The row of the track `typed` names as "Band - Title"; None when none does."""
        return self._by_name.get(normalize_name(typed))

    @property
    def track_artists(self) -> np.ndarray:
        """The artists with tracks here, ascending."""
        return self._artists

    def artist_places(self, artist_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Each artist's place, unit length: the mean direction of its tracks, else where
        the ridge map puts it; zeros for an artist with neither, and whether it has one."""
        ids = np.asarray(artist_ids, dtype=np.int64)
        slots, found = positions_in(self._artists, ids)
        places = np.zeros((len(slots), self.unit.shape[1]), np.float32)
        for n in np.flatnonzero(found).tolist():
            mean = self.unit[self._starts[slots[n]]:self._ends[slots[n]]].sum(axis=0)
            places[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        mapped, is_mapped = positions_in(self.mapped_ids, ids)
        is_mapped &= ~found
        places[is_mapped] = self.mapped_places[mapped[is_mapped]]
        return places, found | is_mapped

    def taste(self, likes: Sequence[Seed], hates: Sequence[Seed] = ()) -> np.ndarray | None:
        """The taste's direction here, as engine.compose builds it from artists' places;
        None when no liked artist has tracks here."""
        liked = self._weighted_mean(likes)
        if liked is None:
            return None
        hated = self._weighted_mean(hates)
        taste = liked - DEFAULT_BETA * hated if hated is not None else liked
        norm = float(np.linalg.norm(taste))
        return taste / norm if norm > 1e-6 else None

    def _weighted_mean(self, seeds: Sequence[Seed]) -> np.ndarray | None:
        places, found = self.artist_places([seed.artist_id for seed in seeds])
        weights = np.array([seed.weight for seed in seeds], np.float64) * found
        if not weights.sum():
            return None
        return (weights @ places / weights.sum()).astype(np.float32)

    def best_tracks(self, artist_ids: Sequence[int], taste: np.ndarray,
                    exclude_track_ids: Collection[int] = ()) -> list[PickedTrack | None]:
        """For each artist, its track nearest `taste` outside `exclude_track_ids`; None for
        an artist with no such track here."""
        slots, found = positions_in(self._artists, np.asarray(artist_ids, dtype=np.int64))
        excluded = np.asarray(list(exclude_track_ids), dtype=np.int64)
        picked: list[PickedTrack | None] = []
        for slot, ok in zip(slots.tolist(), found.tolist(), strict=True):
            if not ok:
                picked.append(None)
                continue
            rows = np.arange(self._starts[slot], self._ends[slot])
            rows = rows[~np.isin(self.track_ids[rows], excluded)]
            if not len(rows):
                picked.append(None)
                continue
            fits = self.unit[rows] @ taste
            best = int(rows[np.argmax(fits)])
            picked.append(self.picked(best, float(fits.max())))
        return picked

    def picked(self, row: int, fit: float) -> PickedTrack:
        return PickedTrack(int(self.track_ids[row]), int(self.artist_ids[row]), self.titles[row],
                           self.urls[row], fit)

    def vectors_of(self, track_ids: Sequence[int]) -> np.ndarray:
        """The unit vectors of tracks this space holds."""
        order = np.argsort(self.track_ids, kind="stable")
        rows, found = positions_in(self.track_ids[order], np.asarray(track_ids, dtype=np.int64))
        if not found.all():
            raise KeyError("a track with no vector in the track space")
        return self.unit[order[rows]]


def flow_order(vectors: np.ndarray, taste: np.ndarray) -> list[int]:
    """An order of the rows of `vectors` (unit length) for playing one after another: from
    the one nearest `taste`, each next the nearest to the last of those not yet played."""
    if not len(vectors):
        return []
    left = list(range(len(vectors)))
    current = int(np.argmax(vectors @ taste))
    order = [current]
    left.remove(current)
    while left:
        fits = vectors[left] @ vectors[current]
        current = left.pop(int(np.argmax(fits)))
        order.append(current)
    return order


def with_searched_space(tracks: TrackSpace, space: LoadedSpace,
                        audio: AudioTracks | None) -> TrackSpace:
    """`tracks` with a place for every artist of `space` (the searched artist space) that
    has no track here, by a ridge map from `space` learned on the artists both hold; and
    with the audio tracks of such artists (new bands' files, engine.audio_tracks), each at
    its artist's place. `tracks` as it is when too few artists are shared to learn from."""
    shared = np.intersect1d(space.entity_ids, tracks.track_artists)
    if len(shared) < space.dim:
        log.info("only %d artists in both the %s and the track space: no map between them",
                 len(shared), space.name)
        return tracks
    x = space.unit[space.rows_of(shared)].astype(np.float64)
    y, _ = tracks.artist_places(shared)
    mapping = np.linalg.solve(x.T @ x + RIDGE * np.eye(x.shape[1]), x.T @ y)
    lacking = np.setdiff1d(space.entity_ids, tracks.track_artists)
    places = space.unit[space.rows_of(lacking)] @ mapping
    places /= np.maximum(np.linalg.norm(places, axis=1, keepdims=True), 1e-12)
    places = places.astype(np.float32)
    if audio is None:
        audio_ids, audio_artists, audio_names = np.zeros(0, np.int64), np.zeros(0, np.int64), []
    else:
        new = np.isin(audio.artist_ids, lacking)
        audio_ids, audio_artists = audio.track_ids[new], audio.artist_ids[new]
        audio_names = [audio.names[i] for i in np.flatnonzero(new).tolist()]
    bands = space.artist_names(audio_artists)
    # AudioTracks names each track "Band - Title".
    titles = [name[len(band) + 3:] for name, band in zip(audio_names, bands, strict=True)]
    log.info("%d artists of the %s space and %d audio tracks placed in the track space by "
             "a map learned on %d artists", len(lacking), space.name, len(bands), len(shared))
    return TrackSpace(
        np.concatenate([tracks.track_ids, audio_ids]),
        np.concatenate([tracks.artist_ids, audio_artists]),
        tracks.bands + bands, tracks.titles + titles, tracks.urls + [None] * len(bands),
        np.vstack([tracks.unit, places[np.searchsorted(lacking, audio_artists)]]),
        lacking, places,
    )


def load_track_space(store: Store) -> TrackSpace | None:
    """The active playlist-track run's tracks; None when the store has none trained."""
    if TRACK_SPACE not in active_runs(store):
        return None
    vectors = read_active_vectors(store, TRACK_SPACE)
    rows = store.con.execute(
        """SELECT v.track_id, t.artist_id, a.name, t.title, t.source_key
           FROM unnest(?::BIGINT[]) AS v(track_id) JOIN tracks t USING (track_id)
           JOIN artists a USING (artist_id)
           ORDER BY v.track_id""",
        [vectors.entity_ids.tolist()],
    ).fetchall()
    known = np.array([row[0] for row in rows], dtype=np.int64)
    order = np.argsort(vectors.entity_ids, kind="stable")
    positions, _ = positions_in(vectors.entity_ids[order], known)
    space = TrackSpace(known, np.array([row[1] for row in rows], dtype=np.int64),
                       [row[2] for row in rows], [row[3] for row in rows],
                       [track_url(row[4]) for row in rows],
                       vectors.matrix[order[positions]])
    log.info("%s space (run %s): %d tracks of %d artists", TRACK_SPACE, vectors.run.run_id,
             len(space), len(np.unique(space.artist_ids)))
    return space
