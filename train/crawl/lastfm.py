"""Last.fm's `artist.getSimilar`: a polite client and the reading of its JSON answers.

Format and error codes as documented at https://www.last.fm/api/show/artist.getSimilar:
an answer is `{"similarartists": {"artist": [{"name", "mbid", "match", "url", ...}],
"@attr": {"artist": NAME}}}` with `match` a string score in 0..1; an error is
`{"error": N, "message": "..."}`, sent with HTTP 200 as often as with a matching status.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os

import aiohttp

from store.errors import UserError
from train.crawl.ratelimit import RateLimiter
from train.crawl.records import ArtistNotFound, FetchFailed, SimilarArtist, SimilarArtists

log = logging.getLogger(__name__)

SOURCE = "lastfm"
API_URL = "https://ws.audioscrobbler.com/2.0/"
API_KEY_ENV = "LASTFM_API_KEY"
USER_AGENT = "sage-recommender (similar-artists crawler)"

ARTIST_NOT_FOUND = 6
INVALID_API_KEY = 10
SUSPENDED_API_KEY = 26
RATE_LIMIT_EXCEEDED = 29
# Documented as passing troubles worth asking again for: operation failed, service
# offline, temporary error.
TEMPORARY_ERRORS = {8, 11, 16}


class ApiKeyRejected(UserError):
    """Last.fm refuses the key itself: no request can succeed, so the crawl stops."""


def api_key_from_env() -> str:
    key = os.environ.get(API_KEY_ENV, "").strip()
    if not key:
        raise UserError(
            f"{API_KEY_ENV} is not set: get a Last.fm API key at "
            f"https://www.last.fm/api/account/create and export {API_KEY_ENV}=YOUR_KEY"
        )
    return key


class _Transient(Exception):
    """An answer worth asking again for, after a pause."""

    def __init__(self, reason: str, *, rate_limited: bool = False):
        super().__init__(reason)
        self.rate_limited = rate_limited


def read_answer(status: int, body: bytes, asked: str) -> SimilarArtists:
    """Turn one HTTP answer into the similar artists, or raise what it means.

    Raises ArtistNotFound (error 6), ApiKeyRejected (errors 10, 26), FetchFailed for
    answers that asking again cannot fix, and _Transient for those it might.
    """
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    # Last.fm's error body is the truth whatever the HTTP status says.
    if isinstance(payload, dict) and "error" in payload:
        _raise_for_error(payload["error"], str(payload.get("message", "")))
    if status == 429:
        raise _Transient("HTTP 429 too many requests", rate_limited=True)
    if status >= 500:
        raise _Transient(f"HTTP {status}")
    if status != 200:
        raise FetchFailed(f"HTTP {status}")
    if payload is None:
        raise _Transient("malformed JSON")
    try:
        return _similar_artists(payload, asked)
    except (KeyError, TypeError, ValueError) as exc:
        raise _Transient(f"JSON not in artist.getSimilar's format ({exc!r})") from exc


def _raise_for_error(code: object, message: str) -> None:
    described = f"Last.fm error {code}: {message}"
    if code == ARTIST_NOT_FOUND:
        raise ArtistNotFound(described)
    if code == INVALID_API_KEY:
        raise ApiKeyRejected(
            f"Last.fm rejected the API key ({described}): set {API_KEY_ENV} to a valid key "
            "from https://www.last.fm/api/account/create"
        )
    if code == SUSPENDED_API_KEY:
        raise ApiKeyRejected(
            f"Last.fm has suspended the API key ({described}): contact Last.fm, or set "
            f"{API_KEY_ENV} to another key"
        )
    if code == RATE_LIMIT_EXCEEDED:
        raise _Transient(described, rate_limited=True)
    if code in TEMPORARY_ERRORS:
        raise _Transient(described)
    raise FetchFailed(described)


def _similar_artists(payload: dict, asked: str) -> SimilarArtists:
    block = payload["similarartists"]
    entries = block["artist"]
    # Last.fm's JSON is converted from XML, and a one-element list can come out as a
    # bare object.
    if isinstance(entries, dict):
        entries = [entries]
    similar = [
        SimilarArtist(
            name=entry["name"],
            match=float(entry["match"]),
            mbid=entry.get("mbid") or None,
            url=entry.get("url") or None,
        )
        for entry in entries
    ]
    corrected = block.get("@attr", {}).get("artist") or asked
    return SimilarArtists(artist=corrected, similar=similar)


class LastfmClient:
    """Fetches similar artists from Last.fm at a fixed pace, retrying passing trouble.

    Use as `async with LastfmClient(key) as client: await client.similar_artists(name)`.
    Server errors, timeouts, malformed answers and Last.fm's temporary errors are asked
    again up to `max_attempts` times, waiting `backoff`, 2*`backoff`, 4*`backoff`, ...
    seconds between tries; "rate limit exceeded" also holds back every other request.
    """

    source = SOURCE

    def __init__(
        self,
        api_key: str,
        *,
        api_url: str = API_URL,
        limit: int = 100,
        rate: float = 5.0,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
    ):
        self._api_key = api_key
        self._api_url = api_url
        self._limit = limit
        self._limiter = RateLimiter(rate)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LastfmClient:
        self._session = aiohttp.ClientSession(
            timeout=self._timeout, headers={"User-Agent": USER_AGENT}
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._session.close()

    async def similar_artists(self, name: str) -> SimilarArtists:
        """Raises ArtistNotFound, FetchFailed, or ApiKeyRejected."""
        params = {
            "method": "artist.getsimilar",
            "artist": name,
            "autocorrect": "1",
            "limit": str(self._limit),
            "api_key": self._api_key,
            "format": "json",
        }
        for attempt in range(1, self._max_attempts + 1):
            await self._limiter.wait()
            try:
                async with self._session.get(self._api_url, params=params) as response:
                    status, body = response.status, await response.read()
                return read_answer(status, body, name)
            except _Transient as exc:
                problem, rate_limited = str(exc), exc.rate_limited
            except (TimeoutError, aiohttp.ClientError) as exc:
                problem, rate_limited = _describe(exc), False
            if attempt == self._max_attempts:
                break
            delay = self._backoff * 2 ** (attempt - 1)
            if rate_limited:
                self._limiter.hold_off(delay)
                log.warning("%s; pausing all requests for %.1fs (consider a lower --rate)",
                            problem, delay)
            else:
                log.info("%s for %r, attempt %d; retrying in %.1fs", problem, name, attempt, delay)
            await asyncio.sleep(delay)
        if self._max_attempts == 1:
            raise FetchFailed(problem)
        raise FetchFailed(f"gave up after {self._max_attempts} attempts, last: {problem}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
