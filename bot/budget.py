"""One budget of commands per user, across every command, and one "easy there" per window.

Each user may run QUERIES_PER_WINDOW commands in any WINDOW_SECONDS (a sliding window),
whichever commands they are: `like` and `similar` alternated do not double it, and
`help` counts too. A command reached through another (the `ask` route running
`similar`, a group and its subcommand) is one command: it is counted once per Discord
message or interaction. A user over budget is told so once per window; after that a
reaction says it, so a hundred commands do not become a hundred channel messages.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable

# Per user: a handful of queries, then a pause. Enough to refine a query by hand.
QUERIES_PER_WINDOW = 5
WINDOW_SECONDS = 30.0
# How many recent messages and interactions are remembered as counted.
_EVENTS_KEPT = 4_096


class CommandBudget:
    def __init__(
        self,
        per_window: int = QUERIES_PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._spent: dict[int, deque[float]] = {}  # user -> when each command in the window ran
        self._counted: OrderedDict[int, float | None] = OrderedDict()  # event -> its answer
        self._told_until: dict[int, float] = {}

    def spend(self, user_id: int, event_id: int) -> float | None:
        """Count the command of `event_id` (a message or interaction id) against the user's
        budget; None if it may run, else the seconds until it could. The same event is
        answered the same way however often it is asked."""
        if event_id in self._counted:
            return self._counted[event_id]
        now = self._clock()
        spent = self._spent.setdefault(user_id, deque())
        while spent and spent[0] <= now - self.window:
            spent.popleft()
        if len(spent) < self.per_window:
            spent.append(now)
            answer = None
        else:
            answer = spent[0] + self.window - now
        self._counted[event_id] = answer
        if len(self._counted) > _EVENTS_KEPT:
            self._counted.popitem(last=False)
            self._forget_idle(now)
        return answer

    def tell(self, user_id: int, retry_after: float) -> bool:
        """Whether to tell the user in words that they are over budget: once per window."""
        now = self._clock()
        if now < self._told_until.get(user_id, float("-inf")):
            return False
        self._told_until[user_id] = now + retry_after
        return True

    def _forget_idle(self, now: float) -> None:
        """Drop users whose window is empty, so the budget stays small."""
        for user_id in [u for u, spent in self._spent.items()
                        if not spent or spent[-1] <= now - self.window]:
            del self._spent[user_id]
            self._told_until.pop(user_id, None)
