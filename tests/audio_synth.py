"""Synthetic music with structure an audio model has to learn, for the audio tests.

Every synthetic artist plays one timbre (a spectral shape) in one rhythm (a pulse rate),
and its target vector is the sum of a vector for its timbre and one for its rhythm, plus a
little noise of its own. An artist never heard in training still has a timbre and a rhythm
that others had, so a model that hears them can place it; the mean vector cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

SAMPLE_RATE = 22_050
TIMBRES = ("bass", "square", "whistle", "hiss")
RHYTHMS = (1.5, 3.0, 6.0)  # pulses per second
OWN_NOISE = 0.3  # how far an artist's vector strays from its timbre's and rhythm's sum


@dataclass(frozen=True)
class SynthArtist:
    name: str
    timbre: int
    rhythm: int
    vector: np.ndarray  # float32 [dim]


def synthetic_artists(per_style: int, dim: int, seed: int) -> list[SynthArtist]:
    rng = np.random.default_rng(seed)
    timbre_vectors = rng.standard_normal((len(TIMBRES), dim))
    rhythm_vectors = rng.standard_normal((len(RHYTHMS), dim))
    artists = []
    for timbre in range(len(TIMBRES)):
        for rhythm in range(len(RHYTHMS)):
            for copy in range(per_style):
                vector = (timbre_vectors[timbre] + rhythm_vectors[rhythm]
                          + OWN_NOISE * rng.standard_normal(dim))
                name = f"Synth {TIMBRES[timbre].title()} {rhythm} {copy}"
                artists.append(SynthArtist(name, timbre, rhythm, vector.astype(np.float32)))
    return artists


def render_clip(timbre: int, rhythm: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Mono float32 at SAMPLE_RATE: the timbre, pulsed at the rhythm's rate, with jitter."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pitch = rng.uniform(0.95, 1.05)
    phase = rng.uniform(0, 2 * np.pi)
    name = TIMBRES[timbre]
    if name == "bass":
        tone = sum(np.sin(2 * np.pi * 110 * pitch * h * t + phase) / h for h in (1, 2, 3))
    elif name == "square":
        tone = sum(np.sin(2 * np.pi * 440 * pitch * h * t + phase) / h for h in (1, 3, 5, 7))
    elif name == "whistle":
        tone = np.sin(2 * np.pi * 1760 * pitch * t + phase)
    else:
        noise = rng.standard_normal(len(t))
        spectrum = np.fft.rfft(noise)
        freqs = np.fft.rfftfreq(len(t), 1 / SAMPLE_RATE)
        spectrum[(freqs < 3000 * pitch) | (freqs > 6000 * pitch)] = 0
        tone = np.fft.irfft(spectrum, len(t))
        tone /= np.abs(tone).max()
    rate = RHYTHMS[rhythm] * rng.uniform(0.97, 1.03)
    envelope = np.exp(-8 * ((t * rate + rng.uniform()) % 1.0))
    clip = rng.uniform(0.3, 0.8) * envelope * tone / np.abs(tone).max()
    clip += 0.01 * rng.standard_normal(len(t))
    return clip.astype(np.float32)


def write_clips(
    directory: Path, artists: list[SynthArtist], *, files_per_artist: int, seconds: float,
    seed: int,
) -> list[tuple[Path, SynthArtist]]:
    """WAV files named `Artist - Title.wav`, so ingest can name them by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written = []
    for artist in artists:
        for take in range(files_per_artist):
            path = directory / f"{artist.name} - Take {take}.wav"
            clip = render_clip(artist.timbre, artist.rhythm, seconds, rng)
            soundfile.write(path, clip, SAMPLE_RATE, subtype="PCM_16")
            written.append((path, artist))
    return written
