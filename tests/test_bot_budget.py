"""bot.budget: one sliding window per user, counted once per message, told once."""

from bot.budget import CommandBudget


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_per_user_counts_each_event_once():
    clock = Clock()
    budget = CommandBudget(per_window=2, window=30.0, clock=clock)
    assert budget.spend(1, event_id=10) is None
    assert budget.spend(1, event_id=10) is None  # the same message asked again: free
    assert budget.spend(1, event_id=11) is None
    clock.now += 10
    assert budget.spend(1, event_id=12) == 20.0  # the first one leaves the window in 20 s
    assert budget.spend(1, event_id=12) == 20.0
    assert budget.spend(2, event_id=13) is None  # another user has a budget of their own
    clock.now += 20
    assert budget.spend(1, event_id=14) is None


def test_told_once_per_window():
    clock = Clock()
    budget = CommandBudget(per_window=1, window=30.0, clock=clock)
    assert budget.tell(1, retry_after=25.0)
    clock.now += 10
    assert not budget.tell(1, retry_after=15.0)
    assert budget.tell(2, retry_after=15.0)
    clock.now += 16
    assert budget.tell(1, retry_after=30.0)
