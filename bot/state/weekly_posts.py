"""Each server's weekly post: where and when it goes, and the posts claimed and sent, with
their bands (bot.weekly sends them exactly once through these)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time as clock_time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.state.connection import BotState
from store.errors import UserError


class ScheduleError(UserError):
    """Weekly post settings that cannot be used: an unknown time zone, a bad day."""


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r}: use a region name like Europe/Berlin, "
            "America/New_York or UTC"
        ) from None


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


def set_weekly(
    state: BotState, guild_id: int, channel_id: int, weekday: int, at: clock_time, timezone: str
) -> None:
    """Where and when the server's weekly post goes; raises ScheduleError when unusable."""
    settings = WeeklySettings(guild_id, channel_id, weekday, at, timezone)
    with state.transaction() as con:
        con.execute(
            """INSERT INTO weekly_settings VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,
                   weekday = excluded.weekday, minute = excluded.minute,
                   timezone = excluded.timezone, updated_at = excluded.updated_at""",
            (guild_id, channel_id, settings.weekday, at.hour * 60 + at.minute,
             settings.timezone, time.time()),
        )


def weekly_settings(state: BotState, guild_id: int) -> WeeklySettings | None:
    with state.transaction(write=False) as con:
        row = con.execute(
            """SELECT guild_id, channel_id, weekday, minute, timezone
               FROM weekly_settings WHERE guild_id = ?""",
            (guild_id,),
        ).fetchone()
    return _settings_of(row) if row is not None else None


def all_weekly_settings(state: BotState) -> list[WeeklySettings]:
    with state.transaction(write=False) as con:
        rows = con.execute(
            """SELECT guild_id, channel_id, weekday, minute, timezone
               FROM weekly_settings ORDER BY guild_id"""
        ).fetchall()
    return [_settings_of(row) for row in rows]


def posted_artists(state: BotState, guild_id: int) -> set[int]:
    """Every band a weekly post has shown in the server."""
    with state.transaction(write=False) as con:
        rows = con.execute(
            "SELECT artist_id FROM weekly_post_items WHERE guild_id = ?", (guild_id,)
        ).fetchall()
    return {row[0] for row in rows}


def posted_tracks(state: BotState, guild_id: int) -> set[int]:
    """Every track a weekly playlist has played in the server."""
    with state.transaction(write=False) as con:
        rows = con.execute(
            """SELECT track_id FROM weekly_post_items
               WHERE guild_id = ? AND track_id IS NOT NULL""",
            (guild_id,),
        ).fetchall()
    return {row[0] for row in rows}


def week_record(state: BotState, guild_id: int, week: str) -> WeekRecord | None:
    """The server's post of `week`, claimed or posted; None when neither."""
    with state.transaction(write=False) as con:
        row = con.execute(
            """SELECT status, channel_id, post, claimed_at, message_id FROM weekly_posts
               WHERE guild_id = ? AND week = ?""",
            (guild_id, week),
        ).fetchone()
    return None if row is None else WeekRecord(guild_id, week, *row)


def claim_week(state: BotState, guild_id: int, week: str, channel_id: int, post: str) -> bool:
    """Claim the server's post for `week`, as composed (`post`, JSON) and where it goes,
    before sending it; False when it is claimed or posted already. A claim stays until
    the post is known to be sent (complete_week) or known not to be (release_week):
    after a crash, bot.weekly looks in the channel for it."""
    with state.transaction() as con:
        cursor = con.execute(
            """INSERT OR IGNORE INTO weekly_posts
               (guild_id, week, status, claimed_at, channel_id, post)
               VALUES (?, ?, 'claimed', ?, ?, ?)""",
            (guild_id, week, time.time(), channel_id, post),
        )
        return cursor.rowcount == 1


def complete_week(
    state: BotState, guild_id: int, week: str, message_id: int, artist_ids: Sequence[int],
    track_ids: Sequence[int | None] = (),
) -> None:
    """Record the claimed week's post as sent, with the bands it showed and, for a
    playlist, the track it played of each (`track_ids` in the bands' order)."""
    tracks = list(track_ids) or [None] * len(artist_ids)
    with state.transaction() as con:
        cursor = con.execute(
            """UPDATE weekly_posts SET status = 'posted', message_id = ?, posted_at = ?
               WHERE guild_id = ? AND week = ? AND status = 'claimed'""",
            (message_id, time.time(), guild_id, week),
        )
        if cursor.rowcount != 1:
            raise ValueError(f"week {week} of server {guild_id} was not claimed")
        con.executemany(
            """INSERT INTO weekly_post_items (guild_id, artist_id, week, track_id)
               VALUES (?, ?, ?, ?)""",
            [(guild_id, artist_id, week, track_id)
             for artist_id, track_id in zip(artist_ids, tracks, strict=True)],
        )


def claimed_weeks(state: BotState) -> list[WeekRecord]:
    """Every claim not yet known to be posted, of any week and server."""
    with state.transaction(write=False) as con:
        rows = con.execute(
            """SELECT guild_id, week, status, channel_id, post, claimed_at, message_id
               FROM weekly_posts WHERE status = 'claimed' ORDER BY guild_id, week"""
        ).fetchall()
    return [WeekRecord(*row) for row in rows]


def attempt_week(state: BotState, guild_id: int, week: str) -> None:
    """Note that the claimed week's post is being sent (again) now: a later look for it
    in the channel starts here (bot.weekly)."""
    with state.transaction() as con:
        con.execute(
            """UPDATE weekly_posts SET claimed_at = ?
               WHERE guild_id = ? AND week = ? AND status = 'claimed'""",
            (time.time(), guild_id, week),
        )


def release_week(state: BotState, guild_id: int, week: str) -> None:
    """Give up a claim whose post was certainly not sent, so a later try may send it."""
    with state.transaction() as con:
        con.execute(
            "DELETE FROM weekly_posts WHERE guild_id = ? AND week = ? AND status = 'claimed'",
            (guild_id, week),
        )


def _settings_of(row: tuple) -> WeeklySettings:
    guild_id, channel_id, weekday, minute, timezone = row
    return WeeklySettings(guild_id, channel_id, weekday, clock_time(*divmod(minute, 60)), timezone)
