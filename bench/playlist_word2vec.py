"""word2vec throughput on playlists: words/s of the playlist space's training.

    python bench/playlist_word2vec.py [--store PATH] [--epochs 1]

Trains on the store's MPD playlists when it has them (`sage ingest mpd`), else on its
listens read as playlists, with the space's defaults and with CBOW as Artist2Vec
published it, each on 1 and 2 threads, and prints tokens per second of word2vec (the
corpus file is written once per run and timed apart). A token is one playlist entry
processed once; gensim's own "effective words" leave out down-sampled ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store, default_store_path  # noqa: E402
from store.catalog import load_listens, load_playlists  # noqa: E402
from train.playlist.corpus import (  # noqa: E402
    listening_sentences,
    playlist_sentences,
    train_sentence_vectors,
)
from train.playlist.params import ARTIST2VEC, PlaylistParams  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with playlists or listens (default: the usual store)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="passes per measurement (throughput does not depend on it)")
    args = parser.parse_args()

    with Store.open(args.store, read_only=True) as store:
        playlists = load_playlists(store)
        if len(playlists):
            source, sentences = "MPD playlists", playlist_sentences(playlists, "artist")
        else:
            source, sentences = "listens as playlists", listening_sentences(load_listens(store))
    n_tokens = len(sentences.tokens)
    print(f"{source}: {len(sentences.offsets) - 1:,} sentences, {n_tokens:,} tokens, "
          f"{args.epochs} epochs")

    settings = {
        "defaults": PlaylistParams().word2vec,
        "CBOW as published": ARTIST2VEC,
    }
    rates = {}
    for name, params in settings.items():
        for workers in (1, 2):
            started = time.perf_counter()
            learned = train_sentence_vectors(
                sentences, replace(params, epochs=args.epochs), seed=0, workers=workers
            )
            rate = n_tokens * args.epochs / learned.timings["word2vec"]
            rates[name, workers] = rate
            print(f"{name:<18} {workers} thread{'s' if workers > 1 else ' '}: "
                  f"{rate:>10,.0f} tokens/s (corpus file {learned.timings['corpus']:.2f}s, "
                  f"all {time.perf_counter() - started:.1f}s)")
    for name in settings:
        print(f"{name}: 2 threads / 1 = {rates[name, 2] / rates[name, 1]:.2f}x "
              f"(this machine has {os.cpu_count()} cores)")
    print(f"defaults / CBOW as published, 1 thread: "
          f"{rates['defaults', 1] / rates['CBOW as published', 1]:.2f}x")


if __name__ == "__main__":
    main()
