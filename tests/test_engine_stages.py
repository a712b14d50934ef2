"""The vector side of a recommendation, stage by stage, on small spaces of known geometry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from engine.candidates import Candidates
from engine.compose import Seed, Taste, compose
from engine.discovery import Discovery
from engine.dislikes import DISLIKED_NEIGHBOUR_PENALTY, near_dislike_penalty
from engine.explain import explain_items
from engine.filters import drop_near_hates
from engine.lookup import positions_in
from engine.novelty import POPULARITY_PRIOR, novelty_scores, popularity_of
from engine.pipeline import SettingError, recommend
from engine.problems import RecommendProblemKind
from engine.ranking import Ranking
from engine.space import NO_ROW, LoadedSpace, load_space
from store import Store, StoreError
from store.catalog import ArtistCatalog
from store.runs import RunRecord, record_run


def catalog_of(listeners: dict[int, int]) -> ArtistCatalog:
    ids = np.array(sorted(listeners), dtype=np.int64)
    names = [f"band {i}" for i in ids]
    return ArtistCatalog(
        artist_ids=ids, names=names, norm_names=names,
        listeners=np.array([listeners[i] for i in ids], dtype=np.int64),
        plays=np.array([10 * listeners[i] for i in ids], dtype=np.int64),
    )


def space_of(vectors: dict[int, list[float]], listeners: dict[int, int] | None = None,
             extra_artists: tuple[int, ...] = ()) -> LoadedSpace:
    """A space over artists `vectors` (id -> vector); the catalog also holds `extra_artists`."""
    ids = list(vectors)
    listeners = listeners or {}
    catalog = catalog_of({i: listeners.get(i, 1) for i in [*ids, *extra_artists]})
    return LoadedSpace.from_arrays(
        "test", np.array(ids), np.array([vectors[i] for i in ids], dtype=np.float32), catalog
    )


def random_space(n: int, dim: int, seed: int) -> LoadedSpace:
    rng = np.random.default_rng(seed)
    listeners = rng.integers(0, 10_000, n)
    catalog = ArtistCatalog(
        np.arange(n, dtype=np.int64), [f"band {i}" for i in range(n)],
        [f"band {i}" for i in range(n)], listeners, listeners * 3,
    )
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    return LoadedSpace.from_arrays("random", np.arange(n), matrix, catalog)


def unit(v: list[float]) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def candidates_of(space: LoadedSpace, ids: list[int]) -> Candidates:
    """The given artists as candidates in the given order, with falling scores."""
    rows = space.rows_of(ids)
    scores = np.linspace(1, 0.5, len(ids)).astype(np.float32)
    return Candidates(rows, scores, scores)


def taste_of(space: LoadedSpace, likes: list[int], hates: list[int] = ()) -> Taste:
    composition = compose(space, [Seed(i) for i in likes], [Seed(i) for i in hates])
    assert composition.taste is not None
    return composition.taste


# --- loading -------------------------------------------------------------------------


def test_space_sorts_rows_by_id_scales_them_to_unit_length_and_drops_zero_rows() -> None:
    space = space_of({30: [3, 4], 10: [0, 2], 20: [0, 0], 40: [-1, 0]}, {10: 99, 40: 0})
    assert space.entity_ids.tolist() == [10, 30, 40]
    np.testing.assert_allclose(space.unit, [[0, 1], [0.6, 0.8], [-1, 0]], atol=1e-7)
    assert space.unit.dtype == np.float32 and space.unit.flags.c_contiguous
    assert space.rows_of([40, 20, 10, 99, 5]).tolist() == [2, NO_ROW, 0, NO_ROW, NO_ROW]
    assert space.listeners.tolist() == [99, 1, 0]
    assert space.popularity[0] == pytest.approx(1.0)
    assert space.popularity[2] == 0.0
    # Names come from the catalog, so artists without a vector have one too.
    assert space.artist_names([20, 77, 10]) == ["band 20", "artist #77", "band 10"]


def test_space_loads_the_active_run_from_the_store(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ids = np.array([5, 3, 9, 1], dtype=np.int64)
    matrix = rng.standard_normal((4, 8)).astype(np.float32)
    now = datetime.now(UTC)
    with Store.open(tmp_path / "sage.duckdb") as store:
        store.con.execute(
            "INSERT INTO artists (artist_id, name, norm_name, source, source_key) "
            "SELECT i, 'band ' || i, 'band ' || i, 'test', i::VARCHAR FROM range(1, 10) t(i)"
        )
        run = record_run(store, RunRecord("graph", "artist", {}, "fp", now, now), ids, matrix,
                         activate=True)
        space = load_space(store, "graph")
    assert space.run_id == run.run_id and space.name == "graph"
    assert space.entity_ids.tolist() == [1, 3, 5, 9]
    expected = matrix[[3, 1, 0, 2]] / np.linalg.norm(matrix[[3, 1, 0, 2]], axis=1, keepdims=True)
    np.testing.assert_allclose(space.unit, expected, rtol=1e-6)
    assert space.artist_names([9]) == ["band 9"]


def test_track_spaces_are_refused_until_the_engine_can_search_them() -> None:
    with pytest.raises(StoreError, match="artist spaces only"):
        LoadedSpace.from_arrays("tracks", np.arange(2), np.eye(2), catalog_of({}),
                                entity_kind="track")


# --- compose -------------------------------------------------------------------------


def test_taste_is_weighted_mean_of_likes_minus_beta_times_mean_of_hates() -> None:
    space = space_of({1: [1, 0, 0], 2: [0, 2, 0], 3: [0, 0, 5], 4: [1, 1, 0]})
    composition = compose(space, [Seed(1, 3.0), Seed(2, 1.0)], [Seed(3), Seed(4)], beta=0.4)
    expected = (3 * unit([1, 0, 0]) + unit([0, 1, 0])) / 4
    expected -= 0.4 * (unit([0, 0, 1]) + unit([1, 1, 0])) / 2
    np.testing.assert_allclose(composition.taste.vector, unit(expected), rtol=1e-6)
    assert composition.taste.beta == 0.4
    assert composition.problems == ()


def test_only_hates_gives_no_taste_and_says_why() -> None:
    space = space_of({1: [1, 0], 2: [0, 1]})
    composition = compose(space, [], [Seed(1)])
    assert composition.taste is None
    assert [p.kind for p in composition.problems] == [RecommendProblemKind.ONLY_HATES]


def test_seeds_without_a_vector_are_reported_and_skipped() -> None:
    space = space_of({1: [1, 0], 2: [0, 1]}, extra_artists=(7, 8))
    composition = compose(space, [Seed(1), Seed(7)], [Seed(8)])
    np.testing.assert_allclose(composition.taste.vector, [1, 0])
    assert [(p.kind, p.artist_id) for p in composition.problems] == [
        (RecommendProblemKind.NOT_IN_SPACE, 7), (RecommendProblemKind.NOT_IN_SPACE, 8)
    ]
    assert "band 7" in composition.problems[0].message


def test_no_taste_when_no_like_has_a_vector_or_likes_and_hates_cancel() -> None:
    space = space_of({1: [1, 0], 2: [0, 1]}, extra_artists=(7,))
    missing = compose(space, [Seed(7)], [])
    assert missing.taste is None
    assert missing.problems[-1].kind is RecommendProblemKind.NO_LIKES_IN_SPACE
    cancelled = compose(space, [Seed(1)], [Seed(1)], beta=1.0)
    assert cancelled.taste is None
    assert cancelled.problems[-1].kind is RecommendProblemKind.TASTE_CANCELS


# --- filters, each alone -------------------------------------------------------------


def test_drop_near_hates_removes_what_is_closer_to_a_hate_than_to_the_likes() -> None:
    like, hate_a, hate_b = [1, 0, 0], [0, 1, 0], [0, 0, 1]
    space = space_of({
        1: like, 2: hate_a, 3: hate_b,
        10: [0.3, 1, 0],  # close to hate a: removed by it
        11: [1, 0.3, 0],  # close to hate a, closer to the like: kept
        12: [0.2, 0, 1],  # close to hate b: removed by it
        13: [1, 0.1, 1.2],  # closer to hate b than the like, but not close: kept
        14: [1, 0, 0.1],  # close to the like only: kept
    })
    taste = taste_of(space, [1], [2, 3])
    kept, near = drop_near_hates(candidates_of(space, [10, 11, 12, 13, 14]), space.unit, taste,
                                 threshold=0.8)
    assert space.entity_ids[kept.rows].tolist() == [11, 13, 14]
    assert space.entity_ids[near.candidates.rows].tolist() == [10, 12]
    assert space.entity_ids[near.hate_rows].tolist() == [2, 3]
    np.testing.assert_allclose(near.hate_similarity, [unit([0.3, 1, 0])[1], unit([0.2, 0, 1])[2]],
                               rtol=1e-6)
    assert np.all(near.like_similarity < near.hate_similarity)


def test_drop_near_hates_without_hates_keeps_everything() -> None:
    space = space_of({1: [1, 0], 2: [0, 1], 3: [1, 1]})
    candidates = candidates_of(space, [2, 3])
    kept, near = drop_near_hates(candidates, space.unit, taste_of(space, [1]), threshold=0.0)
    assert kept is candidates and len(near.candidates) == 0


# --- novelty -------------------------------------------------------------------------


def test_full_novelty_ranks_by_cosine_and_the_knob_moves_from_safe_to_none() -> None:
    similarity = np.array([0.9, 0.8], dtype=np.float32)
    popularity = np.array([1.0, 0.0], dtype=np.float32)
    assert novelty_scores(similarity, popularity, 0.0) is similarity
    np.testing.assert_allclose(novelty_scores(similarity, popularity, 0.25), [1.15, 0.8],
                               rtol=1e-6)
    ranking = Ranking(popularity_prior=0.3, safe_popularity_prior=1.0)
    assert [ranking.prior_at(n) for n in (-1, -0.5, 0, 0.5, 1)] == pytest.approx(
        [1.0, 0.65, 0.3, 0.15, 0.0])
    # A run that records no safe prior: -1 doubles the prior, as it always did.
    assert Ranking(popularity_prior=POPULARITY_PRIOR).prior_at(-1) == 2 * POPULARITY_PRIOR


def test_playing_it_safe_keeps_fewer_long_tail_places() -> None:
    ranking = Ranking(discovery=Discovery(0.2, 0.2))
    assert ranking.discovery_at(0.5) == ranking.discovery
    assert ranking.discovery_at(-0.5) == Discovery(0.1, 0.1)
    assert not ranking.discovery_at(-1)


def test_popularity_is_log_listeners_over_the_top() -> None:
    np.testing.assert_allclose(popularity_of(np.array([0, 9, 99])), [0, 0.5, 1], rtol=1e-6)
    assert popularity_of(np.array([0, 0])).tolist() == [0, 0]


def test_positive_novelty_lifts_rare_artists_and_negative_lifts_popular_ones() -> None:
    space = random_space(2000, 8, seed=3)
    likes = [Seed(0), Seed(1), Seed(2)]
    mean_popularity = {}
    for novelty in (-1.0, 0.0, 1.0):
        answer = recommend(space, likes, k=50, novelty=novelty)
        rows = space.rows_of([item.artist_id for item in answer.items])
        mean_popularity[novelty] = space.popularity[rows].mean()
    assert mean_popularity[-1.0] > mean_popularity[0.0] > mean_popularity[1.0]


# --- explain and the whole pipeline --------------------------------------------------


def test_each_result_names_the_like_it_is_closest_to() -> None:
    space = space_of({
        1: [1, 0, 0], 2: [0, 1, 0],
        10: [1, 0.2, 0], 11: [0.2, 1, 0], 12: [1, 0.1, 0.3], 13: [0.3, 1, 0.1],
    }, listeners={11: 42})
    taste = taste_of(space, [1, 2])
    items = explain_items(space, taste, candidates_of(space, [10, 11, 12, 13]))
    assert [(i.artist_id, i.closest_like.artist_id) for i in items] == [
        (10, 1), (11, 2), (12, 1), (13, 2)
    ]
    assert items[1].closest_like.name == "band 2"
    assert items[1].closest_like.similarity == pytest.approx(unit([0.2, 1, 0])[1], rel=1e-6)
    assert items[1].listeners == 42 and items[1].rank == 2 and items[1].name == "band 11"


def test_recommend_explains_results_hate_removals_and_settings() -> None:
    like, hate = [1, 0, 0], [0, 1, 0]
    space = space_of({
        1: like, 2: hate,
        10: [1, 0.05, 0], 11: [1, 0, 0.3], 12: [0.95, 1, 0],  # 12 leans to the hate
        13: [0.5, -0.1, 1], 14: [0.2, 0, 1], 15: [0, 0, 1],
        16: [0.3, 1, 0.3],  # next to the hate too, but too far down to have been shown
    })
    answer = recommend(space, [Seed(1)], [Seed(2)], k=3, beta=0.2, novelty=1.0)
    assert [item.artist_id for item in answer.items] == [10, 11, 13]
    assert all(item.closest_like.artist_id == 1 for item in answer.items)
    assert [(r.hate_id, [i.artist_id for i in r.removed]) for r in answer.removed_by_hates] == [
        (2, [12])
    ]
    assert answer.settings.beta == 0.2 and answer.settings.k == 3
    assert (answer.space, answer.entity_kind, answer.problems) == ("test", "artist", ())


def test_recommend_never_returns_inputs_or_excluded_and_keeps_cosine_order() -> None:
    space = random_space(500, 8, seed=4)
    liked, hated = [Seed(0), Seed(1)], [Seed(2)]
    # Novelty +1 drops the popularity prior, leaving the cosine order to check.
    first = recommend(space, liked, hated, k=10, hate_threshold=1.0, novelty=1.0)
    exclude = {item.artist_id for item in first.items} | set(range(100, 400))
    second = recommend(space, liked, hated, k=10, hate_threshold=1.0, novelty=1.0,
                       exclude_ids=exclude)
    allowed = np.setdiff1d(np.arange(500), [*exclude, 0, 1, 2])
    taste = compose(space, liked, hated).taste.vector
    by_cosine = allowed[np.argsort(-(space.unit[space.rows_of(allowed)] @ taste), kind="stable")]
    assert [item.artist_id for item in second.items] == by_cosine[:10].tolist()


def test_recommend_fetches_more_candidates_when_the_hates_empty_the_first_pool() -> None:
    def at(degrees: float) -> list[float]:
        return [np.cos(np.radians(degrees)), np.sin(np.radians(degrees))]

    like, hate = 1, 2
    # 60 bands just on the hated side of the like, then 20 further away on the other side.
    near_hate = {100 + i: at(6.5 + i / 20) for i in range(60)}
    far_side = {200 + i: at(-20 - i / 2) for i in range(20)}
    space = space_of({like: at(0), hate: at(12), **near_hate, **far_side})
    answer = recommend(space, [Seed(like)], [Seed(hate)], k=10, beta=0.0)
    assert [item.artist_id for item in answer.items] == list(range(200, 210))
    assert len(answer.removed_by_hates[0].removed) == 60
    assert answer.problems == ()


def test_recommend_reports_few_results_and_only_hates() -> None:
    space = space_of({1: [1, 0], 2: [0, 1], 3: [1, 1]})
    few = recommend(space, [Seed(1)], k=5)
    assert [item.artist_id for item in few.items] == [3, 2]
    assert few.problems[-1].kind is RecommendProblemKind.FEW_RESULTS
    nothing = recommend(space, [], [Seed(2)])
    assert nothing.items == () and nothing.problems[0].kind is RecommendProblemKind.ONLY_HATES


@pytest.mark.parametrize("setting", [
    {"k": 0}, {"beta": -0.1}, {"novelty": 1.5}, {"novelty": float("nan")},
    {"hate_threshold": 2.0}, {"max_per_scene": 0},
])
def test_settings_out_of_range_are_user_errors(setting: dict) -> None:
    space = space_of({1: [1, 0], 2: [0, 1]})
    with pytest.raises(SettingError):
        recommend(space, [Seed(1)], **setting)


def test_positions_in_finds_ids_of_any_shape_and_says_which_are_missing() -> None:
    rows, found = positions_in(np.array([10, 20, 30]), np.array([[30, 5], [20, 99]]))
    assert found.tolist() == [[True, False], [True, False]]
    assert rows[found].tolist() == [2, 1]
    rows, found = positions_in(np.array([], dtype=np.int64), np.array([1, 2]))
    assert rows.tolist() == [0, 0] and not found.any()


def test_a_disliked_band_lowers_its_neighbours_a_little_without_removing_them() -> None:
    # 10 is the closest to the like and leans to the disliked band 2; 11 and 12 do not.
    space = space_of({1: [1, 0, 0], 2: [0, 1, 0], 3: [0, 1, 0.1],
                      10: [1, 0.35, 0], 11: [1, 0, 0.4], 12: [1, -0.5, 0], 13: [0.5, 0, 1]})

    def answer(soft_hates):  # novelty 1: scores are cosines, their changes checkable
        found = recommend(space, [Seed(1)], k=3, novelty=1.0, exclude_ids=[2, 3],
                          soft_hates=soft_hates)
        return {item.artist_id: item.score for item in found.items}

    plain, disliked, whole = answer(()), answer([Seed(2)]), answer([Seed(2, 0.2)])
    assert list(plain) == [10, 11, 12]
    assert list(disliked) == [11, 12, 10]  # lower, and still recommended
    closeness = float(space.unit[space.rows_of([10])[0]] @ space.unit[space.rows_of([2])[0]])
    # The scores span 1 (the like) to 0 (the disliked bands): the penalty is a share of that.
    assert disliked[10] == pytest.approx(plain[10] - DISLIKED_NEIGHBOUR_PENALTY * closeness)
    assert disliked[11] == plain[11] and disliked[12] == plain[12]  # not close: untouched
    assert disliked[10] < whole[10] < plain[10]  # a lighter dislike pushes less
    # Two disliked bands push a row as far as the closer one does, not further.
    scores = np.linspace(1, 0, len(space), dtype=np.float32)
    both = near_dislike_penalty(space, [Seed(2), Seed(3)], scores)
    one = near_dislike_penalty(space, [Seed(2)], scores)
    assert np.array_equal(both, np.minimum(one, near_dislike_penalty(space, [Seed(3)], scores)))
    # Scores on twice the scale, twice the push.
    assert np.allclose(near_dislike_penalty(space, [Seed(2)], 2 * scores), 2 * one)
    assert near_dislike_penalty(space, [Seed(99)], scores) is None  # a band the space lacks
