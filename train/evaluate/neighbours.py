"""The Artist2Vec neighbour test: do a space's nearest artists match related artists
known from a source the space never saw?

For each artist with a ground-truth list of K related artists, the overlap is the share of
that list among the space's K nearest artists by cosine. Ground truth comes from
co-occurrence in the other source: artists that share playlists (for spaces trained on
listens) or listeners (for spaces trained on playlists), ranked by
shared / sqrt(count_a * count_b), so that a list is not just the most popular artists.
Both the artists asked about and the neighbours a space may answer are limited to artists
the ground-truth source knows, or a space would be punished for knowing more.

Results are reported per popularity group, never only averaged: settings that help
popular artists can hurt rare ones. Artist2Vec's groups were the top 1,000 artists, ranks
1,000-10,000 and the rest, of ~300,000. Here the top group is the 500 most listened
artists, the head of the held-out test's tail recall, so both tests mean the same by
"popular"; the middle group keeps the published tenfold step (ranks 500-5,000); the rare
group is everything rarer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.lookup import positions_in
from store import Store
from store.catalog import Listens
from train.evaluate.metrics import NO_ARTIST
from train.vectors import ArtistVectors, unit_rows

GROUPS = ("top", "middle", "rare")
GROUP_BOUNDS = (500, 5_000)  # popularity ranks where the middle and rare groups start
K = 20
# Two owners in common at least: one shared playlist or listener is chance, not relation.
MIN_SHARED = 2
_BATCH = 1024


@dataclass(frozen=True)
class RelatedArtists:
    """The ground truth: for each covered artist, its K most related artists."""

    source: str  # "playlists" or "listens"
    artist_ids: np.ndarray  # int64, ascending: artists with a full list
    related: np.ndarray  # int64 [artists, K]: the related artists, most related first
    known: np.ndarray  # int64, ascending: every artist the source has


@dataclass(frozen=True)
class GroupOverlap:
    artists: int  # artists of the group that both the space and the ground truth have
    overlap: float  # mean share of the ground-truth list among the space's K nearest; nan if none


def related_by_cooccurrence(
    owners: np.ndarray, artist_ids: np.ndarray, *, source: str, k: int = K
) -> RelatedArtists:
    """Each artist's k most related by shared owners (playlists, users) over the
    geometric mean of their owner counts; only artists with k such partners, each
    sharing at least MIN_SHARED owners, get a list."""
    pairs = np.unique(np.stack([owners, artist_ids]), axis=1)  # each owner counts once
    _, owner_rows = np.unique(pairs[0], return_inverse=True)
    known, artist_cols = np.unique(pairs[1], return_inverse=True)
    incidence = sp.csr_matrix(
        (np.ones(pairs.shape[1], dtype=np.float32), (owner_rows, artist_cols)),
        shape=(owner_rows.max(initial=-1) + 1, len(known)),
    )
    counts = np.asarray(incidence.sum(axis=0)).ravel()
    # Artists with fewer than MIN_SHARED owners cannot share MIN_SHARED with anyone.
    eligible = np.flatnonzero(counts >= MIN_SHARED)
    sub = incidence[:, eligible].tocsc()
    shared = (sub.T @ sub).tocoo()
    keep = (shared.row != shared.col) & (shared.data >= MIN_SHARED)
    rows, cols, together = shared.row[keep], shared.col[keep], shared.data[keep]
    strength = together / np.sqrt(counts[eligible][rows] * counts[eligible][cols])
    # Per row, strongest first (ties: more shared owners, then the lower id).
    order = np.lexsort((eligible[cols], -together, -strength, rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(len(eligible)))
    sizes = np.diff(np.r_[starts, len(rows)])
    full = np.flatnonzero(sizes >= k)
    take = starts[full][:, None] + np.arange(k)
    return RelatedArtists(
        source=source,
        artist_ids=known[eligible[full]],
        related=known[eligible[cols[take]]],
        known=known,
    )


def playlist_truth(store: Store, *, k: int = K) -> RelatedArtists | None:
    """Related artists by shared playlists; None when the store holds no playlists."""
    table = store.con.execute(
        """SELECT DISTINCT playlist_id, artist_id
           FROM playlist_tracks JOIN tracks USING (track_id)"""
    ).fetchnumpy()
    if len(table["artist_id"]) == 0:
        return None
    return related_by_cooccurrence(
        table["playlist_id"].astype(np.int64), table["artist_id"].astype(np.int64),
        source="playlists", k=k,
    )


def listening_truth(listens: Listens, *, k: int = K) -> RelatedArtists:
    """Related artists by shared listeners."""
    return related_by_cooccurrence(listens.user_ids, listens.artist_ids, source="listens", k=k)


def popularity_groups(
    listens: Listens, artist_ids: np.ndarray, bounds: tuple[int, int] = GROUP_BOUNDS
) -> np.ndarray:
    """The group index (into GROUPS) of each artist by its listener rank (0 for the most
    listened; ties: lower id first): ranks below bounds[0] are top, below bounds[1]
    middle, the rest (and artists nobody listens to) rare."""
    played, listeners = np.unique(listens.artist_ids, return_counts=True)
    ranked = played[np.lexsort((played, -listeners))]
    rank_of = np.full(len(artist_ids), len(ranked), dtype=np.int64)
    rows, found = positions_in(played, artist_ids)
    rank_by_played = np.empty(len(played), dtype=np.int64)
    rank_by_played[np.searchsorted(played, ranked)] = np.arange(len(ranked))
    rank_of[found] = rank_by_played[rows[found]]
    return np.searchsorted(np.asarray(bounds), rank_of, side="right")


def nearest_among(space: ArtistVectors, queries: np.ndarray, candidates: np.ndarray,
                  k: int) -> np.ndarray:
    """The k candidates nearest each query by cosine, never the query itself; all ids
    must be in the space. NO_ARTIST pads when there are fewer than k other candidates."""
    unit = unit_rows(space.vectors.astype(np.float32))
    candidate_unit = unit[np.searchsorted(space.artist_ids, candidates)]
    nearest = np.full((len(queries), k), NO_ARTIST, dtype=np.int64)
    available = min(k, len(candidates))
    if available == 0:
        return nearest
    for start in range(0, len(queries), _BATCH):
        batch = queries[start : start + _BATCH]
        scores = unit[np.searchsorted(space.artist_ids, batch)] @ candidate_unit.T
        scores[candidates[None, :] == batch[:, None]] = -np.inf
        best = np.argpartition(-scores, available - 1, axis=1)[:, :available]
        picked = candidates[best]
        picked[np.take_along_axis(scores, best, axis=1) == -np.inf] = NO_ARTIST
        nearest[start : start + len(batch), :available] = picked
    return nearest


def neighbour_overlap(
    space: ArtistVectors, truth: RelatedArtists, groups_of: np.ndarray
) -> dict[str, GroupOverlap]:
    """Per popularity group, the mean overlap over the artists the space and the truth
    share; `groups_of` gives the group of each of `truth.artist_ids`."""
    in_space = np.isin(truth.artist_ids, space.artist_ids)
    candidates = np.intersect1d(space.artist_ids, truth.known)
    queries = truth.artist_ids[in_space]
    k = truth.related.shape[1]
    nearest = nearest_among(space, queries, candidates, k)
    # A related artist is found when (query, artist) is among the (query, nearest) pairs.
    query_index = np.arange(len(queries))[:, None]
    stride = int(max(truth.known.max(initial=0), nearest.max(initial=0))) + 2
    found = np.isin(query_index * stride + truth.related[in_space],
                    (query_index * stride + nearest)[nearest != NO_ARTIST])
    overlap = found.sum(axis=1) / k
    groups = groups_of[in_space]
    result = {}
    for index, name in enumerate(GROUPS):
        members = groups == index
        result[name] = GroupOverlap(
            artists=int(members.sum()),
            overlap=float(overlap[members].mean()) if members.any() else float("nan"),
        )
    return result


def overlap_table(
    spaces: Mapping[str, tuple[ArtistVectors, Sequence[str]]],
    truths: Mapping[str, RelatedArtists],
    listens: Listens,
) -> dict[str, dict[str, dict[str, GroupOverlap]]]:
    """space -> truth source -> group -> overlap, for each space (vectors, the sources to
    test it against) and each of those sources that `truths` has."""
    groups = {source: popularity_groups(listens, truth.artist_ids)
              for source, truth in truths.items()}
    return {
        name: {source: neighbour_overlap(space, truths[source], groups[source])
               for source in sources if source in truths}
        for name, (space, sources) in spaces.items()
    }
