"""`sage eval`: the held-out taste test for the graph space and the baselines."""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING

from cli.options import HelpFormatter, number_in
from store import Store
from store.catalog import load_listens
from store.runs import active_runs

if TYPE_CHECKING:  # the evaluation loads only when a command runs
    from train.evaluate.report import HeldoutSettings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="score the graph space and the baselines on held-out listens",
        description="The held-out taste test: a share of users (fixed seed) each keep a few "
        "random artists as likes and hide the rest; every model is trained without the "
        "hidden artists and asked for k recommendations from the likes. Reports accuracy "
        "(precision@k, recall@k, tail recall: hidden artists outside the most-listened) and "
        "discovery (popularity lift: how much better known the first 10 answers are than "
        "the likes; coverage: distinct artists over all answers) for the graph model (with "
        "the active graph run's settings, or the defaults) and for the popularity, item-item "
        "cosine, ALS, RP3beta and EASE^R baselines (the last three tuned on a validation "
        "split of training users), and stores the graph model's figures in the active "
        "graph run's record.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of eligible users held out")
    parser.add_argument("--likes", type=number_in(int, 1), default=3,
                        help="artists each test user asks with")
    parser.add_argument("--k", type=number_in(int, 1), default=20,
                        help="recommendations scored per user")
    parser.add_argument("--head", type=number_in(int, 0), default=500,
                        help="most-listened artists that do not count toward tail recall")
    parser.add_argument("--seed", type=int, default=0, help="seed for the split and the models")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="word2vec threads for the graph model")
    parser.add_argument("--no-baselines", dest="baselines", action="store_false",
                        help="score only the graph model (with --all: only the spaces) "
                        "(default: the baselines too)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--all", action="store_true",
                        help="score every space (graph, cf, playlist, hybrid: each active run's "
                        "settings, the defaults for an untrained graph or cf) with the baselines "
                        "in one table, the default space also along the novelty knob (-1, "
                        "-0.5, +0.5, +1), plus the Artist2Vec neighbour test of each trained space "
                        "per popularity group (top 500 artists, 500-5,000, rarer) against related "
                        "artists from the source it did not learn from (shared playlists or "
                        "shared listeners); stores each run's figures in its record")
    parser.set_defaults(handler=_eval)


def _eval(args: argparse.Namespace) -> int:
    from train.evaluate.report import HeldoutSettings

    settings = HeldoutSettings(args.test_fraction, args.likes, args.k, args.head, args.seed)
    return (_eval_all if args.all else _eval_graph)(args, settings)


def _eval_graph(args: argparse.Namespace, settings: HeldoutSettings) -> int:
    from train.evaluate.harness import evaluate_baselines, format_table
    from train.evaluate.report import evaluation_figures, score_and_record, space_specs
    from train.evaluate.spaces import HeldoutModels
    from train.graph.params import GraphRun

    with Store.open(args.store) as store:
        listens = load_listens(store)
        graph_run = active_runs(store).get("graph")
    split = settings.split(listens)
    spec = space_specs({"graph": graph_run} if graph_run else {})[0]["graph"]
    models = HeldoutModels(args.store, seed=args.seed, workers=args.workers)
    # Ranked as the engine serves the graph space, with the run's ranking settings.
    evaluation, stored = score_and_record(args.store, models, spec, split, settings)
    evaluations = {"graph (SAGE)": evaluation}
    if args.baselines:
        baselines = evaluate_baselines(split, k=args.k, n_head=args.head, seed=args.seed)
        evaluations |= baselines.evaluations

    if args.json:
        print(json.dumps({
            "split": settings.describe(split),
            "models": {name: evaluation_figures(evaluation)
                       for name, evaluation in evaluations.items()},
        }, indent=2))
    else:
        print(format_table(evaluations))
        if args.baselines:
            print(f"baselines {baselines.chosen()}")
        if graph_run is None:
            print("no graph run is active: scored the default settings; nothing was stored")
        elif not stored:
            edges = GraphRun.from_dict(graph_run.params).edges
            print(f"graph run {graph_run.run_id} walked stored '{edges}' edges: scored its "
                  "settings on the co-listening graph; nothing was stored")
        else:
            print(f"stored in graph run {graph_run.run_id}'s metrics")
    return 0


def _eval_all(args: argparse.Namespace, settings: HeldoutSettings) -> int:
    from train.evaluate.report import evaluate_all, format_report, report_json

    report = evaluate_all(args.store, settings, workers=args.workers, baselines=args.baselines)
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print(format_report(report))
        print(f"stored in the metrics of {', '.join(report.stored)}"
              if report.stored else "nothing was stored")
    return 0
