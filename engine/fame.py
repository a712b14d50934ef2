"""How well known the answer should be, when the query says so.

    "like Converge, play it safe"          -> novelty -1: the well-known end
    "like Minor Threat, deep cuts only"    -> novelty +1: the long tail

Answers lean to discovery by default (engine.novelty); these phrases move the novelty
knob for one query, so a fan in a chat reaches both ends without a flag. They are taken
out of the text before it is read for names (engine.query), so "play it safe" never
reads as a band. Only phrases of two words or more count: a single word such as
"underground" or "popular" is too often part of a band's name (The Velvet Underground,
Popular Mechanics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SAFE = -1.0
DEEP = 1.0

_SAFE_PHRASES = r"""
    play(?:ing)?\ it\ safe | safe\ (?:picks|bets|choices) | nothing\ too\ (?:obscure|weird)
    | well[-\ ]known\ (?:bands|ones|stuff|names|artists) | (?:the\ )?big\ names
    | (?:more\ )?popular\ (?:bands|ones|stuff|artists) | mainstream\ (?:bands|ones|stuff)
"""
_DEEP_PHRASES = r"""
    deep\ cuts | hidden\ gems | (?:lesser|little)[-\ ]known(?:\ (?:bands|ones|stuff))?
    | obscure\ (?:bands|ones|stuff|artists) | underground\ (?:bands|ones|stuff|artists)
    | nothing\ (?:too\ )?mainstream | no\ mainstream(?:\ (?:bands|stuff))?
    | (?:something|anything)\ (?:obscure|underground)
"""
_PHRASE = re.compile(
    rf"(?<![\w'])(?:(?P<safe>{_SAFE_PHRASES})|(?P<deep>{_DEEP_PHRASES}))(?:\ only)?(?![\w'])"
    # with the punctuation after it ("play it safe: ..."), which would stand alone
    r"(?:\s*[:;,.!?]+)?",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class FameRequest:
    """The novelty a query asked for in words."""

    novelty: float

    def describe(self) -> str:
        """One line for the answer's notes: what was understood."""
        if self.novelty < 0:
            return "Playing it safe: well-known bands first."
        return "Digging deep: long-tail bands first."


def fame_request(text: str) -> tuple[FameRequest | None, str]:
    """The novelty `text` asks for (the last such phrase wins), and the text without those
    phrases; None and the text itself when it asks for none."""
    asked: FameRequest | None = None
    for match in _PHRASE.finditer(text):
        asked = FameRequest(SAFE if match.group("safe") else DEEP)
    if asked is None:
        return None, text
    # A comma where the phrase stood keeps the names on each side apart.
    return asked, _PHRASE.sub(",", text)
