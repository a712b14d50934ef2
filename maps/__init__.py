"""Pictures of the band space: a band's neighbourhood in the related-artists graph and a
2-D projection of a whole embedding space, as PNG files.

Layouts (where every node, edge and label goes, in pixels) are plain data computed
without drawing, so they can be tested; `maps.draw` turns them into images with
matplotlib's Agg backend, headless and without pyplot's global state.
"""
