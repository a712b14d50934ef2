"""How good is a band placed from a similar-artists answer (engine/learned.py), against the
same band trained in? On the cf space (ALS factors), one thread, fixed seeds.

300 artists with at least 5 listeners are taken out of training entirely (their listens
dropped). Each is placed at the match-weighted mean of its 100 most co-listened training
artists (co-listeners counted on all listens: the stand-in for what Last.fm would answer;
match = co-listeners / the most any of them has). Against a cf run trained with them:

- overlap: the share of the trained-in artist's 20 nearest (among training artists) that
  are among the placed artist's 20 nearest;
- hit rate as a like: each listener of the artist "likes" it alone; a hit when any of the
  20 nearest is among that listener's other artists. Mean over listeners, then artists.
  The placed artist is placed again for each listener from co-listeners other than them
  (counted with them, its neighbours would be their own artists by construction).

    python bench/placed_bands.py --store STORE
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from engine.learned import MIN_KNOWN
from store import Store
from store.catalog import Listens, load_listens
from train.cf.factors import artist_factors
from train.cf.params import CfParams

HELD_OUT, MIN_LISTENERS, NEIGHBOURS, ANSWER, SEED = 300, 5, 20, 100, 0


def unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def nearest(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = vectors @ query
    best = np.argpartition(-scores, k)[:k]
    return best[np.argsort(-scores[best])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    with Store.open(args.store, read_only=True) as store:
        listens = load_listens(store)
    artists, artist_rows = np.unique(listens.artist_ids, return_inverse=True)
    users, user_rows = np.unique(listens.user_ids, return_inverse=True)
    matrix = sp.csr_matrix((np.ones(len(listens), np.float32), (artist_rows, user_rows)),
                           shape=(len(artists), len(users)))
    listeners = np.asarray(matrix.sum(axis=1)).ravel()
    rng = np.random.default_rng(SEED)
    held = np.sort(rng.choice(np.flatnonzero(listeners >= MIN_LISTENERS), HELD_OUT,
                              replace=False))
    training = np.setdiff1d(np.arange(len(artists)), held)

    params = CfParams()
    full = artist_factors(listens, params, seed=SEED)
    kept = ~np.isin(listens.artist_ids, artists[held])
    without = artist_factors(Listens(listens.user_ids[kept], listens.artist_ids[kept],
                                     listens.plays[kept]), params, seed=SEED)
    full_unit = unit(full.vectors[np.searchsorted(full.artist_ids, artists)])
    train_rows = np.searchsorted(without.artist_ids, artists[training])
    train_unit = unit(without.vectors[train_rows])  # rows of `training`

    colisten = (matrix[held] @ matrix[training].T).toarray()  # held x training co-listeners
    train_by_user = matrix[training].toarray()
    overlaps, hits_placed, hits_trained, placed = [], [], [], 0
    for i, row in enumerate(held):
        answer = np.argsort(-colisten[i])[:ANSWER]
        answer = answer[colisten[i, answer] > 0]
        if len(answer) < MIN_KNOWN:
            continue
        placed += 1
        weights = colisten[i, answer] / colisten[i, answer].max()
        vector = unit((weights @ train_unit[answer])[None, :])[0]
        near_placed = training[nearest(train_unit, vector, NEIGHBOURS)]
        near_trained = training[nearest(full_unit[training], full_unit[row], NEIGHBOURS)]
        overlaps.append(len(np.intersect1d(near_placed, near_trained)) / NEIGHBOURS)
        hp, ht = [], []
        for user in matrix[row].indices:
            others = set(matrix[:, user].nonzero()[0].tolist()) - {row}
            # Placed again from co-listeners other than this listener: their own listens
            # must not tell where the band goes.
            counts = colisten[i] - train_by_user[:, user]
            answer = np.argsort(-counts)[:ANSWER]
            answer = answer[counts[answer] > 0]
            if len(answer) < MIN_KNOWN:
                hp.append(False)
            else:
                mine = unit(((counts[answer] / counts[answer].max()) @ train_unit[answer])[None])[0]
                hp.append(bool(others & set(training[nearest(train_unit, mine, NEIGHBOURS)]
                                            .tolist())))
            ht.append(bool(others & set(near_trained.tolist())))
        hits_placed.append(np.mean(hp))
        hits_trained.append(np.mean(ht))
    print(f"{placed} of {HELD_OUT} held-out artists placed (>= {MIN_KNOWN} co-listened), "
          f"cf space, {time.perf_counter() - started:.0f} s")
    print("| measure | placed from its answer | trained in |")
    print("|---|---|---|")
    print(f"| 20-nearest overlap with the trained-in artist | {np.mean(overlaps):.3f} | 1 |")
    print(f"| hit rate as a like (any of 20 among the listener's others) | "
          f"{np.mean(hits_placed):.3f} | {np.mean(hits_trained):.3f} |")


if __name__ == "__main__":
    main()
