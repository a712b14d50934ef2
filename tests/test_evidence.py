"""Why a band was recommended, from the data: shared listeners, shared distinctive tags,
a path on the related-artists graph; and reasons that claim only what is true."""

from __future__ import annotations

import numpy as np

from engine.answer import Engine
from engine.evidence import PLAYLISTS_SHOWN, Evidence, EvidenceIndex, SharedListeners
from engine.explain import ClosestLike, GraphNeighbour, RecommendedItem
from engine.graph_step import GraphEdges
from engine.ranking import Ranking
from engine.render import reasons
from engine.space import LoadedSpace
from engine.tags import TagIndex
from store.catalog import ArtistTags, Listens
from tests.test_engine_stages import catalog_of

# Band 1 is liked. Of its 10 listeners, 4 also play band 2 and 1 plays band 3; band 4 has
# listeners of its own only.
LISTENS = [(user, 1) for user in range(10)] + [(user, 2) for user in range(4)] + [
    (0, 3), (20, 4), (21, 4), (22, 3)]


def listens() -> Listens:
    users, artists = (np.array(column, dtype=np.int64) for column in zip(*LISTENS))
    return Listens(users, artists, np.ones(len(users), dtype=np.int64))


def space() -> LoadedSpace:
    """Four bands in a line; the graph goes 1 -> 2 -> 4 (and 1 -> 3)."""
    vectors = np.array([[1, 0], [0.9, 0.1], [0.8, 0.3], [0.5, 0.5]], dtype=np.float32)
    edges = GraphEdges(np.array([1, 1, 2]), np.array([2, 3, 4]),
                       np.array([0.7, 0.3, 1.0], dtype=np.float32))
    return LoadedSpace.from_arrays("hybrid", np.arange(1, 5), vectors,
                                   catalog_of({1: 10, 2: 4, 3: 2, 4: 2}), graph_edges=edges,
                                   ranking=Ranking(step_weight=1.0, graph_run=1))


def tags(catalog) -> TagIndex:
    """Of 1,000 bands, "straight edge" on 12 (bands 1 and 2 among them), "rock" on 100
    (bands 1 to 4 among them): only the first is rare enough to say something."""
    names = {1: "straight edge", 2: "rock"}
    edge = [1, 2, *range(100, 110)]
    entries = [(artist, 1, 30) for artist in edge] + [
        (artist, 2, 10) for artist in [*range(1, 5), *range(200, 296)]]
    artist_ids, tag_ids, weights = (np.array(c, dtype=np.int64) for c in zip(*entries))
    return TagIndex(ArtistTags(artist_ids, tag_ids, weights.astype(float), names), catalog)


def test_shared_listeners_are_the_share_of_the_liked_bands_listeners():
    found = EvidenceIndex(listens(), space().catalog, None).explain(space(), [1], [2, 3, 4])
    assert found[0].listeners == SharedListeners("band 1", 4, 10)
    assert found[0].listeners.share == 0.4
    # One shared listener is not evidence; none is none.
    assert found[1].listeners is None and found[2].listeners is None


def test_a_path_is_a_direct_step_or_else_the_likeliest_walk_of_two():
    found = EvidenceIndex(listens(), space().catalog, None).explain(space(), [1], [2, 4])
    assert found[0].path == ("band 1", "band 2")
    assert found[1].path == ("band 1", "band 2", "band 4")


def test_only_distinctive_tags_count_as_shared():
    catalog = catalog_of({i: 1 for i in range(1, 1001)})
    index = tags(catalog)
    found = EvidenceIndex(listens(), catalog, index).explain(space(), [1], [2, 3])
    assert found[0].tags == ("straight edge",)
    assert found[1].tags == ()


def item(similarity: float, evidence: Evidence | None = None,
         neighbour: GraphNeighbour | None = None) -> RecommendedItem:
    return RecommendedItem(1, 2, "band 2", 1.0, similarity, 4,
                           ClosestLike(1, "band 1", similarity), neighbour, False, evidence)


def test_reasons_put_the_evidence_first_and_say_counts_for_small_audiences():
    evidence = Evidence(SharedListeners("Have Heart", 31, 100), ("straight edge",),
                        ("Have Heart", "Bane", "Verse"))
    assert reasons(item(0.9, evidence)) == [
        "31% of Have Heart's 100 listeners play it", "both straight edge",
        "Have Heart → Bane → Verse"]
    few = Evidence(SharedListeners("Kid Rock", 2, 3))
    assert reasons(item(0.9, few)) == ["2 of Kid Rock's 3 listeners play it"]


def test_without_evidence_a_band_is_called_close_only_when_it_is():
    assert reasons(item(0.8)) == ["close to band 1 (0.80)"]
    assert reasons(item(0.06)) == ["a well-known band near your taste"]
    assert reasons(item(-0.09)) == ["a well-known band near your taste"]
    related = GraphNeighbour(1, "band 1", 0.5)
    assert reasons(item(0.06, neighbour=related)) == ["related to band 1"]


def test_bands_that_playlists_alone_place_say_which_playlists_they_share(track_store_path):
    # The planted MPD slice: hardcore bands share the hardcore playlists; nobody's
    # listening names them, so playlists are the evidence there is.
    engine = Engine.load(track_store_path, "playlist")
    answer = engine.ask("like hardcore band 0", k=5)
    shared = [item.evidence.playlists for item in answer.recommendation.items]
    assert all(like == "hardcore band 0" and count >= PLAYLISTS_SHOWN
               for like, count in filter(None, shared))
    assert sum(s is not None for s in shared) >= 3
    for item, found in zip(answer.recommendation.items, shared, strict=True):
        if found is not None:
            assert f"on {found[1]} playlists with hardcore band 0" in reasons(item)
