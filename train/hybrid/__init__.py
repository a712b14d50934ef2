"""The hybrid space: other spaces' vectors side by side, weighted, with gaps filled in."""
