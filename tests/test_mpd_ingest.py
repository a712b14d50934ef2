"""`sage ingest mpd`: playlists in the Million Playlist Dataset's format."""

import gzip
import json
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from store import Store
from store.catalog import load_playlists
from tests.conftest import SHARED_DATA
from train.ingest.batch import CatalogBatch
from train.ingest.mpd import ingest_mpd
from train.ingest.write import write_catalog

FIXTURE = Path(__file__).parent / "fixtures" / "mpd" / "mpd.slice.0-3.json"
SHARED_SLICES = SHARED_DATA / "spotify-mpd-subset-soundscout" / "mpd_subset_slices.tar.gz"
TABLES = ("artists", "tracks", "playlists", "playlist_tracks")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store whose catalog already knows The Cure and Röyksopp."""
    path = tmp_path / "sage.duckdb"
    batch = CatalogBatch(source="test", match_artists_by_name=False)
    batch.artists = [("1", "The Cure", None), ("2", "Röyksopp", None)]
    with Store.open(path) as store:
        write_catalog(store, batch)
    return path


def snapshot(path: Path) -> dict[str, list[tuple]]:
    with Store.open(path, read_only=True) as store:
        return {
            table: store.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in TABLES
        }


def ingest(store_path: Path, *paths: Path) -> int:
    return main(["--store", str(store_path), "ingest", "mpd", *map(str, paths)])


def test_playlists_tracks_and_artists(store_path):
    assert ingest(store_path, FIXTURE) == 0
    with Store.open(store_path, read_only=True) as store:
        artists = dict(store.con.execute(
            "SELECT name, (artist_id, source, source_key) FROM artists"
        ).fetchall())
        tracks = store.con.execute(
            """SELECT t.source_key, t.title, t.norm_title, t.album, a.name
               FROM tracks t JOIN artists a USING (artist_id) ORDER BY t.track_id"""
        ).fetchall()
        entries = store.con.execute(
            """SELECT p.name, pt.pos, t.title FROM playlist_tracks pt
               JOIN playlists p USING (playlist_id) JOIN tracks t USING (track_id)
               ORDER BY p.playlist_id, pt.pos"""
        ).fetchall()
        playlists = store.con.execute(
            "SELECT name, source, source_key FROM playlists ORDER BY playlist_id"
        ).fetchall()
    # Both spellings of The Cure, and Röyksopp, are the catalog's artists.
    assert artists["The Cure"][:2] == (1, "test")
    assert artists["Röyksopp"][:2] == (2, "test")
    assert "CURE, THE" not in artists
    # New artists are keyed by URI where the slice gives one, else by normalised name.
    assert artists["Minor Threat"][1:] == ("mpd", "spotify:artist:minorthreat0000000000000")
    assert artists["Joy Division"][1:] == ("mpd", "joy division")
    assert len(artists) == 6
    # A track listed twice is one track, with the album of its first entry.
    assert len(tracks) == 8
    assert tracks[0] == ("spotify:track:minorthreat0000000000001", "Straight Edge",
                         "straight edge", "Complete Discography", "Minor Threat")
    assert ("spotify:track:cure0000000000000000001", "Pictures of You", "pictures of you",
            None, "The Cure") in tracks
    assert entries[:4] == [("dc hardcore", 0, "Straight Edge"), ("dc hardcore", 1, "Pay to Cum"),
                           ("dc hardcore", 2, "Filler"), ("dc hardcore", 3, "Waiting Room")]
    assert [name for name, _, _ in entries].count("mixed") == 3
    assert playlists == [("dc hardcore", "mpd", "0"), ("sad songs", "mpd", "1"),
                         ("mixed", "mpd", "2"), ("empty for now", "mpd", "3")]


def test_load_playlists_is_flat_and_ordered(store_path):
    ingest_mpd(store_path, [FIXTURE])
    with Store.open(store_path, read_only=True) as store:
        playlists = load_playlists(store)
        minor_threat, cure = (
            store.con.execute("SELECT artist_id FROM artists WHERE name = ?", [name]).fetchone()[0]
            for name in ("Minor Threat", "The Cure")
        )
    # The empty playlist has no entries, so it is left out.
    assert len(playlists) == 3
    assert playlists.offsets.tolist() == [0, 4, 7, 10]
    assert playlists.n_entries == 10
    first = playlists.artist_ids[: playlists.offsets[1]]
    assert first[0] == first[2] == minor_threat
    second = playlists.artist_ids[playlists.offsets[1] : playlists.offsets[2]]
    assert second[0] == second[2] == cure
    assert len(np.unique(playlists.track_ids)) == 8


def test_reingest_changes_nothing(store_path):
    assert ingest(store_path, FIXTURE) == 0
    once = snapshot(store_path)
    assert ingest(store_path, FIXTURE) == 0
    assert snapshot(store_path) == once


def _gzipped(tmp_path: Path) -> Path:
    target = tmp_path / "mpd.slice.0-3.json.gz"
    target.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    return target


def _tarred(tmp_path: Path) -> Path:
    target = tmp_path / "slices.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        archive.add(FIXTURE, arcname="data/mpd.slice.0-3.json")
    return target


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "mpd" / "data").mkdir(parents=True)
    shutil.copy(FIXTURE, tmp_path / "mpd" / "data")
    (tmp_path / "mpd" / "README.md").write_text("not a slice")
    return tmp_path / "mpd"


@pytest.mark.parametrize("packed", [_gzipped, _tarred, _folder])
def test_gzip_tar_and_folders_read_the_same(store_path, tmp_path, packed):
    plain = tmp_path / "plain.duckdb"
    shutil.copyfile(store_path, plain)
    assert ingest(plain, FIXTURE) == 0
    assert ingest(store_path, packed(tmp_path)) == 0
    assert snapshot(store_path) == snapshot(plain)


def test_a_changed_playlist_is_rewritten_and_the_rest_kept(store_path, tmp_path):
    ingest_mpd(store_path, [FIXTURE])
    before = snapshot(store_path)
    document = json.loads(FIXTURE.read_text())
    sad = document["playlists"][1]
    sad["name"] = "sadder songs"
    sad["tracks"] = sad["tracks"][:2]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))

    counts = ingest_mpd(store_path, [changed])

    assert (counts.new_playlists, counts.new_tracks, counts.new_artists) == (0, 0, 0)
    after = snapshot(store_path)
    assert after["tracks"] == before["tracks"]
    assert [row[1] for row in after["playlists"]] == [
        "dc hardcore", "sadder songs", "mixed", "empty for now"]
    lost = set(before["playlist_tracks"]) - set(after["playlist_tracks"])
    assert lost == {(2, 2, 7)}  # playlist 2 ("sad songs") lost its entry at position 2
    assert set(after["playlist_tracks"]) < set(before["playlist_tracks"])


def _slice_with(tmp_path: Path, edit) -> Path:
    document = json.loads(FIXTURE.read_text())
    edit(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, indent=4))
    return path


def _truncated_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(FIXTURE.read_bytes()[:500])
    return path, "bad.json:18: malformed or truncated JSON"


def _truncated_gzip(tmp_path):
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(FIXTURE.read_bytes())[:200])
    return path, "bad.json.gz: truncated or corrupt gzip data"


def _corrupt_tar(tmp_path):
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(_tarred(tmp_path).read_bytes()[:300])
    return path, "bad.tar.gz: truncated or corrupt archive"


def _missing_track_uri(tmp_path):
    path = _slice_with(tmp_path, lambda d: d["playlists"][1]["tracks"][2].pop("track_uri"))
    return path, "bad.json: playlist 1 (pid 1), track 2: no track_uri"


def _empty_artist_name(tmp_path):
    def edit(document):
        document["playlists"][0]["tracks"][3]["artist_name"] = ""
    message = "bad.json: playlist 0 (pid 0), track 3: artist_name is empty"
    return _slice_with(tmp_path, edit), message


def _text_pid(tmp_path):
    def edit(document):
        document["playlists"][2]["pid"] = "2"
    message = "bad.json: playlist 2: pid must be a whole number ≥ 0, found '2'"
    return _slice_with(tmp_path, edit), message


def _not_a_slice(tmp_path):
    path = _slice_with(tmp_path, lambda d: d.pop("playlists"))
    return path, 'bad.json: not an MPD slice: no "playlists" list at the top'


def _missing_file(tmp_path):
    return tmp_path / "nowhere.json", "nowhere.json: no such file or folder"


def _duplicate_pid(tmp_path):
    def edit(document):
        document["playlists"] = document["playlists"][:1]
    return _slice_with(tmp_path, edit), "bad.json: pid 0 appears twice in the files ingested"


@pytest.mark.parametrize("bad_file", [
    _truncated_json, _truncated_gzip, _corrupt_tar, _missing_track_uri, _empty_artist_name,
    _text_pid, _not_a_slice, _missing_file, _duplicate_pid,
])
def test_a_bad_file_is_one_line_and_changes_nothing(store_path, tmp_path, capsys, bad_file):
    before = snapshot(store_path)
    path, message = bad_file(tmp_path)
    # The good slice comes first: its playlists must not be written either.
    assert ingest(store_path, FIXTURE, path) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].startswith("sage: error: ") and message in errors[0]
    assert snapshot(store_path) == before


def test_a_bad_file_does_not_create_the_store(tmp_path):
    store_path = tmp_path / "new.duckdb"
    assert ingest(store_path, tmp_path / "nowhere.json") == 2
    assert not store_path.exists()


@pytest.mark.skipif(not SHARED_SLICES.is_file(), reason="the shared MPD subset is absent")
def test_the_shared_mpd_subset(tmp_path):
    counts = ingest_mpd(tmp_path / "sage.duckdb", [SHARED_SLICES])
    # SOURCE.md: 932 files, 5,365 playlists, 519,521 entries, 169,802 distinct track URIs.
    assert (counts.files, counts.playlists, counts.entries) == (932, 5_365, 519_521)
    assert counts.new_playlists == 5_365
    assert counts.new_tracks == 169_802
    # 37,315 distinct artist_name strings, fewer once spellings are folded together.
    assert 30_000 < counts.new_artists < 37_315
    with Store.open(tmp_path / "sage.duckdb", read_only=True) as store:
        playlists = load_playlists(store)
        minor_threat = store.con.execute(
            """SELECT count(*) FROM playlist_tracks JOIN tracks USING (track_id)
               JOIN artists a USING (artist_id) WHERE a.name = 'Minor Threat'"""
        ).fetchone()[0]
    assert (len(playlists), playlists.n_entries) == (5_365, 519_521)
    assert minor_threat == 6  # as SOURCE.md counts it
