"""One short answer for every error a user can cause with a command; None for errors
that deserve no answer (a command of another bot that shares the prefix)."""

from __future__ import annotations

import logging

from discord import app_commands
from discord.ext import commands

from bot.safety import escape
from store.errors import UserError

log = logging.getLogger(__name__)

# How Discord's client names the permissions Sage's commands check.
_PERMISSION_NAMES = {"manage_guild": "Manage Server", "send_messages": "Send Messages",
                     "embed_links": "Embed Links"}


def _permissions(names: list[str]) -> str:
    return " and ".join(_PERMISSION_NAMES.get(n, n.replace("_", " ").title()) for n in names)


def _usage(prefix: str, command: commands.Command | None) -> str:
    if command is None:
        return ""
    return f" Usage: `{prefix}{command.qualified_name} {command.signature}`".rstrip()


def error_reply(error: Exception, *, prefix: str, command: commands.Command | None) -> str | None:
    """The answer to `error`; logs the ones that are Sage's fault, not the user's."""
    if isinstance(error, (commands.CommandInvokeError, commands.HybridCommandError)):
        error = error.original
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    match error:
        case commands.CommandNotFound():
            return None
        case commands.CommandOnCooldown():
            return f"Easy there: try again in {error.retry_after:.0f} s."
        case commands.MissingPermissions():
            return f"You need the {_permissions(error.missing_permissions)} permission for that."
        case commands.BotMissingPermissions():
            return (f"I need the {_permissions(error.missing_permissions)} permissions in "
                    "that channel.")
        case commands.NotOwner():
            return "Only the bot's owner can do that."
        case commands.NoPrivateMessage():
            return "That works in a server only."
        case commands.MissingRequiredArgument():
            return f"Missing `{error.param.name}`." + _usage(prefix, command)
        case commands.UserInputError() | app_commands.TransformerError():
            return escape(str(error)) + _usage(prefix, command)
        case commands.CheckFailure():
            return "You cannot use that here."
        case UserError():
            return escape(str(error))
    log.error("command %s failed", command.qualified_name if command else "?", exc_info=error)
    return "Something went wrong on my side; it has been logged."
