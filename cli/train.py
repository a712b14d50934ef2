"""`sage train`: train an embedding space and record it as a run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli.options import HelpFormatter, number_in
from store import Store
from store.prune import DEFAULT_KEEP, prune_runs
from train.audio import params as audio_params
from train.graph.params import GraphParams, RelatedGraphParams, WalkParams, Word2VecParams

_DEFAULTS = GraphParams()
_GRAPH, _WALKS, _W2V = _DEFAULTS.graph, _DEFAULTS.walks, _DEFAULTS.word2vec


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
        formatter_class=HelpFormatter,
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
    group.add_argument("--tag-share", type=float, default=_GRAPH.tag_share,
                       help="share of a tagged artist's edge weight that goes to the artists "
                       "sharing its tags (0: co-listening only)")
    group.add_argument("--tag-neighbours", type=int, default=_GRAPH.tag_neighbours,
                       help="strongest tag-similar artists each artist keeps")
    group = graph.add_argument_group("random walks")
    group.add_argument("--walks-per-node", type=int, default=_WALKS.walks_per_node,
                       help="walks started from every artist")
    group.add_argument("--walk-length", type=int, default=_WALKS.walk_length,
                       help="artists in each walk, the start included")
    group.add_argument("--uniform", dest="weighted", action="store_false", default=_WALKS.weighted,
                       help="step to any neighbour with equal chance (SAGE as published) instead "
                       "of in proportion to similarity (default: in proportion)")
    group = graph.add_argument_group("word2vec")
    group.add_argument("--skip-gram", dest="sg", action="store_const", const=1, default=_W2V.sg,
                       help="train skip-gram instead of CBOW (default: "
                       f"{'skip-gram' if _W2V.sg else 'CBOW'})")
    group.add_argument("--cbow", dest="sg", action="store_const", const=0,
                       help="train CBOW (SAGE's choice)")
    add_word2vec_options(group, _W2V, words="artists", sentence="walk")
    group = graph.add_argument_group("ranking")
    add_popularity_prior(group, _DEFAULTS.popularity_prior)
    group.add_argument("--step-weight", type=float, default=_DEFAULTS.step_weight,
                       help="weight of one step on the graph from the liked artists in the "
                       "engine's ranking (engine.graph_step; 0: cosine only)")
    group = graph.add_argument_group("run")
    group.add_argument("--seed", type=int, default=0, help="seed for walks and word2vec")
    group.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="word2vec threads (1 makes a run exactly reproducible)")
    add_no_activate(group, "graph space")
    graph.set_defaults(handler=_train_graph)
    _register_playlist(spaces)
    _register_audio(spaces)
    _register_cf(spaces)
    _register_hybrid(spaces)
    _register_all(spaces)


def add_popularity_prior(parser: argparse._ActionsContainer, default: float) -> None:
    parser.add_argument("--popularity-prior", type=float, default=default,
                        help="how much popularity counts when the bot ranks this space (the "
                        "novelty knob scales it)")


def add_no_activate(parser: argparse._ActionsContainer, space: str) -> None:
    """`space` names what the run would otherwise become the active one of."""
    parser.add_argument("--no-activate", dest="activate", action="store_false",
                        help=f"record the run without making it the active {space} "
                        "(default: the new run becomes the active one)")


def add_word2vec_options(
    group: argparse._ArgumentGroup, defaults: Word2VecParams, *, words: str, sentence: str
) -> None:
    """The word2vec settings every word2vec space takes; `words` says what its words are,
    `sentence` what a sentence is. The architecture and min_count are each space's own."""
    group.add_argument("--dim", type=int, default=defaults.vector_size, help="vector dimensions")
    group.add_argument("--window", type=int, default=defaults.window,
                       help=f"{words} on each side of a {sentence} position that count as "
                       "its context")
    group.add_argument("--negative", type=int, default=defaults.negative,
                       help="negative samples per positive one")
    group.add_argument("--ns-exponent", type=float, default=defaults.ns_exponent,
                       help="shape of the negative-sampling distribution (1: by frequency, "
                       f"0: uniform, negative: favours rare {words})")
    group.add_argument("--epochs", type=int, default=defaults.epochs,
                       help=f"passes over the {sentence}s")
    group.add_argument("--sample", type=float, default=defaults.sample,
                       help=f"down-sampling threshold for frequent {words} (0 turns it off)")
    group.add_argument("--alpha", type=float, default=defaults.alpha, help="initial learning rate")


def word2vec_params(args: argparse.Namespace, *, sg: int, min_count: int) -> Word2VecParams:
    """The settings `add_word2vec_options` read, with the space's own two."""
    return Word2VecParams(
        sg=sg, vector_size=args.dim, window=args.window, negative=args.negative,
        ns_exponent=args.ns_exponent, epochs=args.epochs, min_count=min_count,
        sample=args.sample, alpha=args.alpha,
    )


def graph_params(args: argparse.Namespace) -> GraphParams:
    return GraphParams(
        graph=RelatedGraphParams(
            neighbours=args.neighbours, measure=args.measure, weighting=args.weighting,
            popularity_penalty=args.popularity_penalty, tag_share=args.tag_share,
            tag_neighbours=args.tag_neighbours,
        ),
        walks=WalkParams(args.walks_per_node, args.walk_length, args.weighted),
        word2vec=word2vec_params(args, sg=args.sg, min_count=_W2V.min_count),
        popularity_prior=args.popularity_prior,
        step_weight=args.step_weight,
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


def _register_audio(spaces: argparse._SubParsersAction) -> None:
    defaults = audio_params.TrainParams()
    audio = spaces.add_parser(
        "audio",
        help="the Dieleman method: a CNN predicts tracks' vectors from their sound",
        description="Train a CNN on the mel spectrograms of the ingested audio files (`sage "
        "ingest audio`) to predict each file's vector in a target space: its track's own "
        "vector when the space has tracks, else its artist's. Artists held out of training "
        "measure it against predicting the mean vector. Every audio track then gets a vector "
        "in the target space's dimension, the `audio` space: its known vector where it has "
        "one, the prediction from its sound otherwise (flagged as predicted). Runs on CUDA "
        "when present; launch with torchrun for several GPUs. Rerunning the same training "
        "resumes from its checkpoint, so after ingesting new audio it only predicts.",
        formatter_class=HelpFormatter,
    )
    audio.add_argument("--target-space", default="cf",
                       help="the space to predict vectors of (cf, playlist, graph, ...)")
    group = audio.add_argument_group("network and training")
    group.add_argument("--preset", choices=list(audio_params.PRESETS), default=defaults.preset,
                       help="network width: small trains in seconds on a CPU, published is "
                       "Dieleman's size (for a GPU)")
    group.add_argument("--epochs", type=int, default=defaults.epochs,
                       help="passes over the training files")
    group.add_argument("--batch-size", type=int, default=defaults.batch_size,
                       help="clips per step, over all processes together")
    group.add_argument("--optimizer", choices=audio_params.OPTIMIZERS, default=defaults.optimizer,
                       help="SGD with Nesterov momentum, or Adam")
    group.add_argument("--learning-rate", type=float, default=defaults.learning_rate,
                       help="step size")
    group.add_argument("--momentum", type=float, default=defaults.momentum,
                       help="SGD momentum (0 turns it and Nesterov off)")
    group.add_argument("--weight-decay", type=float, default=defaults.weight_decay,
                       help="L2 penalty on the weights")
    group.add_argument("--crop-frames", type=int, default=defaults.crop_frames,
                       help="length of the random crops trained on, of the 599 frames (~30 s) "
                       "kept per file")
    group.add_argument("--holdout", type=float, default=audio_params.DEFAULT_HOLDOUT,
                       help="share of the artists (or tracks) held out to evaluate on")
    group.add_argument("--seed", type=int, default=defaults.seed,
                       help="seed for initial weights, crops and the held-out split")
    group = audio.add_argument_group("files and run")
    group.add_argument("--features", type=Path,
                       help="feature cache folder (default: the store's path + .features)")
    group.add_argument("--checkpoint-dir", type=Path,
                       help="where checkpoints go (default: checkpoints/ in the feature cache)")
    group.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="files decoded at once when features are missing")
    add_no_activate(group, "audio space")
    audio.set_defaults(handler=_train_audio)


def _train_audio(args: argparse.Namespace) -> int:
    # torch and librosa load only when training audio.
    from train.audio.features import default_feature_dir
    from train.audio.space import train_audio_space

    feature_dir = args.features or default_feature_dir(args.store)
    params = audio_params.TrainParams(
        preset=args.preset, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.learning_rate, momentum=args.momentum,
        weight_decay=args.weight_decay, optimizer=args.optimizer,
        crop_frames=args.crop_frames, seed=args.seed,
    )
    run = train_audio_space(
        args.store, target_space=args.target_space, params=params, feature_dir=feature_dir,
        checkpoint_dir=args.checkpoint_dir or feature_dir / "checkpoints",
        holdout=args.holdout, workers=args.workers, activate=args.activate,
    )
    if run is None:  # another process of a torchrun group records the run
        return 0
    metrics = run.metrics
    print(f"audio run {run.run_id}: {metrics['tracks']} tracks in {args.target_space}'s "
          f"{run.dim} dims, {metrics['predicted_tracks']} predicted from sound"
          f"{'; now active' if args.activate else ''}")
    if "holdout_files" in metrics:
        print(f"held-out files ({metrics['holdout_files']}): mean cosine "
              f"{metrics['holdout_mean_cosine']:.3f} (mean vector "
              f"{metrics['holdout_baseline_mean_cosine']:.3f}), median rank "
              f"{metrics['holdout_median_rank']:g} (mean vector "
              f"{metrics['holdout_baseline_median_rank']:g}) of {metrics['holdout_items']:,}")
    return 0


def _register_cf(spaces: argparse._SubParsersAction) -> None:
    from train.cf.params import CfParams

    defaults = CfParams()
    cf = spaces.add_parser(
        "cf",
        help="collaborative filtering: implicit-feedback factors of who listens to what",
        description="Factorise the user x artist listening matrix with implicit-feedback ALS "
        "(Hu, Koren & Volinsky; the `implicit` library): each artist gets a factor vector, "
        "the latent factors the audio model learns to predict. Defaults are the settings "
        "chosen on validation (bench/cf_hybrid_tuning.py).",
        formatter_class=HelpFormatter,
    )
    cf.add_argument("--factors", type=int, default=defaults.factors, help="vector dimensions")
    cf.add_argument("--regularization", type=float, default=defaults.regularization,
                    help="L2 penalty on the factors (larger pulls rare artists toward the rest)")
    cf.add_argument("--alpha", type=float, default=defaults.alpha,
                    help="confidence of a listen: 1 + alpha * log(1 + plays)")
    cf.add_argument("--iterations", type=int, default=defaults.iterations,
                    help="alternating least-squares sweeps")
    add_popularity_prior(cf, defaults.popularity_prior)
    cf.add_argument("--seed", type=int, default=0, help="seed of the initial factors")
    add_no_activate(cf, "cf space")
    cf.set_defaults(handler=_train_cf)


def _train_cf(args: argparse.Namespace) -> int:
    from train.cf.params import CfParams
    from train.cf.space import train_cf_space

    params = CfParams(args.factors, args.regularization, args.alpha, args.iterations,
                      args.popularity_prior)
    run = train_cf_space(args.store, params, seed=args.seed, activate=args.activate)
    print(f"cf run {run.run_id}: {run.dim} factors in {run.timings['factorise']:.1f}s"
          f"{'; now active' if args.activate else ''}")
    return 0


def _register_hybrid(spaces: argparse._SubParsersAction) -> None:
    from train.hybrid.params import COMPONENTS, HybridParams

    defaults = HybridParams()
    hybrid = spaces.add_parser(
        "hybrid",
        help="combine the trained cf, graph and playlist spaces into one",
        description="Put the active runs of the component spaces side by side: each artist's "
        "unit vectors, scaled so that the hybrid cosine is the weighted mean of the spaces' "
        "cosines. An artist a space lacks gets that part predicted from the spaces it is in "
        "(ridge regression fitted on the artists both share); so do the artists the active "
        "audio run placed by sound, when it was trained against a component's active run. "
        "Untrained components are left out. Defaults are the settings chosen on validation "
        "(bench/cf_hybrid_tuning.py).",
        formatter_class=HelpFormatter,
    )
    for name in COMPONENTS:
        hybrid.add_argument(f"--{name}-weight", type=float, default=defaults.weights[name],
                            help=f"share of the {name} space (0 leaves it out)")
    add_popularity_prior(hybrid, defaults.popularity_prior)
    hybrid.add_argument("--ridge", type=float, default=defaults.ridge,
                        help="L2 penalty of the maps that predict a space's missing vectors")
    hybrid.add_argument("--step-weight", type=float, default=defaults.step_weight,
                        help="weight in ranking of one step on the graph component's graph "
                        "(0: cosine and popularity only)")
    hybrid.add_argument("--discovery-share", type=float, default=defaults.discovery_share,
                        help="share of every answer kept for long-tail bands (outside the 500 "
                        "most listened)")
    hybrid.add_argument("--discovery-tail-taste", type=float,
                        default=defaults.discovery_tail_taste,
                        help="more share kept for them, times the share of the likes that are "
                        "long-tail bands")
    add_no_activate(hybrid, "hybrid space")
    hybrid.set_defaults(handler=_train_hybrid)


def _train_hybrid(args: argparse.Namespace) -> int:
    from train.hybrid.params import COMPONENTS, HybridParams
    from train.hybrid.space import train_hybrid_space

    params = HybridParams(
        weights={name: getattr(args, f"{name}_weight") for name in COMPONENTS},
        popularity_prior=args.popularity_prior, ridge=args.ridge, step_weight=args.step_weight,
        discovery_share=args.discovery_share, discovery_tail_taste=args.discovery_tail_taste,
    )
    run = train_hybrid_space(args.store, params, activate=args.activate)
    parts = ", ".join(f"{name} run {component['run_id']}"
                      for name, component in run.params["components"].items())
    print(f"hybrid run {run.run_id}: {run.dim} dims from {parts}"
          f"{'; now active' if args.activate else ''}")
    return 0


def _register_all(spaces: argparse._SubParsersAction) -> None:
    from train.gate import DEFAULT_TOLERANCE

    every = spaces.add_parser(
        "all",
        help="retrain every space in order, activating only runs that hold up",
        description="Retrain graph, cf, playlist, playlist-track, audio and hybrid, in that "
        "order (a space after those it learns from), each with its active run's settings "
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

    outcomes = train_all(args.store, tolerance=args.tolerance, force=args.force,
                         seed=args.seed, workers=args.workers)
    for outcome in outcomes:
        print(describe(outcome))
    with Store.open(args.store) as store:
        print(describe_prune(prune_runs(store, args.keep)))
    return 0


def _register_playlist(spaces: argparse._SubParsersAction) -> None:
    from train.playlist.params import PlaylistParams

    defaults = PlaylistParams()
    w2v = defaults.word2vec
    playlist = spaces.add_parser(
        "playlist",
        help="Artist2Vec: word2vec over playlists, artists (or tracks) as words",
        description="Learn artist vectors with word2vec, each playlist a sentence of its "
        "tracks' artists (the `playlist` space), or track vectors with tracks as words "
        "(--tracks: the `playlist-track` space). Playlists come from `sage ingest mpd`; "
        "without them each user's listened artists count as one playlist. Defaults are "
        "Artist2Vec's published settings except where measurement chose otherwise "
        "(bench/playlist_tuning.py): skip-gram, 10 negative samples, 20 epochs.",
        formatter_class=HelpFormatter,
    )
    playlist.add_argument("--source", choices=["auto", "mpd", "listens"], default="auto",
                          help="learn from ingested MPD playlists, from each user's artists, "
                          "or (auto) from playlists when the store has any")
    playlist.add_argument("--tracks", dest="entity", action="store_const", const="track",
                          default="artist",
                          help="learn track vectors (the playlist-track space; needs "
                          "playlists) instead of %(default)s vectors")
    group = playlist.add_argument_group("word2vec")
    group.add_argument("--model", choices=["skip-gram", "cbow"],
                       default="skip-gram" if w2v.sg else "cbow",
                       help="word2vec's architecture (Artist2Vec was published with CBOW)")
    add_word2vec_options(group, w2v, words="entities", sentence="playlist")
    group.add_argument("--min-count", type=int, default=w2v.min_count,
                       help="entities seen fewer times get no vector")
    group = playlist.add_argument_group("run")
    add_popularity_prior(group, defaults.popularity_prior)
    group.add_argument("--seed", type=int, default=0, help="seed for word2vec")
    group.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="word2vec threads (1 makes a run exactly reproducible)")
    add_no_activate(group, "space")
    playlist.set_defaults(handler=_train_playlist)


def _train_playlist(args: argparse.Namespace) -> int:
    from train.playlist.params import PlaylistParams
    from train.playlist.space import train_playlist_space  # gensim loads only when training

    params = PlaylistParams(
        word2vec=word2vec_params(
            args, sg=int(args.model == "skip-gram"), min_count=args.min_count
        ),
        popularity_prior=args.popularity_prior,
    )
    run = train_playlist_space(
        args.store, params, seed=args.seed, workers=args.workers, activate=args.activate,
        source=args.source, entity=args.entity,
    )
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in run.timings.items())
    print(f"{run.space} run {run.run_id}: {run.entity_kind} vectors of {run.dim} dims from "
          f"{run.params['source']} ({stages}){'; now active' if args.activate else ''}")
    return 0
