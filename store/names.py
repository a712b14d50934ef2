"""The one normalisation of band names used for matching, at ingest and at query time."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Fold a band name to the key two spellings of the same band share.

    Case, diacritics, punctuation, '&' versus 'and', and a leading "The" (or a trailing
    ", The" as catalogs like to write it) do not tell bands apart for a person typing.
    """
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("&", " and ").replace("+", " and ")
    folded = _NON_WORD.sub(" ", folded).replace("_", " ")
    words = _SPACES.sub(" ", folded).strip()
    if words.endswith(" the"):
        words = words[: -len(" the")]
    if words.startswith("the "):
        words = words[len("the ") :]
    # Names made only of punctuation ("!!!", "...") keep their symbols rather than vanish.
    return words or _SPACES.sub(" ", name.casefold()).strip()
