"""The Discord bot on a real store, through the real command path of dpytest's fake Discord:
message in -> on_message -> the hybrid `sage` command -> the engine in a worker thread
-> embed out -> result message recorded in the state file -> 👍 👎 added.

Printed, each next to a baseline measured in this run:

- start to ready: create_bot, setup_hook (state file, Engine.load, cogs, weekly
  scheduler) and on_ready, without a gateway connection; against Engine.load alone.
- answers/s with N `!sage like … hate …` commands from N users in flight at once (each
  answered, none failed); against engine.ask called serially on the same queries.
- autocomplete, per keystroke: NameCompleter.complete (a band name) and complete_query
  (the last name of a query), p50/p99/max over random prefixes of catalog names, on the
  catalog and on a catalog 12 times its size; against rapidfuzz process.extract over
  every name.

    python bench/bot.py [--store PATH] [--commands 200] [--rounds 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

# The repository root in place of this script's folder: run as a script, this file would
# shadow the `bot` package; and the checkout need not be installed.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

started_import = time.perf_counter()
import discord.ext.test as dpytest  # noqa: E402

from bot.app import BotConfig, create_bot  # noqa: E402
from engine.answer import DEFAULT_SPACE, Engine  # noqa: E402
from engine.complete import NameCompleter, complete_query  # noqa: E402
from store import default_store_path  # noqa: E402
from store.catalog import ArtistCatalog  # noqa: E402
from tests.bot_fixtures import connect_dpytest, numbered_names  # noqa: E402

IMPORT_S = time.perf_counter() - started_import
AUTOCOMPLETE_TARGET_MS = 50.0


def queries(catalog: ArtistCatalog, count: int, rng: random.Random) -> list[str]:
    """`like A, B hate C` over the 2,000 most listened-to artists."""
    top = np.argsort(-catalog.listeners)[:2000].tolist()
    names = [catalog.names[row] for row in top]
    return [
        f'like "{a}", "{b}" hate "{c}"' for a, b, c in (rng.sample(names, 3) for _ in range(count))
    ]


async def start_to_ready(config: BotConfig) -> tuple[object, float]:
    started = time.perf_counter()
    bot = create_bot(config)
    await bot._async_setup_hook()
    await bot.setup_hook()
    await bot.on_ready()
    return bot, time.perf_counter() - started


async def concurrent_answers(texts: list[str], first_member: int) -> tuple[float, int]:
    started = time.perf_counter()
    await asyncio.gather(*(dpytest.message(f"!sage {text}", member=first_member + i)
                           for i, text in enumerate(texts)))
    seconds = time.perf_counter() - started
    answered = 0
    while not dpytest.sent_queue.empty():
        message = dpytest.get_message()
        answered += bool(message.embeds and numbered_names(message.embeds[0]))
    return seconds, answered


def serial_answers(engine: Engine, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        engine.ask(text, k=10)
    return time.perf_counter() - started


def larger_catalog(catalog: ArtistCatalog, times: int, rng: np.random.Generator) -> ArtistCatalog:
    """The catalog `times` over, each copy's names with a suffix word, listeners shuffled."""
    suffixes = ["", *(f" {word}" for word in
                      ("ii", "iii", "band", "project", "trio", "collective", "orchestra",
                       "ensemble", "crew", "sound", "experience")[: times - 1])]
    names = [name + suffix for suffix in suffixes for name in catalog.names]
    norm = [name + suffix for suffix in suffixes for name in catalog.norm_names]
    listeners = rng.permutation(np.tile(catalog.listeners, times))
    return replace(catalog, artist_ids=np.arange(len(names)), names=names, norm_names=norm,
                   listeners=listeners, plays=listeners)


def percentiles_ms(seconds: list[float]) -> str:
    ms = np.asarray(seconds) * 1000
    return (f"p50 {np.percentile(ms, 50):6.2f} ms  p99 {np.percentile(ms, 99):6.2f} ms  "
            f"max {ms.max():6.2f} ms")


def time_each(function, inputs) -> list[float]:
    times = []
    for item in inputs:
        started = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - started)
    return times


def autocomplete(engine: Engine, rng: random.Random) -> None:
    catalog = engine.space.catalog
    for label, scaled in [("catalog", catalog),
                          ("12x catalog", larger_catalog(catalog, 12, np.random.default_rng(0)))]:
        started = time.perf_counter()
        completer = NameCompleter(scaled, engine.resolver if scaled is catalog else None)
        build = time.perf_counter() - started
        prefixes = [name[: rng.randint(1, min(10, len(name)))]
                    for name in rng.sample(scaled.names, 2000)]
        names = time_each(completer.complete, prefixes)
        typed = time_each(functools.partial(complete_query, completer),
                          ["like Minor Threat, " + p for p in prefixes])
        baseline = time_each(
            functools.partial(process.extract, choices=scaled.names, scorer=fuzz.WRatio,
                              limit=25),
            prefixes[:50],
        )
        print(f"autocomplete on the {label} ({len(scaled.names):,} names, index built in "
              f"{build * 1000:.0f} ms):")
        print(f"  band name         {percentiles_ms(names)}")
        print(f"  end of a query    {percentiles_ms(typed)}")
        print(f"  rapidfuzz scan    {percentiles_ms(baseline)}  "
              f"(median {statistics.median(baseline) / statistics.median(names):,.0f}x ours)")
        worst = max(np.percentile(names, 99), np.percentile(typed, 99)) * 1000
        verdict = "meets" if worst < AUTOCOMPLETE_TARGET_MS else "MISSES"
        print(f"  p99 {worst:.1f} ms {verdict} the {AUTOCOMPLETE_TARGET_MS:.0f} ms target")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with a trained space (default: $SAGE_STORE or the "
                        "default store; `sage ask` builds one from the bundled data)")
    parser.add_argument("--space", default=DEFAULT_SPACE)
    parser.add_argument("--commands", type=int, default=200,
                        help="commands in flight at once, each from its own user")
    parser.add_argument("--rounds", type=int, default=3,
                        help="batches of commands, each next to its own serial baseline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.store.exists():
        print(f"no store at {args.store}: `sage ask \"like Minor Threat\"` builds one",
              file=sys.stderr)
        return 2
    rng = random.Random(args.seed)

    started = time.perf_counter()
    Engine.load(args.store, args.space)
    engine_load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        config = BotConfig(store_path=args.store, state_path=Path(scratch) / "state.sqlite3",
                           space=args.space, message_content=True, reload_every=3600)
        bot, ready = await start_to_ready(config)
        print(f"import bot.app and dpytest: {IMPORT_S:.2f} s (once per process)")
        print(f"start to ready: {ready:.2f} s; Engine.load alone {engine_load:.2f} s "
              f"({ready / engine_load:.2f}x)")
        try:
            connect_dpytest(bot, members=args.commands * args.rounds)
            engine = bot.engines.engine
            texts = queries(engine.space.catalog, args.commands * args.rounds, rng)
            serial_answers(engine, texts)  # warm the resolver's cache for both runs
            ratios = []
            for round_ in range(args.rounds):
                # Other queries and other users each round: nobody meets the cooldown.
                batch = texts[round_ * args.commands:(round_ + 1) * args.commands]
                serial = serial_answers(engine, batch)
                concurrent, answered = await concurrent_answers(batch, first_member=round_
                                                                * args.commands)
                ratios.append((answered / concurrent) / (len(batch) / serial))
                print(f"{args.commands} concurrent commands: {answered} answered in "
                      f"{concurrent:.2f} s = {answered / concurrent:,.0f} answers/s; "
                      f"engine.ask serially {len(batch) / serial:,.0f}/s "
                      f"(bot/engine {ratios[-1]:.2f})")
                if answered != args.commands:
                    print(f"FAILED: {args.commands - answered} commands got no answer")
                    return 1
            print(f"median bot/engine ratio over {args.rounds} rounds: "
                  f"{statistics.median(ratios):.2f}")
            autocomplete(engine, rng)
        finally:
            await dpytest.empty_queue()
            await bot.engines.stop()
            bot.weekly.shutdown()
            bot.state.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
