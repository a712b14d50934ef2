"""An embedding space made ready to search: unit vectors, their ids, and who they are.

Built once per process (the bot at start, the CLI per command) from the space's active
run in the store. Rows are sorted by entity id, so finding the row of an id is a binary
search (np.searchsorted) with nothing to build; rows are scaled to unit length once, so
a cosine is a dot product. A row of zeros has no direction and cannot be ranked: such
entities are left out of the loaded space and count as having no vector.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from engine.discovery import in_long_tail, most_listened
from engine.graph_step import GraphEdges
from engine.lookup import positions_in
from engine.novelty import popularity_of
from engine.rank import NO_ROW
from engine.ranking import Ranking
from store.catalog import ArtistCatalog, load_artists
from store.db import Store
from store.errors import StoreError
from store.runs import read_active_vectors

log = logging.getLogger(__name__)




@dataclass(frozen=True, eq=False)
class LoadedSpace:
    name: str  # "graph", "playlist", "cf", ...
    entity_kind: str  # what a row is; only "artist" spaces are searched for now
    run_id: int | None  # the run the vectors came from (None when built from arrays)
    entity_ids: np.ndarray  # int64, ascending, one per row
    unit: np.ndarray  # float32, C-contiguous [rows, dim], every row of length 1
    artist_ids: np.ndarray  # int64, the artist of each row: its own id in an artist space
    listeners: np.ndarray  # int64, listeners of each row's artist (0 when unknown)
    popularity: np.ndarray  # float32 in [0, 1]: log(1 + listeners) over the space's top one
    catalog: ArtistCatalog  # every artist's name, for explanations
    ranking: Ranking = Ranking()  # how the space ranks (engine.rank)
    # The graph its ranking steps on, over its rows, and the same edges by entity id;
    # None for a space whose ranking takes no step.
    graph: sp.csr_matrix | None = None
    graph_edges: GraphEdges | None = None
    # Which rows are long-tail bands, for the ranking's discovery slots (None: it keeps
    # none).
    long_tail: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.entity_ids)

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    def rows_of(self, entity_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The row of each id, NO_ROW for ids the space has no vector for."""
        ids = np.asarray(entity_ids, dtype=np.int64).reshape(-1)
        rows, found = positions_in(self.entity_ids, ids)
        return np.where(found, rows, NO_ROW)

    def artist_urls(self, artist_ids: Sequence[int] | np.ndarray) -> list[str | None]:
        """Catalog pages of any artists (None where the catalog has none)."""
        ids, rows, found = self._catalog_rows(artist_ids)
        urls = self.catalog.urls
        if urls is None:
            return [None] * len(ids)
        return [urls[row] if ok else None
                for row, ok in zip(rows.tolist(), found.tolist(), strict=True)]

    def artist_names(self, artist_ids: Sequence[int] | np.ndarray) -> list[str]:
        """Catalog names of any artists, in or out of the space."""
        ids, rows, found = self._catalog_rows(artist_ids)
        names = self.catalog.names
        return [
            names[row] if ok else f"artist #{artist_id}"
            for artist_id, row, ok in zip(ids.tolist(), rows.tolist(), found.tolist(), strict=True)
        ]

    def _catalog_rows(
        self, artist_ids: Sequence[int] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ids as an array, their catalog rows, and whether the catalog has each."""
        ids = np.asarray(artist_ids, dtype=np.int64).reshape(-1)
        rows, found = positions_in(self.catalog.artist_ids, ids)
        return ids, rows, found

    @classmethod
    def from_arrays(
        cls,
        name: str,
        entity_ids: np.ndarray,
        matrix: np.ndarray,
        catalog: ArtistCatalog,
        *,
        entity_kind: str = "artist",
        run_id: int | None = None,
        ranking: Ranking = Ranking(),
        graph_edges: GraphEdges | None = None,
    ) -> LoadedSpace:
        """Sort rows by id, scale them to unit length and drop the zero ones."""
        if entity_kind != "artist":
            raise StoreError(
                f"the '{name}' space holds {entity_kind} vectors; Sage searches artist spaces only"
            )
        entity_ids = np.asarray(entity_ids, dtype=np.int64)
        matrix = np.asarray(matrix, dtype=np.float32)
        norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
        keep = norms > 0
        if keep.all() and np.all(entity_ids[1:] > entity_ids[:-1]):
            unit = matrix / norms[:, None]  # already in order: a single pass and copy
            ids = entity_ids
        else:
            rows = np.flatnonzero(keep)
            rows = rows[np.argsort(entity_ids[rows], kind="stable")]
            unit = matrix[rows]
            unit /= norms[rows, None]
            ids = entity_ids[rows]
            if (dropped := len(entity_ids) - len(rows)) > 0:
                log.info("%s space: %d %ss have a zero vector and are left out",
                         name, dropped, entity_kind)
        listeners = _listeners_of(catalog, ids)
        popularity = popularity_of(listeners)
        steps = graph_edges is not None and ranking.step_weight > 0
        discovery = ranking.discovery
        return cls(
            name=name, entity_kind=entity_kind, run_id=run_id, entity_ids=ids,
            unit=np.ascontiguousarray(unit), artist_ids=ids, listeners=listeners,
            popularity=popularity, catalog=catalog,
            ranking=ranking if steps else replace(ranking, step_weight=0.0, graph_run=None),
            graph=graph_edges.over_rows(ids) if steps else None,
            graph_edges=graph_edges,
            long_tail=in_long_tail(ids, most_listened(
                catalog.artist_ids, catalog.listeners, discovery.after)) if discovery else None,
        )


    def with_rows(self, entity_ids: np.ndarray, matrix: np.ndarray,
                  catalog: ArtistCatalog | None = None) -> LoadedSpace:
        """This space with a row more for each of `entity_ids` (vectors `matrix`), ranked
        as it is, over `catalog` (its own unless given: one that names the new rows)."""
        return LoadedSpace.from_arrays(
            self.name, np.concatenate([self.entity_ids, entity_ids]),
            np.vstack([self.unit, matrix]), catalog if catalog is not None else self.catalog,
            run_id=self.run_id, ranking=self.ranking, graph_edges=self.graph_edges,
        )

def _listeners_of(catalog: ArtistCatalog, artist_ids: np.ndarray) -> np.ndarray:
    if len(catalog.artist_ids) == 0:
        return np.zeros(len(artist_ids), dtype=np.int64)
    rows, known = positions_in(catalog.artist_ids, artist_ids)
    return np.where(known, catalog.listeners[rows], 0).astype(np.int64)


def load_space(store: Store, name: str, catalog: ArtistCatalog | None = None) -> LoadedSpace:
    """The active run of space `name`, ready to search.

    Pass the `catalog` when the caller has loaded it already (the name resolver needs it
    too), to read it once.
    """
    started = time.perf_counter()
    vectors = read_active_vectors(store, name)
    if catalog is None:
        catalog = load_artists(store)
    ranking = Ranking.of_run(vectors.run.params, vectors.run.run_id)
    space = LoadedSpace.from_arrays(
        name, vectors.entity_ids, vectors.matrix, catalog,
        entity_kind=vectors.run.entity_kind, run_id=vectors.run.run_id, ranking=ranking,
        graph_edges=_graph_edges(store, ranking.graph_run) if ranking.graph_run else None,
    )
    log.info("%s space (run %s): %d x %d loaded in %.2f s",
             name, space.run_id, len(space), space.dim, time.perf_counter() - started)
    return space


def _graph_edges(store: Store, run_id: int) -> GraphEdges:
    """The related-artists graph run `run_id` recorded."""
    table = store.con.execute(
        "SELECT src, dst, weight FROM graph_edges WHERE run_id = ?", [run_id]
    ).fetchnumpy()
    return GraphEdges(table["src"].astype(np.int64), table["dst"].astype(np.int64),
                      table["weight"].astype(np.float32))
