"""The store's schema as an ordered list of migrations.

A store records the last migration applied in `schema_version`; opening it for writing
applies the rest, each in its own transaction. Never edit a migration that has shipped:
append a new one.
"""

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "catalog, listening data, runs and the related-artists graph",
        [
            """CREATE TABLE artists (
                artist_id  INTEGER PRIMARY KEY,
                name       VARCHAR NOT NULL,
                norm_name  VARCHAR NOT NULL,   -- store.names.normalize_name(name)
                url        VARCHAR,
                source     VARCHAR NOT NULL,   -- dataset the artist first came from
                source_key VARCHAR NOT NULL    -- the artist's id in that dataset
            )""",
            "CREATE INDEX artists_by_source ON artists (source, source_key)",
            """CREATE TABLE artist_aliases (
                artist_id  INTEGER NOT NULL,
                alias      VARCHAR NOT NULL,
                norm_alias VARCHAR NOT NULL
            )""",
            """CREATE TABLE users (
                user_id    INTEGER PRIMARY KEY,
                source     VARCHAR NOT NULL,
                source_key VARCHAR NOT NULL
            )""",
            """CREATE TABLE listens (
                user_id   INTEGER NOT NULL,
                artist_id INTEGER NOT NULL,
                plays     BIGINT NOT NULL,
                PRIMARY KEY (user_id, artist_id)
            )""",
            """CREATE TABLE tags (
                tag_id     INTEGER PRIMARY KEY,
                name       VARCHAR NOT NULL,
                source     VARCHAR NOT NULL,
                source_key VARCHAR NOT NULL
            )""",
            """CREATE TABLE artist_tags (
                artist_id INTEGER NOT NULL,
                tag_id    INTEGER NOT NULL,
                weight    DOUBLE NOT NULL,   -- how many people gave the artist this tag
                PRIMARY KEY (artist_id, tag_id)
            )""",
            """CREATE VIEW artist_popularity AS
                SELECT artist_id, count(*) AS listeners, sum(plays) AS plays
                FROM listens GROUP BY artist_id""",
            "CREATE SEQUENCE run_ids START 1",
            """CREATE TABLE runs (
                run_id           INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
                space            VARCHAR NOT NULL,   -- graph, playlist, cf, audio, ...
                entity_kind      VARCHAR NOT NULL,   -- artist or track
                dim              INTEGER NOT NULL,
                params           JSON NOT NULL,
                data_fingerprint VARCHAR NOT NULL,
                code_version     VARCHAR NOT NULL,
                metrics          JSON NOT NULL,
                timings          JSON NOT NULL,      -- seconds per training stage
                started_at       TIMESTAMPTZ NOT NULL,
                finished_at      TIMESTAMPTZ NOT NULL
            )""",
            """CREATE TABLE active_runs (
                space        VARCHAR PRIMARY KEY,
                run_id       INTEGER NOT NULL,
                activated_at TIMESTAMPTZ NOT NULL
            )""",
            # Vectors live in one table per dimension (vectors_d100, vectors_d40, ...),
            # created on first use by store.vectors, because a FLOAT[d] column fixes d.
            """CREATE TABLE artist_edges (
                src    INTEGER NOT NULL,
                dst    INTEGER NOT NULL,
                weight DOUBLE NOT NULL,
                source VARCHAR NOT NULL,   -- colisten, tags, lastfm, ...
                PRIMARY KEY (source, src, dst)
            )""",
            """CREATE TABLE artist_scenes (
                artist_id  INTEGER NOT NULL,
                run_id     INTEGER NOT NULL,   -- the graph run the scores belong to
                pagerank   DOUBLE NOT NULL,
                community  INTEGER NOT NULL,
                PRIMARY KEY (run_id, artist_id)
            )""",
        ],
    ),
    (
        2,
        "similar-artists crawl state, so a crawl resumes where it stopped",
        [
            """CREATE TABLE crawl_queue (
                source    VARCHAR NOT NULL,   -- the service crawled: lastfm, ...
                norm_name VARCHAR NOT NULL,   -- store.names.normalize_name(name)
                name      VARCHAR NOT NULL,   -- the spelling to ask the service for
                hops      INTEGER NOT NULL,   -- fewest similar-artist steps from a seed
                status    VARCHAR NOT NULL,   -- pending, done, unknown, failed
                artist_id INTEGER,            -- the artist whose edges were stored, once done
                reason    VARCHAR,            -- why it is unknown or failed
                PRIMARY KEY (source, norm_name)
            )""",
        ],
    ),
    (
        3,
        "tracks and playlists (MPD slices; audio files link to tracks too)",
        [
            """CREATE TABLE tracks (
                track_id   INTEGER PRIMARY KEY,
                artist_id  INTEGER NOT NULL,
                title      VARCHAR NOT NULL,
                norm_title VARCHAR NOT NULL,   -- store.names.normalize_name(title)
                album      VARCHAR,
                source     VARCHAR NOT NULL,   -- dataset the track first came from: mpd, audio
                source_key VARCHAR NOT NULL    -- its id there, e.g. spotify:track:...
            )""",
            # No secondary indexes here, and no primary key on playlist_tracks: every query
            # of these tables joins or scans them, which an ART index does not speed up, and
            # keeping them up to date doubled the time of `sage ingest mpd` (measured at
            # 120,000 playlists; the MPD has 66 million entries). The ingest writes a
            # playlist's entries together, so (playlist_id, pos) stays unique.
            """CREATE TABLE playlists (
                playlist_id INTEGER PRIMARY KEY,
                name        VARCHAR NOT NULL,
                source      VARCHAR NOT NULL,   -- mpd
                source_key  VARCHAR NOT NULL    -- its id there (the MPD pid)
            )""",
            """CREATE TABLE playlist_tracks (
                playlist_id INTEGER NOT NULL,
                pos         INTEGER NOT NULL,   -- 0-based position in the playlist
                track_id    INTEGER NOT NULL
            )""",
        ],
    ),
    (
        4,
        "audio files, and which vectors of an audio run were predicted from sound",
        [
            """CREATE TABLE audio_files (
                sha256     VARCHAR PRIMARY KEY,  -- of the file's bytes; also its feature-cache key
                path       VARCHAR NOT NULL,     -- where it was last ingested from
                bytes      BIGINT NOT NULL,
                tag_artist VARCHAR,              -- what the file's own tags say
                tag_title  VARCHAR,
                tag_album  VARCHAR,
                artist     VARCHAR,              -- as chosen: manifest.csv, else tags, else name
                title      VARCHAR NOT NULL,     -- as chosen; the file name when nothing says
                named_by   VARCHAR NOT NULL,     -- manifest, tags, filename or none
                status     VARCHAR NOT NULL,     -- ok, undecodable, no_artist
                reason     VARCHAR,              -- why it is not ok
                track_id   INTEGER,              -- the track it is a recording of, when ok
                link       VARCHAR,              -- catalog_track, catalog_artist or new_artist
                added_at   TIMESTAMPTZ NOT NULL
            )""",
            """CREATE TABLE audio_predictions (
                run_id    INTEGER NOT NULL,   -- an audio run; its vectors are in vectors_d{dim}
                track_id  INTEGER NOT NULL,
                predicted BOOLEAN NOT NULL,   -- from the sound alone, or the track's known target
                PRIMARY KEY (run_id, track_id)
            )""",
        ],
    ),
    (
        5,
        "who tagged which artist how, and the graph each graph run walked and serves",
        [
            # artist_tags counts people per tag; a held-out test must leave out the test
            # users' own tags, so the taggings are kept one per person as well.
            """CREATE TABLE user_tags (
                user_id   INTEGER NOT NULL,
                artist_id INTEGER NOT NULL,
                tag_id    INTEGER NOT NULL,
                PRIMARY KEY (user_id, artist_id, tag_id)
            )""",
            # Per run, unlike artist_edges: the engine ranks with the active run's own
            # graph, which a newer run that was not activated must not replace.
            """CREATE TABLE graph_edges (
                run_id INTEGER NOT NULL,
                src    INTEGER NOT NULL,
                dst    INTEGER NOT NULL,
                weight FLOAT NOT NULL   -- each src's weights sum to 1
            )""",
        ],
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]
