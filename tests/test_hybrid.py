"""The hybrid space: what a weight means, what it does with gaps, and what it can find
that no single space can."""

from datetime import UTC, datetime

import numpy as np
import pytest

from engine.space import load_space
from store import Store
from store.errors import UserError
from store.runs import RunRecord, active_runs, fingerprint, record_run
from train.hybrid.combine import combine
from train.hybrid.params import HybridParams
from train.hybrid.space import train_hybrid_space
from train.vectors import ArtistVectors, unit_rows


def random_space(ids, dim, seed) -> ArtistVectors:
    rng = np.random.default_rng(seed)
    return ArtistVectors(np.asarray(ids), rng.normal(size=(len(ids), dim)).astype(np.float32))


def cosine(matrix: np.ndarray) -> np.ndarray:
    unit = unit_rows(matrix.astype(np.float64))
    return unit @ unit.T


def test_the_hybrid_cosine_is_the_weighted_mean_of_the_spaces_cosines():
    a, b = random_space(range(10), 5, 0), random_space(range(10), 3, 1)
    hybrid = combine({"cf": a, "graph": b}, {"cf": 3.0, "graph": 1.0}, ridge=1.0)
    np.testing.assert_allclose(
        cosine(hybrid.vectors), 0.75 * cosine(a.vectors) + 0.25 * cosine(b.vectors), atol=1e-5
    )
    assert hybrid.vectors.shape == (10, 8)


def test_a_zero_weight_leaves_a_space_out():
    a, b = random_space(range(10), 5, 0), random_space(range(20, 30), 3, 1)
    hybrid = combine({"cf": a, "graph": b}, {"cf": 1.0, "graph": 0.0}, ridge=1.0)
    assert hybrid.artist_ids.tolist() == list(range(10)) and hybrid.vectors.shape[1] == 5


def test_a_missing_vector_is_predicted_from_the_spaces_the_artist_is_in():
    # Space b is a rotation of space a; b lacks artists 30-39, which must come out
    # (nearly) where b would have put them, not as a zero block.
    a = random_space(range(40), 6, 0)
    rotation, _ = np.linalg.qr(np.random.default_rng(2).normal(size=(6, 6)))
    b_all = unit_rows(a.vectors) @ rotation
    b = ArtistVectors(np.arange(30), b_all[:30].astype(np.float32))
    hybrid = combine({"cf": a, "graph": b}, {"cf": 1.0, "graph": 1.0}, ridge=1e-3)
    full = combine({"cf": a, "graph": ArtistVectors(np.arange(40), b_all.astype(np.float32))},
                   {"cf": 1.0, "graph": 1.0}, ridge=1e-3)
    assert hybrid.artist_ids.tolist() == list(range(40))
    np.testing.assert_allclose(hybrid.vectors, full.vectors, atol=1e-3)
    # Every row is a unit vector: no artist is ranked by a shorter vector.
    np.testing.assert_allclose(np.linalg.norm(hybrid.vectors, axis=1), 1.0, atol=1e-5)


def test_an_artist_only_one_space_has_is_in_the_hybrid():
    a, b = random_space([1, 2, 3, 4, 5, 6], 4, 0), random_space([1, 2, 3, 4, 5, 7], 4, 1)
    hybrid = combine({"cf": a, "playlist": b}, {"cf": 1.0, "playlist": 1.0}, ridge=1.0)
    assert hybrid.artist_ids.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert np.all(np.abs(hybrid.vectors).sum(axis=1) > 0)


def test_the_hybrid_finds_what_only_both_spaces_together_know():
    # 4 groups of 10 artists: genre (0/1) x era (0/1). Space a knows only the genre,
    # space b only the era; only together do they tell all four groups apart.
    rng = np.random.default_rng(0)
    genre, era = np.repeat([0, 0, 1, 1], 10), np.repeat([0, 1, 0, 1], 10)
    centres = rng.normal(size=(2, 2, 8))
    a = ArtistVectors(np.arange(40), (centres[0][genre] + 0.3 * rng.normal(size=(40, 8)))
                      .astype(np.float32))
    b = ArtistVectors(np.arange(40), (centres[1][era] + 0.3 * rng.normal(size=(40, 8)))
                      .astype(np.float32))
    group = 2 * genre + era

    def same_group_share(vectors: np.ndarray) -> float:
        similarity = cosine(vectors)
        np.fill_diagonal(similarity, -np.inf)
        nearest = np.argsort(-similarity, axis=1)[:, :5]
        return float((group[nearest] == group[:, None]).mean())

    hybrid = combine({"cf": a, "graph": b}, {"cf": 1.0, "graph": 1.0}, ridge=1.0)
    assert same_group_share(a.vectors) < 0.7 and same_group_share(b.vectors) < 0.7
    assert same_group_share(hybrid.vectors) > 0.95


def test_weights_name_known_spaces_and_give_something_weight():
    with pytest.raises(UserError, match="not audio"):
        HybridParams(weights={"cf": 1.0, "audio": 1.0})
    with pytest.raises(UserError, match="at least one"):
        HybridParams(weights={"cf": 0.0, "graph": 0.0})


def _record(store: Store, space: str, vectors: ArtistVectors, params: dict) -> RunRecord:
    now = datetime.now(UTC)
    run = RunRecord(space=space, entity_kind="artist", params=params,
                    data_fingerprint=fingerprint(vectors.vectors), started_at=now,
                    finished_at=now)
    return record_run(store, run, vectors.artist_ids, vectors.vectors, activate=True)


def test_train_hybrid_records_its_components_and_its_prior(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.con.execute("INSERT INTO artists VALUES " + ", ".join(
            f"({i}, 'a{i}', 'a{i}', NULL, 'test', 'a{i}')" for i in range(12)
        ))
        cf = _record(store, "cf", random_space(range(10), 4, 0), {"factors": 4})
    with pytest.raises(UserError, match="two trained spaces"):
        train_hybrid_space(path, HybridParams(), activate=True)
    with Store.open(path) as store:
        graph = _record(store, "graph", random_space(range(2, 12), 6, 1), {"walks": {}})

    params = HybridParams(weights={"cf": 2.0, "graph": 1.0}, popularity_prior=0.8)
    run = train_hybrid_space(path, params, activate=True)
    assert run.params["components"] == {
        "cf": {"run_id": cf.run_id, "params": {"factors": 4}},
        "graph": {"run_id": graph.run_id, "params": {"walks": {}}},
    }
    with Store.open(path, read_only=True) as store:
        assert active_runs(store)["hybrid"].run_id == run.run_id
        space = load_space(store, "hybrid")
    assert len(space) == 12 and space.dim == 10
    assert space.ranking.popularity_prior == pytest.approx(0.8)


def test_the_hybrid_steps_on_its_graph_components_graph(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.con.execute("INSERT INTO artists VALUES " + ", ".join(
            f"({i}, 'a{i}', 'a{i}', NULL, 'test', 'a{i}')" for i in range(12)
        ))
        _record(store, "cf", random_space(range(12), 4, 0), {})
        graph = _record(store, "graph", random_space(range(12), 6, 1), {})
        store.con.execute("INSERT INTO graph_edges VALUES (?, 1, 2, 1.0), (?, 2, 1, 1.0)",
                          [graph.run_id, graph.run_id])
    train_hybrid_space(path, HybridParams(), activate=True)
    with Store.open(path, read_only=True) as store:
        space = load_space(store, "hybrid")
    assert space.ranking.step_weight == HybridParams().step_weight
    assert space.graph.nnz == 2 and space.graph[1, 2] == 1.0
    assert space.ranking.discovery == HybridParams().discovery and space.long_tail is not None
