"""Understanding what people type, measured: the golden phrasings and genres as terms.

The golden phrasings (tests/golden/phrasings.tsv, 522 rows) were written the way fans
type before the reader could read them. The held-out ones (phrasings_heldout.tsv, 150)
were written later by someone who saw neither the first set nor the reader; the reader
first read 76% of them exactly, and was then improved on the kinds of misses they showed,
so they are no longer untouched. The fresh ones (phrasings_fresh.tsv, 120 long, casual
messages) were written last, the same way, and the reader was not changed for them: their
figure is the honest one for what people type. A row is understood exactly when the
liked and hated bands and genres are exactly the expected ones and nothing is left unread
("no band called ...").
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from engine.answer import Engine
from engine.phrasing import COMMON_WORDS, PHRASES, phrase_key
from engine.query import Polarity
from engine.ranking import Ranking
from engine.render import answer_to_dict, render_text
from engine.resolve import NameResolver, ResolvedQuery, resolve_query
from engine.space import LoadedSpace
from engine.tags import TagIndex
from store import Store
from store.catalog import ArtistCatalog, load_aliases, load_artists, load_listens
from train.cf.factors import artist_factors
from train.cf.params import CfParams

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_MIN_EXACT = 0.97
HELDOUT_MIN_EXACT = 0.90
FRESH_MIN_EXACT = 0.6  # measured 0.667 when written: a guard against reading worse
# Words of the phrases and everyday words: none may be read as a band unless it is one.
PHRASE_WORDS = {word for words in PHRASES for word in words} | COMMON_WORDS


@dataclass(frozen=True)
class Reading:
    likes: frozenset[str]
    hates: frozenset[str]
    like_tags: frozenset[str]
    hate_tags: frozenset[str]


@pytest.fixture(scope="module")
def catalog(bundled_store_path) -> ArtistCatalog:
    with Store.open(bundled_store_path, read_only=True) as store:
        return load_artists(store)


@pytest.fixture(scope="module")
def resolver(bundled_store_path, catalog) -> NameResolver:
    with Store.open(bundled_store_path, read_only=True) as store:
        return NameResolver.from_catalog(catalog, load_aliases(store))


@pytest.fixture(scope="module")
def tags(bundled_store_path, catalog) -> TagIndex:
    with Store.open(bundled_store_path, read_only=True) as store:
        return TagIndex.from_store(store, catalog)


def read_rows(name: str) -> list[dict[str, str]]:
    with (GOLDEN / name).open(encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE))


def names(field: str) -> frozenset[str]:
    return frozenset(name.strip() for name in field.split(";") if name.strip())


def expected(row: dict[str, str], tags: TagIndex) -> Reading:
    """The row's reading; a tag as the vocabulary names it ("hip hop" is hip-hop)."""
    def tag_names(field: str) -> frozenset[str]:
        return frozenset(tags.find(name).tag.name for name in names(field))

    return Reading(names(row["likes"]), names(row["hates"]), tag_names(row["like_tags"]),
                   tag_names(row["hate_tags"]))


def reading(understood: ResolvedQuery) -> Reading:
    def of(polarity: Polarity, tag: bool) -> frozenset[str]:
        return frozenset(
            (t.tag.name if tag else t.artist.name) for t in understood.terms
            if t.term.polarity is polarity and (t.tag if tag else t.artist) is not None
        )

    return Reading(of(Polarity.LIKE, False), of(Polarity.HATE, False),
                   of(Polarity.LIKE, True), of(Polarity.HATE, True))


def measure(rows, resolver, tags) -> tuple[float, list[str], list[str]]:
    """The exact-understanding rate, the rows missed, and every phrase word read as a
    band that was not meant."""
    missed, filler_bands = [], []
    for row in rows:
        text = row["query"].replace("\\n", "\n")
        understood = resolve_query(text, resolver, tags)
        want, got = expected(row, tags), reading(understood)
        unread = [t.term.name for t in understood.unresolved]
        if got != want or unread:
            missed.append(f"[{row['case']}] {text!r}: want {want}, got {got}, unread {unread}")
        meant = want.likes | want.hates
        filler_bands += [
            f"{text!r}: {t.term.name!r} read as the band {t.artist.name}"
            for t in understood.terms
            if t.artist is not None and t.artist.name not in meant
            and all(phrase_key(word) in PHRASE_WORDS for word in t.term.name.split())
        ]
    return 1 - len(missed) / len(rows), missed, filler_bands


def report(title: str, rows, rate: float, missed: list[str]) -> None:
    print(f"\n{title}: {rate:.1%} of {len(rows)} phrasings understood exactly "
          f"({len(missed)} missed)")
    for line in missed:
        print("  " + line)


def test_the_golden_phrasings_are_understood(resolver, tags):
    rows = read_rows("phrasings.tsv")
    assert len(rows) >= 300
    cases = Counter(row["case"] for row in rows)
    assert len(cases) >= 15 and min(cases.values()) >= 10, cases
    rate, missed, filler_bands = measure(rows, resolver, tags)
    report("golden phrasings", rows, rate, missed)
    assert filler_bands == []
    assert rate >= GOLDEN_MIN_EXACT


def test_held_out_phrasings_are_understood(resolver, tags):
    rows = read_rows("phrasings_heldout.tsv")
    assert len(rows) >= 100
    rate, missed, filler_bands = measure(rows, resolver, tags)
    report("held-out phrasings", rows, rate, missed)
    print(f"  everyday words read as bands: {filler_bands}")
    assert len(filler_bands) <= 1  # "not the word" reads "the" as The The after "not"
    assert rate >= HELDOUT_MIN_EXACT


def test_fresh_phrasings_are_measured(resolver, tags):
    rows = read_rows("phrasings_fresh.tsv")
    rate, missed, filler_bands = measure(rows, resolver, tags)
    report("fresh phrasings (never tuned on)", rows, rate, missed)
    print(f"  everyday words read as bands: {len(filler_bands)}")
    assert rate >= FRESH_MIN_EXACT


def test_guesses_are_said(resolver, tags):
    def guesses(text: str) -> list[str]:
        return resolve_query(text, resolver, tags).guesses()

    assert guesses("minor threat have heart") == [
        'read "minor threat have heart" as Minor Threat + Have Heart'
    ]
    [both] = guesses("like Electronic")  # a genre, and a little-known band
    assert both.startswith('read "Electronic" as the genre electronic')
    assert guesses("like the band Electronic") == []
    assert guesses("I love Love") == ['read "Love" as the band Love']
    assert guesses("I like Minor Threat and Have Heart but I hate DMX") == []


# A cf space of the bundled listening data: small and quick, and learnt from listening
# alone, so that genres keeping to their bands is not a tautology of tags.
@pytest.fixture(scope="module")
def engine(bundled_store_path, catalog, resolver, tags) -> Engine:
    with Store.open(bundled_store_path, read_only=True) as store:
        listens = load_listens(store)
    vectors = artist_factors(listens, CfParams(), seed=0)
    space = LoadedSpace.from_arrays("cf", vectors.artist_ids, vectors.vectors, catalog,
                                    ranking=Ranking(CfParams().popularity_prior))
    return Engine(resolver, space, tags=tags)


GENRES = ["shoegaze", "hardcore punk", "straight edge", "post-rock", "hip-hop", "black metal",
          "trip-hop", "nu metal", "reggae", "jazz", "techno", "britpop", "emo", "k-pop"]


def top_ids(answer) -> np.ndarray:
    return np.array([item.artist_id for item in answer.recommendation.items])


def test_a_liked_genre_answers_with_bands_that_carry_it(engine, tags):
    shares = {}
    for genre in GENRES:
        answer = engine.ask(f"I like {genre}")
        assert answer.like_tags == (tags.find(genre).tag.name,) and answer.likes == ()
        shares[genre] = tags.carries(tags.find(genre).tag, top_ids(answer), 5).mean()
    print(f"\nliked genre alone: {np.mean(list(shares.values())):.2f} of the top 10 carry it "
          "among their 5 strongest tags", shares)
    assert min(shares.values()) >= 0.7


@pytest.mark.parametrize("query, genre", [
    ("like Kid Rock hate rap", "rap"),
    ("like Deftones hate nu metal", "nu metal"),
    ("I love Radiohead but I can't stand electronic", "electronic"),
    ("Bon Iver, no folk please", "folk"),
    ("like Minor Threat hate hardcore", "hardcore"),
])
def test_a_hated_genre_leaves_out_the_bands_that_carry_it(engine, tags, query, genre):
    answer = engine.ask(query)
    tag = tags.find(genre).tag
    assert answer.hate_tags == (tag.name,)
    assert len(answer.recommendation.items) == 10
    assert not tags.carries(tag, top_ids(answer), 3).any()


def test_genres_are_echoed_and_marked_in_json(engine):
    answer = engine.ask("like Kid Rock hate rap")
    assert render_text(answer).startswith("understood: like Kid Rock · hate the genre rap")
    data = answer_to_dict(answer)
    assert data["understood"]["hate_tags"] == ["rap"]
    kinds = {term["typed"]: term["kind"] for term in data["understood"]["terms"]}
    assert kinds == {"Kid Rock": "band", "rap": "tag"}


def test_a_liked_genre_explains_itself(engine):
    answer = engine.ask("like straight edge, Have Heart")
    closest = {item.closest_like.name for item in answer.recommendation.items}
    assert closest <= {"Have Heart", "straight edge"} and "straight edge" in closest
    assert "close to the genre straight edge" in render_text(answer)


def test_removals_by_a_hated_genre_are_listed(engine):
    answer = engine.ask("like Korn hate nu metal")  # Korn's neighbours are nu metal bands
    removals = [r for r in answer.recommendation.removed_by_hates if r.hate_id is None]
    assert removals and removals[0].hated == "the genre nu metal"
    assert "hating the genre nu metal kept out" in render_text(answer)


@pytest.mark.parametrize(("text", "likes", "hates", "like_tags"), [
    ("🎸 I love Radiohead", {"Radiohead"}, set(), set()),  # the emoji is no part of "I"
    ("I like", set(), set(), set()),  # the band I only where a band name stands
    ("Can you help", set(), set(), set()),
    ("I like my favorite album", set(), set(), set()),
    ("I like indie, pop and rock", set(), set(), {"indie", "pop", "rock"}),
    ("-Coldplay Radiohead", {"Radiohead"}, {"Coldplay"}, set()),
    ("I like Slint and Creed sucks", {"Slint"}, {"Creed"}, set()),
    ("Nickelback and Creed suck, I love Fugazi", {"Fugazi"}, {"Nickelback", "Creed"}, set()),
    ("Sage Francis and Atmosphere", {"Sage Francis", "Atmosphere"}, set(), set()),
    ("I like shoegzae", set(), set(), {"shoegaze"}),  # one slip in a genre
    ("something heavy like Sleep", {"Sleep"}, set(), set()),
])
def test_readings_found_in_review(resolver, tags, text, likes, hates, like_tags):
    got = reading(resolve_query(text, resolver, tags))
    assert (got.likes, got.hates, got.like_tags) == (likes, hates, like_tags)
