"""The slash form of the commands, through the bot's command tree with Discord's
interaction endpoints faked: deferred before the work, answered by follow-up, private
where it should be, and all without the Message Content intent."""

import discord
import discord.ext.test as dpytest
import pytest
import pytest_asyncio

from bot.app import BotConfig
from bot.engine_host import EngineHost
from bot.feedback import LIKE_EMOJI
from bot.state.results import user_votes
from tests.bot_fixtures import HARDCORE, numbered_names, slash, start_bot, stop_bot

pytestmark = pytest.mark.asyncio

DEFERRED = discord.InteractionResponseType.deferred_channel_message.value
MESSAGE = discord.InteractionResponseType.channel_message.value
AUTOCOMPLETE = discord.InteractionResponseType.autocomplete_result.value
EPHEMERAL = discord.MessageFlags(ephemeral=True).value


@pytest_asyncio.fixture
async def slash_bot(bundled_store_path, bot_engine, tmp_path):
    """A bot without the Message Content intent: slash commands only."""
    config = BotConfig(store_path=bundled_store_path, state_path=tmp_path / "state.sqlite3")
    engines = EngineHost(bundled_store_path, config.space, reload_every=3600,
                         load=lambda path, space: bot_engine)
    bot = await start_bot(config, engines)
    assert not bot.intents.message_content
    yield bot
    await stop_bot(bot)


async def test_ask_defers_then_answers_and_reactions_rate_it(slash_bot):
    member = dpytest.get_config().members[0]
    sent = await slash(slash_bot, member, ["sage", "ask"], query="like Minor Threat")
    assert [r["type"] for r in sent.responses] == [DEFERRED]
    [(payload, answer)] = sent.followups
    names = numbered_names(answer.embeds[0])
    assert set(names[:5]) == set(HARDCORE) - {"Minor Threat"}
    assert "flags" not in payload  # public, so that everyone can rate it
    assert payload["allowed_mentions"] == {"parse": []}
    await dpytest.add_reaction(member, answer, LIKE_EMOJI)
    assert len(user_votes(slash_bot.state, member.id).liked) == 10


async def test_tracks_by_its_own_command_or_typed_into_ask(slash_bot):
    member = dpytest.get_config().members[0]
    for command, query in [("tracks", "like Minor Threat"), ("ask", "tracks like Minor Threat")]:
        sent = await slash(slash_bot, member, ["sage", command], query=query)
        [(_, answer)] = sent.followups
        assert answer.embeds[0].title == "Tracks for you"  # this store has none: it says so


async def test_profile_is_private(slash_bot):
    member = dpytest.get_config().members[0]
    sent = await slash(slash_bot, member, ["sage", "profile"])
    assert sent.responses == [{"type": DEFERRED, "data": {"flags": EPHEMERAL}}]
    [(payload, profile)] = sent.followups
    assert payload["flags"] == EPHEMERAL
    assert profile.embeds[0].title == "What Sage stores about you"


async def test_errors_answer_privately(slash_bot):
    member = dpytest.get_config().members[1]
    sent = await slash(slash_bot, member, ["sage", "reload"])
    [response] = sent.responses
    assert response["type"] == MESSAGE and response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"] == "Only the bot's owner can do that."


async def test_autocomplete_through_the_tree(slash_bot):
    member = dpytest.get_config().members[0]
    sent = await slash(slash_bot, member, ["sage", "ask"], focused="query",
                       query="like Minor Threat, Have He")
    [response] = sent.responses
    assert response["type"] == AUTOCOMPLETE
    assert response["data"]["choices"] == [
        {"name": "like Minor Threat, Have Heart", "value": "like Minor Threat, Have Heart"}]
    sent = await slash(slash_bot, member, ["sage", "similar"], focused="band", band="sick of")
    assert sent.responses[0]["data"]["choices"][0]["value"] == "Sick of It All"
