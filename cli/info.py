"""`sage info`: what the store holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.lookups import FAILED, FOUND, UNKNOWN, LookupFile, lookups_path
from store import Store
from store.catalog import catalog_counts
from store.runs import active_runs, list_runs


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "info",
        help="show what the store holds",
        description="Show catalog counts, trained spaces, each space's active run with "
        "its parameters and metrics, and the bands learned on the spot from Last.fm (kept "
        "beside the store until training takes them in).",
    )
    parser.add_argument("--json", action="store_true", help="print it as JSON instead")
    parser.set_defaults(handler=_info)


def _info(args: argparse.Namespace) -> int:
    with Store.open(args.store) as store:
        report = {
            "store": str(store.path),
            "schema_version": store.schema_version,
            "catalog": catalog_counts(store),
            "runs": len(list_runs(store)),
            "active": {
                space: {
                    "run_id": run.run_id,
                    "entity_kind": run.entity_kind,
                    "dim": run.dim,
                    "trained": run.finished_at.isoformat(timespec="seconds"),
                    "code_version": run.code_version,
                    "data_fingerprint": run.data_fingerprint,
                    "params": run.params,
                    "metrics": run.metrics,
                    "timings": run.timings,
                }
                for space, run in active_runs(store).items()
            },
            "learned": _learned(lookups_path(store.path)),
        }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(_render(report))
    return 0


def _render(report: dict) -> str:
    lines = [f"store   {report['store']} (schema v{report['schema_version']})", "catalog"]
    lines += [f"  {table:<12} {n:>10,}" for table, n in report["catalog"].items()]
    lines.append(f"runs    {report['runs']} recorded, {len(report['active'])} spaces active")
    for space, run in report["active"].items():
        lines.append(
            f"  {space}: run {run['run_id']} ({run['entity_kind']}s, {run['dim']} dims, "
            f"trained {run['trained']}, code {run['code_version']}, data {run['data_fingerprint']})"
        )
        lines.append(f"    params  {_compact(run['params'])}")
        if run["metrics"]:
            lines.append(f"    metrics {_compact(run['metrics'])}")
        if run["timings"]:
            lines.append(f"    seconds {_compact(run['timings'])}")
    learned = report["learned"]
    if learned is not None:
        lines.append(
            f"learned {learned['found']:,} bands on the spot ({learned['waiting']:,} waiting "
            f"for the next `sage train graph`), {learned['unknown']:,} names Last.fm does not "
            f"know, {learned['failed']:,} lookups failed (tried again after a day)")
    return "\n".join(lines)


def _learned(path: Path) -> dict | None:
    """What the lookups file beside the store holds (engine.lookups); None without one."""
    if not path.exists():
        return None
    lookups = LookupFile(path)
    try:
        counts = lookups.counts()
        waiting = sum(lookup.status == FOUND for lookup in lookups.not_taken_in())
    finally:
        lookups.close()
    return {"found": counts.get(FOUND, 0), "waiting": waiting,
            "unknown": counts.get(UNKNOWN, 0), "failed": counts.get(FAILED, 0)}


def _compact(values: dict) -> str:
    return ", ".join(
        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in values.items()
    )
