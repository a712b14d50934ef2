"""Sage's answers as Discord embeds: pure functions from engine data to discord.Embed.

Everything shown that did not come from Sage's own wording is escaped (bot.safety), and
every piece is clipped to Discord's limits, so no answer can ping, break formatting or
be refused for its length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord

from bot.feedback import FOOTER, HELP, Vote
from bot.safety import (
    DESCRIPTION_CHARS,
    EMBED_CHARS,
    FIELD_VALUE_CHARS,
    FOOTER_CHARS,
    TITLE_CHARS,
    clip,
    escape,
    link,
)
from bot.state.privacy import UserData
from bot.weekly import WeeklyPost
from engine.answer import Answer
from engine.commands import COMMANDS, Where
from engine.render import understood_parts, why
from engine.track_answer import TrackAnswer

ANSWER_COLOUR = discord.Colour.teal()
NOTICE_COLOUR = discord.Colour.gold()

Names = Callable[[Sequence[int]], list[str]]  # artist ids -> names (LoadedSpace.artist_names)

# How many hate removals and names per removal an answer lists.
_REMOVALS_SHOWN = 3
_REMOVED_NAMES_SHOWN = 3
# How many names the profile lists per kind of vote.
_PROFILE_NAMES = 30


def _names(names: Sequence[str]) -> str:
    return ", ".join(escape(name) for name in names)


def _embed(title: str, description: str, colour: discord.Colour) -> discord.Embed:
    return discord.Embed(
        title=clip(title, TITLE_CHARS),
        description=clip(description, DESCRIPTION_CHARS),
        colour=colour,
    )


def _field(embed: discord.Embed, name: str, value: str) -> None:
    if value and len(embed) + len(name) + min(len(value), FIELD_VALUE_CHARS) <= EMBED_CHARS:
        embed.add_field(name=name, value=clip(value, FIELD_VALUE_CHARS), inline=False)


def understood(answer: Answer) -> str:
    """What Sage read in the query, in the names of the bands and genres it found."""
    parts = understood_parts(answer, escape)
    if answer.soft_likes:
        parts.append("and bands you liked before: " + _names(answer.soft_likes))
    return " · ".join(parts) if parts else "no band I know"


def answer_embed(answer: Answer, *, title: str) -> discord.Embed:
    """Numbered bands, why each, what was understood, notes (did you mean...), and how to
    rate them."""
    recommendation = answer.recommendation
    items = recommendation.items if recommendation is not None else ()
    lines = [
        f"**{item.rank}. {link(item.name, item.url)}**"
        + (f" · ♪ {link(item.track.title, item.track.url)}" if item.track else "")
        + f" · {escape(why(item))}"
        for item in items
    ]
    embed = _embed(
        title, "\n".join(lines) or "Nothing to recommend yet.", ANSWER_COLOUR
    )
    _field(embed, "Understood", understood(answer))
    _field(embed, "Notes", "\n".join(f"• {escape(note)}" for note in answer.notes))
    removals = [r for r in (recommendation.removed_by_hates if recommendation else ()) if r.removed]
    _field(embed, "Kept out", "\n".join(
        f"hating {'the genre ' if r.hate_id is None else ''}{escape(r.hate_name)}: "
        + _names([item.name for item in r.removed[:_REMOVED_NAMES_SHOWN]])
        + (f" and {len(r.removed) - _REMOVED_NAMES_SHOWN} more"
           if len(r.removed) > _REMOVED_NAMES_SHOWN else "")
        for r in removals[:_REMOVALS_SHOWN]
    ))
    if items:
        embed.set_footer(text=clip(FOOTER, FOOTER_CHARS))
    return embed


def tracks_embed(answer: TrackAnswer) -> discord.Embed:
    """Numbered tracks, each linked where it plays, its band, why; what was understood,
    notes, and how to rate them (a rating is of the track's band)."""
    lines = [
        f"**{n}. ♪ {link(item.title, item.url)}** · {escape(item.band)} · {escape(item.why)}"
        for n, item in enumerate(answer.items, start=1)
    ]
    embed = _embed("Tracks for you", "\n".join(lines) or "No tracks to recommend yet.",
                   ANSWER_COLOUR)
    parts = ([f"like {_names(answer.likes)}"] if answer.likes else []) + (
        [f"hate {_names(answer.hates)}"] if answer.hates else [])
    _field(embed, "Understood", " · ".join(parts) or "no band or track I know")
    _field(embed, "Notes", "\n".join(f"• {escape(note)}" for note in answer.notes))
    if answer.items:
        embed.set_footer(text=clip(FOOTER, FOOTER_CHARS))
    return embed


def help_embed(prefix: str) -> discord.Embed:
    """Every command of engine.commands, as the bot takes them."""
    lines = [
        (f"`{prefix}sage {command.usage}`"
         + (f" or `/sage {command.name.split()[0]}`" if command.name != "ask" else
            " or `/sage ask`")
         + f": {command.summary}", command.where is Where.DISCORD)
        for command in COMMANDS if command.where is not Where.CHAT
    ]
    usage = "\n".join(line for line, admin in lines if not admin)
    admin = "\n".join(line for line, admin in lines if admin)
    embed = _embed("Sage: bands you have not heard yet", usage, ANSWER_COLOUR)
    _field(embed, "Server admins and the bot's owner", admin)
    _field(embed, "Rating", HELP)
    return embed


def profile_embed(data: UserData, names: Names) -> discord.Embed:
    """Everything the state holds about one user, readably."""
    current: dict[int, Vote] = {}
    for vote in data.votes:  # most recent first: the first seen is the one that counts
        current.setdefault(vote.artist_id, vote.vote)
    liked = [a for a, vote in current.items() if vote is Vote.LIKE]
    disliked = [a for a, vote in current.items() if vote is Vote.DISLIKE]
    embed = _embed(
        "What Sage stores about you",
        "Discord ids (yours, and of the servers, channels and messages involved), the "
        "bands your queries named and got back, your rating reactions, and when. Never "
        "the words you typed, never a name. `forget me` deletes all of it.",
        NOTICE_COLOUR,
    )
    _field(embed, f"Bands you like ({len(liked)})", _listed(liked, names))
    _field(embed, f"Bands you dislike ({len(disliked)})", _listed(disliked, names))
    queries = [
        f"{q.asked_at:%Y-%m-%d}: "
        + " · ".join(part for part in (
            "like " + _names(names(q.like_ids)) if q.like_ids else "",
            "hate " + _names(names(q.hate_ids)) if q.hate_ids else "",
        ) if part)
        + f" → {len(q.result_ids)} bands"
        for q in reversed(data.queries[-10:])
    ]
    _field(embed, f"Queries ({len(data.queries)}, latest first)", "\n".join(queries))
    if data.reactions:
        messages = len({r.message_id for r in data.reactions})
        _field(embed, "Reactions", f"{len(data.reactions)} on {messages} messages")
    if not data:
        embed.description = "Nothing: Sage stores nothing about you."
    return embed


def _listed(artist_ids: list[int], names: Names) -> str:
    shown = _names(names(artist_ids[:_PROFILE_NAMES]))
    more = len(artist_ids) - _PROFILE_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def forget_prompt_embed(data: UserData, confirm_emoji: str, seconds: int) -> discord.Embed:
    return _embed(
        "Forget you?",
        f"This deletes your {len(data.queries)} queries, {len(data.votes)} ratings and "
        f"{len(data.reactions)} reactions from Sage, for good. React {confirm_emoji} "
        f"within {seconds} seconds to confirm; do nothing to keep them.",
        NOTICE_COLOUR,
    )


def weekly_embed(post: WeeklyPost, *, marker: str | None = None,
                 preview: bool = False) -> discord.Embed:
    """The post; `marker` (bot.weekly.week_marker) ends its footer, so that the bot can
    find it in the channel after a crash. A playlist leads with each track, in the order
    it plays; a list of bands with each band."""
    if post.is_playlist:
        lines = [
            f"**{n}. ♪ {link(item.track, item.track_url)}** · {link(item.name, item.url)}"
            f"\n{escape(item.why)}"
            for n, item in enumerate(post.items, start=1)
        ]
        title = "This week's discovery playlist"
    else:
        lines = [
            f"**{n}. {link(item.name, item.url)}**"
            + (f" · ♪ {link(item.track, item.track_url)}" if item.track else "")
            + f"\n{escape(item.why)}"
            for n, item in enumerate(post.items, start=1)
        ]
        title = "This week's discoveries"
    embed = _embed(title + (" (preview)" if preview else ""), "\n".join(lines), ANSWER_COLOUR)
    embed.set_footer(text="Picked from what this server likes. Rate my answers with 👍/👎 "
                          "to steer next week's." + (f" · {marker}" if marker else ""))
    return embed


def notice_embed(title: str, text: str) -> discord.Embed:
    return _embed(title, text, NOTICE_COLOUR)
