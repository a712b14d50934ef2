"""The reaction scheme: a user's reactions on a result message -> their votes from it."""

import pytest

from bot.feedback import (
    MAX_SOFT_HATES,
    MAX_SOFT_LIKES,
    NUMBER_EMOJIS,
    SOFT_LIKE_WEIGHT,
    WHOLE_ANSWER_DIVISOR,
    UserVotes,
    Vote,
    VoteChange,
    rates_whole_answer,
    scheme_emoji,
    soft_hates,
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


@pytest.mark.parametrize(
    ("reactions", "whole"),
    [(["👍"], True), (["👎🏽", "🔥"], True), (["👍", "3️⃣"], False), (["👎", "1\u20e3"], False)],
)
def test_a_thumb_without_numbers_rates_the_whole_answer(reactions, whole):
    assert rates_whole_answer(reactions) is whole


def test_votes_from_a_whole_answer_weigh_a_fifth_of_numbered_ones():
    votes = UserVotes(liked=(1, 2, 3), disliked=tuple(range(10, 10 + MAX_SOFT_HATES + 5)),
                      whole_answer=frozenset({2, 3, 10}))
    assert [(s.artist_id, s.weight) for s in soft_likes(votes)] == [
        (1, SOFT_LIKE_WEIGHT), (2, SOFT_LIKE_WEIGHT / WHOLE_ANSWER_DIVISOR),
        (3, SOFT_LIKE_WEIGHT / WHOLE_ANSWER_DIVISOR)]
    hates = soft_hates(votes)
    assert [s.artist_id for s in hates] == list(votes.disliked[:MAX_SOFT_HATES])
    assert hates[0].weight == 1 / WHOLE_ANSWER_DIVISOR and {s.weight for s in hates[1:]} == {1}


def test_an_empty_vote_change_is_false():
    assert not VoteChange() and VoteChange(withdrawn=(3,))
