"""Scenes: the communities of the related-artists graph, each artist's importance, and
each scene's name.

`sage train graph` finds them (Louvain communities, PageRank) and stores them with the
graph run; the engine reads those of the active graph run, whatever space it searches,
so "no more than two from one scene" means the same thing in every space.

A scene is named after the tags that set it apart (see `name_scenes`): "hardcore ·
screamo" or "idm · downtempo" rather than "rock", which every scene has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from engine.lookup import positions_in
from store.db import Store

NO_SCENE = -1

# A tag names a scene only when at least this many of its artists carry it: one artist's
# tags say nothing about a scene.
MIN_TAG_ARTISTS = 2
# A scene "uses" a tag, for the tag's document frequency, when at least this share of its
# tagged artists carry it. Counting every stray use would make each common tag appear in
# every scene of a big catalog, and the idf of real genre tags would collapse with it.
USES_TAG_SHARE = 0.05
# How many tags make a scene's name.
NAME_TAGS = 2
NAME_SEPARATOR = " · "


@dataclass(frozen=True, eq=False)
class Scenes:
    run_id: int | None  # the graph run they belong to; None when there is none
    artist_ids: np.ndarray  # int64, ascending
    community: np.ndarray  # int64: the scene of each artist
    pagerank: np.ndarray  # float64: its importance in the graph
    names: dict[int, str] = field(default_factory=dict)  # a readable name for each scene

    @classmethod
    def empty(cls) -> Scenes:
        return cls(None, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    def community_of(self, artist_ids: np.ndarray) -> np.ndarray:
        """The scene of each artist, NO_SCENE for artists outside the graph."""
        rows, found = self._rows(artist_ids)
        community = np.full(len(rows), NO_SCENE, dtype=np.int64)
        community[found] = self.community[rows[found]]
        return community

    def pagerank_of(self, artist_ids: np.ndarray) -> np.ndarray:
        """The PageRank of each artist, 0 for artists outside the graph."""
        rows, found = self._rows(artist_ids)
        pagerank = np.zeros(len(rows))
        pagerank[found] = self.pagerank[rows[found]]
        return pagerank

    def _rows(self, artist_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each artist's row, and whether it is in the graph at all."""
        return positions_in(self.artist_ids, np.asarray(artist_ids, dtype=np.int64).reshape(-1))


def load_scenes(store: Store) -> Scenes:
    """The scenes of the active graph run, named; empty when no graph run is active."""
    row = store.con.execute("SELECT run_id FROM active_runs WHERE space = 'graph'").fetchone()
    if row is None:
        return Scenes.empty()
    run_id = row[0]
    table = store.con.execute(
        """SELECT artist_id, community, pagerank FROM artist_scenes
           WHERE run_id = ? ORDER BY artist_id""",
        [run_id],
    ).to_arrow_table()
    artist_ids = table.column("artist_id").to_numpy().astype(np.int64)
    community = table.column("community").to_numpy().astype(np.int64)
    pagerank = table.column("pagerank").to_numpy().astype(np.float64)
    return Scenes(
        run_id=run_id,
        artist_ids=artist_ids,
        community=community,
        pagerank=pagerank,
        names=_load_names(store, run_id, artist_ids, community),
    )


def _load_names(
    store: Store, run_id: int, artist_ids: np.ndarray, community: np.ndarray
) -> dict[int, str]:
    pairs = store.con.execute(
        """SELECT artist_id, tag_id FROM artist_tags
           WHERE artist_id IN (SELECT artist_id FROM artist_scenes WHERE run_id = ?)""",
        [run_id],
    ).to_arrow_table()
    tags = store.con.execute(
        """SELECT tag_id, name FROM tags
           WHERE tag_id IN (SELECT tag_id FROM artist_tags WHERE artist_id IN
                            (SELECT artist_id FROM artist_scenes WHERE run_id = ?))
           ORDER BY tag_id""",
        [run_id],
    ).to_arrow_table()
    leaders = store.con.execute(
        """SELECT s.community, a.name FROM artist_scenes s JOIN artists a USING (artist_id)
           WHERE s.run_id = ?
           QUALIFY row_number() OVER (
               PARTITION BY s.community ORDER BY s.pagerank DESC, s.artist_id) = 1""",
        [run_id],
    ).fetchall()
    tag_ids = tags.column("tag_id").to_numpy().astype(np.int64)
    return name_scenes(
        community,
        artist_rows=np.searchsorted(artist_ids, pairs.column("artist_id").to_numpy()),
        tag_columns=np.searchsorted(tag_ids, pairs.column("tag_id").to_numpy()),
        tag_names=tags.column("name").to_pylist(),
        leaders=dict(leaders),
    )


def name_scenes(
    community: np.ndarray,
    artist_rows: np.ndarray,
    tag_columns: np.ndarray,
    tag_names: Sequence[str],
    leaders: Mapping[int, str],
) -> dict[int, str]:
    """A distinct, readable name for every scene in `community` (one label per artist row).

    Artist `artist_rows[i]` carries tag `tag_names[tag_columns[i]]`. A scene is a document
    whose terms are its artists' tags: tf is the share of its tagged artists that carry a
    tag, idf is log((1 + scenes) / (1 + scenes using the tag)), so a tag every scene uses
    names none (scikit-learn's smooth idf adds 1, which lets "rock" win anywhere). The
    name joins the NAME_TAGS best-scoring tags, skipping one whose words repeat a chosen
    one's ("indie rock" after "indie"). A scene with no tag carried by MIN_TAG_ARTISTS
    artists is "scene of <its leader>", `leaders` giving each scene's most important
    artist; names that come out the same get their leader added. Ties go to the tag
    listed first, so equal inputs always give equal names.
    """
    labels, scene_of_row = np.unique(community, return_inverse=True)
    n_scenes, n_tags = len(labels), len(tag_names)
    # Each (artist, tag) pair once: a tag given twice is still one artist carrying it.
    pair_keys = np.unique(np.asarray(artist_rows, np.int64) * n_tags + tag_columns)
    pair_rows, pair_tags = np.divmod(pair_keys, max(n_tags, 1))
    carriers = sp.csr_matrix(  # scenes x tags: how many of the scene's artists carry the tag
        (np.ones(len(pair_keys)), (scene_of_row[pair_rows], pair_tags)), shape=(n_scenes, n_tags)
    )
    carriers.sum_duplicates()
    tagged = np.bincount(scene_of_row[np.unique(pair_rows)], minlength=n_scenes)
    scene_of_entry = np.repeat(np.arange(n_scenes), np.diff(carriers.indptr))
    tf = carriers.data / tagged[scene_of_entry]
    uses = np.bincount(carriers.indices[tf >= USES_TAG_SHARE], minlength=n_tags)
    idf = np.log((1 + n_scenes) / (1 + uses))  # 0 for a tag that every scene uses
    score = np.where(carriers.data >= MIN_TAG_ARTISTS, tf * idf[carriers.indices], 0.0)

    names = {}
    for scene, label in enumerate(labels.tolist()):
        entries = slice(carriers.indptr[scene], carriers.indptr[scene + 1])
        tags, scores = carriers.indices[entries], score[entries]
        order = np.lexsort((tags, -scores))
        ranked = tags[order][scores[order] > 0]
        chosen = _distinct_tags([tag_names[t] for t in ranked.tolist()], NAME_TAGS)
        names[label] = (NAME_SEPARATOR.join(chosen) if chosen
                        else f"scene of {_leader(leaders, label)}")
    return _disambiguated(names, leaders)


def _distinct_tags(ranked_tags: Sequence[str], count: int) -> list[str]:
    chosen: list[tuple[str, set[str]]] = []
    for tag in ranked_tags:
        words = set(re.findall(r"\w+", tag.lower()))
        if all(not (words <= seen or seen <= words) for _, seen in chosen):
            chosen.append((tag, words))
            if len(chosen) == count:
                break
    return [tag for tag, _ in chosen]


def _disambiguated(names: dict[int, str], leaders: Mapping[int, str]) -> dict[int, str]:
    """The lowest label keeps a shared name (scenes are numbered biggest first)."""
    first_with: dict[str, int] = {}
    for label in sorted(names):
        first_with.setdefault(names[label], label)
    return {
        label: name if first_with[name] == label else f"{name} ({_leader(leaders, label)})"
        for label, name in names.items()
    }


def _leader(leaders: Mapping[int, str], label: int) -> str:
    return leaders.get(label, f"#{label}")
