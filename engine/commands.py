"""One command set for `sage chat`, `!sage …` and `/sage …`: a line of text to a request.

    like Minor Threat hate DMX    -> ask (anything that is not a command)
    tracks like Fugazi, Slint     -> tracks: one track a band, where each plays
    similar Converge              -> similar: bands like one band
    map Minor Threat              -> map: a picture of the band's neighbourhood
    profile, forget me, help      -> what they say
    setup …, weekly preview, reload, quit

Both front ends route every line through `route`, so whatever one understands the other
does; each then runs the request its own way (the bot with embeds and its state file,
the console with text and PNG files). Command words are matched whatever their case,
and a copied "!sage" or "/sage" in front is ignored. A command that takes nothing is one
only alone ("help", not "help me find bands like Converge", which is a question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from engine.phrasing import phrase_key


class Where(StrEnum):
    """Where a command works: some need a Discord server, one ends the console."""

    BOTH = "both"
    DISCORD = "discord"
    CHAT = "chat"


@dataclass(frozen=True)
class Command:
    name: str  # as the bot registers it; "weekly preview" is a subcommand of weekly
    usage: str  # what to type after "sage "
    summary: str  # one line for the help
    words: tuple[str, ...] = ()  # other ways to say it
    takes: str | None = None  # what follows it, for a command that takes something
    where: Where = Where.BOTH


ASK = Command("ask", "like Minor Threat, Have Heart hate DMX",
              "bands for your taste: bands and genres you like and hate, in your own words "
              '("I\'m into Fugazi but can\'t stand Creed"); "quotes" keep a name whole, '
              "Name*2 counts it twice", takes="query")
TRACKS = Command("tracks", "tracks like Fugazi, Slint",
                 "tracks for your taste, one a band, with where each plays; a track is "
                 'named as "Band - Title" in quotes', takes="query")
SIMILAR = Command("similar", "similar BAND", "bands like one band", takes="band")
MAP = Command("map", "map BAND", "a picture of the band's neighbourhood", takes="band")
PROFILE = Command("profile", "profile", "what Sage stores about you")
FORGET = Command("forget me", "forget me", "delete all of it")
HELP = Command("help", "help", "this list", words=("commands",))
SETUP = Command("setup", "setup #channel [day] [HH:MM] [time zone]",
                "a weekly discovery post, default Monday 09:00 UTC (Manage Server)",
                takes="schedule", where=Where.DISCORD)
WEEKLY = Command("weekly preview", "weekly preview", "the weekly post as it would look now "
                 "(Manage Server)", where=Where.DISCORD)
RELOAD = Command("reload", "reload", "serve the newest trained model now (bot owner)",
                 where=Where.DISCORD)
QUIT = Command("quit", "quit", "end the console (or Ctrl-D)", words=("exit", "bye"),
               where=Where.CHAT)

COMMANDS = (ASK, TRACKS, SIMILAR, MAP, PROFILE, FORGET, HELP, SETUP, WEEKLY, RELOAD, QUIT)

# A command's first word (and the others' words) to the commands starting with it.
_BY_WORD: dict[str, list[Command]] = {}
for _command in COMMANDS:
    for _said in (_command.name, *_command.words):
        _BY_WORD.setdefault(phrase_key(_said.split()[0]), []).append(_command)
# A copied "!sage" or "/sage", or "sage:" / "sage," addressing the bot ("Sage Francis" is
# a band).
_PREFIX = re.compile(r"^\s*(?:[!/]sage\b|sage\s*[:,])\s*", re.IGNORECASE)
_TRAILING = " \t\n.!?"


@dataclass(frozen=True)
class Request:
    command: Command
    argument: str  # what followed the command word; for ask, the whole text

    @property
    def query(self) -> str:
        """The query the engine answers for ask and similar: "similar to Converge" is the
        reader's own phrase, so `similar` needs no reading of its own."""
        if self.command is SIMILAR:
            return f"similar {self.argument}"
        return self.argument


def route(text: str) -> Request:
    """The request a line of text makes; anything that is not a command is a query."""
    text = _PREFIX.sub("", text, count=1).strip()
    words = text.split(maxsplit=1)
    if not words:
        return Request(ASK, "")
    rest = words[1] if len(words) > 1 else ""
    for command in _BY_WORD.get(phrase_key(words[0].rstrip(_TRAILING)), ()):
        said = command.name.split()
        if len(said) > 1:  # "forget me", "weekly preview": the whole of it, alone
            if [phrase_key(w) for w in text.rstrip(_TRAILING).split()] == said:
                return Request(command, "")
        elif command.takes is not None:
            return Request(command, rest.strip())
        elif not rest.strip(_TRAILING):
            return Request(command, "")
    if phrase_key(words[0]) == "ask":  # "/sage ask" typed out
        return Request(ASK, rest.strip())
    return Request(ASK, text)


def help_lines(where: Where, prefix: str = "") -> list[tuple[str, str]]:
    """(what to type, what it does) for every command that works `where`."""
    return [
        (f"{prefix}{command.usage}", command.summary)
        for command in COMMANDS
        if command.where in (Where.BOTH, where)
    ]
