"""The audio space (the Dieleman method) as a kind of space (train.kind)."""

from __future__ import annotations

from pathlib import Path

from store import Store
from store.runs import RunRecord
from train.audio.params import AudioRun, TrainParams
from train.kind import SpaceKind, TrainRequest
from train.settings import Settings


class AudioKind(SpaceKind):
    name = "audio"
    summary = "the Dieleman method: a CNN predicts tracks' vectors from their sound"
    description = (
        "Train a CNN on the mel spectrograms of the ingested audio files (`sage ingest "
        "audio`) to predict each file's vector in a target space: its track's own vector "
        "when the space has tracks, else its artist's. Artists held out of training measure "
        "it against predicting the mean vector. Every audio track then gets a vector in the "
        "target space's dimension, the `audio` space: its known vector where it has one, the "
        "prediction from its sound otherwise (flagged as predicted). Runs on CUDA when "
        "present; launch with torchrun for several GPUs. Rerunning the same training resumes "
        "from its checkpoint, so after ingesting new audio it only predicts."
    )
    entity_kind = "track"
    # Any space can be its target; it is trained after all of them.
    after = ("graph", "cf", "playlist", "playlist-track")
    # Gated on its own held-out files: how close predictions from sound land to the true
    # vectors of held-out artists (train.audio).
    heldout = False
    gate_measures = ("holdout_mean_cosine",)
    params = TrainParams()
    run = AudioRun()
    workers_help = "files decoded at once when features are missing"

    def unavailable(self, store: Store, params: Settings) -> str | None:
        if not store.con.execute("SELECT EXISTS (SELECT 1 FROM audio_files)").fetchone()[0]:
            return "the store holds no audio files (`sage ingest audio`)"
        try:
            import train.audio.space  # noqa: F401  (torch and librosa)
        except ImportError as error:
            return f"the audio extra is not installed ({error.name} is missing)"
        return None

    def train(self, store_path: Path, request: TrainRequest) -> RunRecord | None:
        # torch and librosa load only when training audio.
        from train.audio.features import default_feature_dir
        from train.audio.space import train_audio_space

        run = request.run
        feature_dir = run.feature_dir or default_feature_dir(store_path)
        checkpoint_dir = run.checkpoint_dir or feature_dir / "checkpoints"
        return train_audio_space(
            store_path, target_space=run.target_space, params=request.params,
            feature_dir=feature_dir, checkpoint_dir=checkpoint_dir,
            holdout=run.holdout, workers=request.workers, activate=request.activate,
        )

    def describe(self, run: RunRecord) -> str:
        metrics = run.metrics
        line = (f"audio run {run.run_id}: {metrics['tracks']} tracks in "
                f"{run.params['target_space']}'s {run.dim} dims, {metrics['predicted_tracks']} "
                "predicted from sound")
        if "holdout_files" in metrics:
            line += (f"\nheld-out files ({metrics['holdout_files']}): mean cosine "
                     f"{metrics['holdout_mean_cosine']:.3f} (mean vector "
                     f"{metrics['holdout_baseline_mean_cosine']:.3f}), median rank "
                     f"{metrics['holdout_median_rank']:g} (mean vector "
                     f"{metrics['holdout_baseline_median_rank']:g}) of "
                     f"{metrics['holdout_items']:,}")
        return line
