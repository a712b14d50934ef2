"""Why a band was recommended, from what Sage knows besides the vectors.

A cosine says two bands sit near each other in a space; a fan cannot check it, and near
the edge of an answer it is small enough to mean nothing. The evidence here can be
checked against the data:

- shared listeners: the share of a liked band's listeners who also play this band;
- shared distinctive tags: tags both carry among their strongest, leaving out those so
  common that sharing them says nothing ("rock");
- a path on the related-artists graph from a liked band, one or two steps long;
- shared playlists: how many of the store's playlists (the MPD) hold both bands, the
  evidence there is for bands that playlists alone place.

Built once per engine from the store's listens, tags and playlists; asked about one
answer's bands at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.csr import entries, shared_columns
from engine.lookup import positions_in
from engine.rank import NO_ROW
from engine.space import LoadedSpace
from engine.tags import TagIndex
from store.catalog import ArtistCatalog, Listens, Playlists

# A tag carried by more than this share of the catalog's artists says nothing when shared.
DISTINCTIVE_SHARE = 0.02
TAGS_SHOWN = 2
# Listeners in common worth saying: this share of the liked band's listeners, and this
# many of them (one shared listener of a band with two is not evidence).
LISTENER_SHARE_SHOWN = 0.1
LISTENERS_SHOWN = 2
# Playlists in common worth saying: one shared playlist is a coincidence.
PLAYLISTS_SHOWN = 2


@dataclass(frozen=True)
class SharedListeners:
    like: str  # the liked band
    count: int  # of its listeners who also play the recommended band
    audience: int  # its listeners

    @property
    def share(self) -> float:
        return self.count / self.audience


@dataclass(frozen=True)
class Evidence:
    listeners: SharedListeners | None = None
    tags: tuple[str, ...] = ()  # distinctive tags both carry, rarest first
    path: tuple[str, ...] = ()  # a liked band, maybe one between, the recommended band
    # The liked band it shares the most playlists with, and how many; None below
    # PLAYLISTS_SHOWN.
    playlists: tuple[str, int] | None = None
    # Nobody in the data plays it: its tracks' sound placed it (engine.audio_tracks).
    by_sound: bool = False

    def __bool__(self) -> bool:
        return bool(self.listeners or self.tags or self.path or self.playlists
                    or self.by_sound)


class EvidenceIndex:
    """Who listens to what (artists x users), what playlists hold (artists x playlists)
    and each artist's strongest tags."""

    def __init__(self, listens: Listens, catalog: ArtistCatalog, tags: TagIndex | None,
                 playlists: Playlists | None = None):
        self._listened = _incidence(catalog.artist_ids, listens.artist_ids, listens.user_ids)
        self._playlisted = None
        if playlists is not None and len(playlists):
            self._playlisted = _incidence(
                catalog.artist_ids, playlists.artist_ids,
                np.repeat(playlists.playlist_ids, np.diff(playlists.offsets)))
        self._artist_ids = catalog.artist_ids
        self._tags = tags
        self._transposed: tuple[sp.csr_matrix, sp.csr_matrix] | None = None
        self._distinctive = None
        if tags is not None:
            most = DISTINCTIVE_SHARE * len(catalog.artist_ids)
            self._distinctive = np.array([tag.artists <= most for tag in tags.tags])

    def explain(
        self, space: LoadedSpace, like_ids: Sequence[int], item_ids: Sequence[int]
    ) -> list[Evidence]:
        """The evidence for each of `item_ids` given the liked bands `like_ids`."""
        likes = np.unique(np.asarray(like_ids, dtype=np.int64))
        items = np.asarray(item_ids, dtype=np.int64)
        if not len(likes) or not len(items):
            return [Evidence() for _ in items]
        listeners = self._shared_listeners(space, likes, items)
        tags = self._shared_tags(likes, items)
        paths = self._paths(space, likes, items)
        playlists = self._shared_playlists(space, likes, items)
        return [Evidence(*parts)
                for parts in zip(listeners, tags, paths, playlists, strict=True)]

    def _shared_playlists(
        self, space: LoadedSpace, likes: np.ndarray, items: np.ndarray
    ) -> list[tuple[str, int] | None]:
        shared = (self._in_common(self._playlisted, likes, items)
                  if self._playlisted is not None else None)
        if shared is None:
            return [None] * len(items)
        likes, _, both = shared
        best = both.argmax(axis=0)
        names = space.artist_names(likes)
        return [(names[like], int(both[like, item])) if both[like, item] >= PLAYLISTS_SHOWN
                else None for item, like in enumerate(best.tolist())]

    def _shared_listeners(
        self, space: LoadedSpace, likes: np.ndarray, items: np.ndarray
    ) -> list[SharedListeners | None]:
        shared = self._in_common(self._listened, likes, items)
        if shared is None:
            return [None] * len(items)
        likes, like_rows, both = shared
        indptr = self._listened.indptr
        audience_of = indptr[like_rows + 1] - indptr[like_rows]
        shares = both / np.maximum(audience_of, 1)[:, None]  # [likes, items]
        best = shares.argmax(axis=0)
        names = space.artist_names(likes)
        found = []
        for item, like in enumerate(best.tolist()):
            count, audience = int(both[like, item]), int(audience_of[like])
            shown = shares[like, item] >= LISTENER_SHARE_SHOWN and count >= LISTENERS_SHOWN
            found.append(SharedListeners(names[like], count, audience) if shown else None)
        return found

    def _in_common(
        self, matrix: sp.csr_matrix, likes: np.ndarray, items: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The likes in the catalog, their rows, and how many groups of `matrix` (users,
        playlists) each shares with each item ([likes, items]); None when no like is in
        the catalog."""
        like_rows, like_found = positions_in(self._artist_ids, likes)
        item_rows, item_found = positions_in(self._artist_ids, items)
        like_rows = like_rows[like_found]
        if not len(like_rows):
            return None
        both = shared_columns(matrix, like_rows, np.where(item_found, item_rows, 0))
        both[:, ~item_found] = 0
        return likes[like_found], like_rows, both

    def _shared_tags(self, likes: np.ndarray, items: np.ndarray) -> list[tuple[str, ...]]:
        if self._tags is None:
            return [()] * len(items)
        liked = self._tags.strongest(likes)
        liked = set(liked[liked >= 0].tolist())
        shared = []
        for strongest in self._tags.strongest(items):
            common = [tag for tag in strongest.tolist()
                      if tag >= 0 and tag in liked and self._distinctive[tag]]
            common.sort(key=lambda tag: self._tags.tags[tag].artists)
            shared.append(tuple(self._tags.tags[tag].name for tag in common[:TAGS_SHOWN]))
        return shared

    def _paths(
        self, space: LoadedSpace, likes: np.ndarray, items: np.ndarray
    ) -> list[tuple[str, ...]]:
        """Per item, a step to it from a liked band on the space's related-artists graph
        (the likeliest), else the likeliest walk of two steps; () without a graph or a
        walk."""
        if space.graph is None:
            return [()] * len(items)
        like_rows = space.rows_of(likes)
        like_rows = like_rows[like_rows != NO_ROW]
        item_rows = space.rows_of(items)
        if not len(like_rows):
            return [()] * len(items)
        into = self._into(space.graph)  # [rows, rows]: the steps into each row
        # [likes, items]: the step from each like straight to each item.
        direct_steps = entries(space.graph, like_rows, item_rows)
        path_rows: list[list[int]] = []
        for row, direct in zip(item_rows.tolist(), direct_steps.T, strict=True):
            if row == NO_ROW:
                path_rows.append([])
            elif direct.max() > 0:  # a liked band leads straight to it
                path_rows.append([like_rows[direct.argmax()], row])
            else:
                # Walks through each band that steps into it: [likes, those bands].
                middles = into.indices[into.indptr[row]:into.indptr[row + 1]]
                steps_in = into.data[into.indptr[row]:into.indptr[row + 1]]
                walks = entries(space.graph, like_rows, middles) * steps_in[None, :]
                if not walks.size or walks.max() <= 0:
                    path_rows.append([])
                    continue
                like, middle = np.unravel_index(walks.argmax(), walks.shape)
                path_rows.append([like_rows[like], middles[middle], row])
        # Every name at once: a lookup per path costs more than the paths.
        names = iter(space.artist_names(space.artist_ids[
            np.array([row for rows in path_rows for row in rows], dtype=np.int64)]))
        return [tuple(next(names) for _ in rows) for rows in path_rows]

    def _into(self, graph: sp.csr_matrix) -> sp.csr_matrix:
        """The graph transposed (row i: the steps into i), made once per graph: a column
        of a CSR matrix costs a pass over all of it."""
        if self._transposed is None or self._transposed[0] is not graph:
            self._transposed = (graph, graph.T.tocsr())
        return self._transposed[1]


def _incidence(artist_ids: np.ndarray, entry_artists: np.ndarray,
               entry_groups: np.ndarray) -> sp.csr_matrix:
    """Artists (rows, as `artist_ids`) x groups (users, playlists): 1 where an entry puts
    the artist in the group; artists outside `artist_ids` left out."""
    rows, found = positions_in(artist_ids, entry_artists)
    groups, columns = np.unique(entry_groups[found], return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(int(found.sum()), dtype=np.float32), (rows[found], columns)),
        shape=(len(artist_ids), len(groups)),
    )
    matrix.data[:] = 1.0  # building it summed any repeated (group, artist) pair
    return matrix
