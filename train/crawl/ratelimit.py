"""Spacing requests to a service evenly, shared by every concurrent caller."""

from __future__ import annotations

import asyncio


class RateLimiter:
    """At most `per_second` starts per second, evenly spaced rather than in bursts.

    Each caller reserves the next free slot and sleeps until it, so concurrent callers
    go in turn. `hold_off` pauses everyone, for when the service says it is asked too
    often: callers already asleep on a slot take a new one after the pause.
    """

    def __init__(self, per_second: float):
        if per_second <= 0:
            raise ValueError(f"rate must be positive, got {per_second}")
        self._interval = 1.0 / per_second
        self._next_slot = 0.0
        self._hold_offs = 0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
            hold_offs = self._hold_offs
            await asyncio.sleep(slot - now)
            if self._hold_offs == hold_offs:
                return

    def hold_off(self, seconds: float) -> None:
        resume_at = asyncio.get_running_loop().time() + seconds
        self._next_slot = max(self._next_slot, resume_at)
        self._hold_offs += 1
