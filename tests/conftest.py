"""Shared fixtures: stores built from the bundled data, once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from store import Store
from train.ingest.hetrec import read_hetrec
from train.ingest.write import write_catalog

REPO = Path(__file__).resolve().parent.parent
BUNDLED_HETREC = REPO / "data" / "hetrec2011-lastfm-2k"
SHARED_DATA = REPO.parent / "shared" / "data"

# The Discord bot's fixtures (dpytest, a small engine), kept in their own module.
pytest_plugins = ["tests.bot_fixtures", "tests.track_store"]


@pytest.fixture(scope="session")
def bundled_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled Last.fm catalog. Treat it as read-only."""
    path = tmp_path_factory.mktemp("bundled") / "sage.duckdb"
    with Store.open(path) as store:
        write_catalog(store, read_hetrec(BUNDLED_HETREC))
    return path


@pytest.fixture
def bundled_store_copy(bundled_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the bundled store, for tests that write."""
    path = tmp_path / "sage.duckdb"
    shutil.copyfile(bundled_store_path, path)
    return path
