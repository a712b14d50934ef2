"""Log-mel features: shape, dtype, which 30 s they cover, and the cache."""

from pathlib import Path

import numpy as np
import pytest
import soundfile

from train.audio import features
from train.audio.features import MEL, FeatureCache, extract_features, log_mel, read_excerpt

CLIPS = Path(__file__).resolve().parent.parent / "data" / "librosa-example-music-clips"
TRUMPET = CLIPS / "sorohanro_-_solo-trumpet-06.ogg"  # 5.3 s
VIBE_ACE = CLIPS / "Kevin_MacLeod_-_Vibe_Ace.ogg"  # 61.5 s


def tone(hz: float, seconds: float, rate: int) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


def loudest_bin(mel: np.ndarray) -> int:
    return int(np.argmax(mel.astype(np.float32).mean(axis=1)))


def test_a_clip_becomes_128_bins_by_599_frames_of_float16():
    mel = log_mel(read_excerpt(VIBE_ACE))
    assert mel.shape == (128, 599) and mel.dtype == np.float16
    assert np.isfinite(mel).all()
    assert MEL.excerpt_samples / MEL.sample_rate == pytest.approx(30.0, abs=0.05)


def test_the_excerpt_is_the_middle_30_seconds(tmp_path):
    rate = MEL.sample_rate
    path = tmp_path / "three parts.wav"
    soundfile.write(path, np.concatenate(
        [tone(200, 30, rate), tone(2000, 30, rate), tone(200, 30, rate)]), rate)
    assert loudest_bin(log_mel(read_excerpt(path))) == loudest_bin(
        log_mel(read_excerpt(_written(tmp_path / "2k.wav", tone(2000, 30, rate), rate))))


def test_other_rates_and_stereo_are_mixed_and_resampled(tmp_path):
    stereo = np.stack([tone(1000, 10, 44_100), tone(1000, 10, 44_100)], axis=1)
    resampled = log_mel(read_excerpt(_written(tmp_path / "stereo.wav", stereo, 44_100)))
    native = log_mel(read_excerpt(_written(tmp_path / "mono.wav", tone(1000, 10, 22_050),
                                           22_050)))
    assert loudest_bin(resampled) == loudest_bin(native)
    assert np.abs(resampled.astype(np.float32) - native.astype(np.float32)).mean() < 3.0


def test_a_short_track_is_repeated_not_padded_with_silence():
    mel = log_mel(read_excerpt(TRUMPET)).astype(np.float32)
    loudness = mel.mean(axis=0)
    # 5.3 s of trumpet loop six times over: the last seconds are as loud as the first.
    assert loudness[-100:].mean() == pytest.approx(loudness[:100].mean(), abs=3.0)


def test_features_are_cached_and_never_decoded_twice(tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path / "cache")
    jobs = [("a" * 64, TRUMPET), ("b" * 64, VIBE_ACE)]
    first = extract_features(jobs, cache, workers=1, progress=False)
    assert all(e.error is None for e in first.values())
    stored = cache.load("a" * 64)
    assert stored.shape == (128, 599) and stored.dtype == np.float16
    assert cache.path("a" * 64).stat().st_size < 160_000
    assert np.array_equal(cache.load_many(["b" * 64, "a" * 64])[1], stored)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded a cached file")

    monkeypatch.setattr(features, "read_excerpt", no_decoding)
    again = extract_features(jobs, cache, workers=2, progress=False)
    assert all(e.error is None for e in again.values())


def test_a_file_that_does_not_decode_is_reported_and_not_cached(tmp_path):
    bad = tmp_path / "noise.ogg"
    bad.write_bytes(b"definitely not audio" * 100)
    cache = FeatureCache(tmp_path / "cache")
    results = extract_features([("c" * 64, bad), ("a" * 64, TRUMPET)], cache, workers=1,
                               progress=False)
    assert results["c" * 64].error and str(bad) not in results["c" * 64].error
    assert not cache.has("c" * 64) and cache.has("a" * 64)


def test_parallel_extraction_matches_one_process(tmp_path):
    jobs = [("a" * 64, TRUMPET), ("b" * 64, VIBE_ACE)]
    serial, parallel = FeatureCache(tmp_path / "one"), FeatureCache(tmp_path / "two")
    extract_features(jobs, serial, workers=1, progress=False)
    extract_features(jobs, parallel, workers=2, progress=False)
    for sha, _ in jobs:
        assert np.array_equal(serial.load(sha), parallel.load(sha))


def _written(path: Path, samples: np.ndarray, rate: int) -> Path:
    soundfile.write(path, samples.astype(np.float32), rate)
    return path
