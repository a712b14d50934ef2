"""The recommendation pipeline against the bare numpy floor and against DuckDB.

    python bench/search.py [--rows 218000] [--dim 100] [--repeat 200] [--threads 2]

At SAGE scale (218,000 artists x 100 dims, random unit vectors, seeded), for queries of
3 likes and 1 hate asking for 10 results, prints medians over many repetitions of:

- floor: `X @ q` and `np.argpartition` over the loaded unit matrix, nothing else;
- pipeline: engine.pipeline.recommend (compose, search, filters, explain) in a plain
  cosine space;
- served default: the same vectors ranked as the default (hybrid) space is served, its
  prior, a graph step on a related-artists graph of 10 edges an artist, its discovery
  slots, and then the answer's reasons (engine.evidence, over the store's 1M listens);
- DuckDB: ORDER BY array_cosine_similarity(vector, ?::FLOAT[100]) DESC LIMIT 10 over
  the same vectors in a store;
- engine ready: opening the store and loading the space with names and popularity;
- an int8 pre-scan with exact float32 re-rank, the quantised alternative;
- finding rows of ids: np.searchsorted on the sorted ids versus a dict.

Floor and pipeline are timed in alternation, so load from other processes hits both
alike. Bars: pipeline <= 1.3x floor, served default <= 1.5x floor, DuckDB >= 4x
pipeline, ready <= 2 s; the int8
stretch bar is <= 0.6x floor at recall@10 >= 0.99.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.compose import Seed, compose
from engine.evidence import EvidenceIndex
from engine.graph_step import GraphEdges
from engine.pipeline import recommend
from engine.ranking import Ranking
from engine.space import LoadedSpace, load_space
from store import Store
from store.catalog import load_listens
from store.runs import RunRecord, record_run
from train.hybrid.params import HybridParams

SPACE = "bench"
K = 10
QUERIES = 32
GRAPH_DEGREE = 10  # related artists per artist in the served default's graph
INT8_RERANK = 100  # candidates the int8 pre-scan hands to the exact re-rank


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def write_store(path: Path, matrix: np.ndarray, rng: np.random.Generator) -> None:
    """A store with the vectors as the active run of SPACE, named artists and listens."""
    rows = len(matrix)
    artists = pa.table({
        "artist_id": pa.array(np.arange(rows, dtype=np.int32)),
        "name": pa.array([f"Artist {i}" for i in range(rows)]),
        "norm_name": pa.array([f"artist {i}" for i in range(rows)]),
        "source": pa.array(["bench"] * rows),
        "source_key": pa.array([str(i) for i in range(rows)]),
    })
    # Zipf-like listening: a few artists with many listeners, a long tail with few.
    users = rng.integers(0, 20_000, 1_000_000)
    listened = np.minimum(rng.zipf(1.3, 1_000_000) - 1, rows - 1)
    pairs = np.unique(np.stack([users, listened], axis=1), axis=0)
    listens = pa.table({
        "user_id": pa.array(pairs[:, 0].astype(np.int32)),
        "artist_id": pa.array(pairs[:, 1].astype(np.int32)),
        "plays": pa.array(np.ones(len(pairs), dtype=np.int64)),
    })
    now = datetime.now(UTC)
    with Store.open(path) as store:
        store.con.register("bench_artists", artists)
        store.con.register("bench_listens", listens)
        store.con.execute(
            "INSERT INTO artists (artist_id, name, norm_name, source, source_key) "
            "SELECT * FROM bench_artists"
        )
        store.con.execute("INSERT INTO listens SELECT * FROM bench_listens")
        record_run(store, RunRecord(SPACE, "artist", {}, "bench", now, now),
                   np.arange(rows, dtype=np.int64), matrix, activate=True)


def queries(space: LoadedSpace, rng: np.random.Generator) -> list[tuple[list[Seed], list[Seed]]]:
    picked = rng.choice(space.entity_ids, size=(QUERIES, 4), replace=False)
    return [([Seed(int(a)) for a in ids[:3]], [Seed(int(ids[3]))]) for ids in picked]


def floor_top(unit: np.ndarray, taste: np.ndarray) -> np.ndarray:
    return np.argpartition(unit @ taste, -K)[-K:]


def bench_pipeline(space: LoadedSpace, asked, repeat: int) -> tuple[float, float, float]:
    """Medians of floor, pipeline and pipeline with novelty, timed in alternation."""
    tastes = [compose(space, likes, hates).taste.vector for likes, hates in asked]
    floor, pipeline, novel = [], [], []
    for i in range(repeat):
        likes, hates = asked[i % len(asked)]
        taste = tastes[i % len(asked)]
        for times, run in (
            (floor, partial(floor_top, space.unit, taste)),
            (pipeline, partial(recommend, space, likes, hates, k=K)),
            (novel, partial(recommend, space, likes, hates, k=K, novelty=0.5)),
        ):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return tuple(statistics.median(t) * 1e3 for t in (floor, pipeline, novel))


def served_space(space: LoadedSpace, rng: np.random.Generator) -> LoadedSpace:
    """The same vectors ranked as the default space is served: the hybrid's ranking
    settings (its prior, a graph step on a related-artists graph of GRAPH_DEGREE edges an
    artist, its discovery slots)."""
    n = len(space)
    src = np.repeat(space.entity_ids, GRAPH_DEGREE)
    dst = space.entity_ids[rng.integers(0, n, n * GRAPH_DEGREE)]
    weight = np.full(len(src), 1 / GRAPH_DEGREE, dtype=np.float32)
    hybrid = HybridParams()
    ranking = Ranking(hybrid.popularity_prior, hybrid.step_weight, hybrid.discovery,
                      graph_run=space.run_id)
    return LoadedSpace.from_arrays(space.name, space.entity_ids, space.unit, space.catalog,
                                   run_id=space.run_id, ranking=ranking,
                                   graph_edges=GraphEdges(src, dst, weight))


def bench_served(space: LoadedSpace, evidence: EvidenceIndex, asked,
                 repeat: int) -> tuple[float, float]:
    """Medians of floor and of the served answer (the pipeline, then the reasons),
    timed in alternation."""
    tastes = [compose(space, likes, hates).taste.vector for likes, hates in asked]

    def served(likes, hates) -> None:
        items = recommend(space, likes, hates, k=K).items
        evidence.explain(space, [seed.artist_id for seed in likes],
                         [item.artist_id for item in items])

    floor, answer = [], []
    for i in range(repeat):
        likes, hates = asked[i % len(asked)]
        for times, run in ((floor, partial(floor_top, space.unit, tastes[i % len(asked)])),
                           (answer, partial(served, likes, hates))):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
    return statistics.median(floor) * 1e3, statistics.median(answer) * 1e3


def bench_duckdb(path: Path, space: LoadedSpace, asked, repeat: int, threads: int) -> float:
    tastes = [compose(space, likes, hates).taste.vector for likes, hates in asked]
    sql = (  # the dimension is an int of ours, never user text
        f"SELECT entity_id FROM vectors_d{space.dim} WHERE run_id = ? "
        f"ORDER BY array_cosine_similarity(vector, ?::FLOAT[{space.dim}]) DESC LIMIT {K}"
    )
    with Store.open(path, read_only=True) as store:
        store.con.execute(f"SET threads = {int(threads)}")
        for taste in tastes[:3]:  # DuckDB agrees with the exact top 10
            rows = store.con.execute(sql, [space.run_id, taste.tolist()]).fetchall()
            found = {row[0] for row in rows}
            exact = set(space.entity_ids[floor_top(space.unit, taste)].tolist())
            assert found == exact, "DuckDB and numpy disagree on the top 10"
        times = []
        for i in range(repeat):
            taste = tastes[i % len(tastes)].tolist()
            started = time.perf_counter()
            store.con.execute(sql, [space.run_id, taste]).fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def bench_int8(space: LoadedSpace, asked, repeat: int) -> tuple[float, float]:
    """An int8 pre-scan (int32 sums) and exact float32 re-rank: median ms and recall@10."""
    scale = 127 / np.abs(space.unit).max()
    quantised = np.round(space.unit * scale).astype(np.int8)
    tastes = [compose(space, likes, hates).taste.vector for likes, hates in asked]

    def search(taste: np.ndarray) -> np.ndarray:
        q = np.round(taste * (127 / np.abs(taste).max())).astype(np.int8)
        rough = np.einsum("ij,j->i", quantised, q, dtype=np.int32, casting="unsafe")
        shortlist = np.argpartition(rough, -INT8_RERANK)[-INT8_RERANK:]
        exact = space.unit[shortlist] @ taste
        return shortlist[np.argpartition(exact, -K)[-K:]]

    recall = np.mean([
        len(set(search(t).tolist()) & set(floor_top(space.unit, t).tolist())) / K for t in tastes
    ])
    return median_ms(lambda: search(tastes[0]), repeat), float(recall)


def rows_by_dict(row_of: dict[int, int], ids: list[int]) -> np.ndarray:
    return np.array([row_of.get(i, -1) for i in ids])


def bench_id_lookup(space: LoadedSpace, rng: np.random.Generator, repeat: int) -> None:
    few = rng.choice(space.entity_ids, 4).tolist()
    many = rng.choice(space.entity_ids, 1_000).tolist()
    def build() -> dict[int, int]:
        return dict(zip(space.entity_ids.tolist(), range(len(space)), strict=True))

    build_ms = median_ms(build, 5)
    row_of = build()
    for label, ids in (("4 ids", few), ("1,000 ids", many)):
        sorted_ms = median_ms(partial(space.rows_of, ids), repeat)
        dict_ms = median_ms(partial(rows_by_dict, row_of, ids), repeat)
        print(f"  rows of {label:9}  searchsorted {sorted_ms * 1e3:7.1f} us   "
              f"dict {dict_ms * 1e3:7.1f} us")
    print(f"  (the dict costs {build_ms:.0f} ms to build at load; searchsorted needs nothing)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=218_000, help="vectors (default 218000)")
    parser.add_argument("--dim", type=int, default=100, help="dimensions (default 100)")
    parser.add_argument("--repeat", type=int, default=200,
                        help="timed queries for floor and pipeline; medians are shown")
    parser.add_argument("--threads", type=int, default=2,
                        help="BLAS and DuckDB threads (default 2)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(args.threads):
        path = Path(tmp) / "bench.duckdb"
        write_store(path, matrix, rng)

        def ready() -> LoadedSpace:
            with Store.open(path, read_only=True) as store:
                return load_space(store, SPACE)

        ready_ms = median_ms(ready, 5)
        space = ready()
        asked = queries(space, rng)
        floor_ms, pipeline_ms, novelty_ms = bench_pipeline(space, asked, args.repeat)
        duckdb_ms = bench_duckdb(path, space, asked, max(args.repeat // 10, 5), args.threads)
        int8_ms, int8_recall = bench_int8(space, asked, max(args.repeat // 4, 10))

        print(f"{args.rows:,} x {args.dim} unit vectors, 3 likes + 1 hate, top {K}, "
              f"{args.threads} thread(s), medians of {args.repeat} queries")
        print(f"engine ready (open store, vectors + names)  {ready_ms:8.1f} ms   "
              f"(bar <= 2000 ms) {'OK' if ready_ms <= 2000 else 'OVER'}")
        print(f"floor: X @ q + argpartition                 {floor_ms:8.2f} ms")
        ratio = pipeline_ms / floor_ms
        print(f"pipeline (compose, search, filter, explain) {pipeline_ms:8.2f} ms   "
              f"{ratio:5.2f}x floor (bar <= 1.3x) {'OK' if ratio <= 1.3 else 'OVER'}")
        print(f"pipeline with novelty 0.5                   {novelty_ms:8.2f} ms   "
              f"{novelty_ms / floor_ms:5.2f}x floor")
        speedup = duckdb_ms / pipeline_ms
        print(f"DuckDB ORDER BY array_cosine_similarity     {duckdb_ms:8.2f} ms   "
              f"pipeline {speedup:5.1f}x faster (bar >= 4x) {'OK' if speedup >= 4 else 'UNDER'}")
        int8_ok = int8_ms <= 0.6 * floor_ms and int8_recall >= 0.99
        print(f"int8 pre-scan + fp32 re-rank of {INT8_RERANK}        {int8_ms:8.2f} ms   "
              f"{int8_ms / floor_ms:5.2f}x floor, recall@10 {int8_recall:.3f} "
              f"(bar <= 0.6x at >= 0.99) {'OK' if int8_ok else 'MISSED'}")
        with Store.open(path, read_only=True) as store:
            evidence = EvidenceIndex(load_listens(store), space.catalog, None)
        served_floor_ms, served_ms = bench_served(served_space(space, rng), evidence, asked,
                                                  args.repeat)
        ratio = served_ms / served_floor_ms
        print(f"served default (graph step, slots, reasons) {served_ms:8.2f} ms   "
              f"{ratio:5.2f}x floor (bar <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER'}")
        bench_id_lookup(space, rng, args.repeat)


if __name__ == "__main__":
    main()
