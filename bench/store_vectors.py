"""Vectors through the store versus the floor of reading a .npy file.

    python bench/store_vectors.py [--rows 218000] [--dim 100] [--repeat 7]

Writes a run of random float32 vectors (SAGE scale: 218,000 artists x 100 dims), reads
the active space back into numpy through Arrow, and prints both against `np.load` of
the same matrix, measured in the same run. The issue's bar: read <= 3x np.load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store  # noqa: E402
from store.runs import RunRecord, read_active_vectors, record_run  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=218_000, help="vectors to write (default 218000)")
    parser.add_argument("--dim", type=int, default=100, help="dimensions (default 100)")
    parser.add_argument("--repeat", type=int, default=7, help="timed reads; the median is shown")
    args = parser.parse_args()

    matrix = np.random.default_rng(0).standard_normal((args.rows, args.dim)).astype(np.float32)
    ids = np.arange(args.rows, dtype=np.int64)
    now = datetime.now(UTC)
    run = RunRecord("bench", "artist", {}, "bench", now, now)

    with tempfile.TemporaryDirectory() as tmp:
        npy = Path(tmp) / "vectors.npy"
        np.save(npy, matrix)
        with Store.open(Path(tmp) / "bench.duckdb") as store:
            started = time.perf_counter()
            record_run(store, run, ids, matrix, activate=True)
            write_s = time.perf_counter() - started
        np_load_s, _ = timed(lambda: np.load(npy), args.repeat)
        with Store.open(Path(tmp) / "bench.duckdb", read_only=True) as store:
            store_read_s, loaded = timed(lambda: read_active_vectors(store, "bench"), args.repeat)
        assert loaded.matrix.tobytes() == matrix.tobytes(), "round trip is not bit-exact"

    mb = matrix.nbytes / 1e6
    print(f"{args.rows:,} x {args.dim} float32 ({mb:.0f} MB)")
    print(f"write run + vectors (Arrow)   {write_s * 1e3:8.1f} ms  ({mb / write_s:.0f} MB/s)")
    print(f"np.load (floor)               {np_load_s * 1e3:8.1f} ms")
    print(f"store read into numpy         {store_read_s * 1e3:8.1f} ms")
    ratio = store_read_s / np_load_s
    print(f"read / np.load                {ratio:8.2f}x   (bar: <= 3x) {'OK' if ratio <= 3 else 'OVER'}")


if __name__ == "__main__":
    main()
