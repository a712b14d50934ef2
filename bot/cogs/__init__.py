"""The bot's features, one cog each, all of them subcommands of `sage`.

The Recommend cog defines the `sage` hybrid group (`!sage …` and `/sage …`); the other
cogs are `Subcommands`: discord.py binds a command to a parent group within one cog
only, so their top-level commands join the group when the cog loads and leave it when
the cog unloads, as prefix subcommands and slash subcommands alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import SageBot

GROUP = "sage"


def name_choices(names: Iterable[str]) -> list[app_commands.Choice[str]]:
    """Completed names as slash-command autocomplete choices."""
    return [app_commands.Choice(name=name, value=name) for name in names]


def band_choices(bot: SageBot, typed: str) -> list[app_commands.Choice[str]]:
    """Autocomplete of a band option: catalog names completing what is typed."""
    return name_choices(bot.engines.completer.complete(typed))


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
