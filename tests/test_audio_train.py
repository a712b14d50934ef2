"""The training loop: checkpoints that resume exactly, and DistributedDataParallel on two
CPU processes (gloo), on small random spectrograms."""

import os
import socket
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as multiprocessing

from train.audio.params import TrainParams
from train.audio.train import Checkpointing, CheckpointMismatch, predict, train_model

PARAMS = TrainParams(epochs=4, batch_size=8, crop_frames=128, learning_rate=0.01, seed=3)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_data(clips: int = 20, dim: int = 6, frames: int = 160):
    rng = np.random.default_rng(0)
    features = (rng.standard_normal((clips, 128, frames)) * 10 - 40).astype(np.float16)
    return features, rng.standard_normal((clips, dim)).astype(np.float32)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                  b.state_dict().values(), strict=True))


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    features, targets = random_data()
    straight = train_model(features, targets, PARAMS, progress=False)

    checkpoint = Checkpointing(tmp_path / "audio.pt", data_fingerprint="data-1")
    half = train_model(features, targets, TrainParams(**{**PARAMS.__dict__, "epochs": 2}),
                       checkpointing=checkpoint, progress=False)
    assert half.resumed_at_epoch == 0 and len(half.losses) == 2
    resumed = train_model(features, targets, PARAMS, checkpointing=checkpoint, progress=False)
    assert resumed.resumed_at_epoch == 2
    assert resumed.losses == pytest.approx(straight.losses)
    assert same_weights(resumed.model, straight.model)

    done = train_model(features, targets, PARAMS, checkpointing=checkpoint, progress=False)
    assert done.clips_per_second is None  # nothing left to train: the checkpoint is the model
    assert np.array_equal(predict(done.model, features), predict(straight.model, features))


def test_a_checkpoint_of_other_settings_or_data_is_refused(tmp_path):
    features, targets = random_data()
    checkpoint = Checkpointing(tmp_path / "audio.pt", data_fingerprint="data-1")
    train_model(features, targets, TrainParams(**{**PARAMS.__dict__, "epochs": 1}),
                checkpointing=checkpoint, progress=False)
    with pytest.raises(CheckpointMismatch):
        train_model(features, targets, TrainParams(**{**PARAMS.__dict__, "learning_rate": 0.1}),
                    checkpointing=checkpoint, progress=False)
    with pytest.raises(CheckpointMismatch):
        train_model(features, targets, PARAMS, progress=False,
                    checkpointing=Checkpointing(checkpoint.path, data_fingerprint="data-2"))


def _train_in_group(rank: int, world: int, port: int, folder: str) -> None:
    """One process of a torchrun-like group: the environment torchrun would set."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from train.audio.train import start_distributed

    assert start_distributed()
    features, targets = random_data()
    checkpoint = Checkpointing(Path(folder) / "audio.pt", data_fingerprint="data-1")
    result = train_model(features, targets, PARAMS, checkpointing=checkpoint, progress=False)
    torch.save({"state": result.model.state_dict(), "losses": result.losses},
               Path(folder) / f"rank{rank}.pt")
    torch.distributed.destroy_process_group()


def test_distributed_data_parallel_on_two_cpu_processes(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    multiprocessing.spawn(_train_in_group, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    for name, tensor in ranks[0]["state"].items():
        assert torch.equal(tensor, ranks[1]["state"][name]), name  # gradients were shared
    assert ranks[0]["losses"] == ranks[1]["losses"]  # the loss is averaged over the group
    assert len(ranks[0]["losses"]) == PARAMS.epochs and np.isfinite(ranks[0]["losses"]).all()
    saved = torch.load(tmp_path / "audio.pt", weights_only=True)  # written by rank 0 only
    assert all(torch.equal(saved["model"][k], v) for k, v in ranks[0]["state"].items())
    initial = TrainParams(**{**PARAMS.__dict__, "epochs": 1})
    assert not torch.equal(  # it did train
        train_model(*random_data(), initial, progress=False).model.state_dict()[
            "head.6.weight"], ranks[0]["state"]["head.6.weight"])
