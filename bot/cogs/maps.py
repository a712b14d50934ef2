"""`!sage map BAND` (`/sage map`): a picture of the band's neighbourhood, as a PNG.

Drawing takes most of a second of CPU, so it runs in a worker thread (not the engine's
threads, which answer queries); the store is open only while the neighbourhood is read.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import Subcommands, band_choices
from bot.safety import NO_MENTIONS, escape
from maps.render import band_map

# A map costs about a second of CPU: a few per user, then a pause.
MAPS_PER_WINDOW = 3
WINDOW_SECONDS = 60.0


class Maps(Subcommands):
    @commands.hybrid_command(name="map")
    @commands.cooldown(MAPS_PER_WINDOW, WINDOW_SECONDS, commands.BucketType.user)
    @app_commands.describe(band="the band whose neighbourhood to draw")
    async def band_map(self, ctx: commands.Context, *, band: str) -> None:
        """A map of a band's neighbourhood: related bands, sized by importance, by scene."""
        await ctx.defer()
        drawn = await asyncio.to_thread(
            band_map, self.bot.engines.engine, self.bot.config.store_path, band
        )
        await ctx.send(
            f"**{escape(drawn.name)}** and the bands around it, coloured by scene",
            file=discord.File(io.BytesIO(drawn.png), filename=drawn.file_name),
            allowed_mentions=NO_MENTIONS,
        )

    @band_map.autocomplete("band")
    async def _complete_band(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return band_choices(self.bot, current)
