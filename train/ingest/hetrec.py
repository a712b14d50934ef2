"""The HetRec 2011 Last.fm 2K dataset (the bundled default data)."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from store.errors import UserError
from train.ingest.batch import CatalogBatch
from train.ingest.tables import IngestError, count_column, int_column, read_rows, text_column

log = logging.getLogger(__name__)

SOURCE = "hetrec"


def _find_file(directory: Path, stem: str) -> Path:
    """`stem` or `stem.gz`: the bundled copy is gzipped, GroupLens ships plain files."""
    for candidate in (directory / stem, directory / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return directory / f"{stem}.gz"


def read_hetrec(directory: Path) -> CatalogBatch:
    if not directory.is_dir():
        raise UserError(f"{directory}: no such directory (expected the hetrec2011-lastfm-2k files)")
    batch = CatalogBatch(source=SOURCE, match_artists_by_name=False)

    artist_rows = read_rows(
        _find_file(directory, "artists.dat"),
        [int_column("id"), text_column("name"), text_column("url")],
        delimiter="\t",
    )
    batch.artists = [(str(artist_id), name, url or None) for artist_id, name, url in artist_rows]
    known_artists = {key for key, _, _ in batch.artists}

    listen_rows = read_rows(
        _find_file(directory, "user_artists.dat"),
        [int_column("userID"), int_column("artistID"), count_column("weight")],
        delimiter="\t",
    )
    batch.listens = [(str(user), str(artist), plays) for user, artist, plays in listen_rows]
    if not batch.listens:  # as `sage ingest listens` says of an empty file
        raise IngestError(_find_file(directory, "user_artists.dat"), None,
                          "no rows after the header")
    unknown = {artist for _, artist, _ in batch.listens} - known_artists
    if unknown:
        raise UserError(f"user_artists.dat names {len(unknown)} artist ids missing from artists.dat")

    # tags.dat is Latin-1, unlike every other file of the dataset.
    tag_rows = read_rows(
        _find_file(directory, "tags.dat"),
        [int_column("tagID"), text_column("tagValue")],
        delimiter="\t",
        encoding="latin-1",
    )
    batch.tags = [(str(tag_id), name) for tag_id, name in tag_rows]

    tagging_rows = list(read_rows(
        _find_file(directory, "user_taggedartists.dat"),
        [int_column("userID"), int_column("artistID"), int_column("tagID")],
        delimiter="\t",
    ))
    # The dataset tags some artists that artists.dat does not list; they have no name to show.
    batch.user_tags = [
        (str(user), str(artist), str(tag))
        for user, artist, tag in tagging_rows if str(artist) in known_artists
    ]
    if skipped := len(tagging_rows) - len(batch.user_tags):
        log.info("skipped %d tag assignments of artists missing from artists.dat", skipped)
    # An artist's weight for a tag is how many people gave it that tag.
    taggings = Counter((artist, tag) for _, artist, tag in batch.user_tags)
    batch.artist_tags = [(artist, tag, float(n)) for (artist, tag), n in taggings.items()]
    batch.users = sorted(
        {user for user, _, _ in batch.listens} | {user for user, _, _ in batch.user_tags}, key=int
    )
    return batch
