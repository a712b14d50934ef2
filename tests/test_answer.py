"""The handler behind `sage ask`, `sage chat` and the bot, over the real bundled catalog."""

import json
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.embeds import answer_embed
from bot.feedback import UserVotes, soft_likes
from bot.safety import DESCRIPTION_CHARS, EMBED_CHARS, FIELD_VALUE_CHARS
from cli.main import main
from engine.answer import Engine
from engine.compose import Seed, compose
from engine.pipeline import FIT_SHARE, SettingError
from engine.render import answer_to_dict, render_text
from engine.resolve import NameResolver
from engine.scenes import NO_SCENE, Scenes, load_scenes
from engine.space import LoadedSpace
from engine.tags import TagIndex
from store import Store
from store.catalog import load_artists
from store.runs import RunRecord, record_run
from train.graph.params import GraphParams, WalkParams, Word2VecParams


def clustered_vectors(catalog, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Random directions, except that hardcore bands share one, so answers are checkable."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((len(catalog.artist_ids), dim)).astype(np.float32)
    hardcore = ["Minor Threat", "Have Heart", "Sick of It All", "Bane", "Madball", "Agnostic Front"]
    rows = [catalog.names.index(name) for name in hardcore]
    vectors[rows] = 5 * rng.standard_normal(dim) + rng.standard_normal((len(rows), dim))
    return vectors


@pytest.fixture(scope="module")
def engine(bundled_store_path) -> Engine:
    with Store.open(bundled_store_path, read_only=True) as store:
        catalog = load_artists(store)
        tags = TagIndex.from_store(store, catalog)
    space = LoadedSpace.from_arrays(
        "graph", catalog.artist_ids, clustered_vectors(catalog), catalog
    )
    return Engine(NameResolver.from_catalog(catalog), space, tags=tags)


def test_answer_echoes_and_recommends(engine):
    answer = engine.ask("like Minor Threat, Have Heart hate DMX", k=4)
    assert answer.likes == ("Minor Threat", "Have Heart") and answer.hates == ("DMX",)
    names = [item.name for item in answer.recommendation.items]
    assert set(names) <= {"Sick of It All", "Bane", "Madball", "Agnostic Front"}
    assert all(item.closest_like.name in {"Minor Threat", "Have Heart"}
               for item in answer.recommendation.items)
    text = render_text(answer)
    assert text.startswith("understood: like Minor Threat, Have Heart · hate DMX")
    assert "close to" in text


def test_mission_example_asks_instead_of_guessing(engine):
    answer = engine.ask("like Inside Out hate DMX")
    assert answer.recommendation is None
    assert answer.likes == ()
    assert 'no band called "Inside Out" here' in answer.notes  # not "did you mean Out Out"
    assert any("at least one band you like" in note for note in answer.notes)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hate DMX", "x" * 5000, ", ".join(["Madball"] * 200), "🎸🤘🔥",
     "l̵̢͓̈́i̷͈̍k̶̨̛e̸̲̓ M̸i̵n̴o̷r̸ T̵h̵r̵e̴a̴t̵", "like **Minor Threat** __x__ `y` ||z||",
     "@everyone like <@123> <#1> <@&5> Minor Threat", "'; DROP TABLE artists; --",
     "like \"unclosed", "like Minor Threat*999", "like Minor Threat hate Minor Threat"],
)
def test_bad_input_gets_a_short_answer_that_cannot_ping(engine, text):
    answer = engine.ask(text)
    rendered = render_text(answer)
    assert "@everyone" not in rendered and "<@" not in rendered and "<#" not in rendered
    assert answer.notes or answer.recommendation.items
    assert all(len(note) < 300 for note in answer.notes)
    json.dumps(answer_to_dict(answer))


def test_a_bad_setting_is_refused_by_the_search_that_uses_it(engine):
    with pytest.raises(SettingError, match="k must be 1 to"):
        engine.ask("like Minor Threat", k=0)
    with pytest.raises(SettingError, match="novelty must be -1 to 1"):
        engine.ask("like Minor Threat", novelty=2.0)


def test_excluded_bands_are_not_recommended_again(engine):
    first = engine.ask("like Minor Threat", k=3)
    shown = {item.artist_id for item in first.recommendation.items}
    again = engine.ask("like Minor Threat", k=3, exclude_ids=shown)
    assert shown.isdisjoint(item.artist_id for item in again.recommendation.items)


def test_a_query_asked_again_after_a_thumbs_up_on_its_answer_keeps_most_of_it(engine):
    for query in ("like Minor Threat, Have Heart", "like Madball", "like Minor Threat hate DMX"):
        first = [item.artist_id for item in engine.ask(query).recommendation.items]
        # A 👍 on the whole answer: its bands join the next query as soft likes.
        thumbed = soft_likes(UserVotes(liked=tuple(first), whole_answer=frozenset(first)))
        again = [item.artist_id for item in
                 engine.ask(query, soft_likes=thumbed).recommendation.items]
        assert len(set(first) & set(again)) >= 7, query


def test_soft_likes_steer_the_answer_but_never_stand_alone(engine):
    catalog = engine.space.catalog
    madball = int(catalog.artist_ids[catalog.names.index("Madball")])
    plain = engine.ask("like Minor Threat", k=3)
    soft = engine.ask("like Minor Threat", k=3, soft_likes=[Seed(madball, 0.5)])
    assert soft.soft_likes == ("Madball",) and plain.soft_likes == ()
    # Madball steers the taste toward itself, and, not being asked about, may be
    # recommended again, higher; its reason is the typed like, not itself.
    def madball_of(answer):
        return next(item for item in answer.recommendation.items if item.artist_id == madball)
    assert madball_of(soft).score > madball_of(plain).score
    assert madball_of(soft).closest_like.name == "Minor Threat"
    only_soft = engine.ask("hate DMX", soft_likes=[Seed(madball, 0.5)])
    assert only_soft.recommendation is None
    hated = engine.ask("like Minor Threat hate Madball", soft_likes=[Seed(madball, 0.5)])
    assert hated.soft_likes == () and hated.hates == ("Madball",)


def test_a_disliked_band_lowers_its_neighbours_unless_the_query_names_it(engine):
    catalog = engine.space.catalog
    madball = int(catalog.artist_ids[catalog.names.index("Madball")])

    def scores(query, **feedback):
        return {item.name: item.score for item in engine.ask(query, k=4, **feedback)
                .recommendation.items}

    plain = scores("like Minor Threat", exclude_ids=[madball])
    disliked = scores("like Minor Threat", exclude_ids=[madball], soft_hates=[Seed(madball)])
    # Its hardcore neighbours come lower, and stay.
    assert disliked.keys() == plain.keys() and all(disliked[n] < plain[n] for n in plain)
    named = "like Minor Threat, Madball"
    assert scores(named, soft_hates=[Seed(madball)]) == scores(named)


def test_discover_keeps_to_a_few_bands_per_scene(engine):
    catalog = engine.space.catalog
    ids = catalog.artist_ids
    hardcore = [int(ids[catalog.names.index(name)]) for name in ["Minor Threat", "Have Heart"]]
    # Every artist in one of 3 scenes, so a cap of 2 leaves at most 6 results, and only
    # of the bands that fit the taste: no scene's places are filled from outside it.
    scenes = Scenes(1, ids, ids % 3, np.ones(len(ids)))
    scened = Engine(engine.resolver, engine.space, scenes)
    items = scened.discover([Seed(a) for a in hardcore], k=10, max_per_scene=2).items
    assert 1 <= len(items) <= 6
    assert np.bincount(scenes.community_of([item.artist_id for item in items])).max() == 2
    taste = compose(engine.space, [Seed(a) for a in hardcore], []).taste
    similarity = engine.space.unit @ taste.vector
    similarity[engine.space.rows_of(hardcore)] = -1
    fitting = similarity >= FIT_SHARE * similarity.max()
    assert set(engine.space.rows_of([item.artist_id for item in items])) <= set(
        np.flatnonzero(fitting))
    assert len(scened.discover([Seed(a) for a in hardcore], k=10).items) == 10


def test_scenes_come_from_the_active_graph_run(bundled_store_copy):
    with Store.open(bundled_store_copy) as store:
        assert load_scenes(store).run_id is None
        catalog = load_artists(store)
        now = datetime.now(UTC)
        run = RunRecord("graph", "artist", {}, "test", now, now)

        def write_scenes(con, run_id):
            con.executemany(
                "INSERT INTO artist_scenes VALUES (?, ?, ?, ?)",
                [(int(a), run_id, 0.5, int(a) % 7) for a in catalog.artist_ids[:50]],
            )

        recorded = record_run(store, run, catalog.artist_ids, clustered_vectors(catalog),
                              activate=True, also=write_scenes)
        scenes = load_scenes(store)
    assert scenes.run_id == recorded.run_id and len(scenes.artist_ids) == 50
    first, outside = catalog.artist_ids[[3, 60]]
    assert scenes.community_of([first, outside]).tolist() == [first % 7, NO_SCENE]


# Hardcore bands, which "like Minor Threat" would otherwise get, left out of every answer.
EXCLUDED = ["Sick of It All", "Bane"]
# Discord's markup that pings or mentions: @everyone, @here, <@1>, <@!1>, <@&1> (a role),
# <#1> (a channel), <:name:1> and <a:name:1> (emoji), <t:1> (a time), </name:1> (a command).
LIVE_MENTION = re.compile(
    r"@(?:everyone|here)|<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?|/[^>]+:\d+)>")


@pytest.fixture(scope="module")
def excluded_ids(engine) -> set[int]:
    catalog = engine.space.catalog
    return {int(catalog.artist_ids[catalog.names.index(name)]) for name in EXCLUDED}


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300) | st.lists(
    st.sampled_from(["like", "hate", "love", "+", "-", "but not", "without", ",", '"', "*2",
                     "Minor Threat", "Love", "Hatebreed", "Earth, Wind & Fire", "@everyone",
                     "<#1>", "<t:1>",
                     "<@1>", "**", "DMX", "Inside Out", "the", "&", "I'm into", "I hate",
                     "can't stand", "bands like", "the band", "please", "sucks", "no", "yes",
                     ".", "?", "shoegaze", "rap", "hip hop", "the genre", "I", "A", "them",
                     *EXCLUDED]),
    max_size=12,
).map(" ".join))
def test_any_query_is_answered_with_its_reading_and_nothing_that_pings(engine, excluded_ids,
                                                                       text):
    answer = engine.ask(text, k=3, exclude_ids=excluded_ids)
    recommendation = answer.recommendation
    items = recommendation.items if recommendation is not None else ()
    # Every answer recommends or says why not; every name it could not place gets a note.
    assert items or answer.notes
    assert all(term.resolution.describe() in answer.notes for term in answer.understood.unresolved)
    # No band read as a like or a hate, nor an excluded one, is recommended back.
    inputs = {term.artist.artist_id for term in answer.understood.terms if term.artist}
    assert len(items) <= 3 and [item.rank for item in items] == list(range(1, len(items) + 1))
    assert {item.artist_id for item in items}.isdisjoint(inputs | excluded_ids)

    # The terminal shows what was understood first, then every note.
    lines = render_text(answer).split("\n")
    read = [*answer.likes, *answer.hates, *answer.like_tags, *answer.hate_tags]
    assert all(name in lines[0] for name in read)
    assert read or lines[0] == "understood: no band I know"
    assert all(f"note: {note}" in lines for note in answer.notes)
    # The bot's answer fits Discord's limits and mentions nobody, whatever was typed.
    embed = answer_embed(answer, title="Sage")
    assert len(embed) <= EMBED_CHARS and len(embed.description) <= DESCRIPTION_CHARS
    assert all(len(field.value) <= FIELD_VALUE_CHARS for field in embed.fields)
    shown = [embed.title, embed.description, *(field.name for field in embed.fields),
             *(field.value for field in embed.fields), embed.footer.text or ""]
    assert not any(LIVE_MENTION.search(part or "") for part in shown)


@pytest.fixture
def store_with_runs(bundled_store_copy):
    """The bundled catalog with graph, cf and hybrid (the default space) runs of checkable
    vectors."""
    with Store.open(bundled_store_copy) as store:
        catalog = load_artists(store)
        now = datetime.now(UTC)
        for space in ("graph", "cf", "hybrid"):
            run = RunRecord(space, "artist", {}, "test", now, now)
            record_run(store, run, catalog.artist_ids, clustered_vectors(catalog), activate=True)
    return bundled_store_copy


def test_sage_ask_table_json_and_batch(store_with_runs, tmp_path, capsys):
    store = ["--store", str(store_with_runs)]
    assert main([*store, "ask", "like Minor Threat", "--top", "3"]) == 0
    assert "understood: like Minor Threat" in capsys.readouterr().out

    assert main([*store, "ask", "like Minor Threat", "--top", "3", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["understood"]["likes"] == ["Minor Threat"] and len(answer["results"]) == 3
    # The hardcore bands placed near Minor Threat here share its tags in the bundled data.
    reasons = [result["why"]["reasons"] for result in answer["results"]]
    assert all(reasons) and all("hardcore punk" in why[0] for why in reasons)
    assert all(result["url"].startswith("http://www.last.fm/music/")
               for result in answer["results"])

    batch = tmp_path / "queries.txt"
    batch.write_text("like Minor Threat\n\nlike Inside Out hate DMX\n", encoding="utf-8")
    assert main([*store, "ask", "--batch", str(batch), "--top", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [len(line["results"]) for line in lines] == [2, 0]


def test_sage_chat_runs_the_same_handler(store_with_runs, monkeypatch, capsys):
    typed = iter(["like Minor Threat", "like Inside Out", "quit"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    assert main(["--store", str(store_with_runs), "chat", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert "understood: like Minor Threat" in out and "I don't know Inside Out" in out


def test_first_run_builds_the_store_from_bundled_data(tmp_path, monkeypatch, capsys):
    tiny = GraphParams(walks=WalkParams(walks_per_node=1, walk_length=4),
                       word2vec=Word2VecParams(vector_size=8, epochs=1))
    import train.bootstrap

    build = train.bootstrap.build_default_store
    monkeypatch.setattr(train.bootstrap, "build_default_store", lambda path: build(path, tiny))
    monkeypatch.setenv("SAGE_STORE", str(tmp_path / "new.duckdb"))  # the default path
    assert main(["ask", "like Minor Threat"]) == 0
    assert "understood: like Minor Threat" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["info"], ["ask", "like Minor Threat"], ["eval"],
                                     ["map", "Minor Threat"], ["prune"]])
def test_a_mistyped_store_is_not_created(tmp_path, command, capsys):
    typo = tmp_path / "tpyo.duckdb"
    assert main(["--store", str(typo), *command]) == 2
    assert capsys.readouterr().err.startswith(f"sage: error: no store at {typo}")
    assert not typo.exists()


def test_the_store_may_follow_the_command(store_with_runs, capsys):
    assert main(["ask", "like Minor Threat", "--top", "2", "--store", str(store_with_runs)]) == 0
    assert "understood: like Minor Threat" in capsys.readouterr().out
    assert main(["info", "--store", str(store_with_runs), "--json"]) == 0


@pytest.mark.parametrize(
    ("option", "error"),
    [(["--top", "0"], "argument --top: must be 1 to 100, not '0'"),
     (["--top", "many"], "argument --top: must be 1 to 100, not 'many'"),
     (["--novelty", "5"], "argument --novelty: must be -1 to 1, not '5'")],
)
def test_bad_settings_are_one_line_errors_before_anything_loads(tmp_path, option, error, capsys):
    missing = tmp_path / "no-store-yet.duckdb"  # would be built, were the options read later
    with pytest.raises(SystemExit) as exited:
        main(["--store", str(missing), "ask", "no band at all", *option])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"sage ask: error: {error}"
    assert not missing.exists()
