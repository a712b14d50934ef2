"""The settings of the playlist spaces, in one light module (the CLI shows them without
importing gensim).

`ARTIST2VEC` is the method as published, on the MPD's 1M playlists: CBOW, 100 dimensions,
a window of 150 (whole playlists, in effect), 100 negative samples from the unigram^0.75
distribution, 50 epochs; its `shrink_windows=True` is gensim's default and not a setting
here, and what it left unstated (min_count, down-sampling, learning rate) is gensim's
default too. The defaults differ by measurement (bench/playlist_tuning.py): skip-gram with
10 negative samples and 20 epochs beat it on both tests there are, for 3-4 times its
training time on MPD playlists (about the same on listening data). On the held-out
validation split, at the graph space's tail recall (0.027), precision@20 rose from 0.28
to 0.33; on the MPD subset, the overlap of each artist's 20 nearest with the 20 it shares
most listeners with rose from 0.13 to 0.22 for the 500 most-listened artists and from
0.10 to 0.13 for the next 4,500. Tried and left, with precision@20 at that tail recall
and the MPD overlaps: CBOW with 5 negative samples (0.25; 0.06 and 0.06), a window of 20
(0.27; 0.17 and 0.11), down-sampling at 1e-4 (0.31; 0.21 and 0.13), 20 negative samples,
40 epochs or 50 dimensions (no better, the first two slower), min_count 1 (worse: the
vectors of artists seen once or twice are noise and crowd the answers).

The track space (`playlist-track`) takes the same settings. They are slow at scale: on
the MPD slice, with every track in the vocabulary as nearly every entry is in the full
MPD, 190 tokens/s on 2 cores, so ~97 hours for 1M playlists (66M entries). Cheaper
settings all lost track neighbours in every popularity group (bench/track_word2vec.py:
overlap with the 20 tracks sharing most playlists, 0.55 / 0.35 / 0.27 for the top,
middle and rare tracks): CBOW, 22 times as fast (4.3 hours), 0.35 / 0.20 / 0.14; CBOW
with 10 epochs (1.9 hours) 0.29 / 0.16 / 0.10; windows of 10 or 20 hurt the top tracks
most (0.15-0.30). None reaches an hour, so none replaced them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from train.graph.params import Word2VecParams
from train.settings import POPULARITY_PRIOR_HELP, Settings, group, setting

ARTIST2VEC = Word2VecParams(
    sg=0, vector_size=100, window=150, negative=100, ns_exponent=0.75, epochs=50,
    min_count=5, sample=1e-3, alpha=0.025,
)
DEFAULT_WORD2VEC = replace(ARTIST2VEC, sg=1, negative=10, epochs=20)


@dataclass(frozen=True)
class PlaylistParams(Settings):
    word2vec: Word2VecParams = group(lambda: DEFAULT_WORD2VEC, "word2vec")
    # The engine's prior for this space (engine.novelty): where its validation tail recall
    # equals the graph space's at its default, 0.027 (0.27 with seed 0, 0.25 with seed 1).
    # Every prior above 0 costs this space tail recall, so the graph's rule (the largest
    # prior that costs none) would leave it at 0, with precision@20 at 0.22, not 0.33.
    popularity_prior: float = setting(0.25, POPULARITY_PRIOR_HELP)


@dataclass(frozen=True)
class PlaylistRun(Settings):
    """What a playlist run learned from, and its seed: recorded with its params."""

    source: str = setting(
        "auto", "learn from ingested MPD playlists, from each user's artists, or (auto) from "
        "playlists when the store has any", choices=["auto", "mpd", "listens"])
    seed: int = setting(0, "seed for word2vec")
