"""`sage prune`: delete old training runs so the store stays bounded."""

from __future__ import annotations

import argparse

from cli.options import HelpFormatter, number_in
from store import Store
from store.prune import DEFAULT_KEEP, PruneReport, prune_runs


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "prune",
        help="delete old training runs (sage train all does it after training)",
        description="Delete the training runs nothing serves, with their vectors, graphs "
        "and scenes: kept are the active run of each space, the runs it was built from (a "
        "hybrid's components, an audio run's target), and the newest runs of each space. "
        "DuckDB reuses the freed space for the next runs, so the file stops growing.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--keep", type=number_in(int, 0), default=DEFAULT_KEEP,
                        help="newest runs of each space to keep besides those in use")
    parser.add_argument("--dry-run", action="store_true",
                        help="only list what would be deleted")
    parser.set_defaults(handler=_prune)


def describe(report: PruneReport, *, dry_run: bool = False) -> str:
    if not report.deleted:
        return "nothing to prune: every run is in use or among the newest"
    verb = "would delete" if dry_run else "deleted"
    runs = "; ".join(f"{space} {', '.join(map(str, ids))}"
                     for space, ids in sorted(report.deleted.items()))
    rows = sum(n for table, n in report.rows.items() if table != "runs")
    return f"{verb} {report.deleted_runs} runs ({runs})" + (
        f" and {rows:,} rows of vectors, edges and scenes" if report.rows else "")


def _prune(args: argparse.Namespace) -> int:
    with Store.open(args.store) as store:
        report = prune_runs(store, args.keep, dry_run=args.dry_run)
    print(describe(report, dry_run=args.dry_run))
    return 0
