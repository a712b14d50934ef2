"""What several `sage` commands do alike: load the engine, write a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.answer import Engine
from engine.learn import REQUEST_TIMEOUT_S
from store import UserError


def load_engine(args: argparse.Namespace) -> Engine:
    if not args.store.exists():
        from train.bootstrap import build_default_store  # gensim loads only when needed

        print(f"no store at {args.store}: building one from the bundled Last.fm data "
              "(one-time, a minute or two)", file=sys.stderr)
        build_default_store(args.store)
    return Engine.load(args.store, args.space)


def write_png(png: bytes, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(png)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from exc


def finish_learning(engine: Engine) -> None:
    """Let the lookups an answer did not wait for end and be kept, before the command
    ends (the bot's go on by themselves)."""
    learner = engine.learning.learner if engine.learning is not None else None
    if learner is not None:
        learner.finish(REQUEST_TIMEOUT_S)
        learner.close()
