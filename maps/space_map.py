"""Where everything goes in the map of a whole space: plain data, computed without drawing.

Every artist is a small dot coloured by its scene, the most important drawn last so
they stay visible. Labels go on in order of what the reader looks for first: a query's
likes and results, then the scenes' names (at the median of each big scene's dots),
then the most important bands as long as they fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from engine.answer import Answer
from engine.query import Polarity
from engine.scenes import NO_SCENE, Scenes
from maps.labels import (
    Box,
    Label,
    LabelRequest,
    TextMeasure,
    can_draw,
    drawable,
    place_labels,
)
from maps.style import DPI, LABEL_FONT_SIZE, TITLE_FONT_SIZE, scene_colours

if TYPE_CHECKING:
    from maps.projection import Projection

WIDTH, HEIGHT = 1200, 900  # pixels
_MARGIN = 24
_TITLE_BAND = 48
_DOT_RADIUS = 1.6  # pixels
_MARK_RADIUS = 7.0  # pixels: a highlighted artist
_SCENE_FONT_SIZE = 11.0
_MIN_SCENE_SHARE = 0.01  # scenes smaller than this share of the dots get no name on the map
_DENSITY_CELLS = 24  # the grid, per side, in which a scene's densest cell is found
_BAND_LABELS = 40  # the most important bands labelled, at most
_BAND_CANDIDATES = 150  # how far down the importance order to look for bands that fit


@dataclass(frozen=True)
class Highlight:
    """A query's bands to show on the map."""

    caption: str  # what was asked, as understood
    likes: tuple[int, ...]  # artist ids
    results: tuple[int, ...]  # artist ids, best first


@dataclass(frozen=True)
class SpaceMapLayout:
    """Everything a drawing of a space needs, in pixels (origin bottom left)."""

    width: int
    height: int
    dpi: int
    title: str
    title_xy: tuple[float, float]
    xy: np.ndarray  # float64 (n, 2): every artist, in drawing order (least important first)
    colour: np.ndarray  # float64 (n, 4)
    dot_radius: float
    like_xy: np.ndarray  # float64 (k, 2): a query's likes
    result_xy: np.ndarray  # float64 (r, 2): its results
    mark_radius: float
    labels: list[Label]
    scene_labels: list[Label]  # the scenes' names, drawn in their colour; request = scene
    scene_colour: dict[int, tuple[float, float, float, float]]


def highlight_of(answer: Answer) -> Highlight:
    items = answer.recommendation.items if answer.recommendation else ()
    likes = tuple(
        t.artist.artist_id for t in answer.understood.terms
        if t.term.polarity is Polarity.LIKE and t.artist is not None
    )
    caption = "like " + ", ".join(answer.likes) if answer.likes else answer.text
    return Highlight(caption, likes, tuple(item.artist_id for item in items))


def layout_space_map(
    projection: Projection,
    names: Sequence[str],
    scenes: Scenes,
    *,
    highlight: Highlight | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    dpi: int = DPI,
) -> SpaceMapLayout:
    """`names` are the artists' names, one per projection row."""
    measure = TextMeasure(dpi)
    area = Box(_MARGIN, _MARGIN, width - _MARGIN, height - _TITLE_BAND)
    xy = _fit(projection.xy, area)
    community = scenes.community_of(projection.artist_ids)
    order = np.lexsort((projection.artist_ids, scenes.pagerank_of(projection.artist_ids)))
    likes = _rows_in(projection.artist_ids, highlight.likes if highlight else ())
    results = _rows_in(projection.artist_ids, highlight.results if highlight else ())

    marks = []
    for rank, row in enumerate(likes + results):
        name = drawable(names[row], "")  # a result keeps its number at least
        text = name if rank < len(likes) else f"{rank - len(likes) + 1}. {name}".strip()
        if text:
            marks.append(LabelRequest(text, tuple(xy[row]), _MARK_RADIUS, LABEL_FONT_SIZE + 1,
                                      bold=True))
    anchors = _scene_anchors(xy, community)
    scene_names = [
        LabelRequest(drawable(scenes.names.get(scene, ""), f"scene {scene}"), anchor, 0.0,
                     _SCENE_FONT_SIZE, bold=True, centred=True)
        for scene, anchor in anchors
    ]
    marked = set(likes + results)
    bands = [  # the most important first (drawn last)
        LabelRequest(names[row], tuple(xy[row]), _DOT_RADIUS, LABEL_FONT_SIZE, reach_out=False)
        for row in order[::-1][:_BAND_CANDIDATES].tolist()
        if row not in marked and can_draw(names[row])
    ]
    placed = place_labels(
        marks + scene_names + bands, xy[likes + results].reshape(-1, 2),
        np.full(len(likes) + len(results), _MARK_RADIUS), Box(0, 0, width, area.y1), measure,
    )
    first_band = len(marks) + len(scene_names)

    title = (f"The {projection.space} space (run {projection.run_id}): "
             f"{len(xy):,} artists, t-SNE")
    if highlight is not None:
        title += " · " + drawable(highlight.caption, "your query")
    title = measure.clip(title, TITLE_FONT_SIZE, True, width - 2 * _MARGIN)
    shown = np.unique(community)
    return SpaceMapLayout(
        width=width, height=height, dpi=dpi, title=title,
        title_xy=(_MARGIN, height - _TITLE_BAND + (_TITLE_BAND - TITLE_FONT_SIZE) / 2),
        xy=xy[order], colour=scene_colours(community)[order], dot_radius=_DOT_RADIUS,
        like_xy=xy[likes].reshape(-1, 2), result_xy=xy[results].reshape(-1, 2),
        mark_radius=_MARK_RADIUS,
        labels=([label for label in placed if label.request < len(marks)]
                + [label for label in placed if label.request >= first_band][:_BAND_LABELS]),
        scene_labels=[
            replace(label, request=anchors[label.request - len(marks)][0])
            for label in placed if len(marks) <= label.request < first_band
        ],
        scene_colour={scene: tuple(colour) for scene, colour
                      in zip(shown.tolist(), scene_colours(shown), strict=True)},
    )


def _rows_in(artist_ids: np.ndarray, wanted: Sequence[int]) -> list[int]:
    """The rows of the wanted artists that the projection has (its ids are ascending)."""
    wanted = np.asarray(wanted, dtype=np.int64)
    rows = np.searchsorted(artist_ids, wanted).clip(0, max(len(artist_ids) - 1, 0))
    return rows[artist_ids[rows] == wanted].tolist() if len(artist_ids) else []


def _fit(raw: np.ndarray, area: Box) -> np.ndarray:
    """Scale alike on both axes (t-SNE distances mean the same either way) so that all but
    the farthest few outliers fill the area; those are pulled in to its edge."""
    low, high = np.percentile(raw, 0.5, axis=0), np.percentile(raw, 99.5, axis=0)
    size = np.array([area.x1 - area.x0, area.y1 - area.y0]) - 4 * _MARK_RADIUS
    scale = float(np.min(size / np.maximum(high - low, 1e-9)))
    centre = np.array([(area.x0 + area.x1) / 2, (area.y0 + area.y1) / 2])
    xy = centre + (raw - (low + high) / 2) * scale
    return np.clip(xy, [area.x0, area.y0], [area.x1, area.y1])


def _scene_anchors(xy: np.ndarray, community: np.ndarray) -> list[tuple[int, tuple[float, float]]]:
    """Each big scene and where its dots are densest, biggest scene first. (A scene often
    lies in several islands of the map; its median falls in the sea between them.)"""
    scenes, counts = np.unique(community[community != NO_SCENE], return_counts=True)
    big = counts >= _MIN_SCENE_SHARE * len(xy)
    low, high = xy.min(axis=0), xy.max(axis=0)
    cell = np.floor((xy - low) / np.maximum(high - low, 1e-9) * _DENSITY_CELLS).clip(
        0, _DENSITY_CELLS - 1).astype(np.int64)
    cell_of = cell[:, 0] * _DENSITY_CELLS + cell[:, 1]
    anchors = []
    for scene in scenes[big][np.argsort(-counts[big], kind="stable")].tolist():
        mine = community == scene
        densest = np.argmax(np.bincount(cell_of[mine], minlength=_DENSITY_CELLS ** 2))
        centre = xy[mine & (cell_of == densest)].mean(axis=0)
        anchors.append((scene, (float(centre[0]), float(centre[1]))))
    return anchors
