"""Everything the state holds about one user: shown to them (`sage profile`), and
deleted when they ask (`sage forget me`).

Every table that holds a user id is read in user_data and cleared in forget_user: a
table that comes to hold one belongs in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.feedback import Vote
from bot.state.connection import BotState
from bot.state.schema import guild_of


@dataclass(frozen=True)
class StoredQuery:
    message_id: int  # Sage's answer
    guild_id: int | None
    channel_id: int
    asked_at: datetime
    result_ids: tuple[int, ...]
    like_ids: tuple[int, ...]  # the bands the query named as likes
    hate_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoredReaction:
    message_id: int
    emoji: str


@dataclass(frozen=True)
class StoredVote:
    artist_id: int
    vote: Vote
    guild_id: int | None
    message_id: int  # the result message it was given on
    voted_at: datetime


@dataclass(frozen=True)
class UserData:
    """Everything the state holds about one user."""

    user_id: int
    queries: tuple[StoredQuery, ...]  # oldest first
    reactions: tuple[StoredReaction, ...]
    votes: tuple[StoredVote, ...]  # most recent first

    def __bool__(self) -> bool:
        return bool(self.queries or self.reactions or self.votes)


def user_data(state: BotState, user_id: int) -> UserData:
    with state.transaction(write=False) as con:
        asked = con.execute(
            """SELECT message_id, guild_id, channel_id, created_at FROM results
               WHERE user_id = ? ORDER BY message_id""",
            (user_id,),
        ).fetchall()
        shown = con.execute(
            """SELECT message_id, artist_id FROM result_items JOIN results USING (message_id)
               WHERE user_id = ? ORDER BY message_id, position""",
            (user_id,),
        ).fetchall()
        named = con.execute(
            """SELECT message_id, artist_id, vote
               FROM query_seeds JOIN results USING (message_id)
               WHERE user_id = ? ORDER BY message_id, artist_id""",
            (user_id,),
        ).fetchall()
        reactions = con.execute(
            """SELECT message_id, emoji FROM reactions
               WHERE user_id = ? ORDER BY message_id, emoji""",
            (user_id,),
        ).fetchall()
        votes = con.execute(
            """SELECT artist_id, vote, guild_id, message_id, voted_at FROM votes
               WHERE user_id = ? ORDER BY vote_id DESC""",
            (user_id,),
        ).fetchall()
    results_of: dict[int, list[int]] = {}
    for message_id, artist_id in shown:
        results_of.setdefault(message_id, []).append(artist_id)
    named_of: dict[tuple[int, int], list[int]] = {}
    for message_id, artist_id, vote in named:
        named_of.setdefault((message_id, vote), []).append(artist_id)
    return UserData(
        user_id=user_id,
        queries=tuple(
            StoredQuery(
                message_id, guild_of(guild), channel_id, _datetime(created_at),
                tuple(results_of.get(message_id, ())),
                tuple(named_of.get((message_id, Vote.LIKE), ())),
                tuple(named_of.get((message_id, Vote.DISLIKE), ())),
            )
            for message_id, guild, channel_id, created_at in asked
        ),
        reactions=tuple(StoredReaction(*row) for row in reactions),
        votes=tuple(
            StoredVote(artist_id, Vote(vote), guild_of(guild), message_id, _datetime(at))
            for artist_id, vote, guild, message_id, at in votes
        ),
    )


def forget_user(state: BotState, user_id: int) -> int:
    """Delete everything about the user; returns the rows deleted or unlinked.

    Their result messages go too, except those other people rated: those keep the
    bands they show, so the others' votes stand, but no longer say who asked.
    """
    with state.transaction() as con:
        changes = con.total_changes
        for statement in (
            "DELETE FROM votes WHERE user_id = ?",
            "DELETE FROM reactions WHERE user_id = ?",
            """DELETE FROM query_seeds WHERE message_id IN (
                   SELECT message_id FROM results WHERE user_id = ?)""",
            """DELETE FROM result_items WHERE message_id IN (
                   SELECT message_id FROM results r WHERE user_id = ? AND NOT EXISTS (
                       SELECT 1 FROM reactions x WHERE x.message_id = r.message_id))""",
            """DELETE FROM results WHERE user_id = ? AND NOT EXISTS (
                   SELECT 1 FROM reactions x WHERE x.message_id = results.message_id)""",
            "UPDATE results SET user_id = NULL WHERE user_id = ?",
        ):
            con.execute(statement, (user_id,))
        return con.total_changes - changes


def _datetime(unix_seconds: float) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)
