"""Drawing layouts into PNG images with matplotlib's Agg backend.

No pyplot: each drawing owns its Figure and canvas, so drawings on several threads (the
bot renders off its event loop) share no state. The axes fill the figure and count in
pixels, so every position of a layout is where it lands in the image.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image

from maps.style import (
    BACKGROUND,
    EDGE_COLOUR,
    FONT_FAMILY,
    HALO_WIDTH,
    LEGEND_FONT_SIZE,
    TEXT_COLOUR,
    TITLE_FONT_SIZE,
)

if TYPE_CHECKING:
    from maps.labels import Label
    from maps.neighbourhood import NeighbourhoodLayout
    from maps.space_map import SpaceMapLayout

_HALO = [patheffects.withStroke(linewidth=HALO_WIDTH, foreground=BACKGROUND)]


def neighbourhood_png(layout: NeighbourhoodLayout) -> bytes:
    figure, axes = _canvas(layout.width, layout.height, layout.dpi)
    segments = layout.xy[layout.edges]
    colours = np.tile(to_rgba(EDGE_COLOUR), (len(segments), 1))
    colours[:, 3] = layout.edge_alpha
    axes.add_collection(LineCollection(
        segments, colors=colours, linewidths=layout.edge_width, zorder=1, capstyle="round",
    ))
    # scatter sizes are areas in points squared
    points = layout.radius * 72 / layout.dpi
    axes.scatter(layout.xy[1:, 0], layout.xy[1:, 1], s=(2 * points[1:]) ** 2,
                 c=layout.colour[1:], edgecolors="white", linewidths=0.8, zorder=2)
    axes.scatter(layout.xy[:1, 0], layout.xy[:1, 1], s=(2 * points[:1]) ** 2,
                 c=layout.colour[:1], edgecolors=TEXT_COLOUR, linewidths=2.5, zorder=3)
    _labels(axes, layout.labels)
    _text(axes, *layout.title_xy, layout.title, TITLE_FONT_SIZE, bold=True)
    for entry in layout.legend:
        axes.scatter([entry.x], [entry.y], s=90, c=[entry.colour], edgecolors="white")
        axes.text(entry.x + 12, entry.y, entry.text, fontsize=LEGEND_FONT_SIZE,
                  family=FONT_FAMILY, color=TEXT_COLOUR, ha="left", va="center")
    return _png(figure)


def space_map_png(layout: SpaceMapLayout) -> bytes:
    figure, axes = _canvas(layout.width, layout.height, layout.dpi)
    points = 72 / layout.dpi
    axes.scatter(layout.xy[:, 0], layout.xy[:, 1], s=(2 * layout.dot_radius * points) ** 2,
                 c=layout.colour, linewidths=0, alpha=0.6, zorder=1, rasterized=True)
    mark = (2 * layout.mark_radius * points) ** 2
    axes.scatter(layout.result_xy[:, 0], layout.result_xy[:, 1], s=mark, c="white",
                 edgecolors=TEXT_COLOUR, linewidths=1.8, zorder=3)
    axes.scatter(layout.like_xy[:, 0], layout.like_xy[:, 1], s=mark * 2.2, marker="*",
                 c=TEXT_COLOUR, edgecolors="white", linewidths=0.8, zorder=3)
    for label in layout.scene_labels:
        _text(axes, label.x, label.y, label.text, label.font_size, bold=True,
              colour=_darker(layout.scene_colour[label.request]))
    _labels(axes, layout.labels)
    _text(axes, *layout.title_xy, layout.title, TITLE_FONT_SIZE, bold=True)
    return _png(figure)


def _canvas(width: int, height: int, dpi: int):
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    return figure, axes


def _labels(axes, labels: list[Label]) -> None:
    leaders = [((label.leader[0], label.leader[1]), (label.leader[2], label.leader[3]))
               for label in labels if label.leader is not None]
    axes.add_collection(LineCollection(leaders, colors=TEXT_COLOUR, linewidths=0.6, zorder=3))
    for label in labels:
        _text(axes, label.x, label.y, label.text, label.font_size, bold=label.bold)


def _text(
    axes, x: float, y: float, text: str, size: float, *, bold: bool = False,
    colour=TEXT_COLOUR,
) -> None:
    axes.text(x, y, text, fontsize=size, family=FONT_FAMILY, color=colour,
              weight="bold" if bold else "normal", ha="left", va="bottom",
              path_effects=_HALO, zorder=4)


def _darker(rgba) -> tuple[float, float, float]:
    """A scene's colour dark enough to read as text on white."""
    return tuple(0.6 * channel for channel in rgba[:3])


def _png(figure: Figure) -> bytes:
    """The figure as a 256-colour PNG: maps hold a few flat colours and anti-aliasing, so
    an octree palette keeps every colour within a few levels of the original at a fifth
    of the file size (about 50 KB instead of 250 KB), quick to post and to load."""
    figure.canvas.draw()
    rgb = Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3])
    palette = rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    return buffer.getvalue()
