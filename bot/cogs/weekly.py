"""`sage setup #channel [day] [time] [timezone]` and `sage weekly preview`: a server's
weekly discovery post (composed and scheduled by bot.weekly and bot.schedule).

Both need the Manage Server permission. Setup checks that Sage may post embeds in the
channel before saving, so a post cannot fail silently every week for want of a
permission.
"""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import Subcommands
from bot.embeds import notice_embed, weekly_embed
from bot.safety import NO_MENTIONS
from bot.state.weekly_posts import set_weekly
from bot.weekly import DAY_NAMES, compose_for_guild, parse_schedule


class Weekly(Subcommands):
    @commands.hybrid_command(name="setup")
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    @app_commands.rename(at="time")
    @app_commands.describe(
        channel="where the weekly post goes",
        day="weekday, e.g. monday (default monday)",
        at="24-hour HH:MM (default 09:00)",
        timezone="e.g. Europe/Berlin (default UTC)",
    )
    async def setup(
        self,
        ctx: commands.Context,
        channel: discord.TextChannel,
        day: str | None = None,
        at: str | None = None,
        timezone: str | None = None,
    ) -> None:
        """Post weekly discoveries for this server in a channel (needs Manage Server)."""
        weekday, when, zone = parse_schedule(day, at, timezone)
        allowed = channel.permissions_for(channel.guild.me)
        if not (allowed.send_messages and allowed.embed_links):
            raise commands.BotMissingPermissions(["send_messages", "embed_links"])
        state = self.bot.state
        await asyncio.to_thread(set_weekly, state, ctx.guild.id, channel.id, weekday, when, zone)
        self.bot.weekly.reschedule(ctx.guild.id)
        await ctx.send(
            embed=notice_embed(
                "Weekly discoveries set up",
                f"Every {DAY_NAMES[weekday].title()} at {when:%H:%M} ({zone}) in "
                f"{channel.mention}: new bands from what this server likes. Rate my answers "
                "with 👍/👎 to steer it.",
            ),
            allowed_mentions=NO_MENTIONS,
        )

    @commands.hybrid_group(name="weekly", case_insensitive=True)
    @commands.guild_only()
    async def weekly(self, ctx: commands.Context) -> None:
        """The weekly discovery post."""
        await ctx.send(f"Try `{self.bot.config.prefix}sage weekly preview`.", ephemeral=True,
                       allowed_mentions=NO_MENTIONS)

    @weekly.command(name="preview", ignore_extra=False)
    @commands.guild_only()
    @commands.has_guild_permissions(manage_guild=True)
    @commands.cooldown(2, 30.0, commands.BucketType.guild)
    async def preview(self, ctx: commands.Context) -> None:
        """The weekly post as it would look now (needs Manage Server)."""
        await ctx.defer(ephemeral=True)
        post = await self.bot.engines.run(compose_for_guild, self.bot.state, ctx.guild.id)
        if post is None:
            embed = notice_embed(
                "Nothing to post yet",
                "No one here has given Sage a taste to go on: ask it for bands and rate "
                "the answers with 👍/👎.",
            )
        else:
            embed = weekly_embed(post, preview=True)
        await ctx.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
