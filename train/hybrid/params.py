"""The settings of the hybrid space, in one light module.

The components and their weights were chosen by the bar of the playlist issue: beat every
single space and baseline on precision@20 and tail recall at once, pooled over three
validation splits of the bundled Last.fm data (seeds 1-3, drawn from the training part
of the held-out test; `python bench/cf_hybrid_tuning.py`): cf and graph halves. Near the
top cf's weight (0.5 or 0.7) was a choice among equals. Settings that need the MPD
playlist space were not eligible, as the bundled store has none.

The ranking was then chosen for discovery (`python bench/discovery_tuning.py`, the same
splits): of the priors, graph steps and discovery slots whose answers are at most 2.5
times as well known as the likes (popularity lift) and find at least 0.05 of the
long-tail targets, the most precise: prior 0.3, step 0.5, slots 0.25 + 0.2, at 0.298
precision@20, 0.050 tail recall, lift 2.2. The most precise ranking found (prior 1.0,
step 1, slots 0.1 + 0.1: 0.367, 0.034, 5.0) answered with bands five times as well known
as the likes; every setting lies on one frontier between the two, so the default gives
up precision for discovery, and `novelty -1` ("play it safe") reaches the precise end:
the safe prior 1.0 without slots, 0.383 on validation.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.discovery import Discovery
from engine.ranking import Ranking
from store.errors import UserError
from train.settings import POPULARITY_PRIOR_HELP, Settings, setting

# Spaces the hybrid can combine; an untrained one is left out and the others' weights
# are scaled up to the same total.
COMPONENTS = ("cf", "graph", "playlist")


def _default_weights() -> dict[str, float]:
    return {"cf": 0.5, "graph": 0.5, "playlist": 0.0}


class HybridParamsError(UserError):
    """Weights that name an unknown space or give nothing any weight."""


@dataclass(frozen=True)
class HybridParams(Settings):
    # Share of each space in the hybrid's cosine: for an artist in every space, the
    # cosine of two hybrid vectors is the weighted mean of the spaces' cosines.
    weights: dict[str, float] = setting(
        factory=_default_weights, help="share of the {} space (0 leaves it out)",
        per_key="--{}-weight")
    popularity_prior: float = setting(0.3, POPULARITY_PRIOR_HELP)
    safe_popularity_prior: float = setting(
        1.0, "popularity prior at novelty -1 ('play it safe'): the most precise on validation")
    # L2 penalty of the linear maps that predict a space's vector of an artist it lacks
    # from the spaces that have it.
    ridge: float = setting(1.0, "L2 penalty of the maps that predict a space's missing vectors")
    step_weight: float = setting(
        0.5, "weight in ranking of one step on the graph component's graph (0: cosine and "
        "popularity only)")
    # Places of each answer kept for long-tail bands: this share, plus discovery_tail_taste
    # times the share of the likes in the long tail (engine.discovery).
    discovery_share: float = setting(
        0.25, "share of every answer kept for long-tail bands (outside the 500 most listened)")
    discovery_tail_taste: float = setting(
        0.2, "more share kept for them, times the share of the likes that are long-tail bands")

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(COMPONENTS)
        if unknown:
            raise HybridParamsError(
                f"the hybrid combines {', '.join(COMPONENTS)}, not {', '.join(sorted(unknown))}"
            )
        if any(weight < 0 for weight in self.weights.values()) or not any(
            weight > 0 for weight in self.weights.values()
        ):
            raise HybridParamsError(
                f"weights must be 0 or more, and at least one more than 0: {self.weights}"
            )
        if self.step_weight < 0:
            raise HybridParamsError(f"the step weight must be 0 or more, not {self.step_weight}")
        try:
            self.discovery
        except ValueError as error:
            raise HybridParamsError(str(error)) from None

    @property
    def discovery(self) -> Discovery:
        return Discovery(self.discovery_share, self.discovery_tail_taste)

    @classmethod
    def from_dict(cls, params: dict) -> HybridParams:
        ranking = Ranking.of_run(params)
        return cls(weights=dict(params["weights"]), popularity_prior=ranking.popularity_prior,
                   safe_popularity_prior=ranking.prior_at(-1),
                   ridge=params["ridge"], step_weight=ranking.step_weight,
                   discovery_share=ranking.discovery.share,
                   discovery_tail_taste=ranking.discovery.tail_taste)
