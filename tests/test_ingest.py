import gzip
import shutil
from pathlib import Path

import pytest

from cli.main import main
from store import Store
from store.catalog import catalog_counts
from tests.conftest import BUNDLED_HETREC
from train.ingest import write as write_module
from train.ingest.hetrec import read_hetrec
from train.ingest.listens_csv import read_listens_csv
from train.ingest.tables import IngestError
from train.ingest.write import write_catalog

HETREC_FILES = ["artists.dat", "user_artists.dat", "tags.dat", "user_taggedartists.dat"]


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every catalog table, to prove a failed ingest changed nothing."""
    with Store.open(path, read_only=True) as store:
        return {
            table: store.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("artists", "users", "listens", "tags", "artist_tags", "user_tags")
        }


def test_bundled_counts(bundled_store_path):
    with Store.open(bundled_store_path, read_only=True) as store:
        counts = catalog_counts(store)
        users_with_listens = store.con.execute(
            "SELECT count(DISTINCT user_id) FROM listens"
        ).fetchone()[0]
    assert counts["artists"] == 17_632
    assert counts["listens"] == 92_834
    assert counts["users"] == users_with_listens == 1_892
    assert counts["tags"] == 11_946
    # Every tagging of an artist that artists.dat lists, one per person.
    assert counts["user_tags"] == 184_941


def test_latin1_tags_and_utf8_names_decode(bundled_store_path):
    with Store.open(bundled_store_path, read_only=True) as store:
        tags = {name for (name,) in store.con.execute("SELECT name FROM tags").fetchall()}
        artists = {name for (name,) in store.con.execute("SELECT name FROM artists").fetchall()}
    assert {"tropicália", "rock français", "fußball", "español"} <= tags
    assert {"Röyksopp", "The Crüxshadows", "Café Del Mar"} <= artists


def test_popularity_and_tags_of_a_known_band(bundled_store_path):
    with Store.open(bundled_store_path, read_only=True) as store:
        listeners, plays, norm = store.con.execute(
            """SELECT listeners, plays, norm_name FROM artists
               JOIN artist_popularity USING (artist_id) WHERE name = 'Minor Threat'"""
        ).fetchone()
        top_tag = store.con.execute(
            """SELECT t.name FROM artist_tags JOIN tags t USING (tag_id)
               JOIN artists a USING (artist_id) WHERE a.name = 'Minor Threat'
               ORDER BY weight DESC, t.name LIMIT 1"""
        ).fetchone()[0]
    assert (listeners, plays, norm) == (6, 4_635, "minor threat")
    assert top_tag == "hardcore"
    with Store.open(bundled_store_path, read_only=True) as store:
        # artist_tags counts the people in user_tags.
        mismatched = store.con.execute(
            """SELECT count(*) FROM artist_tags a FULL JOIN (
                   SELECT artist_id, tag_id, count(*) AS people FROM user_tags
                   GROUP BY ALL) u USING (artist_id, tag_id)
               WHERE a.weight IS DISTINCT FROM u.people"""
        ).fetchone()[0]
    assert mismatched == 0


def test_reingest_is_idempotent(bundled_store_copy):
    before = snapshot(bundled_store_copy)
    assert main(["--store", str(bundled_store_copy), "ingest", "hetrec", str(BUNDLED_HETREC)]) == 0
    assert snapshot(bundled_store_copy) == before


def test_listens_csv_matches_catalog_by_name_and_is_idempotent(bundled_store_copy, tmp_path):
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text(
        'user,artist,plays\nann,minor threat,10\nann,"Cure, The",3\nann,The Cure,2\n'
        "bob,A Band Nobody Knows,7\n",
        encoding="utf-8",
    )
    argv = ["--store", str(bundled_store_copy), "ingest", "listens", str(csv_path)]
    assert main(argv) == 0
    once = snapshot(bundled_store_copy)
    assert main(argv) == 0
    assert snapshot(bundled_store_copy) == once

    with Store.open(bundled_store_copy, read_only=True) as store:
        rows = store.con.execute(
            """SELECT u.source_key, a.name, a.source, l.plays
               FROM listens l JOIN users u USING (user_id) JOIN artists a USING (artist_id)
               WHERE u.source = 'listens:mine' ORDER BY ALL"""
        ).fetchall()
        assert store.con.execute("SELECT count(*) FROM artists").fetchone()[0] == 17_633
    assert rows == [
        ("ann", "Minor Threat", "hetrec", 10),
        ("ann", "The Cure", "hetrec", 5),
        ("bob", "A Band Nobody Knows", "listens:mine", 7),
    ]


def copy_hetrec(tmp_path: Path) -> Path:
    directory = tmp_path / "hetrec"
    shutil.copytree(BUNDLED_HETREC, directory)
    return directory


def rewrite(path: Path, text: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)


def bad_missing_file(directory: Path) -> str:
    (directory / "tags.dat.gz").unlink()
    return "tags.dat.gz: no such file"


def bad_wrong_columns(directory: Path) -> str:
    rewrite(directory / "user_artists.dat.gz", "userID\tartist\tplays\n2\t51\t13883\n")
    return "user_artists.dat.gz:1: expected columns userID, artistID, weight"


def bad_empty_file(directory: Path) -> str:
    rewrite(directory / "artists.dat.gz", "")
    return "artists.dat.gz: the file is empty"


def bad_play_count(directory: Path) -> str:
    rewrite(directory / "user_artists.dat.gz", "userID\tartistID\tweight\n2\t51\t13883\n2\t52\tlots\n")
    return "user_artists.dat.gz:3: weight must be a whole number ≥ 0, found 'lots'"


def bad_header_only(directory: Path) -> str:
    rewrite(directory / "user_artists.dat.gz", "userID\tartistID\tweight\n")
    return "user_artists.dat.gz: no rows after the header"


def bad_byte_far_down(directory: Path) -> str:
    rows = "".join(f"2\t{51 + n % 50}\t{n}\n" for n in range(5000))
    with gzip.open(directory / "user_artists.dat.gz", "wb") as handle:
        handle.write(("userID\tartistID\tweight\n" + rows).encode())
        handle.write(b"2\t51\t1\xff\n")  # line 5002, far past a decoder's first block
    return "user_artists.dat.gz:5002: not valid utf-8 text"


def bad_nul_in_a_name(directory: Path) -> str:
    rewrite(directory / "artists.dat.gz", "id\tname\turl\tpictureURL\n1\tMAL\x00ICE\tx\ty\n")
    return "artists.dat.gz:2: name must be text without control characters"


def bad_truncated_gzip(directory: Path) -> str:
    path = directory / "user_taggedartists.dat.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "user_taggedartists.dat.gz:"


@pytest.mark.parametrize(
    "break_it",
    [bad_missing_file, bad_wrong_columns, bad_empty_file, bad_play_count, bad_header_only,
     bad_byte_far_down, bad_nul_in_a_name, bad_truncated_gzip],
)
def test_bad_input_is_one_line_and_changes_nothing(break_it, bundled_store_copy, tmp_path, capsys):
    directory = copy_hetrec(tmp_path)
    expected = break_it(directory)
    before = snapshot(bundled_store_copy)

    code = main(["--store", str(bundled_store_copy), "ingest", "hetrec", str(directory)])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("sage: error: ") and expected in err
    assert snapshot(bundled_store_copy) == before


def test_truncated_gzip_names_the_line_it_reached(tmp_path):
    directory = copy_hetrec(tmp_path)
    bad_truncated_gzip(directory)
    with pytest.raises(IngestError, match=r"user_taggedartists\.dat\.gz:\d+: truncated or corrupt"):
        read_hetrec(directory)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("user,artist,plays\nann,Minor Threat,-3\n", ":2: plays must be a whole number"),
        ("user,artist,plays\nann,,3\n", ":2: artist must be non-empty text"),
        ("user,artist\nann,Minor Threat\n", ":1: expected columns user, artist, plays"),
        ("user,artist,plays\n", "no rows after the header"),
        ("user,artist,plays\nann,Minor Threat\n", ":2: expected 3 fields, found 2"),
        ("user,artist,plays\nann,Minor\x00Threat,3\n", ":2: artist must be non-empty text"),
    ],
)
def test_bad_listens_csv(content, message, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=message):
        read_listens_csv(path, source="listens:bad")


def test_failure_inside_the_write_rolls_back(bundled_store_copy, monkeypatch):
    """A failure after every statement ran, before the commit, leaves no trace."""
    merge = write_module._merge

    def merge_then_fail(con, batch):
        merge(con, batch)
        raise RuntimeError("disk full")

    monkeypatch.setattr(write_module, "_merge", merge_then_fail)
    batch = read_hetrec(BUNDLED_HETREC)
    batch.source = "hetrec-again"  # every row would be new
    before = snapshot(bundled_store_copy)
    with Store.open(bundled_store_copy) as store, pytest.raises(RuntimeError):
        write_catalog(store, batch)
    assert snapshot(bundled_store_copy) == before
