"""The one normalisation of band names used for matching, at ingest and at query time."""

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['’ʼ`´]")


def normalize_name(name: str) -> str:
    """Fold a band name to the key two spellings of the same band share.

    Case, diacritics, punctuation, '&' versus 'and', and a leading "The" (or a trailing
    ", The" as catalogs like to write it) do not tell bands apart for a person typing.
    Apostrophes vanish rather than split a word, as people type "destinys child", and a
    dollar sign is read as the S it stands for in "Ke$ha" or "Curren$y".
    """
    if name.isascii():
        folded = name.lower()  # same as the general path below, several times faster
    else:
        folded = unicodedata.normalize("NFKD", name)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("&", " and ").replace("+", " and ").replace("$", "s")
    folded = _APOSTROPHES.sub("", folded)
    words = _NON_WORD.sub(" ", folded).strip()
    if words.endswith(" the"):
        words = words[: -len(" the")]
    if words.startswith("the "):
        words = words[len("the ") :]
    # Names made only of punctuation ("!!!", "...") keep their symbols rather than vanish.
    return words or " ".join(name.casefold().split())
