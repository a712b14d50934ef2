"""How the graph model's default settings were chosen: each variant on the validation split.

    python bench/graph_tuning.py [--store PATH] [--workers 2]

Scores a ladder of graph-model settings on a validation split drawn from the training
part of the held-out test (never the test users), next to item-item cosine measured in
the same run. Rows up to the walks rank by cosine alone (novelty +1); the last rows add
the engine's popularity prior at several strengths. The default prior
(engine.novelty.POPULARITY_PRIOR) is the largest that keeps tail recall at the
cosine-only model's. Takes about 12 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.novelty import POPULARITY_PRIOR  # noqa: E402
from store import Store, default_store_path  # noqa: E402
from store.catalog import load_listens  # noqa: E402
from train.evaluate.baselines import ItemItemRecommender  # noqa: E402
from train.evaluate.harness import evaluate, format_table  # noqa: E402
from train.evaluate.served import ServedRecommender  # noqa: E402
from train.evaluate.spaces import GraphVectors  # noqa: E402
from train.evaluate.split import holdout_split, validation_split  # noqa: E402
from train.graph.params import ColisteningParams, GraphParams, WalkParams  # noqa: E402

SAGE_AS_PUBLISHED = GraphParams(
    graph=ColisteningParams(neighbours=20, measure="cosine", weighting="log"),
    walks=WalkParams(walks_per_node=10, walk_length=15, weighted=False),
)


def variants() -> dict[str, tuple[GraphParams, float]]:
    """(settings, novelty) for each row; each step changes one thing from the row before."""
    cosine_only = 1.0  # novelty +1: no popularity prior
    steps = {"SAGE as published: cosine top-20, uniform walks 10x15, CBOW":
             (SAGE_AS_PUBLISHED, cosine_only)}
    params = replace(SAGE_AS_PUBLISHED, walks=replace(SAGE_AS_PUBLISHED.walks, weighted=True))
    steps["+ weighted walks"] = (params, cosine_only)
    params = replace(params, graph=replace(params.graph, measure="transition"))
    steps["+ transition strengths instead of cosine"] = (params, cosine_only)
    params = replace(params, graph=replace(params.graph, neighbours=100))
    steps["+ 100 neighbours"] = (params, cosine_only)
    params = replace(params, walks=replace(params.walks, walk_length=60))
    steps["+ walks of 60"] = (params, cosine_only)
    for novelty in (0.4, 0.0, -0.4, -1.0):
        prior = POPULARITY_PRIOR * (1 - novelty)
        default = " (the default)" if novelty == 0 else ""
        steps[f"+ popularity prior {prior:.1f}{default}"] = (params, novelty)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with listens (default: the usual store)")
    parser.add_argument("--workers", type=int, default=2, help="word2vec threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of the held-out split")
    args = parser.parse_args()
    assert variants()["+ popularity prior 0.5 (the default)"] == (GraphParams(), 0.0), (
        "the ladder must pass through the defaults"
    )

    with Store.open(args.store, read_only=True) as store:
        listens = load_listens(store)
    validation = validation_split(holdout_split(listens, seed=args.seed), seed=args.seed + 1)
    evaluations = {"item-item cosine": evaluate(ItemItemRecommender(), validation)}
    for name, (params, novelty) in variants().items():
        evaluations[name] = evaluate(
            ServedRecommender(GraphVectors(params, seed=args.seed, workers=args.workers),
                              POPULARITY_PRIOR * (1 - novelty)),
            validation,
        )
        print(format_table({name: evaluations[name]}).splitlines()[1], file=sys.stderr)
    print(format_table(evaluations))


if __name__ == "__main__":
    main()
