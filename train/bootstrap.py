"""Building a working store from the bundled Last.fm data, for a first run with nothing set up.

Answers come from the hybrid of the graph and cf spaces. The graph run also holds the
scenes (weekly posts, maps) and the related-artists graph the maps draw.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from store import Store
from store.errors import UserError
from train.cf.params import CfParams
from train.cf.space import train_cf_space
from train.graph.params import GraphParams
from train.graph.space import train_graph_space
from train.hybrid.params import HybridParams
from train.hybrid.space import train_hybrid_space
from train.ingest.hetrec import read_hetrec
from train.ingest.write import write_catalog

log = logging.getLogger(__name__)

BUNDLED_HETREC = Path(__file__).resolve().parent.parent / "data" / "hetrec2011-lastfm-2k"


def build_default_store(path: Path, params: GraphParams | None = None) -> None:
    """Ingest the bundled data and train the graph, cf and hybrid spaces (default settings)
    into `path`."""
    if not BUNDLED_HETREC.is_dir():
        raise UserError(
            f"the bundled data is not at {BUNDLED_HETREC}: install Sage from its source "
            "checkout (pip install -e .) or build a store with `sage ingest`"
        )
    log.info("building %s from the bundled Last.fm data (one-time)", path)
    with Store.open(path) as store:
        write_catalog(store, read_hetrec(BUNDLED_HETREC))
    train_graph_space(path, params or GraphParams(), seed=0, workers=os.cpu_count() or 1,
                      activate=True)
    train_cf_space(path, CfParams(), seed=0, activate=True)
    train_hybrid_space(path, HybridParams(), activate=True)
