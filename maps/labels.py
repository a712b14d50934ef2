"""Label placement: readable labels that neither overlap each other nor cover a node.

Greedy and deterministic: labels are placed in the order given (most important first),
each at the first of a few candidate spots around its point that stays on the canvas,
clear of every label placed before it and of every obstacle disc; a label with no
free spot is left out. Text is measured by matplotlib's own layout at the drawing's
DPI, so the boxes here are the boxes the image will have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from maps.style import FONT_FAMILY, HALO_WIDTH

# Spots around a point, as (x, y) directions tried in order: beside it first, where a
# label reads most naturally, then above and below, then the corners.
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
# Each direction is tried this many label heights further out before giving up on it.
_STEPS_OUT = (0.0, 1.2, 2.4)
_GAP = 3.0  # pixels between a point's disc and its label


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in pixels, y pointing up."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (self.x0 < other.x1 and other.x0 < self.x1
                and self.y0 < other.y1 and other.y0 < self.y1)

    def inside(self, other: Box) -> bool:
        return (other.x0 <= self.x0 and self.x1 <= other.x1
                and other.y0 <= self.y0 and self.y1 <= other.y1)


@dataclass(frozen=True)
class LabelRequest:
    text: str
    anchor: tuple[float, float]  # the point labelled, pixels
    radius: float  # the point's disc, pixels: the label starts beyond it
    font_size: float
    bold: bool = False
    centred: bool = False  # try centred on the anchor first (a name for an area, not a dot)
    reach_out: bool = True  # may sit further out, with a leader line, when nothing is free near


@dataclass(frozen=True)
class Label:
    text: str
    x: float  # where the text's box starts (left, bottom), pixels
    y: float
    font_size: float
    bold: bool
    box: Box  # what the text and its halo cover
    request: int  # which request it answers
    leader: tuple[float, float, float, float] | None = None  # a line from its point, when far


class TextMeasure:
    """Text sizes in pixels as matplotlib lays text out at `dpi`; thread-safe per object
    only, so each drawing makes its own."""

    def __init__(self, dpi: float):
        self._figure = Figure(dpi=dpi)
        self._renderer = FigureCanvasAgg(self._figure).get_renderer()
        self.halo = HALO_WIDTH * dpi / 72  # pixels the halo adds to a text's width and height

    def size(self, text: str, font_size: float, bold: bool = False) -> tuple[float, float]:
        """Width and height of the box `text` covers with its halo."""
        artist = self._figure.text(
            0, 0, text, fontsize=font_size, family=FONT_FAMILY,
            weight="bold" if bold else "normal", ha="left", va="bottom",
        )
        extent = artist.get_window_extent(self._renderer)
        artist.remove()
        return extent.width + self.halo, extent.height + self.halo

    def clip(self, text: str, font_size: float, bold: bool, width: float) -> str:
        """`text`, cut short with "…" if it is wider than `width` pixels."""
        if self.size(text, font_size, bold)[0] <= width:
            return text
        fits, too_long = 0, len(text)  # a binary search on how many characters fit
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if self.size(text[:middle] + "…", font_size, bold)[0] <= width:
                fits = middle
            else:
                too_long = middle
        return text[:fits].rstrip() + "…"


def can_draw(text: str) -> bool:
    """Whether the map font has every character of `text`: a name in a script it lacks
    would come out as empty boxes, so such a name is better left unlabelled."""
    font = _map_font()
    return all(font.get_char_index(ord(char)) != 0 for char in text if not char.isspace())


def drawable(text: str, fallback: str) -> str:
    """`text` where the map font can draw it, else `fallback`."""
    return text if can_draw(text) else fallback


@lru_cache(maxsize=1)
def _map_font():
    return font_manager.get_font(
        font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY))
    )


def place_labels(
    requests: Sequence[LabelRequest],
    obstacles: np.ndarray,
    obstacle_radii: np.ndarray,
    canvas: Box,
    measure: TextMeasure,
) -> list[Label]:
    """Place what fits, in order. No label covers an obstacle disc (centres n x 2), the
    point of a label placed before it, or another label; a label whose own point an
    earlier label covers is left out too, as it would name a hidden point."""
    discs = np.asarray(obstacles, dtype=np.float64).reshape(-1, 2)
    radii = np.asarray(obstacle_radii, dtype=np.float64).reshape(-1)
    placed: list[Label] = []
    boxes = np.zeros((0, 4))
    for index, request in enumerate(requests):
        point = np.array([request.anchor]), np.array([request.radius])
        if _hits_discs(boxes, *point).any():
            continue
        width, height = measure.size(request.text, request.font_size, request.bold)
        for box, far in _candidates(request, width, height):
            candidate = np.array([[box.x0, box.y0, box.x1, box.y1]])
            if (box.inside(canvas) and not _hits_boxes(box, boxes)
                    and not _hits_discs(candidate, discs, radii).any()):
                inset = measure.halo / 2
                placed.append(Label(request.text, box.x0 + inset, box.y0 + inset,
                                    request.font_size, request.bold, box, index,
                                    _leader(request, box) if far else None))
                boxes = np.vstack([boxes, candidate])
                if not request.centred:  # a name for an area marks no point of its own
                    discs, radii = np.vstack([discs, point[0]]), np.append(radii, point[1])
                break
    return placed


def _candidates(request: LabelRequest, width: float, height: float):
    x, y = request.anchor
    if request.centred:
        yield Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2), False
    for step in _STEPS_OUT if request.reach_out else _STEPS_OUT[:1]:
        reach = request.radius + _GAP + step * height
        for dx, dy in _DIRECTIONS:
            # Beside the point the label's near edge sits `reach` away, centred on the
            # other axis; on a diagonal both near edges do.
            left = x + dx * reach - (width if dx < 0 else 0 if dx > 0 else width / 2)
            bottom = y + dy * reach - (height if dy < 0 else 0 if dy > 0 else height / 2)
            yield Box(left, bottom, left + width, bottom + height), step > 0


def _leader(request: LabelRequest, box: Box) -> tuple[float, float, float, float]:
    """From the edge of the point's disc to the nearest point of the label's box."""
    x, y = request.anchor
    to_x, to_y = min(max(x, box.x0), box.x1), min(max(y, box.y0), box.y1)
    length = max(np.hypot(to_x - x, to_y - y), 1e-9)
    return (x + (to_x - x) * request.radius / length, y + (to_y - y) * request.radius / length,
            to_x, to_y)


def _hits_boxes(box: Box, boxes: np.ndarray) -> bool:
    return bool(np.any(
        (box.x0 < boxes[:, 2]) & (boxes[:, 0] < box.x1)
        & (box.y0 < boxes[:, 3]) & (boxes[:, 1] < box.y1)
    ))


def _hits_discs(boxes: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each box (rows of x0, y0, x1, y1), whether it comes closer to any centre than
    that centre's radius."""
    x0, y0, x1, y1 = (boxes[:, i, None] for i in range(4))
    dx = np.maximum(np.maximum(x0 - centres[None, :, 0], centres[None, :, 0] - x1), 0)
    dy = np.maximum(np.maximum(y0 - centres[None, :, 1], centres[None, :, 1] - y1), 0)
    return np.any(dx * dx + dy * dy < radii[None, :] ** 2, axis=1)
