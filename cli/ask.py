"""`sage ask`: recommendations in the terminal, from the bot's own handler."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.common import finish_learning, load_engine, write_png
from cli.options import number_in
from engine.answer import DEFAULT_SPACE, Engine
from engine.pipeline import MAX_K
from engine.render import answer_to_dict, render_text
from engine.track_render import tracks_text, tracks_to_dict

_EXAMPLE = "like Minor Threat, Have Heart hate DMX"


def register(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser(
        "ask",
        help="answer one query, e.g. sage ask \"like Minor Threat hate DMX\"",
        description="Recommend bands for a query such as \"like Minor Threat, Have Heart hate "
        "DMX\" (also love, +/-, but not, without; quotes keep a name whole; Name*2 weighs "
        "it double). Builds a store from the bundled Last.fm data first if there is none.",
    )
    ask.add_argument("query", nargs="?", help="the query (leave out with --batch)")
    ask.add_argument("--batch", type=Path,
                     help="answer every line of this file instead, one JSON object per line")
    add_answer_options(ask)
    ask.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    ask.add_argument("--tracks", action="store_true",
                     help="answer with tracks, one a band (needs `sage train playlist-track`); "
                     'a query may name a track as "Band - Title"')
    ask.add_argument("--map", type=Path, metavar="PNG",
                     help="also draw the whole space with the query's likes and results "
                     "marked, into this PNG file (see `sage map --space`)")
    ask.set_defaults(handler=_ask)


def add_answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--top", type=number_in(int, 1, MAX_K), default=10,
                        help=f"how many bands to recommend, 1 to {MAX_K} (default: 10)")
    parser.add_argument("--novelty", type=number_in(float, -1, 1), default=None,
                        help="-1 plays it safe with well-known bands, +1 digs into the long "
                        "tail, 0 is the default balance (default: 0, or what the query "
                        "asks: 'play it safe' -1, 'deep cuts' +1)")
    parser.add_argument("--space", default=DEFAULT_SPACE,
                        help=f"the embedding space to search (see `sage info`; default: "
                        f"{DEFAULT_SPACE})")
    # The answer comes first: log lines only with -v. A first run on the default path
    # builds the store from the bundled data (load_engine).
    parser.set_defaults(quiet_logs=True, builds_default_store=True)


def typed_text(argument: str) -> str:
    """A command-line argument as text: bytes that are not UTF-8 (which Python keeps as
    lone surrogates) become U+FFFD, so nothing echoed from it can be invalid UTF-8."""
    return argument.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def write_json(data: dict, indent: int | None = None) -> None:
    """One JSON document and a new line, always UTF-8, whatever the terminal's encoding."""
    sys.stdout.flush()
    sys.stdout.buffer.write((json.dumps(data, indent=indent, ensure_ascii=False) + "\n")
                            .encode("utf-8"))
    sys.stdout.buffer.flush()


def _ask(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.batch is None):
        print(f'sage ask: give a query ("{_EXAMPLE}") or --batch FILE', file=sys.stderr)
        return 2
    if args.map is not None and (args.batch is not None or args.tracks):
        print("sage ask: --map draws one query's bands, not a --batch or --tracks",
              file=sys.stderr)
        return 2
    engine = load_engine(args)
    try:
        return _answer(engine, args)
    finally:
        finish_learning(engine)


def _answer(engine: Engine, args: argparse.Namespace) -> int:
    if args.batch is not None:
        try:
            lines = args.batch.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"sage: error: {args.batch}: {exc}", file=sys.stderr)
            return 2
        for line in lines:
            if line.strip() and args.tracks:
                write_json(tracks_to_dict(engine.ask_tracks(line, k=args.top)))
            elif line.strip():
                answer = engine.ask(line, k=args.top, novelty=args.novelty)
                write_json(answer_to_dict(answer))
        return 0
    if args.tracks:
        tracks = engine.ask_tracks(typed_text(args.query), k=args.top)
        if args.json:
            write_json(tracks_to_dict(tracks), indent=2)
        else:
            print(tracks_text(tracks))
        return 0
    answer = engine.ask(typed_text(args.query), k=args.top, novelty=args.novelty)
    if args.map is not None:
        from maps.render import space_map  # matplotlib loads only when drawing
        from maps.space_map import highlight_of

        write_png(space_map(engine, args.store, highlight_of(answer)), args.map)
        print(f"wrote {args.map}", file=sys.stderr)
    if args.json:
        write_json(answer_to_dict(answer), indent=2)
    else:
        print(render_text(answer))
    return 0
