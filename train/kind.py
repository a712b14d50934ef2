"""A kind of space: everything Sage knows about one way of learning vectors, in one place.

Each kind (train/<method>/kind.py) says what it is called and what it is built after,
its settings (train.settings: they make their own flags and read themselves back from a
run), how it trains, what it learns from, and how the held-out taste test scores it.
`sage train`, `sage train all`, `sage eval --all` and the report loop over the registry
(train.kinds) and never compare space names, so a new space is one module and one line
there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from store import Store
from store.runs import RunRecord
from train.settings import Settings

if TYPE_CHECKING:  # the held-out test's types; the kind imports them only to be scored
    from train.evaluate.spaces import HeldoutModels, SpaceSpec
    from train.vectors import VectorModel

LISTENS, PLAYLISTS = "listens", "playlists"  # what a space can learn from


@dataclass(frozen=True)
class TrainRequest:
    """A run to train: the kind's settings, its run options (seed, source, ...), and how."""

    params: Settings
    run: Settings
    workers: int
    activate: bool


class SpaceKind(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]  # one line for `sage train --help`
    description: ClassVar[str]  # for `sage train NAME --help`
    entity_kind: ClassVar[str] = "artist"
    # Spaces whose active runs this one learns from: trained first by `sage train all`.
    after: ClassVar[tuple[str, ...]] = ()
    # Whether the held-out taste test scores it (artist spaces), and so decides with its
    # figures whether `sage train all` activates a new run; where it does not, the
    # gate compares these of the runs' own metrics (higher is better), if any.
    heldout: ClassVar[bool] = True
    gate_measures: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[Settings]  # the default settings
    run: ClassVar[Settings]  # the default run options
    workers_help: ClassVar[str | None] = None  # what --workers means for it; None: no flag

    # Training.

    def unavailable(self, store: Store, params: Settings) -> str | None:
        """Why a run with `params` cannot be trained from this store now (None: it can)."""
        return None

    def request(self, active: RunRecord | None, *, seed: int, workers: int) -> TrainRequest:
        """The next run of `sage train all`: the active run's settings, else the defaults
        with `seed`."""
        if active is None:
            run = type(self.run).from_dict({"seed": seed})
            return TrainRequest(self.params, run, workers, activate=False)
        return TrainRequest(type(self.params).from_dict(active.params),
                            type(self.run).from_dict(active.params), workers, activate=False)

    @abstractmethod
    def train(self, store_path: Path, request: TrainRequest) -> RunRecord | None:
        """Train and record a run (None: another process of a group records it)."""

    def describe(self, run: RunRecord) -> str:
        """What the CLI says about a new run."""
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in run.timings.items())
        return f"{run.space} run {run.run_id}: {run.dim} dims ({stages})"

    # The held-out taste test (heldout kinds only).

    def learns_from(self, params: dict) -> frozenset[str]:
        """LISTENS and/or PLAYLISTS: the neighbour test's ground truth must come from a
        source the space did not learn from, and only a space that learns from listens is
        fitted again on the test's training listens."""
        return frozenset({LISTENS})

    def scores_as_trained(self, params: dict) -> bool:
        """Whether refitting on held-out listens is the method the run used (its figures
        may then be stored with it)."""
        return True

    def untrained(self, specs: dict[str, SpaceSpec]) -> SpaceSpec | str:
        """What the held-out test scores with no trained run (given what it scores for the
        spaces before this one), or why it scores nothing."""
        return f"not trained (`sage train {self.name}`)"

    def heldout_model(self, spec: SpaceSpec, models: HeldoutModels) -> VectorModel:
        """The space as a function of the test's training listens."""
        raise NotImplementedError(f"the {self.name} space takes no held-out test")
