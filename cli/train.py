"""`sage train`: train an embedding space and record it as a run.

One subcommand per kind of space (train.kinds), its flags made by its settings classes
(train.settings), and `sage train all`.
"""

from __future__ import annotations

import argparse
import os
from functools import partial

from cli.options import HelpFormatter, number_in
from store import Store
from store.prune import DEFAULT_KEEP, prune_runs
from train.kind import SpaceKind, TrainRequest
from train.kinds import KINDS
from train.settings import add_flags


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train an embedding space",
        description="Train an embedding space from the store's data and record it as a run "
        "(parameters, data fingerprint, code version, timings). The new run becomes the "
        "space's active one in the same transaction, unless --no-activate.",
    )
    spaces = parser.add_subparsers(title="spaces", metavar="SPACE", required=True)
    for kind in KINDS.values():
        _register_kind(spaces, kind)
    _register_all(spaces)


def _register_kind(spaces: argparse._SubParsersAction, kind: SpaceKind) -> None:
    parser = spaces.add_parser(kind.name, help=kind.summary, description=kind.description,
                               formatter_class=HelpFormatter)
    add_flags(parser, kind.params)
    run = parser.add_argument_group("run")
    add_flags(run, kind.run, prefix="run.")
    if kind.workers_help:
        run.add_argument("--workers", type=number_in(int, 1), default=os.cpu_count() or 1,
                         help=kind.workers_help)
    run.add_argument("--no-activate", dest="activate", action="store_false",
                     help=f"record the run without making it the active {kind.name} space "
                     "(default: the new run becomes the active one)")
    parser.set_defaults(handler=partial(_train, kind))


def _take_in_learned(store_path) -> None:
    """The bands `sage ask`, `sage chat` and the bot learned on the spot, into the crawled
    graph the graph space can be trained on (train/crawl/take_in.py)."""
    from train.crawl.take_in import take_in_learned

    if taken := take_in_learned(store_path):
        print(f"took {taken} bands learned from Last.fm into the store's crawled edges")


def _train(kind: SpaceKind, args: argparse.Namespace) -> int:
    if kind.name == "graph":
        _take_in_learned(args.store)
    request = TrainRequest(
        params=type(kind.params).from_args(args),
        run=type(kind.run).from_args(args, "run."),
        workers=getattr(args, "workers", 1),
        activate=args.activate,
    )
    run = kind.train(args.store, request)
    if run is None:  # another process of a torchrun group records the run
        return 0
    first, *more = kind.describe(run).split("\n")
    print("\n".join([first + ("; now active" if args.activate else ""), *more]))
    return 0


def _register_all(spaces: argparse._SubParsersAction) -> None:
    from train.gate import DEFAULT_TOLERANCE
    from train.kinds import training_order

    every = spaces.add_parser(
        "all",
        help="retrain every space in order, activating only runs that hold up",
        description="Retrain every space in dependency order (now "
        f"{', '.join(kind.name for kind in training_order())}: a space after those it learns "
        "from), each with its active run's settings "
        "(defaults when it has none) as a new run. Each new artist-space run is scored on the "
        "held-out split (audio: on its own held-out files) and becomes active only if it does "
        "not fall behind the active run by more than the tolerance on any measure "
        "(precision@20 and tail recall); the log says why. Spaces without their data "
        "(playlists for track vectors, audio files) are skipped. Meant for a schedule.",
        formatter_class=HelpFormatter,
    )
    every.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                       help="how far below the active run's figure a new run may score, as a "
                       "share of it (0.05: 5%%)")
    every.add_argument("--force", action="store_true",
                       help="activate every new run, whatever its figures")
    every.add_argument("--seed", type=int, default=0,
                       help="seed for a space that has no active run to take one from")
    every.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="threads for word2vec (graph, playlist) and audio decoding")
    every.add_argument("--keep", type=number_in(int, 0), default=DEFAULT_KEEP,
                       help="afterwards, delete the runs nothing serves but the newest KEEP "
                       "of each space (see `sage prune`)")
    every.set_defaults(handler=_train_all)


def _train_all(args: argparse.Namespace) -> int:
    from cli.prune import describe as describe_prune
    from train.all import describe, train_all

    _take_in_learned(args.store)
    outcomes = train_all(args.store, tolerance=args.tolerance, force=args.force,
                         seed=args.seed, workers=args.workers)
    for outcome in outcomes:
        print(describe(outcome))
    with Store.open(args.store) as store:
        print(describe_prune(prune_runs(store, args.keep)))
    return 0
