"""`!sage map BAND` through dpytest's fake Discord: the PNG comes back as an attachment."""

import io
from pathlib import Path
from urllib.parse import unquote, urlparse

import discord.ext.test as dpytest
import pytest
import pytest_asyncio
from discord.ext import commands
from PIL import Image

from bot.app import BotConfig
from bot.engine_host import EngineHost
from engine.answer import Engine
from maps.neighbourhood import HEIGHT, WIDTH
from maps.render import BandMap
from tests.bot_fixtures import start_bot, stop_bot
from tests.map_store import build_map_store


@pytest_asyncio.fixture
async def map_bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # dpytest writes each sent file into the working folder
    store = build_map_store(tmp_path / "sage.duckdb")
    engine = Engine.load(store)
    config = BotConfig(store_path=store, state_path=tmp_path / "state.sqlite3",
                       message_content=True, reload_every=3600)
    engines = EngineHost(store, config.space, reload_every=3600,
                         load=lambda path, space: engine)
    bot = await start_bot(config, engines)
    yield bot
    await stop_bot(bot)


def attached_bytes(attachment) -> bytes:
    return Path(unquote(urlparse(attachment.url).path)).read_bytes()


@pytest.mark.asyncio
async def test_map_posts_the_neighbourhood_as_a_png(map_bot):
    await dpytest.message("!sage map minor threat")
    # dpytest 0.7.0 drops the text of a message sent with a file: only the file is checked.
    [attachment] = dpytest.get_message().attachments
    assert attachment.filename == "minor-threat.png"
    image = Image.open(io.BytesIO(attached_bytes(attachment)))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)


@pytest.mark.asyncio
async def test_a_band_it_cannot_map_gets_one_line(map_bot):
    # dpytest re-raises what the command raised, after the bot has answered it.
    for band, reply in [("Lonely", "nothing to map"),
                        ("Zzyzx Quartet", 'no band called "Zzyzx Quartet"')]:
        with pytest.raises(commands.CommandInvokeError):
            await dpytest.message(f"!sage map {band}")
        message = dpytest.get_message()
        assert reply in message.content and not message.attachments


def test_attachment_names_are_safe():
    assert BandMap("Minor Threat", b"").file_name == "minor-threat.png"
    assert BandMap("../../etc/passwd", b"").file_name == "etc-passwd.png"
    assert BandMap("浜崎あゆみ", b"").file_name == "map.png"
