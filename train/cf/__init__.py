"""Collaborative filtering: implicit-feedback factors of the user x artist listening matrix."""
