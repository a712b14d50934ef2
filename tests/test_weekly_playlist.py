"""The weekly post as a playlist: one track of each band, picked for the server's taste in
the track space, in an order that flows, never one posted before; on a store built from
a small planted MPD slice."""

import copy
from datetime import UTC, datetime, time

import numpy as np
import pytest

from bot.embeds import weekly_embed
from bot.state.connection import BotState
from bot.state.weekly_posts import WeeklySettings, posted_tracks
from bot.weekly import MIN_BANDS, Outcome, WeeklyPost, compose_weekly, run_weekly
from engine.answer import Engine
from engine.compose import Seed
from engine.top_tracks import load_top_tracks
from engine.track_space import TrackSpace, flow_order, with_searched_space
from store import Store
from tests.test_bot_weekly import give_taste
from tests.track_store import hardcore_taste


def test_the_playlist_picks_each_bands_track_that_fits_the_taste_not_its_top_one(track_engine,
                                                                                 track_store_path):
    post = compose_weekly(track_engine, hardcore_taste(track_engine), set())
    assert post.is_playlist and MIN_BANDS <= len(post.items) <= 15
    assert len(set(post.artist_ids)) == len(post.items)  # one track a band
    hardcore = [item for item in post.items if item.name.startswith("hardcore")]
    assert len(hardcore) >= 8
    with Store.open(track_store_path, read_only=True) as store:
        top = load_top_tracks(store)
    # Each hardcore band's top track is its crossover song; the playlist plays another.
    assert all(top[item.artist_id].title == "crossover" for item in hardcore)
    assert all(item.track.startswith("song ") for item in hardcore)
    for item in post.items:
        assert item.track_url == ("https://open.spotify.com/track/"
                                  + item.name.replace(" band ", "").replace(" ", "")
                                  + "x" + item.track.replace(" ", ""))
    # As JSON (the claim) and back, it is the same playlist.
    assert WeeklyPost.from_json(post.to_json()) == post


def test_a_posted_track_never_comes_back(track_engine):
    taste = hardcore_taste(track_engine)
    first = compose_weekly(track_engine, taste, set())
    again = compose_weekly(track_engine, taste, set(), posted_track_ids=set(first.track_ids))
    assert again.is_playlist
    assert not set(again.track_ids) & set(first.track_ids)


def test_the_playlist_plays_in_an_order_that_flows(track_engine):
    post = compose_weekly(track_engine, hardcore_taste(track_engine), set())
    vectors = track_engine.track_space.vectors_of(post.track_ids)
    taste = track_engine.track_space.taste(
        [Seed(a, w) for a, w in hardcore_taste(track_engine).likes.items()])
    assert flow_order(vectors, taste) == list(range(len(vectors)))
    # and consecutive tracks are nearer each other than the post's tracks on average
    steps = np.einsum("ij,ij->i", vectors[:-1], vectors[1:])
    assert steps.mean() > (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)].mean()


def test_flow_order_starts_nearest_the_taste_and_steps_to_the_nearest_track():
    angles = np.array([0.0, 3.0, 1.0, 2.0, 0.5])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    assert flow_order(vectors, np.array([1.0, 0.0])) == [0, 4, 2, 3, 1]
    assert flow_order(vectors, np.array([np.cos(3.0), np.sin(3.0)])) == [1, 3, 2, 4, 0]


def test_the_embed_leads_with_each_track_where_it_plays(track_engine):
    post = compose_weekly(track_engine, hardcore_taste(track_engine), set())
    embed = weekly_embed(post)
    assert embed.title == "This week's discovery playlist"
    lines = embed.description.splitlines()
    for n, item in enumerate(post.items):
        assert lines[2 * n].startswith(f"**{n + 1}. ♪ [{item.track}]({item.track_url})** · ")
        assert item.name in lines[2 * n]


def test_without_a_track_space_the_post_is_a_list_of_bands(track_store_path):
    engine = Engine.load(track_store_path, "playlist")
    engine.track_space = None
    post = compose_weekly(engine, hardcore_taste(engine), set())
    assert not post.is_playlist and set(post.track_ids) == {None}
    # each band shows its top track, as before playlists
    assert {item.track for item in post.items if item.name.startswith("hardcore")} == {
        "crossover"}
    assert weekly_embed(post).title == "This week's discoveries"


@pytest.mark.asyncio
async def test_a_sent_playlist_records_its_tracks_and_the_next_week_plays_none_again(
        tmp_path, track_engine):
    settings = WeeklySettings(1, 10, 0, time(9, 0), "UTC")
    sent: list[WeeklyPost] = []

    async def send(channel_id, post, marker, nonce):
        sent.append(post)
        return len(sent)

    async def find_post(channel_id, marker, after):
        return None

    # A taste of both scenes: enough bands fit it for two weeks (one scene's 14 do not,
    # and a post never reaches outside the taste to fill its places).
    ids = dict(zip(track_engine.space.catalog.names,
                   track_engine.space.catalog.artist_ids.tolist(), strict=True))
    liked = [ids[f"{scene} band {n}"] for scene in ("hardcore", "dream pop") for n in (0, 1)]
    with BotState.open(tmp_path / "state.sqlite3") as state:
        give_taste(state, 1, 100, liked)
        for day in (2, 9):  # two Mondays
            outcome = await run_weekly(state, track_engine, settings,
                                       datetime(2026, 3, day, 10, tzinfo=UTC), send, find_post)
            assert outcome.outcome is Outcome.POSTED
        assert all(post.is_playlist for post in sent)
        assert posted_tracks(state, 1) == set(sent[0].track_ids) | set(sent[1].track_ids)
        assert not set(sent[0].track_ids) & set(sent[1].track_ids)


def test_liked_bands_with_no_track_are_placed_by_the_map_from_the_artist_space(track_engine):
    # The server likes two bands whose tracks the track space lacks.
    tracks = track_engine.track_space
    liked = list(hardcore_taste(track_engine).likes)
    keep = ~np.isin(tracks.artist_ids, liked)
    without = TrackSpace(tracks.track_ids[keep], tracks.artist_ids[keep],
                         [b for b, k in zip(tracks.bands, keep, strict=True) if k],
                         [t for t, k in zip(tracks.titles, keep, strict=True) if k],
                         [u for u, k in zip(tracks.urls, keep, strict=True) if k],
                         tracks.unit[keep])
    assert not without.artist_places(liked)[1].any()
    mapped = with_searched_space(without, track_engine.space, None)
    places, found = mapped.artist_places(liked)
    assert found.all()
    # each lands among its own scene's bands, near where its own tracks put it
    actual, _ = tracks.artist_places(liked)
    assert (np.einsum("ij,ij->i", places, actual) > 0.7).all()
    engine = copy.copy(track_engine)
    engine.track_space = mapped
    post = compose_weekly(engine, hardcore_taste(track_engine), set())
    assert post.is_playlist
    assert sum(item.name.startswith("hardcore") for item in post.items) >= 8
