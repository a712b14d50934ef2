"""Node vectors from random walks with gensim's word2vec (walks are sentences, nodes are words).

The walks never become Python strings. Each node id has a fixed-width zero-padded
token, so a block of walks turns into text with one numpy gather from a table of 8-byte
tokens (`table[walks]`), written to a temporary corpus file that gensim's `corpus_file`
mode reads in C++ threads. Token counts come from `np.bincount` and go to gensim through
`build_vocab_from_freq`, which skips gensim's own pure-Python vocabulary scan.

The temporary file lives in `tempfile`'s directory (set TMPDIR to move it) and takes
8 bytes per token below 10 million nodes: ~260 MB for SAGE's 33M tokens.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from tqdm import tqdm

from train.graph.params import Word2VecParams
from train.graph.walks import STOPPED

log = logging.getLogger(__name__)

_ROWS_PER_WRITE = 1 << 16


@dataclass(frozen=True)
class NodeVectors:
    """One row per node. Nodes that word2vec never trained on (they appear in no walk of
    two or more nodes, or fewer than min_count times) have a zero row and `trained` False."""

    vectors: np.ndarray  # float32[n_nodes, vector_size]
    trained: np.ndarray  # bool[n_nodes]
    # word2vec's output weights (gensim's syn1neg), when asked for: a node's vector as
    # the context of others. An input vector dotted with a context vector estimates how
    # much more often the two share a window than chance (Levy & Goldberg, 2014).
    context: np.ndarray | None = None  # float32[n_nodes, vector_size]


@dataclass(frozen=True)
class WalkCorpus:
    """Walks written as a word2vec text corpus, with what gensim needs to know about it."""

    path: Path
    token_counts: np.ndarray  # int64[n_nodes]: how often each node appears in the file
    n_sentences: int

    @property
    def n_tokens(self) -> int:
        return int(self.token_counts.sum())


def train_word2vec(
    walks: np.ndarray | Iterable[np.ndarray],
    n_nodes: int,
    params: Word2VecParams = Word2VecParams(),
    *,
    seed: int,
    workers: int = 1,
    progress: bool = False,
) -> NodeVectors:
    """Train word2vec on walks over nodes 0..n_nodes-1, through a temporary corpus file.

    `walks` is one int array [n_walks, walk_length] or an iterable of such chunks, as
    `random_walks` and `iter_random_walks` produce; STOPPED entries end a walk early.
    With workers=1 the result is a function of the walks, params and seed, across
    interpreter launches too: gensim 4 draws its initial vectors from numpy seeded with
    `seed`, so PYTHONHASHSEED (which its docs still mention) plays no part. More workers
    race on shared weights. Raises ValueError when the walks give word2vec nothing to
    learn from.
    """
    with tempfile.TemporaryDirectory(prefix="sage-walks-") as tmp:
        corpus = write_corpus(walks, n_nodes, Path(tmp) / "walks.txt", progress=progress)
        return train_on_corpus(corpus, params, seed=seed, workers=workers, progress=progress)


def write_corpus(
    walks: np.ndarray | Iterable[np.ndarray], n_nodes: int, path: Path, *, progress: bool = False
) -> WalkCorpus:
    """Write walks of two or more nodes to `path`, one line of tokens each.

    Walks of a single node are left out: they give word2vec no context to learn from.
    """
    started = time.perf_counter()
    table = _token_table(n_nodes)
    counts = np.zeros(n_nodes + 1, dtype=np.int64)  # counts[0] tallies STOPPED
    n_sentences = 0
    chunks = [walks] if isinstance(walks, np.ndarray) else walks
    with path.open("wb") as out, tqdm(unit="walk", disable=not progress, desc="corpus") as bar:
        for block in _row_blocks(chunks):
            if block.ndim != 2 or not np.issubdtype(block.dtype, np.integer):
                raise ValueError("walks must be two-dimensional integer arrays")
            if block.size and (block.min() < STOPPED or block.max() >= n_nodes):
                raise ValueError(f"walks may hold only node ids 0..{n_nodes - 1} and STOPPED")
            bar.update(len(block))
            if block.shape[1] < 2:
                continue
            block = block[block[:, 1] != STOPPED]
            # STOPPED indexes the table's blank last entry; word2vec skips the spaces.
            text = table[block].view(np.uint8).reshape(len(block), block.shape[1] * table.itemsize)
            text[:, -1] = ord("\n")
            text.tofile(out)
            counts += np.bincount(block.ravel() + 1, minlength=n_nodes + 1)
            n_sentences += len(block)
    corpus = WalkCorpus(path=path, token_counts=counts[1:], n_sentences=n_sentences)
    log.info(
        "corpus: %d walks, %d tokens, %.0f MB written in %.1fs",
        n_sentences, corpus.n_tokens, path.stat().st_size / 1e6, time.perf_counter() - started,
    )
    return corpus


def train_on_corpus(
    corpus: WalkCorpus,
    params: Word2VecParams = Word2VecParams(),
    *,
    seed: int,
    workers: int = 1,
    progress: bool = False,
    keep_context: bool = False,
) -> NodeVectors:
    """Train word2vec on a corpus from `write_corpus`; see `train_word2vec`.
    `keep_context` also returns the context vectors (they double the memory)."""
    if corpus.n_sentences == 0:
        raise ValueError("no walk takes a step, so word2vec has nothing to learn")
    if keep_context and params.negative == 0:
        raise ValueError("context vectors exist only with negative sampling (negative > 0)")
    started = time.perf_counter()
    n_nodes = len(corpus.token_counts)
    digits = _token_digits(n_nodes)
    present = np.flatnonzero(corpus.token_counts)
    tokens = [f"{node:0{digits}d}" for node in present.tolist()]
    model = Word2Vec(**asdict(params), workers=workers, seed=seed)
    model.build_vocab_from_freq(
        dict(zip(tokens, corpus.token_counts[present].tolist())), corpus_count=corpus.n_sentences
    )
    if len(model.wv) == 0:
        raise ValueError(f"no node appears min_count={params.min_count} times in the walks")
    with tqdm(total=params.epochs, unit="epoch", disable=not progress, desc="word2vec") as bar:
        model.train(
            corpus_file=str(corpus.path),
            total_words=corpus.n_tokens,
            total_examples=corpus.n_sentences,
            epochs=params.epochs,
            callbacks=[_EpochProgress(bar)],
        )
    log.info(
        "word2vec: %d epochs over %d nodes with %d workers in %.1fs",
        params.epochs, len(model.wv), workers, time.perf_counter() - started,
    )
    nodes = np.array([int(token) for token in model.wv.index_to_key], dtype=np.int64)
    vectors = np.zeros((n_nodes, params.vector_size), dtype=np.float32)
    vectors[nodes] = model.wv.vectors
    trained = np.zeros(n_nodes, dtype=bool)
    trained[nodes] = True
    context = None
    if keep_context:
        context = np.zeros_like(vectors)
        context[nodes] = model.syn1neg
    return NodeVectors(vectors=vectors, trained=trained, context=context)


def _row_blocks(chunks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    for chunk in chunks:
        for first in range(0, len(chunk), _ROWS_PER_WRITE):
            yield chunk[first:first + _ROWS_PER_WRITE]


def _token_digits(n_nodes: int) -> int:
    """Digits of every token: enough for the largest id, and one short of a multiple of 8
    so a token plus its separator fills 8 (or 16) bytes, which numpy gathers fastest."""
    needed = len(str(max(n_nodes - 1, 0))) + 1
    return -(-needed // 8) * 8 - 1


def _token_table(n_nodes: int) -> np.ndarray:
    """One fixed-size byte string per node: its id zero-padded, then a space. The extra
    last entry is blank, for STOPPED."""
    digits = _token_digits(n_nodes)
    table = np.full((n_nodes + 1, digits + 1), ord(" "), dtype=np.uint8)
    nodes = np.arange(n_nodes)
    for place in range(digits):
        table[:n_nodes, digits - 1 - place] = ord("0") + nodes // 10**place % 10
    return table.view(f"V{digits + 1}").ravel()


class _EpochProgress(CallbackAny2Vec):
    def __init__(self, bar: tqdm) -> None:
        self.bar = bar

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.bar.update(1)
