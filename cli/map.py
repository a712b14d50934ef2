"""`sage map`: pictures of the band space, as PNG files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cli.common import load_engine, write_png
from engine.resolve import NameResolver
from engine.scenes import load_scenes
from maps.file_names import file_stem
from maps.related import DEFAULT_HOPS, DEFAULT_MAX_NODES, MAX_HOPS, MAX_NODES
from store import Store, UserError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "map",
        help='draw a band\'s neighbourhood (sage map "Minor Threat") or a whole space '
        "(sage map --space graph)",
        description="Draw a PNG map. With a band: its neighbourhood in the related-artists "
        "graph of the active graph run (bands related both ways round, sized by PageRank, "
        "coloured by scene, the band in the centre). With --space: a t-SNE projection of "
        "every artist of that space, scenes named, the most important bands labelled; the "
        "projection is computed once per training run (under a minute) and kept in a "
        "folder beside the store.",
    )
    parser.add_argument("band", nargs="?", help="the band whose neighbourhood to draw")
    parser.add_argument("--space", help="draw this whole embedding space instead (e.g. graph)")
    parser.add_argument("--out", type=Path,
                        help="the PNG file to write (default: the band's or the space's name "
                        "in the current folder)")
    parser.add_argument("--hops", type=int, default=DEFAULT_HOPS,
                        help=f"with a band: how many steps out from it (1 to {MAX_HOPS})")
    parser.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES,
                        help=f"with a band: how many bands to show at most (2 to {MAX_NODES})")
    parser.add_argument("--highlight", metavar="QUERY",
                        help='with --space: mark this query\'s likes and results, e.g. '
                        '"like Minor Threat, Have Heart"')
    parser.set_defaults(handler=_map)


def _map(args: argparse.Namespace) -> int:
    if (args.band is None) == (args.space is None):
        print('sage map: give a band ("Minor Threat") or --space NAME', file=sys.stderr)
        return 2
    if args.highlight is not None and args.space is None:
        print("sage map: --highlight goes with --space", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.band is not None:
        png, out = _band_map(args)
    else:
        png, out = _space_map(args)
    write_png(png, out)
    print(f"wrote {out} ({len(png) // 1024} KB) in {time.perf_counter() - started:.1f} s")
    return 0


def _band_map(args: argparse.Namespace) -> tuple[bytes, Path]:
    from maps.render import neighbourhood_map  # matplotlib loads only when drawing

    with Store.open(args.store, read_only=True) as store:
        resolution = NameResolver.from_store(store).resolve(args.band)
        scenes = load_scenes(store)
    if resolution.artist is None:
        raise UserError(resolution.describe())
    png = neighbourhood_map(args.store, resolution.artist.artist_id, scenes,
                            hops=args.hops, max_nodes=args.max_nodes)
    return png, args.out or Path(f"{file_stem(resolution.artist.name)}.png")


def _space_map(args: argparse.Namespace) -> tuple[bytes, Path]:
    from maps.render import space_map
    from maps.space_map import highlight_of

    engine = load_engine(args)
    highlight = None if args.highlight is None else highlight_of(engine.ask(args.highlight))
    png = space_map(engine, args.store, highlight)
    return png, args.out or Path(f"{file_stem(args.space)}-space.png")
