"""Band names to offer while someone types one: the slash commands' autocomplete.

Discord asks for suggestions after every keystroke and gives up after 3 seconds, so a
completion must cost a few milliseconds, whatever the catalog's size. Names are kept
in one string, most listened-to first, each between newlines; a match is found by the
string search built into Python (C speed, no Python loop per name), and scanning in
popularity order lets each search stop as soon as it has enough matches. Matches rank
by quality (the whole name, then the name's start, then a word's start, then anywhere
inside) and, within a quality, by listeners. When nothing matches (a typo), the name
resolver's suggestions are offered instead.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np

from engine.query import CONNECTORS, POLARITY_WORDS
from engine.resolve import NameResolver
from store.catalog import ArtistCatalog
from store.names import normalize_name

# Discord shows at most 25 choices, each at most 100 characters long.
MAX_CHOICES = 25
MAX_CHOICE_CHARS = 100
# Shorter keys match too much inside names to be worth a search: only starts count.
_MIN_INSIDE_CHARS = 3

# Where a new name may start in a query: after a comma, a sign, a quote, or a keyword
# and a space ("Love" being typed may be the band).
_KEYWORDS = sorted((word for word in (*POLARITY_WORDS, *CONNECTORS) if word.isalpha()),
                   key=len, reverse=True)
_NAME_START = re.compile(
    r"(?:[,;\n\"“„«+\-–−][^\S\n]*|\b(?:" + "|".join(_KEYWORDS) + r"):?[^\S\n]+)", re.IGNORECASE
)
# How many of the last possible name starts are tried: "like Belle and Seb" should offer
# "Belle and Sebastian" although "and" may also start a name.
_STARTS_TRIED = 3


class NameCompleter:
    """Completes typed fragments to catalog names; build once per catalog."""

    def __init__(self, catalog: ArtistCatalog, resolver: NameResolver | None = None):
        order = np.argsort(-catalog.listeners, kind="stable")
        self._names = [catalog.names[row] for row in order.tolist()]
        keys = [catalog.norm_names[row] for row in order.tolist()]
        self._text = "\n" + "\n".join(keys) + "\n"
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        # Where each key starts in the text: after its newline.
        self._starts = np.cumsum(lengths + 1) - lengths
        # The keys in sorted order and the row of each, for start-of-name matches.
        self._by_key = np.asarray(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
        self._sorted_keys = [keys[row] for row in self._by_key.tolist()]
        self._resolver = resolver

    def complete(self, typed: str, limit: int = MAX_CHOICES, *, anywhere: bool = True) -> list[str]:
        """Up to `limit` catalog names for the typed fragment, best first; the most
        listened-to bands when nothing is typed yet. With `anywhere`, names that have the
        fragment inside count too, and a fragment no name contains gets the name
        resolver's suggestions (a typo: "radiohed"); without, only names starting with it."""
        key = normalize_name(typed) if typed.strip() else ""
        if not key:
            return self._distinct(range(min(limit, len(self._names))), limit)
        rows = self._starting_with(key, limit)
        if anywhere and len(rows) < limit and len(key) >= _MIN_INSIDE_CHARS:
            rows += self._containing(" " + key, limit - len(rows), exclude=rows)
            rows += self._containing(key, limit - len(rows), exclude=rows)
        names = self._distinct(rows, limit)
        if not names and anywhere and self._resolver is not None:
            names = [candidate.name for candidate in self._resolver.resolve(typed).candidates
                     if len(candidate.name) <= MAX_CHOICE_CHARS]
        return names[:limit]

    def _starting_with(self, key: str, limit: int) -> list[int]:
        """Rows whose key is `key`, then rows whose key starts with it, by listeners."""
        keys = self._sorted_keys
        first, exact_end = bisect_left(keys, key), bisect_right(keys, key)
        last = bisect_left(keys, key + "\U0010ffff", lo=exact_end)
        exact = np.sort(self._by_key[first:exact_end])
        longer = np.sort(self._by_key[exact_end:last])[:limit]
        return exact.tolist() + longer.tolist()

    def _containing(self, needle: str, limit: int, exclude: list[int]) -> list[int]:
        """Rows, most listened-to first, whose key contains `needle`."""
        found: list[int] = []
        skip = set(exclude)
        text, starts = self._text, self._starts
        at = text.find(needle) if limit > 0 else -1
        while at >= 0 and len(found) < limit:
            row = int(np.searchsorted(starts, at, side="right")) - 1
            if row not in skip:
                found.append(row)
                skip.add(row)
            # On to the next name: one match per name is enough.
            at = text.find(needle, text.find("\n", at + len(needle)))
        return found

    def _distinct(self, rows: Sequence[int], limit: int) -> list[str]:
        """Display names of the rows, each name once (two artists may share one)."""
        names: list[str] = []
        for row in rows:
            name = self._names[row]
            if name not in names and len(name) <= MAX_CHOICE_CHARS:
                names.append(name)
                if len(names) == limit:
                    break
        return names


def complete_query(completer: NameCompleter, text: str, limit: int = MAX_CHOICES) -> list[str]:
    """Whole queries that complete the name being typed at the end of `text`.

    "like Minor Threat, Have He" offers "like Minor Threat, Have Heart", ...; every
    choice fits Discord's 100 characters, so a long query gets no choices.
    """
    starts = sorted({0, *(match.end() for match in _NAME_START.finditer(text))})
    tried = starts[-_STARTS_TRIED:]
    if not text[tried[-1]:].strip():
        tried = tried[-1:]  # a name is about to start: offer the best-known bands
    for start in tried:
        head, fragment = text[:start], text[start:]
        # A longer fragment, one holding a keyword or a comma, is worth offering only as
        # the start of a name ("Belle and Seb"); anything else is for the last one.
        anywhere = start == tried[-1]
        names = [
            head + name for name in completer.complete(fragment, limit, anywhere=anywhere)
            if len(head) + len(name) <= MAX_CHOICE_CHARS
        ]
        if names:
            return names
    return []

