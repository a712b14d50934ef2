"""The bot's features, one cog each, all of them subcommands of `sage`.

The Recommend cog defines the `sage` hybrid group (`!sage …` and `/sage …`); the other
cogs are `Subcommands`: discord.py binds a command to a parent group within one cog
only, so their top-level commands join the group when the cog loads and leave it when
the cog unloads, as prefix subcommands and slash subcommands alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import SageBot

GROUP = "sage"


class Subcommands(commands.Cog):
    def __init__(self, bot: SageBot):
        self.bot = bot
        self._attached: list[commands.Command] = []

    async def cog_load(self) -> None:
        group = self.bot.get_command(GROUP)
        if not isinstance(group, commands.HybridGroup):
            raise RuntimeError(f"load the cog defining the {GROUP!r} group first")
        self._attached = self.get_commands()
        for command in self._attached:
            group.add_command(command)

    async def cog_unload(self) -> None:
        group = self.bot.get_command(GROUP)
        if isinstance(group, commands.HybridGroup):
            for command in self._attached:
                group.remove_command(command.name)
        self._attached = []
