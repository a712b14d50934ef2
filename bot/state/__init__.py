"""The bot's own state: result messages, rating reactions and votes, weekly settings and
the history of weekly posts, in one SQLite file.

    schema (the tables, as migrations) -> connection (BotState: the open file, one
    transaction per call) -> results (result messages and the votes on them),
    weekly_posts (where and when, and what was posted), privacy (a user's data, shown
    or forgotten)

Every feature is a set of functions over one BotState: `record_results(state, ...)`.

What is kept: Discord ids (user, server, channel, message), the artist ids a query named
and got back, the rating reactions and the votes they give, and times. Never the text
of a query, never a name. `privacy.user_data` shows a user all of it; `privacy.forget_user`
deletes it.
"""
