"""Bands the catalog lacks, placed in a loaded space from a similar-artists service's answer.

A band is placed at the match-weighted mean direction of the similar artists the space
knows, when it knows at least MIN_KNOWN of them. In a hybrid space (train/hybrid/combine.py)
each component's block is placed on its own and scaled back to its weight, as training
combines them: the hybrid cosine of the placed band to any artist is then the weighted
mean of its components' cosines, as for every trained artist. A mean over the whole
hybrid vector would instead let the component whose neighbours agree most outweigh the
others.

A band the store does not hold yet gets a provisional id from LEARNED_IDS up (the store's
ids are 32-bit, so they never meet); once `sage add` or a training run has taken it into
the store (engine/lookups.take_in), it is placed under its catalog id until a trained
run gives it a vector of its own.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from engine.resolve import (
    Candidate,
    MatchKind,
    NameResolver,
    Resolution,
    ResolvedQuery,
    Status,
)
from engine.space import NO_ROW, LoadedSpace
from store.catalog import ArtistCatalog
from store.db import Store
from store.names import normalize_name
from store.runs import get_run

log = logging.getLogger(__name__)

# Fewer known neighbours than this place a band by too little evidence to trust.
MIN_KNOWN = 3
LEARNED_IDS = 2**31
# The known neighbours named in an answer ("Last.fm relates it to A, B, C ...").
NAMED_NEIGHBOURS = 5
# How a similar artist's name must match a catalog name to count as that artist.
_SURE_MATCHES = (MatchKind.EXACT, MatchKind.ALIAS, MatchKind.SPACING)


@dataclass(frozen=True)
class Block:
    """One component's columns in a space's vectors, and its share of the cosine."""

    start: int
    stop: int
    share: float


def space_blocks(store: Store, space: LoadedSpace) -> tuple[Block, ...]:
    """The component blocks of a hybrid run (train/hybrid/combine.py puts them side by
    side in the order of its weights); one block for any other space."""
    whole = (Block(0, space.dim, 1.0),)
    if space.run_id is None:
        return whole
    params = get_run(store, space.run_id).params
    components, weights = params.get("components"), params.get("weights")
    if not components or not weights:
        return whole
    names = [name for name, weight in weights.items() if weight > 0 and name in components]
    total = sum(weights[name] for name in names)
    blocks, start = [], 0
    for name in names:
        dim = get_run(store, components[name]["run_id"]).dim
        blocks.append(Block(start, start + dim, weights[name] / total))
        start += dim
    if start != space.dim:
        log.warning("%s run %s: its components' dims add up to %d, not %d; placing bands "
                    "in it as one space", space.name, space.run_id, start, space.dim)
        return whole
    return tuple(blocks)


def place(space: LoadedSpace, blocks: Sequence[Block], rows: np.ndarray,
          weights: np.ndarray) -> np.ndarray:
    """The vector of a band at the `weights`-weighted mean of `rows`, block by block."""
    vector = np.zeros(space.dim, dtype=np.float32)
    for block in blocks:
        part = weights.astype(np.float32) @ space.unit[rows, block.start:block.stop]
        norm = float(np.linalg.norm(part))
        if norm > 0:
            vector[block.start:block.stop] = math.sqrt(block.share) * part / norm
    return vector


@dataclass(frozen=True)
class Answered:
    """What the service said of one name: its spelling and similar artists with scores."""

    asked: str
    name: str
    url: str | None
    similar: tuple[tuple[str, float], ...]  # strongest first
    band_id: int  # the lookup's number, for a provisional artist id


@dataclass(frozen=True)
class LearnedBand:
    artist_id: int
    name: str
    url: str | None
    keys: frozenset[str]  # the normalised names it answers to: as asked, as the service spells it
    related: tuple[str, ...]  # the known similar artists, strongest first
    vector: np.ndarray


@dataclass(frozen=True)
class Placement:
    """How placing one answer went: the band, or the known neighbours that were too few."""

    band: LearnedBand | None
    known: tuple[str, ...]


def known_neighbours(space: LoadedSpace, resolver: NameResolver, answered: Answered
                     ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The rows, match scores and catalog names of the similar artists the space holds."""
    rows, weights, names = [], [], []
    for name, match in answered.similar:
        artist = resolver.resolve(name).artist
        if artist is None or artist.match not in _SURE_MATCHES or match <= 0:
            continue
        row = int(space.rows_of([artist.artist_id])[0])
        if row == NO_ROW or row in rows:
            continue
        rows.append(row)
        weights.append(match)
        names.append(artist.name)
    return np.asarray(rows, dtype=np.int64), np.asarray(weights, dtype=np.float32), names


def place_answer(space: LoadedSpace, blocks: Sequence[Block], resolver: NameResolver,
                 answered: Answered) -> Placement:
    rows, weights, names = known_neighbours(space, resolver, answered)
    if len(rows) < MIN_KNOWN:
        return Placement(None, tuple(names))
    keys = frozenset({normalize_name(answered.asked), normalize_name(answered.name)})
    catalog_id = _catalog_id(resolver, answered)
    band = LearnedBand(
        artist_id=catalog_id if catalog_id is not None else LEARNED_IDS + answered.band_id,
        name=answered.name, url=answered.url, keys=keys, related=tuple(names),
        vector=place(space, blocks, rows, weights),
    )
    return Placement(band, tuple(names))


def _catalog_id(resolver: NameResolver, answered: Answered) -> int | None:
    """The band's catalog id once the store holds it (taken in), else None."""
    for name in (answered.name, answered.asked):
        artist = resolver.resolve(name).artist
        if artist is not None and artist.match in _SURE_MATCHES:
            return artist.artist_id
    return None


class LearnedBands:
    """The bands learned so far, as the loaded space gets them. Never changed: `adding`
    makes a new one."""

    def __init__(self, bands: Sequence[LearnedBand] = ()):
        self.bands = tuple(bands)
        self._by_key = {key: band for band in self.bands for key in band.keys}

    def __len__(self) -> int:
        return len(self.bands)

    def band(self, name: str) -> LearnedBand | None:
        return self._by_key.get(normalize_name(name))

    def adding(self, bands: Sequence[LearnedBand]) -> LearnedBands:
        new = [band for band in bands if band.artist_id not in {b.artist_id for b in self.bands}]
        return LearnedBands([*self.bands, *new])

    def resolve(self, understood: ResolvedQuery) -> ResolvedQuery:
        """Terms the catalog did not know that name a learned band now name it."""
        terms = []
        for term in understood.terms:
            band = self.band(term.term.name) if not term.understood else None
            if band is not None:
                candidate = Candidate(band.artist_id, band.name, 0, 100.0, MatchKind.EXACT)
                term = replace(term, resolution=Resolution(term.resolution.query,
                                                           Status.CONFIDENT, (candidate,)))
            terms.append(term)
        return replace(understood, terms=tuple(terms))

    def extend(self, space: LoadedSpace, bands: Sequence[LearnedBand]) -> LoadedSpace:
        """`space` with a row for each of `bands` it lacks, and the catalog with the bands
        it lacks."""
        bands = [band for band in bands if space.rows_of([band.artist_id])[0] == NO_ROW]
        if not bands:
            return space
        return space.with_rows(np.array([band.artist_id for band in bands], dtype=np.int64),
                               np.stack([band.vector for band in bands]),
                               _with_bands(space.catalog, bands))


def _with_bands(catalog: ArtistCatalog, bands: Sequence[LearnedBand]) -> ArtistCatalog:
    new = [band for band in bands if not np.isin(band.artist_id, catalog.artist_ids)]
    if not new:
        return catalog
    ids = np.concatenate([catalog.artist_ids, [band.artist_id for band in new]]).astype(np.int64)
    order = np.argsort(ids, kind="stable")
    names = [*catalog.names, *(band.name for band in new)]
    norm_names = [*catalog.norm_names, *(normalize_name(band.name) for band in new)]
    urls = None if catalog.urls is None else [*catalog.urls, *(band.url for band in new)]
    zeros = np.zeros(len(new), dtype=np.int64)
    return ArtistCatalog(
        artist_ids=ids[order], names=[names[i] for i in order],
        norm_names=[norm_names[i] for i in order],
        listeners=np.concatenate([catalog.listeners, zeros])[order],
        plays=np.concatenate([catalog.plays, zeros])[order],
        urls=None if urls is None else [urls[i] for i in order],
    )
