"""The network of Dieleman (2014): log-mel spectrogram in, a vector of the target space out.

    [batch, 128 mels, T frames]
    -> conv(4) ReLU -> maxpool 4 -> conv(4) ReLU -> maxpool 2 -> conv(4) ReLU -> maxpool 2
    -> conv(4) ReLU -> global pooling over time: mean, max and L2 (3 x channels)
    -> dense ReLU dropout -> dense ReLU dropout -> linear to the target dimension

Convolutions run along time only: the mel bins are the input channels, so a filter sees
the whole spectrum of 4 frames. Global pooling makes the network take any length of at
least MIN_FRAMES (train.audio.params): training sees random crops, prediction the whole
excerpt. The L2 statistic is the root mean square rather than the plain norm, so it
does not grow with the length of the input.

The input is standardised per mel bin with statistics of the training spectrograms, kept
in the model's buffers so a checkpoint carries them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from train.audio.params import KERNEL, POOLS, NetConfig


class AudioCNN(nn.Module):
    def __init__(self, config: NetConfig, out_dim: int):
        super().__init__()
        self.config = config
        self.out_dim = out_dim
        self.register_buffer("input_mean", torch.zeros(config.n_mels))
        self.register_buffer("input_scale", torch.ones(config.n_mels))
        layers: list[nn.Module] = []
        channels_in = config.n_mels
        for index, channels in enumerate(config.channels):
            layers += [nn.Conv1d(channels_in, channels, KERNEL), nn.ReLU(inplace=True)]
            if index < len(POOLS):
                layers.append(nn.MaxPool1d(POOLS[index]))
            channels_in = channels
        self.convolutions = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Linear(3 * channels_in, config.dense), nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.dense, config.dense), nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.dense, out_dim),
        )

    def set_input_statistics(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Per-mel-bin mean and standard deviation of the training spectrograms."""
        self.input_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.input_scale.copy_(1 / torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-3))

    def forward(self, spectrograms: torch.Tensor) -> torch.Tensor:
        """[batch, n_mels, frames] (any float dtype) -> [batch, out_dim]."""
        x = (spectrograms.float() - self.input_mean[:, None]) * self.input_scale[:, None]
        x = self.convolutions(x)
        # The epsilon keeps the gradient of the root finite for a channel that is all zeros.
        rms = (x.float().square().mean(dim=2) + 1e-6).sqrt()
        return self.head(torch.cat([x.mean(dim=2).float(), x.amax(dim=2).float(), rms], dim=1))


def input_statistics(features: np.ndarray, max_clips: int = 2_000) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin mean and std over (a seeded sample of) [n, n_mels, frames] spectrograms."""
    rows = np.random.default_rng(0).permutation(len(features))[:max_clips]
    sample = features[np.sort(rows)].astype(np.float32)
    return sample.mean(axis=(0, 2)), sample.std(axis=(0, 2))
