"""Each command end to end through dpytest's fake Discord: a message in, what Sage sends."""

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot.app import SLOW_DOWN_EMOJI, BotConfig, create_bot
from bot.budget import QUERIES_PER_WINDOW
from bot.cogs.recommend import Recommend
from bot.feedback import DISLIKE_EMOJI, FOOTER, LIKE_EMOJI
from bot.state.results import posted_results
from tests.bot_fixtures import HARDCORE, numbered_names

pytestmark = pytest.mark.asyncio


def fields(embed: discord.Embed) -> dict[str, str]:
    return {field.name: field.value for field in embed.fields}


def embed_text(embed: discord.Embed) -> str:
    return str(embed.to_dict())


async def test_like_hate_answers_with_numbered_bands_why_and_rating_help(bot):
    await dpytest.message("!sage like Minor Threat, Have Heart hate DMX")
    message = dpytest.get_message()
    embed = message.embeds[0]
    names = numbered_names(embed)
    assert embed.title == "Bands for you" and len(names) == 10
    # The hardcore bands share a direction in the test space: they lead the answer.
    assert set(names[:4]) == set(HARDCORE) - {"Minor Threat", "Have Heart"}
    assert all(" · close to Minor Threat" in line or " · close to Have Heart" in line
               for line in embed.description.splitlines())
    assert fields(embed)["Understood"] == "like Minor Threat, Have Heart · hate DMX"
    assert embed.footer.text == FOOTER
    assert [str(r.emoji) for r in message.reactions] == [LIKE_EMOJI, DISLIKE_EMOJI]
    posted = posted_results(bot.state, message.id)
    assert posted is not None and len(posted.artist_ids) == 10


async def test_unknown_names_get_an_honest_note_and_nothing_to_rate(bot):
    await dpytest.message("!sage like Inside Out hate DMX")
    message = dpytest.get_message()
    embed = message.embeds[0]
    assert numbered_names(embed) == [] and embed.footer.text is None
    # Not "did you mean Out Out": no catalog name is plausibly the one typed.
    assert 'no band called "Inside Out" here' in fields(embed)["Notes"]
    assert "did you mean" not in fields(embed)["Notes"]
    assert fields(embed)["Understood"] == "hate DMX"
    assert posted_results(bot.state, message.id) is None and not message.reactions


async def test_similar_is_a_like_query_with_its_own_title(bot):
    await dpytest.message("!sage similar minor threat")
    embed = dpytest.get_embed()
    assert embed.title == "Bands like Minor Threat"
    assert set(numbered_names(embed)[:5]) == set(HARDCORE) - {"Minor Threat"}


async def test_help_and_a_bare_sage_explain_commands_and_rating(bot):
    await dpytest.message("!sage help")
    embed = dpytest.get_embed()
    assert "!sage similar BAND" in embed.description
    assert "👍 alone likes every band" in fields(embed)["Rating"]
    with pytest.raises(commands.MissingRequiredArgument):
        await dpytest.message("!sage")
    assert dpytest.get_embed().title == embed.title


async def test_mentions_and_markdown_cannot_get_through(bot, monkeypatch):
    sent = []
    original = discord.abc.handle_message_parameters

    def recording(*args, **kwargs):
        params = original(*args, **kwargs)
        sent.append(params.payload)
        return params

    monkeypatch.setattr(discord.abc, "handle_message_parameters", recording)
    other = dpytest.get_config().members[1]
    await dpytest.message(
        f"!sage like @everyone Minor Threat, {other.mention} **Zzyzx Qwv** @here "
        "hate `DMX` [x](https://evil.example)"
    )
    text = embed_text(dpytest.get_embed())
    for raw in ("@everyone", "@here", other.mention, "**Zzyzx", "https://evil", "`DMX`"):
        assert raw not in text
    # Catalog names are escaped too: this one is all markdown.
    await dpytest.message("!sage similar N*E*R*D")
    embed = dpytest.get_embed()
    assert embed.title == r"Bands like N\*E\*R\*D"
    # Every send says so itself (dpytest replaces the bot's default, set in create_bot).
    assert sent and all(payload.get("allowed_mentions") == {"parse": []} for payload in sent)


async def test_overlong_query_is_cut_and_said_so(bot):
    await dpytest.message("!sage like Minor Threat, " + "x" * 3000)
    embed = dpytest.get_embed()
    assert "only its beginning was read" in fields(embed)["Notes"]
    assert len(embed) <= 6000


async def test_per_user_cooldown(bot):
    for _ in range(QUERIES_PER_WINDOW):
        await dpytest.message("!sage like Minor Threat")
        dpytest.get_message()
    with pytest.raises(commands.CommandOnCooldown):
        await dpytest.message("!sage like Minor Threat")
    assert dpytest.get_message().content.startswith("Easy there: try again in")
    # Another user is not slowed down.
    await dpytest.message("!sage like Minor Threat", member=1)
    assert dpytest.get_embed().title == "Bands for you"


async def test_one_budget_across_commands_and_one_warning_per_window(bot, monkeypatch):
    asked = []
    original = bot.engines.run

    async def counting(function, *args):
        asked.append(args)
        return await original(function, *args)

    monkeypatch.setattr(bot.engines, "run", counting)
    lines = ["like Minor Threat", "similar Have Heart", "help"] * 10
    sent = []
    for line in lines:
        try:
            await dpytest.message(f"!sage {line}")
        except commands.CommandOnCooldown:
            pass
        while not dpytest.sent_queue.empty():
            sent.append(await dpytest.sent_queue.get())
    # 30 commands of three kinds: 5 ran, and the one warning was the only other message.
    print(f"\n{len(lines)} commands (like, similar, help) by one user at once: "
          f"{len(asked)} engine queries, {len(sent)} messages sent")
    assert len(asked) <= QUERIES_PER_WINDOW
    warnings = [m for m in sent if m.content.startswith("Easy there")]
    assert len(warnings) == 1 and len(sent) == QUERIES_PER_WINDOW + 1
    # After the warning, a reaction on each command says it.
    channel = dpytest.get_config().channels[0]
    last = [m async for m in channel.history(limit=1)][0]
    assert [str(r.emoji) for r in last.reactions] == [SLOW_DOWN_EMOJI]


async def test_unknown_subcommands_and_missing_arguments_get_usage(bot):
    await dpytest.message("!sage weekly nonsense")
    assert dpytest.get_message().content == "Try `!sage weekly preview`."
    await dpytest.message("!sage forget")
    assert "!sage forget me" in dpytest.get_message().content
    with pytest.raises(commands.MissingRequiredArgument):
        await dpytest.message("!sage similar")
    assert dpytest.get_message().content == "Missing `band`. Usage: `!sage similar <band>`"
    # Other bots' commands that share the prefix are not Sage's business.
    with pytest.raises(commands.CommandNotFound):
        await dpytest.message("!play something")
    assert dpytest.verify().message().nothing()


async def test_slash_commands_form_one_sage_group(bot):
    [sage] = bot.tree.get_commands()
    children = {command.name: command for command in sage.commands}
    assert {"ask", "similar", "map", "help", "profile", "forget", "setup", "weekly",
            "reload", "tracks"} == set(children)
    assert [c.name for c in children["forget"].commands] == ["me"]
    assert [c.name for c in children["weekly"].commands] == ["preview"]
    assert [p.display_name for p in children["setup"].parameters] == [
        "channel", "day", "time", "timezone"]
    sage.to_dict(bot.tree)  # what `--sync` sends: valid names, descriptions, options


async def test_slash_autocomplete_completes_the_name_being_typed(bot):
    sage = bot.tree.get_commands()[0].to_dict(bot.tree)
    options = {c["name"]: c["options"] for c in sage["options"] if c["name"] in ("ask", "similar")}
    assert options["ask"][0]["autocomplete"] and options["similar"][0]["autocomplete"]
    cog = bot.get_cog(Recommend.__cog_name__)
    choices = await cog._complete_query(None, "like Minor Threat, Have He")
    assert [c.value for c in choices] == ["like Minor Threat, Have Heart"]
    choices = await cog._complete_band(None, "sick of")
    assert choices[0].value == "Sick of It All" and len(choices) <= 25


async def test_default_bot_needs_no_privileged_intent_and_pings_nobody(bot):
    fresh = create_bot(BotConfig(bot.config.store_path, bot.config.state_path))
    intents = fresh.intents
    assert not intents.message_content and intents.guild_reactions and intents.dm_reactions
    assert not intents.members and not intents.presences
    assert fresh.allowed_mentions.to_dict() == {"parse": []}
    assert isinstance(create_bot(bot.config, sharded=True), commands.AutoShardedBot)
