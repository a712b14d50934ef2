"""The file name a map is saved or attached under, from a band's or a space's name.

No Discord and no drawing here: the bot, `sage map` and `sage chat` name their PNGs alike.
"""

from __future__ import annotations

import re


def file_stem(name: str) -> str:
    """ "Minor Threat" -> "minor-threat"; a name with no ASCII letter or digit -> "map".

    ASCII letters and digits only: the name comes from crawled data, and nothing left of
    it can mean a folder, a drive or a hidden file on any system, or need encoding in an
    attachment's name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "map"
