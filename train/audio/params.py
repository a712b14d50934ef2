"""The audio model's settings, apart from torch: the CLI reads them without loading it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from store.errors import UserError
from train.settings import Settings, setting

POOLS = (4, 2, 2)
KERNEL = 4


def _min_frames() -> int:
    """The shortest input whose last convolution still has one frame to pool."""
    frames = KERNEL
    for pool in reversed(POOLS):
        frames = frames * pool + KERNEL - 1
    return frames


MIN_FRAMES = _min_frames()  # 103


@dataclass(frozen=True)
class NetConfig:
    channels: tuple[int, int, int, int]  # filters of the four convolutions
    dense: int  # units of each of the two dense layers
    dropout: float  # after each dense layer
    n_mels: int = 128

    def __post_init__(self) -> None:
        if len(self.channels) != len(POOLS) + 1 or min(self.channels) < 1:
            raise ValueError(f"need {len(POOLS) + 1} positive channel counts, not {self.channels}")
        if self.dense < 1 or not 0 <= self.dropout < 1:
            raise ValueError(f"bad dense size {self.dense} or dropout {self.dropout}")


PRESETS = {
    # Trains in seconds on a CPU: for tests and small catalogs.
    "small": NetConfig(channels=(32, 32, 64, 64), dense=256, dropout=0.3),
    # The size published by Dieleman (2014); meant for a GPU.
    "published": NetConfig(channels=(256, 256, 512, 512), dense=2048, dropout=0.5),
}


OPTIMIZERS = ("sgd", "adam")
DEFAULT_HOLDOUT = 0.1  # share of the targets (artists or tracks) held out for evaluation


@dataclass(frozen=True)
class TrainParams(Settings):
    preset: str = setting("small", "network width: small trains in seconds on a CPU, published "
                          "is Dieleman's size (for a GPU)", choices=list(PRESETS))
    epochs: int = setting(40, "passes over the training files")
    batch_size: int = setting(32, "clips per step, over all processes together")
    learning_rate: float = setting(0.02, "step size")
    momentum: float = setting(0.9, "SGD momentum (0 turns it and Nesterov off)")
    weight_decay: float = setting(1e-4, "L2 penalty on the weights")
    optimizer: str = setting("sgd", "SGD with Nesterov momentum, or Adam", choices=OPTIMIZERS)
    # Prediction sees the whole excerpt.
    crop_frames: int = setting(256, "length of the random crops trained on, of the 599 frames "
                               "(~30 s) kept per file")
    seed: int = setting(0, "seed for initial weights, crops and the held-out split")

    def __post_init__(self) -> None:
        checks = [
            (self.preset in PRESETS, f"preset must be one of {', '.join(PRESETS)}"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.epochs >= 1 and self.batch_size >= 1, "epochs and batch size must be 1 or more"),
            (self.learning_rate > 0 and 0 <= self.momentum < 1 and self.weight_decay >= 0,
             "learning rate must be positive, momentum in [0, 1), weight decay 0 or more"),
            (self.crop_frames >= MIN_FRAMES, f"crops must have {MIN_FRAMES} frames or more"),
        ]
        for ok, rule in checks:
            if not ok:
                raise UserError(f"{rule} ({self})")

    def resumable_from(self) -> dict:
        """What a checkpoint must have been made with to carry on from it: everything but
        the number of epochs, which a resumed run may raise."""
        return {k: v for k, v in asdict(self).items() if k != "epochs"}


@dataclass(frozen=True)
class AudioRun(Settings):
    """What an audio run predicts and how much it holds out: recorded with its params. The
    folders are where this machine keeps files, so they are not."""

    target_space: str = setting("cf", "the space to predict vectors of (cf, playlist, graph, ...)")
    holdout: float = setting(DEFAULT_HOLDOUT, "share of the artists (or tracks) held out to "
                             "evaluate on")
    feature_dir: Path | None = setting(None, "feature cache folder (default: the store's path "
                                       "+ .features)", flag="--features", type=Path)
    checkpoint_dir: Path | None = setting(None, "where checkpoints go (default: checkpoints/ "
                                          "in the feature cache)", type=Path)
