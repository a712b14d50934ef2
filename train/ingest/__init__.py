"""Getting listening data into the store's catalog.

Each source parses its files completely first (so bad input is reported before anything
is written), then one `write_catalog` call applies the whole batch in a single transaction.
"""
