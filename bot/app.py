"""The Discord bot: configuration, the bot with its cogs, and running it.

    create_bot(config) -> SageBot; run_bot(config) -> exit code

At start (setup_hook) the bot opens its state file, loads the engine, adds the cogs and
starts the weekly scheduler; when connected (on_ready) it sends any weekly post that came
due while it was down. Slash commands are registered with Discord only when asked
(`sage bot --sync`): syncing on every start would spend a rate-limited API call for
nothing, and commands stay registered between runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import discord
from discord.ext import commands

from bot.budget import CommandBudget
from bot.cogs import GROUP
from bot.cogs.admin import Admin
from bot.cogs.feedback import Feedback
from bot.cogs.maps import Maps
from bot.cogs.privacy import Privacy
from bot.cogs.recommend import Recommend
from bot.cogs.weekly import Weekly
from bot.embeds import help_embed, weekly_embed
from bot.engine_host import EngineHost
from bot.errors import error_reply
from bot.safety import NO_MENTIONS
from bot.schedule import WeeklyScheduler
from bot.state.connection import BotState
from bot.weekly import WeeklyPost
from engine.answer import DEFAULT_SPACE

log = logging.getLogger(__name__)

# The Recommend cog defines the group the others attach to: it loads first.
COGS = (Recommend, Feedback, Privacy, Weekly, Admin, Maps)

EXIT_BAD_TOKEN = 2  # as the CLI's other user errors


@dataclass(frozen=True)
class BotConfig:
    store_path: Path
    state_path: Path
    space: str = DEFAULT_SPACE
    message_content: bool = False  # the privileged intent that `!sage …` needs
    reload_every: float = 60.0  # seconds between looks at the store's active runs
    sync_commands: bool = False  # register the slash commands with Discord at start
    prefix: str = "!"
    token: str | None = field(default=None, repr=False)


def intents_for(config: BotConfig) -> discord.Intents:
    """Only what Sage uses. Without Message Content, prefix commands still work when they
    mention the bot (`@Sage sage like …`) and in direct messages; slash commands always."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = intents.dm_messages = True
    intents.guild_reactions = intents.dm_reactions = True
    intents.message_content = config.message_content
    return intents


# An interrupted weekly post is looked for among the messages since its last try, a page
# (the most Discord gives at once) at a time, up to this many pages: it follows its try
# within seconds, so it is nearly always in the first.
WEEKLY_HISTORY_PAGE = 100
WEEKLY_HISTORY_PAGES = 10
# Put on a command of a user over budget, once they were told in words this window.
SLOW_DOWN_EMOJI = "⏳"


class SageBot(commands.Bot):
    state: BotState
    weekly: WeeklyScheduler

    def __init__(self, config: BotConfig, engines: EngineHost | None = None):
        super().__init__(
            command_prefix=commands.when_mentioned_or(config.prefix),
            intents=intents_for(config),
            allowed_mentions=NO_MENTIONS,
            help_command=None,  # `sage help` instead: `!help` belongs to whichever bot
        )
        self.config = config
        self.engines = engines or EngineHost(
            config.store_path, config.space, reload_every=config.reload_every
        )
        self.budget = CommandBudget()
        self.add_check(self._within_budget)

    async def _within_budget(self, ctx: commands.Context) -> bool:
        """Every command, prefix or slash, spends from the user's one budget (bot.budget)."""
        event = ctx.interaction.id if ctx.interaction is not None else ctx.message.id
        retry_after = self.budget.spend(ctx.author.id, event)
        if retry_after is not None:
            cooldown = commands.Cooldown(self.budget.per_window, self.budget.window)
            raise commands.CommandOnCooldown(cooldown, retry_after, commands.BucketType.user)
        return True

    async def setup_hook(self) -> None:
        self.state = await asyncio.to_thread(BotState.open, self.config.state_path)
        await self.engines.start()
        for cog in COGS:
            await self.add_cog(cog(self))
        self.weekly = WeeklyScheduler(self.state, lambda: self.engines.engine,
                                      self.send_weekly_post, self.find_weekly_post)
        await self.weekly.start()
        if self.config.sync_commands:
            synced = await self.tree.sync()
            log.info("registered %d slash commands with Discord", len(synced))

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))
        # Again after the sweep at start: this runs after every reconnect too, and a week
        # is claimed once, so a sweep that finds nothing due costs nothing.
        await self.weekly.catch_up()

    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        if isinstance(error, commands.TooManyArguments) and ctx.interaction is None and (
            ctx.invoked_parents[:1] == [GROUP]
        ):  # "!sage help me find bands like X": a question, as the router reads it
            words = ctx.message.content[len(ctx.prefix):].split(None, 1)
            await ctx.invoke(self.get_command(GROUP), query=words[1] if len(words) > 1 else "")
            return
        if (
            isinstance(error, commands.MissingRequiredArgument)
            and ctx.command is not None
            and ctx.command.qualified_name == GROUP
        ):  # a bare `!sage`
            await ctx.send(embed=help_embed(self.config.prefix), allowed_mentions=NO_MENTIONS)
            return
        if (
            isinstance(error, commands.CommandOnCooldown)
            and ctx.interaction is None
            and error.type is commands.BucketType.user
            and not self.budget.tell(ctx.author.id, error.retry_after)
        ):  # told once this window: a reaction says it now, not another message
            with contextlib.suppress(discord.HTTPException):
                await ctx.message.add_reaction(SLOW_DOWN_EMOJI)
            return
        reply = error_reply(error, prefix=self.config.prefix, command=ctx.command)
        if reply is not None:
            await ctx.send(reply, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def send_weekly_post(
        self, channel_id: int, post: WeeklyPost, marker: str, nonce: str
    ) -> int:
        """The scheduler's `send`: post to the channel, marked, return the message's id."""
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        message = await channel.send(embed=weekly_embed(post, marker=marker), nonce=nonce,
                                     allowed_mentions=NO_MENTIONS)
        return message.id

    async def find_weekly_post(self, channel_id: int, marker: str, after: float) -> int | None:
        """The scheduler's `find_post`: Sage's own message in the channel whose embed
        footer ends with `marker`, among the messages since `after` (unix seconds, less a
        minute for clocks); None when there is none. Read as Discord's documented
        JSON, not as discord.py messages: a server that adds a field discord.py does not
        expect (Spacebar's "thread": null) must not keep a post from being found."""
        after_id = discord.utils.time_snowflake(datetime.fromtimestamp(after - 60, UTC))
        for _ in range(WEEKLY_HISTORY_PAGES):
            messages = await self.http.logs_from(channel_id, WEEKLY_HISTORY_PAGE, after=after_id)
            for message in messages:
                if int(message["author"]["id"]) == self.user.id and any(
                    (embed.get("footer") or {}).get("text", "").endswith(marker)
                    for embed in message.get("embeds") or ()
                ):
                    return int(message["id"])
            if len(messages) < WEEKLY_HISTORY_PAGE:
                break
            after_id = max(int(message["id"]) for message in messages)
        return None

    async def close(self) -> None:
        # After a failed login setup_hook never ran: there is no scheduler or state yet.
        # The weekly posts stop first and finish what they are doing, then the state closes.
        if hasattr(self, "weekly"):
            await self.weekly.stop()
        await self.engines.stop()
        if hasattr(self, "state"):
            self.state.close()
        await super().close()


class ShardedSageBot(SageBot, commands.AutoShardedBot):
    """Sage over several gateway connections, for bots in thousands of servers."""


def create_bot(
    config: BotConfig, *, sharded: bool = False, engines: EngineHost | None = None
) -> SageBot:
    """The bot, not yet connected. `engines` replaces the host that loads from the store."""
    # Sage has no voice: the warnings that voice libraries are missing are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    return (ShardedSageBot if sharded else SageBot)(config, engines)


def run_bot(config: BotConfig, *, sharded: bool = False) -> int:
    """Run until stopped; the exit code. A missing or rejected token is one clear line."""
    if not config.token:
        return _fail("set DISCORD_TOKEN to your bot's token (Discord developer portal > "
                     "your application > Bot > Reset Token)")
    try:
        create_bot(config, sharded=sharded).run(config.token, log_handler=None)
    except (aiohttp.ClientConnectionError, OSError) as exc:
        print(f"sage bot: error: cannot reach Discord: {exc}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        return _fail("Discord rejected the token in DISCORD_TOKEN: reset it in the developer "
                     "portal and try again")
    except discord.PrivilegedIntentsRequired:
        return _fail("--message-content needs the Message Content intent: turn it on in the "
                     "developer portal (your application > Bot > Privileged Gateway Intents)")
    return 0


def _fail(message: str) -> int:
    print(f"sage bot: error: {message}", file=sys.stderr)
    return EXIT_BAD_TOKEN
