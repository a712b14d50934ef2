"""Autocomplete of band names and of the name being typed at the end of a query."""

import numpy as np
import pytest

from engine.complete import MAX_CHOICE_CHARS, NameCompleter, complete_query
from engine.resolve import NameResolver
from store.catalog import ArtistCatalog
from store.names import normalize_name

# name: listeners
BANDS = {
    "Metal": 5, "Metallica": 900, "Metal Church": 40, "Death Metal Inc": 300,
    "Heavymetalheads": 800, "Minor Threat": 100, "Have Heart": 60, "Belle and Sebastian": 200,
    "Sebadoh": 250, "Earth, Wind & Fire": 300, "Love": 90, "Love and Rockets": 30,
    "Radiohead": 1000, "Killers": 10, "The Killers": 700, "X" * 120: 1,
}


@pytest.fixture(scope="module")
def completer() -> NameCompleter:
    names = list(BANDS)
    catalog = ArtistCatalog(
        artist_ids=np.arange(len(names), dtype=np.int64), names=names,
        norm_names=[normalize_name(n) for n in names],
        listeners=np.array(list(BANDS.values()), dtype=np.int64),
        plays=np.array(list(BANDS.values()), dtype=np.int64),
    )
    return NameCompleter(catalog, NameResolver.from_catalog(catalog))


def test_whole_name_then_start_then_word_then_inside_then_popularity(completer):
    assert completer.complete("metal") == [
        "Metal", "Metallica", "Metal Church", "Death Metal Inc", "Heavymetalheads"]
    assert completer.complete("METALL") == ["Metallica"]


def test_nothing_typed_offers_the_best_known(completer):
    assert completer.complete("", limit=3) == ["Radiohead", "Metallica", "Heavymetalheads"]


def test_short_fragments_match_name_starts_only(completer):
    assert completer.complete("me") == ["Metallica", "Metal Church", "Metal"]


def test_spellings_that_normalise_alike_and_typos(completer):
    assert completer.complete("the kil")[:2] == ["The Killers", "Killers"]
    assert completer.complete("earth wind and")[0] == "Earth, Wind & Fire"
    assert completer.complete("radiohed") == ["Radiohead"]
    assert completer.complete("radiohed", anywhere=False) == []


def test_choices_fit_discord(completer):
    for typed in ("x", "xxx", "x" * 40):
        assert all(len(name) <= MAX_CHOICE_CHARS for name in completer.complete(typed))
    assert completer.complete("m", limit=2) == ["Metallica", "Minor Threat"]


@pytest.mark.parametrize(("typed", "first"), [
    ("like Minor Threat, Have He", "like Minor Threat, Have Heart"),
    ("like Belle and Seb", "like Belle and Sebastian"),
    ("like Sebadoh hate Belle and Seb", "like Sebadoh hate Belle and Sebastian"),
    ("like Earth, Wi", "like Earth, Wind & Fire"),
    ("Love", "Love"),
    ("hate Lov", "hate Love"),
    ("like ", "like Radiohead"),
    ("like Minor Threat, ", "like Minor Threat, Radiohead"),
    ("+radiohed", "+Radiohead"),
])
def test_the_name_being_typed_is_completed_in_place(completer, typed, first):
    assert complete_query(completer, typed)[0] == first


def test_a_query_too_long_to_complete_gets_no_choices(completer):
    assert complete_query(completer, "like " + "Minor Threat, " * 7 + "Have He") == []
