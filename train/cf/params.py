"""The settings of the cf space, in one light module (the CLI shows them without implicit).

Defaults chosen on three validation splits of the bundled Last.fm data
(bench/cf_hybrid_tuning.py), ranking as the engine serves: each setting of the grid at
its prior (below), the most precise one. Weak regularisation keeps rare artists apart
instead of pulling them onto popular ones: at regularisation 100 (the ALS baseline's
best) tail recall collapses under any prior.
"""

from __future__ import annotations

from dataclasses import dataclass

from train.settings import POPULARITY_PRIOR_HELP, Settings, setting


@dataclass(frozen=True)
class CfParams(Settings):
    factors: int = setting(32, "vector dimensions")
    regularization: float = setting(
        1.0, "L2 penalty on the factors (larger pulls rare artists toward the rest)")
    # Confidence of an observed listen is 1 + alpha * log(1 + plays) (Hu, Koren & Volinsky).
    alpha: float = setting(1.0, "confidence of a listen: 1 + alpha * log(1 + plays)")
    iterations: int = setting(15, "alternating least-squares sweeps")
    # The engine's prior for this space: the largest that keeps the cosine-only model's
    # validation tail recall (the rule that set the graph space's 0.5).
    popularity_prior: float = setting(0.5, POPULARITY_PRIOR_HELP)


@dataclass(frozen=True)
class CfRun(Settings):
    seed: int = setting(0, "seed of the initial factors")
