"""The Artist2Vec neighbour test on hand-made examples whose answers are worked out."""

import numpy as np
import pytest

from store import Store
from store.catalog import Listens
from train.evaluate.metrics import NO_ARTIST
from train.evaluate.neighbours import (
    RelatedArtists,
    nearest_among,
    neighbour_overlap,
    playlist_truth,
    popularity_groups,
    related_by_cooccurrence,
)
from train.vectors import ArtistVectors


def test_related_artists_rank_by_shared_owners_over_the_geometric_mean():
    # Playlists (owners) 1-4. Artist 10 is in all four, 20 in 1-3, 30 in 1-2, 40 in 3-4,
    # 50 only in 4 (too rare to share two playlists with anyone).
    owners = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
    artists = np.array([10, 20, 30, 10, 20, 30, 10, 20, 40, 10, 40, 50])
    truth = related_by_cooccurrence(owners, artists, source="playlists", k=2)
    # 10-20: 3 shared / sqrt(4*3) = .866, 10-30: 2/sqrt(8) = .707, 10-40: 2/sqrt(8) = .707
    # (tie: same shared count, lower id first); 20-30: 2/sqrt(6) = .816; 30-40 and
    # 20-40 share fewer than 2. Artists need 2 partners with 2 shared playlists: 10, 20, 30.
    assert truth.artist_ids.tolist() == [10, 20, 30]
    assert truth.related.tolist() == [[20, 30], [10, 30], [20, 10]]
    assert truth.known.tolist() == [10, 20, 30, 40, 50]


def test_an_owner_listing_an_artist_twice_counts_once():
    owners = np.array([1, 1, 1, 2, 2, 3, 3])
    artists = np.array([10, 10, 20, 10, 20, 10, 20])
    truth = related_by_cooccurrence(owners, artists, source="listens", k=1)
    assert truth.artist_ids.tolist() == [10, 20]
    assert truth.related.tolist() == [[20], [10]]


def test_popularity_groups_by_listener_rank():
    # Listeners: artist 5 has 3, artist 6 has 2, artists 7 and 8 have 1 (tie: 7 first).
    listens = Listens(
        user_ids=np.array([1, 2, 3, 1, 2, 1, 2]),
        artist_ids=np.array([5, 5, 5, 6, 6, 7, 8]),
        plays=np.ones(7, dtype=np.int64),
    )
    groups = popularity_groups(listens, np.array([8, 7, 6, 5, 99]), bounds=(1, 3))
    assert groups.tolist() == [2, 1, 1, 0, 2]  # 99 is nobody's: rare


def test_nearest_among_candidates_never_the_query_itself():
    space = ArtistVectors(np.array([1, 2, 3, 4]),
                          np.array([[1, 0], [1, 0.1], [0, 1], [-1, 0]], dtype=np.float32))
    nearest = nearest_among(space, np.array([1, 3]), np.array([1, 2, 4]), k=3)
    assert sorted(nearest[0].tolist()) == [NO_ARTIST, 2, 4]  # only two others to offer
    assert set(nearest[1].tolist()) == {1, 2, 4}


def test_overlap_per_group_on_a_hand_made_space():
    # A line of artists 1..6 at angles 0, 10, 20, ..., 50 degrees: each one's two nearest
    # are its neighbours on the line (the ends: the next two).
    angles = np.radians(np.arange(6) * 10.0)
    space = ArtistVectors(np.arange(1, 7), np.stack([np.cos(angles), np.sin(angles)], 1))
    truth = RelatedArtists(
        source="playlists",
        artist_ids=np.array([1, 3, 5, 7]),
        related=np.array([[2, 3],    # nearest of 1: {2, 3} -> 2/2
                          [2, 6],    # nearest of 3: {2, 4} -> 1/2
                          [1, 2],    # nearest of 5: {4, 6} -> 0/2
                          [1, 2]]),  # 7 is not in the space: not scored
        known=np.arange(1, 8),
    )
    groups = np.array([0, 0, 2, 1])  # 1 and 3 top, 5 rare, 7 middle
    result = neighbour_overlap(space, truth, groups)
    assert result["top"].artists == 2 and result["top"].overlap == pytest.approx(0.75)
    assert result["rare"].artists == 1 and result["rare"].overlap == 0.0
    assert result["middle"].artists == 0 and np.isnan(result["middle"].overlap)


def test_neighbours_are_limited_to_artists_the_truth_knows():
    # Artist 2 sits next to 1 but the ground truth's source never saw it: 1's nearest
    # known artist is 3, which is also its related one.
    space = ArtistVectors(np.array([1, 2, 3]),
                          np.array([[1, 0], [1, 0.01], [1, 0.5]], dtype=np.float32))
    truth = RelatedArtists("playlists", np.array([1]), np.array([[3]]), np.array([1, 3]))
    assert neighbour_overlap(space, truth, np.array([0]))["top"].overlap == 1.0


def test_a_store_without_playlists_has_no_playlist_truth(tmp_path):
    with Store.open(tmp_path / "s.duckdb") as store:
        assert playlist_truth(store) is None
