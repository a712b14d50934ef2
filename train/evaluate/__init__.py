"""The held-out taste test: splitting users, baseline recommenders, and scoring."""
