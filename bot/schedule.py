"""Weekly posts on time, with APScheduler 3's AsyncIOScheduler on the bot's event loop.

Each server with settings gets a cron job at its day and time in its time zone. Three
things make sure a due post is not lost, and bot.weekly's claims and reconciling that
it is never sent twice (a stopping bot also lets a post in flight finish, `stop`):

- a sweep at start (`catch_up`) sends the current week's post of every server whose
  moment passed while the bot was down;
- the same sweep runs every RETRY_EVERY, so a post that failed to send, or that had
  nothing to go on yet (no taste), is tried again later that week, and a server set up
  after its moment this week gets its first post within the hour;
- late jobs still run (misfire_grace_time) and missed runs run once (coalesce): both
  are set explicitly because APScheduler's defaults, a one-second grace, silently skip
  a job the event loop was too busy to start on time.

Jobs live in memory only: the state file is the record of what was posted, and the
jobs are rebuilt from it at each start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.state.connection import BotState
from bot.state.weekly_posts import WeeklySettings, all_weekly_settings, weekly_settings
from bot.weekly import DAY_NAMES, FindPost, Send, WeeklyOutcome, reconcile_claims, run_weekly
from engine.answer import Engine

log = logging.getLogger(__name__)

RETRY_EVERY = timedelta(hours=1)
# How long a stopping bot lets a weekly post in flight finish.
STOP_GRACE = timedelta(seconds=20)
# However late a job starts, it may run: run_weekly only ever sends the current week.
MISFIRE_GRACE = timedelta(days=7)
_SWEEP_JOB = "weekly-sweep"


def utc_now() -> datetime:
    return datetime.now(UTC)


def cron_trigger(settings: WeeklySettings) -> CronTrigger:
    """Fires at the server's post moment each week, in its time zone."""
    return CronTrigger(
        day_of_week=settings.weekday, hour=settings.at.hour, minute=settings.at.minute,
        timezone=settings.zone,
    )


class WeeklyScheduler:
    """Runs every server's weekly post. `engine_provider` returns the engine to use now
    (it may be swapped after a retraining); `send` and `find_post` talk to Discord
    (bot.weekly); `clock` says what time it is (tests fake it). One server's post runs
    one at a time, whether its cron job or a sweep started it."""

    def __init__(
        self,
        state: BotState,
        engine_provider: Callable[[], Engine],
        send: Send,
        find_post: FindPost,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._state = state
        self._engine_provider = engine_provider
        self._send = send
        self._find_post = find_post
        self._clock = clock
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._locks: dict[int, asyncio.Lock] = {}
        self._running: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> list[WeeklyOutcome]:
        """Record the posts an interrupted send did deliver, schedule every server, and
        send the posts that came due while the bot was down."""
        found = await reconcile_claims(self._state, self._find_post)
        self._scheduler.start()
        for settings in await asyncio.to_thread(all_weekly_settings, self._state):
            self._schedule(settings)
        self._scheduler.add_job(
            self.catch_up, IntervalTrigger(seconds=RETRY_EVERY.total_seconds(), timezone=UTC),
            id=_SWEEP_JOB, **self._late_runs(),
        )
        return found + await self.catch_up()

    async def stop(self, grace: float = STOP_GRACE.total_seconds()) -> None:
        """No new runs, and the running ones finish (a send in flight completes and is
        recorded) before the state may close; past `grace` seconds they are cancelled,
        and their claims stay for the next start to reconcile."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        running = self._running - {asyncio.current_task()}
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    def reschedule(self, guild_id: int) -> None:
        """Follow the server's settings after `setup` changed them."""
        settings = weekly_settings(self._state, guild_id)
        if settings is not None:
            self._schedule(settings)
        elif self._scheduler.get_job(_job_id(guild_id)) is not None:
            self._scheduler.remove_job(_job_id(guild_id))

    async def catch_up(self) -> list[WeeklyOutcome]:
        """Send every server's current-week post that is due and not done yet, and finish
        the interrupted ones."""
        outcomes = []
        for settings in await asyncio.to_thread(all_weekly_settings, self._state):
            outcome = await self._run(settings)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    async def run_guild(self, guild_id: int) -> WeeklyOutcome | None:
        """The cron job of one server; None when its settings are gone."""
        settings = await asyncio.to_thread(weekly_settings, self._state, guild_id)
        return None if settings is None else await self._run(settings)

    async def _run(self, settings: WeeklySettings) -> WeeklyOutcome | None:
        if self._stopping:
            return None
        task = asyncio.current_task()
        self._running.add(task)
        try:
            async with self._locks.setdefault(settings.guild_id, asyncio.Lock()):
                return await run_weekly(
                    self._state, self._engine_provider(), settings, self._clock(), self._send,
                    self._find_post,
                )
        finally:
            self._running.discard(task)

    def _schedule(self, settings: WeeklySettings) -> None:
        self._scheduler.add_job(
            self.run_guild, cron_trigger(settings), args=[settings.guild_id],
            id=_job_id(settings.guild_id), replace_existing=True, **self._late_runs(),
        )
        log.info("weekly post of server %d: %s at %s %s", settings.guild_id,
                 DAY_NAMES[settings.weekday].title(),
                 settings.at.strftime("%H:%M"), settings.timezone)

    @staticmethod
    def _late_runs() -> dict[str, object]:
        return {
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            "coalesce": True,
            "max_instances": 1,
        }


def _job_id(guild_id: int) -> str:
    return f"weekly-{guild_id}"
