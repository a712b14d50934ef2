"""`sage eval --all`: every space and baseline on one held-out split, and every space's
neighbours against the ground truth of the source it did not learn from.

What is scored for a space is its active run's settings; graph and cf with no run are
scored at their defaults, like `sage eval` does for the graph. The playlist space is
scored only from a run (its defaults are slow to train, and it may learn from playlists),
and a hybrid over the components it records, or, untrained, at its defaults over what
can be scored.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from engine.answer import DEFAULT_SPACE
from store import Store
from store.catalog import Listens, load_listens
from store.runs import RunRecord, active_runs, read_active_vectors, update_metrics
from train.evaluate.harness import (
    Evaluation,
    evaluate,
    evaluate_baselines,
    format_table,
)
from train.evaluate.neighbours import (
    GROUPS,
    GroupOverlap,
    RelatedArtists,
    listening_truth,
    overlap_table,
    playlist_truth,
)
from train.evaluate.placed import PlacedBands, placed_band_test
from train.evaluate.spaces import HeldoutModels, SpaceSpec
from train.evaluate.split import HoldoutSplit, holdout_split
from train.kind import LISTENS, PLAYLISTS
from train.kinds import training_order
from train.vectors import ArtistVectors

log = logging.getLogger(__name__)

TRUTH_SOURCES = (PLAYLISTS, LISTENS)  # where neighbour ground truth comes from
# Settings of the novelty knob (engine.novelty) the default space is scored at too.
NOVELTY_CURVE = (-1.0, -0.5, 0.5, 1.0)


@dataclass(frozen=True)
class HeldoutSettings:
    """How the held-out split is drawn and scored; `sage eval`'s defaults."""

    test_fraction: float = 0.2
    n_likes: int = 3
    k: int = 20
    head: int = 500
    seed: int = 0

    def split(self, listens: Listens) -> HoldoutSplit:
        return holdout_split(listens, test_fraction=self.test_fraction, n_likes=self.n_likes,
                             seed=self.seed)

    def describe(self, split: HoldoutSplit) -> dict:
        """The split's description stored with the figures (as `sage eval` stores it)."""
        return {
            "test_users": split.n_cases, "eligible_users": split.n_eligible_users,
            "skipped_users": split.n_skipped_users, "likes": self.n_likes, "k": self.k,
            "head": self.head, "seed": self.seed,
        }


def evaluation_figures(evaluation: Evaluation) -> dict:
    """One model's held-out figures as plain JSON values."""
    metrics = evaluation.metrics
    return {
        f"precision_at_{metrics.k}": metrics.precision,
        f"recall_at_{metrics.k}": metrics.recall,
        "tail_recall": None if math.isnan(metrics.tail_recall) else metrics.tail_recall,
        "popularity_lift": (None if math.isnan(metrics.popularity_lift)
                            else metrics.popularity_lift),
        "coverage": metrics.coverage,
        "fit_seconds": round(evaluation.fit_seconds, 2),
        "recommend_seconds": round(evaluation.recommend_seconds, 2),
    }


def heldout_figures(evaluation: Evaluation, split: dict) -> dict:
    """A run's held-out figures as stored in its metrics under "heldout"."""
    return evaluation_figures(evaluation) | {
        "split": split,
    }


def truth_sources(spec: SpaceSpec) -> tuple[str, ...]:
    """The ground truths a space's neighbours are tested against: those of sources it did
    not learn from; all of them for a space that learned from every source (a hybrid with
    MPD playlists), whose figures are then marked as not independent."""
    independent = tuple(source for source in TRUTH_SOURCES if source not in spec.learns_from())
    return independent or TRUTH_SOURCES


def heldout_spaces() -> list[str]:
    """The spaces the held-out taste test scores, each after those it is built from."""
    return [kind.name for kind in training_order() if kind.heldout]


def space_specs(active: dict[str, RunRecord]) -> tuple[dict[str, SpaceSpec], dict[str, str]]:
    """What to score for each space (its active run, or what its kind scores untrained),
    and why the others cannot be scored."""
    specs: dict[str, SpaceSpec] = {}
    missing: dict[str, str] = {}
    for kind in training_order():
        if not kind.heldout:
            continue
        if kind.name in active:
            specs[kind.name] = SpaceSpec.of_run(active[kind.name])
            continue
        untrained = kind.untrained(specs)
        if isinstance(untrained, SpaceSpec):
            specs[kind.name] = untrained
        else:
            missing[kind.name] = untrained
    return specs, missing


def score_and_record(
    store_path: Path, models: HeldoutModels, spec: SpaceSpec, split: HoldoutSplit,
    settings: HeldoutSettings,
) -> tuple[Evaluation, bool]:
    """The held-out score of `spec`, stored in its run's metrics (under "heldout") when
    it is a run whose method the test refits as trained; and whether it was stored."""
    evaluation = evaluate(models.recommender(spec), split, k=settings.k, n_head=settings.head)
    stored = spec.run_id is not None and spec.scores_as_trained
    if stored:
        with Store.open(store_path) as store:
            update_metrics(store, spec.run_id, {
                "heldout": heldout_figures(evaluation, settings.describe(split)),
            })
    return evaluation, stored


@dataclass(frozen=True)
class AllReport:
    split: dict  # HeldoutSettings.describe
    specs: dict[str, SpaceSpec]  # what was scored for each space
    evaluations: dict[str, Evaluation]  # space or baseline -> held-out score
    unavailable: dict[str, str]  # space -> why it has no score
    truths: dict[str, RelatedArtists]  # source -> ground truth; a missing source is absent
    overlap: dict[str, dict[str, dict[str, GroupOverlap]]]  # space -> source -> group
    notes: list[str]  # what a reader of the table should know
    stored: list[str]  # the runs whose records took figures ("graph run 1")
    placed: PlacedBands | None  # bands learned on the spot against trained in


def evaluate_all(
    store_path: Path,
    settings: HeldoutSettings,
    *,
    workers: int,
    baselines: bool = True,
) -> AllReport:
    """Every space and baseline on one split, and every trained space's neighbours; each
    run's figures are stored in its record."""
    spaces = heldout_spaces()
    with Store.open(store_path, read_only=True) as store:
        listens = load_listens(store)
        active = active_runs(store)
        playlists = playlist_truth(store)
        trained = {
            space: _artist_vectors(store, space) for space in spaces
            if space in active and active[space].entity_kind == "artist"
        }
    split = settings.split(listens)
    specs, unavailable = space_specs(active)
    models = HeldoutModels(store_path, seed=settings.seed, workers=workers)
    evaluations, stored = {}, []
    for space, spec in specs.items():
        log.info("scoring the %s space", space)
        evaluations[space], recorded = score_and_record(store_path, models, spec, split, settings)
        if recorded:
            stored.append(f"{space} run {spec.run_id}")
    # The default space along the novelty knob: what a fan trades by asking for it.
    if DEFAULT_SPACE in specs:
        for novelty in NOVELTY_CURVE:
            evaluations[f"{DEFAULT_SPACE}, novelty {novelty:+g}"] = evaluate(
                models.recommender(specs[DEFAULT_SPACE], novelty), split, k=settings.k,
                n_head=settings.head)
    tuned = None
    if baselines:
        tuned = evaluate_baselines(split, k=settings.k, n_head=settings.head,
                                   seed=settings.seed)
        evaluations |= tuned.evaluations

    truths = {LISTENS: listening_truth(listens)}
    if playlists is not None:
        truths[PLAYLISTS] = playlists
    overlap = overlap_table(
        {space: (vectors, truth_sources(specs[space])) for space, vectors in trained.items()},
        truths, listens,
    )
    with Store.open(store_path) as store:
        for space, by_source in overlap.items():
            if by_source:
                update_metrics(store, specs[space].run_id,
                               {"neighbours": overlap_figures(by_source)})
                if f"{space} run {specs[space].run_id}" not in stored:
                    stored.append(f"{space} run {specs[space].run_id}")
    notes = [f"{space} run {spec.run_id} is scored with its settings refitted on the "
             "held-out listens, which is not how it was trained (e.g. a graph that walked "
             "crawled edges); its held-out figures are not stored"
             for space, spec in specs.items()
             if spec.run_id is not None and not spec.scores_as_trained]
    notes += [f"{space}: no run, scored at its default settings"
              for space, spec in specs.items() if spec.run_id is None]
    if tuned is not None:
        notes.append(f"baselines {tuned.chosen()}")
    log.info("placing held-out bands as bands learned on the spot are placed")
    placed = placed_band_test(listens, seed=settings.seed)
    return AllReport(settings.describe(split), specs, evaluations, unavailable, truths,
                     overlap, notes, stored, placed)


def _artist_vectors(store: Store, space: str) -> ArtistVectors:
    vectors = read_active_vectors(store, space)
    return ArtistVectors.sorted(vectors.entity_ids, vectors.matrix)


def format_report(report: AllReport) -> str:
    lines = [format_table(report.evaluations)]
    lines += [f"{space:<20} n/a: {why}" for space, why in report.unavailable.items()]
    lines += ["", _format_overlap(report)]
    if report.placed is not None:
        lines.append(report.placed.describe())
    lines += report.notes
    return "\n".join(lines)


def _format_overlap(report: AllReport) -> str:
    lines = [
        "neighbour overlap@20 (Artist2Vec): share of an artist's 20 most related artists "
        "(by shared playlists or listeners) among a space's 20 nearest; (artists scored)",
        f"{'space':<10} {'truth':<11} " + " ".join(f"{group:>16}" for group in GROUPS),
    ]
    flagged = False
    for space, by_source in report.overlap.items():
        learned = report.specs[space].learns_from()
        for source in truth_sources(report.specs[space]):
            if source not in by_source:
                lines.append(f"{space:<10} {source:<11} n/a: the store holds no {source}")
                continue
            cells = " ".join(f"{_overlap_cell(by_source[source][group]):>16}" for group in GROUPS)
            flag = "*" if source in learned else ""
            flagged |= bool(flag)
            lines.append(f"{space:<10} {source + flag:<11} {cells}")
    lines += [f"{space:<10} {'':<11} n/a: no trained run"
              for space in heldout_spaces() if space not in report.overlap]
    if flagged:
        lines.append("*: the space learned from this source too: the match is not independent")
    return "\n".join(lines)


def _overlap_cell(result: GroupOverlap) -> str:
    if result.artists == 0:
        return "n/a (0)"
    return f"{result.overlap:.3f} ({result.artists:,})"


def overlap_figures(by_source: dict[str, dict[str, GroupOverlap]]) -> dict:
    """A run's neighbour overlap as stored in its metrics under "neighbours"."""
    return {
        source: {group: {"artists": result.artists,
                         "overlap": None if math.isnan(result.overlap) else result.overlap}
                 for group, result in groups.items()}
        for source, groups in by_source.items()
    }


def report_json(report: AllReport) -> dict:
    return {
        "split": report.split,
        "models": {name: {key: value for key, value in heldout_figures(evaluation, {}).items()
                          if key != "split"}
                   for name, evaluation in report.evaluations.items()},
        "unavailable": report.unavailable,
        "neighbours": {space: overlap_figures(by_source)
                       for space, by_source in report.overlap.items()},
        "ground_truth_artists": {source: int(len(truth.artist_ids))
                                 for source, truth in report.truths.items()},
        "placed_bands": report.placed.to_dict() if report.placed is not None else None,
        "notes": report.notes,
    }
