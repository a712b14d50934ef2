"""How far ratings move later answers, on a real store: the figures behind
bot.feedback.WHOLE_ANSWER_DIVISOR and engine.dislikes.DISLIKED_NEIGHBOUR_PENALTY.

    python -m bench.feedback [--store PATH] [--space hybrid ...]

1. A 👎 on an answer's first band, the query asked again (the band excluded, as the bot
   does), at several penalties: how many of the answer's 9 other bands it keeps, and how
   many places the band of those 9 closest to the disliked one drops.
2. A 👍 on a whole answer (its five latest bands, places 10 to 6, as soft likes) at
   several per-band weights: how many of its 10 bands the same query keeps when asked
   again, and the next query in the list.

The penalty is varied through the dislike's weight, which it is proportional to.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bot.feedback import SOFT_LIKE_WEIGHT, WHOLE_ANSWER_DIVISOR
from engine.answer import Engine
from engine.compose import Seed
from engine.dislikes import DISLIKED_NEIGHBOUR_PENALTY

QUERIES = ["like Minor Threat, Have Heart", "like Radiohead", "like Mogwai, Slint",
           "like Converge", "like Kanye West", "like Bjork hate Madonna", "like Burzum",
           "like The Beatles", "like Daft Punk", "like Fugazi"]


def answer_ids(engine: Engine, query: str, **feedback) -> list[int]:
    return [item.artist_id for item in engine.ask(query, **feedback).recommendation.items]


def dislikes(engine: Engine, first: dict[str, list[int]]) -> None:
    unit = engine.space.unit
    for penalty in (0.25, 0.5, 1.0, 2.0):  # 0.25 is the one chosen
        kept, drops, stayed = [], [], 0
        for query in QUERIES:
            disliked, rest = first[query][0], first[query][1:]
            again = answer_ids(engine, query, exclude_ids=[disliked],
                               soft_hates=[Seed(disliked, penalty / DISLIKED_NEIGHBOUR_PENALTY)])
            kept.append(len(set(rest) & set(again)))
            closeness = unit[engine.space.rows_of(rest)] @ unit[engine.space.rows_of([disliked])[0]]
            nearest = rest[int(np.argmax(closeness))]
            if nearest in again:
                stayed += 1
                drops.append(again.index(nearest) - rest.index(nearest))
        print(f"  👎 penalty {penalty:.2f} of the span: keeps {np.mean(kept):.1f} of 9 "
              f"(at least {min(kept)}); its nearest band stays {stayed}/{len(QUERIES)}, "
              f"{np.mean(drops) if drops else float('nan'):.1f} places lower")


def likes(engine: Engine, first: dict[str, list[int]]) -> None:
    for weight in (SOFT_LIKE_WEIGHT, SOFT_LIKE_WEIGHT / WHOLE_ANSWER_DIVISOR):
        same, following = [], []
        for n, query in enumerate(QUERIES):
            thumbed = [Seed(a, weight) for a in first[query][::-1][:5]]
            same.append(len(set(first[query]) & set(answer_ids(engine, query,
                                                                  soft_likes=thumbed))))
            other = QUERIES[(n + 1) % len(QUERIES)]
            following.append(len(set(first[other]) & set(answer_ids(engine, other,
                                                                      soft_likes=thumbed))))
        print(f"  👍 on a whole answer at {weight:.2f} a band: asked again keeps "
              f"{np.mean(same):.1f} of 10 (at least {min(same)}); the next query "
              f"{np.mean(following):.1f} (at least {min(following)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("~/.local/share/sage/sage.duckdb"))
    parser.add_argument("--space", action="append")
    args = parser.parse_args()
    for space in args.space or ["hybrid"]:
        engine = Engine.load(args.store.expanduser(), space)
        print(f"{space} space, {len(engine.space)} artists")
        first = {query: answer_ids(engine, query) for query in QUERIES}
        dislikes(engine, first)
        likes(engine, first)


if __name__ == "__main__":
    main()
