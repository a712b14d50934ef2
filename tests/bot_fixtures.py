"""Fixtures for the Discord bot's tests: a small engine over the real bundled catalog and
a SageBot driven by dpytest (a fake Discord: messages in, what the bot sends out).

The bot runs its real setup_hook (state file, engine host, cogs, weekly scheduler); only
the engine is built from arrays instead of loaded from a trained store, so each test
starts in a fraction of a second. dpytest has no slash commands: `slash` runs them
through the bot's command tree with Discord's interaction endpoints faked.
tests/conftest.py loads this module as a plugin.
"""

from __future__ import annotations

import re
from pathlib import Path

import discord
import discord.ext.test as dpytest
import numpy as np
import pytest
import pytest_asyncio
from discord.ext.test import backend, factories
from discord.ext.test.state import FakeState
from discord.webhook.async_ import async_context

from bot.app import BotConfig, SageBot, create_bot
from bot.engine_host import EngineHost
from engine.answer import Engine
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from store import Store
from store.catalog import ArtistCatalog, load_artists

HARDCORE = ["Minor Threat", "Have Heart", "Sick of It All", "Bane", "Madball", "Agnostic Front"]
# Nobody in dpytest's server: a test makes a member the owner when it needs one.
OWNER_ID = 1000


def clustered_vectors(
    catalog: ArtistCatalog, dim: int = 32, seed: int = 0, near: int = 0
) -> np.ndarray:
    """Random directions, except that the HARDCORE bands share one: answers are checkable.
    `near` other bands lean towards it (what a hardcore taste's weekly post may hold)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(catalog.artist_ids), dim)).astype(np.float32)
    rows = [catalog.names.index(name) for name in HARDCORE]
    direction = 5 * rng.standard_normal(dim)
    vectors[rows] = direction + rng.standard_normal((len(rows), dim))
    others = np.setdiff1d(np.arange(len(vectors)), rows)
    vectors[rng.choice(others, near, replace=False)] += 0.2 * direction
    return vectors


@pytest.fixture(scope="session")
def bundled_catalog(bundled_store_path: Path) -> ArtistCatalog:
    with Store.open(bundled_store_path, read_only=True) as store:
        return load_artists(store)


@pytest.fixture(scope="session")
def bot_engine(bundled_catalog: ArtistCatalog) -> Engine:
    space = LoadedSpace.from_arrays("graph", bundled_catalog.artist_ids,
                                    clustered_vectors(bundled_catalog), bundled_catalog)
    return Engine(NameResolver.from_catalog(bundled_catalog), space)


def connect_dpytest(bot: SageBot, members: int) -> None:
    """Put a set-up bot on dpytest's fake Discord: one server, one channel, `members`."""
    # dpytest makes its fake members by caching them, which takes the members intent that
    # Sage does without (real Discord sends the author with each message and reaction).
    bot._connection._intents.members = True
    bot._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(bot.intents)
    _give_reactions_a_type()
    dpytest.configure(bot, members=members)


async def start_bot(config: BotConfig, engines: EngineHost, members: int = 3) -> SageBot:
    """A SageBot after its real setup_hook, on dpytest's fake Discord."""
    bot = create_bot(config, engines=engines)
    bot.owner_id = OWNER_ID
    await bot._async_setup_hook()  # what login() would do: dpytest never logs in
    await bot.setup_hook()
    connect_dpytest(bot, members)
    return bot


async def stop_bot(bot: SageBot) -> None:
    await dpytest.empty_queue()
    await bot.weekly.stop()
    await bot.engines.stop()
    bot.state.close()


def _give_reactions_a_type() -> None:
    """dpytest 0.7.0 leaves out the reaction type that discord.py 2.4+ reads: add it."""
    for name in ("parse_message_reaction_add", "parse_message_reaction_remove"):
        parse = getattr(FakeState, name)
        if not getattr(parse, "gives_type", False):
            def parse_with_type(state, data, parse=parse):
                return parse(state, {"type": 0, **data})

            parse_with_type.gives_type = True
            setattr(FakeState, name, parse_with_type)


@pytest_asyncio.fixture
async def bot(bundled_store_path: Path, bot_engine: Engine, tmp_path: Path):
    config = BotConfig(store_path=bundled_store_path, state_path=tmp_path / "state.sqlite3",
                       message_content=True, reload_every=3600)
    engines = EngineHost(bundled_store_path, config.space, reload_every=3600,
                         load=lambda path, space: bot_engine)
    started = await start_bot(config, engines)
    yield started
    await stop_bot(started)


def make_bot_member(guild: discord.Guild, name: str = "OtherBot") -> discord.Member:
    """Another bot in the server, to react like one."""
    data = factories.make_user_dict(name, 1, None, bot=True)
    user = backend.get_state().store_user(data)
    return backend.make_member(user, guild)


def numbered_names(embed: discord.Embed) -> list[str]:
    """The band names (escaped, without their links) of an answer embed's numbered
    lines, in order."""
    names = []
    for line in (embed.description or "").splitlines():
        if line.startswith("**") and ". " in line:
            shown = line.split(". ", 1)[1].split("** ·")[0]
            names.append(re.sub(r"^\[(.*)\]\(https?://[^)]*\)$", r"\1", shown))
    return names


class FakeInteractions:
    """Discord's interaction endpoints, which dpytest lacks, for slash commands: records
    each response (a deferral, an autocomplete, a message) and sends follow-ups as the
    bot's messages in dpytest's channel."""

    def __init__(self, bot: SageBot):
        self.bot = bot
        self.responses: list[dict] = []  # payloads of interaction responses
        self.followups: list[tuple[dict, discord.Message]] = []  # payload, message sent

    async def create_interaction_response(self, interaction_id, token, *, params, **_):
        self.responses.append(params.payload)
        return {"interaction": {"id": str(interaction_id), "type": 2}}

    async def get_original_interaction_response(self, application_id, token, **_):
        data = self.responses[-1].get("data", {})
        return self._send(data.get("content"), data.get("embeds", []))[1]

    async def execute_webhook(self, webhook_id, token, *, payload, **_):
        message, data = self._send(payload.get("content"), payload.get("embeds", []))
        self.followups.append((payload, message))
        return data

    def _send(self, content: str | None, embeds: list[dict]) -> tuple[discord.Message, dict]:
        message = backend.make_message(content, self.bot.user, dpytest.get_config().channels[0],
                                       embeds=[discord.Embed.from_dict(e) for e in embeds])
        return message, {**factories.dict_from_message(message), "channel_id": message.channel.id}


async def slash(bot: SageBot, member: discord.Member, command: list[str], *,
                focused: str | None = None, **options: str) -> FakeInteractions:
    """`/command option:value ...` as `member`, through the bot's command tree; with
    `focused`, the autocomplete request for that option instead."""
    leaf = {"name": command[-1], "type": 1, "options": [
        {"name": name, "type": 3, "value": value, **({"focused": True} if name == focused else {})}
        for name, value in options.items()
    ]}
    for name in reversed(command[1:-1]):
        leaf = {"name": name, "type": 2, "options": [leaf]}
    channel = dpytest.get_config().channels[0]
    data = {
        "id": str(factories.make_id()), "application_id": str(factories.make_id()),
        "type": 2 if focused is None else 4, "token": "token", "version": 1,
        "attachment_size_limit": 8 << 20, "locale": "en-US", "context": 0,
        "guild_id": str(channel.guild.id), "channel_id": str(channel.id),
        "channel": {"id": str(channel.id), "type": 0, "guild_id": str(channel.guild.id)},
        "member": {**factories.dict_from_member(member), "permissions": "0"},
        "data": {"id": str(factories.make_id()), "name": command[0], "type": 1,
                 "options": [leaf]},
    }
    interactions = FakeInteractions(bot)
    token = async_context.set(interactions)
    try:
        await bot.tree._call(discord.Interaction(data=data, state=bot._connection))
        await dpytest.run_all_events()  # error handlers run as events of their own
    finally:
        async_context.reset(token)
    return interactions
