"""Errors a user can cause, as opposed to bugs.

Every layer raises a subclass of `UserError` for bad input; the CLI and the bot turn it
into one short line instead of a traceback.
"""


class UserError(Exception):
    """Something the person running Sage can fix: a bad file, an unknown name, a missing store."""


class StoreError(UserError):
    """The store is missing, locked, or from a newer version of Sage."""
