"""Pruning old runs: what is kept, what goes with a run, and that nothing in use breaks."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.engine_host import read_active_runs
from cli.main import main
from store import Store, StoreError
from store.prune import prune_runs, runs_to_keep
from store.runs import active_runs, list_runs, read_active_vectors, record_run
from tests.test_store import a_run

IDS = np.arange(1, 201)
REPO = Path(__file__).resolve().parent.parent


def vectors(seed: int, dim: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((len(IDS), dim)).astype(np.float32)


def with_graph(con, run_id: int) -> None:
    con.execute("INSERT INTO graph_edges VALUES (?, 1, 2, 1.0), (?, 2, 1, 1.0)", [run_id, run_id])
    con.execute("INSERT INTO artist_scenes VALUES (1, ?, 0.5, 0)", [run_id])


def rounds(store: Store, count: int) -> dict[str, list[int]]:
    """`count` rounds of graph, cf and a hybrid of the two, each activated; the hybrid
    records its components' runs as a trained one does."""
    made: dict[str, list[int]] = {"graph": [], "cf": [], "hybrid": []}
    for n in range(count):
        graph = record_run(store, a_run("graph"), IDS, vectors(n), activate=True, also=with_graph)
        cf = record_run(store, a_run("cf"), IDS, vectors(100 + n, 4), activate=True)
        components = {"graph": {"run_id": graph.run_id}, "cf": {"run_id": cf.run_id}}
        hybrid = record_run(store, a_run("hybrid", components=components), IDS,
                            vectors(200 + n, 12), activate=True)
        for space, run in (("graph", graph), ("cf", cf), ("hybrid", hybrid)):
            made[space].append(run.run_id)
    return made


def test_kept_are_the_active_runs_what_they_were_built_from_and_the_newest():
    runs = [a_run("graph"), a_run("cf"), a_run("audio", target_run=2), a_run("cf"),
            a_run("hybrid", components={"graph": {"run_id": 1}, "cf": {"run_id": 2}},
                  placed_by_sound={"audio_run": 3}), a_run("graph")]
    runs = [run.__class__(**{**run.__dict__, "run_id": n}) for n, run in enumerate(runs, 1)]
    # Active: the hybrid (5) and the newest cf (4); graph 6 is new and not activated.
    assert runs_to_keep(runs, active=[5, 4], keep=0) == {1, 2, 3, 4, 5}
    assert runs_to_keep(runs, active=[5, 4], keep=1) == {1, 2, 3, 4, 5, 6}
    assert runs_to_keep(runs, active=[4], keep=0) == {4}


def test_pruning_deletes_old_runs_with_their_vectors_edges_and_scenes(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        made = rounds(store, 3)
        active = {space: run.run_id for space, run in active_runs(store).items()}
        dry = prune_runs(store, keep=1, dry_run=True)
        assert len(list_runs(store)) == 9  # a dry run deletes nothing
        report = prune_runs(store, keep=1)
        assert report.deleted == dry.deleted == {
            space: ids[:-1] for space, ids in made.items()}
        assert {run.run_id for run in list_runs(store)} == set(active.values())
        for table in ("vectors_d8", "vectors_d4", "vectors_d12", "graph_edges",
                      "artist_scenes"):
            rows = store.con.execute(f"SELECT run_id FROM {table}").fetchall()
            run_ids = {row[0] for row in rows}
            assert run_ids <= set(active.values()), table
        assert report.rows["graph_edges"] == 4 and report.rows["runs"] == 6
        for space in made:  # what is served still loads, bit for bit
            assert read_active_vectors(store, space).run.run_id == active[space]
        assert prune_runs(store, keep=1).deleted == {}


def test_sage_prune_says_what_it_deletes(tmp_path, capsys):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        rounds(store, 2)
    assert main(["--store", str(path), "prune", "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("would delete 3 runs (cf ")
    assert main(["--store", str(path), "prune"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deleted 3 runs") and "rows of vectors, edges and scenes" in out
    assert main(["--store", str(path), "prune"]) == 0
    assert capsys.readouterr().out.startswith("nothing to prune")


def test_answers_go_on_while_the_store_is_pruned(tmp_path, bot_engine):
    """The bot answers from an engine in memory, and polls the store for new runs, which a
    prune holding the file only postpones to the next poll (bot.engine_host)."""
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        rounds(store, 8)
    failures, answered = [], [0]
    pruning = subprocess.Popen([sys.executable, "-m", "cli", "--store", str(path), "prune"],
                               cwd=REPO, stdout=subprocess.PIPE)
    while pruning.poll() is None:
        try:
            assert bot_engine.ask("like Minor Threat").recommendation.items
            answered[0] += 1
            read_active_runs(path)
        except StoreError:
            pass  # locked for the moment: the host reads again at its next poll
        except Exception as exc:  # noqa: BLE001 - any other failure is the test's finding
            failures.append(exc)
    assert pruning.wait() == 0 and b"deleted 21 runs" in pruning.stdout.read()
    assert failures == [] and answered[0] > 0
    with Store.open(path, read_only=True) as store:  # and the store opens again after
        assert len(list_runs(store)) == 3

