"""The crawl's memory in the store: who waits at what distance, and how each fetch ended.

`crawl_queue` holds one row per artist name met, keyed by normalised name, so a crawl
that stops for any reason resumes with what is still pending and never asks twice for
an artist it has an answer for. Answers are merged in batches with set-based SQL over
Arrow-staged rows, one transaction per batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from store.names import normalize_name
from train.crawl.records import Missed, Outcome, QueueEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedBatch:
    new_artists: int
    edges: int


def prepare(con: duckdb.DuckDBPyConnection, source: str, seeds: list[str]) -> None:
    """Queue the seeds, give failed artists another chance, and update distances.

    Seeds already met in an earlier crawl move to distance 0, and so do their
    neighbours' distances shrink, so adding seeds or hops to a finished crawl fetches
    exactly what the new limits reach.
    """
    first_spelling = {}
    for name in seeds:
        first_spelling.setdefault(normalize_name(name), name)
    con.register(
        "crawl_seeds",
        pa.table({"norm_name": list(first_spelling), "name": list(first_spelling.values())}),
    )
    try:
        con.execute(
            """INSERT INTO crawl_queue
               SELECT $source, norm_name, name, 0, 'pending', NULL, NULL FROM crawl_seeds
               ON CONFLICT DO UPDATE SET hops = 0""",
            {"source": source},
        )
    finally:
        con.unregister("crawl_seeds")
    (retried,) = con.execute(
        """UPDATE crawl_queue SET status = 'pending', reason = NULL
           WHERE source = $source AND status = 'failed'""",
        {"source": source},
    ).fetchone()
    if retried:
        log.info("retrying %d artists that failed in an earlier crawl", retried)
    _shorten_hops(con, source)


def _shorten_hops(con: duckdb.DuckDBPyConnection, source: str) -> None:
    # Relax distances through the edges already fetched until nothing gets nearer:
    # one pass per hop, so only a few passes.
    while True:
        (shortened,) = con.execute(
            """UPDATE crawl_queue SET hops = nearer.hops
               FROM (SELECT a.norm_name, min(q.hops) + 1 AS hops
                     FROM crawl_queue q
                     JOIN artist_edges e ON e.source = q.source AND e.src = q.artist_id
                     JOIN artists a ON a.artist_id = e.dst
                     WHERE q.source = $source AND q.status = 'done'
                     GROUP BY a.norm_name) nearer
               WHERE crawl_queue.source = $source
                 AND crawl_queue.norm_name = nearer.norm_name
                 AND nearer.hops < crawl_queue.hops""",
            {"source": source},
        ).fetchone()
        if not shortened:
            return


def next_level(con: duckdb.DuckDBPyConnection, source: str, max_hops: int) -> list[QueueEntry]:
    """The pending artists nearest to the seeds, if nearer than `max_hops`; else nothing."""
    rows = con.execute(
        """SELECT norm_name, name, hops FROM crawl_queue
           WHERE source = $source AND status = 'pending' AND hops = (
               SELECT min(hops) FROM crawl_queue
               WHERE source = $source AND status = 'pending' AND hops < $max_hops)
           ORDER BY norm_name""",
        {"source": source, "max_hops": max_hops},
    ).fetchall()
    return [QueueEntry(norm_name, name, hops) for norm_name, name, hops in rows]


def record(con: duckdb.DuckDBPyConnection, source: str, outcomes: list[Outcome]) -> RecordedBatch:
    """Store a batch of fetches: new artists, edges, newly met names, and each one's status.

    Call inside a transaction. Names are matched to the catalog by normalised name, the
    oldest artist winning; names the catalog lacks become artists of `source`, keyed by
    their MusicBrainz id when the service gives one.
    """
    staged = _stage(outcomes)
    for name, table in staged.items():
        con.register(name, table)
    try:
        return _merge(con, source)
    finally:
        for name in staged:
            con.unregister(name)


# The rows `record` stages, by table; columns named as the merge SQL reads them.
_STAGED = {
    "crawl_found": pa.schema(  # every artist the answers name
        [("ord", pa.int64()), ("norm_name", pa.string()), ("name", pa.string()),
         ("url", pa.string()), ("source_key", pa.string())]
    ),
    "crawl_edges": pa.schema(
        [("src_norm", pa.string()), ("dst_norm", pa.string()), ("weight", pa.float64())]
    ),
    "crawl_met": pa.schema(  # similar artists, to queue one hop further out
        [("norm_name", pa.string()), ("name", pa.string()), ("hops", pa.int32())]
    ),
    "crawl_ended": pa.schema(  # queue entries with an outcome
        [("norm_name", pa.string()), ("name", pa.string()), ("hops", pa.int32()),
         ("status", pa.string()), ("reason", pa.string()), ("src_norm", pa.string())]
    ),
}


def _stage(outcomes: list[Outcome]) -> dict[str, pa.Table]:
    found: dict[str, dict] = {}
    edges: dict[tuple[str, str], dict] = {}
    met: dict[str, dict] = {}
    ended: dict[str, dict] = {}
    corrected: dict[str, dict] = {}
    subjects: dict[str, str] = {}  # the answers' own artists: norm -> the service's spelling

    for outcome in outcomes:
        entry = outcome.entry
        if isinstance(outcome, Missed):
            ended[entry.norm_name] = {
                "norm_name": entry.norm_name, "name": entry.name, "hops": entry.hops,
                "status": outcome.status, "reason": outcome.reason, "src_norm": None,
            }
            continue
        answer = outcome.answer
        src = normalize_name(answer.artist)
        ended[entry.norm_name] = {
            "norm_name": entry.norm_name, "name": entry.name, "hops": entry.hops,
            "status": "done", "reason": None, "src_norm": src,
        }
        # Autocorrect may answer for another spelling: that one is done as well.
        corrected[src] = ended[entry.norm_name] | {"norm_name": src, "name": answer.artist}
        subjects.setdefault(src, answer.artist)
        for similar in answer.similar:
            dst = normalize_name(similar.name)
            if dst == src:
                continue
            found.setdefault(dst, {
                "ord": len(found), "norm_name": dst, "name": similar.name,
                "url": similar.url, "source_key": similar.mbid or dst,
            })
            edges[src, dst] = {"src_norm": src, "dst_norm": dst, "weight": similar.match}
            hops = entry.hops + 1
            nearest = met.setdefault(dst, {"norm_name": dst, "name": similar.name, "hops": hops})
            nearest["hops"] = min(nearest["hops"], hops)
    # An answer names its own artist without link or id, so an artist also named in a
    # similar list takes its details from there, whatever order the answers came in.
    for src, name in subjects.items():
        found.setdefault(src, {
            "ord": len(found), "norm_name": src, "name": name, "url": None, "source_key": src,
        })
    # An entry's own outcome outranks its being another spelling's correction.
    ended = corrected | ended

    rows = {"crawl_found": found, "crawl_edges": edges, "crawl_met": met, "crawl_ended": ended}
    return {
        table: pa.Table.from_pylist(list(rows[table].values()), schema)
        for table, schema in _STAGED.items()
    }


def _merge(con: duckdb.DuckDBPyConnection, source: str) -> RecordedBatch:
    params = {"source": source}
    (new_artists,) = con.execute(
        """INSERT INTO artists
           SELECT (SELECT coalesce(max(artist_id), 0) FROM artists)
                    + row_number() OVER (ORDER BY f.ord),
                  f.name, f.norm_name, f.url, $source, f.source_key
           FROM crawl_found f
           WHERE NOT EXISTS (SELECT 1 FROM artists a WHERE a.norm_name = f.norm_name)""",
        params,
    ).fetchone()
    # An artist first met as an answer's subject had no link; a later mention gives one.
    con.execute(
        """UPDATE artists SET url = f.url FROM crawl_found f
           WHERE artists.source = $source AND artists.url IS NULL
             AND f.url IS NOT NULL AND artists.norm_name = f.norm_name""",
        params,
    )
    con.execute(
        """CREATE TEMP TABLE crawl_ids AS
           SELECT norm_name, min(artist_id) AS artist_id FROM artists
           WHERE norm_name IN (SELECT norm_name FROM crawl_found)
           GROUP BY norm_name"""
    )
    (edges,) = con.execute(
        """INSERT OR REPLACE INTO artist_edges
           SELECT s.artist_id, d.artist_id, e.weight, $source
           FROM crawl_edges e
           JOIN crawl_ids s ON s.norm_name = e.src_norm
           JOIN crawl_ids d ON d.norm_name = e.dst_norm""",
        params,
    ).fetchone()
    con.execute(
        """INSERT INTO crawl_queue
           SELECT $source, norm_name, name, hops, 'pending', NULL, NULL FROM crawl_met
           ON CONFLICT DO UPDATE SET hops = least(hops, excluded.hops)""",
        params,
    )
    con.execute(
        """INSERT INTO crawl_queue
           SELECT $source, e.norm_name, e.name, e.hops, e.status, i.artist_id, e.reason
           FROM crawl_ended e LEFT JOIN crawl_ids i ON i.norm_name = e.src_norm
           ON CONFLICT DO UPDATE SET status = excluded.status,
               artist_id = excluded.artist_id, reason = excluded.reason,
               hops = least(hops, excluded.hops)""",
        params,
    )
    con.execute("DROP TABLE crawl_ids")
    return RecordedBatch(new_artists=new_artists, edges=edges)
