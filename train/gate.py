"""Whether a retrained run may replace the active one: the gate of `sage train all`."""

from __future__ import annotations

from dataclasses import dataclass

# Relative: a new run may score up to 5% below the active one on each measure. Retraining
# with the same settings on the same data moves tail recall by a few percent (word2vec
# threads are not deterministic, and tail recall rests on a few hundred hits), so a
# tighter gate would refuse runs that are no worse; a broken ingest or a bad change
# costs far more than 5%.
DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Decision:
    activate: bool
    reason: str


def gate(
    new: dict, active: dict | None, measures: tuple[str, ...], *, tolerance: float, force: bool
) -> Decision:
    """Whether a new run with figures `new` replaces an active one with figures `active`
    (None: no active run): each of `measures` (higher is better) that both have must
    reach (1 - tolerance) x the active run's."""
    if force:
        return Decision(True, "forced")
    if active is None:
        return Decision(True, "no active run")
    compared, behind = [], []
    for measure in measures:
        old, now = active.get(measure), new.get(measure)
        if old is None or now is None:
            continue
        floor = old * (1 - tolerance)
        line = f"{measure} {now:.4f} vs {old:.4f} (floor {floor:.4f})"
        compared.append(line)
        if now < floor:
            behind.append(line)
    if not compared:
        return Decision(True, "no figures that both runs have to compare")
    if behind:
        return Decision(False, f"falls behind by more than {tolerance:.0%}: {'; '.join(behind)}")
    return Decision(True, "; ".join(compared))
