"""The one ranking: alone on small inputs, then the bot's and the held-out test's answers
compared on a really trained store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.candidates import Candidates
from engine.compose import Seed, compose
from engine.discovery import Discovery
from engine.filters import drop_near_hates
from engine.pipeline import recommend
from engine.rank import NO_ROW, Queries, Seeds, rank, score
from engine.ranking import Ranking
from engine.space import LoadedSpace, load_space
from store import Store
from store.catalog import load_listens
from store.runs import active_runs
from tests.test_engine_stages import catalog_of
from train.cf.params import CfParams
from train.cf.space import train_cf_space
from train.evaluate.served import ServedRecommender
from train.evaluate.spaces import HeldoutModels, SpaceSpec, StoredVectors
from train.evaluate.split import holdout_split
from train.graph.params import GraphParams, RelatedGraphParams, WalkParams, Word2VecParams
from train.graph.space import train_graph_space
from train.hybrid.params import HybridParams
from train.hybrid.space import train_hybrid_space
from train.vectors import ArtistVectors


def flat_space(scores: list[float], long_tail: list[bool] | None = None,
               discovery: Discovery = Discovery()) -> LoadedSpace:
    """A space whose rows score `scores` for the taste (1, 0): each row's cosine."""
    angles = np.arccos(np.clip(scores, -1, 1))
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    n = len(scores)
    listeners = {i: (1 if long_tail and long_tail[i - 1] else 100) for i in range(1, n + 1)}
    return LoadedSpace.from_arrays("flat", np.arange(1, n + 1), vectors, catalog_of(listeners),
                                   ranking=Ranking(popularity_prior=0.0, discovery=discovery))


def ranked_rows(space: LoadedSpace, k: int, **options) -> list[int]:
    taste = np.array([[1, 0]], dtype=np.float32)
    likes = Seeds.one([], [])
    scores = score(space, Queries(taste, likes))
    return rank(space, scores, likes, k, **options).rows[0].tolist()


def test_rank_gives_the_exact_top_of_a_full_sort_for_every_query():
    rng = np.random.default_rng(1)
    unit = rng.standard_normal((300, 16)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    space = LoadedSpace.from_arrays("random", np.arange(300), unit,
                                    catalog_of({i: 1 for i in range(300)}),
                                    ranking=Ranking(popularity_prior=0.0))
    tastes = unit[:5] + 0.1
    tastes /= np.linalg.norm(tastes, axis=1, keepdims=True)
    likes = Seeds(np.full((5, 1), NO_ROW), np.zeros((5, 1)))
    scores = score(space, Queries(tastes, likes))
    for k in (1, 10, 57, 300):
        ranked = rank(space, scores, likes, k)
        expected = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        assert ranked.rows.tolist() == expected.tolist()
        assert np.all(np.diff(ranked.scores, axis=1) <= 0)


def test_rows_not_allowed_are_left_out_and_short_lists_are_padded():
    space = flat_space([0.9, 0.8, 0.7, 0.6])
    allowed = np.array([[True, False, True, False]])
    assert ranked_rows(space, 3, allowed=allowed) == [0, 2, NO_ROW]


def test_a_group_cap_keeps_the_best_of_each_group():
    space = flat_space([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    groups = np.array([7, 8, 7, 7, 9, 8])
    assert ranked_rows(space, 3, groups=groups, max_per_group=1) == [0, 1, 4]
    assert ranked_rows(space, 6, groups=groups, max_per_group=2) == [0, 1, 2, 4, 5, NO_ROW]


def test_discovery_slots_go_to_the_best_long_tail_rows_and_count_toward_the_cap():
    tail = [False, False, False, False, True, True]
    space = flat_space([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], tail, Discovery(share=0.34, after=4))
    taste = np.array([[1, 0]], dtype=np.float32)
    likes = Seeds.one([0], [1.0])
    scores = score(space, Queries(taste, likes))
    ranked = rank(space, scores, likes, 3, allowed=np.arange(6)[None, :] != 0)
    assert ranked.rows[0].tolist() == [1, 2, 4] and ranked.deep[0].tolist() == [False, False, True]
    capped = rank(space, scores, likes, 3, allowed=np.arange(6)[None, :] != 0,
                  groups=np.array([0, 1, 1, 2, 1, 3]), max_per_group=1)
    # The long-tail pick is kept first, so it takes its group's place from rows 1 and 2.
    assert capped.rows[0].tolist() == [3, 4, 5]


@pytest.fixture(scope="module")
def trained_store(bundled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data with a small graph run, a cf run and their hybrid (the default
    space, with its graph step and discovery slots)."""
    path = tmp_path_factory.mktemp("ranked") / "sage.duckdb"
    shutil.copyfile(bundled_store_path, path)
    # Small settings: what is compared is the ranking of whatever the spaces learned.
    small = GraphParams(graph=RelatedGraphParams(neighbours=20, tag_share=0.0),
                        walks=WalkParams(walks_per_node=2, walk_length=10),
                        word2vec=Word2VecParams(vector_size=16, epochs=1))
    train_graph_space(path, small, seed=0, workers=1, activate=True)
    train_cf_space(path, CfParams(factors=16, iterations=3), seed=0, activate=True)
    train_hybrid_space(path, HybridParams(), activate=True)
    return path


def test_the_bot_and_the_held_out_test_rank_identically_on_a_trained_store(trained_store):
    with Store.open(trained_store, read_only=True) as store:
        space = load_space(store, "hybrid")
        listens = load_listens(store)
        hybrid = active_runs(store)["hybrid"]
    assert space.graph is not None and space.long_tail is not None  # every stage is at work
    spec = SpaceSpec.of_run(hybrid)
    stored = HeldoutModels(trained_store, seed=0, workers=1).stored(hybrid.run_id)
    # The held-out test's model, fitted on every listen, so that it knows what the
    # catalog knows: the same popularity and the same long tail as the bot.
    served = ServedRecommender(
        StoredVectors(ArtistVectors(stored.artist_ids, stored.vectors, space.graph_edges)),
        spec.ranking,
    )
    served.fit(listens)
    likes = holdout_split(listens, test_fraction=0.1, n_likes=3, seed=0).likes
    answers = served.recommend_many(likes, 20)
    for query, answer in zip(likes, answers, strict=True):
        bot = recommend(space, [Seed(int(artist)) for artist in query], k=20)
        assert [item.artist_id for item in bot.items] == answer.tolist()


@pytest.mark.parametrize("seed", range(12))
def test_with_hates_the_answer_is_that_of_asking_every_row(seed):
    """The pipeline asks only the best rows whether a hate removes them; asking every
    row gives the same answer, slots, caps and removals included."""
    rng = np.random.default_rng(seed)
    # In two dimensions a hate removes a whole arc of bands, so that the rows asked
    # about first can run out before the answer is whole (seed 7).
    n, dim = 400, 2
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    listeners = {i: int(rng.integers(1, 1000)) for i in range(n)}
    space = LoadedSpace.from_arrays(
        "random", np.arange(n), vectors, catalog_of(listeners),
        ranking=Ranking(popularity_prior=0.3, discovery=Discovery(share=0.2, after=100)))
    likes = [Seed(int(i)) for i in rng.choice(n, 2, replace=False)]
    hates = [Seed(int(i)) for i in rng.choice(n, 3, replace=False)
             if int(i) not in {seed.artist_id for seed in likes}]
    k = int(rng.integers(5, 40))
    answer = recommend(space, likes, hates, k=k, hate_threshold=0.2)

    taste = compose(space, likes, hates).taste
    scores = score(space, Queries(taste.vector[None, :], Seeds.one(*taste.seeds()),
                                  Seeds.one(*taste.seeds(hates=True)), taste.beta))
    others = np.setdiff1d(np.arange(n), np.r_[taste.like_rows, taste.hate_rows])
    every = Candidates(others, space.unit[others] @ taste.vector, scores[0, others])
    _, near = drop_near_hates(every, space.unit, taste, 0.2)
    allowed = np.zeros(n, dtype=bool)
    allowed[np.setdiff1d(others, near.candidates.rows)] = True
    expected = rank(space, scores, Seeds.one(*taste.seeds()), k, allowed=allowed[None, :])
    shown = [item.artist_id for item in answer.items]
    assert shown == [int(space.entity_ids[row]) for row in expected.rows[0] if row != NO_ROW]
    assert [item.discovery for item in answer.items] == expected.deep[0][:len(shown)].tolist()
    removed = {item.artist_id for removal in answer.removed_by_hates for item in removal.removed}
    cutoff = expected.scores[0][~expected.deep[0]].min() if len(shown) == k else -np.inf
    could_have_been_main = near.candidates.rows[near.candidates.scores >= cutoff]
    assert set(space.entity_ids[could_have_been_main].tolist()) <= removed
