"""`sage chat`: the bot's commands in a console, one line at a time.

Every line goes through engine.commands.route, as `!sage …` and `/sage …` do: a query,
`similar BAND`, `map BAND` (written as a PNG file), `profile` and `forget me` (what this
session remembers: the console keeps nothing once it ends), `help`, and `quit`. Lines
are edited and recalled with the arrow keys (readline), and kept between sessions in a
history file beside the store; a blank line asks nothing, Ctrl-D ends.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cli.ask import add_answer_options
from cli.common import finish_learning, load_engine, write_png
from engine.answer import Answer, Engine
from engine.commands import (
    ASK,
    FORGET,
    HELP,
    MAP,
    PROFILE,
    QUIT,
    SIMILAR,
    TRACKS,
    Request,
    Where,
    help_lines,
    route,
)
from engine.render import render_text
from engine.track_answer import TrackAnswer
from engine.track_render import tracks_text
from store import UserError

_EXAMPLE = "I'm into Minor Threat and Have Heart but I hate DMX"
_HISTORY_LINES = 1_000


def register(commands: argparse._SubParsersAction) -> None:
    chat = commands.add_parser(
        "chat",
        help="ask query after query in an interactive console",
        description="An interactive console running the Discord bot's commands: type a query "
        f'("{_EXAMPLE}"), "tracks QUERY", "similar BAND", "map BAND", "profile", '
        '"forget me" or "help"; "quit" or Ctrl-D ends. Arrow keys edit and recall lines; '
        "the history is kept in a file beside the store.",
    )
    add_answer_options(chat)
    chat.set_defaults(handler=_chat)


@dataclass
class ChatSession:
    """What one console session remembers: what `profile` shows, `forget me` clears."""

    liked: Counter[str] = field(default_factory=Counter)
    hated: Counter[str] = field(default_factory=Counter)
    shown: Counter[str] = field(default_factory=Counter)

    def remember(self, answer: Answer) -> None:
        self.liked.update(answer.likes + tuple(f"the genre {t}" for t in answer.like_tags))
        self.hated.update(answer.hates + tuple(f"the genre {t}" for t in answer.hate_tags))
        if answer.recommendation is not None:
            self.shown.update(item.name for item in answer.recommendation.items)

    def remember_tracks(self, answer: TrackAnswer) -> None:
        self.liked.update(answer.likes)
        self.hated.update(answer.hates)
        self.shown.update(f"{item.band} - {item.title}" for item in answer.items)

    def forget(self) -> None:
        for counts in (self.liked, self.hated, self.shown):
            counts.clear()

    def profile(self) -> str:
        if not (self.liked or self.hated or self.shown):
            return "Nothing yet: this session remembers what you ask until it ends."
        lines = ["This session (forgotten when it ends):"]
        for label, counts in [("you liked", self.liked), ("you hated", self.hated),
                              ("I answered with", self.shown)]:
            if counts:
                lines.append(f"  {label}: " + ", ".join(name for name, _ in counts.most_common()))
        return "\n".join(lines)


def reply(engine: Engine, store_path: Path, session: ChatSession, request: Request,
          args: argparse.Namespace) -> str | None:
    """The console's answer to one request; None ends the session."""
    command = request.command
    if command is QUIT:
        return None
    if command.where is Where.DISCORD:
        return f"`{command.name}` works in a Discord server: `!sage {command.usage}`."
    if command is HELP:
        lines = help_lines(Where.CHAT)
        width = max(len(usage) for usage, _ in lines)
        return "\n".join(f"  {usage:<{width}}  {summary}" for usage, summary in lines)
    if command is PROFILE:
        return session.profile()
    if command is FORGET:
        session.forget()
        return "Forgotten: this session remembers nothing now."
    if command is MAP:
        return _map(engine, store_path, request.argument)
    if command is SIMILAR and not request.argument:
        return 'similar needs a band: "similar Converge".'
    if command is ASK and not request.argument.strip():
        return f'Tell me bands you like, e.g. "{_EXAMPLE}". "help" lists the commands.'
    if command is TRACKS:
        tracks = engine.ask_tracks(request.argument, k=args.top)
        session.remember_tracks(tracks)
        return tracks_text(tracks)
    answer = engine.ask(request.query, k=args.top, novelty=args.novelty)
    session.remember(answer)
    return render_text(answer)


def _map(engine: Engine, store_path: Path, text: str) -> str:
    if not text:
        return 'map needs a band: "map Minor Threat".'
    from maps.render import band_map  # matplotlib loads only when drawing

    try:
        drawn = band_map(engine, store_path, text)
        write_png(drawn.png, Path(drawn.file_name))
    except UserError as exc:
        return str(exc)
    return f"wrote {drawn.file_name}: {drawn.name} and the bands around it, coloured by scene"


def _chat(args: argparse.Namespace) -> int:
    engine = load_engine(args)
    history = _start_history(args.store.with_name("sage-chat-history"))
    session = ChatSession()
    print(f'Sage is listening. Try "{_EXAMPLE}", or "help". Ctrl-D or "quit" ends.')
    try:
        while True:
            try:
                line = input("sage> ")
            except EOFError:
                print()
                return 0
            except KeyboardInterrupt:  # a line abandoned, not the session
                print()
                continue
            if not line.strip():
                continue
            answer = reply(engine, args.store, session, route(line), args)
            if answer is None:
                return 0
            print(answer + "\n")
    finally:
        history()
        finish_learning(engine)


def _start_history(path: Path):
    """Line editing and a history file when the terminal has readline; returns what saves
    the history at the end."""
    if not sys.stdin.isatty():
        return lambda: None
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input still works
        return lambda: None
    try:
        readline.read_history_file(path)
    except OSError:
        pass  # the first session
    readline.set_history_length(_HISTORY_LINES)

    def save() -> None:
        try:
            readline.write_history_file(path)
        except OSError:
            pass  # a read-only folder: the session still worked

    return save
