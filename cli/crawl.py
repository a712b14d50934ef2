"""`sage crawl`: grow the related-artists graph from a similar-artists service."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from train.crawl.crawler import CrawlSummary, crawl, read_seed_names
from train.crawl.lastfm import API_KEY_ENV, API_URL, LastfmClient, api_key_from_env


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "crawl",
        help="crawl a similar-artists service into the related-artists graph",
        description="Walk a similar-artists service outward from seed bands and store what it "
        "answers as weighted edges between artists. Progress is kept in the store: an "
        "interrupted crawl resumes where it stopped, and a finished one fetches nothing again.",
    )
    parser.set_defaults(creates_store=True)  # where new stores come from
    services = parser.add_subparsers(title="services", metavar="SERVICE", required=True)

    lastfm = services.add_parser(
        "lastfm",
        help="Last.fm's similar artists (artist.getSimilar)",
        description="Ask Last.fm's artist.getSimilar (with autocorrect) for each seed, then for "
        "every artist found, up to the hop limit. Each answer becomes edges weighted by "
        "Last.fm's match score (source 'lastfm'); artists are matched to the catalog by "
        "normalised name or added to it. Artists Last.fm does not know are recorded and "
        "skipped; artists that keep failing are retried by the next run.",
        epilog=f"The API key is read from the {API_KEY_ENV} environment variable "
        "(get one at https://www.last.fm/api/account/create).",
    )
    lastfm.add_argument(
        "--seeds", type=Path, required=True, metavar="FILE",
        help="text file with one band name per line (UTF-8); seeds can be added between runs",
    )
    lastfm.add_argument(
        "--hops", type=_positive(int), default=2,
        help="how far from the seeds to go: artists up to HOPS similar-artist steps out are "
        "stored, those nearer are fetched as well (default: 2)",
    )
    lastfm.add_argument(
        "--rate", type=_positive(float), default=5.0,
        help="requests per second at most; Last.fm asks for no more than 5 (default: 5)",
    )
    lastfm.add_argument(
        "--limit", type=_positive(int), default=100,
        help="similar artists asked for per artist (default: 100)",
    )
    lastfm.add_argument(
        "--timeout", type=_positive(float), default=10.0, metavar="SECONDS",
        help="give up on one request after this long and retry it (default: 10)",
    )
    lastfm.add_argument(
        "--api-url", default=API_URL, metavar="URL",
        help=f"the Last.fm API endpoint, e.g. a local stand-in for testing (default: {API_URL})",
    )
    lastfm.set_defaults(handler=_crawl_lastfm)


def _positive(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    expected = "a whole number above 0" if kind is int else "a number above 0"

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def _crawl_lastfm(args: argparse.Namespace) -> int:
    api_key = api_key_from_env()
    seeds = read_seed_names(args.seeds)

    async def run() -> CrawlSummary:
        async with LastfmClient(
            api_key, api_url=args.api_url, limit=args.limit, rate=args.rate, timeout=args.timeout
        ) as client:
            return await crawl(args.store, seeds, client, hops=args.hops)

    with logging_redirect_tqdm():
        summary = asyncio.run(run())
    print(summary.describe())
    return 0
