"""The help formatter every `sage` command uses."""

from __future__ import annotations

import argparse


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except a switch's: what a switch stores when it is
    not given ("--no-activate ... (default: True)") reads as if the switch were on, so a
    switch's help says in words what happens without it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.nargs == 0 or action.default is None:
            return action.help
        return super()._get_help_string(action)
