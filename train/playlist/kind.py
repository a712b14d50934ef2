"""The playlist spaces (Artist2Vec) as kinds of space (train.kind): artists as words
(`playlist`), or tracks (`playlist-track`)."""

from __future__ import annotations

from pathlib import Path

from store import Store
from store.runs import RunRecord
from train.kind import LISTENS, PLAYLISTS, SpaceKind, TrainRequest
from train.playlist.params import PlaylistParams, PlaylistRun
from train.settings import Settings

# A playlist run's "source" -> what it learned from (train.playlist.space).
LEARNED_FROM = {"mpd": PLAYLISTS, "listens": LISTENS}


class PlaylistKind(SpaceKind):
    name = "playlist"
    summary = "Artist2Vec: word2vec over playlists, artists as words"
    description = (
        "Learn artist vectors with word2vec, each playlist a sentence of its tracks' "
        "artists. Playlists come from `sage ingest mpd`; without them each user's listened "
        "artists count as one playlist. Defaults are Artist2Vec's published settings except "
        "where measurement chose otherwise (bench/playlist_tuning.py): skip-gram, 10 "
        "negative samples, 20 epochs."
    )
    params = PlaylistParams()
    run = PlaylistRun()
    workers_help = "word2vec threads (1 makes a run exactly reproducible)"
    entity = "artist"

    def train(self, store_path: Path, request: TrainRequest) -> RunRecord:
        from train.playlist.space import train_playlist_space  # gensim loads only when training

        return train_playlist_space(
            store_path, request.params, seed=request.run.seed, workers=request.workers,
            activate=request.activate, source=request.run.source, entity=self.entity,
        )

    def describe(self, run: RunRecord) -> str:
        stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in run.timings.items())
        return (f"{run.space} run {run.run_id}: {run.entity_kind} vectors of {run.dim} dims "
                f"from {run.params['source']} ({stages})")

    def learns_from(self, params: dict) -> frozenset[str]:
        return frozenset({LEARNED_FROM[params["source"]]})

    def heldout_model(self, spec, models):
        from train.evaluate.spaces import FitOnce, StoredVectors
        from train.playlist.heldout import PlaylistVectors

        if LISTENS in self.learns_from(spec.params):
            return FitOnce(PlaylistVectors(PlaylistParams.from_dict(spec.params),
                                           seed=models.seed, workers=models.workers))
        # Learned from playlists, which the test does not hide: its vectors take the test
        # as they are.
        return StoredVectors(models.stored(spec.run_id))


class PlaylistTrackKind(PlaylistKind):
    name = "playlist-track"
    summary = "Artist2Vec over tracks: word2vec over playlists, tracks as words"
    description = (
        "Learn track vectors with word2vec, each playlist a sentence of its tracks (needs "
        "`sage ingest mpd`). Same settings as the playlist space."
    )
    entity_kind = "track"
    entity = "track"
    # No held-out taste test takes tracks: a new run is activated as it is.
    heldout = False

    def unavailable(self, store: Store, params: Settings) -> str | None:
        if not store.con.execute("SELECT EXISTS (SELECT 1 FROM playlist_tracks)").fetchone()[0]:
            return "the store holds no playlists (`sage ingest mpd`)"
        return None
