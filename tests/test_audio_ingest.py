"""`sage ingest audio` on the bundled music clips, over a copy of the bundled catalog."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from cli.main import main
from store import Store
from train.audio.discover import name_from_filename
from train.audio.features import FeatureCache
from train.audio.ingest import ingest_audio

CLIPS = Path(__file__).resolve().parent.parent / "data" / "librosa-example-music-clips"
BRAHMS = "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg"
NUTCRACKER = "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg"


@pytest.fixture
def clips(tmp_path) -> Path:
    """The five clips, a manifest naming two of them, a file that is not audio and one
    that nothing names an artist for."""
    folder = tmp_path / "clips"
    folder.mkdir()
    for clip in CLIPS.glob("*.ogg"):
        shutil.copy(clip, folder)
    (folder / "manifest.csv").write_text(
        "path,artist,title\n"
        f"{BRAHMS},Johannes Brahms,Hungarian Dance No. 5\n"
        f"{NUTCRACKER},Pyotr Ilyich Tchaikovsky,Dance of the Sugar Plum Fairy\n",
        encoding="utf-8",
    )
    (folder / "Broken Band - Noise.ogg").write_bytes(b"OggS but not really" * 50)
    tone = np.sin(np.arange(22_050) * 2 * np.pi * 440 / 22_050).astype(np.float32)
    soundfile.write(folder / "untitled.wav", tone, 22_050)
    return folder


@pytest.fixture
def store_path(bundled_store_copy) -> Path:
    """The bundled catalog plus one track of Johannes Brahms, as a playlist slice would add."""
    with Store.open(bundled_store_copy) as store:
        brahms = store.con.execute(
            "SELECT artist_id FROM artists WHERE name = 'Johannes Brahms'"
        ).fetchone()[0]
        store.con.execute(
            "INSERT INTO tracks VALUES (1, ?, 'Hungarian Dance No. 5', 'hungarian dance no 5', "
            "NULL, 'mpd', 'spotify:track:brahms5')", [brahms],
        )
    return bundled_store_copy


def ingest(store_path: Path, clips: Path):
    return ingest_audio(store_path, clips, feature_dir=store_path.parent / "features",
                        workers=1, progress=False)


def snapshot(store_path: Path) -> dict:
    with Store.open(store_path, read_only=True) as store:
        return {
            table: store.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("artists", "tracks", "audio_files")
        }


def test_files_are_named_linked_and_the_bad_ones_reported(store_path, clips):
    report = ingest(store_path, clips)
    by_name = {f.path.name: f for f in report.files}
    assert len(report.files) == 7

    brahms = by_name[BRAHMS]  # the manifest outranks the tags (The U.S. Army Strings)
    assert (brahms.artist, brahms.named_by, brahms.link) == (
        "Johannes Brahms", "manifest", "catalog_track")
    assert brahms.track_id == 1
    nutcracker = by_name[NUTCRACKER]
    assert (nutcracker.artist, nutcracker.link) == ("Pyotr Ilyich Tchaikovsky", "catalog_artist")
    fishin = by_name["Karissa_Hobbs_-_Lets_Go_Fishin.ogg"]  # tags outrank the file name
    assert (fishin.artist, fishin.title, fishin.named_by) == (
        "Karissa Hobbs", "Let's Go Fishin'", "tags")
    assert fishin.link == "new_artist"
    trumpet = by_name["sorohanro_-_solo-trumpet-06.ogg"]  # no tags: the file name
    assert (trumpet.artist, trumpet.title, trumpet.named_by) == (
        "sorohanro", "solo-trumpet-06", "filename")

    broken = by_name["Broken Band - Noise.ogg"]
    assert broken.status == "undecodable" and broken.reason and broken.track_id is None
    untitled = by_name["untitled.wav"]
    assert untitled.status == "no_artist" and untitled.track_id is None
    assert len(report.with_status("ok")) == 5

    with Store.open(store_path, read_only=True) as store:
        rows = dict(store.con.execute(
            "SELECT a.name, count(*) FROM tracks t JOIN artists a USING (artist_id) "
            "WHERE t.source = 'audio' GROUP BY a.name").fetchall())
        statuses = dict(store.con.execute(
            "SELECT status, count(*) FROM audio_files GROUP BY status").fetchall())
        new_artists = store.con.execute(
            "SELECT name FROM artists WHERE source = 'audio' ORDER BY name").fetchall()
        album = store.con.execute(
            "SELECT album FROM tracks WHERE track_id = ?", [fishin.track_id]).fetchone()[0]
    # One new track each, except Brahms, whose track the catalog had; Kevin MacLeod's
    # Vibe Ace is a new artist's new track, like Karissa Hobbs's and sorohanro's.
    assert rows == {"Pyotr Ilyich Tchaikovsky": 1, "Karissa Hobbs": 1, "Kevin MacLeod": 1,
                    "sorohanro": 1}
    assert new_artists == [("Karissa Hobbs",), ("Kevin MacLeod",), ("sorohanro",)]
    assert statuses == {"ok": 5, "undecodable": 1, "no_artist": 1}
    assert album == "Age of Flowers"  # a new track keeps the album its tags name

    cache = FeatureCache(store_path.parent / "features")
    assert all(cache.has(f.sha256) for f in report.with_status("ok"))
    assert not cache.has(broken.sha256)


def test_ingesting_again_changes_nothing_and_moves_are_followed(store_path, clips):
    ingest(store_path, clips)
    before = snapshot(store_path)
    report = ingest(store_path, clips)
    assert snapshot(store_path) == before
    assert len(report.with_status("known")) == 5

    moved = clips.parent / "moved"
    clips.rename(moved)
    ingest(store_path, moved)
    after = snapshot(store_path)
    assert after["tracks"] == before["tracks"] and after["artists"] == before["artists"]
    with Store.open(store_path, read_only=True) as store:
        paths = [p for (p,) in store.con.execute("SELECT path FROM audio_files").fetchall()]
    assert all(path.startswith(str(moved)) for path in paths)


def test_the_same_bytes_twice_are_one_file(store_path, clips):
    shutil.copy(clips / "Kevin_MacLeod_-_Vibe_Ace.ogg", clips / "copy of vibe ace.ogg")
    report = ingest(store_path, clips)
    assert len(report.with_status("duplicate")) == 1
    with Store.open(store_path, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM audio_files").fetchone()[0] == 7


def test_cli_reports_and_a_bad_manifest_is_one_line(store_path, clips, capsys):
    assert main(["--store", str(store_path), "ingest", "audio", str(clips), "--workers", "1",
                 "--features", str(store_path.parent / "features")]) == 0
    out = capsys.readouterr().out
    assert "ingested 7 audio files" in out and "5 new" in out
    assert "skipped" in out and "Broken Band - Noise.ogg" in out

    (clips / "manifest.csv").write_text("file,band\nx.ogg,X\n", encoding="utf-8")
    assert main(["--store", str(store_path), "ingest", "audio", str(clips)]) == 2
    err = capsys.readouterr().err
    assert "manifest.csv:1" in err and "path,artist,title" in err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kevin_MacLeod_-_Vibe_Ace.ogg", ("Kevin MacLeod", "Vibe Ace")),
        ("Minor Threat - Filler.mp3", ("Minor Threat", "Filler")),
        ("AC_DC - Back In Black.flac", ("AC_DC", "Back In Black")),
        ("Choice - Drum-bass - Remix.wav", ("Choice", "Drum-bass - Remix")),
        ("track01.wav", (None, "track01")),
        (" - Nameless.ogg", (None, "- Nameless")),
    ],
)
def test_names_from_file_names(name, expected):
    assert name_from_filename(Path(name)) == expected


def test_a_folder_without_audio_is_one_line(store_path, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["--store", str(store_path), "ingest", "audio", str(tmp_path / "empty")]) == 2
    assert "no audio files" in capsys.readouterr().err
