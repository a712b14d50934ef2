"""`sage train all`: retrain every space in dependency order; keep only runs that hold up.

Each kind of space (train.kinds) is trained as a new, inactive run with the settings of
its active run (the defaults when it has none), scored, and then activated only if it
does not fall behind the active run by more than a tolerance on any measure the two
share; `force` activates regardless. Artist spaces are scored on the held-out taste
test; a kind that takes none is compared on its own metrics (audio: its held-out files),
or not at all (track vectors). A space is trained after those it learns from, so the
hybrid is built from the runs that passed their gates. Spaces whose data is missing (no
playlists for tracks, no audio files) are skipped. This is what maintainers run on a
schedule; the log says what happened to each space and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from store import Store
from store.catalog import load_listens
from store.errors import UserError
from store.runs import RunRecord, activate_run, active_runs
from train.evaluate.report import HeldoutSettings, heldout_figures, score_and_record
from train.evaluate.spaces import HeldoutModels, SpaceSpec
from train.gate import DEFAULT_TOLERANCE, Decision, gate
from train.kinds import training_order

log = logging.getLogger(__name__)


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

    def scored(run: RunRecord) -> dict:
        """A new run's held-out figures, stored in its record; {} when refitting it on
        the split would not be the method it used."""
        spec = SpaceSpec.of_run(run)
        if not spec.scores_as_trained:
            return {}
        evaluation, _ = score_and_record(store_path, models, spec, split, settings)
        return heldout_figures(evaluation, settings.describe(split))

    outcomes = []
    for kind in training_order():
        with Store.open(store_path) as store:
            active = active_runs(store).get(kind.name)
            request = kind.request(active, seed=seed, workers=workers)
            skipped = kind.unavailable(store, request.params)
        if skipped is not None:
            log.info("%s: skipped: %s", kind.name, skipped)
            outcomes.append(Outcome(kind.name, None, None, {}, skipped))
            continue
        log.info("%s: training a new run with %s", kind.name,
                 f"run {active.run_id}'s settings" if active else "the default settings")
        run = kind.train(store_path, request)
        if kind.heldout:
            new, measures = scored(run), heldout_measures
            old = active.metrics.get("heldout", {}) if active else None
        else:
            new, measures = run.metrics, kind.gate_measures
            old = active.metrics if active else None
        decision = gate(new, old, measures, tolerance=tolerance, force=force)
        if decision.activate:
            with Store.open(store_path) as store:
                activate_run(store, run.run_id)
            log.info("%s: run %d activated (%s)", kind.name, run.run_id, decision.reason)
        else:
            log.warning("%s: run %d not activated, run %d stays active: %s (--force to "
                        "override)", kind.name, run.run_id, active.run_id, decision.reason)
        outcomes.append(Outcome(kind.name, run, decision, new))
    return outcomes


def describe(outcome: Outcome) -> str:
    """One line per space for the CLI."""
    if outcome.run is None:
        return f"{outcome.space}: skipped ({outcome.skipped})"
    verdict = "activated" if outcome.decision.activate else "not activated"
    return f"{outcome.space}: run {outcome.run.run_id} {verdict}: {outcome.decision.reason}"
