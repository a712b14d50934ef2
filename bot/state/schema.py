"""The bot state file's schema as an ordered list of migrations.

The file records the last migration applied in `PRAGMA user_version`; opening it applies
the rest, each in its own transaction. Never edit a migration that has shipped: append
a new one.

What is stored is deliberately little: Discord ids, the artist ids a query resolved to
and Sage answered with, the rating reactions, times, and each weekly post as composed
(its bands, tracks and reasons) so that a post whose sending was interrupted goes out
as it was. Never the text of a query and never a person's name.
"""

# Direct messages have no server; 0 is never a Discord id, and a NULL would not be unique.
NO_GUILD = 0


def guild_key(guild_id: int | None) -> int:
    """The guild_id column's value for a server, or for direct messages (None)."""
    return NO_GUILD if guild_id is None else guild_id


def guild_of(key: int) -> int | None:
    """The server a guild_id column's value stands for; None for direct messages."""
    return None if key == NO_GUILD else key

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "result messages, reactions and votes, weekly settings and post history",
        [
            """CREATE TABLE results (
                message_id INTEGER PRIMARY KEY,   -- Sage's message holding the results
                guild_id   INTEGER NOT NULL,      -- NO_GUILD in direct messages
                channel_id INTEGER NOT NULL,
                user_id    INTEGER,               -- who asked; NULL once they asked to be forgotten
                created_at REAL NOT NULL          -- unix seconds
            )""",
            "CREATE INDEX results_by_user ON results (user_id)",
            "CREATE INDEX results_by_guild ON results (guild_id)",
            """CREATE TABLE result_items (
                message_id INTEGER NOT NULL REFERENCES results,
                position   INTEGER NOT NULL,      -- the number shown, 1 to 10
                artist_id  INTEGER NOT NULL,
                PRIMARY KEY (message_id, position)
            ) WITHOUT ROWID""",
            """CREATE TABLE query_seeds (            -- the bands a query named
                message_id INTEGER NOT NULL REFERENCES results,
                artist_id  INTEGER NOT NULL,
                vote       INTEGER NOT NULL CHECK (vote IN (1, -1)),   -- 1 like, -1 hate
                PRIMARY KEY (message_id, artist_id)
            ) WITHOUT ROWID""",
            """CREATE TABLE reactions (              -- each user's current rating reactions
                message_id INTEGER NOT NULL REFERENCES results,
                user_id    INTEGER NOT NULL,
                emoji      TEXT NOT NULL,         -- bot.feedback's spelling
                PRIMARY KEY (message_id, user_id, emoji)
            ) WITHOUT ROWID""",
            "CREATE INDEX reactions_by_user ON reactions (user_id)",
            # The votes the reactions give, kept so reads need no recomputing. A later vote
            # on a band replaces an earlier one: vote_id grows, and the largest one counts.
            """CREATE TABLE votes (
                vote_id    INTEGER PRIMARY KEY,
                message_id INTEGER NOT NULL REFERENCES results,
                guild_id   INTEGER NOT NULL,
                user_id    INTEGER NOT NULL,
                artist_id  INTEGER NOT NULL,
                vote       INTEGER NOT NULL CHECK (vote IN (1, -1)),   -- 1 like, -1 dislike
                voted_at   REAL NOT NULL,
                UNIQUE (message_id, user_id, artist_id)
            )""",
            "CREATE INDEX votes_by_user ON votes (user_id, artist_id)",
            "CREATE INDEX votes_by_guild ON votes (guild_id, artist_id)",
            """CREATE TABLE weekly_settings (
                guild_id   INTEGER PRIMARY KEY,
                channel_id INTEGER NOT NULL,
                weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 is Monday
                minute     INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 1439), -- of the day
                timezone   TEXT NOT NULL,         -- IANA name, e.g. Europe/Berlin
                updated_at REAL NOT NULL
            )""",
            # One row per server-week: claimed before the post is sent, deleted if sending
            # fails, marked posted once it is sent.
            """CREATE TABLE weekly_posts (
                guild_id   INTEGER NOT NULL,
                week       TEXT NOT NULL,         -- ISO week in the server's time zone: 2026-W07
                status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted')),
                claimed_at REAL NOT NULL,
                message_id INTEGER,
                posted_at  REAL,
                PRIMARY KEY (guild_id, week)
            )""",
            """CREATE TABLE weekly_post_items (
                guild_id  INTEGER NOT NULL,
                week      TEXT NOT NULL,
                artist_id INTEGER NOT NULL,
                PRIMARY KEY (guild_id, artist_id),   -- a band is posted to a server once
                FOREIGN KEY (guild_id, week) REFERENCES weekly_posts
            ) WITHOUT ROWID""",
        ],
    ),
    (
        2,
        "weekly posts keep the post and its channel until sent, for reconciling after a crash; "
        "weekly_post_items with its key columns first (SQLite 3.40's integrity_check misread it)",
        [
            """CREATE TABLE weekly_posts_2 (
                guild_id   INTEGER NOT NULL,
                week       TEXT NOT NULL,         -- ISO week in the server's time zone: 2026-W07
                status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted')),
                claimed_at REAL NOT NULL,         -- unix seconds
                channel_id INTEGER,               -- where it is sent (NULL in rows of version 1)
                post       TEXT,                  -- the post as composed, JSON (bot.weekly)
                message_id INTEGER,
                posted_at  REAL,
                PRIMARY KEY (guild_id, week)
            )""",
            """INSERT INTO weekly_posts_2
                   (guild_id, week, status, claimed_at, message_id, posted_at)
               SELECT guild_id, week, status, claimed_at, message_id, posted_at
               FROM weekly_posts""",
            """CREATE TABLE weekly_post_items_2 (
                guild_id  INTEGER NOT NULL,
                artist_id INTEGER NOT NULL,
                week      TEXT NOT NULL,
                PRIMARY KEY (guild_id, artist_id),   -- a band is posted to a server once
                FOREIGN KEY (guild_id, week) REFERENCES weekly_posts_2
            ) WITHOUT ROWID""",
            """INSERT INTO weekly_post_items_2 (guild_id, artist_id, week)
               SELECT guild_id, artist_id, week FROM weekly_post_items""",
            "DROP TABLE weekly_post_items",
            "DROP TABLE weekly_posts",
            "ALTER TABLE weekly_posts_2 RENAME TO weekly_posts",
            "ALTER TABLE weekly_post_items_2 RENAME TO weekly_post_items",
        ],
    ),
    (
        3,
        "each vote says whether a thumb on the whole answer gave it, or one with numbers",
        [
            # 1: the vote came from a thumb with no number on its message (bot.feedback).
            # No SQL comment here: SQLite splices the column into the table's text.
            """ALTER TABLE votes ADD COLUMN whole_answer INTEGER NOT NULL DEFAULT 0
                   CHECK (whole_answer IN (0, 1))""",
            # A message's votes are always those its reactions give, and the reactions
            # table holds only the scheme's emojis: a vote came from a whole-answer thumb
            # exactly when its user's reactions on its message are thumbs and no number.
            """UPDATE votes SET whole_answer = 1 WHERE NOT EXISTS (
                   SELECT 1 FROM reactions r
                   WHERE r.message_id = votes.message_id AND r.user_id = votes.user_id
                     AND r.emoji NOT IN ('👍', '👎'))""",
        ],
    ),
    (
        4,
        "weekly posts record the track they played of each band, when they were playlists",
        [
            # NULL for a band posted in a list of bands. No SQL comment here either.
            "ALTER TABLE weekly_post_items ADD COLUMN track_id INTEGER",
        ],
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]
