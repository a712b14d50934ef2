"""The settings of the playlist spaces, in one light module (the CLI shows them without
importing gensim).

The word2vec defaults are Artist2Vec's published ones, trained on the 1M playlists of
the MPD: CBOW, 100 dimensions, a window of 150 (whole playlists, in effect), 100 negative
samples from the usual unigram^0.75 distribution, 50 epochs. Their `shrink_windows=True`
is gensim's own default and not a setting here. Settings they did not state (min_count,
down-sampling, learning rate) are gensim's defaults too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from train.graph.params import Word2VecParams

ARTIST2VEC = Word2VecParams(
    sg=0, vector_size=100, window=150, negative=100, ns_exponent=0.75, epochs=50,
    min_count=5, sample=1e-3, alpha=0.025,
)


@dataclass(frozen=True)
class PlaylistParams:
    word2vec: Word2VecParams = field(default_factory=lambda: ARTIST2VEC)
    # The engine's prior for this space (engine.novelty).
    popularity_prior: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict) -> PlaylistParams:
        """From `to_dict`'s output, or a run's params (which also hold seed and source)."""
        return cls(
            word2vec=Word2VecParams(**params["word2vec"]),
            popularity_prior=params["popularity_prior"],
        )
