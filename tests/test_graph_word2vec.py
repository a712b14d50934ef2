"""Walks to node vectors with gensim word2vec."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from train.graph.csr import CSRGraph
from train.graph.params import Word2VecParams
from train.graph.walks import STOPPED, iter_random_walks, random_walks
from train.graph.word2vec import train_on_corpus, train_word2vec, write_corpus

REPO = Path(__file__).resolve().parent.parent
# In a corpus of a dozen nodes every node counts as frequent: downsampling (sample > 0)
# would drop most tokens.
SMALL = Word2VecParams(vector_size=16, window=3, sample=0.0, epochs=5)


def two_cliques(size: int) -> CSRGraph:
    """Cliques 0..size-1 and size..2*size-1 joined by the single edge 0-size."""
    pairs = [(base + i, base + j) for base in (0, size) for i in range(size) for j in range(i)]
    src, dst = np.array(pairs + [(0, size)]).T
    return CSRGraph.from_edges(src, dst, np.ones(len(src)), 2 * size, symmetric=True)


def cosine(vectors: np.ndarray) -> np.ndarray:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit @ unit.T


def test_nodes_of_a_cluster_end_up_closer() -> None:
    size = 8
    walks = random_walks(two_cliques(size), 20, 10, weighted=False, seed=0)
    node_vectors = train_word2vec(walks, 2 * size, SMALL, seed=0)

    assert node_vectors.vectors.shape == (2 * size, 16)
    assert node_vectors.vectors.dtype == np.float32
    assert node_vectors.trained.all()
    similarity = cosine(node_vectors.vectors)
    cluster = np.arange(2 * size) // size
    same_cluster = cluster[:, None] == cluster[None, :]
    np.fill_diagonal(similarity, -np.inf)
    assert (cluster[similarity.argmax(axis=1)] == cluster).all()
    np.fill_diagonal(similarity, np.nan)
    within = np.nanmean(np.where(same_cluster, similarity, np.nan))
    across = np.mean(similarity[~same_cluster])
    assert within - across > 0.5


def test_one_worker_is_deterministic_and_chunks_match_one_array() -> None:
    graph = two_cliques(6)
    walks = random_walks(graph, 5, 8, weighted=True, seed=1, chunk_walkers=16)
    first = train_word2vec(walks, graph.n_nodes, SMALL, seed=3)
    chunks = iter_random_walks(graph, 5, 8, weighted=True, seed=1, chunk_walkers=16)
    again = train_word2vec(chunks, graph.n_nodes, SMALL, seed=3)
    np.testing.assert_array_equal(first.vectors, again.vectors)
    other_seed = train_word2vec(walks, graph.n_nodes, SMALL, seed=4)
    assert not np.array_equal(first.vectors, other_seed.vectors)


def test_vectors_do_not_depend_on_python_hash_seed() -> None:
    script = (
        "import hashlib\n"
        "from tests.test_graph_word2vec import SMALL, two_cliques\n"
        "from train.graph.walks import random_walks\n"
        "from train.graph.word2vec import train_word2vec\n"
        "walks = random_walks(two_cliques(5), 4, 6, weighted=False, seed=0)\n"
        "print(hashlib.sha1(train_word2vec(walks, 10, SMALL, seed=0).vectors).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(digests) == 1


def test_nodes_without_context_get_zero_rows() -> None:
    # 0-1-2 is a path; 3 and 4 are isolated, so each of their walks is a lone token.
    path = CSRGraph.from_edges([0, 1], [1, 2], [1.0, 1.0], 5, symmetric=True)
    walks = random_walks(path, 5, 6, weighted=False, seed=0)
    node_vectors = train_word2vec(walks, 5, SMALL, seed=0)
    np.testing.assert_array_equal(node_vectors.trained, [True, True, True, False, False])
    assert not node_vectors.vectors[3:].any()
    assert np.abs(node_vectors.vectors[:3]).sum(axis=1).min() > 0


def test_corpus_spells_walks_as_padded_tokens(tmp_path: Path) -> None:
    walks = np.array([[3, 11, 3], [7, STOPPED, STOPPED], [0, 12, STOPPED]], dtype=np.int32)
    corpus = write_corpus(walks, 13, tmp_path / "walks.txt")
    assert corpus.path.read_text() == "0000003 0000011 0000003\n0000000 0000012" + " " * 8 + "\n"
    assert (corpus.n_sentences, corpus.n_tokens) == (2, 5)
    np.testing.assert_array_equal(corpus.token_counts, [1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1])


def test_rejects_walks_with_nothing_to_learn() -> None:
    isolated = CSRGraph.from_edges([], [], [], 3, symmetric=True)
    with pytest.raises(ValueError, match="nothing to learn"):
        train_word2vec(random_walks(isolated, 2, 4, weighted=False, seed=0), 3, SMALL, seed=0)


def test_rejects_node_ids_outside_the_graph() -> None:
    with pytest.raises(ValueError, match="node ids"):
        train_word2vec(np.array([[0, 5]], dtype=np.int32), 3, SMALL, seed=0)


def test_context_vectors_score_walk_neighbours_above_strangers() -> None:
    size = 8
    graph = two_cliques(size)
    walks = random_walks(graph, 20, 10, weighted=False, seed=0)
    plain = train_word2vec(walks, graph.n_nodes, SMALL, seed=0)
    assert plain.context is None  # only on request: they double the memory
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(walks, graph.n_nodes, Path(tmp) / "walks.txt")
        nodes = train_on_corpus(corpus, SMALL, seed=0, keep_context=True)
    np.testing.assert_array_equal(nodes.vectors, plain.vectors)
    assert nodes.context.shape == nodes.vectors.shape
    # input . context estimates how much more often two nodes share a window than chance.
    scores = nodes.vectors @ nodes.context.T
    cluster = np.arange(2 * size) // size
    same_cluster = cluster[:, None] == cluster[None, :]
    np.fill_diagonal(same_cluster, False)
    assert scores[same_cluster].mean() - scores[cluster[:, None] != cluster[None, :]].mean() > 1


def test_context_vectors_need_negative_sampling(tmp_path: Path) -> None:
    walks = random_walks(two_cliques(4), 2, 5, weighted=False, seed=0)
    corpus = write_corpus(walks, 8, tmp_path / "walks.txt")
    with pytest.raises(ValueError, match="negative sampling"):
        train_on_corpus(corpus, Word2VecParams(negative=0), seed=0, keep_context=True)
