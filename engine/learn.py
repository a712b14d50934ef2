"""Learning a band on the spot: look an unknown name up, place it, say what was learned.

    unknown name -> the lookups file (fresh) or the service (waiting at most TIME_LIMIT_S)
                 -> placed in the served space (engine.learned) -> a note either way

The service is Last.fm's artist.getSimilar through the crawler's client (train/crawl), on
when LASTFM_API_KEY is set; SAGE_LASTFM_URL points it at a mirror or a test server. Its
requests run on one event loop in a thread of their own, so an answer that waits no
longer than the time limit leaves the lookup going: it is recorded when it ends, and the
next question about the name finds it. Every way a lookup can end is recorded, so nothing
is asked twice a day and nothing half-done is kept.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.learned import (
    NAMED_NEIGHBOURS,
    Block,
    LearnedBands,
    place_answer,
    space_blocks,
)
from engine.lookups import FAILED, FOUND, UNKNOWN, Lookup, LookupFile, lookups_path
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from engine.unknown import Outcome, describe_catalog
from store.db import Store
from store.names import normalize_name
from train.crawl.lastfm import (
    API_KEY_ENV,
    API_URL,
    ApiKeyRejected,
    LastfmClient,
    api_key_from_env,
)
from train.crawl.records import ArtistNotFound, FetchFailed

log = logging.getLogger(__name__)

URL_ENV = "SAGE_LASTFM_URL"
# How long an answer waits for a lookup; then it answers without, and the lookup goes on.
TIME_LIMIT_S = 3.0
# One request, no retries: an answer cannot wait for them, and a failed name is asked
# again the next day. The time-out only bounds the lookup left going in the background.
REQUEST_TIMEOUT_S = 10.0
REQUEST_RATE = 5.0  # per second, as Last.fm asks


class Learner:
    """Looks names up in the lookups file, else with the service, each at most once at a
    time. Threads may share it."""

    def __init__(self, lookups: LookupFile, client: Callable[[], LastfmClient], *,
                 time_limit: float = TIME_LIMIT_S, clock: Callable[[], float] = time.time):
        self.lookups = lookups
        self._new_client = client
        self._time_limit = time_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: LastfmClient | None = None
        self._in_flight: dict[str, concurrent.futures.Future[Lookup]] = {}

    @classmethod
    def from_env(cls, lookups: LookupFile) -> Learner | None:
        """The Last.fm learner when LASTFM_API_KEY is set, else None."""
        key = os.environ.get(API_KEY_ENV, "").strip()
        if not key:
            return None
        url = os.environ.get(URL_ENV, "").strip() or API_URL
        return cls(lookups, lambda: LastfmClient(key, api_url=url, rate=REQUEST_RATE,
                                                 timeout=REQUEST_TIMEOUT_S, max_attempts=1),
                   time_limit=TIME_LIMIT_S)

    @classmethod
    def patient(cls, lookups: LookupFile, *, rate: float, timeout: float) -> Learner:
        """A learner for a maintainer, who can wait: the crawler's retries of passing
        trouble (needs LASTFM_API_KEY)."""
        key = api_key_from_env()
        url = os.environ.get(URL_ENV, "").strip() or API_URL
        return cls(lookups, lambda: LastfmClient(key, api_url=url, rate=rate, timeout=timeout))

    def lookup(self, names: Sequence[str]) -> dict[str, Lookup | None]:
        """Each name's lookup: the kept one when fresh, else the service's, waiting for all
        of them together at most the time limit (None: still under way)."""
        deadline = time.monotonic() + self._time_limit
        found: dict[str, Lookup | None] = {}
        asked: dict[str, concurrent.futures.Future[Lookup]] = {}
        for name in names:
            kept = self.lookups.get(normalize_name(name))
            if kept is not None and not kept.stale(self._clock()):
                found[name] = kept
            else:
                asked[name] = self._start(name)
        for name, future in asked.items():
            try:
                found[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except concurrent.futures.TimeoutError:
                log.info("still looking %r up; answering without it", name)
                found[name] = None
        return found

    def look_up_again(self, name: str) -> Lookup:
        """Ask the service about `name` whatever was kept, and wait for the answer (a
        maintainer adding a band)."""
        return self._start(name).result()

    def finish(self, timeout: float) -> None:
        """Wait up to `timeout` s for the lookups still under way (a command about to end)."""
        with self._lock:
            pending = list(self._in_flight.values())
        concurrent.futures.wait(pending, timeout=timeout)

    def close(self) -> None:
        with self._lock:
            loop, client = self._loop, self._client
            self._loop = self._client = None
        if loop is None:
            return
        if client is not None:
            asyncio.run_coroutine_threadsafe(client.__aexit__(None, None, None), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)

    def _start(self, name: str) -> concurrent.futures.Future[Lookup]:
        key = normalize_name(name)
        with self._lock:
            future = self._in_flight.get(key)
            if future is None:
                future = asyncio.run_coroutine_threadsafe(self._fetch(key, name), self._running())
                self._in_flight[key] = future
                future.add_done_callback(lambda _: self._forget(key))
        return future

    def _forget(self, key: str) -> None:
        with self._lock:
            self._in_flight.pop(key, None)

    def _running(self) -> asyncio.AbstractEventLoop:
        """The lookups' event loop, started on first use (call with the lock held)."""
        if self._loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="sage-learn", daemon=True).start()
            self._loop = loop
        return self._loop

    async def _fetch(self, key: str, name: str) -> Lookup:
        try:
            if self._client is None:
                self._client = await self._new_client().__aenter__()
            answer = await self._client.similar_artists(name)
        except ArtistNotFound as exc:
            log.info("Last.fm does not know %r: %s", name, exc)
            return self.lookups.record(key, name, UNKNOWN, reason=str(exc))
        except (FetchFailed, ApiKeyRejected) as exc:
            log.warning("could not look %r up on Last.fm: %s", name, exc)
            return self.lookups.record(key, name, FAILED, reason=str(exc))
        except Exception as exc:  # a lookup must never take an answer down with it
            log.exception("looking %r up on Last.fm failed", name)
            return self.lookups.record(key, name, FAILED, reason=f"{type(exc).__name__}: {exc}")
        similar = sorted(answer.similar, key=lambda s: -s.match)
        log.info("looked %r up on Last.fm: %s, %d similar artists", name, answer.artist,
                 len(similar))
        url = f"https://www.last.fm/music/{answer.artist.replace(' ', '+')}"
        return self.lookups.record(key, name, FOUND, name=answer.artist, url=url, similar=[
            [s.name, s.match, s.mbid, s.url] for s in similar])


@dataclass
class Learning:
    """What an engine learns: the bands learned so far, the service (None: off), and how
    to place a band in its space. Threads may share it."""

    lookups: LookupFile | None
    learner: Learner | None
    blocks: tuple[Block, ...]
    catalog: str  # what the catalog is, for the unknown-band answer
    bands: LearnedBands

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @classmethod
    def load(cls, store: Store, store_path: Path, space: LoadedSpace,
             resolver: NameResolver) -> tuple[Learning, LoadedSpace]:
        """The learning of the store at `store_path`, and `space` with every band found so
        far placed (those a trained run has since given a vector keep theirs)."""
        blocks = space_blocks(store, space)
        catalog = describe_catalog(store)
        path = lookups_path(store_path)
        lookups = LookupFile(path) if path.exists() or os.environ.get(API_KEY_ENV) else None
        if lookups is None:
            return cls(None, None, blocks, catalog, LearnedBands()), space
        bands = [placement.band for lookup in lookups.found()
                 if (placement := place_answer(space, blocks, resolver, lookup.answered())).band]
        learning = cls(lookups, Learner.from_env(lookups), blocks, catalog,
                       LearnedBands().adding(bands))
        if bands:
            log.info("%d bands learned from Last.fm placed in the %s space", len(bands),
                     space.name)
        return learning, learning.bands.extend(space, bands)

    def learn(self, engine, names: Sequence[str]) -> list[Outcome]:
        """Look the names up and place what can be placed in `engine.space` (replaced
        whole, under a lock, so concurrent learning adds up); what came of each."""
        if self.learner is None:
            return [Outcome(name, "off") for name in names]
        found = self.learner.lookup(names)
        outcomes, placed = [], []
        with self._lock:
            for name in names:
                lookup = found[name]
                if lookup is None:
                    outcomes.append(Outcome(name, "pending"))
                elif lookup.status != FOUND:
                    outcomes.append(Outcome(name, lookup.status, reason=lookup.reason))
                else:
                    placement = place_answer(engine.space, self.blocks, engine.resolver,
                                             lookup.answered())
                    band = placement.band
                    outcomes.append(Outcome(name, "learned" if band else "too few",
                                            band.name if band else lookup.name,
                                            placement.known[:NAMED_NEIGHBOURS],
                                            len(placement.known)))
                    if band is not None:
                        placed.append(band)
            if placed:
                engine.space = self.bands.extend(engine.space, placed)
                self.bands = self.bands.adding(placed)
        return outcomes
