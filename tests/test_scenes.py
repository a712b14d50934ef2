"""Scene names: tf-idf of the scenes' tags, stable, readable, distinct."""

import igraph
import numpy as np

import train.graph.scenes as train_scenes
from engine.scenes import NO_SCENE, Scenes, load_scenes, name_scenes
from store import Store
from tests.map_store import IDS, build_map_store
from train.graph.colisten import Edges
from train.graph.scenes import find_scenes


def names_for(community, tagged: dict[int, list[str]], leaders=None) -> dict[int, str]:
    """name_scenes over `tagged` = {artist row: its tags}."""
    tag_names = sorted({tag for tags in tagged.values() for tag in tags})
    rows = [row for row, tags in tagged.items() for _ in tags]
    columns = [tag_names.index(tag) for tags in tagged.values() for tag in tags]
    community = np.asarray(community)
    leaders = leaders or {int(c): f"leader {c}" for c in np.unique(community)}
    return name_scenes(community, np.array(rows, dtype=np.int64),
                       np.array(columns, dtype=np.int64), tag_names, leaders)


def test_the_distinguishing_tag_names_a_scene_not_the_common_one():
    # "rock" is on every artist of every scene, and more often than "hardcore" in scene 0.
    community = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    tagged = {
        0: ["rock", "hardcore"], 1: ["rock", "hardcore"], 2: ["rock", "hardcore"], 3: ["rock"],
        4: ["rock", "synthpop"], 5: ["rock", "synthpop"], 6: ["rock"],
        7: ["rock", "jazz"], 8: ["rock", "jazz"], 9: ["rock", "jazz", "hardcore"],
    }
    names = names_for(community, tagged)
    assert names[0].startswith("hardcore")
    assert names[1].startswith("synthpop")
    assert names[2].startswith("jazz")
    assert not any(name.startswith("rock") for name in names.values())


def test_scenes_without_a_shared_tag_are_named_after_their_leader():
    community = [0, 0, 0, 1, 2, 2]
    tagged = {0: ["punk"], 1: ["punk"], 2: ["punk"], 4: ["ambient"], 5: ["drone"]}
    names = names_for(community, tagged, {0: "Crass", 1: "Lonely", 2: "Eno"})
    assert names[0] == "punk"
    assert names[1] == "scene of Lonely"  # no tags at all
    assert names[2] == "scene of Eno"  # each tag carried by one artist only


def test_a_tag_repeating_a_chosen_ones_words_is_skipped():
    community = [0, 0, 0, 1, 1]
    tagged = {0: ["indie", "indie rock", "shoegaze"], 1: ["indie", "indie rock", "shoegaze"],
              2: ["indie", "indie rock"], 3: ["metal"], 4: ["metal"]}
    assert names_for(community, tagged)[0] == "indie · shoegaze"


def test_scenes_that_come_out_alike_get_their_leader_added():
    community = [0, 0, 1, 1, 2, 2]
    tagged = {0: ["emo"], 1: ["emo"], 2: ["emo"], 3: ["emo"], 4: ["polka"], 5: ["polka"]}
    names = names_for(community, tagged, {0: "Sunny Day", 1: "Mineral", 2: "Weird Al"})
    assert names == {0: "emo", 1: "emo (Mineral)", 2: "polka"}


def test_names_are_stable_for_a_fixed_seed():
    # Two 5-cliques joined by one weak edge; each clique has its own tag.
    cliques = [range(0, 5), range(5, 10)]
    pairs = [(a, b) for clique in cliques for a in clique for b in clique if a != b]
    pairs += [(4, 5), (5, 4)]
    edges = Edges(src=np.array([a for a, _ in pairs], dtype=np.int32),
                  dst=np.array([b for _, b in pairs], dtype=np.int32),
                  weight=np.array([0.1 if {a, b} == {4, 5} else 1.0 for a, b in pairs],
                                  dtype=np.float32))
    tagged = {row: ["rock", "screamo" if row < 5 else "trance"] for row in range(10)}
    runs = [names_for(find_scenes(edges, 10, seed=7).community, tagged) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert sorted(runs[0].values()) == ["screamo", "trance"]


def test_load_scenes_names_the_active_runs_scenes(tmp_path):
    with Store.open(build_map_store(tmp_path / "s.duckdb"), read_only=True) as store:
        scenes = load_scenes(store)
    assert scenes.names == {
        0: "hardcore · rock", 1: "idm · rock", 2: "scene of Stranger", 3: "scene of Lonely",
    }
    assert scenes.pagerank_of([IDS["Minor Threat"], 999]).tolist() == [0.2, 0.0]
    assert scenes.community_of([IDS["Plaid"], 999]).tolist() == [1, NO_SCENE]


def test_empty_scenes_have_no_names_and_no_pagerank():
    empty = Scenes.empty()
    assert empty.names == {}
    assert empty.pagerank_of([1, 2]).tolist() == [0.0, 0.0]
    assert empty.community_of([1]).tolist() == [NO_SCENE]


def test_a_community_too_big_for_a_scene_is_split_into_its_cliques(monkeypatch):
    # Four 6-cliques, each joined to the next by one weak edge, handed over as one
    # community; a cap of 10 splits it, and parts within the cap stay whole.
    monkeypatch.setattr(train_scenes, "MAX_SCENE_ARTISTS", 10)
    cliques = [range(6 * c, 6 * c + 6) for c in range(4)]
    pairs = [(a, b) for clique in cliques for a in clique for b in clique if a < b]
    pairs += [(5, 6), (11, 12), (17, 18)]
    graph = igraph.Graph(n=24, edges=pairs)
    graph.es["weight"] = [0.1 if b - a == 1 and b % 6 == 0 else 1.0 for a, b in pairs]
    split = train_scenes._split_large(graph, np.zeros(24, dtype=np.int64))
    assert [len(set(split[list(clique)])) for clique in cliques] == [1, 1, 1, 1]
    assert len(set(split.tolist())) == 4
    # One clique of 12 over the cap cannot be split: it stays one scene.
    whole = igraph.Graph.Full(12)
    whole.es["weight"] = 1.0
    assert set(train_scenes._split_large(whole, np.zeros(12, dtype=np.int64))) == {0}
