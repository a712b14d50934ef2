import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest

from store import Store, StoreError
from store.runs import (
    RunRecord,
    activate_run,
    active_runs,
    fingerprint,
    get_run,
    read_active_vectors,
    record_run,
    update_metrics,
)
from store.schema import LATEST_VERSION


def a_run(space: str = "graph", **params) -> RunRecord:
    now = datetime.now(UTC)
    return RunRecord(
        space=space, entity_kind="artist", params=params, data_fingerprint="f00d",
        started_at=now, finished_at=now, metrics={"p_at_20": 0.25}, timings={"walks": 1.5},
    )


def test_vectors_round_trip_bit_exact(tmp_path):
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((5_000, 100)).astype(np.float32)
    matrix[0] = [np.float32(1e-38), np.float32(-0.0), np.float32(3.4e38)] + [0.1] * 97
    ids = rng.permutation(10_000)[:5_000]
    with Store.open(tmp_path / "s.duckdb") as store:
        run = record_run(store, a_run(window=5), ids, matrix, activate=True)
    with Store.open(tmp_path / "s.duckdb", read_only=True) as store:
        loaded = read_active_vectors(store, "graph")
    assert loaded.matrix.dtype == np.float32 and loaded.matrix.flags.c_contiguous
    assert loaded.matrix.tobytes() == matrix.tobytes()
    assert np.array_equal(loaded.entity_ids, ids)
    assert loaded.run.run_id == run.run_id and loaded.run.dim == 100
    assert loaded.run.params == {"window": 5} and loaded.run.timings == {"walks": 1.5}


def test_spaces_of_different_dimensions_live_side_by_side(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        record_run(store, a_run("graph"), np.arange(3), np.ones((3, 100), np.float32), activate=True)
        record_run(store, a_run("cf"), np.arange(4), np.ones((4, 40), np.float32), activate=True)
        assert read_active_vectors(store, "cf").matrix.shape == (4, 40)
        assert read_active_vectors(store, "graph").matrix.shape == (3, 100)
        assert set(active_runs(store)) == {"cf", "graph"}


def test_run_is_inactive_until_activated(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        first = record_run(store, a_run(), np.arange(2), np.zeros((2, 8), np.float32), activate=True)
        second = record_run(store, a_run(), np.arange(2), np.ones((2, 8), np.float32), activate=False)
        assert read_active_vectors(store, "graph").run.run_id == first.run_id
        activate_run(store, second.run_id)
        assert read_active_vectors(store, "graph").run.run_id == second.run_id


def test_metrics_merge_into_the_run_record(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        run = record_run(store, a_run(), np.arange(2), np.zeros((2, 8), np.float32), activate=True)
        update_metrics(store, run.run_id, {"recall_at_20": 0.1})
        assert get_run(store, run.run_id).metrics == {"p_at_20": 0.25, "recall_at_20": 0.1}


def test_missing_space_and_missing_store_are_user_errors(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store, pytest.raises(StoreError, match="no trained"):
        read_active_vectors(store, "audio")
    with pytest.raises(StoreError, match="no store at"):
        Store.open(tmp_path / "absent.duckdb", read_only=True)


def test_store_from_a_newer_sage_is_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, 'future', now())", [LATEST_VERSION + 1])
    con.close()
    with pytest.raises(StoreError, match="newer than this Sage"):
        Store.open(path)


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "s.duckdb"
    Store.open(path).close()
    with Store.open(path) as store:
        versions = store.con.execute("SELECT version FROM schema_version").fetchall()
    assert versions == [(v,) for v in range(1, LATEST_VERSION + 1)]


def test_fingerprint_depends_on_content_and_shape():
    a = np.arange(6, dtype=np.int64)
    assert fingerprint(a) == fingerprint(a.copy())
    assert fingerprint(a) != fingerprint(a.reshape(2, 3))
    assert fingerprint(a) != fingerprint(a + 1)


def test_concurrent_reader_sees_old_or_new_model_never_a_mix(tmp_path):
    """Run A's vectors are all 1, run B's all 2: a reader must never see both, nor a mismatch.

    Each round the writer activates the other run while the reader reads (the race), then
    the reader reads again once the switch is done; a barrier starts and ends each round,
    so every round races and the settled reads show both models, whatever the scheduling."""
    path = tmp_path / "s.duckdb"
    n, dim, rounds = 20_000, 16, 30
    with Store.open(path) as store:
        run_a = record_run(store, a_run(), np.arange(n), np.full((n, dim), 1, np.float32), activate=True)
        run_b = record_run(store, a_run(), np.arange(n), np.full((n, dim), 2, np.float32), activate=False)
    marker = {run_a.run_id: 1.0, run_b.run_id: 2.0}
    activated = [(run_b, run_a)[i % 2].run_id for i in range(rounds)]

    in_step = threading.Barrier(2, timeout=60)
    errors: list[BaseException] = []

    def switch_back_and_forth() -> None:
        try:
            with Store.open(path) as writer:
                for run_id in activated:
                    in_step.wait()
                    activate_run(writer, run_id)
                    in_step.wait()
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
            in_step.abort()  # the reader must not wait for a writer that is gone

    def read(reader: Store) -> tuple[int, float, float]:
        space = read_active_vectors(reader, "graph")
        return space.run.run_id, space.matrix.min(), space.matrix.max()

    writer_thread = threading.Thread(target=switch_back_and_forth)
    writer_thread.start()
    racing, settled = [], []
    try:
        with Store.open(path) as reader:
            for _ in activated:
                in_step.wait()
                racing.append(read(reader))
                in_step.wait()
                settled.append(read(reader))
    except threading.BrokenBarrierError:
        pass  # the writer failed: its error is asserted below
    finally:
        in_step.abort()
        writer_thread.join()

    assert not errors
    # A read during a switch sees the run before it or the one after.
    before = [run_a.run_id, *activated[:-1]]
    assert all(run_id in pair
               for (run_id, _, _), *pair in zip(racing, before, activated, strict=True))
    assert [run_id for run_id, _, _ in settled] == activated
    for run_id, low, high in racing + settled:
        assert low == high == marker[run_id]


def _hold_store(path: Path, *, read_only: bool) -> subprocess.Popen:
    """Another process with the store open until `_release`; returns once it holds it.
    Use it as a context manager: leaving it releases the store and waits for the process."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from store import Store
            with Store.open({str(path)!r}, read_only={read_only}):
                print("holding", flush=True)
                sys.stdin.readline()  # until told, or until the test is gone
            print("released", flush=True)
        """)],
        cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def _release(holder: subprocess.Popen) -> None:
    """Tells the holder to close the store; returns once it has."""
    holder.stdin.close()
    assert holder.stdout.readline().strip() == "released"


def test_a_writer_waits_for_a_brief_reader_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "sage.duckdb"
    Store.open(path).close()
    pauses: list[float] = []
    pause = time.sleep
    with _hold_store(path, read_only=True) as reader:

        def release_the_reader_on_the_first_pause(seconds: float) -> None:
            pauses.append(seconds)
            if len(pauses) == 1:
                _release(reader)
            pause(seconds)

        # The reader holds the store until the writer, locked out, pauses to wait for it.
        monkeypatch.setattr("store.db.time.sleep", release_the_reader_on_the_first_pause)
        with Store.open(path) as store:
            assert store.schema_version == LATEST_VERSION
    assert pauses  # it did wait for the reader


def test_a_reader_does_not_wait_for_a_writer_elsewhere(tmp_path, monkeypatch):
    path = tmp_path / "sage.duckdb"
    Store.open(path).close()

    def fail(seconds: float) -> None:
        raise AssertionError("a reader waited for the lock")

    with _hold_store(path, read_only=False):
        monkeypatch.setattr("store.db.time.sleep", fail)
        with pytest.raises(StoreError, match="lock"):
            Store.open(path, read_only=True)


def test_duckdb_draws_no_progress_bar_on_our_stdout(tmp_path):
    path = tmp_path / "sage.duckdb"
    for read_only in (False, True):
        with Store.open(path, read_only=read_only) as store:
            setting = "SELECT current_setting('enable_progress_bar')"
            assert store.con.execute(setting).fetchone() == (False,)
