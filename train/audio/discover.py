"""Finding audio files under a folder, and what each one is: its artist and title.

Three places can say, in this order of trust:

1. `manifest.csv` in the folder (header `path,artist,title`, paths relative to the folder):
   someone wrote it on purpose for this batch, so it overrides the rest;
2. the file's own tags (ID3, Vorbis comments, ...; read with mutagen);
3. a file name of the form `Artist - Title.ext` (underscores read as spaces when the
   name has no spaces, as in `Kevin_MacLeod_-_Vibe_Ace.ogg`).

The first place that names an artist names the file; its title is used when it has one,
else the next place's, else the bare file name.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import mutagen

from store.errors import UserError

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".mp3", ".ogg", ".flac", ".wav"})
MANIFEST = "manifest.csv"
_MANIFEST_COLUMNS = ("path", "artist", "title")
# Tag names as mutagen's "easy" interfaces and Vorbis comments spell them, and the ID3
# frames that hold the same thing in files (such as WAV) that have no easy interface.
_TAG_FRAMES = {"artist": "TPE1", "title": "TIT2", "album": "TALB"}


class ManifestError(UserError):
    """A manifest.csv that cannot be read as path,artist,title rows."""


@dataclass(frozen=True)
class Tags:
    artist: str | None = None
    title: str | None = None
    album: str | None = None


@dataclass(frozen=True)
class FoundFile:
    path: Path  # absolute
    tags: Tags
    artist: str | None  # None when nothing names one
    title: str
    named_by: str  # where the artist came from: manifest, tags, filename, or none


def discover(directory: Path) -> list[FoundFile]:
    """Every audio file under `directory` (recursively, in path order), named."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory} is not a folder")
    root = directory.resolve()
    manifest = read_manifest(root / MANIFEST) if (root / MANIFEST).exists() else {}
    paths = sorted(
        p for p in root.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()
    )
    for missing in sorted(set(manifest) - set(paths)):
        log.warning("%s names %s, which is not an audio file here", MANIFEST, missing)
    return [name_file(path, read_tags(path), manifest.get(path)) for path in paths]


def name_file(path: Path, tags: Tags, listed: tuple[str | None, str | None] | None) -> FoundFile:
    """Artist and title from the manifest row, the tags and the file name, in that order."""
    sources = [
        ("manifest", *(listed or (None, None))),
        ("tags", tags.artist, tags.title),
        ("filename", *name_from_filename(path)),
    ]
    for index, (source, artist, _) in enumerate(sources):
        if artist:
            title = next((t for _, _, t in sources[index:] if t), path.stem)
            return FoundFile(path, tags, artist, title, source)
    title = next((t for _, _, t in sources if t), path.stem)
    return FoundFile(path, tags, None, title, "none")


def name_from_filename(path: Path) -> tuple[str | None, str]:
    """(artist, title) from `Artist - Title.ext`, or (None, the name) for any other name."""
    name = path.stem
    if "_" in name and " " not in name:
        name = name.replace("_", " ")
    name = " ".join(name.split())
    artist, dash, title = name.partition(" - ")
    if dash and artist.strip() and title.strip():
        return artist.strip(), title.strip()
    return None, name


def read_tags(path: Path) -> Tags:
    """The artist, title and album tags; empty when the file has none or cannot be parsed
    (the decoder, not the tag reader, decides whether a file is usable)."""
    try:
        audio = mutagen.File(path, easy=True)
    except Exception as exc:  # noqa: BLE001 - each tag format fails in its own way
        log.debug("no tags read from %s: %s", path, exc)
        return Tags()
    if audio is None or audio.tags is None:
        return Tags()
    return Tags(**{field: _first_value(audio.tags, field) for field in _TAG_FRAMES})


def _first_value(tags, field: str) -> str | None:
    if hasattr(tags, "getall"):  # raw ID3 frames
        values = [str(text) for frame in tags.getall(_TAG_FRAMES[field]) for text in frame.text]
    else:
        values = tags.get(field) or []
        values = [values] if isinstance(values, str) else values
    return next((" ".join(str(v).split()) for v in values if str(v).strip()), None)


def read_manifest(path: Path) -> dict[Path, tuple[str | None, str | None]]:
    """Absolute file path -> (artist, title) as the manifest gives them (empty cells: None)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _MANIFEST_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise ManifestError(
                    f"{path}:1: needs the columns {','.join(_MANIFEST_COLUMNS)} "
                    f"(missing {', '.join(missing)})"
                )
            rows = {}
            for line, row in enumerate(reader, start=2):
                if not (row["path"] or "").strip():
                    raise ManifestError(f"{path}:{line}: empty path")
                file = (path.parent / row["path"].strip()).resolve()
                rows[file] = (_cell(row["artist"]), _cell(row["title"]))
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: {exc}") from exc


def _cell(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None
