"""Asking for the well-known or the long-tail end in words (engine.fame)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.answer import Engine
from engine.fame import DEEP, SAFE, fame_request
from engine.query import parse_query
from engine.resolve import NameResolver
from engine.space import LoadedSpace
from store import Store
from store.catalog import load_artists
from tests.test_answer import clustered_vectors


@pytest.mark.parametrize(("text", "novelty", "names"), [
    ("like Converge, play it safe", SAFE, ["Converge"]),
    ("Play It Safe: bands like Kid Rock", SAFE, ["Kid Rock"]),
    ("i like metallica but nothing too obscure", SAFE, ["metallica"]),
    ("well-known bands like Have Heart", SAFE, ["Have Heart"]),
    ("like Minor Threat, deep cuts only", DEEP, ["Minor Threat"]),
    ("hidden gems similar to Slint", DEEP, ["Slint"]),
    ("something obscure like Have Heart and Bane", DEEP, ["Have Heart", "Bane"]),
    # The last phrase wins.
    ("deep cuts like Fugazi, or play it safe", SAFE, ["Fugazi"]),
])
def test_phrases_set_the_novelty_and_are_not_read_as_names(text, novelty, names):
    fame, rest = fame_request(text)
    assert fame is not None and fame.novelty == novelty
    assert [term.name for term in parse_query(rest).terms] == names


@pytest.mark.parametrize("text", [
    "like The Velvet Underground",  # a single word is part of too many names
    "like Popular Mechanics and Obscure",
    "like Minor Threat, Have Heart",
    "unsafe bets",  # not a whole phrase
])
def test_band_names_and_plain_queries_ask_for_nothing(text):
    assert fame_request(text) == (None, text)


def test_the_engine_plays_it_safe_or_digs_deep_when_asked(bundled_store_path):
    with Store.open(bundled_store_path, read_only=True) as store:
        catalog = load_artists(store)
    space = LoadedSpace.from_arrays("graph", catalog.artist_ids, clustered_vectors(catalog),
                                    catalog)
    engine = Engine(NameResolver.from_catalog(catalog), space)
    safe = engine.ask("like Minor Threat, play it safe", k=20)
    deep = engine.ask("like Minor Threat, deep cuts", k=20)
    plain = engine.ask("like Minor Threat", k=20)
    assert safe.likes == deep.likes == plain.likes == ("Minor Threat",)
    assert "Playing it safe: well-known bands first." in safe.notes
    assert "Digging deep: long-tail bands first." in deep.notes
    assert safe.recommendation.settings.novelty == SAFE
    assert deep.recommendation.settings.novelty == DEEP

    def median_listeners(answer) -> float:
        return float(np.median([item.listeners for item in answer.recommendation.items]))

    assert median_listeners(safe) > median_listeners(plain) > median_listeners(deep)
    # A number given outright wins over the words.
    assert engine.ask("like Minor Threat, play it safe", novelty=0.0).recommendation \
        .settings.novelty == 0.0
