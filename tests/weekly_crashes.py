"""Weekly posts through crashes and shutdowns: a bot in a child process, killed at random.

    python -m tests.weekly_crashes [--restarts 20] [--weeks 10] [--seed 0]

The child runs bot.schedule's WeeklyScheduler on a fake clock over `--weeks` simulated
weeks for three servers, at every simulated hour (the bot's sweep) and every server's
post moment (its cron job), with a fake
Discord: a SQLite file of channel messages that `send` writes and `find_post` reads, a
send taking a moment before and after its message lands. On SIGINT it shuts down as
SageBot.close does (the scheduler stops and lets a post in flight finish, or cancels it
past a grace of 0 or 5 s, then the state closes).

The parent kills the child `--restarts` times, by kill -9 or SIGINT: at a random
moment, as a send begins, or once its message is in the channel and before the send
returns (a third of the time each); then it lets a last child run to the end. It counts
the posts of each server-week in the fake channels: every week must be posted exactly
once. Printed: restarts by kind, posts, duplicates, misses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time as wall
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import numpy as np

from bot.schedule import WeeklyScheduler, cron_trigger
from bot.state.connection import BotState
from bot.state.results import record_results, set_reaction
from bot.state.weekly_posts import WeeklySettings, set_weekly
from bot.weekly import scheduled_moment, week_key
from engine.answer import Engine
from engine.resolve import NameResolver
from engine.scenes import Scenes
from engine.space import LoadedSpace
from engine.top_tracks import TopTrack
from store.catalog import ArtistCatalog
from store.names import normalize_name

ARTISTS, SCENES, DIM = 400, 20, 16
START = datetime(2026, 3, 2, tzinfo=UTC)  # ISO weeks 10 on, over both summer-time changes
STEP = timedelta(hours=1)  # the bot's sweep
GUILDS = [
    WeeklySettings(1, 10, 0, time(9, 0), "Europe/Berlin"),
    WeeklySettings(2, 20, 4, time(18, 30), "America/New_York"),
    WeeklySettings(3, 30, 6, time(23, 45), "Asia/Tokyo"),
]
_REPO = Path(__file__).resolve().parent.parent


def small_engine() -> Engine:
    """400 bands in 20 scenes around a ring; a band's vector is near its scene's, and a
    scene's near its neighbours' on the ring (scene_distance); even ids have a track.

    A taste in one scene fits the scenes up to 4 steps around it, as a taste fits the
    scenes of its genre; the far side of the ring is other genres."""
    rng = np.random.default_rng(0)
    ids = np.arange(1, ARTISTS + 1, dtype=np.int64)
    names = [f"Band {i}" for i in ids]
    catalog = ArtistCatalog(ids, names, [normalize_name(n) for n in names],
                            rng.integers(1, 1000, ARTISTS), rng.integers(1, 10_000, ARTISTS))
    scene = (ids - 1) % SCENES
    angle = 2 * np.pi * np.arange(SCENES) / SCENES
    centre = np.zeros((SCENES, DIM))
    centre[:, 0], centre[:, 1], centre[:, 2] = 2.5, 3 * np.cos(angle), 3 * np.sin(angle)
    vectors = centre[scene] + 0.4 * rng.standard_normal((ARTISTS, DIM))
    space = LoadedSpace.from_arrays("graph", ids, vectors, catalog)
    scenes = Scenes(1, ids, scene, rng.random(ARTISTS),
                    {s: f"genre {s} · style {s}" for s in range(SCENES)})
    # Even bands have a track; those of bands 4, 8, ... play on Spotify.
    tracks = {int(a): TopTrack(f"Song {a}", f"https://open.spotify.com/track/t{a}"
                               if a % 4 == 0 else None) for a in ids if a % 2 == 0}
    return Engine(NameResolver.from_catalog(catalog), space, scenes, tracks)


def scene_bands(scene: int, count: int) -> list[int]:
    return [scene + 1 + SCENES * n for n in range(count)]


def scene_distance(a: int, b: int) -> int:
    """Steps between two scenes around small_engine's ring."""
    steps = abs(a - b) % SCENES
    return min(steps, SCENES - steps)


@dataclass(frozen=True)
class Files:
    folder: Path

    @property
    def state(self) -> Path:
        return self.folder / "state.sqlite3"

    @property
    def discord(self) -> Path:
        return self.folder / "discord.sqlite3"

    @property
    def clock(self) -> Path:
        return self.folder / "clock"

    @property
    def sending(self) -> Path:  # a send has begun
        return self.folder / "sending"

    @property
    def landed(self) -> Path:  # its message is in the channel, the send not yet returned
        return self.folder / "landed"


class FakeDiscord:
    """Channels as a SQLite file; each send lands its message between two pauses."""

    def __init__(self, files: Files, pause: float):
        self.files = files
        self.pause = pause

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.files.discord, timeout=30, isolation_level=None)

    async def send(self, channel_id: int, post, marker: str, nonce: str) -> int:
        self.files.sending.touch()
        await asyncio.sleep(self.pause)
        con = self._connect()
        try:
            cursor = con.execute(
                "INSERT INTO messages (channel_id, footer, artist_ids) VALUES (?, ?, ?)",
                (channel_id, marker, " ".join(map(str, post.artist_ids))),
            )
            message_id = cursor.lastrowid
        finally:
            con.close()
        self.files.landed.touch()
        await asyncio.sleep(self.pause)  # it reached Discord; the answer is on its way
        self.files.sending.unlink(missing_ok=True)
        self.files.landed.unlink(missing_ok=True)
        return message_id

    async def find_post(self, channel_id: int, marker: str, after: float) -> int | None:
        con = self._connect()
        try:
            row = con.execute(
                "SELECT max(message_id) FROM messages WHERE channel_id = ? AND footer = ?",
                (channel_id, marker),
            ).fetchone()
        finally:
            con.close()
        return row[0]


def prepare(files: Files) -> None:
    """A state with three servers that like something, empty channels, the clock at START."""
    with BotState.open(files.state) as state:
        for n, s in enumerate(GUILDS):
            set_weekly(state, s.guild_id, s.channel_id, s.weekday, s.at, s.timezone)
            message = 100 * (n + 1)
            record_results(state, message, guild_id=s.guild_id, channel_id=s.channel_id,
                           user_id=7, artist_ids=scene_bands(4 * n, 3), like_ids=[],
                           hate_ids=[])
            set_reaction(state, message, 7, "👍", True)
    con = sqlite3.connect(files.discord)
    con.execute("""CREATE TABLE messages (message_id INTEGER PRIMARY KEY AUTOINCREMENT,
                   channel_id INTEGER, footer TEXT, artist_ids TEXT)""")
    con.commit()
    con.close()
    files.clock.write_text(START.isoformat())


async def run_child(files: Files, end: datetime, grace: float, pause: float) -> None:
    """The bot's weekly side until `end`, the clock kept in a file across restarts."""
    engine = small_engine()
    state = BotState.open(files.state)
    now = [datetime.fromisoformat(files.clock.read_text())]
    discord = FakeDiscord(files, pause)
    scheduler = WeeklyScheduler(state, lambda: engine, discord.send, discord.find_post,
                                lambda: now[0])

    stopping = asyncio.Event()

    triggers = [cron_trigger(settings) for settings in GUILDS]

    async def sweep() -> None:  # the bot's hourly sweep, and each server's cron job
        while now[0] < end and not stopping.is_set():
            await scheduler.catch_up()
            if stopping.is_set():
                return
            fires = [t.get_next_fire_time(None, now[0] + timedelta(seconds=1)) for t in triggers]
            now[0] = min([now[0] + STEP, *fires]).astimezone(UTC)
            files.clock.with_suffix(".new").write_text(now[0].isoformat())
            os.replace(files.clock.with_suffix(".new"), files.clock)

    loop = asyncio.get_running_loop()
    sweeping = loop.create_task(sweep())
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    stopped = loop.create_task(stopping.wait())
    await asyncio.wait({sweeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
    # As SageBot.close: the scheduler stops and lets its run finish, then the state closes.
    await scheduler.stop(grace=grace)
    await asyncio.gather(sweeping, return_exceptions=True)
    stopped.cancel()
    state.close()


@dataclass(frozen=True)
class Figures:
    restarts: Counter
    server_weeks: int
    posted: int
    duplicates: list[tuple[int, str, int]]
    misses: list[tuple[int, str]]
    repeated_bands: int

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.restarts.items()))
        return (f"{sum(self.restarts.values())} restarts ({kinds}); {self.server_weeks} "
                f"server-weeks: {self.posted} posted exactly once, {len(self.duplicates)} "
                f"twice or more, {len(self.misses)} missed; bands shown twice to a server: "
                f"{self.repeated_bands}")


def simulate(folder: Path, restarts: int = 20, weeks: int = 10, seed: int = 0) -> Figures:
    files = Files(folder)
    prepare(files)
    end = START + timedelta(weeks=weeks)
    rng = random.Random(seed)
    kinds: Counter = Counter()
    for _ in range(restarts):
        kind = rng.choice(["kill -9", "SIGINT"])
        grace = rng.choice([0.0, 5.0])
        child = _start(files, end, grace)
        when = rng.choice(["at any moment", "as a send begins", "once a send landed"])
        if when == "at any moment":
            wall.sleep(rng.uniform(0.5, 3.0))
        else:  # while a post is being sent, before or after it reaches the channel
            mark = files.sending if when == "as a send begins" else files.landed
            _wait_for(lambda: mark.exists() or child.poll() is not None, 60)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL if kind == "kill -9" else signal.SIGINT)
        _finish(child)
        files.sending.unlink(missing_ok=True)
        files.landed.unlink(missing_ok=True)
        kinds[f"{kind} {when}" + (" (grace 0)" if kind == "SIGINT" and not grace else "")] += 1
    _finish(_start(files, end, 5.0), timeout=600)
    return _count(files, end, kinds)


def _start(files: Files, end: datetime, grace: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.weekly_crashes", "--child", str(files.folder),
         "--end", end.isoformat(), "--grace", str(grace)],
        cwd=_REPO, env={**os.environ, "PYTHONPATH": str(_REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_for(condition, timeout: float) -> None:
    deadline = wall.monotonic() + timeout
    while not condition() and wall.monotonic() < deadline:
        wall.sleep(0.005)


def _finish(child: subprocess.Popen, timeout: float = 60) -> None:
    try:
        _, errors = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        raise
    interrupted_at_start = child.returncode == 1 and b"KeyboardInterrupt" in errors
    if child.returncode not in (0, -signal.SIGKILL, -signal.SIGINT) and not interrupted_at_start:
        raise RuntimeError(f"the child failed ({child.returncode}): {errors.decode()[-2000:]}")
    if b"Traceback" in errors and child.returncode == 0:
        raise RuntimeError(f"the child logged an error: {errors.decode()[-2000:]}")


def _count(files: Files, end: datetime, kinds: Counter) -> Figures:
    guild_of = {s.channel_id: s for s in GUILDS}
    con = sqlite3.connect(files.discord)
    messages = con.execute("SELECT channel_id, footer, artist_ids FROM messages").fetchall()
    con.close()
    posts = Counter((guild_of[channel].guild_id, footer.rsplit(" ", 1)[-1])
                    for channel, footer, _ in messages)
    expected = set()
    for settings in GUILDS:
        moment = START
        while moment < end:
            week = week_key(moment, settings)
            if START <= scheduled_moment(settings, week) < end:
                expected.add((settings.guild_id, week))
            moment += timedelta(days=1)
    shown = Counter((guild_of[channel].guild_id, int(artist)) for channel, _, ids in messages
                    for artist in ids.split())
    return Figures(
        restarts=kinds,
        server_weeks=len(expected),
        posted=sum(1 for key in expected if posts[key] == 1),
        duplicates=sorted((g, w, n) for (g, w), n in posts.items() if n > 1),
        misses=sorted(expected - set(posts)),
        repeated_bands=sum(n - 1 for n in shown.values() if n > 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restarts", type=int, default=20, help="children killed (default: 20)")
    parser.add_argument("--weeks", type=int, default=10, help="simulated weeks (default: 10)")
    parser.add_argument("--seed", type=int, default=0, help="of the kills (default: 0)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--end", help=argparse.SUPPRESS)
    parser.add_argument("--grace", type=float, default=5.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        asyncio.run(run_child(Files(args.child), datetime.fromisoformat(args.end), args.grace,
                              pause=0.05))
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        figures = simulate(Path(folder), args.restarts, args.weeks, args.seed)
    print(figures)
    return 0 if not figures.duplicates and not figures.misses else 1


if __name__ == "__main__":
    sys.exit(main())
