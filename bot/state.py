"""The bot's own state: result messages, rating reactions and votes, weekly settings and
the history of weekly posts, in one SQLite file.

Not the DuckDB store: retraining holds the store's only write lock for minutes, and
feedback is many tiny writes that must each be durable. So: stdlib sqlite3, write-ahead
log, `synchronous=FULL` (a write is on disk when the call returns, and survives a
crash), one connection shared by threads behind a lock, one transaction per call, and
`?` parameters only. Calls are synchronous and quick; async callers use
`asyncio.to_thread`.

What is kept: Discord ids (user, server, channel, message), the artist ids a query named
and got back, the rating reactions and the votes they give, and times. Never the text
of a query, never a name. `user_data` shows a user all of it; `forget_user` deletes it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.feedback import (
    MAX_RESULTS,
    UserVotes,
    Vote,
    VoteChange,
    scheme_emoji,
    votes_from_reactions,
)
from bot.state_schema import LATEST_VERSION, MIGRATIONS, NO_GUILD
from store.errors import UserError

log = logging.getLogger(__name__)

STATE_FILE_NAME = "sage-bot.sqlite3"


class StateError(UserError):
    """The state file cannot be opened, or comes from a newer Sage."""


class ScheduleError(UserError):
    """Weekly post settings that cannot be used: an unknown time zone, a bad day."""


def default_state_path(store_path: Path) -> Path:
    """`$SAGE_BOT_STATE` if set, else the state file beside the store."""
    if env := os.environ.get("SAGE_BOT_STATE"):
        return Path(env)
    return store_path.parent / STATE_FILE_NAME


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}: use a region name like Europe/Berlin, "
            "America/New_York or UTC"
        ) from None


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
    if they never voted on it, how their latest query there named it. A band's net
    support is members for minus members against; the side that wins gets the band with
    weight log(1 + margin), so a band many agree on counts more without drowning the
    rest. A band more members dislike than like is in `hates`: the server disliked it by
    majority. Ties count on neither side.
    """

    likes: Mapping[int, float]  # artist id -> weight
    hates: Mapping[int, float]


@dataclass(frozen=True)
class WeeklySettings:
    guild_id: int
    channel_id: int
    weekday: int  # 0 is Monday
    at: clock_time  # local time of day in `timezone`
    timezone: str  # IANA name

    def __post_init__(self) -> None:
        if not (isinstance(self.weekday, int) and 0 <= self.weekday <= 6):
            raise ScheduleError(f"the day must be 0 (Monday) to 6 (Sunday), not {self.weekday!r}")
        zone_named(self.timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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


@dataclass(frozen=True)
class WeekRecord:
    """A server's weekly post of one week: claimed (being sent, or sent but not yet known
    to be) or posted."""

    guild_id: int
    week: str
    status: str  # "claimed" or "posted"
    channel_id: int | None  # None only for claims of an older Sage
    post: str | None  # the post as composed (JSON, bot.weekly), None likewise
    claimed_at: float  # unix seconds: when it was claimed, or last sent again
    message_id: int | None  # once posted


class BotState:
    """One open state file. `with BotState.open(path) as state: ...`; threads may share it."""

    def __init__(self, con: sqlite3.Connection, path: Path):
        self._con = con
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path) -> BotState:
        """Open the state file, creating and migrating it as needed."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun and ended here, explicitly.
            con = sqlite3.connect(path, timeout=5.0, isolation_level=None,
                                  check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the bot state {path}: {exc}") from exc
        try:
            if con.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise StateError(f"the bot state {path} cannot use a write-ahead log")
            con.execute("PRAGMA synchronous = FULL")
            con.execute("PRAGMA foreign_keys = ON")
            _migrate(con, path)
        except sqlite3.DatabaseError as exc:
            con.close()
            raise StateError(f"cannot use the bot state {path}: {exc}") from exc
        except BaseException:
            con.close()
            raise
        return cls(con, path)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> BotState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """All or nothing; a read-only one sees one snapshot."""
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    # Result messages and feedback

    def record_results(
        self,
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
        with self._transaction() as con:
            con.execute(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?)",
                (message_id, _guild_key(guild_id), channel_id, user_id, time.time()),
            )
            con.executemany(
                "INSERT INTO result_items VALUES (?, ?, ?)",
                [(message_id, n, artist_id) for n, artist_id in enumerate(artist_ids, start=1)],
            )
            con.executemany(
                "INSERT INTO query_seeds VALUES (?, ?, ?)",
                [(message_id, artist_id, int(vote)) for artist_id, vote in named.items()],
            )

    def results(self, message_id: int) -> PostedResults | None:
        with self._transaction(write=False) as con:
            return _results(con, message_id)

    def set_reaction(self, message_id: int, user_id: int, emoji: str, present: bool) -> VoteChange:
        """Add (`present`) or remove one rating reaction and recompute the user's votes
        from that message. Messages that are not result messages, and emojis outside the
        scheme, change nothing."""
        emoji = scheme_emoji(emoji)
        if emoji is None:
            return VoteChange()
        with self._transaction() as con:
            posted = _results(con, message_id)
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
            wanted = {
                posted.artist_ids[n - 1]: int(vote)
                for n, vote in votes_from_reactions(emojis, len(posted.artist_ids)).items()
            }
            guild = _guild_key(posted.guild_id)
            before = _current_votes_on(con, message_id, user_id, guild)
            given = dict(con.execute(
                "SELECT artist_id, vote FROM votes WHERE message_id = ? AND user_id = ?",
                (message_id, user_id),
            ).fetchall())
            con.executemany(
                "DELETE FROM votes WHERE message_id = ? AND user_id = ? AND artist_id = ?",
                [(message_id, user_id, a) for a, vote in given.items() if wanted.get(a) != vote],
            )
            now = time.time()
            con.executemany(
                """INSERT INTO votes (message_id, guild_id, user_id, artist_id, vote, voted_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(message_id, guild, user_id, a, vote, now)
                 for a, vote in wanted.items() if given.get(a) != vote],
            )
            after = _current_votes_on(con, message_id, user_id, guild)
        changed = [a for a in posted.artist_ids if before.get(a) != after.get(a)]
        return VoteChange(
            liked=tuple(a for a in changed if after.get(a) == Vote.LIKE),
            disliked=tuple(a for a in changed if after.get(a) == Vote.DISLIKE),
            withdrawn=tuple(a for a in changed if a not in after),
        )

    def feedback(self, user_id: int) -> UserVotes:
        """The user's current votes over every server: on each band, the latest one."""
        with self._transaction(write=False) as con:
            rows = con.execute(
                """SELECT artist_id, vote FROM (
                       SELECT artist_id, vote, vote_id, row_number() OVER (
                           PARTITION BY artist_id ORDER BY vote_id DESC) AS nth
                       FROM votes WHERE user_id = ?)
                   WHERE nth = 1 ORDER BY vote_id DESC""",
                (user_id,),
            ).fetchall()
        return UserVotes(
            liked=tuple(a for a, vote in rows if vote == Vote.LIKE),
            disliked=tuple(a for a, vote in rows if vote == Vote.DISLIKE),
        )

    def guild_taste(self, guild_id: int) -> GuildTaste:
        """The server's aggregated taste (see GuildTaste for how members are counted)."""
        with self._transaction(write=False) as con:
            net_support = con.execute(
                """WITH voted AS (
                       SELECT user_id, artist_id, vote FROM (
                           SELECT user_id, artist_id, vote, row_number() OVER (
                               PARTITION BY user_id, artist_id ORDER BY vote_id DESC) AS nth
                           FROM votes WHERE guild_id = ?)
                       WHERE nth = 1),
                   named AS (
                       SELECT user_id, artist_id, vote FROM (
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
                (guild_id, guild_id),
            ).fetchall()
        return GuildTaste(
            likes={a: math.log1p(net) for a, net in net_support if net > 0},
            hates={a: math.log1p(-net) for a, net in net_support if net < 0},
        )

    # Weekly posts

    def set_weekly(
        self, guild_id: int, channel_id: int, weekday: int, at: clock_time, timezone: str
    ) -> None:
        """Where and when the server's weekly post goes; raises ScheduleError when unusable."""
        settings = WeeklySettings(guild_id, channel_id, weekday, at, timezone)
        with self._transaction() as con:
            con.execute(
                """INSERT INTO weekly_settings VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,
                       weekday = excluded.weekday, minute = excluded.minute,
                       timezone = excluded.timezone, updated_at = excluded.updated_at""",
                (guild_id, channel_id, settings.weekday, at.hour * 60 + at.minute,
                 settings.timezone, time.time()),
            )

    def weekly_settings(self, guild_id: int) -> WeeklySettings | None:
        with self._transaction(write=False) as con:
            row = con.execute(
                """SELECT guild_id, channel_id, weekday, minute, timezone
                   FROM weekly_settings WHERE guild_id = ?""",
                (guild_id,),
            ).fetchone()
        return _weekly_settings(row) if row is not None else None

    def all_weekly_settings(self) -> list[WeeklySettings]:
        with self._transaction(write=False) as con:
            rows = con.execute(
                """SELECT guild_id, channel_id, weekday, minute, timezone
                   FROM weekly_settings ORDER BY guild_id"""
            ).fetchall()
        return [_weekly_settings(row) for row in rows]

    def posted_artists(self, guild_id: int) -> set[int]:
        """Every band a weekly post has shown in the server."""
        with self._transaction(write=False) as con:
            rows = con.execute(
                "SELECT artist_id FROM weekly_post_items WHERE guild_id = ?", (guild_id,)
            ).fetchall()
        return {row[0] for row in rows}

    def week_record(self, guild_id: int, week: str) -> WeekRecord | None:
        """The server's post of `week`, claimed or posted; None when neither."""
        with self._transaction(write=False) as con:
            row = con.execute(
                """SELECT status, channel_id, post, claimed_at, message_id FROM weekly_posts
                   WHERE guild_id = ? AND week = ?""",
                (guild_id, week),
            ).fetchone()
        return None if row is None else WeekRecord(guild_id, week, *row)

    def claim_week(self, guild_id: int, week: str, channel_id: int, post: str) -> bool:
        """Claim the server's post for `week`, as composed (`post`, JSON) and where it goes,
        before sending it; False when it is claimed or posted already. A claim stays until
        the post is known to be sent (complete_week) or known not to be (release_week):
        after a crash, bot.weekly looks in the channel for it."""
        with self._transaction() as con:
            cursor = con.execute(
                """INSERT OR IGNORE INTO weekly_posts
                   (guild_id, week, status, claimed_at, channel_id, post)
                   VALUES (?, ?, 'claimed', ?, ?, ?)""",
                (guild_id, week, time.time(), channel_id, post),
            )
            return cursor.rowcount == 1

    def complete_week(
        self, guild_id: int, week: str, message_id: int, artist_ids: Sequence[int]
    ) -> None:
        """Record the claimed week's post as sent, with the bands it showed."""
        with self._transaction() as con:
            cursor = con.execute(
                """UPDATE weekly_posts SET status = 'posted', message_id = ?, posted_at = ?
                   WHERE guild_id = ? AND week = ? AND status = 'claimed'""",
                (message_id, time.time(), guild_id, week),
            )
            if cursor.rowcount != 1:
                raise ValueError(f"week {week} of server {guild_id} was not claimed")
            con.executemany(
                "INSERT INTO weekly_post_items (guild_id, artist_id, week) VALUES (?, ?, ?)",
                [(guild_id, artist_id, week) for artist_id in artist_ids],
            )

    def claimed_weeks(self) -> list[WeekRecord]:
        """Every claim not yet known to be posted, of any week and server."""
        with self._transaction(write=False) as con:
            rows = con.execute(
                """SELECT guild_id, week, status, channel_id, post, claimed_at, message_id
                   FROM weekly_posts WHERE status = 'claimed' ORDER BY guild_id, week"""
            ).fetchall()
        return [WeekRecord(*row) for row in rows]

    def attempt_week(self, guild_id: int, week: str) -> None:
        """Note that the claimed week's post is being sent (again) now: a later look for it
        in the channel starts here (bot.weekly)."""
        with self._transaction() as con:
            con.execute(
                """UPDATE weekly_posts SET claimed_at = ?
                   WHERE guild_id = ? AND week = ? AND status = 'claimed'""",
                (time.time(), guild_id, week),
            )

    def release_week(self, guild_id: int, week: str) -> None:
        """Give up a claim whose post was certainly not sent, so a later try may send it."""
        with self._transaction() as con:
            con.execute(
                "DELETE FROM weekly_posts WHERE guild_id = ? AND week = ? AND status = 'claimed'",
                (guild_id, week),
            )

    # Privacy

    def user_data(self, user_id: int) -> UserData:
        with self._transaction(write=False) as con:
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
                    message_id, _guild_of(guild), channel_id, _datetime(created_at),
                    tuple(results_of.get(message_id, ())),
                    tuple(named_of.get((message_id, Vote.LIKE), ())),
                    tuple(named_of.get((message_id, Vote.DISLIKE), ())),
                )
                for message_id, guild, channel_id, created_at in asked
            ),
            reactions=tuple(StoredReaction(*row) for row in reactions),
            votes=tuple(
                StoredVote(artist_id, Vote(vote), _guild_of(guild), message_id, _datetime(at))
                for artist_id, vote, guild, message_id, at in votes
            ),
        )

    def forget_user(self, user_id: int) -> int:
        """Delete everything about the user; returns the rows deleted or unlinked.

        Their result messages go too, except those other people rated: those keep the
        bands they show, so the others' votes stand, but no longer say who asked.
        """
        with self._transaction() as con:
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


def _migrate(con: sqlite3.Connection, path: Path) -> None:
    for version, description, statements in MIGRATIONS:
        con.execute("BEGIN IMMEDIATE")  # re-read inside: another process may have migrated
        try:
            current = con.execute("PRAGMA user_version").fetchone()[0]
            if current > LATEST_VERSION:
                raise StateError(
                    f"the bot state {path} has schema version {current}, newer than this Sage "
                    f"understands ({LATEST_VERSION}): upgrade Sage"
                )
            if version > current:
                log.info("migrating bot state %s to version %d: %s", path, version, description)
                for statement in statements:
                    con.execute(statement)
                # PRAGMA takes no parameters; the version is our own integer.
                con.execute(f"PRAGMA user_version = {int(version)}")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def _results(con: sqlite3.Connection, message_id: int) -> PostedResults | None:
    row = con.execute(
        "SELECT guild_id, channel_id, user_id FROM results WHERE message_id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    artist_ids = tuple(r[0] for r in con.execute(
        "SELECT artist_id FROM result_items WHERE message_id = ? ORDER BY position", (message_id,)
    ))
    guild, channel_id, user_id = row
    return PostedResults(message_id, _guild_of(guild), channel_id, user_id, artist_ids)


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


def _weekly_settings(row: tuple) -> WeeklySettings:
    guild_id, channel_id, weekday, minute, timezone = row
    return WeeklySettings(guild_id, channel_id, weekday, clock_time(*divmod(minute, 60)), timezone)


def _guild_key(guild_id: int | None) -> int:
    return NO_GUILD if guild_id is None else guild_id


def _guild_of(key: int) -> int | None:
    return None if key == NO_GUILD else key


def _datetime(unix_seconds: float) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)
