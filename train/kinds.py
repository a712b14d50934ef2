"""Every kind of space Sage trains, registered in one place (train.kind).

The order here is the order of `sage train --help`; `sage train all` trains them in
dependency order (each after the spaces it names in `after`), this order breaking ties.
"""

from __future__ import annotations

from store.errors import UserError
from train.audio.kind import AudioKind
from train.cf.kind import CfKind
from train.graph.kind import GraphKind
from train.hybrid.kind import HybridKind
from train.kind import SpaceKind
from train.playlist.kind import PlaylistKind, PlaylistTrackKind

KINDS: dict[str, SpaceKind] = {
    kind.name: kind
    for kind in (GraphKind(), CfKind(), PlaylistKind(), PlaylistTrackKind(), AudioKind(),
                 HybridKind())
}


def kind(name: str) -> SpaceKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UserError(f"no space kind '{name}' (kinds: {', '.join(KINDS)})") from None


def training_order() -> list[SpaceKind]:
    """Every kind after the kinds it is built after (those registered), registration
    order breaking ties."""
    ordered: list[SpaceKind] = []
    placed: set[str] = set()
    waiting = list(KINDS.values())
    while waiting:
        ready = [kind for kind in waiting
                 if all(name in placed or name not in KINDS for name in kind.after)]
        if not ready:
            raise ValueError(f"the kinds {[kind.name for kind in waiting]} wait on each other")
        ordered.append(ready[0])
        placed.add(ready[0].name)
        waiting.remove(ready[0])
    return ordered
