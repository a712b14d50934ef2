"""How the playlist space's defaults were chosen: each setting on the validation split.

    python bench/playlist_tuning.py [--store PATH] [--workers 1] [--neighbours]

Scores Artist2Vec as published and variants of it on a validation split drawn from the
training part of the held-out test (never the test users), next to item-item cosine
measured in the same run; "+" rows change one setting of the defaults, "@" is the prior. The taste test hides listens, so each model learns from the
training listens read as playlists (each user's artists). Each setting is trained once
and ranked at several popularity priors, because the prior trades precision for tail
recall differently in every space: settings are compared by their precision@20 where
their tail recall equals the graph space's (interpolated between priors), and that is
where the defaults' prior comes from. Takes about 12 minutes on 2 cores.

With --neighbours, also trains the published settings and the defaults on the store's
MPD playlists (`sage ingest mpd`) and prints the Artist2Vec neighbour test per popularity
group against related artists by shared listeners (train.evaluate.neighbours): about 35
minutes on 2 cores for the 5,365-playlist subset.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.ranking import Ranking  # noqa: E402
from store import Store, default_store_path  # noqa: E402
from store.catalog import load_listens, load_playlists  # noqa: E402
from train.evaluate.baselines import ItemItemRecommender  # noqa: E402
from train.evaluate.harness import Evaluation, evaluate, format_table  # noqa: E402
from train.evaluate.neighbours import (  # noqa: E402
    listening_truth,
    neighbour_overlap,
    popularity_groups,
)
from train.evaluate.served import ServedRecommender  # noqa: E402
from train.evaluate.split import holdout_split, validation_split  # noqa: E402
from train.graph.params import Word2VecParams  # noqa: E402
from train.playlist.corpus import playlist_sentences, train_sentence_vectors  # noqa: E402
from train.playlist.heldout import PlaylistVectors  # noqa: E402
from train.playlist.params import ARTIST2VEC, DEFAULT_WORD2VEC, PlaylistParams  # noqa: E402
from train.vectors import ArtistVectors  # noqa: E402

PRIORS = tuple(step / 20 for step in range(21))  # 0, 0.05, ..., 1
TABLE_PRIORS = (0.0, 0.25, 0.5, 1.0)
# The prior of the defaults is where their tail recall meets the graph space's at its own
# default; other settings are compared at that tail recall too (train.playlist.params).
TARGET_TAIL_RECALL = 0.027


def variants() -> dict[str, Word2VecParams]:
    """The published settings, a cheaper CBOW, then the defaults and one change each."""
    return {
        "published": ARTIST2VEC,  # CBOW, 100 negative samples, 50 epochs
        "CBOW 5 neg": replace(ARTIST2VEC, negative=5),
        "defaults": DEFAULT_WORD2VEC,  # skip-gram, 10 negative samples, 20 epochs
        "+ 5 neg": replace(DEFAULT_WORD2VEC, negative=5),
        "+ 20 neg": replace(DEFAULT_WORD2VEC, negative=20),
        "+ 40 epochs": replace(DEFAULT_WORD2VEC, epochs=40),
        "+ window 20": replace(DEFAULT_WORD2VEC, window=20),
        "+ min_count 1": replace(DEFAULT_WORD2VEC, min_count=1),
        "+ sample 1e-4": replace(DEFAULT_WORD2VEC, sample=1e-4),
        "+ 50 dims": replace(DEFAULT_WORD2VEC, vector_size=50),
    }


def precision_at_tail(
    curve: list[tuple[float, float, float]], tail_recall: float
) -> tuple[float, float] | None:
    """(prior, precision) where a (prior, precision, tail recall) curve, ranked by prior,
    crosses `tail_recall`, linearly between the two priors around it."""
    for (p0, precision0, tail0), (p1, precision1, tail1) in zip(curve, curve[1:]):
        if tail0 >= tail_recall >= tail1 and tail0 > tail1:
            share = (tail0 - tail_recall) / (tail0 - tail1)
            return p0 + share * (p1 - p0), precision0 + share * (precision1 - precision0)
    return None


class AtPrior:
    """A fitted playlist recommender ranked at another prior; fitting it again is free."""

    def __init__(self, fitted: ServedRecommender, prior: float):
        self.fitted = fitted
        self.prior = prior

    def fit(self, train) -> None:
        self.fitted.ranking = Ranking(self.prior)

    def recommend_many(self, likes, k):
        return self.fitted.recommend_many(likes, k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with listens (default: the usual store)")
    parser.add_argument("--workers", type=int, default=1,
                        help="word2vec threads (1: reproducible figures)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split and the models")
    parser.add_argument("--neighbours", action="store_true",
                        help="also run the neighbour test on the store's MPD playlists (slow)")
    args = parser.parse_args()
    assert variants()["defaults"] == PlaylistParams().word2vec

    with Store.open(args.store, read_only=True) as store:
        listens = load_listens(store)
        playlists = load_playlists(store) if args.neighbours else None
    validation = validation_split(holdout_split(listens, seed=args.seed), seed=args.seed + 1)
    evaluations: dict[str, Evaluation] = {
        "item-item cosine": evaluate(ItemItemRecommender(), validation)
    }
    at_target: dict[str, tuple[float, float] | None] = {}
    for name, word2vec in variants().items():
        fitted = ServedRecommender(PlaylistVectors(PlaylistParams(word2vec=word2vec),
                                                   seed=args.seed, workers=args.workers),
                                   Ranking())
        started = time.perf_counter()
        fitted.fit(validation.train)
        fit_seconds = time.perf_counter() - started
        curve = []
        for prior in PRIORS:
            scored = replace(evaluate(AtPrior(fitted, prior), validation),
                             fit_seconds=fit_seconds)
            curve.append((prior, scored.metrics.precision, scored.metrics.tail_recall))
            if prior in TABLE_PRIORS:
                evaluations[f"{name} @{prior:g}"] = scored
                print(format_table({f"{name} @{prior:g}": scored}).splitlines()[1],
                      file=sys.stderr)
        at_target[name] = precision_at_tail(curve, TARGET_TAIL_RECALL)
    print(format_table(evaluations))
    print(f"precision@20 where tail recall is {TARGET_TAIL_RECALL} (the graph space's at its "
          "default prior), interpolated between priors:")
    for name, found in at_target.items():
        print(f"  {name:<14} " + ("n/a (out of the priors' range)" if found is None else
                                  f"{found[1]:.3f} at prior {found[0]:.2f}"))

    if args.neighbours:
        if playlists is None or len(playlists) == 0:
            print("no playlists in the store: `sage ingest mpd` first for the neighbour test")
            return
        truth = listening_truth(listens)
        groups = popularity_groups(listens, truth.artist_ids)
        sentences = playlist_sentences(playlists, "artist")
        print(f"neighbour overlap with related artists by shared listeners "
              f"({len(playlists):,} playlists); artists scored in brackets:")
        for name, word2vec in (("Artist2Vec as published", ARTIST2VEC),
                               ("the defaults", DEFAULT_WORD2VEC)):
            learned = train_sentence_vectors(sentences, word2vec, seed=args.seed,
                                             workers=args.workers)
            overlap = neighbour_overlap(ArtistVectors(learned.entity_ids, learned.vectors),
                                        truth, groups)
            print(f"{name:<24} " + "  ".join(
                f"{group} {o.overlap:.3f} ({o.artists})" for group, o in overlap.items()
            ) + f"  word2vec {learned.timings['word2vec']:.0f}s")


if __name__ == "__main__":
    main()
