"""Nothing a user typed, nor any catalog name, comes back as live Discord markup, and
the command line always writes valid UTF-8."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.safety import escape, link
from store import Store
from store.catalog import load_artists
from store.runs import RunRecord, record_run
from tests.bot_fixtures import clustered_vectors


@pytest.mark.parametrize("text", [
    "<a:/*pwned*>",  # discord.py's escape_markdown takes it for a link and leaves it
    "<https://evil.example/*x*>",
    "https://evil.example/__x__",
    "<#123456789>",
    "<@&456789>",
    "<t:1700000000:R>",
    "<:emoji:123>",
    "@everyone **hi** ~~x~~ ||spoiler||",
])
def test_escaped_text_has_no_live_syntax(text):
    shown = escape(text)
    # No angle-bracket syntax, no link, no unescaped markdown survive.
    assert "<#" not in shown and "<@" not in shown and "<t:" not in shown and "<:" not in shown
    assert "<a:" not in shown and "://" not in shown and ":/" not in shown.replace(":\u200b/", "")
    for mark in ("*", "_", "~", "|"):
        assert all(shown[i - 1] == "\\" for i, ch in enumerate(shown) if ch == mark)
    assert "@everyone" not in shown


def test_hidden_links_and_mentions_are_not_echoed_in_notes(bot_engine):
    answer = bot_engine.ask("like ht\u200btps://evil.example/x <\u200b#123> <\u200b@&456> Zzyzx")
    notes = " ".join(answer.notes)
    assert "evil.example" not in notes and "#123" not in notes and "&456" not in notes


@pytest.fixture
def store_with_default_space(bundled_store_copy):
    with Store.open(bundled_store_copy) as store:
        catalog = load_artists(store)
        now = datetime.now(UTC)
        run = RunRecord("hybrid", "artist", {}, "test", now, now)
        record_run(store, run, catalog.artist_ids, clustered_vectors(catalog), activate=True)
    return bundled_store_copy


def test_sage_ask_json_is_valid_utf8_whatever_the_bytes_and_the_terminal(
    store_with_default_space,
):
    query = b"like \xff\xfe Minor Threat"  # not UTF-8
    env = {**os.environ, "PYTHONIOENCODING": "ascii:strict", "LC_ALL": "C"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--store", str(store_with_default_space), "ask", query,
         "--json", "--top", "2"],
        capture_output=True, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    answer = json.loads(done.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8
    assert answer["query"] == "like \ufffd\ufffd Minor Threat"
    assert answer["understood"]["likes"] == ["Minor Threat"]


def test_a_band_links_to_its_page_and_nothing_else_becomes_a_link():
    assert link("Sunn O)))", "http://www.last.fm/music/Sunn+O)))") == (
        "[Sunn O)))](http://www.last.fm/music/Sunn+O%29%29%29)")
    assert link("a]b[c", "https://example.org/x") == "[a\\]b\\[c](https://example.org/x)"
    assert link("**x**", None) == "\\*\\*x\\*\\*"
    for address in ("javascript:alert(1)", "http://a b", "http://x<@1>", ""):
        assert link("x", address) == "x"
