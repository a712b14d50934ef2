"""The graph space end to end on listening data whose structure is known."""

import json

import numpy as np
import pytest

from cli.main import main
from engine.space import load_space as load_engine_space
from store import Store
from store.catalog import Listens
from store.runs import active_runs, read_active_vectors
from train.graph.colisten import colistening_edges, colistening_similarity
from train.graph.params import GraphParams, RelatedGraphParams
from train.graph.scenes import find_scenes


def two_scenes_listens(
    n_users: int = 40, artists_per_scene: int = 12, per_user: int = 6, seed: int = 0
) -> Listens:
    """Half the users play only artists 1, 2, ..., the other half only 101, 102, ..."""
    rng = np.random.default_rng(seed)
    users, artists = [], []
    for user in range(n_users):
        base = 1 if user < n_users // 2 else 101
        chosen = rng.choice(artists_per_scene, size=per_user, replace=False) + base
        users += [user] * len(chosen)
        artists += chosen.tolist()
    return Listens(
        user_ids=np.array(users, dtype=np.int64),
        artist_ids=np.array(artists, dtype=np.int64),
        plays=rng.integers(1, 500, size=len(users)).astype(np.int64),
    )


def test_cosine_edges_stay_within_scenes_and_are_symmetric():
    listens = two_scenes_listens()
    artist_ids = np.unique(listens.artist_ids)
    edges = colistening_edges(
        listens, artist_ids, RelatedGraphParams(neighbours=4, measure="cosine")
    )
    scene = artist_ids >= 101
    assert np.all(scene[edges.src] == scene[edges.dst])
    pairs = set(zip(edges.src.tolist(), edges.dst.tolist()))
    assert all((dst, src) in pairs for src, dst in pairs)
    assert not any(src == dst for src, dst in pairs)
    assert np.all((edges.weight > 0) & (edges.weight <= 1 + 1e-6))
    # Every artist keeps its 4 strongest, and symmetrising can only add more.
    assert np.all(np.bincount(edges.src, minlength=len(artist_ids)) >= 4)


def test_cosine_of_a_hand_worked_pair():
    listens = Listens(
        user_ids=np.array([1, 1, 2, 2, 3]), artist_ids=np.array([10, 20, 10, 20, 10]),
        plays=np.array([1, 1, 1, 1, 1]),
    )
    edges = colistening_edges(
        listens, np.array([10, 20]), RelatedGraphParams(measure="cosine", weighting="binary")
    )
    # Artist 10 has listeners {1,2,3}, artist 20 has {1,2}: cosine 2 / sqrt(3 * 2).
    assert edges.weight.tolist() == pytest.approx([2 / np.sqrt(6)] * 2)


def test_transition_of_a_hand_worked_pair():
    listens = Listens(
        user_ids=np.array([1, 1, 2, 2, 3, 3, 3]), artist_ids=np.array([10, 20, 10, 20, 10, 30, 40]),
        plays=np.ones(7, dtype=np.int64),
    )
    artist_ids = np.array([10, 20, 30, 40])
    plain = colistening_edges(
        listens, artist_ids, RelatedGraphParams(weighting="binary", popularity_penalty=0.0)
    )
    weights = {(int(s), int(d)): float(w) for s, d, w in zip(plain.src, plain.dst, plain.weight)}
    # From 10: a listener is user 1, 2 or 3 (1/3 each); user 1 or 2 then picks 20 with
    # chance 1/2, user 3 picks 30 with chance 1/3.
    assert weights[(0, 1)] == pytest.approx(2 * (1 / 3) * (1 / 2))
    assert weights[(0, 2)] == pytest.approx((1 / 3) * (1 / 3))
    # From 30: its only listener, user 3, picks 10 or 40 with chance 1/3 each.
    assert weights[(2, 0)] == pytest.approx(1 / 3)
    assert (1, 2) not in weights  # nobody plays both 20 and 30
    penalised = colistening_edges(
        listens, artist_ids, RelatedGraphParams(weighting="binary", popularity_penalty=1.0)
    )
    weights = {(int(s), int(d)): float(w) for s, d, w in zip(penalised.src, penalised.dst, penalised.weight)}
    assert weights[(2, 0)] == pytest.approx((1 / 3) / 3)  # 10 has three listeners


def test_edges_are_the_strongest_entries_of_the_full_similarity():
    listens = two_scenes_listens()
    artist_ids = np.unique(listens.artist_ids)
    params = RelatedGraphParams(neighbours=3)
    similarity = colistening_similarity(listens, artist_ids, params).toarray()
    assert not np.diag(similarity).any()
    edges = colistening_edges(listens, artist_ids, params)
    assert np.all(np.bincount(edges.src, minlength=len(artist_ids)) == 3)
    np.testing.assert_allclose(edges.weight, similarity[edges.src, edges.dst], rtol=1e-6)
    third_strongest = np.sort(similarity, axis=1)[:, -3]
    assert np.all(edges.weight >= third_strongest[edges.src] * (1 - 1e-6))


def test_scenes_find_the_two_groups_reproducibly():
    listens = two_scenes_listens()
    artist_ids = np.unique(listens.artist_ids)
    edges = colistening_edges(listens, artist_ids, RelatedGraphParams(neighbours=4))
    scenes = find_scenes(edges, len(artist_ids), seed=3)
    scene = artist_ids >= 101
    assert len(set(scenes.community[~scene])) == 1 and len(set(scenes.community[scene])) == 1
    assert scenes.community[0] != scenes.community[-1]
    assert scenes.pagerank.sum() == pytest.approx(1.0)
    again = find_scenes(edges, len(artist_ids), seed=3)
    assert np.array_equal(again.community, scenes.community)


def test_train_graph_records_an_active_run_with_its_graph(tmp_path):
    path = tmp_path / "s.duckdb"
    csv = tmp_path / "listens.csv"
    listens = two_scenes_listens()
    csv.write_text("user,artist,plays\n" + "".join(
        f"u{u},Band {a},{p}\n" for u, a, p in zip(listens.user_ids, listens.artist_ids, listens.plays)
    ))
    assert main(["--store", str(path), "ingest", "listens", str(csv)]) == 0
    argv = ["--store", str(path), "train", "graph", "--neighbours", "4", "--walks-per-node", "20",
            "--walk-length", "10", "--dim", "8", "--epochs", "20", "--workers", "1", "--seed", "1"]
    assert main(argv) == 0

    with Store.open(path, read_only=True) as store:
        space = read_active_vectors(store, "graph")
        run = active_runs(store)["graph"]
        names = dict(store.con.execute("SELECT artist_id, name FROM artists").fetchall())
        n_edges = store.con.execute("SELECT count(*) FROM artist_edges").fetchone()[0]
        n_scenes = store.con.execute(
            "SELECT count(DISTINCT community) FROM artist_scenes WHERE run_id = ?", [run.run_id]
        ).fetchone()[0]
    assert space.matrix.shape == (24, 8)
    assert run.params["walks"]["walks_per_node"] == 20 and run.params["seed"] == 1
    assert set(run.timings) >= {"graph", "walks", "word2vec", "scenes"}
    assert len(run.data_fingerprint) == 16 and run.code_version
    assert n_edges > 0 and n_scenes == 2

    with Store.open(path, read_only=True) as store:
        # The graph the run walked is kept with it, each artist's steps summing to 1,
        # and the engine ranks with it.
        worst_sum = store.con.execute(
            """SELECT max(abs(total - 1)) FROM (
                   SELECT sum(weight) AS total FROM graph_edges WHERE run_id = ? GROUP BY src)""",
            [run.run_id],
        ).fetchone()[0]
        served = load_engine_space(store, "graph")
    assert worst_sum < 1e-5
    assert served.ranking.step_weight == GraphParams().step_weight > 0
    assert served.graph.shape == (24, 24) and served.graph.nnz > 0

    unit = space.matrix / np.linalg.norm(space.matrix, axis=1, keepdims=True)
    in_second_scene = np.array([int(names[i].split()[1]) >= 101 for i in space.entity_ids])
    similarity = unit @ unit.T
    same = similarity[in_second_scene[:, None] == in_second_scene[None, :]].mean()
    across = similarity[in_second_scene[:, None] != in_second_scene[None, :]].mean()
    assert same > across + 0.3


def test_sage_eval_scores_the_graph_where_the_answer_is_known(tmp_path, capsys):
    """Two disjoint scenes: the graph model must keep to the asker's scene, popularity cannot."""
    path = tmp_path / "s.duckdb"
    csv = tmp_path / "listens.csv"
    # Everyone plays their whole scene, so whatever a model recommends from the asker's
    # scene is a hidden artist: a model that keeps to the scene scores precision 1.
    listens = two_scenes_listens(n_users=60, artists_per_scene=8, per_user=8)
    csv.write_text("user,artist,plays\n" + "".join(
        f"u{u},Band {a},{p}\n" for u, a, p in zip(listens.user_ids, listens.artist_ids, listens.plays)
    ))
    store = ["--store", str(path)]
    assert main([*store, "ingest", "listens", str(csv)]) == 0
    assert main([*store, "train", "graph", "--neighbours", "4", "--walks-per-node", "20",
                 "--walk-length", "10", "--dim", "8", "--epochs", "20", "--workers", "1"]) == 0
    capsys.readouterr()
    assert main([*store, "eval", "--json", "--k", "3", "--likes", "2", "--head", "5",
                 "--test-fraction", "0.5", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    graph, popularity = report["models"]["graph (SAGE)"], report["models"]["popularity"]
    assert report["split"]["test_users"] == 30
    assert graph["precision_at_3"] > 0.95
    assert popularity["precision_at_3"] < 0.8
    with Store.open(path, read_only=True) as store:
        stored = active_runs(store)["graph"].metrics["heldout"]
    assert stored["precision_at_3"] == graph["precision_at_3"]


def test_train_on_crawled_lastfm_edges(tmp_path):
    """The original SAGE path: walks over the similar-artists graph a crawl stored."""
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        # Two crawled cliques, 1..6 and 11..16, as the crawler stores them (fetched -> similar).
        store.con.execute(
            "INSERT INTO artists SELECT i, 'Band ' || i, 'band ' || i, NULL, 'lastfm', i::VARCHAR "
            "FROM range(1, 17) t(i) WHERE i <= 6 OR i >= 11"
        )
        store.con.execute(
            "INSERT INTO artist_edges SELECT a.i, b.i, 0.5, 'lastfm' FROM range(1, 17) a(i), "
            "range(1, 17) b(i) WHERE a.i < b.i AND ((b.i <= 6) OR (a.i >= 11))"
        )
        crawled = store.con.execute("SELECT * FROM artist_edges ORDER BY ALL").fetchall()
    assert main(["--store", str(path), "train", "graph", "--edges", "lastfm",
                 "--walks-per-node", "20", "--walk-length", "10", "--dim", "8",
                 "--epochs", "20", "--workers", "1"]) == 0

    with Store.open(path, read_only=True) as store:
        space = read_active_vectors(store, "graph")
        run = active_runs(store)["graph"]
        assert store.con.execute("SELECT * FROM artist_edges ORDER BY ALL").fetchall() == crawled
        n_scenes = store.con.execute(
            "SELECT count(DISTINCT community) FROM artist_scenes WHERE run_id = ?", [run.run_id]
        ).fetchone()[0]
    assert run.params["edges"] == "lastfm" and n_scenes == 2
    assert space.entity_ids.tolist() == [*range(1, 7), *range(11, 17)]
    unit = space.matrix / np.linalg.norm(space.matrix, axis=1, keepdims=True)
    first = space.entity_ids <= 6
    similarity = unit @ unit.T
    assert similarity[np.ix_(first, first)].mean() > similarity[np.ix_(first, ~first)].mean() + 0.3


def test_training_on_edges_nobody_crawled_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    Store.open(path).close()
    assert main(["--store", str(path), "train", "graph", "--edges", "lastfm"]) == 2
    assert "no 'lastfm' edges" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "message"), [
    (["--neighbours", "0"], "neighbours must be 1 or more"),
    (["--tag-share", "1.5"], "the tag share must be 0 to 1"),
    (["--tag-neighbours", "0"], "tag neighbours must be 1 or more"),
    (["--walk-length", "0"], "the walk length must be 1 or more"),
    (["--step-weight", "-2"], "the step weight must be 0 or more"),
])
def test_graph_settings_out_of_range_are_one_line_errors(tmp_path, capsys, option, message):
    Store.open(tmp_path / "s.duckdb").close()
    assert main(["--store", str(tmp_path / "s.duckdb"), "train", "graph", *option]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"sage: error: {message}, not ")
