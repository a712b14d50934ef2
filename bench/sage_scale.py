"""SAGE end to end at its original scale: graph -> random walks -> corpus -> word2vec.

    PYTHONPATH=. python bench/sage_scale.py [--weighted] [--workers N]

On the synthetic power-law graph of bench/walks.py (218,000 nodes, ~2.2M edges): 10
walks of 15 nodes from every node, CBOW with 100 dimensions for 5 epochs. Prints each
stage's wall time, its share of the total, and peak memory: the process's maximum
resident set (ru_maxrss) and the peak of what Python and numpy allocated per stage
(tracemalloc; gensim's C++ buffers are not traced). Goals: all of it within 6 minutes,
walks and corpus within 5% of that.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from bench.walks import power_law_graph
from train.graph.walks import random_walks
from train.graph.word2vec import Word2VecParams, train_on_corpus, write_corpus

N_NODES, N_EDGES = 218_000, 2_200_000
WALKS_PER_NODE, WALK_LENGTH = 10, 15
GOAL_TOTAL_S, GOAL_WALKS_AND_CORPUS_SHARE = 360, 0.05


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weighted", action="store_true", help="walk by edge weight instead of uniformly")
    parser.add_argument(
        "--workers", type=int, default=len(os.sched_getaffinity(0)),
        help="word2vec threads (default: every core this process may use)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("gensim").setLevel(logging.WARNING)

    graph = power_law_graph(N_NODES, N_EDGES, seed=0)
    print(f"graph: {graph.n_nodes:,} nodes, {graph.n_edges // 2:,} undirected edges; RSS {max_rss_mb():,.0f} MB")

    seconds: dict[str, float] = {}
    traced_peak_mb: dict[str, float] = {}
    tracemalloc.start()

    def finished(stage: str, started: float) -> None:
        seconds[stage] = time.perf_counter() - started
        traced_peak_mb[stage] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.reset_peak()

    started = time.perf_counter()
    walks = random_walks(
        graph, WALKS_PER_NODE, WALK_LENGTH, weighted=args.weighted, seed=0, progress=True
    )
    finished("walks", started)
    with tempfile.TemporaryDirectory(prefix="sage-bench-") as tmp:
        started = time.perf_counter()
        corpus = write_corpus(walks, graph.n_nodes, Path(tmp) / "walks.txt", progress=True)
        finished("corpus", started)
        started = time.perf_counter()
        node_vectors = train_on_corpus(corpus, Word2VecParams(), seed=0, workers=args.workers, progress=True)
        finished("word2vec", started)
    tracemalloc.stop()

    total = sum(seconds.values())
    print(
        f"\n{len(walks):,} walks ({'weighted' if args.weighted else 'uniform'}), {corpus.n_tokens:,} tokens; "
        f"{np.count_nonzero(node_vectors.trained):,} of {graph.n_nodes:,} nodes trained; "
        f"word2vec workers: {args.workers}"
    )
    for stage, stage_s in seconds.items():
        print(
            f"{stage:9}: {stage_s:7.1f}s  {stage_s / total:6.1%}   traced peak {traced_peak_mb[stage]:7.0f} MB"
        )
    share = (seconds["walks"] + seconds["corpus"]) / total
    print(f"total    : {total:7.1f}s   (goal {GOAL_TOTAL_S}s: {'met' if total <= GOAL_TOTAL_S else 'MISSED'})")
    print(
        f"walks + corpus: {share:.1%} of the total "
        f"(goal {GOAL_WALKS_AND_CORPUS_SHARE:.0%}: {'met' if share <= GOAL_WALKS_AND_CORPUS_SHARE else 'MISSED'})"
    )
    print(f"peak resident memory (ru_maxrss): {max_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
