"""The graph model's tag edges and the engine's step on the graph, on graphs small enough
to work by hand."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import scipy.sparse as sp

from engine.answer import Engine
from engine.compose import Seed
from engine.graph_step import GraphEdges, step_scores
from engine.novelty import POPULARITY_PRIOR
from engine.pipeline import recommend
from engine.ranking import Ranking
from engine.render import answer_to_dict, render_text
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from store.catalog import Listens, Taggings
from tests.test_engine_stages import catalog_of
from train.evaluate.served import ServedRecommender
from train.graph.colisten import colistening_edges
from train.graph.heldout import GraphVectors, partly_hidden_users
from train.graph.params import GraphParams, RelatedGraphParams, WalkParams, Word2VecParams
from train.graph.related import related_artist_edges
from train.graph.tags import tag_similarity
from train.vectors import ArtistVectors


def taggings(*triples: tuple[int, int, int]) -> Taggings:
    users, artists, tags = (np.array(column, dtype=np.int64) for column in zip(*triples))
    return Taggings(users, artists, tags)


def listens(*pairs: tuple[int, int]) -> Listens:
    users, artists = (np.array(column, dtype=np.int64) for column in zip(*pairs))
    return Listens(users, artists, np.ones(len(users), dtype=np.int64))


def test_a_shared_rare_tag_counts_more_than_a_shared_common_one():
    artist_ids = np.array([1, 2, 3, 4])
    # Everyone tags every artist "rock"; only 1 and 2 share "shoegaze"; 4 has no tags.
    similarity = tag_similarity(taggings(
        (10, 1, 100), (10, 2, 100), (10, 3, 100),
        (11, 1, 200), (12, 2, 200), (13, 3, 300), (14, 99, 200),
    ), artist_ids).toarray()
    assert similarity[0, 1] > similarity[0, 2] > 0
    assert similarity[0, 1] == pytest.approx(similarity[1, 0])
    assert np.all(np.diag(similarity) == 0)
    assert not similarity[3].any() and not similarity[:, 3].any()


def test_related_edges_give_each_artist_weights_summing_to_one_with_the_tag_share():
    # 1-2 and 3-4 are co-listened; 1 and 3 share a tag; 5 is tagged but co-listened with
    # nobody (its only listener plays nothing else).
    heard = listens((0, 1), (0, 2), (1, 3), (1, 4), (2, 5))
    tagged = taggings((7, 1, 100), (7, 3, 100), (8, 5, 100))
    artist_ids = np.arange(1, 6)
    edges = related_artist_edges(heard, tagged, artist_ids, RelatedGraphParams(tag_share=0.25))
    weights = np.zeros((5, 5))
    weights[edges.src, edges.dst] = edges.weight
    assert weights.sum(axis=1) == pytest.approx(np.ones(5))
    assert weights[0, 1] == pytest.approx(0.75)  # co-listening keeps 1 - share
    assert weights[0, 2] + weights[0, 4] == pytest.approx(0.25)  # tags take the share
    assert weights[1, 0] == pytest.approx(1.0)  # untagged: co-listening only
    assert weights[4, [0, 2]].sum() == pytest.approx(1.0)  # only tags: all to tags


def test_without_tags_the_graph_is_co_listening_with_rows_summing_to_one():
    heard = listens(*[(user, artist) for user in range(6) for artist in range(user % 3, 5)])
    artist_ids = np.arange(5)
    params = RelatedGraphParams(neighbours=3)
    edges = related_artist_edges(heard, taggings((0, 0, 1)).without_users(np.array([0])),
                                 artist_ids, params)
    plain = colistening_edges(heard, artist_ids, params)
    ours = np.zeros((5, 5))
    ours[edges.src, edges.dst] = edges.weight
    theirs = np.zeros((5, 5))
    theirs[plain.src, plain.dst] = plain.weight
    assert ours == pytest.approx(theirs / theirs.sum(axis=1, keepdims=True))


def test_step_scores_are_the_mean_of_the_liked_rows_over_its_best_minus_beta_hates():
    graph = GraphEdges(
        src=np.array([0, 0, 1, 1, 2]), dst=np.array([1, 2, 2, 3, 3]),
        weight=np.array([0.5, 0.5, 0.25, 0.75, 1.0], dtype=np.float32),
    ).over_rows(np.arange(4))
    likes = np.array([[0, 1]]), np.array([[1.0, 1.0]])
    # Mean of rows 0 and 1: [0, 0.25, 0.375, 0.375]; its best is 0.375.
    assert dense(step_scores(graph, *likes), 1, 4)[0] == pytest.approx([0, 2 / 3, 1, 1])
    hates = np.array([[2]]), np.array([[1.0]])
    assert dense(step_scores(graph, *likes, *hates, beta=0.5), 1, 4)[0] == pytest.approx(
        [0, 2 / 3, 1, 1 - 0.5 / 0.375])


def dense(step, n_queries: int, n_rows: int) -> np.ndarray:
    scores = np.zeros((n_queries, n_rows), dtype=np.float32)
    step.add_to(scores, 1.0)
    return scores


def test_seeds_missing_from_a_query_do_not_dilute_the_others():
    graph = sp.identity(4, dtype=np.float32, format="csr")
    step = step_scores(graph, np.array([[3, -1], [1, 2], [-1, -1]]),
                       np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 1.0]]))
    # Each query over its best: [0, 0, 0, 1], [0, 0.75, 0.25, 0] / 0.75, nothing.
    assert dense(step, 3, 4) == pytest.approx(np.array(
        [[0, 0, 0, 1], [0, 1, 1 / 3, 0], [0, 0, 0, 0]]))


def test_the_step_is_the_weighted_mean_of_the_graph_rows_over_its_best_minus_hates():
    rng = np.random.default_rng(4)
    graph = sp.random(50, 50, density=0.1, random_state=5, format="csr", dtype=np.float32)
    likes = rng.integers(-1, 50, size=(6, 3)), rng.random((6, 3))
    hates = rng.integers(-1, 50, size=(6, 2)), rng.random((6, 2))

    def means(rows, weights) -> np.ndarray:
        out = np.zeros((len(rows), 50))
        for query in range(len(rows)):
            present = rows[query] >= 0
            if present.any():
                w = weights[query][present] / weights[query][present].sum()
                out[query] = w @ graph[rows[query][present]].toarray()
        return out

    liked, hated = means(*likes), means(*hates)
    best = liked.max(axis=1, keepdims=True)
    expected = (liked - 0.3 * hated) / np.where(best > 0, best, 1)
    assert dense(step_scores(graph, *likes, *hates, beta=0.3), 6, 50) == pytest.approx(
        expected, abs=1e-6)


def test_graph_edges_between_ids_outside_the_space_are_left_out():
    edges = GraphEdges(np.array([10, 10, 30]), np.array([20, 99, 10]),
                       np.array([0.5, 0.5, 1.0], dtype=np.float32))
    assert edges.over_rows(np.array([10, 20, 30])).toarray() == pytest.approx(
        np.array([[0, 0.5, 0], [0, 0, 0], [1, 0, 0]]))


def graph_space(step_weight: float) -> LoadedSpace:
    """Bands 2 and 3 are equally close to band 1 in the vectors; the graph steps from 1
    to 3 only."""
    vectors = np.array([[1, 0], [0.8, 0.6], [0.8, -0.6], [-1, 0]], dtype=np.float32)
    edges = GraphEdges(np.array([1, 4]), np.array([3, 1]), np.ones(2, dtype=np.float32))
    return LoadedSpace.from_arrays(
        "graph", np.arange(1, 5), vectors, catalog_of({i: 1 for i in range(1, 5)}),
        graph_edges=edges, ranking=Ranking(step_weight=step_weight, graph_run=1),
    )


def test_the_graph_step_breaks_a_cosine_tie_toward_the_graph_neighbour():
    chosen = recommend(graph_space(2.0), [Seed(1)], k=2).items
    assert [item.artist_id for item in chosen] == [3, 2]
    assert chosen[0].score > chosen[1].score
    # The answer says why: band 3 is band 1's neighbour on the graph, band 2 is not.
    assert chosen[0].graph_neighbour.name == "band 1"
    assert chosen[0].graph_neighbour.step == pytest.approx(1.0)
    assert chosen[1].graph_neighbour is None
    tied = recommend(graph_space(0.0), [Seed(1)], k=2).items
    assert tied[0].score == pytest.approx(tied[1].score)
    assert tied[0].graph_neighbour is None


def test_the_held_out_test_ranks_with_the_graph_step_as_the_engine_does():
    space = graph_space(2.0)

    class Fixed:
        def fit_vectors(self, train):
            return ArtistVectors(space.entity_ids, space.unit, graph=space.graph_edges)

    served = ServedRecommender(Fixed(), space.ranking)
    served.fit(listens(*[(user, artist) for user in range(3) for artist in range(1, 5)]))
    assert served.recommend_many(np.array([[1]]), 2).tolist() == [[3, 2]]


def test_tags_of_people_whose_listening_a_split_hides_are_found():
    everything = listens((0, 1), (0, 2), (1, 1), (1, 2), (2, 1))
    train = listens((0, 1), (1, 1), (1, 2), (2, 1))
    assert partly_hidden_users(everything, train).tolist() == [0]


def test_runs_from_before_tags_and_the_graph_step_keep_their_meaning():
    current = GraphParams()
    assert GraphParams.from_dict(current.to_dict()) == current
    older = asdict(current)
    del older["popularity_prior"], older["step_weight"]
    del older["graph"]["tag_share"], older["graph"]["tag_neighbours"]
    before = GraphParams.from_dict(older)
    assert before.graph.tag_share == 0 and before.step_weight == 0
    assert before.popularity_prior == POPULARITY_PRIOR


def test_the_held_out_graph_leaves_out_the_tags_of_people_it_hides_listens_of():
    everything = listens((0, 1), (0, 2), (1, 1), (1, 2), (2, 3), (2, 4), (3, 3), (3, 4),
                         (9, 1), (9, 3))
    train = listens(*[(u, a) for u, a in zip(everything.user_ids, everything.artist_ids)
                      if (u, a) != (9, 3)])
    params = GraphParams(walks=WalkParams(walks_per_node=2, walk_length=4),
                         word2vec=Word2VecParams(vector_size=4, epochs=1))

    def tag_edge_from_1_to_3(tagger: int) -> bool:
        model = GraphVectors(params, everything, taggings((tagger, 1, 100), (tagger, 3, 100)),
                             seed=0, workers=1)
        graph = model.fit_vectors(train).graph
        return bool(np.any((graph.src == 1) & (graph.dst == 3)))

    assert not tag_edge_from_1_to_3(tagger=9)  # 9's listen of 3 is hidden: so are 9's tags
    assert tag_edge_from_1_to_3(tagger=8)  # someone whose listening is not hidden


def test_answers_say_which_liked_band_a_result_is_related_to():
    space = graph_space(2.0)
    engine = Engine(NameResolver.from_catalog(space.catalog, []), space)
    lines = render_text(engine.ask("like band 1", k=2)).splitlines()
    assert lines[-3].endswith("close and related to band 1 (0.80)")
    assert lines[-2].endswith("close to band 1 (0.80)")
    why = answer_to_dict(engine.ask("like band 4", k=1))["results"][0]["why"]
    assert why["related_to"] == "band 4" and why["step"] == pytest.approx(1.0)

