"""Argparse pieces every `sage` command shares: the help formatter, numbers in a range."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

Number = TypeVar("Number", int, float)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except a switch's: what a switch stores when it is
    not given ("--no-activate ... (default: True)") reads as if the switch were on, so a
    switch's help says in words what happens without it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.nargs == 0 or action.default is None:
            return action.help
        return super()._get_help_string(action)


def number_in(
    kind: type[Number], low: float, high: float = math.inf, *, above: bool = False
) -> Callable[[str], Number]:
    """An argparse type: a `kind` number from `low` to `high` (above `low`, with `above`),
    checked as the command line is read, before anything loads: "must be 1 to 100, not
    '0'"."""
    if above:
        rule = f"above {low:g}"
    elif high == math.inf:
        rule = f"{low:g} or more"
    else:
        rule = f"{low:g} to {high:g}"

    def parse(text: str) -> Number:
        try:
            number = kind(text)
        except ValueError:
            number = None
        if number is None or not (low < number if above else low <= number) or number > high:
            raise argparse.ArgumentTypeError(f"must be {rule}, not {text!r}")
        return number

    return parse
