"""`sage train all`: retrain every space in dependency order; keep only runs that hold up.

Each space is trained as a new, inactive run with the settings of its active run (the
defaults when it has none), scored on the held-out split, and then activated only if it
does not fall behind the active run by more than a tolerance on any measure the two
share; `force` activates regardless. The order is graph, cf, playlist (from MPD
playlists, else from listens), playlist-track (track vectors, only with playlists), audio
(it learns to predict cf vectors), hybrid (built from the active graph, cf and playlist
runs, so after their gates). Track spaces have no held-out taste test: playlist-track is
activated without one, audio is gated on its own held-out files. Spaces whose data is
missing (no playlists for tracks, no audio files) are skipped. This is what maintainers
run on a schedule; the log says what happened to each space and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from store import Store
from store.catalog import load_listens
from store.errors import UserError
from store.runs import RunRecord, activate_run, active_runs, update_metrics
from train.cf.params import CfParams
from train.cf.space import train_cf_space
from train.evaluate.harness import evaluate
from train.evaluate.report import (
    COLISTENING,
    SPACES,
    HeldoutSettings,
    heldout_figures,
    run_spec,
    scores_as_trained,
)
from train.evaluate.spaces import HeldoutModels
from train.gate import DEFAULT_TOLERANCE, Decision, gate
from train.graph.params import GraphParams
from train.graph.space import train_graph_space
from train.hybrid.params import HybridParams
from train.hybrid.space import active_components, train_hybrid_space
from train.playlist.params import PlaylistParams
from train.playlist.space import train_playlist_space

log = logging.getLogger(__name__)

ORDER = ("graph", "cf", "playlist", "playlist-track", "audio", "hybrid")


@dataclass(frozen=True)
class Outcome:
    space: str
    run: RunRecord | None  # None when the space was skipped
    decision: Decision | None
    figures: dict  # what the gate compared: held-out figures (audio: its own test)
    skipped: str | None = None  # why the space was not trained


def train_all(
    store_path: Path,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    force: bool = False,
    seed: int = 0,
    workers: int = 1,
    settings: HeldoutSettings = HeldoutSettings(),
) -> list[Outcome]:
    if not 0 <= tolerance < 1:
        raise UserError(f"the tolerance is a share of the active run's figure, 0 to 1, not {tolerance}")
    with Store.open(store_path) as store:
        listens = load_listens(store)
    if len(listens) == 0:
        raise UserError(f"{store_path} holds no listens: run `sage ingest` first")
    split = settings.split(listens)
    models = HeldoutModels(store_path, seed=settings.seed, workers=workers)
    heldout_measures = (f"precision_at_{settings.k}", "tail_recall")

    def score(run: RunRecord) -> dict:
        """The run's held-out figures, stored in its record; {} when refitting it on the
        split would not be the method it used."""
        spec = run_spec(run)
        if run.space not in SPACES or not scores_as_trained(spec):
            return {}
        evaluation = evaluate(models.recommender(spec), split, k=settings.k,
                              n_head=settings.head)
        figures = heldout_figures(evaluation, settings.describe(split))
        with Store.open(store_path) as store:
            update_metrics(store, run.run_id, {"heldout": figures})
        return figures

    outcomes = []
    for space in ORDER:
        with Store.open(store_path) as store:
            active = active_runs(store).get(space)
            trainer, skipped = _trainer(space, store, active, seed=seed, workers=workers)
        if trainer is None:
            log.info("%s: skipped: %s", space, skipped)
            outcomes.append(Outcome(space, None, None, {}, skipped))
            continue
        log.info("%s: training a new run with %s", space,
                 f"run {active.run_id}'s settings" if active else "the default settings")
        run = trainer()
        if space == "audio":
            new, old, measures = run.metrics, active.metrics if active else None, _AUDIO_MEASURES
        else:
            new = score(run)
            old = active.metrics.get("heldout", {}) if active else None
            measures = heldout_measures
        decision = gate(new, old, measures, tolerance=tolerance, force=force)
        if decision.activate:
            with Store.open(store_path) as store:
                activate_run(store, run.run_id)
            log.info("%s: run %d activated (%s)", space, run.run_id, decision.reason)
        else:
            log.warning("%s: run %d not activated, run %d stays active: %s (--force to "
                        "override)", space, run.run_id, active.run_id, decision.reason)
        outcomes.append(Outcome(space, run, decision, new))
    return outcomes


# The audio run's own held-out test: how close predictions from sound land to the true
# vectors of held-out artists (train.audio).
_AUDIO_MEASURES = ("holdout_mean_cosine",)


def _trainer(
    space: str, store: Store, active: RunRecord | None, *, seed: int, workers: int
) -> tuple[Callable[[], RunRecord] | None, str | None]:
    """How to train the space's next run, or None and why it cannot be trained now."""
    params = active.params if active else {}
    seed = params.get("seed", seed)
    path = store.path
    if space == "graph":
        graph = GraphParams.from_dict(params) if active else GraphParams()
        return lambda: train_graph_space(
            path, graph, seed=seed, workers=workers, activate=False,
            edges_from=params.get("edges", COLISTENING),
        ), None
    if space == "cf":
        cf = CfParams.from_dict(params) if active else CfParams()
        return lambda: train_cf_space(path, cf, seed=seed, activate=False), None
    if space == "playlist":
        # From what the active run learned from, so that ingesting playlists never
        # silently changes what the space means; the first run takes the MPD playlists
        # when the store has them, else listens read as playlists ("auto").
        playlist = PlaylistParams.from_dict(params) if active else PlaylistParams()
        source = params.get("source", "auto")
        return lambda: train_playlist_space(
            path, playlist, seed=seed, workers=workers, activate=False, source=source
        ), None
    if space == "playlist-track":
        if not _has_rows(store, "playlist_tracks"):
            return None, "the store holds no playlists (`sage ingest mpd`)"
        tracks = PlaylistParams.from_dict(params) if active else PlaylistParams()
        return lambda: train_playlist_space(
            path, tracks, seed=seed, workers=workers, activate=False, entity="track"
        ), None
    if space == "audio":
        return _audio_trainer(store, active, workers=workers)
    hybrid = HybridParams.from_dict(params) if active else HybridParams()
    components = active_components(store, hybrid)
    if len(components) < 2:
        return None, f"fewer than two of its spaces are trained ({', '.join(components) or 'none'})"
    return lambda: train_hybrid_space(path, hybrid, activate=False), None


def _audio_trainer(
    store: Store, active: RunRecord | None, *, workers: int
) -> tuple[Callable[[], RunRecord] | None, str | None]:
    if not _has_rows(store, "audio_files"):
        return None, "the store holds no audio files (`sage ingest audio`)"
    try:
        from train.audio.features import default_feature_dir
        from train.audio.params import DEFAULT_HOLDOUT, TrainParams
        from train.audio.space import train_audio_space
    except ImportError as error:
        return None, f"the audio extra is not installed ({error.name} is missing)"
    params = active.params if active else {}
    audio = TrainParams(**{name: params[name] for name in TrainParams.__dataclass_fields__
                           if name in params})
    feature_dir = default_feature_dir(store.path)
    return lambda: train_audio_space(
        store.path, target_space=params.get("target_space", "cf"), params=audio,
        feature_dir=feature_dir, checkpoint_dir=feature_dir / "checkpoints",
        holdout=params.get("holdout", DEFAULT_HOLDOUT), workers=workers, activate=False,
        progress=False,
    ), None


def _has_rows(store: Store, table: str) -> bool:
    # `table` is one of this module's constants, never user text.
    return store.con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def describe(outcome: Outcome) -> str:
    """One line per space for the CLI."""
    if outcome.run is None:
        return f"{outcome.space}: skipped ({outcome.skipped})"
    verdict = "activated" if outcome.decision.activate else "not activated"
    return f"{outcome.space}: run {outcome.run.run_id} {verdict}: {outcome.decision.reason}"
