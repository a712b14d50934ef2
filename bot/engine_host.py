"""The Engine the bot answers with, swapped for a new one when training activates a run.

The bot never keeps the DuckDB store open: DuckDB lets one process write a file or many
read it, and `sage train` needs the write lock for minutes. So the host opens the store
read-only for a moment every `reload_every` seconds to read which run each space serves;
when that changed, it loads a new Engine in a worker thread (Engine.load opens the store
read-only and closes it) and swaps its reference in one assignment. Commands do their
engine work through `run`, which takes the engine once, so a query in flight during a
swap finishes on the engine it started with. A locked store (training is writing) is read
again at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from engine.answer import Engine
from engine.complete import NameCompleter
from store import Store, StoreError
from store.runs import active_runs

log = logging.getLogger(__name__)

EngineLoader = Callable[[Path, str], Engine]
P = ParamSpec("P")
T = TypeVar("T")

# Queries hold the GIL but for numpy's matrix products, so a second thread overlaps them a
# little; more threads only take the GIL from the event loop more often. Measured in
# bench/bot.py's harness on 2 cores: 200 concurrent commands answered at 0.2-0.3x
# engine.ask's serial rate with asyncio's default 6 threads, 0.4-0.6x with 2 (1: about 2's).
ENGINE_THREADS = 2


@dataclass(frozen=True)
class Served:
    """One engine with what was built for it, as one reference that is swapped whole."""

    engine: Engine
    completer: NameCompleter
    runs: Mapping[str, int]  # the active run of each space when the engine was loaded


def read_active_runs(store_path: Path) -> dict[str, int]:
    """The active run id of each space; raises StoreError while the store is locked."""
    with Store.open(store_path, read_only=True) as store:
        return {space: run.run_id for space, run in active_runs(store).items()}


class EngineHost:
    """Serves the current Engine and reloads it when the store's active runs change."""

    def __init__(
        self,
        store_path: Path,
        space: str,
        *,
        reload_every: float = 60.0,
        load: EngineLoader = Engine.load,
    ):
        self.store_path = store_path
        self.space = space
        self.reload_every = reload_every
        self._load = load
        self._served: Served | None = None
        self._reloading = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        self._threads = ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="sage-engine")

    @property
    def served(self) -> Served:
        if self._served is None:
            raise RuntimeError("the engine host has not started")
        return self._served

    @property
    def engine(self) -> Engine:
        return self.served.engine

    @property
    def completer(self) -> NameCompleter:
        return self.served.completer

    async def run(self, work: Callable[Concatenate[Engine, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """`work(engine, ...)` in an engine thread, on the engine serving now. It keeps
        that engine to the end, whatever reload happens meanwhile."""
        call = functools.partial(work, self.engine, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    async def start(self) -> None:
        """Load the first engine (a locked or missing store is the caller's error), then
        poll for new runs in the background."""
        runs = await asyncio.to_thread(read_active_runs, self.store_path)
        self._served = await asyncio.to_thread(self._build, runs)
        self._poller = asyncio.create_task(self._poll(), name="sage-engine-poll")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        self._threads.shutdown(wait=False)

    async def reload(self, *, force: bool = False) -> bool:
        """Load a new engine if the active runs changed (always, with `force`); True when
        a new engine now serves. Raises StoreError when the store cannot be read now."""
        async with self._reloading:
            runs = await asyncio.to_thread(read_active_runs, self.store_path)
            if not force and runs == self.served.runs:
                return False
            self._served = await asyncio.to_thread(self._build, runs)
            return True

    def _build(self, runs: Mapping[str, int]) -> Served:
        started = time.perf_counter()
        engine = self._load(self.store_path, self.space)
        served = Served(engine, NameCompleter(engine.space.catalog, engine.resolver), dict(runs))
        log.info("serving the %s space, run %s (active runs %s), loaded in %.1f s",
                 self.space, engine.space.run_id, dict(runs), time.perf_counter() - started)
        return served

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.reload_every)
            try:
                await self.reload()
            except StoreError as exc:
                # Mostly `sage train` holding the write lock: the next poll will do.
                log.debug("store not readable now, will try again: %s", exc)
            except Exception:
                log.exception("loading the new engine failed; still serving the old one")
