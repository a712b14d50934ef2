"""Every setting of the graph method, in one light module.

Kept apart from the code that runs them so that the CLI can show their defaults without
importing gensim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.ranking import Ranking
from store.errors import UserError
from train.settings import POPULARITY_PRIOR_HELP, Settings, group, setting

COLISTENING = "colisten"  # a graph run's "edges" when it walked the listens' graph


class GraphParamsError(UserError):
    """A graph setting outside the range it means something in."""


def _check(rules: list[tuple[bool, str, object]]) -> None:
    for ok, rule, value in rules:
        if not ok:
            raise GraphParamsError(f"{rule}, not {value!r}")


@dataclass(frozen=True)
class RelatedGraphParams(Settings):
    """How the related-artists graph is built: co-listening (train.graph.colisten), mixed
    with shared tags (train.graph.related)."""

    neighbours: int = setting(100, "strongest co-listened neighbours each artist keeps")
    measure: Literal["cosine", "transition"] = setting(
        "transition", "edge strength: the chance a listener of one artist plays the other "
        "(transition, directed) or the cosine of their listener vectors",
        choices=["transition", "cosine"])
    # How a play count counts: every listener once ("binary"), or log(1 + plays), which
    # lets devotion count without letting one obsessive dominate.
    weighting: Literal["binary", "log"] = setting(
        "log", "a listener counts once (binary) or by log(1 + plays)", choices=["binary", "log"])
    popularity_penalty: float = setting(
        0.0, "divide transition strengths by listeners^this, leaning walks toward the long "
        "tail (0: off)")
    # Share of each tagged artist's out-weight that goes to its tag neighbours: tags
    # reach the long tail that few listeners connect.
    tag_share: float = setting(
        0.2, "share of a tagged artist's edge weight that goes to the artists sharing its "
        "tags (0: co-listening only)")
    tag_neighbours: int = setting(50, "strongest tag-similar artists each artist keeps")

    def __post_init__(self) -> None:
        _check([
            (self.neighbours >= 1, "neighbours must be 1 or more", self.neighbours),
            (0 <= self.tag_share <= 1, "the tag share must be 0 to 1", self.tag_share),
            (self.tag_neighbours >= 1, "tag neighbours must be 1 or more", self.tag_neighbours),
        ])


@dataclass(frozen=True)
class Word2VecParams(Settings):
    """gensim Word2Vec settings; the defaults are SAGE's (CBOW, 100 dimensions) and
    gensim's own for what SAGE did not state. Every word2vec space takes them: its words
    are artists (or tracks), its sentences walks or playlists."""

    sg: int = setting(0, "word2vec's architecture (SAGE's and Artist2Vec's published choice: "
                      "CBOW)", flag="--model", choices={"skip-gram": 1, "cbow": 0})
    vector_size: int = setting(100, "vector dimensions", flag="--dim")
    window: int = setting(5, "words on each side of a sentence position that count as its "
                          "context")
    negative: int = setting(5, "negative samples per positive one")
    ns_exponent: float = setting(
        0.75, "shape of the negative-sampling distribution (1: by frequency, 0: uniform, "
        "negative: favours rare words)")
    epochs: int = setting(5, "passes over the sentences")
    min_count: int = setting(1, "words seen fewer times get no vector")
    sample: float = setting(1e-3, "down-sampling threshold for frequent words, i.e. hubs (0 "
                            "turns it off)")
    alpha: float = setting(0.025, "initial learning rate")


@dataclass(frozen=True)
class WalkParams(Settings):
    walks_per_node: int = setting(10, "walks started from every artist")
    walk_length: int = setting(60, "artists in each walk, the start included")
    # Uniform steps are SAGE as published; weighted steps follow edge similarity (a
    # Markov chain), the author's stated future work.
    weighted: bool = setting(
        True, "step to any neighbour with equal chance (SAGE as published) instead of in "
        "proportion to similarity (default: in proportion)", off="--uniform")

    def __post_init__(self) -> None:
        _check([
            (self.walks_per_node >= 1, "walks per node must be 1 or more", self.walks_per_node),
            (self.walk_length >= 1, "the walk length must be 1 or more", self.walk_length),
        ])


@dataclass(frozen=True)
class GraphParams(Settings):
    graph: RelatedGraphParams = group(RelatedGraphParams, "graph")
    walks: WalkParams = group(WalkParams, "random walks")
    word2vec: Word2VecParams = group(Word2VecParams, "word2vec")
    # How the engine ranks with this space (engine.novelty, engine.graph_step), chosen
    # on the validation split by bench/graph_tuning.py.
    popularity_prior: float = setting(1.0, POPULARITY_PRIOR_HELP)
    step_weight: float = setting(
        2.0, "weight in ranking of one step on the graph from the liked artists "
        "(engine.graph_step; 0: cosine only)")

    def __post_init__(self) -> None:
        _check([(self.step_weight >= 0, "the step weight must be 0 or more", self.step_weight)])

    @classmethod
    def from_dict(cls, params: dict) -> GraphParams:
        ranking = Ranking.of_run(params)
        return cls(
            # Runs from before tags joined the graph had none.
            graph=RelatedGraphParams(**({"tag_share": 0.0} | params["graph"])),
            walks=WalkParams(**params["walks"]),
            word2vec=Word2VecParams(**params["word2vec"]),
            popularity_prior=ranking.popularity_prior,
            step_weight=ranking.step_weight,
        )


@dataclass(frozen=True)
class GraphRun(Settings):
    """What a graph run walks, and its seed: recorded with its params."""

    edges: str = setting(
        COLISTENING, "walk the co-listening graph of the store's listens (colisten), or the "
        "stored edges of another source, e.g. lastfm after `sage crawl lastfm` (the graph "
        "options then do not apply)")
    seed: int = setting(0, "seed for walks and word2vec")
