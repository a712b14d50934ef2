"""Log-scaled mel spectrograms of ~30 s from the middle of each track, cached on disk.

As in Dieleman (2014): 128 mel bins x 599 frames. At 22,050 Hz with a hop of 1,104
samples and 2,048-sample windows (no centring), 599 frames cover exactly
2,048 + 598 x 1,104 samples, 30.0 s. Only that excerpt is read from the file (soundfile
seeks), then mixed to mono and resampled when the file has another rate. A track
shorter than the excerpt is repeated to fill it: the network pools over time, and a
loop keeps the statistics of the music where silence would dilute them.

The cache holds one float16 .npy per file (150 KB), named by the sha256 of the file's
bytes under a folder named by the parameters, so a renamed or moved file is not decoded
again, an edited one is, and a change of parameters starts a new cache.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import librosa
import numpy as np
import scipy.fft
import soundfile
import soxr
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits
from tqdm import tqdm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MelParams:
    sample_rate: int = 22_050
    n_fft: int = 2_048
    hop_length: int = 1_104
    n_mels: int = 128
    frames: int = 599
    top_db: float = 80.0  # quieter than this below the clip's loudest bin is floored

    @property
    def excerpt_samples(self) -> int:
        return self.n_fft + self.hop_length * (self.frames - 1)

    @property
    def key(self) -> str:
        """Names the cache folder: features made with other parameters never mix."""
        return (f"mel{self.n_mels}x{self.frames}-sr{self.sample_rate}-fft{self.n_fft}"
                f"-hop{self.hop_length}-db{self.top_db:g}")


MEL = MelParams()


def default_feature_dir(store_path: Path) -> Path:
    """Beside the store: `sage.duckdb` keeps its features in `sage.duckdb.features/`."""
    return Path(f"{store_path}.features")


class FeatureCache:
    """Log-mel spectrograms on disk, float16 [n_mels, frames], keyed by content hash."""

    def __init__(self, root: Path, params: MelParams = MEL):
        self.params = params
        self.dir = Path(root) / params.key

    def path(self, sha256: str) -> Path:
        return self.dir / sha256[:2] / f"{sha256}.npy"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def load(self, sha256: str) -> np.ndarray:
        return np.load(self.path(sha256))

    def load_many(self, sha256s: Sequence[str]) -> np.ndarray:
        """[n, n_mels, frames] float16, in the order given."""
        out = np.empty((len(sha256s), self.params.n_mels, self.params.frames), np.float16)
        for row, sha in enumerate(sha256s):
            out[row] = self.load(sha)
        return out

    def save(self, sha256: str, mel: np.ndarray) -> None:
        path = self.path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole then renamed, so a reader or a crash never leaves half a file.
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        with partial.open("wb") as handle:
            np.save(handle, mel.astype(np.float16, copy=False))
        partial.replace(path)


@dataclass(frozen=True)
class Extraction:
    sha256: str
    error: str | None  # why the file could not be decoded; None when its features are cached


def read_excerpt(path: Path, params: MelParams = MEL) -> np.ndarray:
    """The middle `excerpt_samples` of the file as mono float32 at the params' rate."""
    info = soundfile.info(str(path))
    if info.frames <= 0 or info.samplerate <= 0:
        raise ValueError("no audio samples")
    wanted = int(np.ceil(params.excerpt_samples * info.samplerate / params.sample_rate)) + 1
    start = max(0, (info.frames - wanted) // 2)
    samples, rate = soundfile.read(
        str(path), start=start, frames=wanted, dtype="float32", always_2d=True
    )
    if len(samples) == 0:
        raise ValueError("no audio samples")
    mono = samples.mean(axis=1)
    if rate != params.sample_rate:
        mono = soxr.resample(mono, rate, params.sample_rate, quality="HQ")
    if not np.isfinite(mono).all():
        raise ValueError("samples that are not numbers")
    return np.resize(mono, params.excerpt_samples)  # repeats a short track, cuts a long one


@cache
def _mel_filters(params: MelParams) -> np.ndarray:
    return librosa.filters.mel(sr=params.sample_rate, n_fft=params.n_fft, n_mels=params.n_mels)


@cache
def _hann(length: int) -> np.ndarray:
    """The periodic Hann window, as librosa's STFT uses."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)


def log_mel(samples: np.ndarray, params: MelParams = MEL) -> np.ndarray:
    """[n_mels, frames] float16 in dB (power relative to 1.0, floored top_db below the peak).

    The same numbers as librosa.feature.melspectrogram(center=False) then power_to_db
    (to 1e-5 dB), computed with librosa's mel filters over a scipy STFT: librosa's own
    path compiles numba kernels on first use, a minute on a fresh install."""
    frames = sliding_window_view(np.asarray(samples, np.float32), params.n_fft)
    spectrum = scipy.fft.rfft(frames[:: params.hop_length] * _hann(params.n_fft), axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    decibels = 10 * np.log10(np.maximum(_mel_filters(params) @ power.T, 1e-10))
    return np.maximum(decibels, decibels.max() - params.top_db).astype(np.float16)


def extract_one(sha256: str, path: Path, cache: FeatureCache) -> Extraction:
    """Decode one file and cache its features; a file that cannot be decoded is reported."""
    try:
        mel = log_mel(read_excerpt(path, cache.params), cache.params)
    except (RuntimeError, ValueError, OSError, EOFError) as exc:  # libsndfile's are RuntimeErrors
        reason = " ".join(str(exc).replace(f"Error opening {str(path)!r}: ", "").split())
        return Extraction(sha256, reason[:200] or type(exc).__name__)
    cache.save(sha256, mel)
    return Extraction(sha256, None)


def _extract_job(job: tuple[str, str, str, MelParams]) -> Extraction:
    sha256, path, root, params = job
    return extract_one(sha256, Path(path), FeatureCache(Path(root), params))


def _one_thread_each() -> None:
    # Parallelism is across files; a BLAS pool per worker would only fight over the cores.
    threadpool_limits(1)


def extract_features(
    files: Sequence[tuple[str, Path]],
    cache: FeatureCache,
    *,
    workers: int,
    progress: bool = True,
) -> dict[str, Extraction]:
    """Cache the features of every (sha256, path) not cached yet, `workers` files at a time.

    Cached files are not opened at all. Returns what happened to each hash.
    """
    results = {sha: Extraction(sha, None) for sha, _ in files if cache.has(sha)}
    todo = list({sha: path for sha, path in files if sha not in results}.items())
    if todo:
        log.info("computing mel spectrograms of %d files (%d cached)", len(todo), len(results))
    bar = tqdm(total=len(todo), unit="file", desc="mel spectrograms",
               disable=not (progress and todo))
    with bar:
        if workers <= 1 or len(todo) <= 1:
            for sha, path in todo:
                results[sha] = extract_one(sha, Path(path), cache)
                bar.update()
        else:
            jobs = [(sha, str(path), str(cache.dir.parent), cache.params) for sha, path in todo]
            # Import and build the mel filters once here and fork, so every worker starts
            # warm. (Callers run this before any torch work: no thread pool is forked.)
            _mel_filters(cache.params)
            context = multiprocessing.get_context("fork")
            with context.Pool(min(workers, len(todo)), initializer=_one_thread_each) as pool:
                for extraction in pool.imap_unordered(_extract_job, jobs, chunksize=2):
                    results[extraction.sha256] = extraction
                    bar.update()
    return results
