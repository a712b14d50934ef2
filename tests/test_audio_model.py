"""The audio network's shapes, its crops, its settings and the evaluation's arithmetic."""

import numpy as np
import pytest
import torch

from store.errors import UserError
from train.audio.evaluate import evaluate_predictions
from train.audio.model import AudioCNN
from train.audio.params import MIN_FRAMES, PRESETS, NetConfig, TrainParams
from train.audio.train import random_crops


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_both_presets_map_spectrograms_to_the_target_dimension(preset):
    torch.manual_seed(0)
    model = AudioCNN(PRESETS[preset], out_dim=40).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 128, 599)).shape == (2, 40)
        assert model(torch.randn(1, 128, MIN_FRAMES).half()).shape == (1, 40)
        with pytest.raises(RuntimeError):
            model(torch.randn(1, 128, MIN_FRAMES - 1))


def test_the_published_preset_is_dieleman_sized():
    model = AudioCNN(PRESETS["published"], out_dim=40)
    convolutions = [m for m in model.convolutions if isinstance(m, torch.nn.Conv1d)]
    assert [c.out_channels for c in convolutions] == [256, 256, 512, 512]
    assert all(c.kernel_size == (4,) for c in convolutions)
    pools = [m.kernel_size for m in model.convolutions if isinstance(m, torch.nn.MaxPool1d)]
    assert pools == [4, 2, 2]
    dense = [m for m in model.head if isinstance(m, torch.nn.Linear)]
    assert [(d.in_features, d.out_features) for d in dense] == [
        (3 * 512, 2048), (2048, 2048), (2048, 40)]


def test_pooling_does_not_depend_on_length():
    """A crop and the whole excerpt of a repeating pattern give the same output: mean, max
    and root mean square all ignore how long the input is."""
    torch.manual_seed(0)
    model = AudioCNN(PRESETS["small"], out_dim=8).eval()
    pattern = torch.randn(1, 128, 8).repeat(1, 1, 75)  # 600 frames
    with torch.no_grad():
        short, long = model(pattern[:, :, :256]), model(pattern[:, :, :592])
    assert torch.allclose(short, long, atol=0.05 * float(long.abs().max()))


def test_input_statistics_standardise_each_mel_bin():
    model = AudioCNN(PRESETS["small"], out_dim=4)
    model.set_input_statistics(np.full(128, -40.0), np.full(128, 10.0))
    assert torch.allclose(model.input_mean, torch.full((128,), -40.0))
    assert torch.allclose(model.input_scale, torch.full((128,), 0.1))
    assert "input_mean" in model.state_dict()  # checkpoints carry them


def test_random_crops_take_each_clip_from_its_offset():
    data = torch.arange(3 * 2 * 10, dtype=torch.float32).reshape(3, 2, 10)
    crops = random_crops(data, torch.tensor([2, 0]), torch.tensor([5, 1]), 4)
    assert torch.equal(crops[0], data[2, :, 5:9])
    assert torch.equal(crops[1], data[0, :, 1:5])


@pytest.mark.parametrize(
    "bad",
    [{"preset": "huge"}, {"optimizer": "lbfgs"}, {"epochs": 0}, {"learning_rate": 0},
     {"momentum": 1.0}, {"crop_frames": MIN_FRAMES - 1}],
)
def test_bad_training_settings_are_user_errors(bad):
    with pytest.raises(UserError):
        TrainParams(**bad)


def test_a_network_needs_four_convolutions():
    with pytest.raises(ValueError):
        NetConfig(channels=(8, 8, 8), dense=16, dropout=0.1)


def test_evaluation_against_the_mean_vector():
    items = np.eye(4, dtype=np.float32) + 0.1
    true_rows = np.array([0, 1, 2])
    perfect = evaluate_predictions(items[true_rows] * 3, true_rows, items, items.mean(axis=0))
    assert perfect.mean_cosine == pytest.approx(1.0)
    assert perfect.median_rank == 1
    assert perfect.baseline_mean_cosine < 0.9
    # The mean vector ranks the true items by chance: ties count as not beaten.
    assert 1 <= perfect.baseline_median_rank <= 4
    wrong = evaluate_predictions(items[[3, 3, 3]], true_rows, items, items.mean(axis=0))
    assert wrong.median_rank == 2 and wrong.mean_cosine < perfect.mean_cosine
