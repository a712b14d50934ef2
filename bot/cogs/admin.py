"""`sage reload` (bot owner): serve the newest trained model now rather than at the next
poll. The engine loads in a worker thread; queries keep answering meanwhile."""

from __future__ import annotations

from discord.ext import commands

from bot.cogs import Subcommands
from bot.embeds import notice_embed
from bot.safety import NO_MENTIONS


class Admin(Subcommands):
    @commands.hybrid_command(name="reload", ignore_extra=False)
    @commands.is_owner()
    async def reload(self, ctx: commands.Context) -> None:
        """Load the store's active model now (bot owner only)."""
        await ctx.defer(ephemeral=True)
        await self.bot.engines.reload(force=True)
        engine = self.bot.engines.engine
        await ctx.send(
            embed=notice_embed(
                "Reloaded",
                f"Serving the {engine.space.name} space, run {engine.space.run_id}, "
                f"{len(engine.space):,} artists.",
            ),
            ephemeral=True, allowed_mentions=NO_MENTIONS,
        )
