"""Breadth-first crawl of a similar-artists service into the store's related-artists graph.

Hop by hop: every pending artist at the smallest distance from the seeds is fetched
(a few requests in flight, paced by the service client), each answer becomes edges
`artist -> similar artist` weighted by the service's score, and the similar artists
join the queue one hop further out. Artists `hops` steps out are stored with their
edges in but are not fetched themselves.

The store is opened only to read the next hop and to write a batch of answers, so a
crawl that runs for hours does not lock other Sage processes out of the store for long.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from store.db import Store
from store.errors import UserError
from train.crawl import state
from train.crawl.records import (
    ArtistNotFound,
    Fetched,
    FetchFailed,
    Missed,
    Outcome,
    QueueEntry,
    SimilarArtists,
)

log = logging.getLogger(__name__)

# The client's rate limit, not this, sets the pace; a few requests in flight only keep
# one slow answer from holding up the others.
MAX_IN_FLIGHT = 4
# At 5 requests/s a batch is written every 40 s or so: little to refetch after a crash.
BATCH_SIZE = 200


class SimilarArtistsService(Protocol):
    source: str  # names the service in artist_edges.source and crawl_queue.source

    async def similar_artists(self, name: str) -> SimilarArtists:
        """Raises ArtistNotFound or FetchFailed for this artist; anything else stops the crawl."""
        ...


@dataclass
class CrawlSummary:
    """What one crawl run did."""

    fetched: int = 0
    unknown: int = 0
    failed: int = 0
    edges: int = 0
    new_artists: int = 0

    def describe(self) -> str:
        text = (
            f"fetched {self.fetched:,} artists, stored {self.edges:,} edges and "
            f"{self.new_artists:,} new artists; {self.unknown:,} unknown to the service, "
            f"{self.failed:,} failed"
        )
        if self.failed:
            text += " (run the same command again to retry them)"
        return text


def read_seed_names(path: Path) -> list[str]:
    """Band names, one per line; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read seeds file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"seeds file {path} is not UTF-8 text") from exc
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise UserError(f"seeds file {path} has no band names (write one per line)")
    return names


async def crawl(
    store_path: Path, seeds: list[str], service: SimilarArtistsService, *, hops: int
) -> CrawlSummary:
    """Crawl `hops` steps out from the seeds, resuming whatever an earlier crawl left.

    If the crawl stops early (an error, Ctrl-C, cancellation), the answers already
    received are written first; running it again carries on from there.
    """
    if hops < 1:
        raise ValueError(f"hops must be at least 1, got {hops}")
    with Store.open(store_path) as store, store.transaction() as con:
        state.prepare(con, service.source, seeds)
    batch = _Batch(store_path, service.source)
    with tqdm(total=0, unit="artist", desc=f"crawl {service.source}") as bar:
        try:
            while level := batch.next_level(hops):
                log.info("hop %d: %d artists to fetch", level[0].hops, len(level))
                bar.total += len(level)
                bar.refresh()
                await _fetch_level(service, level, batch, bar)
                batch.write()
        except BaseException:
            batch.write()
            log.warning("crawl stopped; answers so far are saved, run it again to resume")
            raise
    return batch.summary


class _Batch:
    """Answers waiting to be written, and the running totals of what was written."""

    def __init__(self, store_path: Path, source: str):
        self._store_path = store_path
        self._source = source
        self._outcomes: list[Outcome] = []
        self.summary = CrawlSummary()

    def next_level(self, max_hops: int) -> list[QueueEntry]:
        with Store.open(self._store_path) as store:
            return state.next_level(store.con, self._source, max_hops)

    def add(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
        if len(self._outcomes) >= BATCH_SIZE:
            self.write()

    def write(self) -> None:
        if not self._outcomes:
            return
        with Store.open(self._store_path) as store, store.transaction() as con:
            recorded = state.record(con, self._source, self._outcomes)
        for outcome in self._outcomes:
            if isinstance(outcome, Fetched):
                self.summary.fetched += 1
            elif outcome.status == "unknown":
                self.summary.unknown += 1
            else:
                self.summary.failed += 1
        self.summary.edges += recorded.edges
        self.summary.new_artists += recorded.new_artists
        log.debug("wrote %d answers: %s", len(self._outcomes), recorded)
        self._outcomes = []


async def _fetch_level(
    service: SimilarArtistsService, entries: list[QueueEntry], batch: _Batch, bar: tqdm
) -> None:
    todo = iter(entries)

    async def fetch_until_done() -> None:
        for entry in todo:
            batch.add(await _fetch(service, entry))
            bar.update()

    workers = [
        asyncio.create_task(fetch_until_done()) for _ in range(min(MAX_IN_FLIGHT, len(entries)))
    ]
    try:
        await asyncio.gather(*workers)
    finally:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


async def _fetch(service: SimilarArtistsService, entry: QueueEntry) -> Outcome:
    try:
        answer = await service.similar_artists(entry.name)
    except ArtistNotFound as exc:
        # A seed the service does not know is probably a typo worth telling about.
        report = log.warning if entry.hops == 0 else log.debug
        report("%s does not know %r: %s", service.source, entry.name, exc)
        return Missed(entry, "unknown", str(exc))
    except FetchFailed as exc:
        log.warning("could not fetch %r from %s: %s", entry.name, service.source, exc)
        return Missed(entry, "failed", str(exc))
    return Fetched(entry, answer)
