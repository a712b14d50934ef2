"""`sage add`: learn bands the catalog lacks from Last.fm, as the bot does on the spot."""

from __future__ import annotations

import argparse

from cli.options import number_in
from engine.answer import DEFAULT_SPACE, Engine
from engine.learn import Learner
from engine.learned import MIN_KNOWN, known_neighbours
from engine.lookups import FOUND, LookupFile, lookups_path
from engine.unknown import Outcome, unknown_note
from train.crawl.lastfm import API_KEY_ENV, API_URL
from train.crawl.take_in import take_in


def register(commands: argparse._SubParsersAction) -> None:
    add = commands.add_parser(
        "add",
        help='learn bands the catalog lacks from Last.fm, e.g. sage add "Inside Out"',
        description="Look each band up with Last.fm's artist.getSimilar (with autocorrect) "
        f"and place it in the answering space at the match-weighted mean of the similar "
        f"artists the catalog knows, when it knows at least {MIN_KNOWN}. The lookup is kept "
        "beside the store (<store>.learned.sqlite3), where `sage ask`, `sage chat` and the "
        "bot find it, and its band and edges go into the store's crawled graph (source "
        "lastfm) for the next `sage train graph --edges lastfm`. A band is looked up again "
        "each time it is added here. Prints a line per band as it goes, then what was "
        "placed and what was not, and why.",
        epilog=f"The API key is read from {API_KEY_ENV}; SAGE_LASTFM_URL replaces the API's "
        f"address ({API_URL}), for a mirror or a test server.",
    )
    add.add_argument("bands", nargs="+", metavar="BAND",
                     help='a band name as people write it ("Inside Out"); quote names with '
                     "spaces")
    add.add_argument("--space", default=DEFAULT_SPACE,
                     help="the space to place the bands in, to report on (the bot and "
                     "`sage ask` place them in whichever space they answer from; default: "
                     f"{DEFAULT_SPACE})")
    add.add_argument("--rate", type=number_in(float, 0, above=True), default=5.0,
                     help="requests per second at most; Last.fm asks for no more than 5 "
                     "(default: 5)")
    add.add_argument("--timeout", type=number_in(float, 0, above=True), default=10.0,
                     metavar="SECONDS",
                     help="give up on one request after this long and retry it (up to 5 "
                     "tries; default: 10)")
    add.set_defaults(handler=_add)


def _add(args: argparse.Namespace) -> int:
    lookups = LookupFile(lookups_path(args.store))
    learner = Learner.patient(lookups, rate=args.rate, timeout=args.timeout)
    try:
        found = {}
        names = list(dict.fromkeys(args.bands))
        for number, name in enumerate(names, 1):
            lookup = found[name] = learner.look_up_again(name)
            said = (f"found as {lookup.name}, {len(lookup.similar)} similar artists"
                    if lookup.status == FOUND else f"{lookup.status}: {lookup.reason}")
            print(f"[{number}/{len(names)}] {name}: {said}", flush=True)
    finally:
        learner.close()
    taken = take_in(args.store, lookups)
    lookups.close()
    engine = Engine.load(args.store, args.space)  # places every band found, as answers do
    placed, not_placed = [], []
    for name, lookup in found.items():
        band = engine.learning.bands.band(name)
        if band is not None:
            placed.append(f"  {band.name}: near {', '.join(band.related[:5])}"
                          f"{' …' if len(band.related) > 5 else ''} "
                          f"({len(band.related)} of {len(lookup.similar)} similar artists known)")
            continue
        known = []
        if lookup.status == FOUND:
            known = known_neighbours(engine.space, engine.resolver, lookup.answered())[2]
        outcome = Outcome(name, "too few" if lookup.status == FOUND else lookup.status,
                          lookup.name, tuple(known[:5]), len(known), lookup.reason)
        not_placed.append(f"  {unknown_note(outcome, engine.learning.catalog)}")
    print(f"placed {len(placed)} of {len(found)} bands in the {args.space} space"
          + (":" if placed else ""))
    if not_placed:
        not_placed.insert(0, f"not placed ({len(not_placed)}):")
    print("\n".join(placed + not_placed))
    print(f"{taken} lookups written to the store's crawled edges for `sage train graph "
          "--edges lastfm`")
    return 0
