"""How long maps take on a real store: a band's neighbourhood and a whole space.

    python bench/maps.py --store STORE [--bands "Minor Threat" Radiohead ...] [--repeat 5]
                         [--tsne-points 3000] [--no-projection]

The store is only read. Prints medians over `--repeat` runs of:

- neighbourhood, as the bot makes it (engine loaded): read from the store, lay out,
  draw; bar <= 2 s, split into its stages;
- neighbourhood, as `sage map BAND` makes it: the same plus the name resolver and the
  scenes (their names included), imports excluded;
- floor: a bare matplotlib figure of the same size with the same number of dots, lines
  and texts, encoded as PNG, no layout: what drawing costs at the least (ratio);
- projection: t-SNE of the space's most important artists plus placing the rest, against
  PCA to 2-D of the same vectors as the cheap baseline (ratio), and reading it back from
  the cache.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.answer import Engine
from engine.resolve import NameResolver
from engine.scenes import load_scenes
from maps.draw import neighbourhood_png
from maps.neighbourhood import HEIGHT, WIDTH, layout_neighbourhood
from maps.projection import TSNE_ITERATIONS, project_space
from maps.related import read_neighbourhood
from store import Store

BAR_SECONDS = 2.0


def median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def floor_png(nodes: int, edges: int) -> bytes:
    rng = np.random.default_rng(0)
    figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    xy = rng.random((nodes, 2))
    for a, b in rng.integers(0, nodes, (edges, 2)):
        axes.plot(xy[[a, b], 0], xy[[a, b], 1], color="grey", linewidth=1)
    axes.scatter(xy[:, 0], xy[:, 1], s=80)
    for i, (x, y) in enumerate(xy):
        axes.text(x, y, f"band {i}", fontsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def bench_neighbourhoods(store_path: Path, bands: list[str], repeat: int) -> None:
    with Store.open(store_path, read_only=True) as store:
        resolver = NameResolver.from_store(store)
        scenes = load_scenes(store)
    print(f"neighbourhood maps, {store_path}, median of {repeat}:")
    print(f"{'band':<22} {'read':>6} {'layout':>7} {'draw':>6} {'bot':>6} {'cli':>6} "
          f"{'floor':>6} {'bot/floor':>9}  bar <= {BAR_SECONDS:.0f} s")
    for band in bands:
        resolution = resolver.resolve(band)
        if resolution.artist is None:
            print(f"{band:<22} {resolution.describe()}")
            continue
        artist_id = resolution.artist.artist_id

        def read(artist_id=artist_id):
            with Store.open(store_path, read_only=True) as store:
                return read_neighbourhood(store, artist_id, scenes)

        def cli(band=band):
            with Store.open(store_path, read_only=True) as store:
                found = NameResolver.from_store(store).resolve(band).artist
                named = load_scenes(store)
                hood = read_neighbourhood(store, found.artist_id, named)
            return neighbourhood_png(layout_neighbourhood(hood))

        hood = read()
        layout = layout_neighbourhood(hood)
        read_s = median_s(read, repeat)
        layout_s = median_s(lambda: layout_neighbourhood(hood), repeat)
        draw_s = median_s(lambda: neighbourhood_png(layout), repeat)
        bot_s = median_s(lambda: neighbourhood_png(layout_neighbourhood(read())), repeat)
        cli_s = median_s(cli, repeat)
        floor_s = median_s(lambda: floor_png(len(hood.names), len(layout.edges)), repeat)
        verdict = "ok" if bot_s <= BAR_SECONDS else "OVER"
        print(f"{band:<22} {read_s:>6.2f} {layout_s:>7.2f} {draw_s:>6.2f} {bot_s:>6.2f} "
              f"{cli_s:>6.2f} {floor_s:>6.2f} {bot_s / floor_s:>9.1f}  {verdict}")


def bench_projection(store_path: Path, tsne_points: int) -> None:
    from sklearn.decomposition import PCA

    engine = Engine.load(store_path)
    space = engine.space
    importance = engine.scenes.pagerank_of(space.entity_ids)
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        project_space(space, importance, cache_dir=Path(cache), tsne_points=tsne_points)
        tsne_s = time.perf_counter() - started
        started = time.perf_counter()
        project_space(space, importance, cache_dir=Path(cache), tsne_points=tsne_points)
        cached_s = time.perf_counter() - started
    started = time.perf_counter()
    PCA(2, random_state=0).fit_transform(space.unit)
    pca_s = time.perf_counter() - started
    print(f"\nprojection of the {space.name} space, {len(space):,} artists "
          f"({tsne_points:,} by t-SNE, {TSNE_ITERATIONS} iterations):")
    print(f"  t-SNE + placing the rest {tsne_s:7.1f} s")
    print(f"  PCA to 2-D (baseline)    {pca_s:7.2f} s   t-SNE/PCA {tsne_s / pca_s:,.0f}x")
    print(f"  read from the cache      {cached_s:7.3f} s   t-SNE/cache {tsne_s / cached_s:,.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store with a graph run")
    parser.add_argument("--bands", nargs="+",
                        default=["Minor Threat", "Radiohead", "Boards of Canada", "Lady Gaga"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tsne-points", type=int, default=3_000)
    parser.add_argument("--no-projection", action="store_true",
                        help="skip the projection (about a minute)")
    args = parser.parse_args()
    bench_neighbourhoods(args.store, args.bands, args.repeat)
    if not args.no_projection:
        bench_projection(args.store, args.tsne_points)


if __name__ == "__main__":
    main()
