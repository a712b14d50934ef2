"""`sage bot`: run the Discord bot over the store."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli.options import number_in
from engine.answer import DEFAULT_SPACE


def register(commands: argparse._SubParsersAction) -> None:
    bot = commands.add_parser(
        "bot",
        help="run the Discord bot (token in DISCORD_TOKEN)",
        description="Run Sage as a Discord bot: `/sage ask`, `!sage like … hate …`, "
        "`sage similar`, reaction ratings and weekly discovery posts. The bot token comes "
        "from the DISCORD_TOKEN environment variable. The bot reads the store only for a "
        "moment at a time, so `sage train` can run beside it; a newly activated model is "
        "picked up without a restart.",
        epilog="Slash commands appear once registered: run with --sync the first time and "
        "after upgrading Sage.",
    )
    bot.add_argument("--sharded", action="store_true",
                     help="use several gateway connections (AutoShardedBot); needed only in "
                     "thousands of servers")
    bot.add_argument("--space", default=DEFAULT_SPACE,
                     help="the embedding space to answer from (see `sage info`)")
    bot.add_argument("--state", type=Path, default=None,
                     help="the bot's own SQLite file of ratings, result messages and weekly "
                     "settings (default: $SAGE_BOT_STATE, else sage-bot.sqlite3 beside the "
                     "store)")
    bot.add_argument("--message-content", action="store_true",
                     help="read messages for `!sage …`; needs the privileged Message Content "
                     "intent turned on in the Discord developer portal. Without it, slash "
                     "commands work, and so do prefix commands that mention the bot")
    bot.add_argument("--reload-every", type=number_in(float, 0, above=True), default=60.0,
                     metavar="SECONDS",
                     help="how often to look for a newly activated model (default: 60)")
    bot.add_argument("--sync", action="store_true",
                     help="register the slash commands with Discord at start (first run and "
                     "after upgrades)")
    bot.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    # discord.py takes most of a second to import: only this command pays for it.
    from bot.app import BotConfig, run_bot
    from bot.state.connection import default_state_path

    config = BotConfig(
        store_path=args.store,
        state_path=args.state or default_state_path(args.store),
        space=args.space,
        message_content=args.message_content,
        reload_every=args.reload_every,
        sync_commands=args.sync,
        token=os.environ.get("DISCORD_TOKEN"),
    )
    return run_bot(config, sharded=args.sharded)
