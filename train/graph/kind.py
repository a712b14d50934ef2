"""The graph space (the SAGE method) as a kind of space (train.kind)."""

from __future__ import annotations

from pathlib import Path

from store import Store
from store.catalog import load_listens, load_taggings
from store.runs import RunRecord
from train.graph.params import COLISTENING, GraphParams, GraphRun
from train.kind import SpaceKind, TrainRequest


class GraphKind(SpaceKind):
    name = "graph"
    summary = "the SAGE method: co-listening graph -> random walks -> word2vec"
    description = (
        "Build the related-artists graph from co-listening, walk it, and learn artist "
        "vectors with word2vec (the SAGE method). Also computes PageRank and Louvain scenes "
        "over the graph. Defaults are the settings chosen by `sage eval`."
    )
    params = GraphParams()
    run = GraphRun()
    workers_help = "word2vec threads (1 makes a run exactly reproducible)"

    def train(self, store_path: Path, request: TrainRequest) -> RunRecord:
        from train.graph.space import train_graph_space  # gensim loads only when training

        return train_graph_space(
            store_path, request.params, seed=request.run.seed, workers=request.workers,
            activate=request.activate, edges_from=request.run.edges,
        )

    def scores_as_trained(self, params: dict) -> bool:
        # The test rebuilds the graph from training listens: a run that walked crawled
        # edges lends only its walk and word2vec settings.
        return GraphRun.from_dict(params).edges == COLISTENING

    def untrained(self, specs):
        from train.evaluate.spaces import SpaceSpec

        return SpaceSpec(self.name, self.params.to_dict())

    def heldout_model(self, spec, models):
        from train.evaluate.spaces import FitOnce
        from train.graph.heldout import GraphVectors

        with Store.open(models.store_path, read_only=True) as store:
            listens, taggings = load_listens(store), load_taggings(store)
        return FitOnce(GraphVectors(GraphParams.from_dict(spec.params), listens, taggings,
                                    seed=models.seed, workers=models.workers))
