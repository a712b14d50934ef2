"""Track answers (`tracks like …`, `sage ask --tracks`): tracks near a taste in the track
space, one a band, a track as a seed, hates and dislikes, and one line without tracks."""

import argparse
import json

import discord.ext.test as dpytest
import numpy as np
import pytest

from bot.cogs.recommend import tracks_for
from bot.state.connection import BotState
from bot.state.results import posted_results, record_results, set_reaction
from cli.chat import ChatSession, reply
from cli.main import main
from engine.audio_tracks import AudioTracks
from engine.commands import TRACKS, route
from engine.space import LoadedSpace
from engine.track_answer import NO_TRACKS, answer_tracks
from engine.track_render import tracks_text
from engine.track_space import with_searched_space
from store.catalog import ArtistCatalog


def test_tracks_like_bands_are_the_scenes_tracks_that_fit_one_a_band(track_engine):
    answer = track_engine.ask_tracks("like hardcore band 0, hardcore band 1")
    assert answer.likes == ("hardcore band 0", "hardcore band 1") and not answer.notes
    assert len(answer.items) == 10
    bands = [item.band for item in answer.items]
    assert len(set(bands)) == 10  # one track a band
    assert all(b.startswith("hardcore") for b in bands)
    assert not {"hardcore band 0", "hardcore band 1"} & set(bands)
    # the songs the hardcore playlists play, not the crossovers they are best known for
    assert all(item.title.startswith("song ") for item in answer.items)
    for item in answer.items:
        assert item.url.startswith("https://open.spotify.com/track/hardcore")
        assert item.why.startswith("close to hardcore band ")
    scores = [item.score for item in answer.items]
    assert scores == sorted(scores, reverse=True)


def test_a_track_can_be_a_seed_and_a_hated_band_is_left_out(track_engine):
    answer = track_engine.ask_tracks('like "dream pop band 3 - song 1" hate hardcore band 2')
    assert answer.likes == ("dream pop band 3 - song 1",)
    assert answer.hates == ("hardcore band 2",)
    bands = {item.band for item in answer.items}
    assert len(bands) == 10 and "dream pop band 3" not in bands
    assert "hardcore band 2" not in bands
    # the tracks of dream-pop playlists: dream-pop songs and the hardcore crossovers
    assert all(item.band.startswith("dream pop") or item.title == "crossover"
               for item in answer.items)
    assert all(item.why.startswith("close to dream pop band 3 - song 1 (")
               for item in answer.items)


def test_disliked_bands_are_left_out(track_engine):
    first = track_engine.ask_tracks("like hardcore band 0")
    disliked = {first.items[0].artist_id, first.items[1].artist_id}
    again = track_engine.ask_tracks("like hardcore band 0", exclude_ids=disliked)
    assert not disliked & {item.artist_id for item in again.items}
    assert [item.track_id for item in again.items[:8]] == [
        item.track_id for item in first.items[2:10]]


def test_names_that_are_no_band_or_track_get_a_note(track_engine):
    answer = track_engine.ask_tracks("like Nosuchband Atall")
    assert answer.items == () and answer.notes
    assert "at least one band or track you like" in answer.notes[-1]


def test_without_tracks_the_answer_says_so_in_one_line(bot_engine):
    answer = bot_engine.ask_tracks("like Minor Threat")
    assert answer.items == () and answer.notes == (NO_TRACKS,)
    assert tracks_text(answer).splitlines()[-1] == f"note: {NO_TRACKS}"


def test_the_router_knows_tracks():
    request = route("!sage Tracks like Fugazi, Slint")
    assert request.command is TRACKS and request.argument == "like Fugazi, Slint"


def test_sage_ask_tracks_as_json(track_store_path, capsys):
    assert main(["--store", str(track_store_path), "ask", "--space", "playlist", "--tracks",
                 "--json", "--top", "3", "like hardcore band 5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["understood"]["likes"] == ["hardcore band 5"]
    assert len(out["tracks"]) == 3
    assert set(out["tracks"][0]) == {"title", "band", "artist_id", "track_id", "url", "score",
                                     "why"}


def test_a_thumbs_down_on_a_track_answer_dislikes_its_bands(track_engine, tmp_path):
    with BotState.open(tmp_path / "state.sqlite3") as state:
        first = tracks_for(track_engine, state, 7, "like hardcore band 0")
        record_results(state, 1, guild_id=None, channel_id=5, user_id=7,
                       artist_ids=[item.artist_id for item in first.items[:10]],
                       like_ids=[], hate_ids=[])
        set_reaction(state, 1, 7, "👎", True)
        set_reaction(state, 1, 7, "1️⃣", True)
        again = tracks_for(track_engine, state, 7, "like hardcore band 0")
    assert first.items[0].artist_id not in {item.artist_id for item in again.items}
    assert first.items[1].artist_id in {item.artist_id for item in again.items}


@pytest.mark.asyncio
async def test_the_bot_answers_tracks_and_says_when_it_has_none(bot):
    await dpytest.message("!sage tracks like Minor Threat")
    message = dpytest.get_message()
    embed = message.embeds[0]
    assert embed.title == "Tracks for you"
    notes = {field.name: field.value for field in embed.fields}["Notes"]
    assert notes.startswith("• This store has no track vectors") and len(notes.splitlines()) == 1
    assert posted_results(bot.state, message.id) is None and not message.reactions


def test_sage_chat_runs_tracks_as_the_bot_does(track_engine, track_store_path):
    session = ChatSession()
    text = reply(track_engine, track_store_path, session, route("tracks like hardcore band 5"),
                 argparse.Namespace(top=3, novelty=None))
    lines = text.splitlines()
    assert lines[0] == "understood: like hardcore band 5"
    assert [line[:3] for line in lines if not line.startswith("    ")][1:] == [" 1.", " 2.", " 3."]
    assert all(line.startswith("    https://open.spotify.com/track/") for line in lines[2::2])
    assert "you liked: hardcore band 5" in session.profile()


def test_a_new_bands_audio_track_is_found_and_named_like_any_other(track_engine):
    # A band nobody playlisted, whose one file the audio run placed next to hardcore
    # band 3 in the artist space.
    space, catalog = track_engine.space, track_engine.space.catalog
    new = int(catalog.artist_ids.max()) + 1
    hardcore = track_engine.band_named("hardcore band 3").artist.artist_id
    near = space.unit[space.rows_of([hardcore])][0]
    with_new = ArtistCatalog(np.append(catalog.artist_ids, new), [*catalog.names, "new band"],
                             [*catalog.norm_names, "new band"],
                             np.append(catalog.listeners, 0), np.append(catalog.plays, 0))
    audio = AudioTracks(1, [10_000], [new], ["new band"], ["Demo"], [True], [near])
    searched = audio.place_artists(LoadedSpace.from_arrays(
        "playlist", space.entity_ids, space.unit, with_new))
    tracks = with_searched_space(track_engine.track_space, searched, audio)
    assert len(tracks) == len(track_engine.track_space) + 1
    answer = answer_tracks(tracks, track_engine.understand("like hardcore band 3"), "", k=5)
    assert "new band - Demo" in [f"{item.band} - {item.title}" for item in answer.items]
    [demo] = [item for item in answer.items if item.band == "new band"]
    assert demo.url is None and demo.track_id == 10_000
    # named as a seed, it is that track
    [seed] = answer_tracks(tracks, track_engine.understand('like "new band - Demo"'), "").seeds
    assert (seed.track_id, seed.name) == (10_000, "new band - Demo")
