"""`sage profile` shows what Sage stores about you; `sage forget me` deletes it.

Forgetting asks first: Sage posts what would go and deletes only once the asker reacts
✅ on that message within a minute. A reaction works without the Message Content intent
and in slash and prefix use alike; a pending confirmation is only kept in memory, so a
restart cancels it, which errs on the side of keeping the data.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cogs import Subcommands
from bot.embeds import forget_prompt_embed, notice_embed, profile_embed
from bot.safety import NO_MENTIONS
from bot.state.privacy import forget_user, user_data

if TYPE_CHECKING:
    from bot.app import SageBot

CONFIRM_EMOJI = "✅"
CONFIRM_SECONDS = 60


@dataclass(frozen=True)
class _Pending:
    prompt: discord.Message
    user_id: int  # the only one who may confirm
    expires: float  # time.monotonic()


class Privacy(Subcommands):
    def __init__(self, bot: SageBot):
        super().__init__(bot)
        self._pending: dict[int, _Pending] = {}  # by prompt message id

    @commands.hybrid_command(name="profile", ignore_extra=False)
    async def profile(self, ctx: commands.Context) -> None:
        """What Sage stores about you."""
        await ctx.defer(ephemeral=True)
        data = await asyncio.to_thread(user_data, self.bot.state, ctx.author.id)
        names = self.bot.engines.engine.space.artist_names
        await ctx.send(embed=profile_embed(data, names), ephemeral=True,
                       allowed_mentions=NO_MENTIONS)

    @commands.hybrid_group(name="forget", case_insensitive=True)
    async def forget(self, ctx: commands.Context) -> None:
        """Delete what Sage stores about you."""
        await ctx.send(f"To delete what Sage stores about you, say `{self.bot.config.prefix}sage "
                       "forget me` (or `/sage forget me`).", ephemeral=True,
                       allowed_mentions=NO_MENTIONS)

    @forget.command(name="me", ignore_extra=False)
    async def forget_me(self, ctx: commands.Context) -> None:
        """Delete everything Sage stores about you (asks to confirm first)."""
        await ctx.defer()
        data = await asyncio.to_thread(user_data, self.bot.state, ctx.author.id)
        if not data:
            await ctx.send(embed=notice_embed("Nothing to forget",
                                              "Sage stores nothing about you."),
                           allowed_mentions=NO_MENTIONS)
            return
        prompt = await ctx.send(embed=forget_prompt_embed(data, CONFIRM_EMOJI, CONFIRM_SECONDS),
                                allowed_mentions=NO_MENTIONS)
        self._forget_expired()
        self._pending[prompt.id] = _Pending(prompt, ctx.author.id,
                                            time.monotonic() + CONFIRM_SECONDS)
        await prompt.add_reaction(CONFIRM_EMOJI)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        pending = self._pending.get(payload.message_id)
        if (
            pending is None
            or payload.user_id != pending.user_id
            or str(payload.emoji) != CONFIRM_EMOJI
        ):
            return
        del self._pending[payload.message_id]
        if time.monotonic() > pending.expires:
            await pending.prompt.edit(embed=notice_embed("Kept", "The confirmation timed out; "
                                                 "nothing was deleted."))
            return
        deleted = await asyncio.to_thread(forget_user, self.bot.state, pending.user_id)
        await pending.prompt.edit(embed=notice_embed(
            "Forgotten", f"Deleted everything Sage stored about you ({deleted} records)."
        ))

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for message_id in [m for m, p in self._pending.items() if p.expires < now]:
            del self._pending[message_id]
