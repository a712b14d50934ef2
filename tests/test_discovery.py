"""Discovery slots: places of an answer kept for long-tail bands, in the engine and in the
held-out test."""

from __future__ import annotations

import numpy as np
import pytest

from engine.answer import Engine
from engine.compose import Seed
from engine.discovery import Discovery, like_tail_share, most_listened
from engine.pipeline import recommend
from engine.ranking import Ranking
from engine.render import answer_to_dict, render_text
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from store.catalog import Listens
from tests.test_engine_stages import catalog_of
from train.evaluate.served import ServedRecommender
from train.hybrid.params import HybridParams, HybridParamsError
from train.vectors import ArtistVectors


def test_slots_grow_with_the_share_of_long_tail_likes():
    discovery = Discovery(share=0.05, tail_taste=0.2)
    assert discovery.slots(20, np.array([0, 1 / 3, 2 / 3, 1])).tolist() == [1, 2, 4, 5]
    assert int(discovery.slots(10, 0.0)) == 1  # half a slot rounds up
    assert not Discovery() and discovery


def test_shares_beyond_the_whole_answer_are_refused():
    with pytest.raises(ValueError):
        Discovery(share=0.8, tail_taste=0.3)
    with pytest.raises(ValueError):
        Discovery(share=-0.1)


def test_the_most_listened_break_ties_by_lower_id():
    ids = np.array([5, 6, 7, 8])
    assert most_listened(ids, np.array([3, 9, 3, 1]), 2).tolist() == [6, 5]


def test_the_long_tail_share_of_likes_is_weighted():
    in_tail = np.array([[True, False, False], [True, True, False]])
    weights = np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    assert like_tail_share(in_tail, weights) == pytest.approx([0.5, 1.0])


def tail_space(discovery: Discovery) -> LoadedSpace:
    """Bands 1-5 well known (many listeners), 6-8 long tail, each a little further from
    band 1 than the one before."""
    angles = np.array([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    listeners = {i: 100 - i for i in range(1, 6)} | {6: 3, 7: 2, 8: 1}
    return LoadedSpace.from_arrays("hybrid", np.arange(1, 9), vectors, catalog_of(listeners),
                                   ranking=Ranking(discovery=discovery))


def test_the_engine_keeps_the_slots_for_the_best_long_tail_bands():
    items = recommend(tail_space(Discovery(share=0.25, after=5)), [Seed(1)], k=4).items
    assert [item.artist_id for item in items] == [2, 3, 4, 6]
    assert [item.discovery for item in items] == [False, False, False, True]
    plain = recommend(tail_space(Discovery()), [Seed(1)], k=4).items
    assert [item.artist_id for item in plain] == [2, 3, 4, 5]
    assert not any(item.discovery for item in plain)


def test_long_tail_likes_get_more_slots():
    space = tail_space(Discovery(share=0.25, tail_taste=0.25, after=5))
    items = recommend(space, [Seed(8)], k=4).items
    # Half of 4 places: band 8 is a long-tail band. Ranked by score, as always.
    assert [item.artist_id for item in items] == [5, 4, 6, 7]
    assert [item.discovery for item in items] == [False, False, True, True]


def test_a_slot_is_filled_by_others_when_the_long_tail_has_nothing_left():
    space = tail_space(Discovery(share=0.5, after=5))
    items = recommend(space, [Seed(1)], k=4, exclude_ids=[6, 7, 8]).items
    assert [item.artist_id for item in items] == [2, 3, 4, 5]


def test_hates_removed_only_what_could_have_taken_a_place_of_its_kind():
    # Like band 1, hate band 5. The hate removes well-known band 4 and long-tail band 6:
    # both score below the main places and above the long-tail pick (band 7).
    angles = {1: 0.0, 2: -0.1, 3: -0.2, 4: 0.4, 5: 0.7, 6: 0.45, 7: -1.6}
    vectors = np.array([[np.cos(a), np.sin(a)] for a in angles.values()], dtype=np.float32)
    listeners = {1: 100, 2: 99, 3: 98, 4: 97, 5: 96, 6: 2, 7: 1}
    space = LoadedSpace.from_arrays("hybrid", np.array(list(angles)), vectors,
                                    catalog_of(listeners), ranking=Ranking(popularity_prior=0.0,
                                                    discovery=Discovery(share=0.34, after=5)))
    answer = recommend(space, [Seed(1)], [Seed(5)], k=3)
    assert [(item.artist_id, item.discovery) for item in answer.items] == [
        (3, False), (2, False), (7, True)]
    # Band 6 would have taken the slot; band 4 could only have had a main place.
    [removal] = answer.removed_by_hates
    assert removal.hate_id == 5 and [item.artist_id for item in removal.removed] == [6]


def test_a_long_tail_band_the_hates_removed_below_every_main_candidate_is_listed():
    # As above, but 20 well-known bands (10-29) outrank long-tail band 6, so it is only
    # among the long-tail candidates; it still beat the long-tail pick, band 7.
    angles = {1: 0.0, 5: 0.7, 6: 0.45, 7: -1.6} | {
        band: -0.01 * (band - 9) for band in range(10, 30)}
    vectors = np.array([[np.cos(a), np.sin(a)] for a in angles.values()], dtype=np.float32)
    listeners = {band: 100 + band for band in angles} | {6: 2, 7: 1}
    space = LoadedSpace.from_arrays("hybrid", np.array(list(angles)), vectors,
                                    catalog_of(listeners), ranking=Ranking(popularity_prior=0.0,
                                                    discovery=Discovery(share=0.34, after=22)))
    answer = recommend(space, [Seed(1)], [Seed(5)], k=3)
    assert [(item.artist_id, item.discovery) for item in answer.items] == [
        (29, False), (28, False), (7, True)]
    [removal] = answer.removed_by_hates
    assert removal.hate_id == 5 and [item.artist_id for item in removal.removed] == [6]


def test_answers_say_which_result_is_a_long_tail_pick():
    space = tail_space(Discovery(share=0.25, after=5))
    engine = Engine(NameResolver.from_catalog(space.catalog, []), space)
    lines = render_text(engine.ask("like band 1", k=4)).splitlines()
    assert lines[-2].endswith("; a long-tail pick") and "band 6" in lines[-2]
    assert not lines[-3].endswith("long-tail pick")
    results = answer_to_dict(engine.ask("like band 1", k=4))["results"]
    assert [result["discovery"] for result in results] == [False, False, False, True]


def test_the_held_out_test_keeps_the_slots_as_the_engine_does():
    space = tail_space(Discovery(share=0.25, after=5))

    class Fixed:
        def fit_vectors(self, train):
            return ArtistVectors(space.entity_ids, space.unit)

    # Five well-known bands, three long-tail ones, in training as in the catalog.
    heard = {artist: 10 for artist in range(1, 6)} | {6: 3, 7: 2, 8: 1}
    train = [(user, artist) for artist, count in heard.items() for user in range(count)]
    users, artists = (np.array(column, dtype=np.int64) for column in zip(*train))
    served = ServedRecommender(Fixed(), space.ranking)
    served.fit(Listens(users, artists, np.ones(len(users), dtype=np.int64)))
    answered = served.recommend_many(np.array([[1]]), 4)[0]
    engine = recommend(space, [Seed(1)], k=4).items
    assert answered.tolist() == [item.artist_id for item in engine]


def test_hybrid_runs_from_before_the_slots_rank_without_them():
    old = {"weights": {"cf": 0.8, "graph": 0.2}, "popularity_prior": 0.6, "ridge": 1.0}
    params = HybridParams.from_dict(old)
    assert params.step_weight == 0 and not params.discovery
    assert HybridParams.from_dict(HybridParams().to_dict()) == HybridParams()


@pytest.mark.parametrize("setting", [
    {"step_weight": -1.0}, {"discovery_share": 0.9, "discovery_tail_taste": 0.2},
    {"discovery_share": -0.1},
])
def test_hybrid_settings_out_of_range_are_user_errors(setting):
    with pytest.raises(HybridParamsError):
        HybridParams(**setting)
