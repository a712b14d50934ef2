"""A small hand-made store for the map and scene tests: two scenes, known edges, tags.

    punk:        Minor Threat - Bad Brains - Black Flag - Fugazi (all mutual), Crass - Black Flag
    electronic:  Aphex Twin - Autechre - Boards of Canada - Plaid (all mutual)
    bridge:      Fugazi - Boards of Canada
    one-way:     Stranger -> Minor Threat (Minor Threat does not point back)
    no edges:    Lonely

So Minor Threat's 1-hop map is Bad Brains, Black Flag and Fugazi; 2 hops add Crass and
Boards of Canada; Stranger is never in it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import numpy as np
import pyarrow as pa

from store import Store
from store.names import normalize_name
from store.runs import RunRecord, record_run

PUNK = ["Minor Threat", "Bad Brains", "Black Flag", "Fugazi", "Crass"]
ELECTRONIC = ["Aphex Twin", "Autechre", "Boards of Canada", "Plaid"]
NAMES = PUNK + ELECTRONIC + ["Stranger", "Lonely"]
IDS = {name: artist_id for artist_id, name in enumerate(NAMES, start=1)}


def _edges() -> list[tuple[str, str, float]]:
    mutual = [(a, b, 0.3) for a, b in combinations(PUNK[:4], 2)]
    mutual += [("Crass", "Black Flag", 0.4)]
    mutual += [(a, b, 0.3) for a, b in combinations(ELECTRONIC, 2)]
    mutual += [("Fugazi", "Boards of Canada", 0.1)]
    both_ways = mutual + [(b, a, w) for a, b, w in mutual]
    return both_ways + [("Stranger", "Minor Threat", 0.9)]


def _tags() -> list[tuple[str, str]]:
    pairs = [(name, "rock") for name in NAMES[:-1]]
    pairs += [(name, "hardcore") for name in PUNK]
    pairs += [(name, "idm") for name in ELECTRONIC]
    return pairs + [("Minor Threat", "straight edge")]


def build_map_store(path: Path) -> Path:
    ids = np.array(list(IDS.values()), dtype=np.int64)
    community = np.array([0] * len(PUNK) + [1] * len(ELECTRONIC) + [2, 3], dtype=np.int64)
    pagerank = np.linspace(0.2, 0.02, len(ids))
    vectors = np.random.default_rng(0).standard_normal((len(ids), 8)).astype(np.float32)
    vectors[community == 0] += 4.0  # the two scenes far apart in the space too
    tag_names = sorted({tag for _, tag in _tags()})
    edges = _edges()
    with Store.open(path) as store:
        con = store.con
        con.executemany(
            "INSERT INTO artists VALUES (?, ?, ?, NULL, 'test', ?)",
            [(i, name, normalize_name(name), str(i)) for name, i in IDS.items()],
        )
        con.executemany("INSERT INTO tags VALUES (?, ?, 'test', ?)",
                        [(i, tag, tag) for i, tag in enumerate(tag_names, start=1)])
        con.executemany("INSERT INTO artist_tags VALUES (?, ?, 1)",
                        [(IDS[a], tag_names.index(t) + 1) for a, t in _tags()])
        now = datetime.now(UTC)

        def write_graph(con, run_id: int) -> None:
            con.register("map_scenes", pa.table(
                {"artist_id": ids, "pagerank": pagerank, "community": community}))
            con.execute("INSERT INTO artist_scenes "
                        "SELECT artist_id, ?, pagerank, community FROM map_scenes", [run_id])
            con.unregister("map_scenes")
            con.executemany("INSERT INTO artist_edges VALUES (?, ?, ?, 'colisten')",
                            [(IDS[a], IDS[b], w) for a, b, w in edges])

        record_run(store, RunRecord("graph", "artist", {"edges": "colisten"}, "test", now, now),
                   ids, vectors, activate=True, also=write_graph)
        # Answers come from the hybrid space (engine.answer.DEFAULT_SPACE): the same vectors.
        for space in ("cf", "hybrid"):
            record_run(store, RunRecord(space, "artist", {}, "test", now, now), ids, vectors,
                       activate=True)
    return path
