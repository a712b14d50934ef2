"""What the maps share: the canvas, the fonts and one colour per scene."""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

from engine.scenes import NO_SCENE

DPI = 100
FONT_FAMILY = "DejaVu Sans"  # ships with matplotlib, so every machine draws the same image
LABEL_FONT_SIZE = 9.0
CENTRE_FONT_SIZE = 13.0
TITLE_FONT_SIZE = 14.0
LEGEND_FONT_SIZE = 10.0
TEXT_COLOUR = "#1f1f1f"
HALO_WIDTH = 3.0  # points of white stroke around label text, so edges under it do not show
EDGE_COLOUR = "#4a4a4a"
BACKGROUND = "white"
NO_SCENE_COLOUR = (0.62, 0.62, 0.62, 1.0)

# tab20's strong colours first, then its light ones: neighbouring scene numbers (the
# biggest scenes) get colours that are easy to tell apart.
_TAB20 = colormaps["tab20"].colors
_PALETTE = np.array([_TAB20[i] for i in range(0, 20, 2)] + [_TAB20[i] for i in range(1, 20, 2)])


def scene_colours(community: np.ndarray) -> np.ndarray:
    """One RGBA colour per scene label, the same scene the same colour in every map."""
    community = np.asarray(community, dtype=np.int64)
    rgba = np.ones((len(community), 4))
    rgba[:, :3] = _PALETTE[community % len(_PALETTE)]
    rgba[community == NO_SCENE] = NO_SCENE_COLOUR
    return rgba
