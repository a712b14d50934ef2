"""The reaction scheme: a user's reactions on a result message -> their votes from it."""

import pytest

from bot.feedback import (
    MAX_SOFT_LIKES,
    NUMBER_EMOJIS,
    SOFT_LIKE_WEIGHT,
    UserVotes,
    Vote,
    VoteChange,
    scheme_emoji,
    soft_likes,
    votes_from_reactions,
)

LIKE, DISLIKE = Vote.LIKE, Vote.DISLIKE


@pytest.mark.parametrize(
    ("reactions", "count", "votes"),
    [
        ([], 5, {}),
        (["👍"], 3, {1: LIKE, 2: LIKE, 3: LIKE}),
        (["👎"], 2, {1: DISLIKE, 2: DISLIKE}),
        (["👍", "3️⃣"], 5, {3: LIKE}),
        (["1️⃣", "👎", "🔟"], 10, {1: DISLIKE, 10: DISLIKE}),
        (["👍", "👎"], 5, {}),  # contradictory: nothing yet
        (["👍", "👎", "2️⃣"], 5, {}),
        (["2️⃣", "4️⃣"], 5, {}),  # numbers without a thumb
        (["👍", "7️⃣"], 5, {}),  # a number past the results still narrows the thumb
        (["👍", "2️⃣", "7️⃣"], 5, {2: LIKE}),
        (["👍🏽"], 1, {1: LIKE}),  # skin tones count as the plain thumb
        (["👍", "1\u20e3"], 3, {1: LIKE}),  # a keycap without the variation selector
        (["👍", "🔥", "❤️"], 2, {1: LIKE, 2: LIKE}),  # other emojis mean nothing
        (["👍"], 0, {}),
    ],
)
def test_reactions_give_votes(reactions, count, votes):
    assert votes_from_reactions(reactions, count) == votes


def test_every_scheme_emoji_is_recognised_and_nothing_else():
    for emoji in ["👍", "👎", *NUMBER_EMOJIS]:
        assert scheme_emoji(emoji) == emoji
    for other in ["🔥", "0️⃣", "👌", "", "1", "like"]:
        assert scheme_emoji(other) is None


def test_soft_likes_are_the_latest_likes_at_a_small_weight():
    votes = UserVotes(liked=tuple(range(100, 100 + MAX_SOFT_LIKES + 3)), disliked=(7,))
    seeds = soft_likes(votes)
    assert [s.artist_id for s in seeds] == list(votes.liked[:MAX_SOFT_LIKES])
    assert {s.weight for s in seeds} == {SOFT_LIKE_WEIGHT} and 0 < SOFT_LIKE_WEIGHT < 1
    assert soft_likes(UserVotes()) == []


def test_an_empty_vote_change_is_false():
    assert not VoteChange() and VoteChange(withdrawn=(3,))
