"""CSRGraph construction and random walks: exact golden walks, validity, transition law."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chisquare

from train.graph.csr import CSRGraph
from train.graph.walks import STOPPED, iter_random_walks, random_walks


def golden_graph() -> CSRGraph:
    """Triangle 0-1-2 (0-2 four times heavier) with a tail 2-3 -> 4; 4 is a dead end, 5 isolated."""
    return CSRGraph.from_edges(
        src=[0, 0, 1, 1, 2, 2, 2, 3, 3],
        dst=[1, 2, 0, 2, 0, 1, 3, 2, 4],
        weight=[1, 4, 1, 1, 4, 1, 2, 2, 1],
        n_nodes=6,
        symmetric=False,
    )


def random_graph(n_nodes: int, n_edges: int, seed: int) -> CSRGraph:
    """A directed graph with uneven weights, repeated edges, self-loops and dead ends."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n_nodes // 2, n_edges) * 2  # odd nodes have no out-edges
    dst = rng.integers(0, n_nodes, n_edges)
    return CSRGraph.from_edges(src, dst, rng.lognormal(0, 1, n_edges), n_nodes, symmetric=False)


def test_from_edges_sums_repeats_drops_self_loops_and_mirrors() -> None:
    graph = CSRGraph.from_edges([2, 0, 0, 1], [0, 2, 2, 1], [1.0, 2.0, 0.5, 9.0], 3, symmetric=True)
    assert graph.n_nodes == 3
    np.testing.assert_array_equal(graph.indptr, [0, 1, 1, 2])
    np.testing.assert_array_equal(graph.indices, [2, 0])
    np.testing.assert_array_equal(graph.weights, [3.5, 3.5])
    np.testing.assert_array_equal(graph.degree, [1, 0, 1])
    assert (graph.indptr.dtype, graph.indices.dtype, graph.weights.dtype) == (
        np.int64, np.int32, np.float32,
    )


def test_from_edges_keeps_direction_and_sorts_neighbours() -> None:
    graph = CSRGraph.from_edges([1, 0, 0], [0, 2, 1], [1, 2, 3], 3, symmetric=False)
    np.testing.assert_array_equal(graph.indptr, [0, 2, 3, 3])
    np.testing.assert_array_equal(graph.indices, [1, 2, 0])
    np.testing.assert_array_equal(graph.weights, [3, 2, 1])


@pytest.mark.parametrize(
    ("src", "dst", "weight"),
    [
        ([0], [3], [1.0]),  # node out of range
        ([-1], [0], [1.0]),
        ([0], [1], [0.0]),  # weight not positive
        ([0], [1], [np.nan]),
        ([0, 1], [1], [1.0]),  # lengths differ
    ],
)
def test_from_edges_rejects_bad_edges(src: list, dst: list, weight: list) -> None:
    with pytest.raises(ValueError):
        CSRGraph.from_edges(src, dst, weight, 3, symmetric=False)


def test_golden_uniform_walks() -> None:
    walks = random_walks(golden_graph(), walks_per_node=2, walk_length=5, weighted=False, seed=7)
    expected = [
        [5, -1, -1, -1, -1], [2, 3, 4, -1, -1], [0, 1, 0, 2, 0], [4, -1, -1, -1, -1],
        [1, 2, 1, 2, 1], [3, 2, 1, 0, 2], [5, -1, -1, -1, -1], [0, 1, 2, 3, 4],
        [4, -1, -1, -1, -1], [1, 2, 1, 2, 3], [3, 2, 3, 4, -1], [2, 1, 2, 0, 1],
    ]
    assert walks.dtype == np.int32
    np.testing.assert_array_equal(walks, expected)


def test_golden_weighted_walks() -> None:
    walks = random_walks(golden_graph(), walks_per_node=2, walk_length=5, weighted=True, seed=7)
    expected = [
        [5, -1, -1, -1, -1], [2, 3, 4, -1, -1], [0, 1, 0, 2, 0], [4, -1, -1, -1, -1],
        [1, 2, 0, 2, 0], [3, 2, 0, 2, 3], [5, -1, -1, -1, -1], [0, 1, 2, 3, 4],
        [4, -1, -1, -1, -1], [1, 2, 0, 2, 3], [3, 2, 3, 2, 1], [2, 0, 2, 0, 2],
    ]
    np.testing.assert_array_equal(walks, expected)


@pytest.mark.parametrize("weighted", [False, True])
def test_every_step_follows_an_edge_and_only_dead_ends_stop(weighted: bool) -> None:
    graph = random_graph(n_nodes=300, n_edges=2000, seed=1)
    walks = random_walks(graph, 4, 12, weighted=weighted, seed=2, chunk_walkers=250)

    assert walks.shape == (300 * 4, 12)
    np.testing.assert_array_equal(np.bincount(walks[:, 0]), np.full(300, 4))
    here, there = walks[:, :-1].ravel(), walks[:, 1:].ravel()
    moved = there != STOPPED
    edge_keys = np.repeat(np.arange(300), graph.degree) * 300 + graph.indices
    assert np.isin(here[moved] * 300 + there[moved], edge_keys).all()
    stopped_at = here[~moved & (here != STOPPED)]
    assert len(stopped_at) > 0
    assert (graph.degree[stopped_at] == 0).all()
    after_stop = walks[:, 1:][walks[:, :-1] == STOPPED]
    assert (after_stop == STOPPED).all()


def test_chunks_concatenate_to_the_walks() -> None:
    graph = random_graph(n_nodes=100, n_edges=600, seed=3)
    chunks = list(iter_random_walks(graph, 3, 6, weighted=True, seed=4, chunk_walkers=70))
    assert [len(chunk) for chunk in chunks] == [70, 70, 70, 70, 20]
    whole = random_walks(graph, 3, 6, weighted=True, seed=4, chunk_walkers=70)
    np.testing.assert_array_equal(np.concatenate(chunks), whole)


def test_same_seed_same_walks_other_seed_other_walks() -> None:
    graph = random_graph(n_nodes=100, n_edges=600, seed=5)
    first = random_walks(graph, 2, 8, weighted=False, seed=11)
    np.testing.assert_array_equal(first, random_walks(graph, 2, 8, weighted=False, seed=11))
    assert not np.array_equal(first, random_walks(graph, 2, 8, weighted=False, seed=12))


STAR_WEIGHTS = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 30.0, 50.0])


def steps_out_of_star_centre(weighted: bool) -> np.ndarray:
    leaves = np.arange(1, len(STAR_WEIGHTS) + 1)
    star = CSRGraph.from_edges(np.zeros_like(leaves), leaves, STAR_WEIGHTS, len(leaves) + 1, True)
    walks = random_walks(star, 5000, 2, weighted=weighted, seed=3)
    return np.bincount(walks[walks[:, 0] == 0, 1], minlength=len(leaves) + 1)[1:]


def test_weighted_steps_follow_edge_weights() -> None:
    observed = steps_out_of_star_centre(weighted=True)
    expected = observed.sum() * STAR_WEIGHTS / STAR_WEIGHTS.sum()
    assert chisquare(observed, expected).pvalue > 0.01


def test_uniform_steps_ignore_edge_weights() -> None:
    observed = steps_out_of_star_centre(weighted=False)
    uniform = np.full(len(STAR_WEIGHTS), observed.sum() / len(STAR_WEIGHTS))
    assert chisquare(observed, uniform).pvalue > 0.01
    by_weight = observed.sum() * STAR_WEIGHTS / STAR_WEIGHTS.sum()
    assert chisquare(observed, by_weight).pvalue < 1e-6


@pytest.mark.parametrize("weighted", [False, True])
def test_walks_stop_at_dead_ends(weighted: bool) -> None:
    path = CSRGraph.from_edges([0, 1], [1, 2], [1.0, 1.0], 4, symmetric=False)
    walks = random_walks(path, 1, 5, weighted=weighted, seed=0)
    by_start = walks[np.argsort(walks[:, 0])]
    np.testing.assert_array_equal(
        by_start,
        [[0, 1, 2, -1, -1], [1, 2, -1, -1, -1], [2, -1, -1, -1, -1], [3, -1, -1, -1, -1]],
    )


def test_graph_without_edges_gives_stopped_walks() -> None:
    empty = CSRGraph.from_edges([], [], [], 3, symmetric=True)
    walks = random_walks(empty, 2, 3, weighted=True, seed=0)
    np.testing.assert_array_equal(np.sort(walks[:, 0]), [0, 0, 1, 1, 2, 2])
    assert (walks[:, 1:] == STOPPED).all()


def test_rejects_empty_walk_settings() -> None:
    with pytest.raises(ValueError):
        random_walks(golden_graph(), 0, 5, weighted=False, seed=0)
    with pytest.raises(ValueError):
        random_walks(golden_graph(), 1, 0, weighted=False, seed=0)
