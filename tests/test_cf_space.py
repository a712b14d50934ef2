"""The cf space: factors that keep known structure, ranked exactly as the engine ranks."""

import numpy as np
import pytest

from cli.main import main
from engine.compose import Seed
from engine.pipeline import recommend
from engine.ranking import Ranking
from engine.space import LoadedSpace, load_space
from store import Store
from store.catalog import ArtistCatalog, Listens
from store.runs import activate_run, active_runs, list_runs, read_active_vectors
from train.cf.factors import CfFactors, artist_factors
from train.cf.params import CfParams
from train.evaluate.harness import evaluate
from train.evaluate.served import ServedRecommender
from train.evaluate.spaces import StoredVectors
from train.evaluate.split import holdout_split
from train.vectors import listeners_of

SMALL = CfParams(factors=4)


def two_scenes_listens(n_users: int = 60, per_scene: int = 10, per_user: int = 6,
                       seed: int = 0) -> Listens:
    """Half the users play only artists 1, 2, ..., the other half only 101, 102, ..."""
    rng = np.random.default_rng(seed)
    users, artists = [], []
    for user in range(n_users):
        base = 1 if user < n_users // 2 else 101
        chosen = rng.choice(per_scene, size=per_user, replace=False) + base
        users += [user] * per_user
        artists += chosen.tolist()
    return Listens(np.array(users), np.array(artists), rng.integers(1, 300, len(users)))


def test_factors_keep_the_two_scenes_apart():
    factors = artist_factors(two_scenes_listens(), SMALL, seed=0)
    unit = factors.vectors / np.linalg.norm(factors.vectors, axis=1, keepdims=True)
    scene = factors.artist_ids >= 101
    similarity = unit @ unit.T
    same = similarity[scene[:, None] == scene[None, :]].mean()
    across = similarity[scene[:, None] != scene[None, :]].mean()
    assert factors.vectors.shape == (20, 4) and factors.vectors.dtype == np.float32
    assert same > across + 0.3


def test_the_recommender_keeps_to_the_askers_scene():
    split = holdout_split(two_scenes_listens(per_user=10), test_fraction=0.5, n_likes=2, seed=0)
    served = ServedRecommender(CfFactors(SMALL, seed=0), Ranking(SMALL.popularity_prior))
    evaluation = evaluate(served, split, k=3, n_head=5)
    assert evaluation.metrics.precision > 0.95


def test_held_out_ranking_is_what_the_engine_serves():
    rng = np.random.default_rng(1)
    listens = Listens(rng.integers(0, 50, 600), rng.integers(1, 80, 600), np.ones(600, int))
    pairs = np.unique(np.stack([listens.user_ids, listens.artist_ids]), axis=1)
    listens = Listens(pairs[0], pairs[1], np.ones(pairs.shape[1], dtype=np.int64))
    vectors = artist_factors(listens, SMALL, seed=0)
    prior = 0.7
    served = ServedRecommender(StoredVectors(vectors), Ranking(prior))
    served.fit(listens)

    ids = vectors.artist_ids
    listeners = listeners_of(listens, ids)
    catalog = ArtistCatalog(ids, [f"a{i}" for i in ids], [f"a{i}" for i in ids], listeners,
                            listeners)
    space = LoadedSpace.from_arrays("cf", ids, vectors.vectors, catalog, ranking=Ranking(prior))
    likes = np.stack([rng.choice(ids, size=3, replace=False) for _ in range(12)])
    answers = served.recommend_many(likes, 10)
    for query, answer in zip(likes, answers, strict=True):
        engine = recommend(space, [Seed(int(a)) for a in query], k=10)
        assert [item.artist_id for item in engine.items] == answer.tolist()


def test_sage_train_cf_records_a_repeatable_run_with_its_prior(tmp_path):
    path = tmp_path / "s.duckdb"
    csv = tmp_path / "listens.csv"
    listens = two_scenes_listens()
    csv.write_text("user,artist,plays\n" + "".join(
        f"u{u},Band {a},{p}\n" for u, a, p in zip(listens.user_ids, listens.artist_ids, listens.plays)
    ))
    store = ["--store", str(path)]
    assert main([*store, "ingest", "listens", str(csv)]) == 0
    train = [*store, "train", "cf", "--factors", "8", "--seed", "3", "--popularity-prior", "0.3"]
    assert main(train) == 0
    assert main([*train, "--no-activate"]) == 0

    with Store.open(path, read_only=True) as store_:
        first, second = list_runs(store_, "cf")
        assert active_runs(store_)["cf"].run_id == first.run_id
        assert first.params == CfParams(factors=8, popularity_prior=0.3).to_dict() | {"seed": 3}
        assert first.data_fingerprint == second.data_fingerprint
        vectors = read_active_vectors(store_, "cf")
        space = load_space(store_, "cf")
    assert vectors.matrix.shape == (20, 8)
    assert space.ranking.popularity_prior == pytest.approx(0.3)
    with Store.open(path) as store_:
        activate_run(store_, second.run_id)
        again = read_active_vectors(store_, "cf")
    np.testing.assert_array_equal(vectors.matrix, again.matrix)
