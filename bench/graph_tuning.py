"""How the graph model's default settings were chosen: each variant on the validation split.

    python bench/graph_tuning.py [--store PATH] [--workers 2]

Scores a ladder of graph-model settings on a validation split drawn from the training
part of the held-out test (never the test users), next to ALS (its best setting on this
split) and item-item cosine measured in the same run: the graph issue's bar is
precision@20 above ALS's and tail recall above item-item's, at once. Each row changes
one thing from the row before: first how the graph is built and walked (ranked by
cosine alone), then the engine's ranking (popularity prior, one step on the graph).
The last rows vary the ranking around the defaults; they share the default's vectors.
Takes about 6 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.ranking import Ranking  # noqa: E402
from store import Store, default_store_path  # noqa: E402
from store.catalog import load_listens, load_taggings  # noqa: E402
from train.evaluate.baselines import ALS_GRID, AlsRecommender, ItemItemRecommender  # noqa: E402
from train.evaluate.harness import evaluate, format_table, tune  # noqa: E402
from train.evaluate.served import ServedRecommender  # noqa: E402
from train.evaluate.spaces import FitOnce  # noqa: E402
from train.evaluate.split import holdout_split, validation_split  # noqa: E402
from train.graph.heldout import GraphVectors  # noqa: E402
from train.graph.params import GraphParams, RelatedGraphParams, WalkParams  # noqa: E402

SAGE_AS_PUBLISHED = GraphParams(
    graph=RelatedGraphParams(neighbours=20, measure="cosine", weighting="log", tag_share=0.0),
    walks=WalkParams(walks_per_node=10, walk_length=15, weighted=False),
    popularity_prior=0.0,
    step_weight=0.0,
)


def variants() -> dict[str, GraphParams]:
    """The settings of each row; each step changes one thing from the row before."""
    steps = {"SAGE as published: cosine top-20, uniform walks 10x15, CBOW": SAGE_AS_PUBLISHED}
    params = replace(SAGE_AS_PUBLISHED, walks=replace(SAGE_AS_PUBLISHED.walks, weighted=True))
    steps["+ weighted walks"] = params
    params = replace(params, graph=replace(params.graph, measure="transition"))
    steps["+ transition strengths instead of cosine"] = params
    params = replace(params, graph=replace(params.graph, neighbours=100))
    steps["+ 100 neighbours"] = params
    params = replace(params, walks=replace(params.walks, walk_length=60))
    steps["+ walks of 60"] = params
    params = replace(params, popularity_prior=0.5)
    steps["+ popularity prior 0.5"] = params
    params = replace(params, graph=replace(params.graph, tag_share=0.2))
    steps["+ tags: 0.2 of each artist's edges to its tag neighbours"] = params
    params = replace(params, popularity_prior=1.0)
    steps["+ popularity prior 1.0"] = params
    params = replace(params, step_weight=2.0)
    steps["+ one graph step, weight 2 (the default)"] = params
    for prior, weight in ((1.0, 1.0), (1.0, 4.0), (0.75, 2.0), (1.25, 2.0)):
        steps[f"  ranking: prior {prior:g}, graph step {weight:g}"] = replace(
            params, popularity_prior=prior, step_weight=weight)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with listens and tags (default: the usual store)")
    parser.add_argument("--workers", type=int, default=2, help="word2vec threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of the held-out split")
    args = parser.parse_args()
    assert variants()["+ one graph step, weight 2 (the default)"] == GraphParams(), (
        "the ladder must pass through the defaults"
    )

    with Store.open(args.store, read_only=True) as store:
        listens, taggings = load_listens(store), load_taggings(store)
    validation = validation_split(holdout_split(listens, seed=args.seed), seed=args.seed + 1)
    evaluations = {
        "ALS, best setting on this split": tune(
            lambda params: AlsRecommender(params, seed=args.seed), ALS_GRID, validation)[0][1],
        "item-item cosine": evaluate(ItemItemRecommender(), validation),
    }
    # Rows that differ only in ranking share one training.
    models: dict[tuple, FitOnce] = {}
    for name, params in variants().items():
        key = (params.graph, params.walks, params.word2vec)
        if key not in models:
            models[key] = FitOnce(GraphVectors(params, listens, taggings, seed=args.seed,
                                               workers=args.workers))
        evaluations[name] = evaluate(
            ServedRecommender(models[key], Ranking(params.popularity_prior, params.step_weight)),
            validation,
        )
        print(format_table({name: evaluations[name]}).splitlines()[1], file=sys.stderr)
    print(format_table(evaluations))


if __name__ == "__main__":
    main()
