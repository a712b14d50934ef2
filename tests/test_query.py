import pytest

from engine.query import (
    MAX_NAME_CHARS,
    MAX_NAMES,
    MAX_QUERY_CHARS,
    ParsedQuery,
    Polarity,
    ProblemKind,
    parse_query,
)
from store.names import normalize_name

LIKE, HATE = Polarity.LIKE, Polarity.HATE

# A stand-in for the resolver's name_score: these names are in the catalog, exactly.
CATALOG = {
    normalize_name(name)
    for name in [
        "Minor Threat",
        "Have Heart",
        "DMX",
        "Love",
        "Hate",
        "Hatebreed",
        "Hate Eternal",
        "Like Moths to Flames",
        "Earth",
        "Earth, Wind & Fire",
        "Men Without Hats",
        "Everything but the Girl",
        "The Beatles",
        "Belle and Sebastian",
        "Elvin Bishop",
        "George Thorogood",
        "Elvin Bishop, George Thorogood",
        "Love Like Blood",
    ]
}


def known(name: str) -> float:
    return 1.0 if normalize_name(name) in CATALOG else 0.0


def read(parsed: ParsedQuery) -> list[tuple[str, Polarity]]:
    return [(term.name, term.polarity) for term in parsed.terms]


def kinds(parsed: ParsedQuery) -> set[ProblemKind]:
    return {problem.kind for problem in parsed.problems}


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "like Minor Threat, Have Heart hate DMX",
            [("Minor Threat", LIKE), ("Have Heart", LIKE), ("DMX", HATE)],
        ),
        ("hate DMX like Minor Threat", [("DMX", HATE), ("Minor Threat", LIKE)]),
        ("love Minor Threat but not DMX", [("Minor Threat", LIKE), ("DMX", HATE)]),
        ("Minor Threat without DMX", [("Minor Threat", LIKE), ("DMX", HATE)]),
        ("+Minor Threat -DMX", [("Minor Threat", LIKE), ("DMX", HATE)]),
        (
            "+ Minor Threat - DMX, Hatebreed",
            [("Minor Threat", LIKE), ("DMX", HATE), ("Hatebreed", HATE)],
        ),
        (
            "Minor Threat; Have Heart\nDMX",
            [("Minor Threat", LIKE), ("Have Heart", LIKE), ("DMX", LIKE)],
        ),
        (
            "Minor Threat and Have Heart except DMX",
            [("Minor Threat", LIKE), ("Have Heart", LIKE), ("DMX", HATE)],
        ),
        ("LIKE: Minor Threat HATES: DMX", [("Minor Threat", LIKE), ("DMX", HATE)]),
        ("blink-182 -Jay-Z", [("blink-182", LIKE), ("Jay-Z", HATE)]),
    ],
)
def test_keywords_and_separators(text, expected):
    parsed = parse_query(text)
    assert read(parsed) == expected
    assert parsed.problems == ()


def test_a_bare_list_is_likes_and_likes_and_hates_are_split():
    parsed = parse_query("Minor Threat, Have Heart, hate DMX")
    assert [t.name for t in parsed.likes] == ["Minor Threat", "Have Heart"]
    assert [t.name for t in parsed.hates] == ["DMX"]


def test_quotes_keep_commas_and_keywords_inside_a_name():
    parsed = parse_query('like "Earth, Wind & Fire", “Without Face” hate "Love"')
    assert read(parsed) == [("Earth, Wind & Fire", LIKE), ("Without Face", LIKE), ("Love", HATE)]
    assert all(term.quoted for term in parsed.terms)


def test_an_unclosed_quote_runs_to_the_end():
    parsed = parse_query('like "Without Face, DMX')
    assert read(parsed) == [("Without Face, DMX", LIKE)]
    assert kinds(parsed) == {ProblemKind.UNCLOSED_QUOTE}


def test_weights():
    parsed = parse_query('Minor Threat*2, "Earth, Wind & Fire" * 0.5 hate DMX*3')
    assert [(t.name, t.weight) for t in parsed.terms] == [
        ("Minor Threat", 2.0),
        ("Earth, Wind & Fire", 0.5),
        ("DMX", 3.0),
    ]


@pytest.mark.parametrize(
    "text", ["Minor Threat*0", "Minor Threat*11", "*2 Minor Threat", "like *2"]
)
def test_bad_weights_are_reported_and_ignored(text):
    parsed = parse_query(text)
    assert all(term.weight == 1.0 for term in parsed.terms)
    assert ProblemKind.BAD_WEIGHT in kinds(parsed)


def test_asterisks_inside_names_are_not_weights():
    assert [t.name for t in parse_query("*NSYNC, N*E*R*D").terms] == ["*NSYNC", "N*E*R*D"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Love", [("Love", LIKE)]),
        ("hate Love", [("Love", HATE)]),
        ("Love, Hatebreed", [("Love", LIKE), ("Hatebreed", LIKE)]),
        ("like Love hate Hatebreed", [("Love", LIKE), ("Hatebreed", HATE)]),
        ("like Hate Eternal", [("Hate Eternal", LIKE)]),
        ("Minor Threat, Hate Eternal", [("Minor Threat", LIKE), ("Hate Eternal", LIKE)]),
        ("Like Moths to Flames", [("Like Moths to Flames", LIKE)]),
        ("love Like Moths to Flames", [("Like Moths to Flames", LIKE)]),
        ("hate Love Like Blood", [("Love Like Blood", HATE)]),
        (
            "like Earth, Wind & Fire, Minor Threat",
            [("Earth, Wind & Fire", LIKE), ("Minor Threat", LIKE)],
        ),
        ("Men Without Hats without DMX", [("Men Without Hats", LIKE), ("DMX", HATE)]),
        ("Everything but the Girl but not DMX", [("Everything but the Girl", LIKE), ("DMX", HATE)]),
        (
            "Belle and Sebastian and Have Heart",
            [("Belle and Sebastian", LIKE), ("Have Heart", LIKE)],
        ),
        ("Beatles, The", [("Beatles, The", LIKE)]),
        # Unknown names never swallow keywords: the default reading stands.
        ("like Inside Out hate DMX", [("Inside Out", LIKE), ("DMX", HATE)]),
        (
            "like Minor Threat, Have Heart hate DMX",
            [("Minor Threat", LIKE), ("Have Heart", LIKE), ("DMX", HATE)],
        ),
    ],
)
def test_keywords_inside_catalog_names(text, expected):
    assert read(parse_query(text, known)) == expected


def test_a_comma_joined_name_in_the_catalog_wins_a_tie_by_being_one_name():
    # Both readings put four words inside names; the documented tie-break is fewer names.
    parsed = parse_query("Elvin Bishop, George Thorogood", known)
    assert read(parsed) == [("Elvin Bishop, George Thorogood", LIKE)]


def test_keywords_absorb_only_into_names_that_score_high():
    half_sure = lambda name: 0.8 if normalize_name(name) == "hate eternal" else 0.0  # noqa: E731
    assert read(parse_query("like Hate Eternal", half_sure)) == [("Eternal", HATE)]


def test_without_a_catalog_every_keyword_is_a_keyword():
    parsed = parse_query("Love")
    assert parsed.terms == ()
    assert kinds(parsed) == {ProblemKind.DANGLING_KEYWORD, ProblemKind.EMPTY}


@pytest.mark.parametrize("text", ["", "   ", "\n\n", ",,,;;", "like hate", "and but"])
def test_empty_queries(text):
    parsed = parse_query(text)
    assert parsed.terms == ()
    assert ProblemKind.EMPTY in kinds(parsed)


def test_only_hates_is_reported():
    parsed = parse_query("hate DMX")
    assert read(parsed) == [("DMX", HATE)]
    assert kinds(parsed) == {ProblemKind.ONLY_HATES}


def test_a_keyword_without_a_name_is_reported():
    parsed = parse_query("like Minor Threat hate")
    assert read(parsed) == [("Minor Threat", LIKE)]
    assert kinds(parsed) == {ProblemKind.DANGLING_KEYWORD}


def test_long_text_is_cut_at_a_word():
    text = "like " + ", ".join(["Minor Threat"] * 400)  # 5,600 characters
    parsed = parse_query(text)
    assert {ProblemKind.TOO_LONG, ProblemKind.TOO_MANY_NAMES} <= kinds(parsed)
    assert len(parsed.terms) == MAX_NAMES
    assert all(term.name == "Minor Threat" for term in parsed.terms)


def test_two_hundred_names_keep_the_first_ones():
    text = ", ".join(f"Band {i}" for i in range(200))
    parsed = parse_query(text[:MAX_QUERY_CHARS])
    assert kinds(parsed) == {ProblemKind.TOO_MANY_NAMES}
    assert [t.name for t in parsed.terms] == [f"Band {i}" for i in range(MAX_NAMES)]


def test_an_overlong_name_is_skipped():
    parsed = parse_query("Minor Threat, " + "x" * (MAX_NAME_CHARS + 1))
    assert read(parsed) == [("Minor Threat", LIKE)]
    assert kinds(parsed) == {ProblemKind.NAME_TOO_LONG}


def test_discord_mentions_and_markdown_are_not_names():
    parsed = parse_query(
        "@everyone like <@123> <@!45> <#1> <@&9> <:ok:77> **Minor Threat**, __Have__ ~~Heart~~ "
        "hate ||DMX||, `Hatebreed` @here"
    )
    assert read(parsed) == [
        ("Minor Threat", LIKE),
        ("Have Heart", LIKE),
        ("DMX", HATE),
        ("Hatebreed", HATE),
    ]
    assert kinds(parsed) == {ProblemKind.MENTIONS_REMOVED}


def test_quote_blocks_and_links_are_dropped():
    parsed = parse_query("> like Minor Threat\n> hate [DMX](https://example.com/dmx) https://x.y/z")
    assert read(parsed) == [("Minor Threat", LIKE), ("DMX", HATE)]


def test_zalgo_control_characters_and_emoji_survive():
    zalgo = (
        "M\u0334\u0321\u031bi\u0337n\u0336o\u0338r\u0334 T\u0338h\u0336r\u0338e\u0334a\u0338t\u0335"
    )
    parsed = parse_query(f"like {zalgo}\u200b\x00, 🤘 Have Heart 🤘 hate DMX\u202e")
    assert [normalize_name(t.name) for t in parsed.terms] == ["minor threat", "have heart", "dmx"]
    assert [t.polarity for t in parsed.terms] == [LIKE, LIKE, HATE]


def test_sql_looking_text_is_just_names():
    parsed = parse_query("like Minor Threat'; DROP TABLE artists; --")
    assert read(parsed)[0] == ("Minor Threat'", LIKE)
    assert ("DROP TABLE", LIKE) in read(parsed)  # "artists" is a filler word


@pytest.mark.parametrize("hidden", [
    "ht\u200btps://evil.example/x", "<\u200b#123456789>", "<\u200b@&456789>", "@\u200beveryone",
])
def test_invisible_characters_cannot_hide_links_or_mentions(hidden):
    parsed = parse_query(f"like Minor Threat, {hidden}", known)
    assert read(parsed) == [("Minor Threat", LIKE)]


@pytest.mark.parametrize(("text", "expected"), [
    ("I like Minor Threat and Have Heart but I hate DMX",
     [("Minor Threat", LIKE), ("Have Heart", LIKE), ("DMX", HATE)]),
    ("not a fan of DMX, but I love Minor Threat", [("DMX", HATE), ("Minor Threat", LIKE)]),
    ("I hate bands like DMX", [("DMX", HATE)]),
    ("Minor Threat rocks, DMX sucks", [("Minor Threat", LIKE), ("DMX", HATE)]),
    ("minor threat have heart", [("minor threat", LIKE), ("have heart", LIKE)]),
    ("the band Love please", [("Love", LIKE)]),
    ("I love Love", [("Love", LIKE)]),
    ("Love", [("Love", LIKE)]),
    ("'Love' and 'Hate'", [("Love", LIKE), ("Hate", LIKE)]),
])
def test_sentences_against_a_catalog(text, expected):
    parsed = parse_query(text, known)
    assert read(parsed) == expected
    assert not parsed.has(ProblemKind.DANGLING_KEYWORD)


def test_names_side_by_side_are_reported():
    parsed = parse_query("minor threat have heart", known)
    assert {t.split_from for t in parsed.terms} == {"minor threat have heart"}
