"""`sage ingest mpd` on the shared MPD subset: playlists/s, peak memory, and 1M extrapolated.

    python bench/mpd_ingest.py [--slices PATH] [--copies 3]

Ingests the 5,365-playlist subset (../shared/data; skipped when absent) into a fresh store,
then again (nothing changes: the idempotent path), and prints both next to the floor
measured in the same run: reading the same files and `json.loads` alone. Then merges
`--copies` more copies of the subset's playlists (new pids and track URIs) into the same
store, to show whether the write rate holds as the tables grow. The 1M figure scales the
time per playlist entry to the MPD's 66,346,428 entries; memory does not scale with the
input (one slice file and one batch at a time), so the peak is reported as measured,
with the memory that parsing one real-size slice file (1,000 playlists) takes.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store  # noqa: E402
from train.ingest import mpd  # noqa: E402
from train.ingest.write_playlists import PlaylistBatch, merge_playlists  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_SLICES = SHARED / "spotify-mpd-subset-soundscout" / "mpd_subset_slices.tar.gz"
MPD_PLAYLISTS, MPD_ENTRIES = 1_000_000, 66_346_428


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def timed(work) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def read_floor(slices: Path) -> float:
    """Seconds to read and json.loads every slice: the least any Python ingest costs."""
    files = mpd._slice_paths([slices])
    _, wall, _ = timed(lambda: [json.loads(raw) for _, raw in mpd._read_slices(files)])
    return wall


def slice_memory_mb(slices: Path) -> float:
    """RSS growth while parsing one slice file of 1,000 playlists (real MPD file size)."""
    files = mpd._slice_paths([slices])
    playlists = []
    for _, raw in mpd._read_slices(files):
        playlists += json.loads(raw)["playlists"]
        if len(playlists) >= 1_000:
            break
    raw = json.dumps({"playlists": playlists[:1_000]}, indent=4).encode()
    before = rss_mb()
    document = json.loads(raw)
    batch = mpd.parse_slice(raw, "one slice")
    grown = rss_mb() - before
    del document, batch
    return grown


def merge_copy(store: Store, batches: list[PlaylistBatch], copy: int) -> float:
    """Seconds to write the subset again as new playlists of new tracks."""
    started = time.perf_counter()
    for batch in batches:
        renamed = PlaylistBatch(
            pids=batch.pids + copy * 10_000_000, names=batch.names, lengths=batch.lengths,
            artist_names=batch.artist_names, track_names=batch.track_names,
            track_uris=pc.binary_join_element_wise(batch.track_uris, pa.scalar(f"#{copy}"), ""),
            artist_uris=batch.artist_uris, album_names=batch.album_names,
        )
        with store.transaction() as con:
            merge_playlists(con, renamed, source=mpd.SOURCE)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=Path, default=DEFAULT_SLICES,
                        help="MPD slices: a file, folder or tar archive")
    parser.add_argument("--copies", type=int, default=3,
                        help="extra copies of the subset merged to watch the rate as tables grow")
    args = parser.parse_args()
    if not args.slices.exists():
        print(f"skipped: {args.slices} is absent (the MPD subset lives in ../shared/data)")
        return

    print(f"RSS after imports: {rss_mb():.0f} MB")
    floor = read_floor(args.slices)
    with tempfile.TemporaryDirectory(prefix="sage-bench-") as tmp:
        store_path = Path(tmp) / "sage.duckdb"
        counts, wall, cpu = timed(lambda: mpd.ingest_mpd(store_path, [args.slices]))
        peak = peak_rss_mb()
        _, again, _ = timed(lambda: mpd.ingest_mpd(store_path, [args.slices]))

        per_entry = wall / counts.entries
        print(f"ingest: {counts.playlists:,} playlists, {counts.entries:,} entries from "
              f"{counts.files} files in {wall:.1f}s ({cpu:.1f} CPU s) = "
              f"{counts.playlists / wall:,.0f} playlists/s, {counts.entries / wall:,.0f} "
              f"entries/s; {wall / floor:.1f}x the read + json.loads floor ({floor:.1f}s)")
        print(f"re-ingest (changes nothing): {again:.1f}s = {again / wall:.2f}x the first")
        print(f"peak RSS {peak:.0f} MB; parsing one 1,000-playlist slice file takes "
              f"{slice_memory_mb(args.slices):.0f} MB more")
        print(f"1M playlists ({MPD_ENTRIES:,} entries) at this time per entry: "
              f"{per_entry * MPD_ENTRIES / 60:.0f} min, memory as above (bounded by one "
              f"file and one batch of {mpd.BATCH_ENTRIES:,} entries)")

        if args.copies:
            files = mpd._slice_paths([args.slices])
            parsed = [mpd.parse_slice(raw, where) for where, raw in mpd._read_slices(files)]
            batches, pending = [], []
            for batch in parsed:
                pending.append(batch)
                if sum(b.n_entries for b in pending) >= mpd.BATCH_ENTRIES:
                    batches.append(PlaylistBatch.concat(pending))
                    pending = []
            batches += [PlaylistBatch.concat(pending)] if pending else []
            with Store.open(store_path) as store:
                rates = []
                for copy in range(1, args.copies + 1):
                    seconds = merge_copy(store, batches, copy)
                    rates.append(counts.entries / seconds)
                    n_entries = store.con.execute(
                        "SELECT count(*) FROM playlist_tracks").fetchone()[0]
                    print(f"write pass, copy {copy}: {rates[-1]:,.0f} entries/s with "
                          f"{n_entries:,} entries stored")
            print(f"last copy's write rate / first's: {rates[-1] / rates[0]:.2f} "
                  f"(peak RSS now {peak_rss_mb():.0f} MB)")


if __name__ == "__main__":
    main()
