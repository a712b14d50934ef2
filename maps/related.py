"""A band's neighbourhood in the related-artists graph, read from the store.

Two bands are neighbours when each is on the other's related list; their similarity is
the geometric mean of the two edge weights. One-way edges are left out: a band listened
to by a single person points hard at everything that person plays, and a hub (Nirvana,
The Beatles) is on everyone's list without pointing back, so mutual strength is what
says "same scene".

The map shows the band, its closest neighbours and theirs. Ring h holds a share of
`max_nodes` proportional to h, and the nodes of ring h - 1 take turns to add their best
neighbour not yet in the map, so each direction out of the band gets its say. A
neighbour's rank is its similarity times the square root of its PageRank: in listening
data a band with one listener is "similar" to everything that listener plays, and the
graph's importance of a band says how far its relations can be trusted. Ranked by
similarity alone, Minor Threat's map is one stranger's record collection; ranked so, it
is Bad Brains, Crass, Descendents and Black Flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from engine.scenes import Scenes
from store.db import Store
from store.errors import UserError

DEFAULT_HOPS = 2
DEFAULT_MAX_NODES = 40
MAX_HOPS = 3
MAX_NODES = 150  # beyond this a map is a hairball and its labels no longer fit


class NotInGraph(UserError):
    """The band has no neighbour both ways round in the active graph run."""


@dataclass(frozen=True)
class Neighbourhood:
    """A band and the bands around it; row 0 is the band."""

    run_id: int
    artist_ids: np.ndarray  # int64
    names: list[str]
    hop: np.ndarray  # int64: steps from the band
    parent: np.ndarray  # int64: the row each node was reached from, -1 for the band
    pagerank: np.ndarray  # float64
    community: np.ndarray  # int64, engine.scenes.NO_SCENE outside every scene
    scene_names: dict[int, str]  # the name of each scene in the map
    edges: np.ndarray  # int64 (m, 2): the rows each edge joins, smaller row first
    similarity: np.ndarray  # float64 (m,)


def read_neighbourhood(
    store: Store,
    artist_id: int,
    scenes: Scenes,
    *,
    hops: int = DEFAULT_HOPS,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Neighbourhood:
    """Read what the map of `artist_id` needs from an open store; `scenes` are the active
    graph run's (engine.scenes.load_scenes). The caller closes the store before drawing."""
    if not 1 <= hops <= MAX_HOPS:
        raise UserError(f"hops must be 1 to {MAX_HOPS}, not {hops}")
    if not 2 <= max_nodes <= MAX_NODES:
        raise UserError(f"a map shows 2 to {MAX_NODES} bands, not {max_nodes}")
    run_id, source = _active_graph(store)
    graph = _RelatedGraph(store, source)
    ids = np.array([artist_id], dtype=np.int64)
    hop, parent = [0], [-1]
    for ring, budget in enumerate(_ring_budgets(hops, max_nodes - 1), start=1):
        frontier = np.flatnonzero(np.asarray(hop) == ring - 1)  # best first
        src, dst, similarity = graph.mutual(ids[frontier])
        fresh = ~np.isin(dst, ids)
        src, dst, similarity = src[fresh], dst[fresh], similarity[fresh]
        chosen, from_row = _take_turns(
            _rows_of(ids, src), dst, similarity * np.sqrt(scenes.pagerank_of(dst)), budget
        )
        if len(chosen) == 0:
            break
        ids = np.concatenate([ids, chosen])
        hop += [ring] * len(chosen)
        parent += from_row.tolist()
    if len(ids) == 1:
        raise NotInGraph(
            f"no band is related both ways round to this one in graph run {run_id}, "
            "so there is nothing to map"
        )
    src, dst, similarity = graph.mutual(ids)
    keep = np.isin(dst, ids) & (src < dst)  # each pair comes back both ways round
    edges = np.sort(np.column_stack([_rows_of(ids, src[keep]), _rows_of(ids, dst[keep])]), axis=1)
    community = scenes.community_of(ids)
    return Neighbourhood(
        run_id=run_id,
        artist_ids=ids,
        names=_names(store, ids),
        hop=np.asarray(hop, dtype=np.int64),
        parent=np.asarray(parent, dtype=np.int64),
        pagerank=scenes.pagerank_of(ids),
        community=community,
        scene_names={c: scenes.names.get(c, f"scene {c}")
                     for c in np.unique(community).tolist() if c >= 0},
        edges=edges,
        similarity=similarity[keep],
    )


class _RelatedGraph:
    """Out-edges of one source, read from the store as needed and kept: reading by
    source artist is cheap (the table is stored in that order), reading edges into a set
    of artists scans the whole table, so reverse edges are found among out-edges read."""

    def __init__(self, store: Store, source: str):
        self._store = store
        self._source = source
        self._read = np.zeros(0, dtype=np.int64)  # sorted artists whose out-edges are here
        self._keys = np.zeros(0, dtype=np.int64)  # sorted src << 32 | dst
        self._weights = np.zeros(0)

    def mutual(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every neighbour of `ids` both ways round: (src, dst, similarity)."""
        self._read_out_edges(ids)
        self._read_out_edges(self._keys[self._rows_from(ids)] & 0xFFFFFFFF)
        rows = self._rows_from(ids)  # reading moved the rows
        src, dst = self._keys[rows] >> 32, self._keys[rows] & 0xFFFFFFFF
        back = np.searchsorted(self._keys, dst << 32 | src).clip(0, len(self._keys) - 1)
        mutual = self._keys[back] == (dst << 32 | src)
        similarity = np.sqrt(self._weights[rows[mutual]] * self._weights[back[mutual]])
        return src[mutual], dst[mutual], similarity

    def _rows_from(self, ids: np.ndarray) -> np.ndarray:
        ids = np.unique(ids)
        starts = np.searchsorted(self._keys, ids << 32)
        ends = np.searchsorted(self._keys, (ids + 1) << 32)
        counts = ends - starts
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return np.arange(counts.sum()) + offsets

    def _read_out_edges(self, ids: np.ndarray) -> None:
        missing = np.setdiff1d(ids, self._read)
        if len(missing) == 0:
            return
        con = self._store.con
        con.register("map_sources", pa.table({"artist_id": missing.astype(np.int32)}))
        try:
            table = con.execute(
                """SELECT src, dst, weight FROM artist_edges
                   WHERE source = ? AND weight > 0
                     AND src IN (SELECT artist_id FROM map_sources)""",
                [self._source],
            ).to_arrow_table()
        finally:
            con.unregister("map_sources")
        keys = (table.column("src").to_numpy().astype(np.int64) << 32
                | table.column("dst").to_numpy().astype(np.int64))
        weights = table.column("weight").to_numpy().astype(np.float64)
        keys, weights = np.concatenate([self._keys, keys]), np.concatenate([self._weights, weights])
        order = np.argsort(keys, kind="stable")
        self._keys, self._weights = keys[order], weights[order]
        self._read = np.union1d(self._read, missing)


def _take_turns(
    parent: np.ndarray, candidate: np.ndarray, rank: np.ndarray, budget: int
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `budget` candidates, the parents (rows, best first) taking turns to add their
    best-ranked one not yet taken: every direction out of the ring gets its say, rather
    than the one hub whose neighbours all outrank the rest. Returns the candidates and
    their parents, in the order taken."""
    order = np.lexsort((candidate, -rank, parent))
    parent, candidate = parent[order], candidate[order]
    starts = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
    turn = np.arange(len(parent)) - np.repeat(starts, np.diff(np.r_[starts, len(parent)]))
    order = np.lexsort((parent, turn))
    parent, candidate = parent[order], candidate[order]
    taken = np.sort(np.unique(candidate, return_index=True)[1])[:budget]
    return candidate[taken], parent[taken]


def _ring_budgets(hops: int, places: int) -> list[int]:
    """Ring h gets a share of the places proportional to h, rounded up: every ring gets
    one at least."""
    total = hops * (hops + 1) // 2
    reach = [-(-places * (h * (h + 1) // 2) // total) for h in range(1, hops + 1)]
    return [reach[0]] + [b - a for a, b in zip(reach, reach[1:], strict=False)]


def _active_graph(store: Store) -> tuple[int, str]:
    """The active graph run and the source of the edges it was trained on."""
    row = store.con.execute(
        """SELECT a.run_id, coalesce(r.params ->> 'edges', 'colisten')
           FROM active_runs a JOIN runs r USING (run_id) WHERE a.space = 'graph'"""
    ).fetchone()
    if row is None:
        raise UserError(f"{store.path} has no active graph run: train one with `sage train graph`")
    return row[0], row[1]


def _rows_of(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each wanted id in `ids` (unsorted; every wanted id is there)."""
    order = np.argsort(ids)
    return order[np.searchsorted(ids, wanted, sorter=order)].astype(np.int64)


def _names(store: Store, ids: np.ndarray) -> list[str]:
    store.con.register("map_nodes", pa.table({"artist_id": ids.astype(np.int32)}))
    try:
        found = dict(store.con.execute(
            """SELECT artist_id, name FROM artists
               WHERE artist_id IN (SELECT artist_id FROM map_nodes)"""
        ).fetchall())
    finally:
        store.con.unregister("map_nodes")
    return [found.get(a, f"artist #{a}") for a in ids.tolist()]
