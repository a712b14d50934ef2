"""The reaction scheme: how reactions on a result message become votes on its bands.

A user's current reactions on one result message say everything they think of it:

    👍 alone                -> like every result
    👎 alone                -> dislike every result
    👍 or 👎 and numbers    -> that vote for just the numbered results (1️⃣ ... 9️⃣, 🔟)
    👍 and 👎, or numbers alone -> no vote yet

so adding or removing any reaction recomputes the user's votes from that message, and
removing one withdraws what it said. Pure functions and plain data: no Discord here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import IntEnum

from engine.compose import Seed

MAX_RESULTS = 10  # a result message numbers at most this many bands
LIKE_EMOJI = "👍"
DISLIKE_EMOJI = "👎"
NUMBER_EMOJIS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")

# Liked bands join a user's later queries as soft likes: a few, each counting half as much
# as a band the query names, so they steer the answer without taking it over.
SOFT_LIKE_WEIGHT = 0.5
MAX_SOFT_LIKES = 5
# A thumb on a whole answer rates its ten bands with one gesture: it says the answer was
# good (or bad) more than it says so of any one band, which a number does. So each band's
# vote from it counts a fifth of a numbered one: the five soft likes one whole-answer 👍
# brings weigh together what one numbered like does. With only whole-answer likes the
# soft likes' share of the query (engine.answer.SOFT_LIKES_SHARE) binds either way
# (`python -m bench.feedback`: asked again, 10 queries keep 9.1 of their 10 bands at a
# fifth or at the full weight); beside them a numbered like gets 56% of that share rather
# than 20%, and the server's weekly taste counts a member's whole-answer vote a fifth too.
WHOLE_ANSWER_DIVISOR = 5
# The latest dislikes lower their neighbours in later answers (engine.dislikes): two
# whole answers' worth. Each costs a pass over the space; all of them stay excluded.
MAX_SOFT_HATES = 20

FOOTER = "Rate: 👍/👎 = all · add 1️⃣–🔟 = just those · remove a reaction to undo"
HELP = (
    "**Rating results.** React on one of my answers:\n"
    "• 👍 alone likes every band in it, 👎 alone dislikes every band.\n"
    "• 👍 or 👎 together with number reactions (1️⃣ … 🔟) rates just those bands.\n"
    "• 👍 and 👎 together, or numbers without a thumb, rate nothing yet.\n"
    "• Remove a reaction and what it said is withdrawn.\n"
    "A band you dislike is never recommended to you again, and the bands closest to it "
    "come a little lower; bands you like quietly join your later searches. A band you "
    "rate by its number counts more than one rated with its whole answer. Your server's "
    "weekly post learns from everyone's ratings."
)


class Vote(IntEnum):
    LIKE = 1
    DISLIKE = -1


def _bare(emoji: str) -> str:
    """The emoji without variation selectors or skin tones: 👍🏽 counts as 👍, 1⃣ as 1️⃣."""
    return "".join(c for c in emoji if c != "\ufe0f" and not "\U0001f3fb" <= c <= "\U0001f3ff")


_CANONICAL = {_bare(e): e for e in (LIKE_EMOJI, DISLIKE_EMOJI, *NUMBER_EMOJIS)}
_THUMBS = {LIKE_EMOJI: Vote.LIKE, DISLIKE_EMOJI: Vote.DISLIKE}
_NUMBERS = {emoji: n for n, emoji in enumerate(NUMBER_EMOJIS, start=1)}


def scheme_emoji(emoji: str) -> str | None:
    """The scheme's spelling of `emoji`, or None when the scheme does not use it."""
    return _CANONICAL.get(_bare(emoji))


def rates_whole_answer(emojis: Collection[str]) -> bool:
    """Whether a thumb among `emojis` rates the whole answer: no number narrows it."""
    return not any(scheme_emoji(e) in _NUMBERS for e in emojis)


def votes_from_reactions(emojis: Collection[str], result_count: int) -> dict[int, Vote]:
    """The votes one user's reactions on a message give: {result number (1-based): vote}.

    A number beyond the message's `result_count` results points at no band: it still
    makes the thumb mean "just the numbered ones", but rates nothing itself.
    """
    present = {canonical for e in emojis if (canonical := scheme_emoji(e)) is not None}
    thumbs = {_THUMBS[e] for e in present if e in _THUMBS}
    if len(thumbs) != 1:
        return {}
    [vote] = thumbs
    numbers = {_NUMBERS[e] for e in present if e in _NUMBERS}
    chosen = range(1, result_count + 1) if not numbers else sorted(
        n for n in numbers if n <= result_count
    )
    return dict.fromkeys(chosen, vote)


@dataclass(frozen=True)
class UserVotes:
    """A user's current votes, over every server and direct messages."""

    liked: tuple[int, ...] = ()  # artist ids, most recent first
    disliked: tuple[int, ...] = ()  # artist ids, most recent first
    whole_answer: frozenset[int] = frozenset()  # those voted on by a thumb on a whole answer

    def weight_of(self, artist_id: int) -> float:
        """How much the vote on the band counts: 1 when it was numbered, less when it
        came with its whole answer."""
        return 1 / WHOLE_ANSWER_DIVISOR if artist_id in self.whole_answer else 1.0


@dataclass(frozen=True)
class VoteChange:
    """Bands whose vote by one user changed with one reaction."""

    liked: tuple[int, ...] = ()  # now liked, were not
    disliked: tuple[int, ...] = ()  # now disliked, were not
    withdrawn: tuple[int, ...] = ()  # had a vote, have none now

    def __bool__(self) -> bool:
        return bool(self.liked or self.disliked or self.withdrawn)


def soft_likes(votes: UserVotes) -> list[Seed]:
    """The user's most recent likes as soft seeds for their next query."""
    return [Seed(artist_id, SOFT_LIKE_WEIGHT * votes.weight_of(artist_id))
            for artist_id in votes.liked[:MAX_SOFT_LIKES]]


def soft_hates(votes: UserVotes) -> list[Seed]:
    """The user's most recent dislikes, whose neighbours their next query lowers."""
    return [Seed(artist_id, votes.weight_of(artist_id))
            for artist_id in votes.disliked[:MAX_SOFT_HATES]]
