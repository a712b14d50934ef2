"""Artist2Vec: playlists -> word2vec -> the playlist spaces, on data whose structure is planted."""

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from engine.ranking import Ranking
from store import Store
from store.catalog import Listens
from store.runs import active_runs, read_active_vectors
from train.evaluate.served import ServedRecommender
from train.graph.params import Word2VecParams
from train.ingest.batch import CatalogBatch
from train.ingest.mpd import ingest_mpd
from train.ingest.write import write_catalog
from train.playlist.corpus import (
    Sentences,
    _blocks_by_length,
    listening_sentences,
    train_sentence_vectors,
)
from train.playlist.heldout import PlaylistVectors
from train.playlist.params import PlaylistParams
from train.playlist.space import train_playlist_space

# Small enough to train in well under a second on one thread.
TINY = Word2VecParams(sg=1, vector_size=16, window=150, negative=5, epochs=30, min_count=1,
                      sample=0.0)
SCENES = ("hardcore", "dream pop")


def scene_playlists(n_playlists: int = 60, per_scene: int = 10, length: int = 8,
                    seed: int = 0) -> list[dict]:
    """Half the playlists hold only hardcore bands, half only dream-pop bands; each band
    has three songs."""
    rng = np.random.default_rng(seed)
    playlists = []
    for pid in range(n_playlists):
        scene = SCENES[pid % 2]
        bands = rng.choice(per_scene, size=length, replace=True)
        songs = rng.integers(0, 3, size=length)
        playlists.append({"pid": pid, "name": f"{scene} {pid}", "tracks": [
            {"artist_name": f"{scene} band {band}", "track_name": f"song {song}",
             "track_uri": f"spotify:track:{scene.replace(' ', '')}-{band}-{song}"}
            for band, song in zip(bands.tolist(), songs.tolist())
        ]})
    return playlists


@pytest.fixture
def playlist_store(tmp_path: Path) -> Path:
    path = tmp_path / "sage.duckdb"
    slice_file = tmp_path / "mpd.slice.0-59.json"
    slice_file.write_text(json.dumps({"playlists": scene_playlists()}))
    ingest_mpd(path, [slice_file])
    return path


def _scene_of(names: list[str]) -> list[str]:
    return [name.split(" band ")[0] for name in names]


def _nearest(matrix: np.ndarray, k: int) -> np.ndarray:
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return np.argsort(-similarity, axis=1)[:, :k]


def test_artist_neighbours_share_their_scene(playlist_store):
    train_playlist_space(playlist_store, PlaylistParams(word2vec=TINY), seed=0, workers=1,
                         activate=True)
    with Store.open(playlist_store, read_only=True) as store:
        space = read_active_vectors(store, "playlist")
        names = dict(store.con.execute("SELECT artist_id, name FROM artists").fetchall())
    assert space.run.entity_kind == "artist"
    assert space.run.params["source"] == "mpd"
    assert space.run.params["seed"] == 0
    assert PlaylistParams.from_dict(space.run.params) == PlaylistParams(word2vec=TINY)
    assert len(space.entity_ids) == 20
    scenes = np.array(_scene_of([names[i] for i in space.entity_ids.tolist()]))
    nearest = _nearest(space.matrix, k=5)
    assert (scenes[nearest] == scenes[:, None]).all()


def test_track_vectors_through_the_cli(playlist_store):
    argv = ["--store", str(playlist_store), "train", "playlist-track", "--dim", "16",
            "--negative", "5", "--epochs", "30", "--min-count", "1", "--sample", "0",
            "--workers", "1"]
    assert main(argv) == 0
    with Store.open(playlist_store, read_only=True) as store:
        assert set(active_runs(store)) == {"playlist-track"}
        space = read_active_vectors(store, "playlist-track")
        uris = dict(store.con.execute("SELECT track_id, source_key FROM tracks").fetchall())
    assert space.run.entity_kind == "track"
    assert len(space.entity_ids) == 60  # 2 scenes x 10 bands x 3 songs
    scenes = np.array([uris[i].split(":")[2].split("-")[0] for i in space.entity_ids.tolist()])
    nearest = _nearest(space.matrix, k=5)
    assert (scenes[nearest] == scenes[:, None]).mean() > 0.95


def test_reproducible_with_one_worker():
    sentences = listening_sentences(two_scene_listens())
    first = train_sentence_vectors(sentences, TINY, seed=3, workers=1)
    second = train_sentence_vectors(sentences, TINY, seed=3, workers=1)
    np.testing.assert_array_equal(first.vectors, second.vectors)
    other_seed = train_sentence_vectors(sentences, TINY, seed=4, workers=1)
    assert not np.array_equal(first.vectors, other_seed.vectors)


def two_scene_listens(n_users: int = 40, seed: int = 0) -> Listens:
    """Half the users play 6 of artists 1-12, the other half 6 of artists 101-112."""
    rng = np.random.default_rng(seed)
    users, artists = [], []
    for user in range(n_users):
        base = 1 if user % 2 else 101
        chosen = rng.choice(12, size=6, replace=False) + base
        users += [user] * 6
        artists += chosen.tolist()
    return Listens(np.array(users, dtype=np.int64), np.array(artists, dtype=np.int64),
                   np.ones(len(users), dtype=np.int64))


def test_listening_sentences_are_each_users_artists():
    listens = Listens(user_ids=np.array([7, 3, 7, 3, 9]), artist_ids=np.array([5, 2, 1, 8, 4]),
                      plays=np.ones(5, dtype=np.int64))
    sentences = listening_sentences(listens)
    assert sentences.offsets.tolist() == [0, 2, 4, 5]
    assert sentences.tokens.tolist() == [2, 8, 1, 5, 4]


def test_blocks_by_length_hold_every_sentence_of_two_or_more_once():
    tokens = np.arange(100, 120)
    offsets = np.array([0, 3, 4, 7, 9, 9, 14, 20])  # lengths 3, 1, 3, 2, 0, 5, 6
    blocks = list(_blocks_by_length(offsets, tokens))
    assert [block.shape for block in blocks] == [(1, 2), (2, 3), (1, 5), (1, 6)]
    written = Counter(tuple(row) for block in blocks for row in block.tolist())
    expected = Counter(tuple(tokens[a:b].tolist()) for a, b in zip(offsets[:-1], offsets[1:])
                       if b - a >= 2)
    assert written == expected


def test_no_sentence_to_learn_from_is_a_value_error():
    sentences = Sentences(offsets=np.array([0, 1, 2]), tokens=np.array([5, 6]))
    with pytest.raises(ValueError, match="nothing to learn"):
        train_sentence_vectors(sentences, TINY, seed=0)


def test_recommender_stays_in_the_scene_of_the_likes():
    listens = two_scene_listens()
    recommender = ServedRecommender(PlaylistVectors(PlaylistParams(word2vec=TINY), seed=0),
                                    Ranking(popularity_prior=0.0))
    recommender.fit(listens)
    recommended = recommender.recommend_many(np.array([[1, 2, 3], [101, 102, 103]]), k=5)
    assert np.all(recommended[0] < 100) and np.all(recommended[1] > 100)
    assert not set(recommended[0]) & {1, 2, 3}


@pytest.fixture
def listens_store(tmp_path: Path) -> Path:
    listens = two_scene_listens()
    batch = CatalogBatch(source="test", match_artists_by_name=False)
    batch.artists = [(str(a), f"artist {a}", None) for a in np.unique(listens.artist_ids).tolist()]
    batch.users = sorted({str(u) for u in listens.user_ids.tolist()})
    batch.listens = [(str(u), str(a), 1) for u, a in zip(listens.user_ids.tolist(),
                                                         listens.artist_ids.tolist())]
    path = tmp_path / "sage.duckdb"
    with Store.open(path) as store:
        write_catalog(store, batch)
    return path


def test_without_playlists_the_space_learns_from_listens(listens_store):
    run = train_playlist_space(listens_store, PlaylistParams(word2vec=TINY), seed=0, workers=1,
                               activate=True)
    assert (run.space, run.params["source"], run.dim) == ("playlist", "listens", 16)


@pytest.mark.parametrize("argv, message", [
    (["playlist", "--source", "mpd"], "holds no playlists: run `sage ingest mpd` first"),
    (["playlist-track"], "holds no playlists"),
    (["playlist-track", "--source", "listens"], "track vectors need playlists"),
    (["playlist", "--min-count", "1000"], "no node appears min_count=1000 times"),
])
def test_what_cannot_be_trained_is_one_line(listens_store, capsys, argv, message):
    assert main(["--store", str(listens_store), "train", *argv]) == 2
    assert message in capsys.readouterr().err
    with Store.open(listens_store, read_only=True) as store:
        assert active_runs(store) == {}


def test_params_round_trip_through_a_run_record():
    params = PlaylistParams(word2vec=replace(TINY, epochs=7), popularity_prior=0.3)
    assert PlaylistParams.from_dict(params.to_dict() | {"seed": 1, "source": "mpd"}) == params
