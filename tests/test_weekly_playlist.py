"""The weekly post as a playlist: one track of each band, picked for the server's taste in
the track space, in an order that flows, never one posted before; on a store built from
a small planted MPD slice."""

import json
from pathlib import Path

import numpy as np
import pytest

from bot.embeds import weekly_embed
from bot.state.results import GuildTaste
from bot.weekly import MIN_BANDS, WeeklyPost, compose_weekly
from engine.answer import Engine
from engine.compose import Seed
from engine.top_tracks import load_top_tracks
from engine.track_space import flow_order
from store import Store
from train.graph.params import Word2VecParams
from train.ingest.mpd import ingest_mpd
from train.playlist.params import PlaylistParams
from train.playlist.space import train_playlist_space

TINY = Word2VecParams(sg=1, vector_size=16, window=150, negative=5, epochs=30, min_count=1,
                      sample=0.0)
BANDS = 16  # a scene


def crossover_playlists(n_playlists: int = 120, seed: int = 0) -> list[dict]:
    """Hardcore playlists hold hardcore bands' songs 0 to 2; dream-pop playlists hold
    dream-pop bands' songs and, as often, each hardcore band's "crossover" song: the one
    in most playlists, far from a hardcore taste."""
    rng = np.random.default_rng(seed)
    playlists = []
    for pid in range(n_playlists):
        bands = rng.integers(0, BANDS, size=8).tolist()
        songs = rng.integers(0, 3, size=8).tolist()
        if pid % 2 == 0:
            entries = [("hardcore", band, f"song {song}") for band, song in zip(bands, songs)]
        else:
            entries = [("dream pop", band, f"song {song}") for band, song in zip(bands, songs)]
            entries += [("hardcore", band, "crossover") for band in bands]
        playlists.append({"pid": pid, "name": f"playlist {pid}", "tracks": [
            {"artist_name": f"{scene} band {band}", "track_name": song,
             "track_uri": f"spotify:track:{scene.replace(' ', '')}{band}x{song.replace(' ', '')}"}
            for scene, band, song in entries
        ]})
    return playlists


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("playlist")
    path, slice_file = folder / "sage.duckdb", folder / "mpd.slice.0-119.json"
    slice_file.write_text(json.dumps({"playlists": crossover_playlists()}))
    ingest_mpd(path, [slice_file])
    for entity in ("artist", "track"):
        train_playlist_space(path, PlaylistParams(word2vec=TINY), seed=0, workers=1,
                             activate=True, entity=entity)
    return path


@pytest.fixture(scope="module")
def engine(store_path) -> Engine:
    return Engine.load(store_path, "playlist")


def hardcore_taste(engine: Engine) -> GuildTaste:
    ids = {name: a for a, name in zip(engine.space.catalog.artist_ids.tolist(),
                                      engine.space.catalog.names, strict=True)}
    return GuildTaste({ids["hardcore band 0"]: 1.0, ids["hardcore band 1"]: 1.0}, {})


def test_the_playlist_picks_each_bands_track_that_fits_the_taste_not_its_top_one(engine,
                                                                                 store_path):
    post = compose_weekly(engine, hardcore_taste(engine), set())
    assert post.is_playlist and MIN_BANDS <= len(post.items) <= 15
    assert len(set(post.artist_ids)) == len(post.items)  # one track a band
    hardcore = [item for item in post.items if item.name.startswith("hardcore")]
    assert len(hardcore) >= 8
    with Store.open(store_path, read_only=True) as store:
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


def test_a_posted_track_never_comes_back(engine):
    taste = hardcore_taste(engine)
    first = compose_weekly(engine, taste, set())
    again = compose_weekly(engine, taste, set(), posted_track_ids=set(first.track_ids))
    assert again.is_playlist
    assert not set(again.track_ids) & set(first.track_ids)


def test_the_playlist_plays_in_an_order_that_flows(engine):
    post = compose_weekly(engine, hardcore_taste(engine), set())
    vectors = engine.track_space.vectors_of(post.track_ids)
    taste = engine.track_space.taste([Seed(a, w) for a, w in hardcore_taste(engine).likes.items()])
    assert flow_order(vectors, taste) == list(range(len(vectors)))
    # and consecutive tracks are nearer each other than the post's tracks on average
    steps = np.einsum("ij,ij->i", vectors[:-1], vectors[1:])
    assert steps.mean() > (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)].mean()


def test_flow_order_starts_nearest_the_taste_and_steps_to_the_nearest_track():
    angles = np.array([0.0, 3.0, 1.0, 2.0, 0.5])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    assert flow_order(vectors, np.array([1.0, 0.0])) == [0, 4, 2, 3, 1]
    assert flow_order(vectors, np.array([np.cos(3.0), np.sin(3.0)])) == [1, 3, 2, 4, 0]


def test_the_embed_leads_with_each_track_where_it_plays(engine):
    post = compose_weekly(engine, hardcore_taste(engine), set())
    embed = weekly_embed(post)
    assert embed.title == "This week's discovery playlist"
    lines = embed.description.splitlines()
    for n, item in enumerate(post.items):
        assert lines[2 * n].startswith(f"**{n + 1}. ♪ [{item.track}]({item.track_url})** · ")
        assert item.name in lines[2 * n]


def test_without_a_track_space_the_post_is_a_list_of_bands(store_path):
    engine = Engine.load(store_path, "playlist")
    engine.track_space = None
    post = compose_weekly(engine, hardcore_taste(engine), set())
    assert not post.is_playlist and set(post.track_ids) == {None}
    # each band shows its top track, as before playlists
    assert {item.track for item in post.items if item.name.startswith("hardcore")} == {
        "crossover"}
    assert weekly_embed(post).title == "This week's discoveries"
