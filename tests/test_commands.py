"""One command set: the router, and the same lines through `sage chat`, `!sage` and `/sage`."""

import argparse

import discord.ext.test as dpytest
import pytest
import pytest_asyncio
from discord.ext import commands

from bot.app import BotConfig
from bot.engine_host import EngineHost
from cli.chat import ChatSession, reply
from cli.main import main
from engine.commands import (
    ASK,
    COMMANDS,
    FORGET,
    HELP,
    MAP,
    PROFILE,
    QUIT,
    SETUP,
    SIMILAR,
    WEEKLY,
    Where,
    help_lines,
    route,
)
from tests.bot_fixtures import HARDCORE, numbered_names, slash, start_bot, stop_bot


@pytest.mark.parametrize(("line", "command", "argument"), [
    ("like Minor Threat hate DMX", ASK, "like Minor Threat hate DMX"),
    ("I'm into Fugazi", ASK, "I'm into Fugazi"),
    ("similar Converge", SIMILAR, "Converge"),
    ("Similar to Have Heart", SIMILAR, "to Have Heart"),
    ("!sage similar Converge", SIMILAR, "Converge"),
    ("/sage map Minor Threat", MAP, "Minor Threat"),
    ("MAP of Converge", MAP, "of Converge"),
    ("help", HELP, ""),
    ("Help?", HELP, ""),
    ("commands", HELP, ""),
    ("profile", PROFILE, ""),
    ("forget me", FORGET, ""),
    ("weekly preview", WEEKLY, ""),
    ("setup #general monday", SETUP, "#general monday"),
    ("quit", QUIT, ""),
    ("exit", QUIT, ""),
    ("ask like Converge", ASK, "like Converge"),
    # A command word that takes nothing is a command only alone.
    ("help me find bands like Converge", ASK, "help me find bands like Converge"),
    ("profile of Have Heart", ASK, "profile of Have Heart"),
    ("forget Minor Threat", ASK, "forget Minor Threat"),
    ("", ASK, ""),
])
def test_route(line, command, argument):
    request = route(line)
    assert (request.command, request.argument) == (command, argument)


def test_similar_asks_in_the_readers_own_words():
    assert route("similar Converge").query == "similar Converge"
    assert route("similar to Converge").query == "similar to Converge"


def test_help_lists_what_works_where():
    chat = [usage for usage, _ in help_lines(Where.CHAT)]
    discord = [usage for usage, _ in help_lines(Where.DISCORD, "!sage ")]
    assert "quit" in chat and "reload" not in chat
    assert "!sage reload" in discord and "!sage quit" not in discord
    assert len(chat) + len(discord) == len(COMMANDS) + sum(
        c.where is Where.BOTH for c in COMMANDS)


@pytest.fixture
def chat(bot_engine, bundled_store_path):
    session = ChatSession()
    options = argparse.Namespace(top=5, novelty=0.0)

    def say(line: str) -> str | None:
        return reply(bot_engine, bundled_store_path, session, route(line), options)

    return say


def test_chat_runs_the_commands(chat):
    assert chat("profile").startswith("Nothing yet")
    answer = chat("Similar to Minor Threat")
    assert answer.startswith("understood: like Minor Threat")
    assert "you liked: Minor Threat" in chat("profile")
    assert chat("forget me").startswith("Forgotten")
    assert chat("profile").startswith("Nothing yet")
    assert "similar BAND" in chat("help") and "quit" in chat("help")
    assert "works in a Discord server" in chat("weekly preview")
    assert chat("similar").startswith("similar needs a band")
    assert chat("quit") is None


def test_chat_keeps_going_past_blank_lines_and_ends_on_quit(bundled_store_path, bot_engine,
                                                            monkeypatch, capsys):
    typed = iter(["", "help", "  ", "similar minor threat", "quit", "never read"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    monkeypatch.setattr("cli.chat.load_engine", lambda args: bot_engine)
    assert main(["--store", str(bundled_store_path), "chat", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "map BAND" in out and "understood: like Minor Threat" in out
    assert next(typed) == "never read"


@pytest_asyncio.fixture
async def both_bots(bundled_store_path, bot_engine, tmp_path):
    """A bot taking prefix commands, as the `bot` fixture, for the same lines."""
    config = BotConfig(store_path=bundled_store_path, state_path=tmp_path / "state.sqlite3",
                       message_content=True)
    engines = EngineHost(bundled_store_path, config.space, reload_every=3600,
                         load=lambda path, space: bot_engine)
    bot = await start_bot(config, engines)
    yield bot
    await stop_bot(bot)


@pytest.mark.asyncio
@pytest.mark.parametrize("line", ["similar minor threat", "Similar to Minor Threat",
                                  "SIMILAR Minor Threat"])
async def test_a_line_that_works_in_chat_works_as_prefix_and_slash(both_bots, chat, line):
    expected = {"Bands like Minor Threat"}
    assert chat(line).startswith("understood: like Minor Threat")
    await dpytest.message(f"!sage {line}")
    prefix = dpytest.get_embed()
    member = dpytest.get_config().members[0]
    sent = await slash(both_bots, member, ["sage", "ask"], query=line)
    [(_, answer)] = sent.followups
    titles = {prefix.title, answer.embeds[0].title}
    assert titles == expected
    assert set(numbered_names(prefix)[:5]) == set(HARDCORE) - {"Minor Threat"}
    assert numbered_names(prefix) == numbered_names(answer.embeds[0])


@pytest.mark.asyncio
async def test_help_through_the_ask_route_is_the_help(both_bots):
    member = dpytest.get_config().members[0]
    sent = await slash(both_bots, member, ["sage", "ask"], query="help")
    [response] = sent.responses  # answered at once, privately
    [embed] = response["data"]["embeds"]
    assert "!sage similar BAND" in embed["description"]
    assert response["data"]["flags"] == 64


@pytest.mark.asyncio
@pytest.mark.parametrize("line", ["help me find bands like Minor Threat",
                                  "profile of Minor Threat"])
async def test_a_command_word_opening_a_question_is_a_question(both_bots, line):
    assert route(line).command is ASK
    with pytest.raises(commands.TooManyArguments):  # dpytest re-raises what was handled
        await dpytest.message(f"!sage {line}")
    embed = dpytest.get_embed()
    assert embed.title == "Bands for you" and "Minor Threat" in str(embed.fields)


@pytest.mark.asyncio
async def test_subcommand_words_in_any_case(both_bots):
    await dpytest.message("!sage FORGET ME")
    assert dpytest.get_embed().title == "Nothing to forget"
