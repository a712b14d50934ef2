"""Scenes: the communities of the related-artists graph, and each artist's importance.

`sage train graph` finds them (Louvain communities, PageRank) and stores them with the
graph run; the engine reads those of the active graph run, whatever space it searches,
so "no more than two from one scene" means the same thing in every space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from store.db import Store

NO_SCENE = -1


@dataclass(frozen=True, eq=False)
class Scenes:
    run_id: int | None  # the graph run they belong to; None when there is none
    artist_ids: np.ndarray  # int64, ascending
    community: np.ndarray  # int64: the scene of each artist
    pagerank: np.ndarray  # float64: its importance in the graph

    @classmethod
    def empty(cls) -> Scenes:
        return cls(None, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def community_of(self, artist_ids: np.ndarray) -> np.ndarray:
        """The scene of each artist, NO_SCENE for artists outside the graph."""
        ids = np.asarray(artist_ids, dtype=np.int64).reshape(-1)
        if len(self.artist_ids) == 0:
            return np.full(len(ids), NO_SCENE, dtype=np.int64)
        rows = np.minimum(np.searchsorted(self.artist_ids, ids), len(self.artist_ids) - 1)
        return np.where(self.artist_ids[rows] == ids, self.community[rows], NO_SCENE)


def load_scenes(store: Store) -> Scenes:
    """The scenes of the active graph run; empty when no graph run is active."""
    row = store.con.execute("SELECT run_id FROM active_runs WHERE space = 'graph'").fetchone()
    if row is None:
        return Scenes.empty()
    table = store.con.execute(
        """SELECT artist_id, community, pagerank FROM artist_scenes
           WHERE run_id = ? ORDER BY artist_id""",
        [row[0]],
    ).to_arrow_table()
    return Scenes(
        run_id=row[0],
        artist_ids=table.column("artist_id").to_numpy().astype(np.int64),
        community=table.column("community").to_numpy().astype(np.int64),
        pagerank=table.column("pagerank").to_numpy().astype(np.float64),
    )
