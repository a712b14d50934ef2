"""Random-walk throughput at SAGE scale: the vectorised walkers against a pure-Python walker.

    PYTHONPATH=. python bench/walks.py [--nodes 218000 --edges 2200000 --seed 0]

Builds a seeded power-law graph the size of SAGE's crawl, times a straightforward
pure-Python walker (adjacency lists, `random.choice` / `random.choices` over precomputed
cumulative weights) on a sample of walks, then the uniform and weighted vectorised
walkers on all 10 walks of 15 nodes per node, and prints steps per second and the
ratios. A step is one move along an edge. Rates are per wall-clock second and, in
brackets, per CPU second of this process (every walker here is single-threaded), which
other processes sharing the cores disturb less.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from train.graph.csr import CSRGraph
from train.graph.walks import STOPPED, random_walks

WALKS_PER_NODE = 10
WALK_LENGTH = 15
PYTHON_WALKS = 20_000
TARGET_UNIFORM, TARGET_WEIGHTED, TARGET_RATIO = 20e6, 8e6, 25


def power_law_graph(n_nodes: int, n_edges: int, seed: int, exponent: float = 2.5) -> CSRGraph:
    """An undirected Chung-Lu graph: `n_edges` endpoint pairs drawn with probability
    proportional to Pareto fitness, so degrees follow a power law with `exponent`.
    Repeated pairs merge and self-loops drop, so slightly fewer distinct edges remain.
    Weights are uniform in [0.01, 1), like similarity scores."""
    rng = np.random.default_rng(seed)
    fitness = rng.pareto(exponent - 1, n_nodes) + 1
    cumulative = np.cumsum(fitness) / fitness.sum()
    src, dst = np.searchsorted(cumulative, rng.random((2, n_edges)), side="right")
    weight = rng.uniform(0.01, 1.0, n_edges)
    return CSRGraph.from_edges(src, dst, weight, n_nodes, symmetric=True)


@dataclass(frozen=True)
class Timing:
    steps: int
    wall_s: float
    cpu_s: float

    def describe(self, label: str) -> str:
        per_wall_s, per_cpu_s = self.steps / self.wall_s / 1e6, self.steps / self.cpu_s / 1e6
        return (
            f"{label}: {self.steps:>11,} steps in {self.wall_s:6.2f}s = "
            f"{per_wall_s:6.2f}M steps/s ({per_cpu_s:6.2f}M per CPU s)"
        )


def python_walk_steps(
    graph: CSRGraph, starts: np.ndarray, walk_length: int, weighted: bool
) -> Timing:
    """Walk from each start the straightforward way."""
    rows = list(zip(graph.indptr[:-1].tolist(), graph.indptr[1:].tolist()))
    neighbours = [graph.indices[a:b].tolist() for a, b in rows]
    cumulative = [list(accumulate(graph.weights[a:b].tolist())) for a, b in rows]
    rng = random.Random(0)
    steps = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in starts.tolist():
        walk = [start]
        for _ in range(walk_length - 1):
            options = neighbours[walk[-1]]
            if not options:
                break
            if weighted:
                walk.append(rng.choices(options, cum_weights=cumulative[walk[-1]])[0])
            else:
                walk.append(rng.choice(options))
        steps += len(walk) - 1
    return Timing(steps, time.perf_counter() - started, time.process_time() - cpu_started)


def vectorised_walk_steps(graph: CSRGraph, weighted: bool, repeats: int = 3) -> Timing:
    """The fastest of `repeats` runs of all SAGE-scale walks."""
    timings = []
    for repeat in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        walks = random_walks(graph, WALKS_PER_NODE, WALK_LENGTH, weighted=weighted, seed=repeat)
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        timings.append(Timing(int(np.count_nonzero(walks[:, 1:] != STOPPED)), wall_s, cpu_s))
    return min(timings, key=lambda timing: timing.wall_s)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=218_000, help="nodes (default: SAGE's)")
    parser.add_argument("--edges", type=int, default=2_200_000, help="edge draws (default: SAGE's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic graph")
    args = parser.parse_args()

    started = time.perf_counter()
    graph = power_law_graph(args.nodes, args.edges, args.seed)
    degree = graph.degree
    print(
        f"graph: {graph.n_nodes:,} nodes, {graph.n_edges // 2:,} undirected edges, degree median "
        f"{np.median(degree):.0f} / p99 {np.percentile(degree, 99):.0f} / max {degree.max():,}, "
        f"{np.count_nonzero(degree == 0):,} isolated; built in {time.perf_counter() - started:.1f}s"
    )

    sample = np.random.default_rng(1).integers(0, graph.n_nodes, PYTHON_WALKS)
    kinds = {False: "uniform", True: "weighted"}
    python, vectorised = {}, {}
    for weighted, kind in kinds.items():
        python[weighted] = python_walk_steps(graph, sample, WALK_LENGTH, weighted)
        print(python[weighted].describe(f"pure Python {kind:8}"))
    for weighted, kind in kinds.items():
        vectorised[weighted] = vectorised_walk_steps(graph, weighted)
        print(vectorised[weighted].describe(f"vectorised  {kind:8}"))

    for weighted, target in ((False, TARGET_UNIFORM), (True, TARGET_WEIGHTED)):
        fast, slow = vectorised[weighted], python[weighted]
        rate = fast.steps / fast.wall_s
        ratio = rate / (slow.steps / slow.wall_s)
        cpu_ratio = (fast.steps / fast.cpu_s) / (slow.steps / slow.cpu_s)
        verdict = "met" if rate >= target and ratio >= TARGET_RATIO else "MISSED"
        print(
            f"{kinds[weighted]:8}: vectorised / pure Python = {ratio:5.1f}x "
            f"(per CPU s {cpu_ratio:5.1f}x); "
            f"targets {target / 1e6:.0f}M steps/s and {TARGET_RATIO}x: {verdict}"
        )


if __name__ == "__main__":
    main()
