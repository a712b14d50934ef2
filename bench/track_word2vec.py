"""Track word2vec at real scale: tokens/s and the track neighbour test, per setting.

    python bench/track_word2vec.py [--store PATH] [--workers 2] [--settings NAME...]

Trains the playlist-track space's word2vec (tracks as words) on the store's MPD playlists
(`sage ingest mpd`) with each setting, the current defaults first, and prints:

- tokens/s: playlist entries per second of a whole training (all its epochs), on the
  store's own vocabulary (min_count drops the slice's many tracks seen once or twice).
- full-vocabulary tokens/s: one epoch with every track kept (min_count 1), times the
  setting's epochs, and its ratio to the first setting's (the defaults unless --settings
  leaves them out). Most of the full MPD's entries are tracks seen 5 times or more, and
  dropped tracks shorten the sentences a skip-gram window spans, so this rate, not the
  one above, is the one to extrapolate to 1M playlists (66M entries): hours = 66M / it.
- the track neighbour test (train.evaluate.neighbours' method with tracks for artists):
  the overlap of each track's 20 nearest with the 20 tracks it shares most playlists with
  (shared / sqrt(count_a * count_b), at least 2 shared), per popularity group by
  playlist count (the 500 most playlisted tracks, ranks 500-5,000, the rest). Listening
  data names no tracks and the slice is too small for held-out playlists to give tracks
  20 related ones, so the truth is the playlists the space learned from: the test says
  how much of what playlists say a setting keeps, not how it generalises.

Measured on the shared MPD slice (5,365 playlists, 519,521 entries, 169,802 tracks, 18,356
seen 5 times or more), 2 threads on 2 shared cores:

    setting                            tokens/s full-vocab / defaults hours    top middle  rare
    defaults *                              816        190       1.0x  97.2  0.554  0.347 0.272
    CBOW                                 17,163      4,245      22.4x   4.3  0.347  0.200 0.139
    CBOW 10 epochs                       32,938      9,658      50.9x   1.9  0.288  0.156 0.103
    CBOW 5 negative                      19,262      5,462      28.8x   3.4  0.324  0.177 0.123
    skip-gram 5 epochs                    2,824        677       3.6x  27.2  0.305  0.220 0.170
    skip-gram window 20, 10 epochs        5,817      1,772       9.3x  10.4  0.242  0.216 0.156
    skip-gram window 10, 5 epochs        25,910      6,319      33.3x   2.9  0.295  0.171 0.092
    skip-gram window 10 **                9,805      2,473       8.5x  11.4  0.151  0.190 0.153
    skip-gram window 10, 5 negative **   17,351      3,963      13.6x   7.1  0.160  0.182 0.140

    * skip-gram, window 150, 10 negative samples, 20 epochs; hours: for 66M entries

The rows without ** are one run (`--settings` naming them, in this order). 1M playlists
in an hour would take 18,400 full-vocabulary tokens/s, 97 times the defaults' rate.
Tracks scored: 500 top, 4,500 middle, 12,440 rare (the rare tracks with a vector: seen 5
times or more). The rows marked ** are a second run (`--settings "skip-gram window 10, 5
epochs" "skip-gram window 10" "skip-gram window 10, 5 negative"`, on a less loaded
machine: its first row ran at 9,692 full-vocabulary tokens/s against 6,319 here); their
ratio and hours are scaled through that shared row. Every setting is worse than the
defaults in every popularity group, most at the top: whole playlists as context (window
150) and 20 epochs are what keep track neighbours, and skip-gram is what uses them. None
reaches 1 hour for 66M entries; the nearest, CBOW with 10 epochs (1.9 hours), keeps about
half of the defaults' overlap (0.29, 0.16, 0.10), and CBOW with 20 epochs (4.3 hours)
about 60% (0.35, 0.20, 0.14). So the track space keeps the defaults. The slice cannot say
how many epochs 1M playlists need: there each track is seen about 128 times as often per
epoch, so fewer epochs may cost less than they do here.

Rates are of one run on a shared machine: compare them as ratios within it.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store, default_store_path  # noqa: E402
from store.catalog import load_playlists  # noqa: E402
from train.evaluate.neighbours import (  # noqa: E402
    GROUP_BOUNDS,
    GROUPS,
    neighbour_overlap,
    related_by_cooccurrence,
)
from train.graph.params import Word2VecParams  # noqa: E402
from train.playlist.corpus import playlist_sentences, train_sentence_vectors  # noqa: E402
from train.playlist.params import DEFAULT_WORD2VEC  # noqa: E402
from train.vectors import ArtistVectors  # noqa: E402

MPD_ENTRIES = 66_346_428  # the Million Playlist Dataset's playlist entries


def settings() -> dict[str, Word2VecParams]:
    """The track space's defaults (the artist space's), then cheaper settings."""
    return {
        "defaults": DEFAULT_WORD2VEC,  # skip-gram, window 150, 10 negative, 20 epochs
        "CBOW": replace(DEFAULT_WORD2VEC, sg=0),
        "CBOW 10 epochs": replace(DEFAULT_WORD2VEC, sg=0, epochs=10),
        "CBOW 5 negative": replace(DEFAULT_WORD2VEC, sg=0, negative=5),
        "skip-gram 5 epochs": replace(DEFAULT_WORD2VEC, epochs=5),
        "skip-gram window 20, 10 epochs": replace(DEFAULT_WORD2VEC, window=20, epochs=10),
        "skip-gram window 10, 5 epochs": replace(DEFAULT_WORD2VEC, window=10, epochs=5),
        "skip-gram window 10": replace(DEFAULT_WORD2VEC, window=10),
        "skip-gram window 10, 5 negative": replace(DEFAULT_WORD2VEC, window=10, negative=5),
    }


def playlist_ranks(track_ids: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """The group index (into GROUPS) of each track by how many entries it has (rank 0
    the most; ties: lower id first), with the artist test's bounds."""
    tracks, entries = np.unique(tokens, return_counts=True)
    ranked = tracks[np.lexsort((tracks, -entries))]
    rank_of = np.empty(len(tracks), dtype=np.int64)
    rank_of[np.searchsorted(tracks, ranked)] = np.arange(len(ranked))
    return np.searchsorted(np.asarray(GROUP_BOUNDS), rank_of[np.searchsorted(tracks, track_ids)],
                           side="right")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with MPD playlists (default: the usual store)")
    parser.add_argument("--workers", type=int, default=2, help="word2vec threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of word2vec")
    parser.add_argument("--settings", nargs="+", choices=list(settings()),
                        default=list(settings()), help="which settings to run")
    args = parser.parse_args()

    with Store.open(args.store, read_only=True) as store:
        playlists = load_playlists(store)
    if len(playlists) == 0:
        sys.exit("no playlists in the store: `sage ingest mpd` first")
    sentences = playlist_sentences(playlists, "track")
    n_tokens = len(sentences.tokens)
    owners = np.repeat(playlists.playlist_ids, sentences.lengths).astype(np.int64)
    truth = related_by_cooccurrence(owners, sentences.tokens.astype(np.int64),
                                    source="playlists")
    groups = playlist_ranks(truth.artist_ids, sentences.tokens)
    print(f"{len(playlists):,} playlists, {n_tokens:,} entries, "
          f"{len(np.unique(sentences.tokens)):,} tracks, {len(truth.artist_ids):,} with 20 "
          f"related; {args.workers} threads")
    print(f"setting | tokens/s | full-vocabulary tokens/s | / {args.settings[0]} | hours for 66M | "
          + " | ".join(f"{group} overlap (tracks)" for group in GROUPS))

    baseline = None
    for name in args.settings:
        params = settings()[name]
        one_epoch = train_sentence_vectors(
            sentences, replace(params, min_count=1, epochs=1), seed=args.seed,
            workers=args.workers)
        full_rate = n_tokens / one_epoch.timings["word2vec"] / params.epochs
        started = time.perf_counter()
        learned = train_sentence_vectors(sentences, params, seed=args.seed,
                                         workers=args.workers)
        rate = n_tokens / learned.timings["word2vec"]
        baseline = baseline or full_rate
        overlap = neighbour_overlap(ArtistVectors(learned.entity_ids, learned.vectors),
                                    truth, groups)
        print(f"{name} | {rate:,.0f} | {full_rate:,.0f} | {full_rate / baseline:.1f}x | "
              f"{MPD_ENTRIES / full_rate / 3600:.1f} | "
              + " | ".join(f"{o.overlap:.3f} ({o.artists:,})" for o in overlap.values())
              + f"  [{time.perf_counter() - started:.0f}s]", flush=True)


if __name__ == "__main__":
    main()
