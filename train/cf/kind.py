"""The cf space (implicit-feedback ALS factors) as a kind of space (train.kind)."""

from __future__ import annotations

from pathlib import Path

from store.runs import RunRecord
from train.cf.params import CfParams, CfRun
from train.kind import SpaceKind, TrainRequest


class CfKind(SpaceKind):
    name = "cf"
    summary = "collaborative filtering: implicit-feedback factors of who listens to what"
    description = (
        "Factorise the user x artist listening matrix with implicit-feedback ALS (Hu, Koren "
        "& Volinsky; the `implicit` library): each artist gets a factor vector, the latent "
        "factors the audio model learns to predict. Defaults are the settings chosen on "
        "validation (bench/cf_hybrid_tuning.py)."
    )
    params = CfParams()
    run = CfRun()

    def train(self, store_path: Path, request: TrainRequest) -> RunRecord:
        from train.cf.space import train_cf_space

        return train_cf_space(store_path, request.params, seed=request.run.seed,
                              activate=request.activate)

    def describe(self, run: RunRecord) -> str:
        return f"cf run {run.run_id}: {run.dim} factors in {run.timings['factorise']:.1f}s"

    def untrained(self, specs):
        from train.evaluate.spaces import SpaceSpec

        return SpaceSpec(self.name, self.params.to_dict())

    def heldout_model(self, spec, models):
        from train.cf.factors import CfFactors
        from train.evaluate.spaces import FitOnce

        return FitOnce(CfFactors(CfParams.from_dict(spec.params), seed=models.seed))
