"""The held-out test of bands placed from a similar-artists answer (train.evaluate.placed)."""

from __future__ import annotations

import numpy as np

from store.catalog import Listens
from train.evaluate.placed import NEIGHBOURS, placed_band_test


def clustered_listens(groups: int = 4, per_group: int = 30, users: int = 240,
                      seed: int = 0) -> Listens:
    """Each user plays 12 artists of one group: who listens with whom says the group."""
    rng = np.random.default_rng(seed)
    user_ids, artist_ids = [], []
    for user in range(users):
        group = user % groups
        chosen = rng.choice(per_group, 12, replace=False) + group * per_group
        user_ids += [user] * len(chosen)
        artist_ids += chosen.tolist()
    return Listens(np.array(user_ids), np.array(artist_ids), np.ones(len(user_ids), np.int64))


def test_a_placed_band_lands_among_its_group_as_a_trained_one_does():
    result = placed_band_test(clustered_listens(), held_out=12)
    assert result is not None and result.held_out == 12 and result.placed == 12
    # Its nearest are its own group's artists, trained in or placed: most of them agree.
    assert NEIGHBOURS == 20 and result.overlap > 0.6
    # Liked alone, both answer with artists its listeners play.
    assert result.hit_placed > 0.9 and result.hit_trained > 0.9
    assert set(result.to_dict()) == {"held_out", "placed", "overlap", "hit_rate_placed",
                                     "hit_rate_trained_in"}


def test_no_artist_with_enough_listeners_is_no_test():
    listens = Listens(np.array([0, 1, 2]), np.array([5, 5, 6]), np.ones(3, np.int64))
    assert placed_band_test(listens) is None


def test_a_catalog_of_popular_artists_holds_out_at_most_half_of_them():
    listens = clustered_listens(groups=1, per_group=12, users=40)  # all 12 have >= 5
    result = placed_band_test(listens)
    assert result is not None and result.held_out == 6
