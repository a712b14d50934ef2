"""Every setting of the graph method, in one light module.

Kept apart from the code that runs them so that the CLI can show their defaults without
importing gensim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from engine.novelty import POPULARITY_PRIOR
from store.errors import UserError


class GraphParamsError(UserError):
    """A graph setting outside the range it means something in."""


def _check(rules: list[tuple[bool, str, object]]) -> None:
    for ok, rule, value in rules:
        if not ok:
            raise GraphParamsError(f"{rule}, not {value!r}")


@dataclass(frozen=True)
class RelatedGraphParams:
    """How the related-artists graph is built: co-listening (train.graph.colisten), mixed
    with shared tags (train.graph.related)."""

    neighbours: int = 100  # strongest co-listening out-edges each artist keeps
    measure: Literal["cosine", "transition"] = "transition"
    # How a play count counts: every listener once ("binary"), or log(1 + plays), which
    # lets devotion count without letting one obsessive dominate.
    weighting: Literal["binary", "log"] = "log"
    popularity_penalty: float = 0.0  # beta, for the transition measure only
    # Share of each tagged artist's out-weight that goes to its tag neighbours: tags
    # reach the long tail that few listeners connect.
    tag_share: float = 0.2
    tag_neighbours: int = 50  # strongest tag-similar artists each artist keeps

    def __post_init__(self) -> None:
        _check([
            (self.neighbours >= 1, "neighbours must be 1 or more", self.neighbours),
            (0 <= self.tag_share <= 1, "the tag share must be 0 to 1", self.tag_share),
            (self.tag_neighbours >= 1, "tag neighbours must be 1 or more", self.tag_neighbours),
        ])


@dataclass(frozen=True)
class Word2VecParams:
    """gensim Word2Vec settings; the defaults are SAGE's (CBOW, 100 dimensions) and
    gensim's own for what SAGE did not state."""

    sg: int = 0  # 0: CBOW, as in SAGE; 1: skip-gram
    vector_size: int = 100
    window: int = 5
    negative: int = 5
    ns_exponent: float = 0.75
    epochs: int = 5
    min_count: int = 1  # every node in the corpus gets a vector
    sample: float = 1e-3  # downsampling of frequent tokens, i.e. of hubs
    alpha: float = 0.025


@dataclass(frozen=True)
class WalkParams:
    walks_per_node: int = 10
    walk_length: int = 60
    # Uniform steps are SAGE as published; weighted steps follow edge similarity (a
    # Markov chain), the author's stated future work.
    weighted: bool = True

    def __post_init__(self) -> None:
        _check([
            (self.walks_per_node >= 1, "walks per node must be 1 or more", self.walks_per_node),
            (self.walk_length >= 1, "the walk length must be 1 or more", self.walk_length),
        ])


@dataclass(frozen=True)
class GraphParams:
    graph: RelatedGraphParams = field(default_factory=RelatedGraphParams)
    walks: WalkParams = field(default_factory=WalkParams)
    word2vec: Word2VecParams = field(default_factory=Word2VecParams)
    # How the engine ranks with this space (engine.novelty, engine.graph_step), chosen
    # on the validation split by bench/graph_tuning.py.
    popularity_prior: float = 1.0
    step_weight: float = 2.0

    def __post_init__(self) -> None:
        _check([(self.step_weight >= 0, "the step weight must be 0 or more", self.step_weight)])

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> GraphParams:
        return cls(
            # Runs from before tags joined the graph had none.
            graph=RelatedGraphParams(**({"tag_share": 0.0} | params["graph"])),
            walks=WalkParams(**params["walks"]),
            word2vec=Word2VecParams(**params["word2vec"]),
            # And were served with the engine's default prior and no graph step.
            popularity_prior=params.get("popularity_prior", POPULARITY_PRIOR),
            step_weight=params.get("step_weight", 0.0),
        )


