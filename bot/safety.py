"""What keeps text from Discord users and from the catalog harmless in Sage's messages.

Nothing Sage sends may ping anyone: the bot and every send use `AllowedMentions.none()`,
and any text that did not come from Sage itself (a query, a band name from crawled data)
is escaped for markdown and mentions before it is shown. Discord refuses a message
whose embed breaks a length limit, so every piece is clipped to its limit.
"""

from __future__ import annotations

import discord

from engine.query import MAX_QUERY_CHARS

NO_MENTIONS = discord.AllowedMentions.none()

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FIELD_VALUE_CHARS = 1024
FOOTER_CHARS = 2048
EMBED_CHARS = 6000

# The engine reads MAX_QUERY_CHARS and says when it cut a query; a little more than
# that reaches it, so it can, while pasted walls of text cost nothing.
QUERY_CHARS = MAX_QUERY_CHARS + 100

_ELLIPSIS = "…"


# A zero-width space that keeps Discord from reading what follows as syntax.
_BREAK = "\u200b"


def escape(text: str) -> str:
    """`text` shown as typed: no markdown, no mentions, no links, emoji or timestamps.

    discord.py's escape_markdown leaves anything that looks like a link alone, `<a:/x>`
    included, so markdown inside it would still render (`<a:/*pwned*>`); and
    escape_mentions knows only user and role pings. An invisible break after every "<"
    and inside every ":/" first turns all of Discord's angle-bracket syntax and every
    link (":/") into plain text, so escape_markdown then escapes all the markdown."""
    text = text.replace("<", "<" + _BREAK).replace(":/", ":" + _BREAK + "/")
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def link(text: str, url: str | None) -> str:
    """`text` (escaped) as a link to `url`, a web page Sage stored; just the text for
    anything but a plain http(s) address. Brackets are escaped in the text, and the
    characters that would end the link early are percent-encoded in the address."""
    shown = escape(text).replace("[", "\\[").replace("]", "\\]")
    if not url or not url.startswith(("https://", "http://")) or any(
            c.isspace() or c in "<>" for c in url):
        return shown
    address = url.replace("(", "%28").replace(")", "%29")
    return f"[{shown}]({address})"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a line end when one is near."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - len(_ELLIPSIS))
    if cut < limit // 2:
        cut = limit - len(_ELLIPSIS)
    # A trailing backslash would escape the ellipsis's neighbour: drop it.
    return text[:cut].rstrip().rstrip("\\") + _ELLIPSIS


def clip_query(text: str) -> str:
    return text[:QUERY_CHARS]
