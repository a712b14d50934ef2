"""Where everything goes in a neighbourhood map: plain data, computed without drawing.

Nodes start on rings around the band (one ring per hop, each node beside the one it was
reached from, scenes kept together); a force-directed layout (Fruchterman-Reingold, the
band pinned) pulls related bands together; the result is laid back onto the rings in
the forces' angular order, so the band is in the centre and every ring fills the
picture. Sizes follow PageRank, colours the scene, edge opacity the similarity. Labels
go on greedily, most important band first, where they cover no node and no other label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from maps.labels import (
    Box,
    Label,
    LabelRequest,
    TextMeasure,
    can_draw,
    drawable,
    place_labels,
)
from maps.related import Neighbourhood
from maps.style import (
    CENTRE_FONT_SIZE,
    DPI,
    LABEL_FONT_SIZE,
    TITLE_FONT_SIZE,
    scene_colours,
)

WIDTH, HEIGHT = 1200, 900  # pixels
_MARGIN = 24  # pixels between the canvas edge and anything on it
_TITLE_BAND = 48  # pixels at the top for the title
_LEGEND_ROW = 22  # pixels per legend row at the bottom
_LEGEND_COLUMNS = 3
_NODE_RADIUS = (4.0, 16.0)  # pixels, least to most important band of the map
_CENTRE_RADIUS = 18.0
_EDGE_ALPHA = (0.06, 0.7)  # weakest to strongest edge of the map
_EDGE_WIDTH = (0.5, 2.5)  # points
_LAYOUT_ITERATIONS = 300
_NODE_GAP = 4.0  # pixels at least between two nodes' discs
_SPREAD_STEPS = 50
_EVEN_ANGLES = 0.75  # how far angles move from the forces' towards evenly spaced
_STAGGER = 0.2  # how far every other node of a ring sits inwards, as a share of a ring
_EDGES_PER_NODE = 3  # an edge is drawn when it is among either end's strongest in the map


@dataclass(frozen=True)
class LegendEntry:
    text: str
    colour: tuple[float, float, float, float]
    x: float  # the swatch's centre, pixels; the text starts right of it
    y: float


@dataclass(frozen=True)
class NeighbourhoodLayout:
    """Everything a drawing of a neighbourhood needs, in pixels (origin bottom left)."""

    width: int
    height: int
    dpi: int
    title: str
    title_xy: tuple[float, float]  # where the title's box starts (left, bottom)
    artist_ids: np.ndarray  # int64 (n,), row 0 the band
    names: list[str]
    xy: np.ndarray  # float64 (n, 2): node centres
    radius: np.ndarray  # float64 (n,)
    colour: np.ndarray  # float64 (n, 4) RGBA
    edges: np.ndarray  # int64 (m, 2) rows
    edge_alpha: np.ndarray  # float64 (m,)
    edge_width: np.ndarray  # float64 (m,) points
    labels: list[Label]  # label.request is the labelled node's row
    legend: list[LegendEntry]


def layout_neighbourhood(
    hood: Neighbourhood, *, width: int = WIDTH, height: int = HEIGHT, dpi: int = DPI
) -> NeighbourhoodLayout:
    measure = TextMeasure(dpi)
    legend = _legend(hood, width)
    legend_top = max((entry.y for entry in legend), default=0) + _LEGEND_ROW / 2
    area = Box(_MARGIN, legend_top + _MARGIN / 2, width - _MARGIN, height - _TITLE_BAND)
    radius = _radii(hood)
    xy = _positions(hood, area, radius, inset=float(radius.max()) + _MARGIN)
    drawn = _drawn_edges(hood)
    strength = hood.similarity[drawn] / hood.similarity.max()
    band = drawable(hood.names[0], f"artist #{hood.artist_ids[0]}")
    title = measure.clip(f"{band}: {hood.hop.max()} hop{'s' if hood.hop.max() > 1 else ''} "
                         f"in the related-artists graph (run {hood.run_id})",
                         TITLE_FONT_SIZE, True, width - 2 * _MARGIN)
    return NeighbourhoodLayout(
        width=width, height=height, dpi=dpi, title=title,
        title_xy=(_MARGIN, height - _TITLE_BAND + (_TITLE_BAND - TITLE_FONT_SIZE) / 2),
        artist_ids=hood.artist_ids, names=hood.names, xy=xy, radius=radius,
        colour=scene_colours(hood.community), edges=hood.edges[drawn],
        edge_alpha=_EDGE_ALPHA[0] + (_EDGE_ALPHA[1] - _EDGE_ALPHA[0]) * strength,
        edge_width=_EDGE_WIDTH[0] + (_EDGE_WIDTH[1] - _EDGE_WIDTH[0]) * strength,
        labels=_labels(hood, xy, radius, Box(0, area.y0, width, area.y1), measure),
        legend=legend,
    )


def _drawn_edges(hood: Neighbourhood) -> np.ndarray:
    """Which edges to draw: each node's strongest few and the path each node was reached
    by. All of them would be a hairball around a popular band (500 edges for Radiohead)."""
    n, m = len(hood.artist_ids), len(hood.edges)
    ends = hood.edges.T.reshape(-1)  # every edge once from each end
    edge = np.tile(np.arange(m), 2)
    order = np.lexsort((edge, -hood.similarity[edge], ends))
    ends, edge = ends[order], edge[order]
    first = np.searchsorted(ends, ends)  # where each node's edges start
    strong = edge[np.arange(2 * m) - first < _EDGES_PER_NODE]
    keys = hood.edges[:, 0] * n + hood.edges[:, 1]
    rows = np.arange(1, n)
    tree = np.minimum(rows, hood.parent[1:]) * n + np.maximum(rows, hood.parent[1:])
    drawn = np.isin(keys, tree)
    drawn[strong] = True
    return drawn


def _radii(hood: Neighbourhood) -> np.ndarray:
    """Radius by log PageRank across the map: PageRank spans orders of magnitude."""
    log_rank = np.log(np.maximum(hood.pagerank, 1e-12))
    low, high = log_rank.min(), log_rank.max()
    scaled = (log_rank - low) / (high - low) if high > low else np.full(len(log_rank), 0.5)
    radius = _NODE_RADIUS[0] + (_NODE_RADIUS[1] - _NODE_RADIUS[0]) * scaled
    radius[0] = _CENTRE_RADIUS
    return radius


def _positions(hood: Neighbourhood, area: Box, radius: np.ndarray, inset: float) -> np.ndarray:
    raw = _forces(_rings(hood), hood.edges, hood.similarity / hood.similarity.max())
    return _spread(_onto_rings(hood, raw, area, inset), radius)


def _forces(start: np.ndarray, edges: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fruchterman-Reingold: every pair of nodes repels, edges pull by their weight, the
    moves cool linearly to nothing; node 0 stays put. Written out in numpy rather than
    taken from igraph, whose version draws on a process-wide random generator: the same
    neighbourhood must give the same picture, whatever else runs beside it."""
    xy = start.astype(np.float64).copy()
    n = len(xy)
    ideal = np.sqrt(np.ptp(xy[:, 0]) * np.ptp(xy[:, 1]) / n) if n > 1 else 1.0
    for step in range(_LAYOUT_ITERATIONS):
        offset = xy[:, None, :] - xy[None, :, :]
        distance = np.maximum(np.hypot(offset[..., 0], offset[..., 1]), 1e-6)
        push = (offset * (ideal**2 / distance**2)[..., None]).sum(axis=1)
        along = xy[edges[:, 0]] - xy[edges[:, 1]]
        pull = along * (weight * np.hypot(along[:, 0], along[:, 1]) / ideal)[:, None]
        np.add.at(push, edges[:, 0], -pull)
        np.add.at(push, edges[:, 1], pull)
        length = np.maximum(np.hypot(push[:, 0], push[:, 1]), 1e-9)
        temperature = ideal * (1 - step / _LAYOUT_ITERATIONS) / 2
        xy += push * (np.minimum(length, temperature) / length)[:, None]
        xy[0] = start[0]
    return xy


def _onto_rings(hood: Neighbourhood, raw: np.ndarray, area: Box, inset: float) -> np.ndarray:
    """Force-directed positions made radial around the band: the band in the centre, ring
    h on an ellipse h / hops of the way out, in the order of the forces' angles, which
    are mostly evened out: a neighbourhood that the forces put on one side of the band
    still fills the picture, and bands the forces kept together stay together."""
    hops = int(hood.hop.max())
    angle = np.arctan2(raw[:, 1], raw[:, 0])
    order = np.argsort(angle[1:], kind="stable") + 1
    spun = np.unwrap(angle[order])
    even = spun[0] + 2 * np.pi * np.arange(len(order)) / len(order)
    angle[order] = (1 - _EVEN_ANGLES) * spun + _EVEN_ANGLES * even
    reach = hood.hop / hops
    for ring in range(1, hops + 1):
        # Every other node of a ring a little inwards, so neighbours' labels interleave.
        rows = np.flatnonzero(hood.hop == ring)
        rows = rows[np.argsort(angle[rows], kind="stable")]
        reach[rows[1::2]] -= _STAGGER / hops
    centre = np.array([(area.x0 + area.x1) / 2, (area.y0 + area.y1) / 2])
    half = np.array([(area.x1 - area.x0) / 2, (area.y1 - area.y0) / 2]) - inset
    return centre + reach[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]) * half


def _spread(xy: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Push overlapping nodes apart, a little at a time, the band staying put."""
    xy = xy.copy()
    wanted = radius[:, None] + radius[None, :] + _NODE_GAP
    for _ in range(_SPREAD_STEPS):
        offset = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(offset[..., 0], offset[..., 1])
        np.fill_diagonal(distance, np.inf)
        overlap = np.maximum(wanted - distance, 0)
        if not overlap.any():
            break
        push = (offset / np.maximum(distance, 1e-9)[..., None] * overlap[..., None] / 2).sum(axis=1)
        push[0] = 0
        xy += push
    return xy


def _rings(hood: Neighbourhood) -> np.ndarray:
    """The starting layout: ring h at radius h, the first ring ordered by scene so scenes
    start together, every later node at the angle of the node it was reached from."""
    n = len(hood.artist_ids)
    angle = np.zeros(n)
    first = np.flatnonzero(hood.hop == 1)
    first = first[np.lexsort((first, hood.community[first]))]
    angle[first] = 2 * np.pi * np.arange(len(first)) / len(first)
    for ring in range(2, int(hood.hop.max()) + 1):
        rows = np.flatnonzero(hood.hop == ring)
        # Siblings fan out around their parent's angle.
        sibling = np.zeros(len(rows))
        for parent in np.unique(hood.parent[rows]):
            mine = hood.parent[rows] == parent
            sibling[mine] = np.arange(mine.sum()) - (mine.sum() - 1) / 2
        angle[rows] = angle[hood.parent[rows]] + sibling * (np.pi / max(len(first), 1) / 2)
    return np.column_stack([hood.hop * np.cos(angle), hood.hop * np.sin(angle)])


def _labels(
    hood: Neighbourhood, xy: np.ndarray, radius: np.ndarray, canvas: Box, measure: TextMeasure
) -> list[Label]:
    # The band first, then by ring, and within a ring the most important first.
    order = np.lexsort((-hood.pagerank, hood.hop))
    rows = [row for row in order.tolist() if can_draw(hood.names[row])]
    requests = [
        LabelRequest(
            hood.names[row], (float(xy[row, 0]), float(xy[row, 1])), float(radius[row]),
            CENTRE_FONT_SIZE if row == 0 else LABEL_FONT_SIZE, bold=row == 0,
        )
        for row in rows
    ]
    placed = place_labels(requests, xy, radius, canvas, measure)
    return [replace(label, request=rows[label.request]) for label in placed]


def _legend(hood: Neighbourhood, width: int) -> list[LegendEntry]:
    """The scenes of the map, most bands first, in columns along the bottom."""
    scenes, counts = np.unique(hood.community, return_counts=True)
    order = np.lexsort((scenes, -counts))
    colours = scene_colours(scenes[order])
    entries = []
    column_width = (width - 2 * _MARGIN) / _LEGEND_COLUMNS
    n_rows = -(-len(order) // _LEGEND_COLUMNS)
    for place, (scene, count) in enumerate(zip(scenes[order], counts[order], strict=True)):
        name = drawable(hood.scene_names.get(int(scene), "outside every scene"),
                        f"scene {scene}")
        row, column = divmod(place, _LEGEND_COLUMNS)
        entries.append(LegendEntry(
            text=f"{name} ({count})", colour=tuple(colours[place]),
            x=_MARGIN + column * column_width + _LEGEND_ROW / 2,
            y=_MARGIN + (n_rows - 1 - row) * _LEGEND_ROW,
        ))
    return entries
