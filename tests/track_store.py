"""A store with tracks, from a small planted MPD slice: two scenes, and each hardcore
band's most playlisted song a crossover into the other scene. Fixtures for the tests
of track answers and weekly playlists (tests/conftest.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

from bot.state.results import GuildTaste
from engine.answer import Engine
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


@pytest.fixture(scope="session")
def track_store_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("playlist")
    path, slice_file = folder / "sage.duckdb", folder / "mpd.slice.0-119.json"
    slice_file.write_text(json.dumps({"playlists": crossover_playlists()}))
    ingest_mpd(path, [slice_file])
    for entity in ("artist", "track"):
        train_playlist_space(path, PlaylistParams(word2vec=TINY), seed=0, workers=1,
                             activate=True, entity=entity)
    return path


@pytest.fixture(scope="session")
def track_engine(track_store_path: Path) -> Engine:
    """The store's engine, searching its playlist (artist) space. Treat it as read-only."""
    return Engine.load(track_store_path, "playlist")


def hardcore_taste(engine: Engine) -> GuildTaste:
    ids = {name: a for a, name in zip(engine.space.catalog.artist_ids.tolist(),
                                      engine.space.catalog.names, strict=True)}
    return GuildTaste({ids["hardcore band 0"]: 1.0, ids["hardcore band 1"]: 1.0}, {})
