"""The bot's state file: votes from reactions, server taste, weekly claims, privacy, crashes."""

import math
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import time
from pathlib import Path

import pytest

from bot.feedback import WHOLE_ANSWER_DIVISOR, UserVotes, Vote, VoteChange, soft_likes
from bot.state.connection import BotState, StateError, default_state_path
from bot.state.privacy import forget_user, user_data
from bot.state.results import (
    guild_taste,
    posted_results,
    record_results,
    set_reaction,
    user_votes,
)
from bot.state.schema import LATEST_VERSION, MIGRATIONS
from bot.state.weekly_posts import (
    ScheduleError,
    WeeklySettings,
    all_weekly_settings,
    claim_week,
    complete_week,
    posted_artists,
    posted_tracks,
    release_week,
    set_weekly,
    week_record,
    weekly_settings,
)

REPO = Path(__file__).resolve().parent.parent
GUILD, OTHER_GUILD, CHANNEL = 1000, 2000, 50
ALICE, BOB, CAROL = 11, 22, 33


@pytest.fixture
def state(tmp_path):
    with BotState.open(tmp_path / "state.sqlite3") as state:
        yield state


def post(state, message_id, artist_ids, *, user=ALICE, guild=GUILD, likes=(), hates=()):
    record_results(state, message_id, guild_id=guild, channel_id=CHANNEL, user_id=user,
                   artist_ids=artist_ids, like_ids=likes, hate_ids=hates)


def test_a_new_file_is_durable_and_versioned(state):
    con = state._con
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def state_file_at(path, version: int) -> sqlite3.Connection:
    """A state file as Sage wrote it at `version`: its first migrations only."""
    con = sqlite3.connect(path)
    for _, _, statements in MIGRATIONS[:version]:
        for statement in statements:
            con.execute(statement)
    con.execute(f"PRAGMA user_version = {version}")
    return con


def test_a_version_1_file_keeps_its_weekly_posts_and_passes_the_integrity_check(tmp_path):
    path = tmp_path / "state.sqlite3"
    with state_file_at(path, 1) as con:  # as Sage wrote it before version 2
        con.execute("INSERT INTO weekly_posts VALUES (1, '2026-W10', 'posted', 1.0, 77, 2.0)")
        con.execute("INSERT INTO weekly_posts VALUES (1, '2026-W11', 'claimed', 3.0, NULL, NULL)")
        con.execute("INSERT INTO weekly_post_items VALUES (1, '2026-W10', 5)")
        # SQLite 3.40 misreads this table's key order: "NULL value in weekly_post_items.week"
        old_check = con.execute("PRAGMA integrity_check").fetchall()
    with BotState.open(path) as state:
        assert state._con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert posted_artists(state, 1) == {5}
        assert week_record(state, 1, "2026-W10").message_id == 77
        claimed = week_record(state, 1, "2026-W11")
        assert claimed.status == "claimed" and claimed.post is None  # may have gone out
    print(f"\nintegrity_check of a version 1 file on SQLite {sqlite3.sqlite_version}: "
          f"{old_check}; after the migration: ok")


def test_a_version_2_file_learns_which_votes_came_from_a_thumb_on_the_whole_answer(tmp_path):
    path = tmp_path / "state.sqlite3"
    with state_file_at(path, 2) as con:  # as Sage wrote it before version 3
        con.execute("INSERT INTO results VALUES (1, ?, ?, ?, 0.0)", (GUILD, CHANNEL, ALICE))
        con.executemany("INSERT INTO result_items VALUES (1, ?, ?)", [(1, 10), (2, 20)])
        reactions = {BOB: ["👍"], CAROL: ["👎", "2️⃣"], ALICE: ["👍", "🔟"]}  # Alice: no vote
        con.executemany("INSERT INTO reactions VALUES (1, ?, ?)",
                        [(user, emoji) for user, emojis in reactions.items() for emoji in emojis])
        con.executemany(
            "INSERT INTO votes (message_id, guild_id, user_id, artist_id, vote, voted_at) "
            "VALUES (1, ?, ?, ?, ?, 0.0)",
            [(GUILD, BOB, 10, 1), (GUILD, BOB, 20, 1), (GUILD, CAROL, 20, -1)])
    with BotState.open(path) as state:
        assert state._con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert user_votes(state, BOB).whole_answer == {10, 20}
        assert user_votes(state, CAROL) == UserVotes(disliked=(20,))
        # Carol's numbered 👎 outweighs Bob's 👍 on the whole answer.
        assert guild_taste(state, GUILD).hates == {
            20: math.log1p((WHOLE_ANSWER_DIVISOR - 1) / WHOLE_ANSWER_DIVISOR)}
        # and the votes go on changing as before
        assert set_reaction(state, 1, BOB, "👍", False) == VoteChange(withdrawn=(10, 20))


def test_a_version_3_file_keeps_its_posted_bands_with_no_track(tmp_path):
    path = tmp_path / "state.sqlite3"
    with state_file_at(path, 3) as con:  # as Sage wrote it before version 4
        con.execute("INSERT INTO weekly_posts (guild_id, week, status, claimed_at) "
                    "VALUES (?, '2026-W10', 'posted', 1.0)", (GUILD,))
        con.execute("INSERT INTO weekly_post_items VALUES (?, 5, '2026-W10')", (GUILD,))
    with BotState.open(path) as state:
        assert state._con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert posted_artists(state, GUILD) == {5} and posted_tracks(state, GUILD) == set()
        assert claim_week(state, GUILD, "2026-W11", CHANNEL, "[]")
        complete_week(state, GUILD, "2026-W11", 778, [6, 7], [60, 70])
        assert posted_artists(state, GUILD) == {5, 6, 7}
        assert posted_tracks(state, GUILD) == {60, 70}


def test_a_file_from_a_newer_sage_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    BotState.open(path).close()
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(StateError, match="newer"):
        BotState.open(path)


def test_a_file_that_is_not_a_state_file_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StateError, match="cannot use"):
        BotState.open(path)


def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "state.sqlite3"
    with BotState.open(path) as state:
        post(state, 1, [5, 6])
        set_reaction(state, 1, BOB, "👍", True)
    with BotState.open(path) as state:
        assert posted_results(state, 1).artist_ids == (5, 6)
        assert user_votes(state, BOB).liked == (6, 5)  # one reaction: later numbers first


def test_the_default_path_is_beside_the_store_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("SAGE_BOT_STATE", raising=False)
    assert default_state_path(tmp_path / "sage.duckdb") == tmp_path / "sage-bot.sqlite3"
    monkeypatch.setenv("SAGE_BOT_STATE", str(tmp_path / "elsewhere.db"))
    assert default_state_path(tmp_path / "sage.duckdb") == tmp_path / "elsewhere.db"


def test_results_are_numbered_and_direct_messages_have_no_server(state):
    post(state, 1, [30, 10, 20], guild=None)
    posted = posted_results(state, 1)
    assert posted.guild_id is None and posted.user_id == ALICE and posted.channel_id == CHANNEL
    assert posted.artist_ids == (30, 10, 20)
    assert posted_results(state, 2) is None
    with pytest.raises(ValueError):
        post(state, 3, list(range(11)))


def test_reactions_vote_and_removing_them_withdraws(state):
    post(state, 1, [10, 20, 30])
    assert set_reaction(state, 1, BOB, "👍", True) == VoteChange(liked=(10, 20, 30))
    # Adding a number narrows the thumb to that band.
    assert set_reaction(state, 1, BOB, "2️⃣", True) == VoteChange(withdrawn=(10, 30))
    assert user_votes(state, BOB).liked == (20,)
    # Both thumbs: no vote at all, until one goes.
    assert set_reaction(state, 1, BOB, "👎", True) == VoteChange(withdrawn=(20,))
    assert set_reaction(state, 1, BOB, "👍", False) == VoteChange(disliked=(20,))
    assert user_votes(state, BOB).disliked == (20,)
    assert set_reaction(state, 1, BOB, "👎", False) == VoteChange(withdrawn=(20,))
    assert user_votes(state, BOB) == user_votes(state, CAROL)  # nothing left


def test_reactions_elsewhere_change_nothing(state):
    post(state, 1, [10, 20])
    assert set_reaction(state, 99, BOB, "👍", True) == VoteChange()  # not a result message
    assert set_reaction(state, 1, BOB, "🔥", True) == VoteChange()  # not in the scheme
    assert set_reaction(state, 1, BOB, "👍", False) == VoteChange()  # never added
    assert not user_data(state, BOB)
    assert state._con.execute("SELECT count(*) FROM reactions").fetchone()[0] == 0


def test_one_vote_per_user_and_band_the_latest(state):
    post(state, 1, [10, 20])
    post(state, 2, [20, 30])
    set_reaction(state, 1, BOB, "👍", True)
    assert set_reaction(state, 2, BOB, "👎", True) == VoteChange(disliked=(20, 30))
    bob = user_votes(state, BOB)
    assert bob.liked == (10,) and set(bob.disliked) == {20, 30}
    assert guild_taste(state, GUILD).hates.keys() == {20, 30}  # Bob counts once on band 20
    # Withdrawing the later vote leaves the earlier one, whose reaction is still there.
    assert set_reaction(state, 2, BOB, "👎", False) == VoteChange(liked=(20,), withdrawn=(30,))
    assert user_votes(state, BOB).liked == (20, 10)


def test_votes_are_most_recent_first_over_every_server(state):
    post(state, 1, [10], guild=GUILD)
    post(state, 2, [20], guild=OTHER_GUILD)
    post(state, 3, [30], guild=None)
    for message in (1, 2, 3):
        set_reaction(state, message, BOB, "👍", True)
    assert user_votes(state, BOB).liked == (30, 20, 10)


def test_the_server_taste_is_the_members_net_stance(state):
    post(state, 1, [10, 20, 30, 40], user=ALICE, likes=[50], hates=[60])
    post(state, 2, [70], user=BOB, likes=[10, 60])
    post(state, 3, [10], user=CAROL, guild=OTHER_GUILD, likes=[80])
    for emoji in ("👍", "1️⃣", "2️⃣", "3️⃣", "4️⃣"):
        set_reaction(state, 1, ALICE, emoji, True)  # 10, 20, 30, 40, each by its number
    set_reaction(state, 1, BOB, "👎", True)
    set_reaction(state, 1, BOB, "1️⃣", True)  # against 10, but Bob named 10 as a like...
    set_reaction(state, 1, CAROL, "👎", True)  # against 10, 20, 30, 40
    set_reaction(state, 1, CAROL, "2️⃣", True)  # ...just 20
    taste = guild_taste(state, GUILD)
    # 10: Alice for, Bob against (his vote counts over his query) -> a tie, on neither side.
    # 20: Alice for, Carol against -> a tie. 30, 40: Alice. 50: Alice's query.
    # 60: Alice's query against, Bob's query for -> a tie. 70 nobody rated. 80 is elsewhere.
    assert taste.likes == {30: math.log1p(1), 40: math.log1p(1), 50: math.log1p(1)}
    assert taste.hates == {}
    set_reaction(state, 2, CAROL, "👎", True)  # a whole answer: a fifth of a member
    set_reaction(state, 1, CAROL, "3️⃣", True)  # Carol now against 20 and 30
    taste = guild_taste(state, GUILD)
    assert taste.hates == {70: math.log1p(1 / WHOLE_ANSWER_DIVISOR)} and 30 not in taste.likes
    set_reaction(state, 1, BOB, "👎", False)
    set_reaction(state, 1, BOB, "1️⃣", False)
    assert guild_taste(state, GUILD).likes[10] == math.log1p(2)  # Alice's vote, Bob's query
    assert guild_taste(state, OTHER_GUILD).likes == {80: math.log1p(1)}


def test_a_server_disliking_a_band_by_majority_hates_it(state):
    post(state, 1, [10, 20])
    for user in (ALICE, BOB):
        set_reaction(state, 1, user, "👎", True)
    set_reaction(state, 1, CAROL, "👍", True)
    # Thumbs on the whole answer, each a fifth of a member: two against one.
    fifth = math.log1p(1 / WHOLE_ANSWER_DIVISOR)
    assert guild_taste(state, GUILD).hates == {10: fifth, 20: fifth}
    assert guild_taste(state, GUILD).likes == {}


def test_in_a_server_a_numbered_vote_outweighs_whole_answer_thumbs(state):
    post(state, 1, [10, 20])
    members = range(100, 100 + WHOLE_ANSWER_DIVISOR)
    for member in members:
        set_reaction(state, 1, member, "👍", True)  # the whole answer, bands 10 and 20
    for emoji in ("👎", "1️⃣"):
        set_reaction(state, 1, ALICE, emoji, True)  # just band 10
    assert guild_taste(state, GUILD).likes == {20: math.log1p(1)}  # 10: an exact tie
    set_reaction(state, 1, members[0], "👍", False)
    assert guild_taste(state, GUILD).hates == {10: math.log1p(1 / WHOLE_ANSWER_DIVISOR)}


def test_a_thumb_on_the_whole_answer_weighs_less_than_one_on_a_number(state):
    post(state, 1, [10, 20, 30])
    set_reaction(state, 1, BOB, "👍", True)
    assert user_votes(state, BOB).whole_answer == {10, 20, 30}
    # Narrowing to a number makes a new, full vote on that band, now the latest.
    assert set_reaction(state, 1, BOB, "2️⃣", True) == VoteChange(withdrawn=(10, 30))
    bob = user_votes(state, BOB)
    assert (bob.liked, bob.whole_answer) == ((20,), frozenset())
    post(state, 2, [40, 50])
    set_reaction(state, 2, BOB, "👍", True)
    weights = {seed.artist_id: seed.weight for seed in soft_likes(user_votes(state, BOB))}
    assert weights[40] == weights[50] == weights[20] / WHOLE_ANSWER_DIVISOR


def test_weekly_settings_round_trip_and_bad_ones_are_explained(state):
    assert weekly_settings(state, GUILD) is None
    set_weekly(state, GUILD, CHANNEL, 0, time(9, 0), "UTC")
    set_weekly(state, GUILD, CHANNEL + 1, 4, time(18, 30), "Europe/Berlin")
    set_weekly(state, OTHER_GUILD, CHANNEL, 6, time(23, 45), "Asia/Tokyo")
    expected = WeeklySettings(GUILD, CHANNEL + 1, 4, time(18, 30), "Europe/Berlin")
    assert weekly_settings(state, GUILD) == expected
    assert [s.guild_id for s in all_weekly_settings(state)] == [GUILD, OTHER_GUILD]
    for zone in ["Mars/Olympus", "", "../../etc/passwd", "Europe/Berlin; DROP TABLE x"]:
        with pytest.raises(ScheduleError, match="Europe/Berlin"):
            set_weekly(state, GUILD, CHANNEL, 0, time(9, 0), zone)
    with pytest.raises(ScheduleError, match="Monday"):
        set_weekly(state, GUILD, CHANNEL, 7, time(9, 0), "UTC")
    assert weekly_settings(state, GUILD) == expected


def test_a_week_is_claimed_once_with_its_post_and_released_when_sending_fails(state):
    assert week_record(state, GUILD, "2026-W10") is None
    assert claim_week(state, GUILD, "2026-W10", 50, '["the post"]')
    assert not claim_week(state, GUILD, "2026-W10", 50, "[]")
    record = week_record(state, GUILD, "2026-W10")
    assert (record.status, record.channel_id, record.post) == ("claimed", 50, '["the post"]')
    assert claim_week(state, OTHER_GUILD, "2026-W10", 60, "[]")  # servers do not share weeks
    release_week(state, GUILD, "2026-W10")
    assert claim_week(state, GUILD, "2026-W10", 50, "[]")
    complete_week(state, GUILD, "2026-W10", 777, [1, 2, 3])
    release_week(state, GUILD, "2026-W10")  # a posted week is not released
    assert not claim_week(state, GUILD, "2026-W10", 50, "[]")
    assert week_record(state, GUILD, "2026-W10").message_id == 777
    assert posted_artists(state, GUILD) == {1, 2, 3} and posted_artists(state, OTHER_GUILD) == set()
    assert posted_tracks(state, GUILD) == set()  # a list of bands played no track of its own
    with pytest.raises(ValueError, match="not claimed"):
        complete_week(state, GUILD, "2026-W11", 778, [4])


def test_the_user_sees_everything_stored_about_them(state):
    post(state, 1, [10, 20], user=ALICE, likes=[5], hates=[6], guild=None)
    set_reaction(state, 1, ALICE, "👎", True)
    set_reaction(state, 1, ALICE, "2️⃣", True)
    data = user_data(state, ALICE)
    [query] = data.queries
    assert (query.message_id, query.guild_id, query.result_ids) == (1, None, (10, 20))
    assert (query.like_ids, query.hate_ids) == ((5,), (6,))
    assert {r.emoji for r in data.reactions} == {"👎", "2️⃣"}
    [vote] = data.votes
    assert (vote.artist_id, vote.vote, vote.message_id) == (20, Vote.DISLIKE, 1)


def _rows_mentioning(state, user_id):
    con = state._con
    tables = [row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        table: count for table in tables
        if "user_id" in [c[1] for c in con.execute(f"PRAGMA table_info({table})")]
        and (count := con.execute(
            f"SELECT count(*) FROM {table} WHERE user_id = ?", (user_id,)).fetchone()[0])
    }


def test_forgetting_a_user_deletes_all_of_theirs_and_nothing_of_others(state):
    post(state, 1, [10, 20], user=ALICE, likes=[5])  # Bob rates it: kept, unlinked
    post(state, 2, [30], user=ALICE, hates=[6])  # nobody else rates it: deleted
    post(state, 3, [10, 40], user=BOB, likes=[7])
    set_reaction(state, 1, ALICE, "👍", True)
    set_reaction(state, 1, BOB, "👎", True)
    set_reaction(state, 2, ALICE, "👍", True)
    set_reaction(state, 3, ALICE, "👍", True)
    set_reaction(state, 3, BOB, "1️⃣", True)
    set_weekly(state, GUILD, CHANNEL, 0, time(9), "UTC")
    bob, bob_votes = user_data(state, BOB), user_votes(state, BOB)

    # 5 votes, 3 reactions, 2 named bands, message 2 and its 1 band, message 1 unlinked
    assert forget_user(state, ALICE) == 13
    assert not user_data(state, ALICE) and _rows_mentioning(state, ALICE) == {}
    assert user_data(state, BOB) == bob and user_votes(state, BOB) == bob_votes
    kept = posted_results(state, 1)
    assert kept.user_id is None and kept.artist_ids == (10, 20)
    assert posted_results(state, 2) is None
    fifth = math.log1p(1 / WHOLE_ANSWER_DIVISOR)  # Bob's 👎 on the whole answer
    assert guild_taste(state, GUILD).hates == {10: fifth, 20: fifth}
    assert weekly_settings(state, GUILD) is not None
    assert forget_user(state, ALICE) == 0
    # Bob can still withdraw his vote on Alice's old message.
    assert set_reaction(state, 1, BOB, "👎", False) == VoteChange(withdrawn=(10, 20))


def test_calls_from_many_threads_are_safe(state):
    post(state, 1, list(range(1, 11)))
    numbers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]

    def rate(user):
        set_reaction(state, 1, user, "👍", True)
        for emoji in numbers[: user % 10 + 1]:
            set_reaction(state, 1, user, emoji, True)
            user_votes(state, user)

    threads = [threading.Thread(target=rate, args=(user,)) for user in range(100, 108)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for user in range(100, 108):
        assert set(user_votes(state, user).liked) == set(range(1, user % 10 + 2))


def test_an_acknowledged_write_survives_a_crash(tmp_path):
    path = tmp_path / "state.sqlite3"
    crashing = f"""
import os, signal
from bot.state.connection import BotState
from bot.state.results import record_results, set_reaction
from bot.state.weekly_posts import claim_week
state = BotState.open({str(path)!r})
record_results(state, 1, guild_id=5, channel_id=6, user_id=7, artist_ids=[10, 20],
               like_ids=[], hate_ids=[])
set_reaction(state, 1, 8, "👍", True)
assert claim_week(state, 5, "2026-W10", 50, "[]")
print("acknowledged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint: the process just dies
"""
    run = subprocess.run([sys.executable, "-c", crashing], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL and "acknowledged" in run.stdout, run.stderr
    with BotState.open(path) as state:
        assert posted_results(state, 1).artist_ids == (10, 20)
        assert set(user_votes(state, 8).liked) == {10, 20}
        assert not claim_week(state, 5, "2026-W10", 50, "[]")
