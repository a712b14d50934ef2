"""The holdout split, the metric arithmetic and the baselines, on data whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from store.catalog import Listens
from train.evaluate.baselines import (
    AlsParams,
    AlsRecommender,
    EaseParams,
    EaseRecommender,
    ItemItemRecommender,
    PopularityRecommender,
    Rp3BetaRecommender,
    Rp3Params,
    top_columns,
)
from train.evaluate.harness import describe_split, evaluate, evaluate_baselines, format_table
from train.evaluate.metrics import NO_ARTIST, head_artists, score
from train.evaluate.split import HoldoutError, HoldoutSplit, holdout_split, validation_split


def random_listens(n_users: int = 200, n_artists: int = 300, seed: int = 0) -> Listens:
    """Users with 1 to 30 distinct artists each, so some are too small to test."""
    rng = np.random.default_rng(seed)
    users, artists = [], []
    for user in range(n_users):
        chosen = rng.choice(n_artists, size=rng.integers(1, 31), replace=False)
        users.append(np.full(len(chosen), user))
        artists.append(chosen)
    user_ids = np.concatenate(users).astype(np.int64)
    return Listens(
        user_ids=user_ids,
        artist_ids=np.concatenate(artists).astype(np.int64) + 1000,
        plays=rng.integers(1, 500, size=len(user_ids)).astype(np.int64),
    )


def group_listens(n_groups: int = 4, users_per_group: int = 10, artists_per_group: int = 25):
    """Disjoint groups: every user of a group plays every artist of its group, no others."""
    rng = np.random.default_rng(1)
    user_ids, artist_ids = [], []
    for group in range(n_groups):
        for member in range(users_per_group):
            user_ids.append(np.full(artists_per_group, group * users_per_group + member))
            artist_ids.append(np.arange(artists_per_group) + group * artists_per_group)
    user_ids = np.concatenate(user_ids).astype(np.int64)
    return Listens(
        user_ids=user_ids,
        artist_ids=np.concatenate(artist_ids).astype(np.int64),
        plays=rng.integers(1, 1000, size=len(user_ids)).astype(np.int64),
    )


def pairs_in_order(listens: Listens) -> list[tuple[int, int]]:
    return list(zip(listens.user_ids.tolist(), listens.artist_ids.tolist()))


def pairs(user_ids: np.ndarray, artist_ids: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(user_ids.tolist(), artist_ids.tolist()))


# --- the split ---------------------------------------------------------------------------


def test_split_hides_exactly_the_targets_of_the_test_users():
    listens = random_listens()
    split = holdout_split(listens, seed=3)
    train = pairs(split.train.user_ids, split.train.artist_ids)
    targets = pairs(split.users[split.target_cases], split.target_artists)
    likes = pairs(np.repeat(split.users, split.likes.shape[1]), split.likes.ravel())

    assert not targets & train
    assert likes <= train
    assert train | targets == pairs(listens.user_ids, listens.artist_ids)
    assert len(split.train) + len(split.target_artists) == len(listens)
    assert np.array_equal(np.unique(split.target_cases), np.arange(split.n_cases))


def test_split_keeps_play_counts_with_their_listens():
    listens = random_listens()
    split = holdout_split(listens, seed=3)
    original = dict(zip(pairs_in_order(listens), listens.plays.tolist()))
    kept = zip(pairs_in_order(split.train), split.train.plays.tolist())
    assert all(original[pair] == plays for pair, plays in kept)


def test_split_tests_a_fifth_of_the_users_with_more_than_three_artists():
    listens = random_listens()
    users, counts = np.unique(listens.user_ids, return_counts=True)
    eligible = users[counts >= 4]
    split = holdout_split(listens, test_fraction=0.2, n_likes=3, seed=3)

    assert split.n_eligible_users == len(eligible)
    assert split.n_skipped_users == len(users) - len(eligible) > 0
    assert split.n_cases == round(0.2 * len(eligible))
    assert set(split.users.tolist()) <= set(eligible.tolist())
    assert split.likes.shape == (split.n_cases, 3)


def test_split_is_reproducible_and_ignores_row_order():
    listens = random_listens()
    shuffle = np.random.default_rng(9).permutation(len(listens))
    shuffled = Listens(
        listens.user_ids[shuffle], listens.artist_ids[shuffle], listens.plays[shuffle]
    )

    first, again = holdout_split(listens, seed=5), holdout_split(shuffled, seed=5)
    other = holdout_split(listens, seed=6)
    for field in ("users", "likes", "target_cases", "target_artists"):
        assert np.array_equal(getattr(first, field), getattr(again, field))
    assert not np.array_equal(first.users, other.users)


def test_validation_split_never_draws_a_test_user():
    split = holdout_split(random_listens(), seed=3)
    validation = validation_split(split, seed=4)
    assert validation.n_cases > 0
    assert not set(validation.users.tolist()) & set(split.users.tolist())


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5])
def test_split_rejects_a_fraction_outside_zero_one(fraction):
    with pytest.raises(HoldoutError):
        holdout_split(random_listens(), test_fraction=fraction)


def test_split_explains_when_too_few_users_can_be_tested():
    listens = Listens(np.array([1, 1, 2]), np.array([5, 6, 5]), np.array([3, 4, 5]))
    with pytest.raises(HoldoutError, match="0 users have more than 3 artists"):
        holdout_split(listens)


# --- the metrics -------------------------------------------------------------------------


def hand_split(target_cases: list[int], target_artists: list[int]) -> HoldoutSplit:
    empty = np.array([], dtype=np.int64)
    n_cases = max(target_cases) + 1
    return HoldoutSplit(
        train=Listens(empty, empty, empty),
        users=np.arange(n_cases),
        likes=np.zeros((n_cases, 1), dtype=np.int64),
        target_cases=np.array(target_cases),
        target_artists=np.array(target_artists),
        n_eligible_users=n_cases,
        n_skipped_users=0,
    )


def test_metrics_on_a_hand_worked_example():
    # Case 0 hides {10, 11, 12} and finds 10 and 12; case 1 hides {20, 30} and finds none.
    split = hand_split([0, 0, 0, 1, 1], [10, 11, 12, 20, 30])
    recommended = np.array([[10, 99, 12, NO_ARTIST], [5, 6, 7, 8]])

    metrics = score(recommended, split, head=np.array([10, 20]))

    assert metrics.k == 4
    assert metrics.precision == pytest.approx((2 / 4 + 0 / 4) / 2)
    assert metrics.recall == pytest.approx((2 / 3 + 0 / 2) / 2)
    # Tail targets: {11, 12} for case 0 (12 found), {30} for case 1 (missed).
    assert metrics.tail_recall == pytest.approx((1 / 2 + 0) / 2)
    assert (metrics.n_cases, metrics.n_tail_cases, metrics.n_head_artists) == (2, 2, 2)


def test_discovery_is_measured_by_popularity_lift_and_coverage():
    # Artist a has a listeners in training; both cases like artists 2 and 4 (median 3).
    users, artists = zip(*[(user, artist) for artist in range(1, 21) for user in range(artist)])
    split = hand_split([0, 1], [5, 6])
    split = HoldoutSplit(Listens(np.array(users), np.array(artists), np.ones(len(users), int)),
                         split.users, np.array([[2, 4], [2, 4]]), split.target_cases,
                         split.target_artists, 2, 0)
    # Case 0 answers artists of 6 and 12 listeners (median 9: 3x the likes), case 1
    # answers one artist of 3 (1x) and pads; the median of 3 and 1 is 2.
    recommended = np.array([[6, 12], [3, NO_ARTIST]])
    metrics = score(recommended, split, head=np.array([], dtype=np.int64))
    assert metrics.popularity_lift == pytest.approx(2.0)
    assert metrics.coverage == 3


def test_tail_recall_counts_only_cases_with_a_tail_target():
    split = hand_split([0, 0, 1, 1], [10, 11, 20, 30])
    recommended = np.array([[10, 11], [30, 1]])

    metrics = score(recommended, split, head=np.array([10, 11, 20]))
    assert metrics.n_tail_cases == 1
    assert metrics.tail_recall == 1.0

    everything_head = score(recommended, split, head=np.array([10, 11, 20, 30]))
    assert everything_head.n_tail_cases == 0
    assert math.isnan(everything_head.tail_recall)


def test_a_recommendation_for_another_case_is_not_a_hit():
    split = hand_split([0, 1], [10, 20])
    metrics = score(np.array([[20], [10]]), split, head=np.array([], dtype=np.int64))
    assert metrics.precision == 0.0


def test_head_artists_ranks_by_listeners_then_lower_id():
    train = Listens(
        user_ids=np.array([1, 2, 3, 1, 2, 1, 2, 9]),
        artist_ids=np.array([7, 7, 7, 5, 5, 6, 6, 4]),
        plays=np.ones(8, dtype=np.int64),
    )
    assert head_artists(train, 3).tolist() == [7, 5, 6]


# --- the baselines -----------------------------------------------------------------------


def test_top_columns_excludes_and_pads():
    scores = np.array([[0.1, 0.9, 0.5], [0.3, 0.2, 0.1]])
    best = top_columns(scores, 4, exclude=np.array([[1], [0]]))
    assert best.tolist() == [[2, 0, NO_ARTIST, NO_ARTIST], [1, 2, NO_ARTIST, NO_ARTIST]]


def test_popularity_recommends_most_listened_artists_minus_the_likes():
    # Artist a is played by a users (artist 3 by 3 users, ...); 12 ties with 11, the
    # lower id wins.
    user_ids, artist_ids = [], []
    for artist in range(1, 12):
        user_ids += list(range(artist))
        artist_ids += [artist] * artist
    user_ids += list(range(11))
    artist_ids += [12] * 11
    plays = np.ones(len(user_ids), dtype=np.int64)
    train = Listens(np.array(user_ids), np.array(artist_ids), plays)

    popularity = PopularityRecommender()
    popularity.fit(train)
    recommended = popularity.recommend_many(np.array([[11, 9, 2], [1, 2, 3]]), k=4)
    assert recommended.tolist() == [[12, 10, 8, 7], [11, 12, 10, 9]]


def test_item_item_finds_the_rest_of_the_group():
    split = holdout_split(group_listens(), seed=0)
    metrics = evaluate(ItemItemRecommender(), split, k=20).metrics
    # 25 artists per group, 3 liked: the 22 others are all targets.
    assert metrics.precision == 1.0
    assert metrics.recall == pytest.approx(20 / 22)


def test_als_finds_the_rest_of_the_group():
    split = holdout_split(group_listens(), seed=0)
    params = AlsParams(factors=8, regularization=10.0, alpha=2.0, weighting="log")
    metrics = evaluate(AlsRecommender(params, seed=0), split, k=20).metrics
    assert metrics.precision >= 0.95


@pytest.mark.parametrize("recommender", [Rp3BetaRecommender(Rp3Params(0.75, 0.3)),
                                         EaseRecommender(EaseParams(10.0))],
                         ids=["RP3beta", "EASE"])
def test_rp3beta_and_ease_find_the_rest_of_the_group(recommender):
    split = holdout_split(group_listens(), seed=0)
    assert evaluate(recommender, split, k=20).metrics.precision == 1.0


def test_ease_reads_full_rows_of_the_inverse_from_its_upper_triangle():
    listens = random_listens(n_users=60, n_artists=40)
    ease = EaseRecommender(EaseParams(5.0))
    ease.fit(listens)
    listened = ease._matrix.plays.toarray() > 0
    inverse = np.linalg.inv(listened.T.astype(float) @ listened + 5.0 * np.eye(40))
    columns = np.array([0, 7, 39])
    np.testing.assert_allclose(ease._rows(columns), inverse[columns], rtol=1e-3, atol=1e-6)


def test_recommendations_never_include_the_likes():
    listens = random_listens()
    split = holdout_split(listens, seed=3)
    params = AlsParams(factors=8, regularization=1.0, alpha=2.0, weighting="bm25")
    for recommender in (PopularityRecommender(), ItemItemRecommender(), AlsRecommender(params),
                        Rp3BetaRecommender(Rp3Params(0.5, 0.2)),
                        EaseRecommender(EaseParams(10.0))):
        recommender.fit(split.train)
        recommended = recommender.recommend_many(split.likes, k=20)
        assert recommended.shape == (split.n_cases, 20)
        assert not (recommended[:, :, None] == split.likes[:, None, :]).any()


@pytest.mark.parametrize(
    "recommender",
    [
        PopularityRecommender(),
        ItemItemRecommender(),
        AlsRecommender(AlsParams(factors=2, regularization=1.0, alpha=1.0, weighting="log")),
        Rp3BetaRecommender(Rp3Params(1.0, 0.0)),
        EaseRecommender(EaseParams(1.0)),
    ],
    ids=["popularity", "item-item", "ALS", "RP3beta", "EASE"],
)
def test_a_catalog_smaller_than_k_pads_the_recommendations(recommender):
    train = Listens(
        user_ids=np.array([0, 0, 1, 1, 2, 2, 2]),
        artist_ids=np.array([1, 2, 2, 3, 1, 3, 4]),
        plays=np.array([5, 3, 2, 6, 7, 1, 1]),
    )
    recommender.fit(train)
    recommended = recommender.recommend_many(np.array([[1, 2]]), k=5)
    assert sorted(recommended[0, :2].tolist()) == [3, 4]
    assert recommended[0, 2:].tolist() == [NO_ARTIST] * 3


def test_baseline_report_tunes_on_validation_users_and_scores_every_baseline():
    split = holdout_split(group_listens(), seed=0)
    grid = [
        # Too weakly regularised for this data: it mixes groups up.
        AlsParams(factors=8, regularization=1.0, alpha=2.0, weighting="log"),
        AlsParams(factors=8, regularization=10.0, alpha=2.0, weighting="log"),
    ]
    report = evaluate_baselines(split, k=20, als_grid=grid,
                                rp3_grid=[Rp3Params(1.0, 0.0), Rp3Params(0.5, 0.3)],
                                ease_grid=[EaseParams(1.0), EaseParams(10.0)])

    assert report.als_params == grid[1]
    assert list(report.evaluations) == ["popularity", "item-item cosine", "ALS", "RP3beta",
                                        "EASE^R"]
    assert report.evaluations["item-item cosine"].metrics.precision == 1.0
    assert "RP3beta alpha" in report.chosen() and "EASE^R lambda" in report.chosen()
    table = format_table(report.evaluations)
    assert "item-item cosine" in table and "P@20" in table and "lift" in table


def test_split_description_says_who_was_skipped():
    split = holdout_split(random_listens(), seed=3)
    description = describe_split(split)
    assert f"{split.n_cases} test users" in description
    assert f"{split.n_skipped_users} users with 3 or fewer skipped" in description
