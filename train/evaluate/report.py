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

from store import Store
from store.catalog import Listens, load_listens
from store.runs import RunRecord, active_runs, load_space
from train.cf.params import CfParams
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
from train.evaluate.served import ArtistVectors
from train.evaluate.spaces import HeldoutModels, SpaceSpec
from train.evaluate.split import HoldoutSplit, holdout_split
from train.graph.params import GraphParams
from train.hybrid.params import HybridParams

log = logging.getLogger(__name__)

# Dependency order: a space comes after every space it is built from.
SPACES = ("graph", "cf", "playlist", "hybrid")
COLISTENING = "colisten"  # a graph run's "edges" when it walked the listens' graph
TRUTH_SOURCES = ("playlists", "listens")  # where neighbour ground truth comes from


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


def scores_as_trained(spec: SpaceSpec) -> bool:
    """Whether refitting on held-out listens is the method the run used: a graph walked on
    crawled edges is refitted on the co-listening graph, so only its settings are scored."""
    if spec.space == "graph":
        return spec.params.get("edges", COLISTENING) == COLISTENING
    if spec.space == "hybrid":
        return all(scores_as_trained(SpaceSpec(name, component["params"]))
                   for name, component in spec.params["components"].items())
    return True


def run_spec(run: RunRecord) -> SpaceSpec:
    return SpaceSpec(run.space, run.params, run.run_id)


def default_spec(space: str) -> SpaceSpec:
    defaults = {"graph": GraphParams(), "cf": CfParams()}
    return SpaceSpec(space, defaults[space].to_dict())


def hybrid_spec(params: HybridParams, components: dict[str, SpaceSpec]) -> SpaceSpec | None:
    """A hybrid over the weighted `components`; None when fewer than two are there."""
    used = {name: spec for name, spec in components.items() if params.weights.get(name, 0) > 0}
    if len(used) < 2:
        return None
    return SpaceSpec("hybrid", params.to_dict() | {
        "components": {name: {"run_id": spec.run_id, "params": spec.params}
                       for name, spec in used.items()},
    })


def space_specs(active: dict[str, RunRecord]) -> tuple[dict[str, SpaceSpec], dict[str, str]]:
    """What to score for each space, and why the others cannot be scored."""
    specs: dict[str, SpaceSpec] = {}
    missing: dict[str, str] = {}
    for space in ("graph", "cf"):
        specs[space] = run_spec(active[space]) if space in active else default_spec(space)
    if "playlist" in active:
        specs["playlist"] = run_spec(active["playlist"])
    else:
        missing["playlist"] = "not trained (`sage train playlist`)"
    if "hybrid" in active:
        specs["hybrid"] = run_spec(active["hybrid"])
    elif (spec := hybrid_spec(HybridParams(), specs)) is not None:
        specs["hybrid"] = spec
    else:
        missing["hybrid"] = "fewer than two of its spaces can be scored"
    return specs, missing


@dataclass(frozen=True)
class AllReport:
    split: dict  # HeldoutSettings.describe
    specs: dict[str, SpaceSpec]  # what was scored for each space
    evaluations: dict[str, Evaluation]  # space or baseline -> held-out score
    unavailable: dict[str, str]  # space -> why it has no score
    truths: dict[str, RelatedArtists]  # source -> ground truth; a missing source is absent
    overlap: dict[str, dict[str, dict[str, GroupOverlap]]]  # space -> source -> group
    notes: list[str]  # what a reader of the table should know


def evaluate_all(
    store_path: Path,
    settings: HeldoutSettings,
    *,
    workers: int,
    baselines: bool = True,
) -> AllReport:
    with Store.open(store_path, read_only=True) as store:
        listens = load_listens(store)
        active = active_runs(store)
        playlists = playlist_truth(store)
        stored = {
            space: _artist_vectors(store, space) for space in SPACES
            if space in active and active[space].entity_kind == "artist"
        }
    split = settings.split(listens)
    specs, unavailable = space_specs(active)
    models = HeldoutModels(store_path, seed=settings.seed, workers=workers)
    evaluations = {}
    for space in SPACES:
        if space in specs:
            log.info("scoring the %s space", space)
            evaluations[space] = evaluate(models.recommender(specs[space]), split,
                                          k=settings.k, n_head=settings.head)
    if baselines:
        evaluations |= evaluate_baselines(split, k=settings.k, n_head=settings.head,
                                          seed=settings.seed).evaluations

    truths = {"listens": listening_truth(listens)}
    if playlists is not None:
        truths["playlists"] = playlists
    overlap = overlap_table(
        {space: (vectors, truth_sources(specs[space])) for space, vectors in stored.items()},
        truths, listens,
    )
    notes = [f"{space} run {spec.run_id} is scored with its settings on the co-listening "
             "graph (it walked crawled edges); its figures are not stored"
             for space, spec in specs.items()
             if spec.run_id is not None and not scores_as_trained(spec)]
    notes += [f"{space}: no run, scored at its default settings"
              for space, spec in specs.items() if spec.run_id is None]
    return AllReport(settings.describe(split), specs, evaluations, unavailable, truths,
                     overlap, notes)


def _artist_vectors(store: Store, space: str) -> ArtistVectors:
    vectors = load_space(store, space)
    return ArtistVectors.sorted(vectors.entity_ids, vectors.matrix)


def format_report(report: AllReport) -> str:
    lines = [format_table(report.evaluations)]
    lines += [f"{space:<20} n/a: {why}" for space, why in report.unavailable.items()]
    lines += ["", _format_overlap(report), *report.notes]
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
              for space in SPACES if space not in report.overlap]
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
        "notes": report.notes,
    }
