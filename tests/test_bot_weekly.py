"""Weekly discovery posts: when they are due, what they hold, and exactly one per server-week
over ten simulated weeks of restarts, downtime and a failed send."""

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import discord as discord_errors
import numpy as np
import pytest

from bot.embeds import weekly_embed
from bot.schedule import MISFIRE_GRACE, WeeklyScheduler, cron_trigger
from bot.state.connection import BotState
from bot.state.results import GuildTaste, record_results, set_reaction
from bot.state.weekly_posts import (
    ScheduleError,
    WeeklySettings,
    posted_artists,
    set_weekly,
    week_record,
    weekly_settings,
)
from bot.weekly import (
    MAX_PER_SCENE,
    MIN_BANDS,
    Outcome,
    WeeklyOutcome,
    compose_weekly,
    due_week,
    parse_schedule,
    post_nonce,
    run_weekly,
    scheduled_moment,
    week_key,
    week_marker,
)
from engine.answer import Engine
from engine.render import answer_to_dict
from engine.top_tracks import TopTrack, load_top_tracks
from store import Store
from store.runs import RunRecord, record_run
from tests.weekly_crashes import ARTISTS, scene_bands, scene_distance, small_engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return small_engine()


def give_taste(state: BotState, guild: int, message_id: int, liked: list[int], user: int = 7):
    record_results(state, message_id, guild_id=guild, channel_id=channel_of(guild),
                   user_id=user, artist_ids=liked, like_ids=[], hate_ids=[])
    set_reaction(state, message_id, user, "👍", True)


def channel_of(guild: int) -> int:
    return guild * 10


BERLIN_MONDAY = WeeklySettings(1, 10, 0, time(9, 0), "Europe/Berlin")
NEW_YORK_FRIDAY = WeeklySettings(2, 20, 4, time(18, 30), "America/New_York")
TOKYO_SUNDAY = WeeklySettings(3, 30, 6, time(23, 45), "Asia/Tokyo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("settings", "now", "week"),
    [
        (BERLIN_MONDAY, utc(2026, 3, 2, 7, 59), None),  # 08:59 in Berlin
        (BERLIN_MONDAY, utc(2026, 3, 2, 8, 0), "2026-W10"),
        (BERLIN_MONDAY, utc(2026, 3, 8, 22, 59), "2026-W10"),  # Sunday 23:59 in Berlin
        (BERLIN_MONDAY, utc(2026, 3, 8, 23, 0), None),  # Monday 00:00: a new week
        (BERLIN_MONDAY, utc(2026, 3, 30, 7, 0), "2026-W14"),  # summer time: 09:00 is 07:00
        (TOKYO_SUNDAY, utc(2026, 3, 8, 14, 44), None),
        (TOKYO_SUNDAY, utc(2026, 3, 8, 14, 45), "2026-W10"),
        (TOKYO_SUNDAY, utc(2026, 3, 8, 15, 0), None),  # Monday in Tokyo, Sunday in UTC
        (NEW_YORK_FRIDAY, utc(2026, 3, 6, 23, 30), "2026-W10"),  # EST
        (NEW_YORK_FRIDAY, utc(2026, 3, 13, 22, 30), "2026-W11"),  # EDT
        (NEW_YORK_FRIDAY, utc(2026, 3, 13, 22, 29), None),
        (WeeklySettings(4, 40, 0, time(9), "UTC"), utc(2025, 12, 29, 9), "2026-W01"),
    ],
)
def test_only_the_current_week_is_due_once_its_moment_passed(settings, now, week):
    assert due_week(settings, now) == week


def test_due_week_needs_an_aware_time():
    with pytest.raises(ValueError):
        due_week(BERLIN_MONDAY, datetime(2026, 3, 2, 9))


@pytest.mark.parametrize("settings", [
    BERLIN_MONDAY, NEW_YORK_FRIDAY, TOKYO_SUNDAY,
    WeeklySettings(5, 50, 6, time(2, 30), "America/New_York"),  # skipped on 2026-03-08
    WeeklySettings(6, 60, 6, time(2, 30), "Europe/Berlin"),  # happens twice on 2026-10-25
])
def test_the_cron_trigger_fires_when_the_week_comes_due(settings):
    trigger = cron_trigger(settings)
    fires, fire = [], trigger.get_next_fire_time(None, utc(2026, 1, 1))
    while fire < utc(2027, 1, 1):
        fires.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    weeks = [week_key(f, settings) for f in fires]
    # A time the clock passes twice fires twice: the claim makes the second a no-op.
    assert len(set(weeks)) == 52 and max(Counter(weeks).values()) <= 2
    for first in {week: f for f, week in reversed(list(zip(fires, weeks, strict=True)))}.values():
        week = week_key(first, settings)
        assert first == scheduled_moment(settings, week) and due_week(settings, first) == week
        assert due_week(settings, first - timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    ("words", "parsed"),
    [
        ((None, None, None), (0, time(9, 0), "UTC")),
        (("fri", "18:30", "europe/berlin"), (4, time(18, 30), "Europe/Berlin")),
        (("Sunday", "7", "America/New_York"), (6, time(7, 0), "America/New_York")),
        (("tu", "00:05", "utc"), (1, time(0, 5), "UTC")),
    ],
)
def test_setup_words_parse(words, parsed):
    assert parse_schedule(*words) == parsed


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("t", None, None), "weekday"),  # Tuesday or Thursday?
        (("someday", None, None), "weekday"),
        ((None, "25:00", None), "HH:MM"),
        ((None, "9am", None), "HH:MM"),
        ((None, None, "Berlin"), "Europe/Berlin"),
        ((None, None, "'; DROP TABLE weekly_settings; --"), "Europe/Berlin"),
    ],
)
def test_bad_setup_words_are_explained(words, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(*words)


def test_a_weekly_post_is_new_varied_and_explained(engine):
    liked = scene_bands(0, 4)
    posted = set(scene_bands(0, 12)[4:] + scene_bands(1, 5))
    hated = scene_bands(2, 3)
    taste = GuildTaste(likes={a: 1.0 for a in liked}, hates={a: 1.0 for a in hated})
    post = compose_weekly(engine, taste, posted)
    ids = list(post.artist_ids)
    assert len(ids) == 15 == len(set(ids))
    assert not set(ids) & (posted | set(liked) | set(hated))
    assert np.bincount(engine.scenes.community_of(ids)).max() <= MAX_PER_SCENE
    for item in post.items:
        assert item.track == (f"Song {item.artist_id}" if item.artist_id % 2 == 0 else None)
        assert item.track_url == (f"https://open.spotify.com/track/t{item.artist_id}"
                                  if item.artist_id % 4 == 0 else None)
        # Its reason names no band but the server's likes (this engine knows no listens or
        # tags, so the reason is where it sits in the space).
        reason = item.why.split(" · ")[0]
        named = {name.rstrip(" (") for name in re.findall(r"Band \d+", reason)}
        assert reason and named <= {f"Band {a}" for a in liked}
        scene = engine.scenes.community_of([item.artist_id])[0]
        assert item.why.endswith(f" · from the genre {scene} / style {scene} scene")
    # The embed links each band's track where it plays, and names it where it does not.
    lines = weekly_embed(post).description.splitlines()
    for n, item in enumerate(post.items):
        line = lines[2 * n]  # each band: its name and track, then why
        assert line.startswith(f"**{n + 1}. ")
        if item.track_url:
            assert f"♪ [{item.track}]({item.track_url})" in line
        elif item.track:
            assert f"♪ {item.track}" in line and "open.spotify" not in line


def test_a_post_for_a_one_scene_taste_stays_near_it_rather_than_fill_its_places(engine):
    # Scene 0's bands alone are liked, and scenes 3 and 4 steps away were posted before:
    # what fits is left in scenes 0 to 2 steps away, at most two a scene.
    liked = scene_bands(0, 4)
    posted = {a for s in (3, 4, 16, 17) for a in scene_bands(s, 20)}
    post = compose_weekly(engine, GuildTaste({a: 1.0 for a in liked}, {}), posted, k=20)
    steps = [scene_distance(0, s) for s in engine.scenes.community_of(post.artist_ids)]
    assert max(steps) <= 2 and len(steps) == 10  # 2 from each of the 5 scenes that fit
    assert np.bincount(engine.scenes.community_of(post.artist_ids)).max() == MAX_PER_SCENE
    # Asked without the posted scenes, the post reaches as far as the taste does: 4 steps.
    post = compose_weekly(engine, GuildTaste({a: 1.0 for a in liked}, {}), set(), k=20)
    steps = [scene_distance(0, s) for s in engine.scenes.community_of(post.artist_ids)]
    assert max(steps) == 4 and len(steps) == 18


def test_bands_posted_before_never_lower_the_bar_of_what_fits(engine):
    # Everything within a step of the liked scene was posted before: what is left to fit
    # is 2 to 4 steps away, and never further, however little is left.
    liked = scene_bands(0, 4)
    posted = {a for s in (0, 1, 19) for a in scene_bands(s, 20)} - set(liked)
    post = compose_weekly(engine, GuildTaste({a: 1.0 for a in liked}, {}), posted, k=20)
    steps = [scene_distance(0, s) for s in engine.scenes.community_of(post.artist_ids)]
    assert set(steps) == {2, 3, 4} and len(steps) == 12


def test_the_engine_loads_each_bands_most_playlisted_track(tmp_path):
    path = tmp_path / "sage.duckdb"
    with Store.open(path) as store:
        con = store.con
        con.executemany("INSERT INTO artists VALUES (?, ?, ?, NULL, 'test', ?)",
                        [(a, f"Band {a}", f"band {a}", str(a)) for a in (1, 2, 3)])
        con.executemany(
            "INSERT INTO tracks VALUES (?, ?, ?, ?, NULL, 'test', ?)",
            [(t, a, title, title.lower(), key) for t, a, title, key in [
                (10, 1, "Hit", "spotify:track:4uLU6hMCjMI75M1A2tKUQC"),
                (11, 1, "Deep Cut", "spotify:track:0"), (20, 2, "First", "spotify:track:1"),
                (21, 2, "Second", "spotify:track:2"), (30, 3, "Audio Only", "audio/30.wav"),
                (31, 3, "Other Audio", "audio/31.wav")]],
        )
        con.executemany("INSERT INTO playlists VALUES (?, 'p', 'test', ?)",
                        [(p, str(p)) for p in (1, 2)])
        # "Hit" is in two playlists (once twice in one); "Deep Cut" and 2's tracks in one.
        con.executemany("INSERT INTO playlist_tracks VALUES (?, ?, ?)", [
            (1, 0, 10), (1, 1, 11), (1, 2, 10), (2, 0, 10), (2, 1, 21), (2, 2, 20)])
        tracks = {1: TopTrack("Hit", "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"),
                  2: TopTrack("First", "https://open.spotify.com/track/1"),
                  3: TopTrack("Audio Only", None)}  # an audio file has no page
        assert load_top_tracks(store) == tracks
        now = datetime.now(UTC)
        record_run(store, RunRecord("graph", "artist", {}, "test", now, now),
                   np.array([1, 2, 3]), np.eye(3, dtype=np.float32), activate=True)
    engine = Engine.load(path, "graph")
    assert engine.tracks == tracks
    # Answers carry each band's track too, in the JSON as in the embed.
    answer = engine.ask("like Band 1", k=2)
    assert {item.artist_id: item.track for item in answer.recommendation.items} == {
        2: tracks[2], 3: tracks[3]}
    results = answer_to_dict(answer)["results"]
    assert {r["name"]: r["track"] for r in results} == {
        "Band 2": {"title": "First", "url": "https://open.spotify.com/track/1"},
        "Band 3": {"title": "Audio Only", "url": None}}


def test_no_taste_or_too_few_new_bands_is_nothing_to_post(engine):
    assert compose_weekly(engine, GuildTaste({}, {3: 1.0}), set()) is None
    everything = set(range(1, ARTISTS + 1))
    taste = GuildTaste({1: 1.0}, {})
    assert compose_weekly(engine, taste, everything - set(scene_bands(5, 9))) is None
    with pytest.raises(ValueError):
        compose_weekly(engine, taste, set(), k=21)


class FakeDiscord:
    """Sends posts into a list and finds them by marker; a send for a (guild, week) in
    `failing` raises, once, before anything is sent."""

    def __init__(self, clock, settings: list[WeeklySettings], failing=()):
        self.clock = clock
        self.settings_of = {s.channel_id: s for s in settings}
        self.failing = set(failing)
        self.failed: list[tuple[int, str]] = []
        self.sent: list[tuple[int, str, tuple[int, ...]]] = []
        self.markers: list[tuple[int, str]] = []  # (channel, marker) of each message

    async def send(self, channel_id, post, marker, nonce):
        settings = self.settings_of[channel_id]
        key = (settings.guild_id, week_key(self.clock(), settings))
        assert marker == week_marker(key[1]) and nonce == post_nonce(*key)
        if key in self.failing:
            self.failing.discard(key)
            self.failed.append(key)
            raise ConnectionError("Discord is down")
        self.sent.append((*key, post.artist_ids))
        self.markers.append((channel_id, marker))
        return len(self.sent)

    async def find_post(self, channel_id, marker, after):
        found = [n for n, sent in enumerate(self.markers, start=1) if sent == (channel_id, marker)]
        return found[-1] if found else None


@pytest.mark.asyncio
async def test_run_weekly_claims_sends_records_and_retries_an_uncertain_failure(tmp_path,
                                                                              engine):
    now = utc(2026, 3, 2, 8, 30)
    with BotState.open(tmp_path / "state.sqlite3") as state:
        settings = BERLIN_MONDAY
        discord = FakeDiscord(lambda: now, [settings], failing=[(1, "2026-W10")])

        async def run(at):
            return await run_weekly(state, engine, settings, at, discord.send,
                                    discord.find_post)

        assert await run(utc(2026, 3, 2, 7)) == WeeklyOutcome(1, None, Outcome.NOT_DUE)
        assert await run(now) == WeeklyOutcome(1, "2026-W10", Outcome.NOTHING_TO_POST)
        give_taste(state, 1, 100, scene_bands(0, 3))
        assert await run(now) == WeeklyOutcome(1, "2026-W10", Outcome.SEND_FAILED)
        assert await run(now) == WeeklyOutcome(1, "2026-W10", Outcome.POSTED, 1)
        assert await run(now) == WeeklyOutcome(1, "2026-W10", Outcome.DONE_ALREADY)
        assert posted_artists(state, 1) == set(discord.sent[0][2])


@pytest.mark.asyncio
@pytest.mark.asyncio
async def test_a_send_that_reached_discord_is_found_and_a_refused_one_released(tmp_path, engine):
    now = utc(2026, 3, 2, 8, 30)
    settings = BERLIN_MONDAY
    with BotState.open(tmp_path / "state.sqlite3") as state:
        give_taste(state, 1, 100, scene_bands(0, 3))
        discord = FakeDiscord(lambda: now, [settings])

        async def lost_reply(channel_id, post, marker, nonce):  # sent, then the line dropped
            await discord.send(channel_id, post, marker, nonce)
            raise asyncio.TimeoutError

        outcome = await run_weekly(state, engine, settings, now, lost_reply, discord.find_post)
        assert outcome.outcome is Outcome.SEND_FAILED
        assert week_record(state, 1, "2026-W10").status == "claimed"
        outcome = await run_weekly(state, engine, settings, now, discord.send, discord.find_post)
        assert outcome == WeeklyOutcome(1, "2026-W10", Outcome.FOUND_POSTED, 1)
        assert len(discord.sent) == 1 and posted_artists(state, 1) == set(discord.sent[0][2])

        # Discord refusing the post (no permission) certainly sent nothing: released.
        later = utc(2026, 3, 9, 8, 30)

        async def forbidden(channel_id, post, marker, nonce):
            raise discord_errors.Forbidden(FakeResponse(403), "Missing Access")

        outcome = await run_weekly(state, engine, settings, later, forbidden, discord.find_post)
        assert outcome.outcome is Outcome.SEND_FAILED
        assert week_record(state, 1, "2026-W11") is None


@pytest.mark.asyncio
async def test_a_post_delivered_before_a_crash_is_recorded_at_start_in_a_later_week(
    tmp_path, engine
):
    settings = BERLIN_MONDAY
    week_10 = utc(2026, 3, 2, 8, 30)
    with BotState.open(tmp_path / "state.sqlite3") as state:
        set_weekly(state, 1, 10, 0, time(9, 0), "Europe/Berlin")
        give_taste(state, 1, 100, scene_bands(0, 3))
        now = [week_10]
        discord = FakeDiscord(lambda: now[0], [settings])

        async def crash_after_delivery(channel_id, post, marker, nonce):
            await discord.send(channel_id, post, marker, nonce)
            raise asyncio.CancelledError  # killed here: the claim stays

        with pytest.raises(asyncio.CancelledError):
            await run_weekly(state, engine, settings, week_10, crash_after_delivery,
                             discord.find_post)
        tried = week_record(state, 1, "2026-W10").claimed_at
        now[0] = utc(2026, 3, 18, 12)  # back two weeks later: week 10 is no longer due
        scheduler = WeeklyScheduler(state, lambda: engine, discord.send, discord.find_post,
                                    lambda: now[0])
        try:
            outcomes = await scheduler.start()
        finally:
            await scheduler.stop()
        assert WeeklyOutcome(1, "2026-W10", Outcome.FOUND_POSTED, 1) in outcomes
        assert week_record(state, 1, "2026-W10").status == "posted"
        assert posted_artists(state, 1) >= set(discord.sent[0][2])
        assert [week for _, week, _ in discord.sent] == ["2026-W10", "2026-W12"]
        assert tried > 0


class FakeResponse:
    def __init__(self, status: int):
        self.status, self.reason = status, "refused"


@pytest.mark.asyncio
async def test_the_real_scheduler_runs_a_late_cron_job_once(tmp_path, engine):
    """APScheduler's default one-second grace would skip a job two hours late."""
    now = [utc(2026, 3, 2, 6)]  # 07:00 on Monday in Berlin: nothing due at start
    with BotState.open(tmp_path / "state.sqlite3") as state:
        set_weekly(state, 1, 10, 0, time(9, 0), "Europe/Berlin")
        give_taste(state, 1, 100, scene_bands(0, 3))
        discord = FakeDiscord(lambda: now[0], [BERLIN_MONDAY])
        scheduler = WeeklyScheduler(state, lambda: engine, discord.send, discord.find_post,
                                    lambda: now[0])
        assert await scheduler.start() == [WeeklyOutcome(1, None, Outcome.NOT_DUE)]
        try:
            job = scheduler._scheduler.get_job("weekly-1")
            assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds() and job.coalesce
            assert str(job.trigger) == str(cron_trigger(BERLIN_MONDAY))
            sweep = scheduler._scheduler.get_job("weekly-sweep")
            assert sweep.misfire_grace_time == job.misfire_grace_time and sweep.coalesce

            now[0] = utc(2026, 3, 2, 10)  # Monday 11:00 in Berlin
            job.modify(next_run_time=datetime.now(UTC) - timedelta(hours=2))
            for _ in range(300):
                if posted_artists(state, 1):
                    break
                await asyncio.sleep(0.01)
            assert [(g, w) for g, w, _ in discord.sent] == [(1, "2026-W10")]
            assert job.next_run_time > datetime.now(UTC)  # back on its weekly cron

            set_weekly(state, 1, 10, 4, time(18, 30), "Europe/Berlin")
            scheduler.reschedule(1)
            assert str(scheduler._scheduler.get_job("weekly-1").trigger) == str(
                cron_trigger(weekly_settings(state, 1)))
        finally:
            await scheduler.stop()


START, WEEKS = utc(2026, 3, 2), 10  # ISO weeks 10 to 19 of 2026, over both summer-time changes
SWEEP_EVERY = timedelta(hours=6)  # the bot sweeps hourly; fewer sweeps keep the test quick


@pytest.mark.asyncio
async def test_ten_weeks_of_restarts_downtime_and_failures_post_once_per_server_week(
    tmp_path, engine
):
    path = tmp_path / "state.sqlite3"
    guilds = [BERLIN_MONDAY, NEW_YORK_FRIDAY, TOKYO_SUNDAY]
    now = [START]
    discord = FakeDiscord(lambda: now[0], guilds,
                          failing=[(2, "2026-W12"), (3, "2026-W18")])
    with BotState.open(path) as state:
        for s in guilds:
            set_weekly(state, s.guild_id, s.channel_id, s.weekday, s.at, s.timezone)
        give_taste(state, 2, 200, scene_bands(4, 3))
        give_taste(state, 3, 300, scene_bands(8, 3) + scene_bands(9, 2))

    end = START + timedelta(weeks=WEEKS)
    events: list[tuple[datetime, str, int]] = []
    for settings in guilds:
        trigger = cron_trigger(settings)
        fire = trigger.get_next_fire_time(None, START)
        while fire < end:
            events.append((fire.astimezone(UTC), "fire", settings.guild_id))
            fire = trigger.get_next_fire_time(fire, fire)
    events += [(START + n * SWEEP_EVERY, "sweep", 0) for n in range(1, WEEKS * 28)]
    # Berlin's first Monday finds no taste; it comes that Wednesday and is posted late.
    events.append((utc(2026, 3, 4, 12), "taste", 1))
    downtimes = [
        (utc(2026, 3, 9, 7), utc(2026, 3, 9, 10)),  # over Berlin's Monday: sent at restart
        (utc(2026, 4, 3, 12), utc(2026, 4, 14, 12)),  # all of week 15: skipped, never sent
        (utc(2026, 5, 3, 14, 50), utc(2026, 5, 3, 20)),  # Tokyo's send just failed; its
        # week ends while down, so week 18 is lost there
    ]
    restarts = [utc(2026, 3, 16, 8, 1), utc(2026, 3, 21, 0, 30), utc(2026, 4, 26, 15),
                utc(2026, 5, 8, 23)]  # each just after a post
    events += [(start, "down", 0) for start, _ in downtimes] + [(t, "down", 0) for t in restarts]
    events += [(up, "up", 0) for _, up in downtimes] + [(t, "up", 0) for t in restarts]
    order = {"down": 0, "up": 1, "taste": 2, "fire": 3, "sweep": 4}
    events.sort(key=lambda e: (e[0], order[e[1]]))

    def restart(count: int) -> tuple[BotState, WeeklyScheduler]:
        state = BotState.open(path)
        return state, WeeklyScheduler(state, lambda: engine, discord.send, discord.find_post,
                                      lambda: now[0])

    state, scheduler = restart(0)
    await scheduler.catch_up()
    restarts_done, up = 0, True
    for when, kind, guild in events:
        now[0] = when
        if kind == "down":
            if restarts_done % 2:
                state.close()
            # else: a crash. The connection is dropped as it is, unclosed.
            state, scheduler, up = None, None, False
        elif kind == "up":
            restarts_done += 1
            state, scheduler = restart(restarts_done)
            await scheduler.catch_up()
            up = True
        elif up and kind == "fire":
            await scheduler.run_guild(guild)
        elif up and kind == "sweep":
            await scheduler.catch_up()
        elif up and kind == "taste":
            give_taste(state, guild, 100, scene_bands(0, 3))

    every_week = {(g.guild_id, f"2026-W{w}") for g in guilds for w in range(10, 10 + WEEKS)}
    # The start is Sunday evening in New York: its week 9 moment has passed, unposted.
    every_week.add((2, "2026-W09"))
    lost = {(1, "2026-W15"), (2, "2026-W14"), (2, "2026-W15"), (3, "2026-W14"),
            (3, "2026-W15"), (3, "2026-W18")}
    sent = [(guild, week) for guild, week, _ in discord.sent]
    assert len(sent) == len(set(sent)) and set(sent) == every_week - lost
    assert discord.failed == [(2, "2026-W12"), (3, "2026-W18")]
    stored = state._con.execute("SELECT guild_id, week, status FROM weekly_posts").fetchall()
    assert {(g, w) for g, w, s in stored if s == "posted"} == set(sent)
    # Tokyo's failed send may have reached Discord: its claim stays, in a week now past.
    assert {(g, w) for g, w, s in stored if s == "claimed"} == {(3, "2026-W18")}
    for settings in guilds:
        posts = [ids for guild, _, ids in discord.sent if guild == settings.guild_id]
        shown = [a for ids in posts for a in ids]
        assert len(shown) == len(set(shown))  # never a band twice
        # Shorter than 15 once the bands that fit run low, never filled from elsewhere.
        assert all(MIN_BANDS <= len(ids) <= 15 for ids in posts)
        assert all(np.bincount(engine.scenes.community_of(ids)).max() <= 2 for ids in posts)
    state.close()
