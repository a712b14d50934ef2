"""`sage ingest mpd` on the shared MPD subset: playlists/s, peak memory, and 1M extrapolated.

    python bench/mpd_ingest.py [--slices PATH] [--copies 3]

Ingests the 5,365-playlist subset (../shared/data; skipped when absent) into a fresh store,
then again (nothing changes: the idempotent path), next to the floor measured in the same
run: `json.loads` of the same files alone. Then times the two parts apart: parsing
(MB of JSON per second) and writing, by merging `--copies` more copies of the subset
(new pids and track URIs) into the same store, which also shows whether the write rate
holds as the tables grow. The 1M estimate parses the MPD's ~30 GB of JSON twice (the
check pass, then the write pass) and writes its 66,346,428 entries at the last copy's
rate. Memory does not grow with the input (one slice file and one batch at a time): the
peak is as measured, with what a fresh process needs to parse one real-size slice file.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
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
MPD_ENTRIES = 66_346_428  # in the MPD's 1,000,000 playlists
MPD_JSON_BYTES = 30e9  # ~30 MB a slice file of 1,000 playlists


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def timed(work) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def real_size_slice(slices: Path) -> bytes:
    """A slice file like a real MPD one: 66,346 entries (the MPD's mean per 1,000
    playlists) with every track field the MPD has, made from the subset's playlists."""
    playlists, entries = [], 0
    for _, raw in mpd._read_slices(mpd._slice_paths([slices])):
        for playlist in json.loads(raw)["playlists"]:
            for pos, track in enumerate(playlist["tracks"]):
                track |= {"pos": pos, "artist_uri": "spotify:artist:" + "x" * 22,
                          "album_uri": "spotify:album:" + "x" * 22,
                          "album_name": track["track_name"], "duration_ms": 215_000}
            playlists.append(playlist)
            entries += len(playlist["tracks"])
            if entries >= MPD_ENTRIES // 1_000:
                return json.dumps({"playlists": playlists}, indent=4).encode()
    raise SystemExit("the slices hold fewer entries than one real MPD slice file")


# VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's at the fork.
_PARSE_ONE = """
import sys
from train.ingest.mpd import parse_slice
def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))
resident = status("VmRSS:")
parse_slice(open(sys.argv[1], "rb").read(), "slice")
print(resident, status("VmHWM:"))
"""


def slice_memory_mb(raw: bytes) -> tuple[float, float]:
    """RSS of a fresh process after its imports, and its peak once it has read and parsed
    one slice file."""
    with tempfile.NamedTemporaryFile(suffix=".json") as file:
        file.write(raw)
        file.flush()
        resident_kb, peak_kb = subprocess.run(
            [sys.executable, "-c", _PARSE_ONE, file.name], capture_output=True, text=True,
            check=True, cwd=Path(__file__).resolve().parent.parent,
        ).stdout.split()
    return int(resident_kb) / 1e3, int(peak_kb) / 1e3


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


def batches_of(parsed: list[PlaylistBatch]) -> list[PlaylistBatch]:
    """The slices' columns grouped into write batches as the ingest groups them."""
    batches, pending = [], []
    for batch in parsed:
        pending.append(batch)
        if sum(b.n_entries for b in pending) >= mpd.BATCH_ENTRIES:
            batches.append(PlaylistBatch.concat(pending))
            pending = []
    return batches + ([PlaylistBatch.concat(pending)] if pending else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=Path, default=DEFAULT_SLICES,
                        help="MPD slices: a file, folder or tar archive")
    parser.add_argument("--copies", type=int, default=3,
                        help="copies of the subset merged after it, to watch the write rate "
                        "as the tables grow")
    args = parser.parse_args()
    if not args.slices.exists():
        print(f"skipped: {args.slices} is absent (the MPD subset lives in ../shared/data)")
        return

    with tempfile.TemporaryDirectory(prefix="sage-bench-") as tmp:
        store_path = Path(tmp) / "sage.duckdb"
        print(f"RSS after imports: {rss_mb():.0f} MB")
        counts, wall, cpu = timed(lambda: mpd.ingest_mpd(store_path, [args.slices]))
        peak = peak_rss_mb()
        _, again, _ = timed(lambda: mpd.ingest_mpd(store_path, [args.slices]))

        raws = list(mpd._read_slices(mpd._slice_paths([args.slices])))
        json_bytes = sum(len(raw) for _, raw in raws)
        _, floor, _ = timed(lambda: [json.loads(raw) for _, raw in raws])
        parsed, parse_s, _ = timed(lambda: [mpd.parse_slice(raw, where) for where, raw in raws])
        raws.clear()  # the raw JSON is no longer needed; free it before the report
        print(f"ingest: {counts.playlists:,} playlists, {counts.entries:,} entries from "
              f"{counts.files} files in {wall:.1f}s ({cpu:.1f} CPU s) = "
              f"{counts.playlists / wall:,.0f} playlists/s, {counts.entries / wall:,.0f} "
              f"entries/s; {wall / floor:.1f}x reading the JSON with json.loads alone")
        print(f"re-ingest (changes nothing): {again:.1f}s = {again / wall:.2f}x the first")
        print(f"parse (json.loads, checks, Arrow columns): {json_bytes / 1e6 / parse_s:.0f} "
              f"MB/s of JSON = {parse_s / floor:.2f}x json.loads alone")

        write_rates = []
        with Store.open(store_path) as store:
            batches = batches_of(parsed)
            for copy in range(1, args.copies + 1):
                seconds = merge_copy(store, batches, copy)
                write_rates.append(counts.entries / seconds)
                stored = store.con.execute("SELECT count(*) FROM playlist_tracks").fetchone()[0]
                print(f"write pass of copy {copy}: {write_rates[-1]:,.0f} entries/s, "
                      f"{stored:,} entries stored after it")
        if write_rates:
            print(f"write rate, last copy / first: {write_rates[-1] / write_rates[0]:.2f}")

    real = real_size_slice(args.slices)
    imported, parsed_peak = slice_memory_mb(real)
    print(f"ingest peak RSS {peak:.0f} MB; a fresh process reading and parsing one real-size "
          f"slice file ({len(real) / 1e6:.0f} MB, {MPD_ENTRIES // 1_000:,} entries) peaks at "
          f"{parsed_peak:.0f} MB ({imported:.0f} MB after its imports)")
    if write_rates:
        # Past the first KEPT_ENTRIES entries every file is parsed twice (check, write).
        parse_1m = 2 * MPD_JSON_BYTES / (json_bytes / parse_s)
        write_1m = MPD_ENTRIES / write_rates[-1]
        print(f"1M playlists ({MPD_ENTRIES:,} entries, ~{MPD_JSON_BYTES / 1e9:.0f} GB of JSON): "
              f"~{(parse_1m + write_1m) / 60:.0f} min = parsing twice {parse_1m / 60:.0f} min + "
              f"writing {write_1m / 60:.0f} min at the last copy's rate; memory does not grow "
              f"with the input (one file, one batch of {mpd.BATCH_ENTRIES:,} entries)")


if __name__ == "__main__":
    main()
