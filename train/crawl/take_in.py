"""Taking what was learned on the spot into the store: each lookup's band and edges go to
the crawled-edges tables (`artist_edges` source lastfm, `crawl_queue`), as a crawl of
that one name would have put them, for `sage train graph --edges lastfm` and `sage info`.

Idempotent: the crawl's merge is an upsert, and a lookup is marked taken in only after
its store transaction commits; one cut short between the two is taken in again, to the
same rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

from engine.lookups import FOUND, LookupFile, lookups_path
from store.db import Store
from train.crawl import state
from train.crawl.lastfm import SOURCE
from train.crawl.records import Fetched, Missed, QueueEntry, SimilarArtist, SimilarArtists

log = logging.getLogger(__name__)


def take_in(store_path: Path, lookups: LookupFile) -> int:
    """Write every lookup the store does not hold yet into it; how many were written."""
    pending = lookups.not_taken_in()
    if not pending:
        return 0
    outcomes = []
    for lookup in pending:
        entry = QueueEntry(lookup.norm_name, lookup.asked, 0)
        if lookup.status == FOUND:
            similar = [SimilarArtist(name, match, mbid, url)
                       for name, match, mbid, url in lookup.similar]
            outcomes.append(Fetched(entry, SimilarArtists(lookup.name, similar)))
        else:
            outcomes.append(Missed(entry, "unknown", lookup.reason or ""))
    with Store.open(store_path) as store, store.transaction() as con:
        recorded = state.record(con, SOURCE, outcomes)
    lookups.mark_taken_in([lookup.norm_name for lookup in pending])
    log.info("took %d lookups into %s: %d edges, %d new artists", len(pending), store_path,
             recorded.edges, recorded.new_artists)
    return len(pending)


def take_in_learned(store_path: Path) -> int:
    """`take_in` from the store's own lookups file, if it has one."""
    path = lookups_path(store_path)
    if not path.exists():
        return 0
    lookups = LookupFile(path)
    try:
        return take_in(store_path, lookups)
    finally:
        lookups.close()
