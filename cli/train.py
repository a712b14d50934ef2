"""`sage train`: train an embedding space and record it as a run."""

from __future__ import annotations

import argparse
import os

from train.graph.params import ColisteningParams, GraphParams, WalkParams, Word2VecParams

_GRAPH, _WALKS, _W2V = ColisteningParams(), WalkParams(), Word2VecParams()


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train an embedding space",
        description="Train an embedding space from the store's data and record it as a run "
        "(parameters, data fingerprint, code version, timings). The new run becomes the "
        "space's active one in the same transaction, unless --no-activate.",
    )
    spaces = parser.add_subparsers(title="spaces", metavar="SPACE", required=True)
    graph = spaces.add_parser(
        "graph",
        help="the SAGE method: co-listening graph -> random walks -> word2vec",
        description="Build the related-artists graph from co-listening, walk it, and learn "
        "artist vectors with word2vec (the SAGE method). Also computes PageRank and "
        "Louvain scenes over the graph. Defaults are the settings chosen by `sage eval`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    group = graph.add_argument_group("graph")
    group.add_argument("--edges", default="colisten",
                       help="walk the co-listening graph of the store's listens (colisten), or "
                       "the stored edges of another source, e.g. lastfm after `sage crawl "
                       "lastfm` (the graph options below then do not apply)")
    group.add_argument("--neighbours", type=int, default=_GRAPH.neighbours,
                       help="strongest co-listened neighbours each artist keeps")
    group.add_argument("--measure", choices=["transition", "cosine"], default=_GRAPH.measure,
                       help="edge strength: the chance a listener of one artist plays the other "
                       "(transition, directed) or the cosine of their listener vectors")
    group.add_argument("--popularity-penalty", type=float, default=_GRAPH.popularity_penalty,
                       help="divide transition strengths by listeners^this, leaning walks "
                       "toward the long tail (0: off)")
    group.add_argument("--weighting", choices=["binary", "log"], default=_GRAPH.weighting,
                       help="a listener counts once (binary) or by log(1 + plays)")
    group = graph.add_argument_group("random walks")
    group.add_argument("--walks-per-node", type=int, default=_WALKS.walks_per_node,
                       help="walks started from every artist")
    group.add_argument("--walk-length", type=int, default=_WALKS.walk_length,
                       help="artists in each walk, the start included")
    group.add_argument("--uniform", dest="weighted", action="store_false", default=_WALKS.weighted,
                       help="step to any neighbour with equal chance (SAGE as published) instead "
                       "of in proportion to similarity")
    group = graph.add_argument_group("word2vec")
    group.add_argument("--skip-gram", dest="sg", action="store_const", const=1, default=_W2V.sg,
                       help="train skip-gram instead of CBOW")
    group.add_argument("--cbow", dest="sg", action="store_const", const=0,
                       help="train CBOW (SAGE's choice)")
    group.add_argument("--dim", type=int, default=_W2V.vector_size, help="vector dimensions")
    group.add_argument("--window", type=int, default=_W2V.window,
                       help="artists on each side of a walk position that count as context")
    group.add_argument("--negative", type=int, default=_W2V.negative,
                       help="negative samples per positive one")
    group.add_argument("--ns-exponent", type=float, default=_W2V.ns_exponent,
                       help="shape of the negative-sampling distribution (1: by frequency, "
                       "0: uniform, negative: favours rare artists)")
    group.add_argument("--epochs", type=int, default=_W2V.epochs, help="passes over the walks")
    group.add_argument("--sample", type=float, default=_W2V.sample,
                       help="down-sampling threshold for frequent artists (0 turns it off)")
    group.add_argument("--alpha", type=float, default=_W2V.alpha, help="initial learning rate")
    group = graph.add_argument_group("run")
    group.add_argument("--seed", type=int, default=0, help="seed for walks and word2vec")
    group.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="word2vec threads (1 makes a run exactly reproducible)")
    group.add_argument("--no-activate", dest="activate", action="store_false",
                       help="record the run without making it the active graph space")
    graph.set_defaults(handler=_train_graph)


def graph_params(args: argparse.Namespace) -> GraphParams:
    return GraphParams(
        graph=ColisteningParams(
            neighbours=args.neighbours, measure=args.measure, weighting=args.weighting,
            popularity_penalty=args.popularity_penalty,
        ),
        walks=WalkParams(args.walks_per_node, args.walk_length, args.weighted),
        word2vec=Word2VecParams(
            sg=args.sg, vector_size=args.dim, window=args.window, negative=args.negative,
            ns_exponent=args.ns_exponent, epochs=args.epochs, min_count=_W2V.min_count,
            sample=args.sample, alpha=args.alpha,
        ),
    )


def _train_graph(args: argparse.Namespace) -> int:
    from train.graph.space import train_graph_space  # gensim loads only when training

    run = train_graph_space(
        args.store, graph_params(args), seed=args.seed, workers=args.workers,
        activate=args.activate, edges_from=args.edges,
    )
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in run.timings.items())
    print(f"graph run {run.run_id}: {run.dim} dims ({stages})"
          f"{'; now active' if args.activate else ''}")
    return 0
