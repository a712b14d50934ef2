"""Vectorised indexes over normalised band names, for the fuzzy side of name resolution.

Scoring a typed name against every one of 218,000 names costs tens of milliseconds even in
rapidfuzz. A misspelt name still shares most of its character trigrams with the name it
means, so counting shared trigrams over posting lists narrows the field to a few hundred
names that the exact scorer then ranks. Initials ("rhcp", "qotsa") get an index of their
own. Both are built with numpy in a fraction of a second for 218,000 names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Longer names are indexed by their first 32 characters: plenty to tell them apart.
_INDEXED_CHARS = 32
# Trigrams are hashed into this many buckets; a rare collision only adds a candidate.
_BUCKET_BITS = 20
_SPACE = ord(" ")
# Initials are hashed as a polynomial in this odd base, modulo 2**64.
_INITIALS_BASE = np.uint64(0x100000001B3)
_MAX_INITIALS = 8


def _code_points(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each name's code points between a NUL before and NULs after, and its full length."""
    fixed = np.array(names, dtype=f"<U{_INDEXED_CHARS}")
    codes = np.zeros((len(names), _INDEXED_CHARS + 2), dtype=np.uint32)
    codes[:, 1:-1] = fixed.view(np.uint32).reshape(len(names), _INDEXED_CHARS)
    lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
    return codes, lengths


def _trigrams(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The trigram bucket of every window of every name, flat, with the row of each.

    A name of n >= 1 indexed characters has n windows ("_ab", "abc", ..., "yz_", where _
    is the NUL around it), so its first and last letters weigh as much as the middle ones.
    """
    windows = np.clip(lengths, 1, _INDEXED_CHARS)
    rows = np.repeat(np.arange(len(codes), dtype=np.int64), windows)
    offsets = np.arange(rows.size) - np.repeat(np.cumsum(windows) - windows, windows)
    starts = rows * codes.shape[1] + offsets
    flat = codes.ravel()
    mixed = (
        (flat[starts] * np.uint32(0x9E3779B1))
        ^ (flat[starts + 1] * np.uint32(0x85EBCA77))
        ^ (flat[starts + 2] * np.uint32(0xC2B2AE3D))
    )
    buckets = (mixed ^ (mixed >> np.uint32(15))) & np.uint32((1 << _BUCKET_BITS) - 1)
    return buckets, rows


def _polynomial_keys(chars: np.ndarray, group_sizes: np.ndarray) -> np.ndarray:
    """One 64-bit key per group of consecutive characters (sum of char * base**position)."""
    positions = np.arange(chars.size) - np.repeat(np.cumsum(group_sizes) - group_sizes, group_sizes)
    powers = np.cumprod(np.full(_MAX_INITIALS, _INITIALS_BASE, dtype=np.uint64))
    powers = np.concatenate(([np.uint64(1)], powers[:-1]))
    terms = chars.astype(np.uint64) * powers[positions]
    return np.add.reduceat(terms, np.cumsum(group_sizes) - group_sizes)


class NameIndex:
    """Trigram posting lists and initials over one list of names, addressed by row."""

    def __init__(self, names: Sequence[str]):
        self.size = len(names)
        codes, lengths = _code_points(names)
        buckets, rows = _trigrams(codes, lengths)
        self._trigram_counts = np.bincount(rows, minlength=self.size)
        # One sort of (bucket, row) pairs packed in 64 bits groups the rows by bucket.
        packed = np.sort((buckets.astype(np.uint64) << np.uint64(32)) | rows.astype(np.uint64))
        self._postings = (packed & np.uint64(0xFFFFFFFF)).astype(np.int32)
        counts = np.bincount(buckets, minlength=1 << _BUCKET_BITS)
        self._offsets = np.concatenate(([0], np.cumsum(counts)))
        self._initials_keys, self._initials_rows = _initials(codes, lengths)

    def similar(self, name: str, limit: int) -> np.ndarray:
        """Rows of up to `limit` names sharing the largest share of trigrams with `name`."""
        if not name or self.size == 0:
            return np.zeros(0, dtype=np.int64)
        wanted = np.unique(_trigrams(*_code_points([name]))[0])
        hits = np.concatenate(
            [self._postings[self._offsets[b] : self._offsets[b + 1]] for b in wanted]
        )
        shared = np.bincount(hits, minlength=self.size)
        rows = np.flatnonzero(shared)
        # Dice overlap, so a short name inside a long one does not outrank a close spelling.
        overlap = shared[rows] / (len(wanted) + self._trigram_counts[rows])
        if rows.size > limit:
            keep = np.argpartition(-overlap, limit - 1)[:limit]
            rows, overlap = rows[keep], overlap[keep]
        return rows[np.argsort(-overlap, kind="stable")]

    def with_initials(self, initials: str) -> np.ndarray:
        """Rows of the names of 3 to 8 words whose initials spell `initials` ("rhcp")."""
        if not 3 <= len(initials) <= _MAX_INITIALS:
            return np.zeros(0, dtype=np.int64)
        chars = np.fromiter(map(ord, initials), dtype=np.uint64, count=len(initials))
        key = _polynomial_keys(chars, np.array([len(initials)]))[0]
        first = np.searchsorted(self._initials_keys, key, side="left")
        last = np.searchsorted(self._initials_keys, key, side="right")
        return np.sort(self._initials_rows[first:last])


def _initials(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted initials keys of the names of 3 to 8 words, and the row of each key."""
    body = codes[:, 1:-1]
    gaps = (codes == _SPACE) | (codes == 0)
    word_starts = ~gaps[:, 1:-1] & gaps[:, :-2]
    words = word_starts.sum(axis=1)
    wanted = (words >= 3) & (words <= _MAX_INITIALS) & (lengths <= _INDEXED_CHARS)
    named_rows = np.flatnonzero(wanted)
    rows, columns = np.nonzero(word_starts[named_rows])
    keys = _polynomial_keys(body[named_rows[rows], columns], words[named_rows])
    order = np.argsort(keys, kind="stable")
    return keys[order], named_rows[order]
