"""`sage eval`: the held-out taste test for the graph space and the baselines."""

from __future__ import annotations

import argparse
import json
import os

from cli.options import HelpFormatter
from store import Store
from store.catalog import load_listens, load_taggings
from store.runs import active_runs, update_metrics


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="score the graph space and the baselines on held-out listens",
        description="The held-out taste test: a share of users (fixed seed) each keep a few "
        "random artists as likes and hide the rest; every model is trained without the "
        "hidden artists and asked for k recommendations from the likes. Reports "
        "precision@k, recall@k and tail recall (hidden artists outside the most-listened) "
        "for the graph model (with the active graph run's settings, or the defaults) and "
        "for the popularity, item-item cosine and ALS baselines, and stores the graph "
        "model's figures in the active graph run's record.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of eligible users held out")
    parser.add_argument("--likes", type=int, default=3, help="artists each test user asks with")
    parser.add_argument("--k", type=int, default=20, help="recommendations scored per user")
    parser.add_argument("--head", type=int, default=500,
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
                        "in one table, plus the Artist2Vec neighbour test of each trained space "
                        "per popularity group (top 500 artists, 500-5,000, rarer) against related "
                        "artists from the source it did not learn from (shared playlists or "
                        "shared listeners); stores each run's figures in its record")
    parser.set_defaults(handler=_eval)


def _eval(args: argparse.Namespace) -> int:
    if args.all:
        return _eval_all(args)
    from train.evaluate.harness import evaluate, evaluate_baselines, format_table
    from train.evaluate.report import evaluation_figures
    from train.evaluate.served import ServedRecommender
    from train.evaluate.spaces import GraphVectors
    from train.evaluate.split import holdout_split
    from train.graph.params import GraphParams
    from train.graph.space import COLISTENING

    with Store.open(args.store) as store:
        listens = load_listens(store)
        taggings = load_taggings(store)
        graph_run = active_runs(store).get("graph")
    # The test rebuilds the graph from training listens, so a run trained on crawled
    # edges can only lend its walk and word2vec settings, not take the figures.
    from_listens = (
        graph_run is not None and graph_run.params.get("edges", COLISTENING) == COLISTENING
    )
    params = GraphParams.from_dict(graph_run.params) if graph_run else GraphParams()

    split = holdout_split(listens, test_fraction=args.test_fraction, n_likes=args.likes,
                          seed=args.seed)
    evaluations = {
        "graph (SAGE)": evaluate(
            # Ranked as the engine serves the graph space, with the run's ranking settings.
            ServedRecommender(
                GraphVectors(params, listens, taggings, seed=args.seed, workers=args.workers),
                params.popularity_prior, params.step_weight,
            ),
            split, k=args.k, n_head=args.head,
        )
    }
    if args.baselines:
        baselines = evaluate_baselines(split, k=args.k, n_head=args.head, seed=args.seed)
        evaluations |= baselines.evaluations

    report = {
        "split": {
            "test_users": split.n_cases, "eligible_users": split.n_eligible_users,
            "skipped_users": split.n_skipped_users, "likes": args.likes, "k": args.k,
            "head": args.head, "seed": args.seed,
        },
        "models": {name: evaluation_figures(evaluation) for name, evaluation in evaluations.items()},
    }
    if from_listens:
        with Store.open(args.store) as store:
            heldout = report["models"]["graph (SAGE)"] | {"split": report["split"]}
            update_metrics(store, graph_run.run_id, {"heldout": heldout})
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_table(evaluations))
        if graph_run is None:
            print("no graph run is active: scored the default settings; nothing was stored")
        elif not from_listens:
            print(f"graph run {graph_run.run_id} walked stored '{graph_run.params['edges']}' "
                  "edges: scored its settings on the co-listening graph; nothing was stored")
        else:
            print(f"stored in graph run {graph_run.run_id}'s metrics")
    return 0



def _eval_all(args: argparse.Namespace) -> int:
    from train.evaluate.report import (
        HeldoutSettings,
        evaluate_all,
        format_report,
        heldout_figures,
        overlap_figures,
        report_json,
        scores_as_trained,
    )

    settings = HeldoutSettings(args.test_fraction, args.likes, args.k, args.head, args.seed)
    report = evaluate_all(args.store, settings, workers=args.workers, baselines=args.baselines)
    stored = []
    with Store.open(args.store) as store:
        for space, spec in report.specs.items():
            if spec.run_id is None:
                continue
            metrics = {}
            if scores_as_trained(spec):
                metrics["heldout"] = heldout_figures(report.evaluations[space], report.split)
            if report.overlap.get(space):
                metrics["neighbours"] = overlap_figures(report.overlap[space])
            if metrics:
                update_metrics(store, spec.run_id, metrics)
                stored.append(f"{space} run {spec.run_id}")
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        print(format_report(report))
        print(f"stored in the metrics of {', '.join(stored)}" if stored else "nothing was stored")
    return 0
