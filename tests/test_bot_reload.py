"""Hot reload: the bot never holds the store open, waits out a training job's write lock,
and swaps in a newly activated run without failing a query in flight."""

import asyncio
import logging
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import discord.ext.test as dpytest
import pytest

from bot.app import BotConfig
from bot.engine_host import EngineHost
from store import Store
from store.catalog import load_artists
from store.runs import RunRecord, record_run
from tests.bot_fixtures import clustered_vectors, numbered_names, start_bot, stop_bot

pytestmark = pytest.mark.asyncio

REPO = Path(__file__).resolve().parent.parent
QUERY = "!sage like Minor Threat, Have Heart hate DMX"


def record_graph_run(path: Path, seed: int) -> int:
    with Store.open(path) as store:
        catalog = load_artists(store)
        now = datetime.now(UTC)
        run = RunRecord("graph", "artist", {"seed": seed}, "test", now, now)
        vectors = clustered_vectors(catalog, dim=16, seed=seed)
        return record_run(store, run, catalog.artist_ids, vectors, activate=True).run_id


@pytest.fixture(scope="module")
def trained_store(bundled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trained") / "sage.duckdb"
    shutil.copyfile(bundled_store_path, path)
    record_graph_run(path, seed=1)
    return path


@pytest.fixture
def store_copy(trained_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sage.duckdb"
    shutil.copyfile(trained_store, path)
    return path


async def serving_run(host: EngineHost, run_id: int, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while host.engine.space.run_id != run_id:
            await asyncio.sleep(0.05)


async def test_a_training_job_elsewhere_is_waited_out_then_picked_up(store_copy, caplog):
    host = EngineHost(store_copy, "graph", reload_every=0.1)
    await host.start()
    first = host.engine.space.run_id
    # The host holds no connection: a writer can open the store right away.
    Store.open(store_copy).close()

    # `sage train` in another process: takes the write lock, activates a run, keeps the
    # lock a moment longer.
    trainer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from tests.test_bot_reload import record_graph_run
            from store import Store
            with Store.open({str(store_copy)!r}) as store:
                print("locked", flush=True)
                time.sleep(1.0)
            print(record_graph_run({str(store_copy)!r}, seed=2), flush=True)
        """)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    try:
        with caplog.at_level(logging.DEBUG, logger="bot.engine_host"):
            assert (await asyncio.to_thread(trainer.stdout.readline)).strip() == "locked"
            new_run = int(await asyncio.to_thread(trainer.stdout.readline))
            await serving_run(host, new_run)
    finally:
        trainer.wait(timeout=30)
        await host.stop()
    assert new_run != first and trainer.returncode == 0
    assert any("store not readable now" in r.message and r.levelno == logging.DEBUG
               for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_reload_during_a_burst_of_queries_fails_none(store_copy, tmp_path):
    config = BotConfig(store_path=store_copy, state_path=tmp_path / "state.sqlite3",
                       message_content=True, reload_every=3600)
    members, per_round = 60, 20
    bot = await start_bot(config, EngineHost(store_copy, "graph", reload_every=3600),
                          members=members)
    try:
        first = bot.engines.engine.space.run_id
        new_run = await asyncio.to_thread(record_graph_run, store_copy, 3)
        reload = asyncio.create_task(bot.engines.reload())
        asked, swapped = 0, False
        # Rounds of queries until one starts after the swap; members take turns so that
        # nobody reaches the per-user cooldown.
        while not swapped:
            swapped = reload.done()
            await asyncio.gather(*(dpytest.message(QUERY, member=(asked + i) % members)
                                   for i in range(per_round)))
            asked += per_round
        assert reload.result() and bot.engines.engine.space.run_id == new_run != first
        answers = []
        while not dpytest.sent_queue.empty():
            answers.append(tuple(numbered_names(dpytest.get_message().embeds[0])))
        assert len(answers) == asked and all(len(names) == 10 for names in answers)
        # Both models answered: queries ran on the old one while the new one loaded.
        assert len(set(answers)) == 2
    finally:
        await stop_bot(bot)
