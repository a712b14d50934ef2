"""The weekly discovery post: when a server's post is due, what it holds, and sending it
exactly once.

    due_week -> compose from the server's taste -> claim the week with the post -> send
    -> record

Weeks are ISO weeks in the server's own time zone ("2026-W07"), and only the current one
is ever due: after downtime the current week's missed post goes out late, earlier
weeks' never do.

Sage owns no transaction with Discord, so a crash or a shutdown can come after Discord
has a post and before the state file records it. So the post is claimed, with its bands
and its channel, before it is sent, and it carries a marker of its week (in its footer,
and as the message's nonce, which Discord deduplicates for a few minutes). A claim is
released only when the send certainly failed (Discord refused the request); otherwise it
stays, and the next try, at start or any sweep, first looks in the channel's recent
history for the marked post: found, it is recorded with its bands; not found, the same
post is sent. Restarting at any moment sends nothing twice and loses nothing.

A server with no taste yet (no member has rated a result or named a band there) gets no
post: its claim is released and the reason logged, so the post goes out on a later try
that week once someone has given Sage something to go on (bot.schedule retries hourly).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import cache
from zoneinfo import available_timezones

import discord
import numpy as np

from bot.state.connection import BotState
from bot.state.results import GuildTaste, guild_taste
from bot.state.weekly_posts import (
    ScheduleError,
    WeeklySettings,
    WeekRecord,
    attempt_week,
    claim_week,
    claimed_weeks,
    complete_week,
    posted_artists,
    posted_tracks,
    release_week,
    week_record,
    zone_named,
)
from engine.answer import Engine
from engine.compose import Seed
from engine.explain import RecommendedItem
from engine.render import reasons
from engine.scenes import NAME_SEPARATOR
from engine.track_space import PickedTrack, flow_order

log = logging.getLogger(__name__)

MIN_BANDS, DEFAULT_BANDS, MAX_BANDS = 10, 15, 20
MAX_PER_SCENE = 2
DEFAULT_WEEKDAY, DEFAULT_AT, DEFAULT_TIMEZONE = 0, time(9, 0), "UTC"  # Monday 09:00 UTC

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class WeeklyItem:
    artist_id: int
    name: str
    track: str | None  # its top track, when the store has tracks of it
    why: str  # one line: its strongest reason, and its scene
    url: str | None = None  # its page; posts claimed before links were kept have none
    track_url: str | None = None  # where its track plays, when it has a page
    # In a playlist, the track picked for the server's taste (in the track space); None
    # in a list of bands, whose track is the band's top track.
    track_id: int | None = None


@dataclass(frozen=True)
class WeeklyPost:
    items: tuple[WeeklyItem, ...]  # best first; a playlist's in the order it plays

    @property
    def artist_ids(self) -> tuple[int, ...]:
        return tuple(item.artist_id for item in self.items)

    @property
    def track_ids(self) -> tuple[int | None, ...]:
        return tuple(item.track_id for item in self.items)

    @property
    def is_playlist(self) -> bool:
        return all(item.track_id is not None for item in self.items)

    def to_json(self) -> str:
        return json.dumps([dataclasses.asdict(item) for item in self.items], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> WeeklyPost:
        return cls(tuple(WeeklyItem(**item) for item in json.loads(text)))


def week_marker(week: str) -> str:
    """What a weekly post carries to be found again: "weekly post 2026-W07"."""
    return f"weekly post {week}"


def post_nonce(guild_id: int, week: str) -> str:
    """The post's message nonce: Discord sends no second message with the same one (for
    a few minutes), so a send retried right after a crash is one message."""
    return hashlib.sha256(f"{guild_id}:{week}".encode()).hexdigest()[:20]


class Outcome(Enum):
    NOT_DUE = "not due"  # this week's moment has not come yet
    DONE_ALREADY = "done already"  # posted
    NOTHING_TO_POST = "nothing to post"  # no taste yet, or too few new bands
    POSTED = "posted"
    FOUND_POSTED = "found posted"  # an interrupted send had reached the channel: recorded
    SEND_FAILED = "send failed"  # a later try this week sends it, or finds it sent


@dataclass(frozen=True)
class WeeklyOutcome:
    guild_id: int
    week: str | None
    outcome: Outcome
    message_id: int | None = None


# Sends a post to a channel, marked (week_marker) and with a nonce (post_nonce), and
# returns the id of the message it sent.
Send = Callable[[int, WeeklyPost, str, str], Awaitable[int]]
# Looks in a channel's recent history for Sage's own message carrying a marker, sent after
# a moment (unix seconds); returns its id, or None when there is none.
FindPost = Callable[[int, str, float], Awaitable[int | None]]


def week_key(moment: datetime, settings: WeeklySettings) -> str:
    """The ISO week `moment` falls in, in the server's time zone."""
    year, week, _ = moment.astimezone(settings.zone).isocalendar()
    return f"{year}-W{week:02d}"


def scheduled_moment(settings: WeeklySettings, week: str) -> datetime:
    """When the post of `week` is scheduled, in UTC."""
    year, number = (int(part) for part in week.split("-W"))
    day = date.fromisocalendar(year, number, settings.weekday + 1)
    # A local time that a clock change skips is read with the offset before the change.
    return datetime.combine(day, settings.at, tzinfo=settings.zone).astimezone(UTC)


def due_week(settings: WeeklySettings, now: datetime) -> str | None:
    """The current week's key once its scheduled moment has passed, else None."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)  # datetimes in a clock change's gap or fold compare oddly
    week = week_key(now, settings)
    return week if now >= scheduled_moment(settings, week) else None


def compose_weekly(
    engine: Engine,
    taste: GuildTaste,
    posted: Collection[int],
    k: int = DEFAULT_BANDS,
    posted_track_ids: Collection[int] = (),
) -> WeeklyPost | None:
    """Up to `k` bands for the server: near what it likes, away from what it dislikes,
    none it was shown in an earlier post, at most MAX_PER_SCENE of one scene, each with
    why. Only bands that fit its taste (engine.pipeline's FIT_SHARE), so fewer than `k`
    when its taste is narrow: places are never filled from scenes far from it.

    When the store has a track space, the post is a playlist (playlist_of): bands with
    tracks, one track of each, none in `posted_track_ids`, picked for the server's taste.

    None when there is nothing to post: no likes yet, or fewer than MIN_BANDS bands left.
    Bands the server dislikes by majority are hate seeds, so never come back.
    """
    if not MIN_BANDS <= k <= MAX_BANDS:
        raise ValueError(f"a weekly post holds {MIN_BANDS} to {MAX_BANDS} bands, not {k}")
    if not taste.likes:
        return None
    likes = [Seed(a, w) for a, w in taste.likes.items()]
    hates = [Seed(a, w) for a, w in taste.hates.items()]
    if engine.track_space is not None:
        playlist = playlist_of(engine, likes, hates, posted, k, posted_track_ids)
        if playlist is not None:
            return _post(engine, [item for item, _ in playlist], [pick for _, pick in playlist])
        log.info("too few new bands with tracks for a playlist: a list of bands instead")
    recommendation = engine.discover(likes, hates, k=k, exclude_ids=posted,
                                     max_per_scene=MAX_PER_SCENE)
    items = list(recommendation.items)
    if len(items) < MIN_BANDS:
        log.info("only %d new bands to post from %d likes", len(items), len(taste.likes))
        return None
    return _post(engine, items, [None] * len(items))


def playlist_of(
    engine: Engine,
    likes: list[Seed],
    hates: list[Seed],
    posted: Collection[int],
    k: int,
    posted_track_ids: Collection[int],
) -> list[tuple[RecommendedItem, PickedTrack]] | None:
    """Up to `k` bands with tracks in the track space, found as a list of bands is, each
    with its track that fits the taste best there, none in `posted_track_ids`, in an
    order that flows (engine.track_space.flow_order); None when fewer than MIN_BANDS
    have one, or the likes have no place in the track space."""
    tracks = engine.track_space
    taste = tracks.taste(likes, hates)
    if taste is None:
        return None
    # Most of the catalog has no playlisted track: search only bands that have one.
    trackless = np.setdiff1d(engine.space.entity_ids, tracks.track_artists)
    items = engine.discover(likes, hates, k=k, exclude_ids={*posted, *trackless.tolist()},
                            max_per_scene=MAX_PER_SCENE).items
    picks = tracks.best_tracks([item.artist_id for item in items], taste, posted_track_ids)
    chosen = [(item, pick) for item, pick in zip(items, picks, strict=True) if pick is not None]
    if len(chosen) < MIN_BANDS:
        return None
    order = flow_order(tracks.vectors_of([pick.track_id for _, pick in chosen]), taste)
    return [chosen[n] for n in order]


def _post(engine: Engine, items: list[RecommendedItem],
          picks: list[PickedTrack | None]) -> WeeklyPost:
    scenes = engine.scenes.community_of([item.artist_id for item in items]).tolist()
    return WeeklyPost(tuple(
        _weekly_item(item, pick, engine.scenes.names.get(scene))
        for item, pick, scene in zip(items, picks, scenes, strict=True)
    ))


def _weekly_item(item: RecommendedItem, pick: PickedTrack | None,
                 scene: str | None) -> WeeklyItem:
    if pick is not None:
        return WeeklyItem(item.artist_id, item.name, pick.title, _why(item, scene), item.url,
                          pick.url, pick.track_id)
    return WeeklyItem(item.artist_id, item.name, item.track.title if item.track else None,
                      _why(item, scene), item.url, item.track.url if item.track else None)


def compose_for_guild(engine: Engine, state: BotState, guild_id: int) -> WeeklyPost | None:
    """The post the server would get now, from its taste and its earlier posts, without
    claiming a week. Blocking."""
    return compose_weekly(engine, guild_taste(state, guild_id), posted_artists(state, guild_id),
                          posted_track_ids=posted_tracks(state, guild_id))


def _why(item: RecommendedItem, scene: str | None) -> str:
    """Its strongest reason (engine.render.reasons: the server's likes are its taste),
    and its scene by the tags that set the scene apart ("from the hardcore / straight edge
    scene"). Not by the scene's best-connected band: small scenes cut from big
    communities keep stray famous members (The Smiths among black metal bands)."""
    why = reasons(item)[0]
    if scene is None:
        return why
    if scene.startswith("scene of "):  # no tag sets it apart: named after a band
        return f"{why} · from the {scene}"
    return f"{why} · from the {scene.replace(NAME_SEPARATOR, ' / ')} scene"


async def run_weekly(
    state: BotState,
    engine: Engine,
    settings: WeeklySettings,
    now: datetime,
    send: Send,
    find_post: FindPost,
) -> WeeklyOutcome:
    """Send the server's post for the current week if it is due and not done already;
    finish an interrupted one (see the module's docstring)."""
    guild = settings.guild_id
    week = due_week(settings, now)
    if week is None:
        return WeeklyOutcome(guild, None, Outcome.NOT_DUE)
    record = await asyncio.to_thread(week_record, state, guild, week)
    if record is not None and record.status == "posted":
        return WeeklyOutcome(guild, week, Outcome.DONE_ALREADY)
    if record is None:
        post = await asyncio.to_thread(compose_for_guild, engine, state, guild)
        if post is None:
            log.info("server %d, %s: no weekly post, as it has no taste yet or too few new "
                     "bands; a later try this week may post", guild, week)
            return WeeklyOutcome(guild, week, Outcome.NOTHING_TO_POST)
        channel = settings.channel_id
        if not await asyncio.to_thread(claim_week, state, guild, week, channel, post.to_json()):
            return WeeklyOutcome(guild, week, Outcome.DONE_ALREADY)
    elif record.post is None:  # claimed by a Sage that kept no post: it may have gone out
        return WeeklyOutcome(guild, week, Outcome.DONE_ALREADY)
    else:
        post, channel = WeeklyPost.from_json(record.post), record.channel_id
        try:
            found = await _record_if_sent(state, record, find_post)
        except Exception:
            log.exception("server %d, %s: cannot read the channel to see whether the "
                          "interrupted post went out; trying again later", guild, week)
            return WeeklyOutcome(guild, week, Outcome.SEND_FAILED)
        if found is not None:
            return found
        # Looked for and not found: sent again, and looked for after this try next time.
        await asyncio.to_thread(attempt_week, state, guild, week)
    return await _send_claimed(state, guild, week, channel, post, send)


async def reconcile_claims(state: BotState, find_post: FindPost) -> list[WeeklyOutcome]:
    """Record every claimed post, of any week, that is found in its channel: a bot killed
    after a send and back only after its week still learns the post went out (so its
    bands do not come again). Run at start."""
    outcomes = []
    for record in await asyncio.to_thread(claimed_weeks, state):
        if record.post is None or record.channel_id is None:
            continue
        try:
            found = await _record_if_sent(state, record, find_post)
        except Exception:
            log.exception("server %d, %s: cannot read the channel to look for the "
                          "interrupted post", record.guild_id, record.week)
            continue
        if found is not None:
            outcomes.append(found)
    return outcomes


async def _record_if_sent(
    state: BotState, record: WeekRecord, find_post: FindPost
) -> WeeklyOutcome | None:
    """The claimed post found in its channel and recorded as posted; None when it is not
    there. Raises when the channel cannot be read."""
    found = await find_post(record.channel_id, week_marker(record.week), record.claimed_at)
    if found is None:
        return None
    post = WeeklyPost.from_json(record.post)
    await asyncio.to_thread(complete_week, state, record.guild_id, record.week, found,
                            post.artist_ids, post.track_ids)
    log.info("server %d, %s: the interrupted weekly post was sent: recorded",
             record.guild_id, record.week)
    return WeeklyOutcome(record.guild_id, record.week, Outcome.FOUND_POSTED, found)


async def _send_claimed(
    state: BotState, guild: int, week: str, channel: int, post: WeeklyPost, send: Send
) -> WeeklyOutcome:
    try:
        message_id = await send(channel, post, week_marker(week), post_nonce(guild, week))
    except Exception as exc:
        if not certainly_not_sent(exc):
            log.warning("server %d, %s: sending the weekly post failed, and it may have "
                        "reached Discord; the next try looks for it first: %s", guild, week, exc)
            return WeeklyOutcome(guild, week, Outcome.SEND_FAILED)
        await asyncio.to_thread(release_week, state, guild, week)
        log.warning("server %d, %s: Discord refused the weekly post (%s); a later try this "
                    "week may send it", guild, week, exc)
        return WeeklyOutcome(guild, week, Outcome.SEND_FAILED)
    # Cancelled from here on (a shutdown), the claim stays and the next start finds the post.
    await asyncio.to_thread(complete_week, state, guild, week, message_id, post.artist_ids,
                            post.track_ids)
    log.info("server %d, %s: weekly post of %d bands sent", guild, week, len(post.items))
    return WeeklyOutcome(guild, week, Outcome.POSTED, message_id)


def certainly_not_sent(error: Exception) -> bool:
    """Whether Discord certainly made no message of a failed send: it answered with a
    client error (no permission, no such channel, a bad request). A time-out, a dropped
    connection or a server error may come after the message was made."""
    if isinstance(error, discord.HTTPException):
        return 400 <= error.status < 500
    return isinstance(error, discord.ClientException)  # refused before any request


def parse_schedule(
    day: str | None, at: str | None, timezone: str | None
) -> tuple[int, time, str]:
    """(weekday, time, time zone name) from `setup`'s optional words, e.g. ("fri",
    "18:30", "europe/berlin") -> (4, 18:30, "Europe/Berlin"); defaults for the missing."""
    return (
        DEFAULT_WEEKDAY if day is None else _parse_day(day),
        DEFAULT_AT if at is None else _parse_time(at),
        DEFAULT_TIMEZONE if timezone is None else _parse_timezone(timezone),
    )


def _parse_day(text: str) -> int:
    word = text.strip().lower()
    matches = [n for n, name in enumerate(DAY_NAMES) if len(word) >= 2 and name.startswith(word)]
    if len(matches) != 1:
        raise ScheduleError(f"unknown day {text!r}: use a weekday name, e.g. monday or mon")
    return matches[0]


def _parse_time(text: str) -> time:
    match = re.fullmatch(r"([01]?\d|2[0-3])(?::([0-5]\d))?", text.strip())
    if match is None:
        raise ScheduleError(f"unknown time {text!r}: use 24-hour HH:MM, e.g. 09:00 or 18:30")
    return time(int(match[1]), int(match[2] or 0))


def _parse_timezone(text: str) -> str:
    name = _timezone_names().get(text.strip().lower(), text.strip())
    zone_named(name)
    return name


@cache
def _timezone_names() -> dict[str, str]:
    """IANA names by their lower case, so "europe/berlin" finds Europe/Berlin."""
    return {name.lower(): name for name in available_timezones()}
