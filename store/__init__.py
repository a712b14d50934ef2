"""The Sage store: one DuckDB file holding the catalog, trained vectors and their runs.

Training writes through it, the engine reads from it. Connections are meant to be
short: DuckDB lets one process write a file or many read it, never both, so a long
training job or a running bot must not sit on an open connection.
"""

from store.db import Store, default_store_path
from store.errors import StoreError, UserError
from store.runs import RunRecord, SpaceVectors

__all__ = [
    "RunRecord",
    "SpaceVectors",
    "Store",
    "StoreError",
    "UserError",
    "default_store_path",
]
