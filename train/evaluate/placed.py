"""How good is a band learned on the spot (engine/learned.py)? The held-out test of
placing a band from a similar-artists answer, against the same band trained in.

Artists with at least MIN_LISTENERS listeners are taken out of training entirely (their
listens dropped) and the cf space (ALS factors, its default settings) is trained
without them and with them. Each is placed at the match-weighted mean of its ANSWER
most co-listened training artists (the stand-in for what Last.fm would answer: match =
co-listeners over the most any of them has), as engine.learned places a band, when at
least MIN_KNOWN of them are known. Then:

- overlap: the share of the trained-in artist's NEIGHBOURS nearest (among the training
  artists) that are among the placed artist's;
- hit rate as a like: each listener of the artist "likes" it alone; a hit when any of
  the NEIGHBOURS nearest is among that listener's other artists (mean over listeners,
  then over artists). For this the artist is placed again for each listener from
  co-listening without them: counted with them, its neighbours would be their own
  artists by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.learned import MIN_KNOWN
from store.catalog import Listens
from train.cf.factors import artist_factors
from train.cf.params import CfParams
from train.vectors import unit_rows

HELD_OUT = 300
MIN_LISTENERS = 5
NEIGHBOURS = 20
ANSWER = 100  # similar artists in the stand-in answer, as many as Last.fm gives by default


@dataclass(frozen=True)
class PlacedBands:
    held_out: int  # artists taken out of training
    placed: int  # of those, with at least MIN_KNOWN co-listened training artists
    overlap: float  # of the NEIGHBOURS nearest, placed against trained in
    hit_placed: float  # hit rate as a like, placed
    hit_trained: float  # the same, trained in
    seconds: float

    def describe(self) -> str:
        return (
            f"bands placed from a similar-artists answer (engine/learned.py) against the "
            f"same band trained in, cf space: {self.placed} of {self.held_out} artists with "
            f">= {MIN_LISTENERS} listeners held out of training and placed from their "
            f"{ANSWER} most co-listened ({self.seconds:.0f} s)\n"
            f"  {NEIGHBOURS}-nearest overlap with the trained-in band   {self.overlap:.3f}\n"
            f"  hit rate as a like (any of {NEIGHBOURS} nearest among the listener's other "
            f"artists)   placed {self.hit_placed:.3f}, trained in {self.hit_trained:.3f}")

    def to_dict(self) -> dict:
        return {"held_out": self.held_out, "placed": self.placed,
                "overlap": round(self.overlap, 4), "hit_rate_placed": round(self.hit_placed, 4),
                "hit_rate_trained_in": round(self.hit_trained, 4)}


def placed_band_test(listens: Listens, *, seed: int = 0,
                     held_out: int = HELD_OUT) -> PlacedBands | None:
    """The test on `listens`; None when no artist has enough listeners to hold out, or
    none can be placed."""
    started = time.perf_counter()
    artists, artist_rows = np.unique(listens.artist_ids, return_inverse=True)
    users, user_rows = np.unique(listens.user_ids, return_inverse=True)
    matrix = sp.csr_matrix((np.ones(len(listens.artist_ids), np.float32),
                            (artist_rows, user_rows)), shape=(len(artists), len(users)))
    matrix.data[:] = 1.0  # a listener counts once
    listeners = np.asarray(matrix.sum(axis=1)).ravel()
    eligible = np.flatnonzero(listeners >= MIN_LISTENERS)
    # At most half the artists: the others are what a band is placed among.
    count = min(held_out, len(eligible), len(artists) // 2)
    if not count:
        return None
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(eligible, count, replace=False))
    training = np.setdiff1d(np.arange(len(artists)), held)

    params = CfParams()
    full = artist_factors(listens, params, seed=seed)
    kept = ~np.isin(listens.artist_ids, artists[held])
    without = artist_factors(Listens(listens.user_ids[kept], listens.artist_ids[kept],
                                     listens.plays[kept]), params, seed=seed)
    full_unit = unit_rows(full.vectors[np.searchsorted(full.artist_ids, artists)])
    train_unit = unit_rows(without.vectors[np.searchsorted(without.artist_ids,
                                                           artists[training])])

    colisten = (matrix[held] @ matrix[training].T).toarray()  # held x training co-listeners
    listened = matrix.T.tocsr()  # users x artists
    overlaps, hits_placed, hits_trained = [], [], []
    for i, row in enumerate(held):
        near_placed = _placed_nearest(colisten[i], train_unit)
        if near_placed is None:
            continue
        near_trained = _nearest(full_unit[training], full_unit[row])
        overlaps.append(len(np.intersect1d(near_placed, near_trained)) / NEIGHBOURS)
        placed_hits, trained_hits = [], []
        for user in matrix[row].indices:
            others = np.setdiff1d(listened[user].indices, [row])
            own = np.isin(training, others)  # the training artists this listener plays
            without_them = _placed_nearest(colisten[i] - own, train_unit)
            placed_hits.append(without_them is not None
                               and np.isin(training[without_them], others).any())
            trained_hits.append(np.isin(training[near_trained], others).any())
        hits_placed.append(np.mean(placed_hits))
        hits_trained.append(np.mean(trained_hits))
    if not overlaps:
        return None
    return PlacedBands(len(held), len(overlaps), float(np.mean(overlaps)),
                       float(np.mean(hits_placed)), float(np.mean(hits_trained)),
                       time.perf_counter() - started)


def _placed_nearest(colistened: np.ndarray, train_unit: np.ndarray) -> np.ndarray | None:
    """The rows (of the training artists) nearest a band placed from its ANSWER most
    co-listened artists; None when fewer than MIN_KNOWN are co-listened at all."""
    answer = np.argsort(-colistened, kind="stable")[:ANSWER]
    answer = answer[colistened[answer] > 0]
    if len(answer) < MIN_KNOWN:
        return None
    weights = (colistened[answer] / colistened[answer].max()).astype(np.float32)
    return _nearest(train_unit, weights @ train_unit[answer])


def _nearest(unit: np.ndarray, direction: np.ndarray) -> np.ndarray:
    scores = unit @ direction
    count = min(NEIGHBOURS, len(scores))
    best = np.argpartition(-scores, count - 1)[:count]
    return best[np.argsort(-scores[best], kind="stable")]
