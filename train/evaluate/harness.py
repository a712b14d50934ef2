"""Running recommenders through a holdout split: fit, ask, score, time.

Any model that can `fit` on listens and answer a batch of like-lists takes the same
test, so the graph model and the baselines are compared on identical cases.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
from tqdm import tqdm

from engine.discovery import LONG_TAIL_AFTER
from store.catalog import Listens
from train.evaluate.baselines import (
    ALS_GRID,
    EASE_GRID,
    RP3_GRID,
    AlsParams,
    AlsRecommender,
    EaseParams,
    EaseRecommender,
    ItemItemRecommender,
    PopularityRecommender,
    Rp3BetaRecommender,
    Rp3Params,
)
from train.evaluate.metrics import LIFT_TOP, Metrics, head_artists, score
from train.evaluate.split import HoldoutSplit, validation_split

log = logging.getLogger(__name__)

# Queries answered per call: bounds the dense (queries x artists) score matrices.
BATCH_SIZE = 256


class Recommender(Protocol):
    """What the holdout test needs from a model; the baselines and the graph model fit it."""

    def fit(self, train: Listens) -> None:
        """Learns from the training listens; called once before any recommendation."""

    def recommend_many(self, likes: np.ndarray, k: int) -> np.ndarray:
        """For each row of liked artist ids (n x n_likes), the k best other artist ids,
        best first (n x k); NO_ARTIST pads a row when fewer than k can be offered."""


@dataclass(frozen=True)
class Evaluation:
    metrics: Metrics
    fit_seconds: float
    recommend_seconds: float


def evaluate(
    recommender: Recommender, split: HoldoutSplit, *, k: int = 20, n_head: int = LONG_TAIL_AFTER
) -> Evaluation:
    """Fits `recommender` on the split's training listens and scores its answers."""
    started = time.perf_counter()
    recommender.fit(split.train)
    fitted = time.perf_counter()

    batches = range(0, split.n_cases, BATCH_SIZE)
    recommended = np.vstack(
        [
            recommender.recommend_many(split.likes[start : start + BATCH_SIZE], k)
            for start in tqdm(batches, desc="recommending", unit="batch", leave=False)
        ]
    )
    answered = time.perf_counter()
    if recommended.shape != (split.n_cases, k):
        raise ValueError(f"expected {split.n_cases} x {k} recommendations, got {recommended.shape}")

    metrics = score(recommended, split, head_artists(split.train, n_head))
    return Evaluation(metrics, fit_seconds=fitted - started, recommend_seconds=answered - fitted)


Params = TypeVar("Params")


def tune(
    make: Callable[[Params], Recommender],
    grid: Sequence[Params],
    validation: HoldoutSplit,
    *,
    k: int = 20,
) -> list[tuple[Params, Evaluation]]:
    """Every setting in `grid` evaluated on `validation`, best precision@k first."""
    results = [
        (params, evaluate(make(params), validation, k=k))
        for params in tqdm(grid, desc="tuning", unit="setting")
    ]
    results.sort(key=lambda result: -result[1].metrics.precision)
    best, evaluation = results[0]
    log.info(
        "best of %d settings: %s (validation P@%d %.4f)",
        len(grid), best, k, evaluation.metrics.precision,
    )
    return results


@dataclass(frozen=True)
class BaselineReport:
    evaluations: dict[str, Evaluation]  # baseline name -> score on the test cases
    als_tuning: list[tuple[AlsParams, Evaluation]]  # on the validation split, best first
    rp3_tuning: list[tuple[Rp3Params, Evaluation]]  # the same for RP3beta
    ease_tuning: list[tuple[EaseParams, Evaluation]]  # and for EASE^R

    def chosen(self) -> str:
        """The settings the tuned baselines were scored with, in one line."""
        als, rp3, ease = self.als_tuning[0][0], self.rp3_tuning[0][0], self.ease_tuning[0][0]
        return (f"chosen on a validation split of training users: ALS {als.factors} factors, "
                f"regularization {als.regularization:g}, alpha {als.alpha:g} ({als.weighting}); "
                f"RP3beta alpha {rp3.alpha:g}, beta {rp3.beta:g}; EASE^R lambda {ease.l2:g}")

    @property
    def als_params(self) -> AlsParams:
        return self.als_tuning[0][0]


def evaluate_baselines(
    split: HoldoutSplit,
    *,
    k: int = 20,
    n_head: int = LONG_TAIL_AFTER,
    seed: int = 0,
    als_grid: Sequence[AlsParams] = ALS_GRID,
    rp3_grid: Sequence[Rp3Params] = RP3_GRID,
    ease_grid: Sequence[EaseParams] = EASE_GRID,
) -> BaselineReport:
    """Popularity, item-item cosine, ALS, RP3beta and EASE^R scored on `split`. The last
    three get the best setting of their grid on a validation split drawn (with seed + 1)
    from the training users, never the test users."""
    validation = validation_split(split, seed=seed + 1)
    als_tuning = tune(lambda params: AlsRecommender(params, seed=seed), als_grid, validation,
                      k=k)
    rp3_tuning = tune(Rp3BetaRecommender, rp3_grid, validation, k=k)
    ease_tuning = tune(EaseRecommender, ease_grid, validation, k=k)
    recommenders: dict[str, Recommender] = {
        "popularity": PopularityRecommender(),
        "item-item cosine": ItemItemRecommender(),
        "ALS": AlsRecommender(als_tuning[0][0], seed=seed),
        "RP3beta": Rp3BetaRecommender(rp3_tuning[0][0]),
        "EASE^R": EaseRecommender(ease_tuning[0][0]),
    }
    evaluations = {}
    for name, recommender in recommenders.items():
        evaluations[name] = evaluate(recommender, split, k=k, n_head=n_head)
        metrics = evaluations[name].metrics
        log.info(
            "%s: P@%d %.4f, R@%d %.4f, tail recall %.4f",
            name, k, metrics.precision, k, metrics.recall, metrics.tail_recall,
        )
    return BaselineReport(evaluations, als_tuning, rp3_tuning, ease_tuning)


def describe_split(split: HoldoutSplit) -> str:
    """Who was tested and who was skipped, in one line."""
    n_likes = split.likes.shape[1]
    return (
        f"{split.n_cases} test users ({split.n_cases / split.n_eligible_users:.0%} of the "
        f"{split.n_eligible_users} with more than {n_likes} artists; {split.n_skipped_users} "
        f"users with {n_likes} or fewer skipped), {n_likes} likes each, "
        f"{len(split.target_artists)} hidden targets"
    )


def format_table(evaluations: Mapping[str, Evaluation]) -> str:
    """One line per model: accuracy (P@k, R@k, tail recall), discovery (popularity lift,
    coverage), seconds spent; then what was counted."""
    first = next(iter(evaluations.values())).metrics
    k = first.k
    lines = [f"{'model':<24} {f'P@{k}':>7} {f'R@{k}':>7} {'tail R':>7} {'lift':>6} "
             f"{'cover':>6} {'fit s':>8} {'ask s':>8}"]
    for name, evaluation in evaluations.items():
        m = evaluation.metrics
        tail = "n/a" if math.isnan(m.tail_recall) else f"{m.tail_recall:.4f}"
        lift = "n/a" if math.isnan(m.popularity_lift) else f"{m.popularity_lift:.2f}"
        lines.append(
            f"{name:<24} {m.precision:>7.4f} {m.recall:>7.4f} {tail:>7} {lift:>6} "
            f"{m.coverage:>6,} {evaluation.fit_seconds:>8.2f} {evaluation.recommend_seconds:>8.2f}"
        )
    lines.append(
        f"means over {first.n_cases} test users; tail recall over the {first.n_tail_cases} "
        f"with a target outside the {first.n_head_artists} most-listened artists; lift: "
        f"median over users of the median listeners of the first {LIFT_TOP} answers over the "
        "likes' (1: as well known as the likes); cover: distinct artists in all the answers"
    )
    return "\n".join(lines)
