"""Turning the band names people type into catalog artists.

A typed name is matched by the first of these that finds anything (1 to 3 are one
lookup, their matches ranked in this order):

1. exact: its normalised form (store.names.normalize_name) is a catalog artist's. When
   several share it ("Killers", "The Killers"; "Marina & the Diamonds", "Marina and the
   Diamonds") the one with the most listeners wins: mostly they are one band spelt twice.
2. alias: it is an alias of an artist (the artist_aliases table).
3. spacing: the same letters ignoring spaces ("blink182", "acdc", "ladygaga").
4. fuzzy: a trigram index proposes a few hundred names; rapidfuzz scores their spelling
   (`fuzz.ratio` of normalised names, 0 to 100) and whether they share the typed words
   ("florence" is in "Florence + the Machine"); the typed name may also be the initials
   of a name of 3 to 8 words ("rhcp", "qotsa"). A candidate's closeness is its score plus
   a popularity prior of up to 8 points (log listeners relative to the top artist's).

The answer is confident when the closest candidate is spelt close (score >= 85), leads
the next by 3 points or more, and no plausible candidate (score >= 75, or sharing the
words, or the initials) has ten times its listeners: "sabbath" is more likely Black
Sabbath than the band Sabbat. Initials are confident for a well-known band (listeners at
least the square root of the top artist's) with ten times the listeners of every other
plausible candidate. Shared words alone never are: "nails" may be the band Nails, which
the catalog lacks, rather than Nine Inch Nails. Otherwise the answer is ambiguous when
some candidate is plausible and unknown when none is; both carry the best candidates as
suggestions. So one slip (a letter dropped, doubled, swapped or replaced) in a name of
seven characters or more resolves, shorter names are asked about unless the slip only
dropped or doubled a letter, and a band missing from the catalog ("Inside Out") comes
back with suggestions instead of silently turning into another band.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import islice

import numpy as np
from rapidfuzz import fuzz, process

from engine.name_index import NameIndex
from engine.phrasing import ROLE_WORDS, phrase_key
from engine.query import SURE_SCORE, Hint, ParsedQuery, Polarity, QueryTerm, parse_query
from engine.tags import Tag, TagIndex, TagMatch
from store.catalog import ArtistCatalog, load_aliases, load_artists
from store.db import Store
from store.names import normalize_name

log = logging.getLogger(__name__)

CONFIDENT_SIMILARITY = 85.0
CONFIDENT_MARGIN = 3.0
SUGGEST_SIMILARITY = 75.0
PRIOR_POINTS = 8.0
MAX_SUGGESTIONS = 5
# Typed names are scored on their first characters only; no band name is longer.
_MAX_TYPED_CHARS = 120
# How many names the trigram index hands to the exact scorer.
_FUZZY_POOL = 200
# Stand-in similarity of an artist found by its initials or by sharing the typed words.
_STAND_IN_SIMILARITY = 80.0
# Found that way, an artist is confident only with this many times any rival's listeners.
_DOMINANCE = 10
_CACHE_SIZE = 8_192


class Status(StrEnum):
    CONFIDENT = "confident"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


class MatchKind(StrEnum):
    EXACT = "exact"
    ALIAS = "alias"
    SPACING = "spacing"
    INITIALS = "initials"
    WORDS = "words"
    FUZZY = "fuzzy"


# How names are joined in a query, and how much a catalog name made of better-known
# artists' names so joined counts against reading them apart (NameResolver.name_score).
_JOINS = re.compile(r"\s*(?:[,&+/]|\band\b|\bwith\b)\s*", re.IGNORECASE)
_JOINED_SCORE = 0.95
# A name equal to a catalog name but for its spaces: sure, but not spelt as it is.
_SPACING_SCORE = 0.97

# How surely a match without spelling differences means the artist, surest first.
_TIERS = (MatchKind.EXACT, MatchKind.ALIAS, MatchKind.SPACING)


@dataclass(frozen=True)
class Candidate:
    artist_id: int
    name: str  # as the catalog spells it
    listeners: int
    similarity: float  # 0 to 100: how close the typed name is to this artist's
    match: MatchKind


@dataclass(frozen=True)
class _Found:
    """An artist the typed name may mean, and how it was found."""

    row: int
    score: float  # the spelling similarity, or a stand-in for words and initials
    match: MatchKind


@dataclass(frozen=True)
class Resolution:
    query: str
    status: Status
    candidates: tuple[Candidate, ...]  # best first; when confident the first is the artist
    is_genre: bool = False  # the text names a genre, where a band was wanted

    @property
    def artist(self) -> Candidate | None:
        return self.candidates[0] if self.status is Status.CONFIDENT else None

    def describe(self) -> str:
        """One line for the person who typed the name."""
        if self.status is Status.CONFIDENT:
            return self.candidates[0].name
        if self.is_genre:
            return f'"{self.query}" is a genre; name a band'
        if not self.query:
            return "name a band"
        if self.status is Status.AMBIGUOUS:
            said = f'not sure which band "{self.query}" is'
        else:
            said = f'no band called "{self.query}" here'
        # Only names plausibly the one typed: "Out Out" shares a word with "Inside Out"
        # but is not what anyone typing it means.
        names = [c.name for c in self.candidates if c.similarity >= SUGGEST_SIMILARITY][:3]
        if not names:
            return said
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        return f"{said}: did you mean {listed}?"


class _KeyTable:
    """Exact lookup from a key to every row holding it.

    Built with dict() and Counter, whose loops run in C; only keys that occur more than
    once cost a Python loop. For 218,000 keys that is well under 0.1 s.
    """

    def __init__(self, keys: Sequence[str]):
        self._last = dict(zip(keys, range(len(keys)), strict=True))
        self._all: dict[str, list[int]] = {}
        if len(self._last) < len(keys):
            shared = {key for key, count in Counter(keys).items() if count > 1}
            for row, key in enumerate(keys):
                if key in shared:
                    self._all.setdefault(key, []).append(row)

    def rows(self, key: str) -> list[int]:
        if key in self._all:
            return self._all[key]
        row = self._last.get(key)
        return [] if row is None else [row]


class NameResolver:
    """Finds the catalog artist a typed name means; build once, resolve many times."""

    def __init__(
        self,
        artist_ids: np.ndarray,
        names: Sequence[str],
        norm_names: Sequence[str],
        listeners: np.ndarray,
        aliases: Sequence[tuple[int, str]] = (),
    ):
        started = time.perf_counter()
        self._artist_ids = np.asarray(artist_ids, dtype=np.int64)
        self._names = list(names)
        self._listeners = np.asarray(listeners, dtype=np.int64)
        top = max(int(self._listeners.max(initial=0)), 1)
        self._prior = PRIOR_POINTS * np.log1p(self._listeners) / math.log1p(top)
        # "Well known": at least the square root of the top artist's listeners.
        self._well_known = math.sqrt(top)
        row_of_id = {int(a): row for row, a in enumerate(self._artist_ids)} if aliases else {}
        alias_rows = [row_of_id[a] for a, _ in aliases if a in row_of_id]
        alias_keys = [normalize_name(alias) for a, alias in aliases if a in row_of_id]
        # Keys are the catalog's normalised names followed by the aliases' ones; key_rows
        # maps each key to its artist's row.
        self._keys = list(norm_names) + alias_keys
        self._key_rows = np.concatenate(
            [np.arange(len(norm_names), dtype=np.int64), np.asarray(alias_rows, dtype=np.int64)]
        )
        # Keys without their spaces find exact, alias and spacing matches in one lookup.
        # One join, replace and split instead of a replace per key; keys hold no "\n".
        self._unspaced = _KeyTable("\n".join(self._keys).replace(" ", "").split("\n"))
        self._index = NameIndex(self._keys)
        self._cached_resolve = lru_cache(maxsize=_CACHE_SIZE)(self._resolve)
        log.info(
            "name resolver over %d artists and %d aliases built in %.2f s",
            len(self._names),
            len(alias_keys),
            time.perf_counter() - started,
        )

    @classmethod
    def from_catalog(
        cls, catalog: ArtistCatalog, aliases: Sequence[tuple[int, str]] = ()
    ) -> NameResolver:
        """`aliases` are (artist_id, alias) pairs."""
        return cls(
            catalog.artist_ids, catalog.names, catalog.norm_names, catalog.listeners, aliases
        )

    @classmethod
    def from_store(cls, store: Store) -> NameResolver:
        return cls.from_catalog(load_artists(store), load_aliases(store))

    def resolve(self, name: str) -> Resolution:
        """Never raises; an empty or nonsense name comes back unknown."""
        return self._cached_resolve(" ".join(name.split())[:_MAX_TYPED_CHARS])

    def name_score(self, name: str) -> float:
        """How surely `name` names one artist, 0 to 1: what the query parser weighs.

        A joined name whose every part is a better-known artist ("Johnny Cash and Willie
        Nelson", a catalog entry for one duet) scores a little less than its parts, so
        the query reads the two artists a person most likely means."""
        resolution = self.resolve(name)
        if resolution.status is not Status.CONFIDENT:
            return 0.0
        found = resolution.candidates[0]
        parts = [part for part in _JOINS.split(name) if part.strip()]
        if found.match is MatchKind.SPACING:
            return _SPACING_SCORE  # "blink182" is blink-182, but "on a" is not O.N.A.
        if len(parts) > 1 and all(
            (artist := self.resolve(part).artist) is not None
            and artist.match in _TIERS and artist.listeners > found.listeners
            for part in parts
        ):
            return _JOINED_SCORE * found.similarity / 100
        return found.similarity / 100

    def _candidate(self, found: _Found) -> Candidate:
        return Candidate(
            artist_id=int(self._artist_ids[found.row]),
            name=self._names[found.row],
            listeners=int(self._listeners[found.row]),
            similarity=found.score,
            match=found.match,
        )

    def _answer(self, typed: str, status: Status, ranked: Iterable[_Found]) -> Resolution:
        candidates = tuple(self._candidate(f) for f in islice(ranked, MAX_SUGGESTIONS))
        return Resolution(typed, status, candidates)

    def _resolve(self, typed: str) -> Resolution:
        key = normalize_name(typed)
        if not key:
            return Resolution(typed, Status.UNKNOWN, ())
        key_rows = self._unspaced.rows(key.replace(" ", ""))
        if key_rows:
            return self._exact_match(typed, key, key_rows)
        return self._fuzzy(typed, key)

    def _exact_match(self, typed: str, key: str, key_rows: list[int]) -> Resolution:
        """The artists whose names or aliases match `key`, exact first, then alias, then
        equal but for spaces. Within each, the most listened-to first: entries sharing a
        key are mostly one band spelt two ways ("Marina & the Diamonds", "Marina and the
        Diamonds") and people mean the one most people listen to."""
        found: dict[int, _Found] = {}
        for key_row in key_rows:
            if self._keys[key_row] != key:
                match = MatchKind.SPACING
            else:
                match = MatchKind.ALIAS if key_row >= len(self._names) else MatchKind.EXACT
            row = int(self._key_rows[key_row])
            if row not in found or _TIERS.index(match) < _TIERS.index(found[row].match):
                found[row] = _Found(row, 100.0, match)
        spelt = typed.casefold()
        ranked = sorted(
            found.values(),
            key=lambda f: (
                _TIERS.index(f.match),
                -self._listeners[f.row],
                self._names[f.row].casefold() != spelt,
                f.row,
            ),
        )
        return self._answer(typed, Status.CONFIDENT, ranked)

    def _stands_out(self, chosen: list[_Found], rivals: list[_Found]) -> _Found | None:
        """The most listened-to of `chosen`, if it is well known and has ten times the
        listeners of every rival."""
        top = max(chosen, key=lambda f: (self._listeners[f.row], -f.row))
        listeners = int(self._listeners[top.row])
        most = max((int(self._listeners[f.row]) for f in rivals if f.row != top.row), default=0)
        if listeners >= self._well_known and listeners >= _DOMINANCE * max(most, 1):
            return top
        return None

    def _outshone(self, best: _Found, rivals: list[_Found]) -> bool:
        """Whether a plausible rival has ten times the listeners: "sabbath" is more likely
        Black Sabbath misremembered than the band Sabbat, however close the spelling."""
        floor = _DOMINANCE * max(int(self._listeners[best.row]), 1)
        return any(int(self._listeners[f.row]) >= floor for f in rivals if f.row != best.row)

    def _fuzzy(self, typed: str, key: str) -> Resolution:
        found = self._near(key)
        if not found:
            return Resolution(typed, Status.UNKNOWN, ())
        closeness = [f.score + self._prior[f.row] for f in found]
        order = sorted(range(len(found)), key=lambda i: -closeness[i])
        ranked = [found[i] for i in order]
        lead = closeness[order[0]] - (closeness[order[1]] if len(order) > 1 else 0.0)
        best = ranked[0]
        plausible = [f for f in ranked if f.score >= SUGGEST_SIMILARITY]
        if (
            best.match is MatchKind.FUZZY
            and best.score >= CONFIDENT_SIMILARITY
            and lead >= CONFIDENT_MARGIN
            and not self._outshone(best, plausible)
        ):
            return self._answer(typed, Status.CONFIDENT, ranked)
        by_initials = [f for f in plausible if f.match is MatchKind.INITIALS]
        top = self._stands_out(by_initials, plausible) if by_initials else None
        if top is not None:
            return self._answer(
                typed, Status.CONFIDENT, [top] + [f for f in ranked if f is not top]
            )
        status = Status.AMBIGUOUS if plausible else Status.UNKNOWN
        return self._answer(typed, status, ranked)

    def _near(self, key: str) -> list[_Found]:
        """Artists spelt close to `key`, sharing its words, or having it as initials."""
        pool = self._index.similar(key, _FUZZY_POOL)
        keys = [self._keys[r] for r in pool]
        spelling = process.cdist([key], keys, scorer=fuzz.ratio, dtype=np.float32)[0]
        # 100 when the typed words are among the name's, or the name's among the typed.
        words = process.cdist([key], keys, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
        found: dict[int, _Found] = {}
        typed_words = set(key.split())
        candidates = [
            _Found(int(self._key_rows[r]), _STAND_IN_SIMILARITY, MatchKind.WORDS)
            if score < SUGGEST_SIMILARITY and shared == 100.0
            and self._is_part_of(typed_words, r)
            else _Found(int(self._key_rows[r]), score, MatchKind.FUZZY)
            for r, score, shared in zip(
                pool.tolist(), spelling.tolist(), words.tolist(), strict=True
            )
        ]
        candidates += [
            _Found(row, _STAND_IN_SIMILARITY, MatchKind.INITIALS) for row in self._by_initials(key)
        ]
        for entry in candidates:
            if entry.row not in found or entry.score > found[entry.row].score:
                found[entry.row] = entry
        return list(found.values())

    def _is_part_of(self, typed_words: set[str], key_row: int) -> bool:
        """Whether the typed words are a part of a well-known band's name ("florence",
        "zeppelin"): a name people shorten. Not the other way round: "Gorilla" is in
        "Gorilla Biscuits", and "Out Out" in "Inside Out", but neither is that band; nor
        a small band's ("shelter" is not Abandoned Shelter, 1 listener)."""
        row = int(self._key_rows[key_row])
        return (typed_words <= set(self._keys[key_row].split())
                and self._listeners[row] >= self._well_known)

    def _by_initials(self, key: str) -> list[int]:
        if " " in key or not key.isalnum():
            return []
        return self._key_rows[self._index.with_initials(key)].tolist()


@dataclass(frozen=True)
class ResolvedTerm:
    term: QueryTerm
    resolution: Resolution  # the term as a band name
    tag: Tag | None = None  # the genre it was read as instead, if it was
    guess: str | None = None  # one line when the reading was a guess between two

    @property
    def artist(self) -> Candidate | None:
        """The band the term names, unless it was read as a genre."""
        return self.resolution.artist if self.tag is None else None

    @property
    def understood(self) -> bool:
        return self.artist is not None or self.tag is not None


@dataclass(frozen=True)
class ResolvedQuery:
    parsed: ParsedQuery
    terms: tuple[ResolvedTerm, ...]

    @property
    def unresolved(self) -> tuple[ResolvedTerm, ...]:
        return tuple(t for t in self.terms if not t.understood)

    def guesses(self) -> list[str]:
        """One line per guess the reading made: names side by side, a word that is both
        a band and a genre, a cue word read as a band."""
        lines = []
        for split_from in dict.fromkeys(t.term.split_from for t in self.terms if t.term.split_from):
            names = [t.artist.name if t.artist else t.tag.name if t.tag else t.term.name
                     for t in self.terms if t.term.split_from == split_from]
            lines.append(f'read "{split_from}" as {" + ".join(names)}')
        return lines + [t.guess for t in self.terms if t.guess]

    def artist_weights(self) -> dict[int, float]:
        """Artist id -> summed weight of the confidently resolved terms, hates negative."""
        weights: dict[int, float] = {}
        for resolved in self.terms:
            artist = resolved.artist
            if artist is not None:
                sign = 1.0 if resolved.term.polarity is Polarity.LIKE else -1.0
                weights[artist.artist_id] = (
                    weights.get(artist.artist_id, 0.0) + sign * resolved.term.weight
                )
        return weights


def resolve_query(text: str, resolver: NameResolver, tags: TagIndex | None = None) -> ResolvedQuery:
    """Parse a query, reading phrases inside names by the catalog's bands and genres, and
    resolve each name to a band or a genre."""
    if tags is None or not len(tags):
        parsed = parse_query(text, resolver.name_score)
        return ResolvedQuery(
            parsed, tuple(_read(term, resolver.resolve(term.name), None) for term in parsed.terms)
        )
    parsed = parse_query(text, lambda name: max(resolver.name_score(name), tags.score(name)))
    return ResolvedQuery(parsed, tuple(
        _read(term, resolver.resolve(term.name), tags.find(term.name)) for term in parsed.terms
    ))


def _read(term: QueryTerm, band: Resolution, genre: TagMatch | None) -> ResolvedTerm:
    """The term as a band or as a genre: what the text says it is ("the band X", quotes;
    "the genre X") when there is one of that kind, else whichever is spelt closer; when
    both are spelt exactly, the genre, as the tag index keeps a tag named like a band only
    when the tag far outweighs the band. Saying so when both were possible, or when the
    text said one kind and only the other exists."""
    artist = band.artist
    if (
        artist is not None and phrase_key(term.name) in ROLE_WORDS
        and not term.quoted and term.hint is not Hint.BAND
    ):
        guess = f'read "{term.name}" as the band {artist.name}'
    else:
        guess = None
    if genre is None or genre.similarity < SURE_SCORE:
        if term.hint is Hint.GENRE and artist is not None:
            guess = f'no genre called "{term.name}": read it as the band {artist.name}'
        return ResolvedTerm(term, band, guess=guess)
    if artist is None:
        return ResolvedTerm(term, band, genre.tag, guess=(
            f'no band called "{term.name}": read it as the genre {genre.tag.name}'
            if term.hint is Hint.BAND and not term.quoted else None))
    if term.hint is Hint.BAND:
        return ResolvedTerm(term, band)
    if term.hint is not Hint.GENRE and artist.similarity / 100 > genre.similarity:
        return ResolvedTerm(term, band, guess=guess or (
            f'read "{term.name}" as the band {artist.name}; for the genre, say '
            f'"the genre {genre.tag.name}"'))
    return ResolvedTerm(term, band, genre.tag, guess=None if term.hint is Hint.GENRE else (
        f'read "{term.name}" as the genre {genre.tag.name}; for the band, say '
        f'"the band {artist.name}"'))
