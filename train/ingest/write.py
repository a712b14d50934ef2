"""Applying a catalog batch to the store: one transaction, idempotent.

Rows are staged as Arrow tables and merged with set-based SQL, so re-ingesting the same
data changes nothing and a failure part-way leaves the store as it was.
"""

from __future__ import annotations

import pyarrow as pa

from store.db import Store
from store.names import normalize_name
from train.ingest.batch import CatalogBatch


def write_catalog(store: Store, batch: CatalogBatch) -> dict[str, int]:
    """Merge the batch into the catalog; returns how many rows of each kind it carried."""
    staged = {
        "incoming_artists": pa.table(
            {
                "ord": pa.array(range(len(batch.artists)), pa.int64()),
                "artist_key": pa.array([key for key, _, _ in batch.artists], pa.string()),
                "name": pa.array([name for _, name, _ in batch.artists], pa.string()),
                "norm_name": pa.array([normalize_name(name) for _, name, _ in batch.artists], pa.string()),
                "url": pa.array([url for _, _, url in batch.artists], pa.string()),
            }
        ),
        "incoming_users": pa.table(
            {"ord": pa.array(range(len(batch.users)), pa.int64()), "user_key": pa.array(batch.users, pa.string())}
        ),
        "incoming_listens": pa.table(
            {
                "user_key": pa.array([user for user, _, _ in batch.listens], pa.string()),
                "artist_key": pa.array([artist for _, artist, _ in batch.listens], pa.string()),
                "plays": pa.array([plays for _, _, plays in batch.listens], pa.int64()),
            }
        ),
        "incoming_tags": pa.table(
            {
                "ord": pa.array(range(len(batch.tags)), pa.int64()),
                "tag_key": pa.array([key for key, _ in batch.tags], pa.string()),
                "name": pa.array([name for _, name in batch.tags], pa.string()),
            }
        ),
        "incoming_artist_tags": pa.table(
            {
                "artist_key": pa.array([artist for artist, _, _ in batch.artist_tags], pa.string()),
                "tag_key": pa.array([tag for _, tag, _ in batch.artist_tags], pa.string()),
                "weight": pa.array([weight for _, _, weight in batch.artist_tags], pa.float64()),
            }
        ),
        "incoming_user_tags": pa.table(
            {
                "user_key": pa.array([user for user, _, _ in batch.user_tags], pa.string()),
                "artist_key": pa.array([artist for _, artist, _ in batch.user_tags], pa.string()),
                "tag_key": pa.array([tag for _, _, tag in batch.user_tags], pa.string()),
            }
        ),
    }
    with store.transaction() as con:
        for name, table in staged.items():
            con.register(name, table)
        try:
            _merge(con, batch)
        finally:
            for name in staged:
                con.unregister(name)
    return {
        "artists": len(batch.artists),
        "users": len(batch.users),
        "listens": len(batch.listens),
        "tags": len(batch.tags),
        "artist_tags": len(batch.artist_tags),
        "user_tags": len(batch.user_tags),
    }


def _merge(con, batch: CatalogBatch) -> None:
    source = batch.source
    # Which store artist each incoming key means: same source and key, or (for named
    # sources) any artist with the same normalised name, the oldest winning.
    match_on = "a.norm_name = i.norm_name" if batch.match_artists_by_name else (
        "a.source = $source AND a.source_key = i.artist_key"
    )
    con.execute(
        f"""CREATE TEMP TABLE artist_map AS
            SELECT i.artist_key, i.ord, i.name, i.norm_name, i.url,
                   (SELECT min(a.artist_id) FROM artists a WHERE {match_on}) AS artist_id
            FROM incoming_artists i""",
        {"source": source} if not batch.match_artists_by_name else {},
    )
    con.execute(
        """UPDATE artist_map SET artist_id = new_id FROM (
               SELECT artist_key AS key,
                      (SELECT coalesce(max(artist_id), 0) FROM artists)
                        + row_number() OVER (ORDER BY ord) AS new_id
               FROM artist_map WHERE artist_id IS NULL) fresh
           WHERE artist_map.artist_key = fresh.key"""
    )
    con.execute(
        """INSERT INTO artists
           SELECT m.artist_id, m.name, m.norm_name, m.url, $source, m.artist_key
           FROM artist_map m WHERE NOT EXISTS (
               SELECT 1 FROM artists a WHERE a.artist_id = m.artist_id)""",
        {"source": source},
    )
    if not batch.match_artists_by_name:
        # The source owns these artists' names and links: take any corrections.
        con.execute(
            """UPDATE artists SET name = m.name, norm_name = m.norm_name, url = m.url
               FROM artist_map m
               WHERE artists.artist_id = m.artist_id
                 AND (artists.name, artists.url) IS DISTINCT FROM (m.name, m.url)"""
        )

    con.execute(
        """CREATE TEMP TABLE user_map AS
           SELECT i.user_key, coalesce(u.user_id,
                  (SELECT coalesce(max(user_id), 0) FROM users)
                    + row_number() OVER (PARTITION BY u.user_id IS NULL ORDER BY i.ord)) AS user_id,
                  u.user_id IS NULL AS is_new
           FROM incoming_users i
           LEFT JOIN users u ON u.source = $source AND u.source_key = i.user_key""",
        {"source": source},
    )
    con.execute(
        "INSERT INTO users SELECT user_id, $source, user_key FROM user_map WHERE is_new",
        {"source": source},
    )
    con.execute(
        """INSERT OR REPLACE INTO listens
           SELECT u.user_id, a.artist_id, l.plays
           FROM incoming_listens l
           JOIN user_map u USING (user_key)
           JOIN artist_map a USING (artist_key)"""
    )

    con.execute(
        """CREATE TEMP TABLE tag_map AS
           SELECT i.tag_key, i.name, coalesce(t.tag_id,
                  (SELECT coalesce(max(tag_id), 0) FROM tags)
                    + row_number() OVER (PARTITION BY t.tag_id IS NULL ORDER BY i.ord)) AS tag_id,
                  t.tag_id IS NULL AS is_new
           FROM incoming_tags i
           LEFT JOIN tags t ON t.source = $source AND t.source_key = i.tag_key""",
        {"source": source},
    )
    con.execute(
        "INSERT INTO tags SELECT tag_id, name, $source, tag_key FROM tag_map WHERE is_new",
        {"source": source},
    )
    con.execute(
        """INSERT OR REPLACE INTO artist_tags
           SELECT a.artist_id, t.tag_id, i.weight
           FROM incoming_artist_tags i
           JOIN artist_map a USING (artist_key)
           JOIN tag_map t USING (tag_key)"""
    )
    con.execute(
        """INSERT OR IGNORE INTO user_tags
           SELECT DISTINCT u.user_id, a.artist_id, t.tag_id
           FROM incoming_user_tags i
           JOIN user_map u USING (user_key)
           JOIN artist_map a USING (artist_key)
           JOIN tag_map t USING (tag_key)"""
    )
    for temp in ("artist_map", "user_map", "tag_map"):
        con.execute(f"DROP TABLE {temp}")
