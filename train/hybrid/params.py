"""The settings of the hybrid space, in one light module.

Weights and prior chosen on three validation splits of the bundled Last.fm data with the
MPD slice's playlist space (bench/cf_hybrid_tuning.py): the setting closest to beating
every single space and baseline on precision@20 and tail recall at once, i.e. with the
largest min(P@20 / best single P@20, tail recall / best single tail recall). cf carries
the precision; a little graph and playlist lift tail recall; settings within 0.01 of the
chosen one span cf 0.5-0.8 at prior 0.6.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from store.errors import UserError

# Spaces the hybrid can combine; an untrained one is left out and the others' weights
# are scaled up to the same total.
COMPONENTS = ("cf", "graph", "playlist")


def _default_weights() -> dict[str, float]:
    return {"cf": 0.8, "graph": 0.1, "playlist": 0.1}


class HybridParamsError(UserError):
    """Weights that name an unknown space or give nothing any weight."""


@dataclass(frozen=True)
class HybridParams:
    # Share of each space in the hybrid's cosine: for an artist in every space, the
    # cosine of two hybrid vectors is the weighted mean of the spaces' cosines.
    weights: dict[str, float] = field(default_factory=_default_weights)
    popularity_prior: float = 0.6  # the engine's prior for this space
    # L2 penalty of the linear maps that predict a space's vector of an artist it lacks
    # from the spaces that have it.
    ridge: float = 1.0

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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> HybridParams:
        return cls(weights=dict(params["weights"]), popularity_prior=params["popularity_prior"],
                   ridge=params["ridge"])
