"""Old training runs out of the store, so that scheduled retraining keeps it bounded.

Every run adds its vectors, and a graph run its graph (about 1.7 million edges on the
bundled data) and scenes. Kept: the active run of every space, the runs those were built
from (a hybrid's component runs and the audio run it took artists from, an audio run's
target run), and the newest `keep` runs of each space (a run just trained but not
activated among them). The rest goes, with its vectors, edges, scenes and predictions,
in one transaction: the tables holding them are rewritten without them, as DuckDB keeps
the blocks of deleted rows in use, and a checkpoint then hands the old tables' blocks
back to DuckDB, which writes the next runs into them. The file stops growing (it does
not shrink).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from store.db import Store
from store.runs import RunRecord, active_runs, list_runs

log = logging.getLogger(__name__)

DEFAULT_KEEP = 1
# Tables holding rows of a run, by run_id, besides the vector tables (vectors_d{dim}).
_RUN_TABLES = ("graph_edges", "artist_scenes", "audio_predictions")


@dataclass(frozen=True)
class PruneReport:
    kept: dict[str, list[int]]  # space -> run ids kept
    deleted: dict[str, list[int]]  # space -> run ids deleted (or, dry, to delete)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows deleted

    @property
    def deleted_runs(self) -> int:
        return sum(len(runs) for runs in self.deleted.values())


def parents(run: RunRecord) -> set[int]:
    """The runs `run` was built from, by the run ids its parameters record."""
    params = run.params
    found = {
        component["run_id"] for component in params.get("components", {}).values()
        if isinstance(component, dict) and isinstance(component.get("run_id"), int)
    }
    placed = params.get("placed_by_sound", {})
    if isinstance(placed, dict) and isinstance(placed.get("audio_run"), int):
        found.add(placed["audio_run"])
    if isinstance(params.get("target_run"), int):
        found.add(params["target_run"])
    return found


def runs_to_keep(runs: Iterable[RunRecord], active: Iterable[int], keep: int) -> set[int]:
    """The active runs and every run they were built from, and the newest `keep` of
    each space."""
    by_id = {run.run_id: run for run in runs}
    kept: set[int] = set()
    waiting = [run_id for run_id in active if run_id in by_id]
    by_space: dict[str, list[int]] = defaultdict(list)
    for run in by_id.values():
        by_space[run.space].append(run.run_id)
    for run_ids in by_space.values():
        waiting += sorted(run_ids)[-keep:] if keep else []
    while waiting:  # a kept run keeps what it was built from, and so on
        run_id = waiting.pop()
        if run_id in kept or run_id not in by_id:
            continue
        kept.add(run_id)
        waiting += parents(by_id[run_id])
    return kept


def prune_runs(store: Store, keep: int = DEFAULT_KEEP, *, dry_run: bool = False) -> PruneReport:
    """Delete the runs not kept (see the module's docstring); with `dry_run`, only say.

    What to keep is read in the transaction that deletes, so a run activated meanwhile by
    another process is never the one deleted."""
    if keep < 0:
        raise ValueError(f"keep must be 0 or more, not {keep}")
    with store.transaction() as con:
        runs = list_runs(store)
        kept_ids = runs_to_keep(runs, [run.run_id for run in active_runs(store).values()], keep)
        kept: dict[str, list[int]] = defaultdict(list)
        deleted: dict[str, list[int]] = defaultdict(list)
        for run in sorted(runs, key=lambda r: r.run_id):
            (kept if run.run_id in kept_ids else deleted)[run.space].append(run.run_id)
        report = PruneReport(dict(kept), dict(deleted))
        doomed = [run_id for ids in deleted.values() for run_id in ids]
        if dry_run or not doomed:
            return report
        con.execute("CREATE TEMP TABLE doomed_runs (run_id INTEGER PRIMARY KEY)")
        con.executemany("INSERT INTO doomed_runs VALUES (?)", [[run_id] for run_id in doomed])
        for table in [*_RUN_TABLES, *_vector_tables(con)]:
            report.rows[table] = _rewrite_without_doomed(con, table)
        # Every graph run replaces the co-listening edges it was built from: rewritten
        # too, so the replaced rows' blocks are freed.
        _rewrite(con, "artist_edges", "true")
        report.rows["runs"] = con.execute(
            "DELETE FROM runs WHERE run_id IN (SELECT run_id FROM doomed_runs)"
        ).fetchone()[0]
        con.execute("DROP TABLE doomed_runs")
    store.con.execute("CHECKPOINT")
    log.info("pruned %d runs (%s), kept %d", len(doomed),
             ", ".join(f"{space} {ids}" for space, ids in report.deleted.items()),
             len(kept_ids))
    return report


def _rewrite_without_doomed(con, table: str) -> int:
    """Rewrite `table` without the doomed runs' rows; returns how many went. DuckDB only
    marks deleted rows, and their blocks stay in use; a dropped table's blocks are free
    for the next runs, so the table is copied without them and the old one dropped.
    Table names are the schema's own, never user text."""
    doomed = con.execute(
        f"SELECT count(*) FROM {table} WHERE run_id IN (SELECT run_id FROM doomed_runs)"
    ).fetchone()[0]
    if doomed:
        _rewrite(con, table, "run_id NOT IN (SELECT run_id FROM doomed_runs)")
    return doomed


def _rewrite(con, table: str, keep: str) -> None:
    """Copy the rows of `table` matching `keep` into a new table of the same definition,
    and put it in the old one's place."""
    [ddl] = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [table]
    ).fetchone()
    kept = f"{table}_kept"
    con.execute(ddl.replace(f"CREATE TABLE {table}(", f"CREATE TABLE {kept}(", 1))
    con.execute(f"INSERT INTO {kept} SELECT * FROM {table} WHERE {keep}")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {kept} RENAME TO {table}")


def _vector_tables(con) -> list[str]:
    return [name for (name,) in con.execute(
        """SELECT table_name FROM information_schema.tables
           WHERE table_schema = 'main' AND regexp_matches(table_name, '^vectors_d[0-9]+$')
           ORDER BY table_name"""
    ).fetchall()]
