"""SAGE end to end at its original scale: graph -> random walks -> corpus -> word2vec.

    PYTHONPATH=. python bench/sage_scale.py [--weighted] [--workers N]

On the synthetic power-law graph of bench/walks.py (218,000 nodes, ~2.2M edges): 10
walks of 15 nodes from every node, CBOW with 100 dimensions for 5 epochs. Prints each
stage's wall time, its share of the total, the CPU time of all this process's threads
(on cores shared with other work, CPU time / threads estimates the wall time of a quiet
machine), and peak memory: the process's maximum resident set (ru_maxrss) and the peak
of what Python and numpy allocated per stage (tracemalloc; gensim's C++ buffers are not
traced). Goals: all of it within 6 minutes, walks and corpus within 5% of that.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench.walks import power_law_graph
from train.graph.params import Word2VecParams
from train.graph.walks import random_walks
from train.graph.word2vec import train_on_corpus, write_corpus

N_NODES, N_EDGES = 218_000, 2_200_000
WALKS_PER_NODE, WALK_LENGTH = 10, 15
GOAL_TOTAL_S, GOAL_WALKS_AND_CORPUS_SHARE = 360, 0.05


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--weighted", action="store_true", help="step by edge weight instead of uniformly"
    )
    parser.add_argument(
        "--workers", type=int, default=len(os.sched_getaffinity(0)),
        help="word2vec threads (default: every core this process may use)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("gensim").setLevel(logging.WARNING)

    graph = power_law_graph(N_NODES, N_EDGES, seed=0)
    print(f"graph: {graph.n_nodes:,} nodes, {graph.n_edges // 2:,} undirected edges")

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    traced_peak_mb: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        tracemalloc.reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        yield
        seconds[name] = time.perf_counter() - started
        cpu_seconds[name] = time.process_time() - cpu_started
        traced_peak_mb[name] = tracemalloc.get_traced_memory()[1] / 1e6

    tracemalloc.start()
    with stage("walks"):
        walks = random_walks(
            graph, WALKS_PER_NODE, WALK_LENGTH, weighted=args.weighted, seed=0, progress=True
        )
    with tempfile.TemporaryDirectory(prefix="sage-bench-") as tmp:
        with stage("corpus"):
            corpus = write_corpus(walks, graph.n_nodes, Path(tmp) / "walks.txt", progress=True)
        with stage("word2vec"):
            node_vectors = train_on_corpus(
                corpus, Word2VecParams(), seed=0, workers=args.workers, progress=True
            )
    tracemalloc.stop()

    print(
        f"\n{len(walks):,} {'weighted' if args.weighted else 'uniform'} walks, "
        f"{corpus.n_tokens:,} tokens; {np.count_nonzero(node_vectors.trained):,} of "
        f"{graph.n_nodes:,} nodes trained; word2vec workers: {args.workers}"
    )
    total = sum(seconds.values())
    for name, stage_s in seconds.items():
        print(
            f"{name:9}: {stage_s:7.1f}s  {stage_s / total:6.1%}   CPU {cpu_seconds[name]:7.1f}s   "
            f"traced peak {traced_peak_mb[name]:5.0f} MB"
        )
    share = (seconds["walks"] + seconds["corpus"]) / total
    print(f"total    : {total:7.1f}s   (goal {GOAL_TOTAL_S}s: {verdict(total <= GOAL_TOTAL_S)})")
    print(
        f"walks + corpus: {share:.1%} of the total (goal {GOAL_WALKS_AND_CORPUS_SHARE:.0%}: "
        f"{verdict(share <= GOAL_WALKS_AND_CORPUS_SHARE)})"
    )
    print(f"peak resident memory (ru_maxrss): {max_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
