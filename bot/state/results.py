"""Result messages and the votes their rating reactions give (the scheme is bot.feedback's):
what a user's and a server's taste are read from."""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.feedback import (
    MAX_RESULTS,
    WHOLE_ANSWER_DIVISOR,
    UserVotes,
    Vote,
    VoteChange,
    rates_whole_answer,
    scheme_emoji,
    votes_from_reactions,
)
from bot.state.connection import BotState
from bot.state.schema import guild_key, guild_of


@dataclass(frozen=True)
class PostedResults:
    message_id: int
    guild_id: int | None  # None in direct messages
    channel_id: int
    user_id: int | None  # who asked; None once they asked to be forgotten
    artist_ids: tuple[int, ...]  # result number n is artist_ids[n - 1]


@dataclass(frozen=True)
class GuildTaste:
    """What a server's members like and dislike, as seed weights.

    Each member has one stance on a band: their current vote on it in this server, or,
    if they never voted on it, how their latest query there named it. A stance counts 1,
    or 1/WHOLE_ANSWER_DIVISOR when it is a thumb on a whole answer, as in a member's own
    later answers (bot.feedback). A band's net support is the stances for minus those
    against; the side that wins gets the band with weight log(1 + margin), so a band many
    agree on counts more without drowning the rest. A band the stances against outweigh
    is in `hates`: the server disliked it. Ties count on neither side.
    """

    likes: Mapping[int, float]  # artist id -> weight
    hates: Mapping[int, float]


def record_results(
    state: BotState,
    message_id: int,
    *,
    guild_id: int | None,
    channel_id: int,
    user_id: int,
    artist_ids: Sequence[int],
    like_ids: Sequence[int],
    hate_ids: Sequence[int],
) -> None:
    """Remember a result message: the bands it numbers and those its query named."""
    if len(artist_ids) > MAX_RESULTS:
        raise ValueError(f"a result message numbers at most {MAX_RESULTS} bands")
    # A band named both ways counts as a hate, as the safer reading.
    named = {**dict.fromkeys(like_ids, Vote.LIKE), **dict.fromkeys(hate_ids, Vote.DISLIKE)}
    with state.transaction() as con:
        con.execute(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?)",
            (message_id, guild_key(guild_id), channel_id, user_id, time.time()),
        )
        con.executemany(
            "INSERT INTO result_items VALUES (?, ?, ?)",
            [(message_id, n, artist_id) for n, artist_id in enumerate(artist_ids, start=1)],
        )
        con.executemany(
            "INSERT INTO query_seeds VALUES (?, ?, ?)",
            [(message_id, artist_id, int(vote)) for artist_id, vote in named.items()],
        )


def posted_results(state: BotState, message_id: int) -> PostedResults | None:
    with state.transaction(write=False) as con:
        return _read_results(con, message_id)


def set_reaction(
    state: BotState, message_id: int, user_id: int, emoji: str, present: bool
) -> VoteChange:
    """Add (`present`) or remove one rating reaction and recompute the user's votes
    from that message. Messages that are not result messages, and emojis outside the
    scheme, change nothing."""
    emoji = scheme_emoji(emoji)
    if emoji is None:
        return VoteChange()
    with state.transaction() as con:
        posted = _read_results(con, message_id)
        if posted is None:
            return VoteChange()
        key = (message_id, user_id, emoji)
        if present:
            con.execute("INSERT OR IGNORE INTO reactions VALUES (?, ?, ?)", key)
        else:
            con.execute(
                "DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?", key
            )
        emojis = [row[0] for row in con.execute(
            "SELECT emoji FROM reactions WHERE message_id = ? AND user_id = ?",
            (message_id, user_id),
        )]
        # Each band's vote and whether a thumb on the whole answer gave it: a number added
        # to a whole-answer 👍 makes a new, weightier vote on that band.
        whole = int(rates_whole_answer(emojis))
        wanted = {
            posted.artist_ids[n - 1]: (int(vote), whole)
            for n, vote in votes_from_reactions(emojis, len(posted.artist_ids)).items()
        }
        guild = guild_key(posted.guild_id)
        before = _current_votes_on(con, message_id, user_id, guild)
        given = {a: (vote, was_whole) for a, vote, was_whole in con.execute(
            "SELECT artist_id, vote, whole_answer FROM votes WHERE message_id = ? AND user_id = ?",
            (message_id, user_id),
        )}
        con.executemany(
            "DELETE FROM votes WHERE message_id = ? AND user_id = ? AND artist_id = ?",
            [(message_id, user_id, a) for a, cast in given.items() if wanted.get(a) != cast],
        )
        now = time.time()
        con.executemany(
            """INSERT INTO votes
                   (message_id, guild_id, user_id, artist_id, vote, voted_at, whole_answer)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(message_id, guild, user_id, a, vote, now, is_whole)
             for a, (vote, is_whole) in wanted.items() if given.get(a) != (vote, is_whole)],
        )
        after = _current_votes_on(con, message_id, user_id, guild)
    changed = [a for a in posted.artist_ids if before.get(a) != after.get(a)]
    return VoteChange(
        liked=tuple(a for a in changed if after.get(a) == Vote.LIKE),
        disliked=tuple(a for a in changed if after.get(a) == Vote.DISLIKE),
        withdrawn=tuple(a for a in changed if a not in after),
    )


def user_votes(state: BotState, user_id: int) -> UserVotes:
    """The user's current votes over every server: on each band, the latest one."""
    with state.transaction(write=False) as con:
        rows = con.execute(
            """SELECT artist_id, vote, whole_answer FROM (
                   SELECT artist_id, vote, whole_answer, vote_id, row_number() OVER (
                       PARTITION BY artist_id ORDER BY vote_id DESC) AS nth
                   FROM votes WHERE user_id = ?)
               WHERE nth = 1 ORDER BY vote_id DESC""",
            (user_id,),
        ).fetchall()
    return UserVotes(
        liked=tuple(a for a, vote, _ in rows if vote == Vote.LIKE),
        disliked=tuple(a for a, vote, _ in rows if vote == Vote.DISLIKE),
        whole_answer=frozenset(a for a, _, whole in rows if whole),
    )


def guild_taste(state: BotState, guild_id: int) -> GuildTaste:
    """The server's aggregated taste (see GuildTaste for how members are counted)."""
    # Stances are counted in whole-answer thumbs, integers, so that ties are exact.
    with state.transaction(write=False) as con:
        net_support = con.execute(
            """WITH voted AS (
                   SELECT user_id, artist_id,
                          vote * CASE WHEN whole_answer = 1 THEN 1 ELSE ? END AS vote FROM (
                       SELECT user_id, artist_id, vote, whole_answer, row_number() OVER (
                           PARTITION BY user_id, artist_id ORDER BY vote_id DESC) AS nth
                       FROM votes WHERE guild_id = ?)
                   WHERE nth = 1),
               named AS (
                   SELECT user_id, artist_id, vote * ? AS vote FROM (
                       SELECT r.user_id, q.artist_id, q.vote, row_number() OVER (
                           PARTITION BY r.user_id, q.artist_id
                           ORDER BY r.message_id DESC) AS nth
                       FROM query_seeds q JOIN results r USING (message_id)
                       WHERE r.guild_id = ? AND r.user_id IS NOT NULL)
                   WHERE nth = 1),
               stance AS (
                   SELECT user_id, artist_id, vote FROM voted
                   UNION ALL
                   SELECT user_id, artist_id, vote FROM named n WHERE NOT EXISTS (
                       SELECT 1 FROM voted v
                       WHERE v.user_id = n.user_id AND v.artist_id = n.artist_id))
               SELECT artist_id, sum(vote) AS net FROM stance
               GROUP BY artist_id HAVING net != 0 ORDER BY artist_id""",
            (WHOLE_ANSWER_DIVISOR, guild_id, WHOLE_ANSWER_DIVISOR, guild_id),
        ).fetchall()
    return GuildTaste(
        likes={a: math.log1p(net / WHOLE_ANSWER_DIVISOR) for a, net in net_support if net > 0},
        hates={a: math.log1p(-net / WHOLE_ANSWER_DIVISOR) for a, net in net_support if net < 0},
    )


def _read_results(con: sqlite3.Connection, message_id: int) -> PostedResults | None:
    row = con.execute(
        "SELECT guild_id, channel_id, user_id FROM results WHERE message_id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    artist_ids = tuple(r[0] for r in con.execute(
        "SELECT artist_id FROM result_items WHERE message_id = ? ORDER BY position", (message_id,)
    ))
    guild, channel_id, user_id = row
    return PostedResults(message_id, guild_of(guild), channel_id, user_id, artist_ids)


def _current_votes_on(
    con: sqlite3.Connection, message_id: int, user_id: int, guild: int
) -> dict[int, int]:
    """The user's current vote in the server on each band of the message: their latest."""
    rows = con.execute(
        """SELECT artist_id, vote FROM votes
           WHERE user_id = ? AND guild_id = ? AND artist_id IN (
               SELECT artist_id FROM result_items WHERE message_id = ?)
           ORDER BY vote_id""",
        (user_id, guild, message_id),
    ).fetchall()
    return dict(rows)  # later rows overwrite earlier ones
