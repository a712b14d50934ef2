"""Genres as query terms on a real store: do answers keep to a liked genre, and away from a
hated one?

For each genre, "like GENRE" alone: the share of the top 10 that have the genre among
their 5 strongest tags (engine.tags). For each (band, genre) pair, "like BAND hate
GENRE": the share of the top 10 that have the hated genre among their 3 strongest tags.
Each is measured twice in one run: as served (engine.pipeline.TAG_WEIGHT, and the
hated-genre filter) and against the baseline of the genre's place in the space alone
(TAG_WEIGHT = 0, no filter), and printed with their ratio.

    python bench/genre_terms.py [--store PATH] [--genres 100]

--genres N also measures the N most used tags of the vocabulary, genre or not
("female vocalists", "90s"), besides the fixed list of genres below.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

# So the script runs from a checkout that is not installed too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import filters, pipeline  # noqa: E402
from engine.answer import Engine  # noqa: E402
from store import default_store_path  # noqa: E402

GENRES = [
    "shoegaze", "hardcore punk", "straight edge", "post-rock", "hip-hop", "black metal",
    "death metal", "trip-hop", "dream pop", "nu metal", "metalcore", "screamo", "ska",
    "reggae", "jazz", "blues", "country", "techno", "house", "drum and bass", "synthpop",
    "post-punk", "grunge", "britpop", "emo", "industrial", "folk", "classical", "k-pop", "rap",
]
HATES = [
    ("Kid Rock", "rap"), ("Deftones", "nu metal"), ("Radiohead", "electronic"),
    ("Metallica", "thrash metal"), ("Minor Threat", "hardcore"), ("Burial", "dubstep"),
    ("Bon Iver", "folk"), ("Daft Punk", "house"), ("Nirvana", "grunge"),
    ("Portishead", "trip-hop"), ("Linkin Park", "nu metal"), ("The Cure", "new wave"),
    ("Eminem", "hip-hop"), ("Mogwai", "post-rock"), ("Slowdive", "shoegaze"),
]


@contextmanager
def baseline():
    """The genre's place alone: no lift for carrying a liked genre, no hated-genre filter."""
    def no_filter(candidates, unit, taste):
        return candidates, filters.NearHates.none(candidates)

    with mock.patch.object(pipeline, "TAG_WEIGHT", 0.0), \
            mock.patch.object(pipeline, "drop_hated_tags", no_filter):
        yield


def liked_shares(engine: Engine, genres: list[str]) -> list[float]:
    shares = []
    for genre in genres:
        tag = engine.tags.find(genre).tag
        answer = engine.ask(f"like the genre {genre}")
        ids = np.array([item.artist_id for item in answer.recommendation.items])
        shares.append(float(engine.tags.carries(tag, ids, 5).mean()))
    return shares


def hated_shares(engine: Engine) -> list[float]:
    shares = []
    for band, genre in HATES:
        tag = engine.tags.find(genre).tag
        answer = engine.ask(f'like "{band}" hate the genre {genre}')
        ids = np.array([item.artist_id for item in answer.recommendation.items])
        shares.append(float(engine.tags.carries(tag, ids, 3).mean()))
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with a trained default space (default: %(default)s)")
    parser.add_argument("--genres", type=int, default=100,
                        help="also measure this many of the most used tags (default: 100)")
    args = parser.parse_args()
    engine = Engine.load(args.store)
    top = [tag.name for tag in engine.tags.tags[: args.genres]]
    print(f"{engine.space.name} space (run {engine.space.run_id}), "
          f"{len(engine.tags)} tags in the vocabulary")
    # (what is measured, how, the goal per query: the figures)
    rows = [
        ("liked genre carried (fixed list)", lambda: liked_shares(engine, GENRES), ">= 0.7"),
        (f"liked tag carried ({len(top)} most used)", lambda: liked_shares(engine, top),
         ">= 0.7"),
        ("hated genre carried", lambda: hated_shares(engine), "== 0"),
    ]
    print(f"{'share of the top 10 that carry it':<40} {'baseline':>9} {'served':>8} "
          f"{'ratio':>6}  queries at the goal")
    for label, measure, goal in rows:
        with baseline():
            before = measure()
        after = measure()
        ratio = statistics.mean(after) / max(statistics.mean(before), 1e-9)
        reached = sum(share >= 0.7 if goal == ">= 0.7" else share == 0 for share in after)
        print(f"{label:<40} {statistics.mean(before):>9.3f} {statistics.mean(after):>8.3f} "
              f"{ratio:>6.2f}  {reached}/{len(after)} {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
