"""Reactions on Sage's result messages become votes (the scheme is in bot.feedback).

Raw reaction events arrive for every message, cached or not, so votes on answers from
before a restart count too. Bots' reactions, Sage's own 👍 👎 among them, are dropped
here and never reach the state; so are emojis the scheme does not use.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.feedback import scheme_emoji
from bot.state.results import set_reaction

if TYPE_CHECKING:
    from bot.app import SageBot

log = logging.getLogger(__name__)


class Feedback(commands.Cog):
    def __init__(self, bot: SageBot):
        self.bot = bot

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reacted(payload, present=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reacted(payload, present=False)

    async def _reacted(self, payload: discord.RawReactionActionEvent, *, present: bool) -> None:
        emoji = str(payload.emoji)
        if scheme_emoji(emoji) is None or self._by_a_bot(payload):
            return
        change = await asyncio.to_thread(
            set_reaction, self.bot.state, payload.message_id, payload.user_id, emoji, present
        )
        if change:
            log.debug("user %d on message %d: %s", payload.user_id, payload.message_id, change)

    def _by_a_bot(self, payload: discord.RawReactionActionEvent) -> bool:
        if self.bot.user is not None and payload.user_id == self.bot.user.id:
            return True
        # Only an added reaction in a server carries the member; otherwise ask the cache
        # (an uncached user in a direct message can only be the human Sage talks to).
        user = payload.member or self.bot.get_user(payload.user_id)
        return user is not None and user.bot
