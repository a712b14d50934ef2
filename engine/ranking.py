"""How a space ranks: the settings a run records for the engine, decoded in one place.

Every space's run records how its answers are ranked next to how it was trained, as
flat keys of its params (they are chosen on validation per space, with the training
settings): `popularity_prior` and `safe_popularity_prior` (engine.novelty), `step_weight`
(engine.graph_step), `discovery_share` and `discovery_tail_taste` (engine.discovery). A
run with a step walks a graph: a graph run its own, a hybrid its graph component's. Runs
recorded before a setting existed were served without it, and `Ranking.of_run` gives
them that meaning; nothing else reads these keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.discovery import Discovery
from engine.novelty import POPULARITY_PRIOR, prior_weight


@dataclass(frozen=True)
class Ranking:
    popularity_prior: float = POPULARITY_PRIOR
    step_weight: float = 0.0  # of one step on `graph_run`'s graph; 0: no step
    discovery: Discovery = Discovery()
    graph_run: int | None = None  # the run whose related-artists graph the step walks
    # The prior at novelty -1 ("play it safe"); None: twice the default one, what -1
    # meant before runs recorded a safe prior.
    safe_popularity_prior: float | None = None

    def __post_init__(self) -> None:
        if self.step_weight < 0:
            raise ValueError(f"the step weight must be 0 or more, not {self.step_weight}")

    def prior_at(self, novelty: float) -> float:
        """The popularity prior's weight at this novelty (engine.novelty)."""
        safe = (self.safe_popularity_prior if self.safe_popularity_prior is not None
                else 2 * self.popularity_prior)
        return prior_weight(novelty, self.popularity_prior, safe)

    def discovery_at(self, novelty: float) -> Discovery:
        """The discovery slots at this novelty: the run's from 0 up, fewer below, none at
        -1, where playing it safe keeps no places for the long tail."""
        if novelty >= 0:
            return self.discovery
        keep = 1 + novelty
        return Discovery(self.discovery.share * keep, self.discovery.tail_taste * keep,
                         self.discovery.after)

    @classmethod
    def of_run(cls, params: dict, run_id: int | None = None) -> Ranking:
        """The ranking of run `run_id` with `params` (or of settings not yet trained:
        run_id None)."""
        step_weight = params.get("step_weight", 0.0)
        graph_run = None
        if step_weight:
            components = params.get("components")
            graph_run = (run_id if components is None
                         else components.get("graph", {}).get("run_id"))
        return cls(
            popularity_prior=params.get("popularity_prior", POPULARITY_PRIOR),
            safe_popularity_prior=params.get("safe_popularity_prior"),
            step_weight=step_weight if graph_run is not None or run_id is None else 0.0,
            discovery=Discovery(params.get("discovery_share", 0.0),
                                params.get("discovery_tail_taste", 0.0)),
            graph_run=graph_run,
        )
