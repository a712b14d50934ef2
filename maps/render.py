"""From the store to a PNG: what `sage map`, `sage ask --map` and the bot call.

The store is open only while the neighbourhood is read, never while drawing, so a map
never holds the store against a training run that wants to write it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.answer import Engine
from engine.scenes import Scenes
from maps.draw import neighbourhood_png, space_map_png
from maps.file_names import file_stem
from maps.neighbourhood import layout_neighbourhood
from maps.projection import cache_dir_for, project_space
from maps.related import DEFAULT_HOPS, DEFAULT_MAX_NODES, read_neighbourhood
from maps.space_map import Highlight, layout_space_map
from store.db import Store
from store.errors import UserError


def neighbourhood_map(
    store_path: Path,
    artist_id: int,
    scenes: Scenes,
    *,
    hops: int = DEFAULT_HOPS,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> bytes:
    """The PNG of `artist_id`'s neighbourhood; `scenes` as loaded by the engine."""
    with Store.open(store_path, read_only=True) as store:
        hood = read_neighbourhood(store, artist_id, scenes, hops=hops, max_nodes=max_nodes)
    return neighbourhood_png(layout_neighbourhood(hood))


@dataclass(frozen=True)
class BandMap:
    name: str  # the band as the catalog spells it
    png: bytes

    @property
    def file_name(self) -> str:
        """A safe file name: "Minor Threat" -> "minor-threat.png"."""
        return f"{file_stem(self.name)}.png"


def band_map(engine: Engine, store_path: Path, text: str) -> BandMap:
    """The neighbourhood of the band `text` names, read as a query is ("Minor Threat",
    "of Converge"), with the engine's scenes: `map BAND` in the bot and `sage chat`.
    Raises UserError for a text that names no band, or a band with no map."""
    resolution = engine.band_named(text)
    if resolution.artist is None:
        raise UserError(resolution.describe())
    png = neighbourhood_map(store_path, resolution.artist.artist_id, engine.scenes)
    return BandMap(resolution.artist.name, png)


def space_map(engine: Engine, store_path: Path, highlight: Highlight | None = None) -> bytes:
    """The PNG of the engine's whole space, its projection cached beside the store."""
    space = engine.space
    projection = project_space(
        space, engine.scenes.pagerank_of(space.entity_ids), cache_dir=cache_dir_for(store_path)
    )
    names = space.artist_names(projection.artist_ids)
    return space_map_png(layout_space_map(projection, names, engine.scenes, highlight=highlight))
