"""The held-out taste test: which users are tested, what they "like", what they are hiding.

A fraction of users is drawn with a fixed seed. Each keeps a few random artists from
their list as the likes a model is asked about; the rest of their list are the targets
the model should find. Training data is every listen except those targets, so a model
sees the test users only through their likes, as it would see a new user at query time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from store.catalog import Listens
from store.errors import UserError


class HoldoutError(UserError):
    """The listening data is too small or the split settings make no sense."""


@dataclass(frozen=True)
class HoldoutSplit:
    """Training listens plus the test cases hidden from them.

    Case i is `users[i]` asking with `likes[i]`; its targets are the entries of
    `target_artists` where `target_cases == i`. Every case has at least one target.
    """

    train: Listens
    users: np.ndarray  # int64 (n_cases,)
    likes: np.ndarray  # int64 (n_cases, n_likes)
    target_cases: np.ndarray  # int64 (n_targets,), index into users
    target_artists: np.ndarray  # int64 (n_targets,)
    n_eligible_users: int
    n_skipped_users: int  # users with too few artists to hide any after picking the likes

    @property
    def n_cases(self) -> int:
        return len(self.users)


def holdout_split(
    listens: Listens, *, test_fraction: float = 0.2, n_likes: int = 3, seed: int = 0
) -> HoldoutSplit:
    """Draws test users and their likes; the same listens and seed give the same split.

    Only users with more than `n_likes` artists can be tested (they need at least one
    target); `test_fraction` is a share of those users. The listens' row order does not
    matter: rows are put in (user, artist) order before any random draw.
    """
    if not 0.0 < test_fraction < 1.0:
        raise HoldoutError(f"test fraction must be between 0 and 1, got {test_fraction}")
    if n_likes < 1:
        raise HoldoutError(f"each test user needs at least one like, got {n_likes}")

    order = np.lexsort((listens.artist_ids, listens.user_ids))
    user_ids = listens.user_ids[order]
    artist_ids = listens.artist_ids[order]

    users, artist_counts = np.unique(user_ids, return_counts=True)
    eligible = users[artist_counts > n_likes]
    n_test = round(test_fraction * len(eligible))
    if n_test == 0:
        raise HoldoutError(
            f"{len(eligible)} users have more than {n_likes} artists: too few to hold "
            f"{test_fraction:.0%} of them out"
        )

    rng = np.random.default_rng(seed)
    test_users = np.sort(rng.choice(eligible, size=n_test, replace=False))
    in_test = np.isin(user_ids, test_users)

    # Shuffle each test user's artists by sorting on a random key; the first n_likes
    # of each user's shuffled run are the likes.
    test_rows = np.flatnonzero(in_test)
    shuffled = test_rows[np.lexsort((rng.random(len(test_rows)), user_ids[test_rows]))]
    shuffled_users = user_ids[shuffled]
    run_starts = np.flatnonzero(np.r_[True, shuffled_users[1:] != shuffled_users[:-1]])
    run_lengths = np.diff(np.r_[run_starts, len(shuffled)])
    rank_in_user = np.arange(len(shuffled)) - np.repeat(run_starts, run_lengths)
    is_like = rank_in_user < n_likes

    like_rows = shuffled[is_like]
    target_rows = shuffled[~is_like]
    case_of_target = np.searchsorted(test_users, user_ids[target_rows])

    keep = np.ones(len(order), dtype=bool)
    keep[target_rows] = False
    kept = order[keep]
    train = Listens(
        user_ids=listens.user_ids[kept],
        artist_ids=listens.artist_ids[kept],
        plays=listens.plays[kept],
    )
    return HoldoutSplit(
        train=train,
        users=test_users,
        likes=artist_ids[like_rows].reshape(n_test, n_likes),
        target_cases=case_of_target.astype(np.int64),
        target_artists=artist_ids[target_rows],
        n_eligible_users=len(eligible),
        n_skipped_users=len(users) - len(eligible),
    )


def validation_split(split: HoldoutSplit, *, seed: int) -> HoldoutSplit:
    """A second holdout drawn from the training part, for choosing hyperparameters.

    The test users cannot be drawn: they have exactly `n_likes` artists left in training,
    one short of what a test user needs, so tuning never looks at their targets.
    """
    n_likes = split.likes.shape[1]
    test_fraction = split.n_cases / split.n_eligible_users
    return holdout_split(split.train, test_fraction=test_fraction, n_likes=n_likes, seed=seed)
