"""The hybrid space (the trained spaces side by side) as a kind of space (train.kind)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from store import Store
from store.runs import RunRecord
from train.hybrid.params import COMPONENTS, HybridParams
from train.kind import SpaceKind, TrainRequest
from train.settings import Settings


@dataclass(frozen=True)
class HybridRun(Settings):
    """A hybrid learns nothing itself: no seed, no source."""


class HybridKind(SpaceKind):
    name = "hybrid"
    summary = "combine the trained cf, graph and playlist spaces into one"
    description = (
        "Put the active runs of the component spaces side by side: each artist's unit "
        "vectors, scaled so that the hybrid cosine is the weighted mean of the spaces' "
        "cosines. An artist a space lacks gets that part predicted from the spaces it is in "
        "(ridge regression fitted on the artists both share); so do the artists the active "
        "audio run placed by sound, when it was trained against a component's active run. "
        "Untrained components are left out. Defaults are the settings chosen on validation "
        "(bench/cf_hybrid_tuning.py)."
    )
    # Built from its components' active runs, and from the artists the audio run placed.
    after = (*COMPONENTS, "audio")
    params = HybridParams()
    run = HybridRun()

    def unavailable(self, store: Store, params: Settings) -> str | None:
        from train.hybrid.space import active_components

        components = active_components(store, params)
        if len(components) < 2:
            return (f"fewer than two of its spaces are trained "
                    f"({', '.join(components) or 'none'})")
        return None

    def train(self, store_path: Path, request: TrainRequest) -> RunRecord:
        from train.hybrid.space import train_hybrid_space

        return train_hybrid_space(store_path, request.params, activate=request.activate)

    def describe(self, run: RunRecord) -> str:
        parts = ", ".join(f"{name} run {component['run_id']}"
                          for name, component in run.params["components"].items())
        return f"hybrid run {run.run_id}: {run.dim} dims from {parts}"

    def learns_from(self, params: dict) -> frozenset[str]:
        from train.kinds import kind

        return frozenset().union(*(kind(name).learns_from(component["params"])
                                   for name, component in params["components"].items()))

    def scores_as_trained(self, params: dict) -> bool:
        from train.kinds import kind

        return all(kind(name).scores_as_trained(component["params"])
                   for name, component in params["components"].items())

    def untrained(self, specs):
        """At its defaults over the components the test can score, when two of them are."""
        from train.evaluate.spaces import SpaceSpec

        used = {name: spec for name, spec in specs.items()
                if self.params.weights.get(name, 0) > 0}
        if len(used) < 2:
            return "fewer than two of its spaces can be scored"
        return SpaceSpec(self.name, self.params.to_dict() | {
            "components": {name: {"run_id": spec.run_id, "params": spec.params}
                           for name, spec in used.items()},
        })

    def heldout_model(self, spec, models):
        from train.evaluate.spaces import FitOnce, SpaceSpec
        from train.hybrid.heldout import HybridModel

        components = {
            name: models.model(SpaceSpec(name, component["params"], component["run_id"]))
            for name, component in spec.params["components"].items()
        }
        return FitOnce(HybridModel(components, HybridParams.from_dict(spec.params)))
