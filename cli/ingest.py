"""`sage ingest`: bring listening data into the store's catalog."""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from store import Store
from train.ingest.hetrec import read_hetrec
from train.ingest.listens_csv import read_listens_csv
from train.ingest.mpd import ingest_mpd
from train.ingest.write import write_catalog

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ingest",
        help="load listening data into the store",
        description="Load listening data into the store's catalog. Re-ingesting the same data "
        "changes nothing; a bad file changes nothing either (one transaction).",
    )
    parser.set_defaults(creates_store=True)  # where new stores come from
    sources = parser.add_subparsers(title="sources", metavar="SOURCE", required=True)

    hetrec = sources.add_parser(
        "hetrec",
        help="the HetRec 2011 Last.fm 2K dataset (bundled in data/)",
        description="Load artists, tags, users and play counts from the HetRec 2011 Last.fm "
        "2K files (artists.dat, user_artists.dat, tags.dat, user_taggedartists.dat, each "
        "plain or gzipped).",
    )
    hetrec.add_argument("directory", type=Path, help="folder holding the .dat or .dat.gz files")
    hetrec.set_defaults(handler=_ingest_hetrec)

    listens = sources.add_parser(
        "listens",
        help="a generic user,artist,plays CSV file",
        description="Load a CSV file with the header user,artist,plays (UTF-8, quoted as CSV, "
        "plain or gzipped). Artists are matched to the catalog by normalised name; unknown "
        "names become new artists.",
    )
    listens.add_argument("file", type=Path, help="the CSV file")
    listens.add_argument(
        "--source",
        help="name of this dataset, so users of different files stay apart "
        "(default: the file name without extensions)",
    )
    listens.set_defaults(handler=_ingest_listens)

    mpd = sources.add_parser(
        "mpd",
        help="Million Playlist Dataset slices: playlists of tracks",
        description="Load playlists in the Million Playlist Dataset's JSON format "
        "(mpd.slice.*.json). Artists are matched to the catalog by normalised name; unknown "
        "names become new artists. Tracks are keyed by track URI, playlists by pid, so "
        "ingesting the same slices again changes nothing. Every file is checked before "
        "anything is written: a bad one changes nothing.",
    )
    mpd.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH",
        help="a slice file (plain or gzipped), a folder of them (searched recursively for "
        ".json and .json.gz), or a tar archive of them (.tar, .tar.gz, .tgz, ...)",
    )
    mpd.set_defaults(handler=_ingest_mpd)

    audio = sources.add_parser(
        "audio",
        help="audio files (mp3, ogg, flac, wav) for the audio model",
        description="Record every audio file under a folder, link it to a catalog track or "
        "artist (or a new one: the cold-start case), and cache its mel spectrogram. Artist and "
        "title come from the folder's manifest.csv (path,artist,title), else the file's tags, "
        "else a name of the form 'Artist - Title.ext'. A file that does not decode is reported "
        "and skipped; ingesting the same files again changes nothing.",
    )
    audio.add_argument("directory", type=Path, help="folder searched for audio files, recursively")
    audio.add_argument("--features", type=Path,
                       help="feature cache folder (default: the store's path + .features)")
    audio.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="files decoded at once")
    audio.set_defaults(handler=_ingest_audio)


def _ingest_hetrec(args: argparse.Namespace) -> int:
    return _ingest(args.store, lambda: read_hetrec(args.directory))


def _ingest_listens(args: argparse.Namespace) -> int:
    source = args.source or args.file.name.split(".")[0]
    return _ingest(args.store, lambda: read_listens_csv(args.file, source=f"listens:{source}"))


def _ingest_mpd(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    counts = ingest_mpd(args.store, args.paths, progress=True)
    print(f"ingested {counts.playlists:,} playlists ({counts.entries:,} entries) from "
          f"{counts.files:,} files into {args.store} in {time.perf_counter() - started:.1f}s: "
          f"{counts.new_playlists:,} new playlists, {counts.new_tracks:,} new tracks, "
          f"{counts.new_artists:,} new artists")
    return 0


def _ingest_audio(args: argparse.Namespace) -> int:
    from train.audio.features import default_feature_dir  # librosa loads only for audio
    from train.audio.ingest import ingest_audio

    started = time.perf_counter()
    report = ingest_audio(
        args.store, args.directory, feature_dir=args.features or default_feature_dir(args.store),
        workers=args.workers,
    )
    links = report.links()
    print(f"ingested {len(report.files)} audio files into {args.store} in "
          f"{time.perf_counter() - started:.1f}s: {len(report.with_status('ok'))} new "
          f"({links['catalog_track']} of catalog tracks, {links['catalog_artist']} new tracks of "
          f"catalog artists, {links['new_artist']} of new artists), "
          f"{len(report.with_status('known'))} known already")
    for file in report.files:
        if file.status not in ("ok", "known"):
            print(f"skipped {file.path}: {file.reason}")
    return 0


def _ingest(store_path: Path, read_batch) -> int:
    started = time.perf_counter()
    batch = read_batch()
    with Store.open(store_path) as store:
        counts = write_catalog(store, batch)
    summary = ", ".join(f"{n:,} {kind.replace('_', ' ')}" for kind, n in counts.items() if n)
    print(f"ingested {summary} into {store_path} in {time.perf_counter() - started:.1f}s")
    return 0
