"""A generic `user,artist,plays` CSV, for bringing any listening history to Sage."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from store.names import normalize_name
from train.ingest.batch import CatalogBatch
from train.ingest.tables import IngestError, count_column, read_rows, required_text_column


def read_listens_csv(path: Path, source: str) -> CatalogBatch:
    """Artists are named, not numbered, so they are matched to the catalog by normalised name."""
    batch = CatalogBatch(source=source, match_artists_by_name=True)
    rows = read_rows(
        path,
        [required_text_column("user"), required_text_column("artist"), count_column("plays")],
        delimiter=",",
    )
    plays_by_pair: dict[tuple[str, str], int] = defaultdict(int)
    display_names: dict[str, str] = {}
    for user, artist, plays in rows:
        key = normalize_name(artist)
        display_names.setdefault(key, artist)
        # Two spellings of one band ("The Cure", "Cure, The") add up.
        plays_by_pair[(user, key)] += plays
    if not plays_by_pair:
        raise IngestError(path, None, "no rows after the header")
    batch.artists = [(key, name, None) for key, name in display_names.items()]
    batch.users = sorted({user for user, _ in plays_by_pair})
    batch.listens = [(user, key, plays) for (user, key), plays in plays_by_pair.items()]
    return batch
