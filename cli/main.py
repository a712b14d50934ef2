"""`sage`: the one command for maintainers and for trying Sage without Discord."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cli import add, ask, bot, chat, crawl, evaluate, info, ingest, prune, train
from cli import map as map_command  # `map` alone would hide the builtin
from store import UserError, default_store_path

# Each module adds its own subcommand and sets `handler` to a function(args) -> exit code.
COMMAND_MODULES = [ask, chat, ingest, crawl, add, train, evaluate, info, prune, bot, map_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sage",
        description="Sage Analyzes Graph Embeddings: a band recommender you talk to.",
    )
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help=f"the DuckDB store file to use (default: $SAGE_STORE or {default_store_path()})",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="log debugging details as well as progress",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    _store_option_everywhere(commands)
    return parser


def _store_option_everywhere(commands: argparse._SubParsersAction) -> None:
    """`--store` after the command too (`sage ask … --store X`), as every command takes it;
    given in both places, the later one counts."""
    for parser in dict.fromkeys(commands.choices.values()):
        parser.add_argument("--store", type=Path, default=argparse.SUPPRESS,
                            help="the DuckDB store file to use (as before the command)")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _store_option_everywhere(action)


def main(argv: list[str] | None = None) -> int:
    # A terminal that cannot show a band's name (an ASCII locale) gets an escape for it,
    # not a traceback.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    # Commands that answer a person (ask, chat) log only with -v: the answer comes first.
    quiet = getattr(args, "quiet_logs", False)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose + (not quiet), 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # gensim narrates every vocabulary step at INFO; our own logs already say what matters.
    logging.getLogger("gensim").setLevel(max(level, logging.WARNING))
    store_given = args.store is not None
    if not store_given:
        args.store = default_store_path()
    if not args.store.exists() and not getattr(args, "creates_store", False) and not (
        getattr(args, "builds_default_store", False) and not store_given
    ):  # a mistyped path must not quietly become an empty store
        print(f"sage: error: no store at {args.store}: `sage ask \"like Minor Threat\"` builds "
              "one from the bundled data at the default path, `sage ingest` one from your "
              "data", file=sys.stderr)
        return 2
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"sage: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sage: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
