"""`sage train all`: the gate on its own, the whole retraining on a small store, and a
kind of space that only this test registers."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np

from cli.main import main
from store import Store
from store.catalog import load_listens
from store.runs import RunRecord, active_runs, fingerprint, list_runs, record_run, update_metrics
from train.all import train_all
from train.evaluate.report import HeldoutSettings
from train.gate import gate
from train.kind import SpaceKind
from train.kinds import KINDS
from train.playlist.params import PlaylistParams, PlaylistRun
from train.settings import Settings, setting
from train.vectors import ArtistVectors

MEASURES = ("precision_at_20", "tail_recall")
ACTIVE = {"precision_at_20": 0.30, "tail_recall": 0.040}


def test_a_run_within_the_tolerance_replaces_the_active_one():
    decision = gate({"precision_at_20": 0.29, "tail_recall": 0.039}, ACTIVE, MEASURES,
                    tolerance=0.05, force=False)
    assert decision.activate
    assert "precision_at_20 0.2900 vs 0.3000 (floor 0.2850)" in decision.reason


def test_a_run_behind_on_one_measure_is_refused_and_force_overrides():
    worse_tail = {"precision_at_20": 0.35, "tail_recall": 0.030}
    refused = gate(worse_tail, ACTIVE, MEASURES, tolerance=0.05, force=False)
    assert not refused.activate
    assert "tail_recall 0.0300 vs 0.0400 (floor 0.0380)" in refused.reason
    assert "precision" not in refused.reason  # only what fell behind is named
    assert gate(worse_tail, ACTIVE, MEASURES, tolerance=0.3, force=False).activate
    assert gate(worse_tail, ACTIVE, MEASURES, tolerance=0.05, force=True).activate


def test_without_figures_to_compare_the_new_run_goes_live():
    assert gate(ACTIVE, None, MEASURES, tolerance=0.05, force=False).reason == "no active run"
    decision = gate(ACTIVE, {"tail_recall": None}, MEASURES, tolerance=0.05, force=False)
    assert decision.activate and "no figures" in decision.reason


def scenes_csv(path, n_users=40, per_scene=8, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(n_users):
        base = 1 if user < n_users // 2 else 101
        for artist in rng.choice(per_scene, size=6, replace=False) + base:
            rows.append(f"u{user},Band {artist},{rng.integers(1, 300)}\n")
    path.write_text("user,artist,plays\n" + "".join(rows))
    return path


SMALL_SPLIT = HeldoutSettings(test_fraction=0.5, n_likes=2, k=3, head=5)


def test_train_all_trains_in_order_and_gates_each_run(tmp_path, caplog):
    path = tmp_path / "s.duckdb"
    assert main(["--store", str(path), "ingest", "listens", str(scenes_csv(tmp_path / "l.csv"))]) == 0
    caplog.set_level(logging.INFO, logger="train.all")

    first = train_all(path, workers=1, settings=SMALL_SPLIT)
    # Without MPD playlists the playlist space learns from listens; track vectors need them.
    assert [(o.space, o.run is not None) for o in first] == [
        ("graph", True), ("cf", True), ("playlist", True), ("playlist-track", False),
        ("audio", False), ("hybrid", True)]
    assert all(o.decision.activate for o in first if o.run is not None)
    assert "no playlists" in first[3].skipped and "no audio files" in first[4].skipped
    with Store.open(path, read_only=True) as store:
        active = active_runs(store)
        hybrid = active["hybrid"]
        cf = active["cf"]
    # Built from the active runs of its weighted components (playlist weighs 0 by default).
    assert {name: c["run_id"] for name, c in hybrid.params["components"].items()} == {
        name: active[name].run_id for name in ("cf", "graph")}
    assert cf.metrics["heldout"]["split"]["test_users"] == 20

    # Pretend the active cf run scored far better than any retraining can.
    with Store.open(path) as store:
        update_metrics(store, cf.run_id, {"heldout": {"precision_at_3": 1.5, "tail_recall": 1.5}})
    caplog.clear()
    second = {o.space: o for o in train_all(path, workers=1, settings=SMALL_SPLIT)}
    assert not second["cf"].decision.activate and second["graph"].decision.activate
    with Store.open(path, read_only=True) as store:
        assert active_runs(store)["cf"].run_id == cf.run_id
        assert len(list_runs(store, "cf")) == 2
    assert any(f"run {cf.run_id} stays active" in message and "precision_at_3" in message
               for message in caplog.messages)

    third = {o.space: o for o in train_all(path, force=True, workers=1, settings=SMALL_SPLIT)}
    assert third["cf"].decision.activate and third["cf"].decision.reason == "forced"
    with Store.open(path, read_only=True) as store:
        assert active_runs(store)["cf"].run_id == third["cf"].run.run_id


def test_a_tolerance_outside_0_to_1_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    assert main(["--store", str(path), "ingest", "listens", str(scenes_csv(tmp_path / "l.csv"))]) == 0
    assert main(["--store", str(path), "train", "all", "--tolerance", "1.5"]) != 0
    assert "tolerance" in capsys.readouterr().err


def test_eval_all_scores_every_trained_space_and_says_what_it_cannot(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    store = ["--store", str(path)]
    assert main([*store, "ingest", "listens", str(scenes_csv(tmp_path / "l.csv"))]) == 0
    assert main([*store, "train", "cf", "--factors", "4"]) == 0
    capsys.readouterr()
    assert main([*store, "eval", "--all", "--json", "--no-baselines", "--k", "3", "--likes", "2",
                 "--head", "5", "--test-fraction", "0.5", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    # No graph run: scored at its defaults; the hybrid of graph and cf likewise, also
    # along the novelty knob.
    assert set(report["models"]) == {"graph", "cf", "hybrid", "hybrid, novelty -1",
                                     "hybrid, novelty -0.5", "hybrid, novelty +0.5",
                                     "hybrid, novelty +1"}
    assert report["models"]["hybrid, novelty +1"]["coverage"] > 0
    assert "not trained" in report["unavailable"]["playlist"]
    # Only trained spaces have neighbours to test, and cf only against playlists: none here.
    assert report["neighbours"] == {"cf": {}}
    with Store.open(path, read_only=True) as store_:
        cf = active_runs(store_)["cf"]
    assert cf.metrics["heldout"]["precision_at_3"] == report["models"]["cf"]["precision_at_3"]
    assert "neighbours" not in cf.metrics


def test_the_playlist_space_is_retrained_from_what_its_active_run_learned_from():
    playlist = KINDS["playlist"]
    first = playlist.request(None, seed=5, workers=1)
    assert first.run == PlaylistRun(source="auto", seed=5) and first.params == PlaylistParams()
    listens_run = SimpleNamespace(
        params=PlaylistParams().to_dict() | {"seed": 0, "source": "listens"})
    again = playlist.request(listens_run, seed=5, workers=1)
    assert again.run == PlaylistRun(source="listens", seed=0) and not again.activate


@dataclass(frozen=True)
class ToyParams(Settings):
    dim: int = setting(4, "vector dimensions")
    popularity_prior: float = setting(0.0, "how much popularity counts in ranking")


@dataclass(frozen=True)
class ToyRun(Settings):
    seed: int = setting(0, "seed of the random vectors")


class ToyVectors:
    """A random direction for every artist anyone listens to."""

    def __init__(self, params: ToyParams, seed: int):
        self.params, self.seed = params, seed

    def fit_vectors(self, train):
        ids = np.unique(train.artist_ids)
        vectors = np.random.default_rng(self.seed).standard_normal((len(ids), self.params.dim))
        return ArtistVectors(ids, vectors.astype(np.float32))


class ToyKind(SpaceKind):
    """A space kind that exists only in this test: nothing else in Sage names it."""

    name = "toy"
    summary = "random vectors"
    description = "Random vectors, to show that a kind of space is one module."
    after = ("cf",)
    params = ToyParams()
    run = ToyRun()

    def train(self, store_path, request):
        with Store.open(store_path) as store:
            listens = load_listens(store)
            vectors = ToyVectors(request.params, request.run.seed).fit_vectors(listens)
            now = datetime.now(UTC)
            run = RunRecord("toy", "artist", request.params.to_dict() | request.run.to_dict(),
                            fingerprint(listens.artist_ids), now, now)
            return record_run(store, run, vectors.artist_ids, vectors.vectors,
                              activate=request.activate)

    def heldout_model(self, spec, models):
        return ToyVectors(ToyParams.from_dict(spec.params), ToyRun.from_dict(spec.params).seed)


def test_a_kind_registered_in_one_place_trains_is_scored_retrained_and_served(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setitem(KINDS, "toy", ToyKind())
    path = tmp_path / "s.duckdb"
    store = ["--store", str(path)]
    assert main([*store, "ingest", "listens", str(scenes_csv(tmp_path / "l.csv"))]) == 0
    assert main([*store, "train", "toy", "--dim", "3", "--seed", "2"]) == 0
    assert "toy run 1: 3 dims" in capsys.readouterr().out

    assert main([*store, "eval", "--all", "--json", "--no-baselines", "--k", "3", "--likes", "2",
                 "--head", "5", "--test-fraction", "0.5", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    with Store.open(path, read_only=True) as store_:
        toy = active_runs(store_)["toy"]
    assert toy.metrics["heldout"]["precision_at_3"] == report["models"]["toy"]["precision_at_3"]

    outcomes = [o.space for o in train_all(path, workers=1, settings=SMALL_SPLIT)]
    assert outcomes.index("toy") > outcomes.index("cf")
    with Store.open(path, read_only=True) as store_:
        retrained = active_runs(store_)["toy"]
    assert retrained.run_id != toy.run_id and (retrained.dim, retrained.params["seed"]) == (3, 2)

    assert main([*store, "ask", "like Band 1", "--space", "toy", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 10
