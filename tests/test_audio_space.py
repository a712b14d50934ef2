"""`sage ingest audio` + `sage train audio` end to end on synthetic music, and the engine
recommending from a new track's sound.

36 synthetic artists play one of 4 timbres in one of 3 rhythms; an artist's vector is its
timbre's plus its rhythm's plus noise of its own. A stand-in `graph` space knows the
vectors of 24 of them; the 12 others ("... 0") are new: the cold start. The network must
hear timbre and rhythm to place held-out and new artists near their true vectors.
"""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from cli.main import main
from engine.answer import Engine
from engine.render import why
from store import Store
from store.runs import RunRecord, active_runs, read_active_vectors, record_run
from tests.audio_synth import synthetic_artists, write_clips

DIM = 16
ARTISTS = synthetic_artists(per_style=3, dim=DIM, seed=0)
COLD = {artist.name for artist in ARTISTS if artist.name.endswith(" 0")}
TRAIN = ["train", "audio", "--target-space", "graph", "--epochs", "30", "--holdout", "0.25",
         "--workers", "1"]


def record_graph_space(store_path: Path, seed: int = 0) -> int:
    """A stand-in for a trained graph space: the known artists' true vectors."""
    return record_stand_in(store_path, "graph", np.eye(DIM), seed)


def record_stand_in(store_path: Path, space: str, turn: np.ndarray, seed: int = 0) -> int:
    """The known artists' true vectors times `turn`, as the active run of `space`."""
    with Store.open(store_path) as store:
        ids = dict(store.con.execute("SELECT name, artist_id FROM artists").fetchall())
        known = [artist for artist in ARTISTS if artist.name not in COLD]
        now = datetime.now(UTC)
        run = RunRecord(space=space, entity_kind="artist", params={"stand_in": seed},
                        data_fingerprint="synthetic", started_at=now, finished_at=now)
        return record_run(store, run, np.array([ids[a.name] for a in known]),
                          np.stack([a.vector for a in known]) @ turn, activate=True).run_id


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("audio")
    write_clips(folder / "clips", ARTISTS, files_per_artist=2, seconds=6, seed=1)
    store_path = folder / "sage.duckdb"
    assert main(["--store", str(store_path), "ingest", "audio", str(folder / "clips"),
                 "--workers", "2"]) == 0
    record_graph_space(store_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["--store", str(store_path), *TRAIN]) == 0
    finally:
        torch.set_num_threads(threads)
    return store_path


def audio_run(store_path: Path):
    with Store.open(store_path, read_only=True) as store:
        space = read_active_vectors(store, "audio")
        flags = dict(store.con.execute(
            "SELECT track_id, predicted FROM audio_predictions WHERE run_id = ?",
            [space.run.run_id]).fetchall())
        artist_of = dict(store.con.execute(
            "SELECT t.track_id, a.name FROM tracks t JOIN artists a USING (artist_id)"
        ).fetchall())
    return space, flags, artist_of


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_held_out_artists_are_placed_far_better_than_by_the_mean_vector(trained):
    metrics = audio_run(trained)[0].run.metrics
    assert metrics["holdout_files"] >= 10 and metrics["holdout_items"] == 24
    assert metrics["holdout_mean_cosine"] > metrics["holdout_baseline_mean_cosine"] + 0.2
    assert metrics["holdout_median_rank"] <= metrics["holdout_baseline_median_rank"] / 2


def test_new_artists_tracks_are_predicted_and_flagged_known_ones_kept(trained):
    space, flags, artist_of = audio_run(trained)
    assert space.run.entity_kind == "track" and space.matrix.shape == (72, DIM)
    assert space.run.params["target_space"] == "graph"
    truth = {artist.name: artist.vector for artist in ARTISTS}
    mean = np.mean([v / np.linalg.norm(v) for n, v in truth.items() if n not in COLD], axis=0)
    predicted, baseline = [], []
    for track_id, vector in zip(space.entity_ids.tolist(), space.matrix, strict=True):
        artist = artist_of[track_id]
        assert flags[track_id] == (artist in COLD)
        if artist in COLD:
            predicted.append(cosine(vector, truth[artist]))
            baseline.append(cosine(mean, truth[artist]))
        else:
            assert np.array_equal(vector, truth[artist])
    assert len(predicted) == 24
    assert np.mean(predicted) > np.mean(baseline) + 0.2


def test_the_engine_recommends_from_a_new_tracks_sound(trained):
    engine = Engine.load(trained, "graph")
    answer = engine.ask('like "Synth Bass 0 0 - Take 1"', k=3)
    assert answer.likes == ("Synth Bass 0 0 - Take 1",)
    names = [item.name for item in answer.recommendation.items]
    assert all(name.startswith("Synth Bass") for name in names[:2]), names

    mixed = engine.ask('like "Synth Bass 0 0 - Take 1", Synth Hiss 2 1', k=6)
    assert mixed.likes == ("Synth Bass 0 0 - Take 1", "Synth Hiss 2 1")
    names = [item.name for item in mixed.recommendation.items]
    assert any("Bass" in name for name in names) and any("Hiss" in name for name in names)

    # New artists have a place now: by name, and among the answers.
    by_name = engine.ask("like Synth Whistle 1 0", k=5)
    assert by_name.recommendation.items and not by_name.notes
    assert any(name in COLD for name in names + [i.name for i in by_name.recommendation.items])
    # Their reason says what placed them; the others' never does.
    for item in [*mixed.recommendation.items, *by_name.recommendation.items]:
        assert ("placed by its sound" in why(item)) == (item.name in COLD), (item.name, why(item))

    # A title many tracks share names none of them.
    assert engine.ask('like "Take 1"').likes == ()


def test_training_again_only_predicts_and_places_newly_ingested_tracks(trained, tmp_path):
    store_path = tmp_path / "sage.duckdb"
    shutil.copyfile(trained, store_path)
    features = Path(f"{trained}.features")
    newcomer = synthetic_artists(per_style=1, dim=DIM, seed=5)[0]
    newcomer = type(newcomer)("Brand New Band", newcomer.timbre, newcomer.rhythm, newcomer.vector)
    write_clips(tmp_path / "new", [newcomer], files_per_artist=1, seconds=6, seed=7)
    assert main(["--store", str(store_path), "ingest", "audio", str(tmp_path / "new"),
                 "--workers", "1", "--features", str(features)]) == 0
    assert main(["--store", str(store_path), *TRAIN, "--features", str(features)]) == 0

    space, flags, artist_of = audio_run(store_path)
    first = audio_run(trained)[0]
    assert space.run.metrics["epochs_run"] == 0  # resumed from the finished checkpoint
    assert space.run.metrics["holdout_mean_cosine"] == first.run.metrics["holdout_mean_cosine"]
    new_tracks = [t for t, name in artist_of.items() if name == "Brand New Band"]
    assert len(new_tracks) == 1 and flags[new_tracks[0]]
    old = dict(zip(first.entity_ids.tolist(), first.matrix, strict=True))
    for track_id, vector in zip(space.entity_ids.tolist(), space.matrix, strict=True):
        if track_id in old:
            assert np.allclose(vector, old[track_id], atol=1e-6)


def test_an_audio_run_for_an_older_target_run_is_left_out(trained, tmp_path):
    store_path = tmp_path / "sage.duckdb"
    shutil.copyfile(trained, store_path)
    record_graph_space(store_path, seed=1)  # the graph space was retrained since
    with Store.open(store_path, read_only=True) as store:
        assert "audio" in active_runs(store)
    engine = Engine.load(store_path, "graph")
    assert engine.audio is None
    answer = engine.ask("like Synth Whistle 1 0")
    assert answer.recommendation is not None and not answer.recommendation.items
    assert any("no place in the graph space" in note for note in answer.notes)


def test_training_without_audio_or_target_is_one_line(bundled_store_copy, trained, capsys):
    assert main(["--store", str(bundled_store_copy), *TRAIN]) == 2
    assert "no usable audio files" in capsys.readouterr().err
    assert main(["--store", str(trained), *TRAIN[:3], "playlist"]) == 2
    assert "no trained 'playlist' space" in capsys.readouterr().err


def test_the_default_hybrid_places_new_artists_by_the_sound_of_its_component(trained, tmp_path):
    store_path = tmp_path / "sage.duckdb"
    shutil.copyfile(trained, store_path)
    turn = np.linalg.qr(np.random.default_rng(3).normal(size=(DIM, DIM)))[0]
    record_stand_in(store_path, "cf", turn)  # the second component: the same music, turned
    assert main(["--store", str(store_path), "train", "hybrid"]) == 0

    with Store.open(store_path, read_only=True) as store:
        runs = active_runs(store)
    assert runs["hybrid"].params["placed_by_sound"] == {
        "audio_run": runs["audio"].run_id, "artists": len(COLD)}
    engine = Engine.load(store_path, "hybrid")
    assert engine.audio is not None
    answer = engine.ask('like "Synth Bass 0 0 - Take 1"', k=3)
    assert answer.likes == ("Synth Bass 0 0 - Take 1",)
    names = [item.name for item in answer.recommendation.items]
    assert all(name.startswith("Synth Bass") for name in names[:2]), names
    by_name = engine.ask("like Synth Whistle 1 0", k=5)
    assert by_name.recommendation.items and not by_name.notes

    # A newer audio run: its tracks wait for the next hybrid; the artists placed stay.
    features = Path(f"{trained}.features")
    assert main(["--store", str(store_path), *TRAIN, "--features", str(features)]) == 0
    engine = Engine.load(store_path, "hybrid")
    assert engine.audio is None
    assert engine.ask('like "Synth Bass 0 0 - Take 1"').likes == ()
    assert engine.ask("like Synth Whistle 1 0", k=5).recommendation.items
