"""`!sage like … hate …` (`/sage ask`), `sage tracks …`, `sage similar BAND` and `sage help`.

Each command is thin: defer (a slash command must be acknowledged within 3 seconds),
run the engine in an engine thread with the asker's feedback, send the embed, remember
the result message so reactions on it become votes, and add 👍 👎 to invite them.

Whatever reaches the `ask` fallback goes through engine.commands.route, the router
`sage chat` uses too: "/sage ask query: similar Converge" runs `similar`, as the console
does, and a prefix command word in any case ("!sage Similar X") is the command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import GROUP, band_choices, name_choices
from bot.embeds import answer_embed, help_embed, notice_embed, tracks_embed
from bot.feedback import DISLIKE_EMOJI, LIKE_EMOJI, MAX_RESULTS, soft_hates, soft_likes
from bot.safety import NO_MENTIONS, clip_query, escape
from bot.state.connection import BotState
from bot.state.results import record_results, user_votes
from engine.answer import Answer, Engine
from engine.commands import ASK, QUIT, SIMILAR, TRACKS, Request, Where, route
from engine.complete import complete_query
from engine.query import Polarity
from engine.track_answer import TrackAnswer

if TYPE_CHECKING:
    from bot.app import SageBot

log = logging.getLogger(__name__)


def ask_for(engine: Engine, state: BotState, user_id: int, text: str) -> Answer:
    """The engine's answer, minus the bands the user disliked and a little away from
    them, steered by those they liked. Blocking: run it in an engine thread
    (EngineHost.run)."""
    votes = user_votes(state, user_id)
    return engine.ask(
        clip_query(text), k=MAX_RESULTS, exclude_ids=votes.disliked,
        soft_likes=soft_likes(votes), soft_hates=soft_hates(votes),
    )


def tracks_for(engine: Engine, state: BotState, user_id: int, text: str) -> TrackAnswer:
    """The engine's track answer, with no track of a band the user disliked. Blocking."""
    votes = user_votes(state, user_id)
    return engine.ask_tracks(clip_query(text), k=MAX_RESULTS, exclude_ids=votes.disliked)


def _similar_title(answer: Answer) -> str:
    return f"Bands like {escape(answer.likes[0])}" if answer.likes else "Bands like that"


def named_ids(answer: Answer, polarity: Polarity) -> list[int]:
    return [
        term.artist.artist_id
        for term in answer.understood.terms
        if term.term.polarity is polarity and term.artist is not None
    ]


class Recommend(commands.Cog):
    def __init__(self, bot: SageBot):
        self.bot = bot

    @commands.hybrid_group(name=GROUP, fallback="ask", case_insensitive=True)
    @app_commands.describe(query="e.g. I'm into Minor Threat and Have Heart but I hate DMX")
    async def sage(self, ctx: commands.Context, *, query: str) -> None:
        """Bands for your taste: like some bands and genres, hate others."""
        request = route(query)
        if request.command is ASK:
            await self.answer(ctx, request.query, title=lambda answer: "Bands for you")
        else:
            await self.run_request(ctx, request)

    async def run_request(self, ctx: commands.Context, request: Request) -> None:
        """A command the router found in a query's text: run it as if typed as one."""
        command = request.command
        if command is QUIT or command.where is Where.CHAT:
            await ctx.send(embed=notice_embed(
                "Nothing to end", f"`{command.name}` ends `sage chat`; here, just stop asking."),
                ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        target = self.bot.get_command(f"{GROUP} {command.name}")
        if target is None or command.takes not in (None, "band", "query"):
            await ctx.send(embed=notice_embed(
                "Use the command", f"Say `{self.bot.config.prefix}{GROUP} {command.usage}` "
                f"or use `/{GROUP} {command.name}`."), ephemeral=True,
                allowed_mentions=NO_MENTIONS)
            return
        # Its checks and its own rate limit (a map's) hold whichever way it came.
        await target.can_run(ctx)
        target._prepare_cooldowns(ctx)  # discord.py's step that Context.invoke skips
        if command.takes is None:
            await ctx.invoke(target)
        elif not request.argument:
            raise commands.MissingRequiredArgument(target.clean_params[command.takes])
        else:
            await ctx.invoke(target, **{command.takes: request.argument})

    @sage.autocomplete("query")
    async def _complete_query(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return name_choices(complete_query(self.bot.engines.completer, current))

    @sage.command(name=TRACKS.name)
    @app_commands.describe(query='e.g. like Fugazi, Slint, "Have Heart - Watch Me Rot"')
    async def tracks(self, ctx: commands.Context, *, query: str) -> None:
        """Tracks for your taste, one a band, with where each plays."""
        await ctx.defer()
        answer = await self.bot.engines.run(tracks_for, self.bot.state, ctx.author.id, query)
        message = await ctx.send(embed=tracks_embed(answer), allowed_mentions=NO_MENTIONS)
        # A rating on a track rates its band, as on a band answer.
        await self.remember(
            ctx, message, [item.artist_id for item in answer.items],
            [seed.artist_id for seed in answer.seeds if seed.liked],
            [seed.artist_id for seed in answer.seeds if not seed.liked])

    @tracks.autocomplete("query")
    async def _complete_tracks_query(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return name_choices(complete_query(self.bot.engines.completer, current))

    @sage.command(name="similar")
    @app_commands.describe(band="a band you like")
    async def similar(self, ctx: commands.Context, *, band: str) -> None:
        """Bands like one band."""
        await self.answer(ctx, Request(SIMILAR, band).query, title=_similar_title)

    @similar.autocomplete("band")
    async def _complete_band(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return band_choices(self.bot, current)

    @sage.command(name="help", ignore_extra=False)
    async def help(self, ctx: commands.Context) -> None:
        """How to ask Sage, rate its answers, and what it stores."""
        await ctx.send(embed=help_embed(self.bot.config.prefix), ephemeral=True,
                       allowed_mentions=NO_MENTIONS)

    async def answer(
        self, ctx: commands.Context, query: str, *, title: Callable[[Answer], str]
    ) -> None:
        await ctx.defer()
        answer = await self.bot.engines.run(ask_for, self.bot.state, ctx.author.id, query)
        message = await ctx.send(embed=answer_embed(answer, title=title(answer)),
                                 allowed_mentions=NO_MENTIONS)
        items = answer.recommendation.items if answer.recommendation is not None else ()
        await self.remember(ctx, message, [item.artist_id for item in items],
                            named_ids(answer, Polarity.LIKE), named_ids(answer, Polarity.HATE))

    async def remember(self, ctx: commands.Context, message: discord.Message,
                       artist_ids: list[int], like_ids: list[int], hate_ids: list[int]) -> None:
        """Record a result message, so that reactions on it become votes, and invite them."""
        if not artist_ids:
            return
        await asyncio.to_thread(
            record_results, self.bot.state, message.id,
            guild_id=ctx.guild.id if ctx.guild else None, channel_id=ctx.channel.id,
            user_id=ctx.author.id, artist_ids=artist_ids, like_ids=like_ids, hate_ids=hate_ids,
        )
        try:
            for emoji in (LIKE_EMOJI, DISLIKE_EMOJI):
                await message.add_reaction(emoji)
        except discord.HTTPException as exc:  # no Add Reactions permission: still usable
            log.debug("cannot add rating reactions in channel %s: %s", ctx.channel.id, exc)

