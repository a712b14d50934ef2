"""Genres and other tags as query terms: what "I like shoegaze" or "hate rap" means.

The catalog's tags are what listeners gave artists (Last.fm: "hardcore", "post-rock",
"seen live", "madonna"). A tag is a term people can use when it describes music:

- spellings are one tag: "hip-hop", "hip hop" and "hiphop" share a key (the normalised
  name without spaces), and common short forms lead to their tag ("sxe" is straight
  edge, "dnb" drum and bass: TAG_ALIASES). The most used spelling names the tag.
- it is given to at least MIN_ARTISTS artists, and is about the music, not the listener
  or the recording ("seen live", "favorites", "cover": NOT_GENRES; "my favorite",
  "songs i sing in the shower": _LISTENER_WORDS, MAX_TAG_WORDS), and is not an everyday
  word ("old", "heavy", "chill": engine.phrasing.COMMON_WORDS, which people write in
  sentences far more often than they mean the tag);
- it is not a band's own name that fans tag the band with ("madonna", "the beatles"),
  unless it is far more a tag than that band (BAND_NAME_DOMINANCE: "electronic",
  "ambient", "soundtrack" are genres before they are little-known bands), nor the start
  of a band's name better known than the tag ("wu-tang", "deep", "garth").

How strongly an artist carries a tag is how many people gave it; an artist's strongest
tags are its tags in that order, the more used tag first on a tie. A tag's most
characteristic artists, from which a liked tag takes its place in a space, score
tf x log(1 + count): the tag's share of the artist's taggings (its tf; a tag's idf is
the same for all its artists) times how many people gave it, damped, so that a band
tagged shoegaze by 40 people outranks one tagged so by one person who tagged nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from engine.lookup import positions_in
from engine.phrasing import COMMON_WORDS
from store.catalog import ArtistCatalog, ArtistTags, load_artist_tags, load_artists
from store.db import Store
from store.names import normalize_name

MIN_ARTISTS = 10
# A tag that is also a catalog band's name is a term only with this many artists, and
# this many times that band's listeners.
BAND_NAME_MIN_ARTISTS = 20
BAND_NAME_DOMINANCE = 5
# Typed forms that are another tag's, by key.
TAG_ALIASES = {
    "sxe": "straightedge",
    "xedge": "straightedge",
    "hc": "hardcore",
    "hxc": "hardcore",
    "dnb": "drumandbass",
    "dandb": "drumandbass",
    "drumnbass": "drumandbass",
    "randb": "rnb",
    "prog": "progressiverock",
    "progrock": "progressiverock",
    "altrock": "alternativerock",
    "shoegazing": "shoegaze",
    "shoegazer": "shoegaze",
    "rockandroll": "rocknroll",
    "riotgrrl": "riotgrrrl",
    "progmetal": "progressivemetal",
}
# Words of tags about the listener, not the music: "my favorite", "songs i sing in the
# shower", "love it", "best of 2008".
_LISTENER_WORDS = frozenset("""
    i im ive id my me mine you your we our love loved loving like likes liked favorite
    favourite favorites favourites fav fave faves best greatest great good awesome awsome
    amazing cool nice perfect perfection beautiful lovely cute sexy hot song songs track
    tracks album albums listen listened listening seen heard saw want wanna need wish
    makes make memories memory remind reminds cry sing sang check own owned shit fucking
    fuck foda time times
""".split())
# A tag of more words than this is a sentence someone tagged with, not a genre.
MAX_TAG_WORDS = 4
NOT_GENRES = frozenset(normalize_name(tag).replace(" ", "") for tag in [
    "seen live", "live", "cover", "covers", "loved", "favorites", "favourites", "favorite",
    "favourite", "love", "awesome",
    "amazing", "cool", "beautiful", "sexy", "epic", "catchy", "<3", "love at first listen",
    "favorite artists", "favourite artists", "favorite bands", "my favorites", "perfect",
    "sweet", "good", "great", "best", "fun", "check out", "albums i own", "under 2000 listeners",
    "spotify", "owned", "heard on pandora", "my music", "all", "stuff", "music",
])
# A typed tag one slip away from a tag's key matches it, when it is long enough for one
# slip to leave it recognisable ("shoegzae"), as surely as this (a band spelt exactly, 1,
# wins over it).
SLIP_SIMILARITY = 0.9
_FUZZY_MIN_CHARS = 6
STRONGEST_KEPT = 5  # an artist's strongest tags kept for filters and explanations
CHARACTERISTIC_ARTISTS = 30


def tag_key(name: str) -> str:
    """The key spellings of one tag share: "Hip-Hop", "hip hop" and "hiphop" are "hiphop"."""
    key = normalize_name(name).replace(" ", "")
    return TAG_ALIASES.get(key, key)


@dataclass(frozen=True)
class Tag:
    index: int  # the tag's column in TagIndex
    name: str  # its most used spelling
    artists: int  # how many catalog artists carry it


@dataclass(frozen=True)
class TagMatch:
    tag: Tag
    similarity: float  # 0 to 1: 1 for the tag's own spelling or one of its forms


class TagIndex:
    """The catalog's descriptive tags: find one by what is typed, and which artists carry
    it and how strongly. Build once; never changed after."""

    def __init__(self, artist_tags: ArtistTags, catalog: ArtistCatalog):
        keys = {tag_id: tag_key(name) for tag_id, name in artist_tags.tag_names.items()}
        entry_keys = [keys[t] for t in artist_tags.tag_ids.tolist()]
        vocabulary = _vocabulary(artist_tags, entry_keys, catalog)
        self._keys = sorted(vocabulary, key=lambda k: (-vocabulary[k][1], k))
        self._column_of = {key: column for column, key in enumerate(self._keys)}
        self.tags = tuple(Tag(column, vocabulary[key][0], vocabulary[key][2])
                          for column, key in enumerate(self._keys))
        columns = np.fromiter((self._column_of.get(k, -1) for k in entry_keys), dtype=np.int64,
                              count=len(entry_keys))
        rows, found = positions_in(catalog.artist_ids, artist_tags.artist_ids)
        kept = found & (columns >= 0)
        # artists x tags: how many people gave the artist the tag, spellings summed.
        self._weights = sp.csr_matrix(
            (artist_tags.weights[kept], (rows[kept], columns[kept])),
            shape=(len(catalog.artist_ids), len(self._keys)),
        )
        self._weights.sum_duplicates()
        self._totals = np.asarray(self._weights.sum(axis=1)).ravel()
        self._artist_ids = catalog.artist_ids
        self._strongest = _strongest(self._weights, STRONGEST_KEPT)
        self.find = lru_cache(maxsize=4096)(self._find)

    @classmethod
    def from_store(cls, store: Store, catalog: ArtistCatalog | None = None) -> TagIndex:
        return cls(load_artist_tags(store), catalog if catalog is not None else load_artists(store))

    def __len__(self) -> int:
        return len(self.tags)

    def _find(self, typed: str) -> TagMatch | None:
        """The tag `typed` names, or None."""
        if any(mark in typed for mark in ",;.!?"):
            return None  # "indie, pop and rock" lists genres; no genre is spelt so
        key = tag_key(" ".join(typed.split())[:100])
        if not key or not self._keys:
            return None
        column = self._column_of.get(key)
        if column is not None:
            return TagMatch(self.tags[column], 1.0)
        if len(key) < _FUZZY_MIN_CHARS:
            return None
        # One slip: a letter dropped, added, replaced, or two swapped ("shoegzae").
        found = process.extractOne(key, self._keys, scorer=DamerauLevenshtein.distance,
                                   score_cutoff=1)
        return None if found is None else TagMatch(self.tags[found[2]], SLIP_SIMILARITY)

    def score(self, typed: str) -> float:
        """How surely `typed` names a tag, 0 to 1: what the query reader weighs."""
        match = self.find(typed)
        return 0.0 if match is None else match.similarity

    def characteristic(self, tag: Tag, count: int = CHARACTERISTIC_ARTISTS
                       ) -> tuple[np.ndarray, np.ndarray]:
        """The `count` artists most characteristic of `tag` and their weights (summing to
        1), best first."""
        column = self._weights.getcol(tag.index).tocoo()
        counts = column.data
        score = counts / self._totals[column.row] * np.log1p(counts)
        order = np.lexsort((self._artist_ids[column.row], -score))[:count]
        return self._artist_ids[column.row[order]], score[order] / score[order].sum()

    def strongest(self, artist_ids: np.ndarray, count: int = STRONGEST_KEPT) -> np.ndarray:
        """[artists, count] tag indexes of each artist's strongest tags, -1 past its last
        (and for artists not in the catalog)."""
        rows, found = positions_in(self._artist_ids, np.asarray(artist_ids, dtype=np.int64))
        strongest = self._strongest[rows, :count].copy()
        strongest[~found] = -1
        return strongest

    def carries(self, tag: Tag, artist_ids: np.ndarray, within: int) -> np.ndarray:
        """Whether each artist has `tag` among its `within` strongest tags."""
        return (self.strongest(artist_ids, within) == tag.index).any(axis=1)

    def carriers(self, tag: Tag, within: int) -> np.ndarray:
        """Every artist that has `tag` among its `within` strongest tags."""
        return self._artist_ids[(self._strongest[:, :within] == tag.index).any(axis=1)]


def _vocabulary(
    artist_tags: ArtistTags, entry_keys: list[str], catalog: ArtistCatalog
) -> dict[str, tuple[str, float, int]]:
    """key -> (most used spelling, taggings, artists) of every tag that is a term."""
    taggings: dict[str, float] = {}
    artists: dict[str, set[int]] = {}
    spellings: dict[tuple[str, str], float] = {}
    for key, tag_id, artist_id, weight in zip(
        entry_keys, artist_tags.tag_ids.tolist(), artist_tags.artist_ids.tolist(),
        artist_tags.weights.tolist(), strict=True,
    ):
        taggings[key] = taggings.get(key, 0.0) + weight
        artists.setdefault(key, set()).add(artist_id)
        spelling = (key, artist_tags.tag_names[tag_id])
        spellings[spelling] = spellings.get(spelling, 0.0) + weight
    band_listeners: dict[str, int] = {}  # a band's name, and its first words
    name_start_listeners: dict[str, int] = {}
    for name, listeners in zip(catalog.norm_names, catalog.listeners.tolist(), strict=True):
        key = name.replace(" ", "")
        band_listeners[key] = max(band_listeners.get(key, 0), listeners)
        words = name.split()
        for end in range(1, len(words)):
            start = "".join(words[:end])
            name_start_listeners[start] = max(name_start_listeners.get(start, 0), listeners)
    best_spelling: dict[str, tuple[float, str]] = {}
    for (key, spelling), weight in spellings.items():
        if (weight, spelling) > best_spelling.get(key, (-1.0, "")):
            best_spelling[key] = (weight, spelling)
    vocabulary = {}
    for key, carriers in artists.items():
        count = len(carriers)
        words = normalize_name(best_spelling[key][1]).split()
        if (count < MIN_ARTISTS or key in NOT_GENRES or len(words) > MAX_TAG_WORDS
                or _LISTENER_WORDS.intersection(words) or key in COMMON_WORDS):
            continue
        if key in band_listeners and (
            count < BAND_NAME_MIN_ARTISTS or count < BAND_NAME_DOMINANCE * band_listeners[key]
        ):
            continue
        if name_start_listeners.get(key, 0) >= count:
            continue  # "wu-tang", "deep", "garth": fans' short names of bands
        vocabulary[key] = (best_spelling[key][1], taggings[key], count)
    return vocabulary


def _strongest(weights: sp.csr_matrix, count: int) -> np.ndarray:
    """[rows, count] columns of each row's largest entries, ties to the lower column (the
    more used tag), -1 past the row's last entry."""
    rows = np.repeat(np.arange(weights.shape[0]), np.diff(weights.indptr))
    order = np.lexsort((weights.indices, -weights.data, rows))
    ranked_rows = rows[order]
    starts = np.searchsorted(ranked_rows, np.arange(weights.shape[0]))
    place = np.arange(len(order)) - starts[ranked_rows]
    strongest = np.full((weights.shape[0], count), -1, dtype=np.int64)
    top = place < count
    strongest[ranked_rows[top], place[top]] = weights.indices[order][top]
    return strongest
