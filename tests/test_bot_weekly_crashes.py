"""Weekly posts exactly once through 20 random restarts of a bot in a child process
(tests/weekly_crashes.py): kill -9 and SIGINT, at random moments and in the middle of
sends, before and after the post reaches the channel."""

from tests.weekly_crashes import simulate


def test_twenty_random_restarts_post_every_server_week_exactly_once(tmp_path):
    # Eight weeks: a taste of one scene holds enough fitting bands for eight posts, and a
    # post never reaches outside the taste to fill its places.
    figures = simulate(tmp_path, restarts=20, weeks=8, seed=0)
    print(f"\nweekly posts through restarts: {figures}")
    assert sum(figures.restarts.values()) == 20
    mid_send = sum(n for kind, n in figures.restarts.items() if "send" in kind)
    assert mid_send >= 10  # the kills the old release-on-any-exception got wrong
    assert figures.duplicates == [] and figures.misses == []
    assert figures.posted == figures.server_weeks == 24
    assert figures.repeated_bands == 0
