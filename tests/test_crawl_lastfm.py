"""The Last.fm similar-artists crawler against a local stand-in serving recorded answers."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from cli.main import main
from store import Store, UserError
from store.names import normalize_name
from train.crawl.crawler import CrawlSummary, crawl, read_seed_names
from train.crawl.lastfm import ApiKeyRejected, LastfmClient, read_answer
from train.crawl.ratelimit import RateLimiter
from train.crawl.records import FetchFailed, SimilarArtists

FIXTURES = Path(__file__).parent / "fixtures" / "lastfm"
API_KEY = "test-key"
SEEDS = ["Inside Out", "Gorilla Biscuts"]  # the second misspelt, for autocorrect to fix
# What the stand-in's autocorrect knows.
CORRECTIONS = {"gorilla biscuts": "gorilla biscuits"}

# The catalog before crawling: spellings differ from Last.fm's on purpose.
CATALOG = [
    (1, "Inside Out", "https://www.last.fm/music/Inside+Out"),
    (2, "Youth Of Today", "https://www.last.fm/music/Youth+Of+Today"),
    (3, "The Judge", None),
    (4, "Quicksand", None),
    (5, "Minor Threat", None),
]

# The 2-hop crawl from SEEDS, by the catalog's names (see fixtures/lastfm/README.md).
EXPECTED_EDGES = {
    ("Inside Out", "Youth Of Today"): 1.0,
    ("Inside Out", "Gorilla Biscuits"): 0.873,
    ("Inside Out", "The Judge"): 0.61,
    ("Gorilla Biscuits", "Youth Of Today"): 1.0,
    ("Gorilla Biscuits", "CIV"): 0.79,
    ("Gorilla Biscuits", "Inside Out"): 0.55,
    ("Youth Of Today", "The Judge"): 1.0,
    ("Youth Of Today", "Bold"): 0.812,
    ("Youth Of Today", "Gorilla Biscuits"): 0.7,
    ("The Judge", "Youth Of Today"): 1.0,
    ("The Judge", "Bold"): 0.93,
    ("CIV", "Quicksand"): 0.42,
}
EXPECTED_NEW_ARTISTS = {
    "Gorilla Biscuits": (
        "1b6e7c55-7b4f-4c1e-8a51-3c2d9e0f4b12", "https://www.last.fm/music/Gorilla+Biscuits",
    ),
    "CIV": ("civ", "https://www.last.fm/music/CIV"),  # no MBID: keyed by normalised name
    "Bold": ("c3e4f5a6-1b2c-4d3e-8f9a-0b1c2d3e4f34", "https://www.last.fm/music/Bold"),
}
FETCHED_AT_HOP_0 = {"inside out", "gorilla biscuts"}
FETCHED_AT_HOP_1 = {"youth of today", "judge", "civ"}


# --- the stand-in for ws.audioscrobbler.com -------------------------------------------

Reply = Callable[["FakeLastfm", str], Awaitable[web.Response]]


async def recorded(fake: FakeLastfm, norm_name: str) -> web.Response:
    """What Last.fm answers: the recorded list, or error 6 (sent with HTTP 200, as documented)."""
    corrected = CORRECTIONS.get(norm_name, norm_name)
    answer = FIXTURES / "similar" / f"{corrected.replace(' ', '_')}.json"
    if answer.exists():
        return web.Response(body=answer.read_bytes(), content_type="application/json")
    return await error_reply("artist_not_found")(fake, norm_name)


def error_reply(name: str, status: int = 200) -> Reply:
    async def reply(fake: FakeLastfm, norm_name: str) -> web.Response:
        body = (FIXTURES / "errors" / f"{name}.json").read_bytes()
        return web.Response(status=status, body=body, content_type="application/json")

    return reply


async def server_error(fake: FakeLastfm, norm_name: str) -> web.Response:
    return web.Response(status=500, text="<html><body>Internal Server Error</body></html>")


async def truncated(fake: FakeLastfm, norm_name: str) -> web.Response:
    body = (FIXTURES / "truncated_answer.txt").read_bytes()
    return web.Response(body=body, content_type="application/json")


async def slow(fake: FakeLastfm, norm_name: str) -> web.Response:
    await fake.wait_released(timeout=2.0)
    return await recorded(fake, norm_name)


async def hang(fake: FakeLastfm, norm_name: str) -> web.Response:
    fake.hanging.set()
    await fake.wait_released()
    return await server_error(fake, norm_name)


class FakeLastfm:
    """Answers artist.getSimilar from the fixtures; `scripts` queue special replies per artist."""

    def __init__(self) -> None:
        self.url = ""
        self.asked: list[str] = []  # normalised names, in arrival order
        self.queries: list[dict[str, str]] = []
        self.arrivals: list[float] = []
        self.scripts: dict[str, list[Reply]] = {}
        self.hang_after: int | None = None  # requests answered before all others hang
        self.hanging = asyncio.Event()
        self._released = asyncio.Event()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/2.0/", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        self.arrivals.append(asyncio.get_running_loop().time())
        self.queries.append(dict(request.query))
        norm_name = normalize_name(request.query["artist"])
        self.asked.append(norm_name)
        if self.hang_after is not None and len(self.asked) > self.hang_after:
            return await hang(self, norm_name)
        script = self.scripts.get(norm_name)
        reply = script.pop(0) if script else recorded
        return await reply(self, norm_name)

    async def wait_released(self, timeout: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), timeout)

    def release(self) -> None:
        self._released.set()


@pytest_asyncio.fixture
async def lastfm():
    fake = FakeLastfm()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/2.0/"))
    yield fake
    fake.release()
    await server.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with Store.open(path) as store:
        store.con.executemany(
            "INSERT INTO artists VALUES (?, ?, ?, ?, 'hetrec', ?)",
            [(i, name, normalize_name(name), url, str(i)) for i, name, url in CATALOG],
        )
    return path


async def crawl_with(
    fake: FakeLastfm, path: Path, seeds: list[str] = SEEDS, *, hops: int = 2, **client_options
) -> CrawlSummary:
    options = {"rate": 500.0, "timeout": 1.0, "backoff": 0.01, "max_attempts": 3}
    options |= client_options
    async with LastfmClient(API_KEY, api_url=fake.url, limit=50, **options) as client:
        return await crawl(path, seeds, client, hops=hops)


def edges_by_name(path: Path) -> dict[tuple[str, str], float]:
    with Store.open(path, read_only=True) as store:
        rows = store.con.execute(
            """SELECT s.name, d.name, e.weight FROM artist_edges e
               JOIN artists s ON s.artist_id = e.src JOIN artists d ON d.artist_id = e.dst
               WHERE e.source = 'lastfm'"""
        ).fetchall()
    return {(src, dst): weight for src, dst, weight in rows}


def artists_from_lastfm(path: Path) -> dict[str, tuple[str, str | None]]:
    with Store.open(path, read_only=True) as store:
        rows = store.con.execute(
            "SELECT name, source_key, url, norm_name FROM artists WHERE source = 'lastfm'"
        ).fetchall()
    assert all(norm == normalize_name(name) for name, _, _, norm in rows)
    return {name: (key, url) for name, key, url, _ in rows}


def queue(path: Path) -> dict[str, tuple[str, int]]:
    with Store.open(path, read_only=True) as store:
        rows = store.con.execute("SELECT norm_name, status, hops FROM crawl_queue").fetchall()
    return {norm: (status, hops) for norm, status, hops in rows}


def answered(path: Path) -> set[str]:
    return {norm for norm, (status, _) in queue(path).items() if status in ("done", "unknown")}


def assert_complete_crawl(path: Path) -> None:
    assert edges_by_name(path) == pytest.approx(EXPECTED_EDGES)
    assert artists_from_lastfm(path) == EXPECTED_NEW_ARTISTS


# --- a normal crawl -------------------------------------------------------------------

@pytest.mark.asyncio
async def test_two_hop_crawl_stores_the_expected_graph(lastfm, store_path):
    summary = await crawl_with(lastfm, store_path)

    assert_complete_crawl(store_path)
    assert sorted(lastfm.asked) == sorted(FETCHED_AT_HOP_0 | FETCHED_AT_HOP_1)
    assert summary == CrawlSummary(fetched=5, unknown=0, failed=0, edges=12, new_artists=3)
    assert queue(store_path) == {
        "inside out": ("done", 0),
        "gorilla biscuts": ("done", 0),
        "gorilla biscuits": ("done", 0),  # autocorrect's spelling, so it is not asked again
        "youth of today": ("done", 1),
        "judge": ("done", 1),
        "civ": ("done", 1),
        "bold": ("pending", 2),
        "quicksand": ("pending", 2),
    }
    assert all(
        query | {"artist": "-"}
        == {"method": "artist.getsimilar", "artist": "-", "autocorrect": "1", "limit": "50",
            "api_key": API_KEY, "format": "json"}
        for query in lastfm.queries
    )


@pytest.mark.asyncio
async def test_requests_keep_to_the_rate(lastfm, store_path):
    await crawl_with(lastfm, store_path, rate=40.0)

    gaps = [later - earlier for earlier, later in itertools.pairwise(lastfm.arrivals)]
    assert len(gaps) == 4
    assert min(gaps) >= 0.8 / 40


@pytest.mark.asyncio
async def test_finished_crawl_fetches_nothing_and_more_hops_fetch_only_the_new_ring(
    lastfm, store_path
):
    await crawl_with(lastfm, store_path, hops=1)
    assert set(lastfm.asked) == FETCHED_AT_HOP_0

    lastfm.asked.clear()
    assert await crawl_with(lastfm, store_path, hops=1) == CrawlSummary()
    assert lastfm.asked == []

    await crawl_with(lastfm, store_path, hops=2)
    assert sorted(lastfm.asked) == sorted(FETCHED_AT_HOP_1)
    assert_complete_crawl(store_path)


@pytest.mark.asyncio
async def test_a_new_seed_already_crawled_brings_its_neighbours_nearer(lastfm, store_path):
    await crawl_with(lastfm, store_path, ["Inside Out"])
    assert queue(store_path)["civ"] == ("pending", 2)  # via Gorilla Biscuits at hop 1

    lastfm.asked.clear()
    await crawl_with(lastfm, store_path, ["Inside Out", "Gorilla Biscuits"])

    assert lastfm.asked == ["civ"]
    assert queue(store_path)["civ"] == ("done", 1)
    assert ("CIV", "Quicksand") in edges_by_name(store_path)


@pytest.mark.asyncio
async def test_an_artist_first_met_as_a_seed_gets_its_link_when_mentioned_later(
    lastfm, store_path
):
    await crawl_with(lastfm, store_path, ["Gorilla Biscuts"], hops=1)
    assert artists_from_lastfm(store_path)["Gorilla Biscuits"] == ("gorilla biscuits", None)

    await crawl_with(lastfm, store_path, ["Gorilla Biscuts", "Inside Out"], hops=1)

    assert artists_from_lastfm(store_path)["Gorilla Biscuits"] == (
        "gorilla biscuits", "https://www.last.fm/music/Gorilla+Biscuits",
    )


# --- Last.fm's errors and a flaky network ---------------------------------------------

@pytest.mark.asyncio
async def test_unknown_artist_is_recorded_and_skipped(lastfm, store_path):
    summary = await crawl_with(lastfm, store_path, [*SEEDS, "Nonexistent Band"])

    assert summary.unknown == 1 and summary.fetched == 5 and summary.failed == 0
    assert queue(store_path)["nonexistent band"] == ("unknown", 0)
    assert "Nonexistent Band" not in artists_from_lastfm(store_path)
    assert_complete_crawl(store_path)

    lastfm.asked.clear()
    await crawl_with(lastfm, store_path, [*SEEDS, "Nonexistent Band"])
    assert lastfm.asked == []


@pytest.mark.parametrize(
    "trouble",
    [
        pytest.param(error_reply("rate_limit_exceeded", status=429), id="error-29"),
        pytest.param(error_reply("rate_limit_exceeded"), id="error-29-with-http-200"),
        pytest.param(error_reply("temporary_error"), id="error-16"),
        pytest.param(server_error, id="http-500"),
        pytest.param(slow, id="timeout"),
        pytest.param(truncated, id="malformed-json"),
    ],
)
@pytest.mark.asyncio
async def test_passing_trouble_is_retried(lastfm, store_path, trouble):
    lastfm.scripts["judge"] = [trouble, trouble]

    summary = await crawl_with(lastfm, store_path, timeout=0.2)

    assert lastfm.asked.count("judge") == 3
    assert summary.failed == 0
    assert_complete_crawl(store_path)


@pytest.mark.asyncio
async def test_rate_limit_holds_back_every_request(lastfm, store_path):
    seeds = ["CIV", "Gorilla Biscuits", "Inside Out", "Judge", "Youth of Today"]
    lastfm.scripts["civ"] = [error_reply("rate_limit_exceeded", status=429)]

    await crawl_with(lastfm, store_path, seeds, hops=1, rate=20.0, backoff=0.3)

    # CIV goes first; the others, already waiting for their turn, wait out the pause too.
    assert lastfm.asked[0] == "civ"
    assert min(lastfm.arrivals[1:]) - lastfm.arrivals[0] >= 0.29
    assert sorted(lastfm.asked) == sorted(["civ", *map(normalize_name, seeds)])


@pytest.mark.asyncio
async def test_malformed_answers_end_as_failed_and_the_next_run_retries(lastfm, store_path):
    lastfm.scripts["civ"] = [truncated] * 3

    summary = await crawl_with(lastfm, store_path)

    assert lastfm.asked.count("civ") == 3
    assert summary.failed == 1 and summary.fetched == 4
    assert queue(store_path)["civ"] == ("failed", 1)
    assert ("CIV", "Quicksand") not in edges_by_name(store_path)

    lastfm.asked.clear()
    await crawl_with(lastfm, store_path)
    assert lastfm.asked == ["civ"]
    assert_complete_crawl(store_path)


@pytest.mark.parametrize(
    ("error", "status", "says"),
    [("invalid_api_key", 403, "rejected"), ("suspended_api_key", 200, "suspended")],
)
@pytest.mark.asyncio
async def test_a_refused_api_key_stops_the_crawl_and_keeps_what_was_fetched(
    lastfm, store_path, error, status, says
):
    lastfm.scripts["youth of today"] = [error_reply(error, status)]

    with pytest.raises(ApiKeyRejected, match=f"{says}.*LASTFM_API_KEY"):
        await crawl_with(lastfm, store_path)

    assert lastfm.asked.count("youth of today") == 1
    assert queue(store_path)["youth of today"] == ("pending", 1)
    assert answered(store_path) >= FETCHED_AT_HOP_0

    lastfm.asked.clear()
    await crawl_with(lastfm, store_path)
    assert not FETCHED_AT_HOP_0 & set(lastfm.asked)
    assert_complete_crawl(store_path)


@pytest.mark.asyncio
async def test_an_interrupted_crawl_resumes_without_asking_twice(lastfm, tmp_path, store_path):
    # Three answers (both seeds and the first of hop 1), then the network goes quiet.
    lastfm.hang_after = 3
    # Slow enough a pace that the third answer is in before the fourth request hangs.
    interrupted = asyncio.create_task(crawl_with(lastfm, store_path, rate=10.0))
    await asyncio.wait_for(lastfm.hanging.wait(), timeout=5)
    interrupted.cancel()
    with pytest.raises(asyncio.CancelledError):
        await interrupted

    saved = answered(store_path)
    assert saved >= FETCHED_AT_HOP_0 and len(saved & FETCHED_AT_HOP_1) == 1

    lastfm.hang_after = None
    lastfm.asked.clear()
    await crawl_with(lastfm, store_path)

    assert not saved & set(lastfm.asked)
    assert sorted(lastfm.asked) == sorted(FETCHED_AT_HOP_1 - saved)
    assert_complete_crawl(store_path)


# --- pieces -----------------------------------------------------------------------------

def test_an_empty_answer_without_attr_is_for_the_artist_asked():
    answer = read_answer(200, b'{"similarartists": {"artist": []}}', "Obscure Band")
    assert answer == SimilarArtists(artist="Obscure Band", similar=[])


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b'{"error": 3, "message": "Invalid Method"}', "Last.fm error 3"),
        (404, b"<html>Not Found</html>", "HTTP 404"),
    ],
)
def test_answers_that_asking_again_cannot_fix_fail_at_once(status, body, reason):
    with pytest.raises(FetchFailed, match=reason):
        read_answer(status, body, "Judge")


@pytest.mark.asyncio
async def test_rate_limiter_spaces_concurrent_callers_and_holds_off():
    limiter = RateLimiter(per_second=50)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(limiter.wait() for _ in range(6)))
    assert loop.time() - start >= 5 / 50 * 0.95

    limiter.hold_off(0.1)
    start = loop.time()
    await limiter.wait()
    assert loop.time() - start >= 0.095


def test_seed_file_skips_blank_lines_and_complains_when_empty(tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("\ufeffInside Out\n\n  Gorilla Biscuits  \n#1 Dads\n", encoding="utf-8")
    assert read_seed_names(seeds) == ["Inside Out", "Gorilla Biscuits", "#1 Dads"]

    seeds.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(UserError, match="no band names"):
        read_seed_names(seeds)
    with pytest.raises(UserError, match="cannot read"):
        read_seed_names(tmp_path / "missing.txt")


# --- the command line -----------------------------------------------------------------

@pytest.fixture
def lastfm_in_thread():
    """The stand-in on its own event loop, for the CLI, which runs its own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> tuple[FakeLastfm, TestServer]:
        fake = FakeLastfm()
        server = TestServer(fake.app(), host="127.0.0.1")
        await server.start_server()
        fake.url = str(server.make_url("/2.0/"))
        return fake, server

    fake, server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    yield fake
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.close()


@pytest.fixture
def seeds_file(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.txt"
    path.write_text("\n".join(SEEDS) + "\n", encoding="utf-8")
    return path


def test_cli_crawls_with_its_options(lastfm_in_thread, store_path, seeds_file, monkeypatch, capsys):
    monkeypatch.setenv("LASTFM_API_KEY", API_KEY)
    argv = ["--store", str(store_path), "crawl", "lastfm", "--seeds", str(seeds_file),
            "--hops", "2", "--rate", "200", "--limit", "7", "--timeout", "5",
            "--api-url", lastfm_in_thread.url]

    assert main(argv) == 0

    assert "fetched 5 artists, stored 12 edges and 3 new artists" in capsys.readouterr().out
    assert {query["limit"] for query in lastfm_in_thread.queries} == {"7"}
    assert_complete_crawl(store_path)


def test_cli_without_api_key_says_how_to_get_one(store_path, seeds_file, monkeypatch, capsys):
    monkeypatch.delenv("LASTFM_API_KEY", raising=False)

    code = main(["--store", str(store_path), "crawl", "lastfm", "--seeds", str(seeds_file)])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "LASTFM_API_KEY is not set" in err


@pytest.mark.parametrize("option", [["--hops", "0"], ["--rate", "-1"], ["--limit", "ten"]])
def test_cli_rejects_nonsense_options(store_path, seeds_file, option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--store", str(store_path), "crawl", "lastfm", "--seeds", str(seeds_file), *option])
    assert exit_info.value.code == 2
    assert "expected" in capsys.readouterr().err
