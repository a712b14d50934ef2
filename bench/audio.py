"""Audio figures: mel-spectrogram extraction, CPU training of both presets, GPU training.

    python bench/audio.py [--mel-clips 40] [--workers 2] [--cpu-clips 64] [--threads N]
                          [--gpu-clips 20000] [--gpu-batch 256] [--gpu-epochs 3]

1. Mel extraction: the bundled clips decoded again and again (every job its own cache key),
   by one process and by a pool of `--workers` processes, in the same run: clips/s and the
   ratio. Both start warm (mel filters built once before timing).
2. CPU training: the small and the published preset on random spectrograms, clips/s
   (random crops of 256 frames; torch uses every core unless --threads says otherwise).
3. GPU, only when CUDA is present: the published preset on `--gpu-clips` cached
   spectrograms preloaded to the GPU, bfloat16 autocast; clips/s of `train_model` after a
   warm-up run, the same network stepping on one fixed batch (no data pipeline at all) as
   the ceiling, and GPU utilisation sampled while training. Goal: >= 20,000 clips/s, with
   the full loop close to the fixed-batch ceiling (the data pipeline not the bottleneck).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from train.audio.features import MEL, FeatureCache, extract_features, log_mel
from train.audio.model import AudioCNN
from train.audio.params import PRESETS, TrainParams
from train.audio.train import default_device, train_model

CLIPS = Path(__file__).resolve().parent.parent / "data" / "librosa-example-music-clips"


def mel_rate(clips: int, workers: int) -> None:
    paths = sorted(CLIPS.glob("*.ogg"))
    jobs = [(hashlib.sha256(f"{i}".encode()).hexdigest(), paths[i % len(paths)])
            for i in range(clips)]
    log_mel(np.zeros(MEL.excerpt_samples, np.float32))  # imports and mel filters first
    rates = {}
    for label, count in (("1 process", 1), (f"{workers} workers", workers)):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            extract_features(jobs, FeatureCache(Path(folder)), workers=count, progress=False)
            rates[label] = clips / (time.perf_counter() - started)
    one, many = rates.values()
    print(f"mel extraction ({clips} bundled clips, 30 s each from the middle):")
    for label, rate in rates.items():
        print(f"  {label:<11} {rate:8.1f} clips/s")
    print(f"  ratio {workers} workers / 1 process: {many / one:.2f}x")


def random_features(clips: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    unique = min(clips, 2_000)
    block = (rng.standard_normal((unique, MEL.n_mels, MEL.frames), np.float32) * 10 - 40)
    features = np.resize(block.astype(np.float16), (clips, MEL.n_mels, MEL.frames))
    return features, rng.standard_normal((clips, 40)).astype(np.float32)


def cpu_training(clips: int, threads: int) -> None:
    torch.set_num_threads(threads)
    device = torch.device("cpu")
    features, targets = random_features(clips)
    print(f"CPU training ({clips} random clips x 3 epochs after a warm-up epoch, crops of 256 "
          f"frames, {threads} torch threads):")
    rates = {}
    for preset in ("small", "published"):
        warm = TrainParams(preset=preset, epochs=1, batch_size=32)
        train_model(features[:32], targets[:32], warm, device=device, progress=False)
        params = TrainParams(preset=preset, epochs=3, batch_size=32)
        result = train_model(features, targets, params, device=device, progress=False)
        rates[preset] = result.clips_per_second
        print(f"  {preset:<10} {result.clips_per_second:8.1f} clips/s")
    print(f"  ratio small / published: {rates['small'] / rates['published']:.1f}x")


class UtilisationSampler:
    """GPU utilisation (%) sampled every `every` seconds in a background thread."""

    def __init__(self, device: torch.device, every: float = 0.2):
        self.device, self.every, self.samples = device, every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> UtilisationSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(self._read())

    def _read(self) -> float:
        try:
            return float(torch.cuda.utilization(self.device))
        except (ModuleNotFoundError, RuntimeError):  # no pynvml: ask nvidia-smi
            try:
                out = subprocess.run(
                    ["nvidia-smi", f"--id={self.device.index or 0}",
                     "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                    capture_output=True, text=True, check=True,
                )
                return float(out.stdout.strip())
            except (OSError, subprocess.CalledProcessError, ValueError):
                return float("nan")


def fixed_batch_rate(params: TrainParams, device: torch.device, steps: int = 50) -> float:
    """Steps of the same network on one batch already on the GPU: the ceiling."""
    model = AudioCNN(PRESETS[params.preset], 40).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, nesterov=True)
    batch = torch.randn(params.batch_size, MEL.n_mels, params.crop_frames, device=device).half()
    target = torch.randn(params.batch_size, 40, device=device)
    for step in range(steps + 10):
        if step == 10:  # after cuDNN has picked its algorithms
            torch.cuda.synchronize(device)
            started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = (model(batch).float() - target).square().sum(dim=1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    torch.cuda.synchronize(device)
    return steps * params.batch_size / (time.perf_counter() - started)


def gpu_training(clips: int, batch: int, epochs: int) -> None:
    device = default_device()
    features, targets = random_features(clips)
    params = TrainParams(preset="published", epochs=epochs, batch_size=batch)
    warm = TrainParams(preset="published", epochs=1, batch_size=batch)
    train_model(features[: batch * 4], targets[: batch * 4], warm, device=device, progress=False)
    with UtilisationSampler(device) as sampler:
        result = train_model(features, targets, params, device=device, progress=False)
    ceiling = fixed_batch_rate(params, device)
    busy = np.array(sampler.samples or [np.nan])
    print(f"GPU training on {torch.cuda.get_device_name(device)} (published preset, {clips:,} "
          f"cached clips preloaded, batch {batch}, crops of {params.crop_frames} frames, "
          "bfloat16):")
    print(f"  train_model    {result.clips_per_second:10,.0f} clips/s   (goal >= 20,000)")
    print(f"  fixed batch    {ceiling:10,.0f} clips/s   (no data pipeline: the ceiling)")
    print(f"  ratio train_model / fixed batch: {result.clips_per_second / ceiling:.2f}")
    print(f"  GPU utilisation while training: mean {np.nanmean(busy):.0f}%, "
          f"median {np.nanmedian(busy):.0f}% ({len(sampler.samples)} samples)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mel-clips", type=int, default=40, help="clips to extract, each way")
    parser.add_argument("--workers", type=int, default=2, help="processes of the parallel run")
    parser.add_argument("--cpu-clips", type=int, default=64, help="random clips for CPU training")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads for CPU training")
    parser.add_argument("--gpu-clips", type=int, default=20_000, help="clips for GPU training")
    parser.add_argument("--gpu-batch", type=int, default=256, help="clips per GPU step")
    parser.add_argument("--gpu-epochs", type=int, default=3, help="epochs of the timed GPU run")
    args = parser.parse_args()
    mel_rate(args.mel_clips, args.workers)
    cpu_training(args.cpu_clips, args.threads)
    if torch.cuda.is_available():
        gpu_training(args.gpu_clips, args.gpu_batch, args.gpu_epochs)
    else:
        print("GPU training: not measured (no CUDA device here)")


if __name__ == "__main__":
    main()
