"""Building the related-artists graph from the bundled data: where the time goes, and
`strongest_per_row` against the one-lexsort version it replaced, in the same run.

    python bench/graph_build.py [--store PATH]

Times each stage of train.graph.related on the store's listens and tags: co-listening
similarity, tag similarity, and keeping each artist's strongest entries of each; then
keeps the strongest 50 per row of the tag similarity (its largest matrix) both ways,
checks they agree exactly and prints the ratio. Also prints the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store, default_store_path  # noqa: E402
from store.catalog import load_listens, load_taggings  # noqa: E402
from train.graph.colisten import colistening_similarity, strongest_per_row  # noqa: E402
from train.graph.params import RelatedGraphParams  # noqa: E402
from train.graph.related import related_artist_edges  # noqa: E402
from train.graph.tags import tag_similarity  # noqa: E402


def strongest_per_row_by_lexsort(matrix: sp.csr_matrix, k: int) -> tuple[np.ndarray, ...]:
    """The baseline: one lexsort of every entry by (row, strength, column)."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((matrix.indices, -matrix.data, rows))
    rank_in_row = np.arange(len(order)) - matrix.indptr[rows[order]]
    kept = order[rank_in_row < k]
    return rows[kept], matrix.indices[kept], matrix.data[kept]


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:7.2f} s", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a store with listens and per-person tags (default: the usual store)")
    args = parser.parse_args()
    with Store.open(args.store, read_only=True) as store:
        listens, taggings = load_listens(store), load_taggings(store)
    artist_ids = np.unique(listens.artist_ids)
    params = RelatedGraphParams()
    print(f"{len(artist_ids):,} artists, {len(listens):,} listens, {len(taggings):,} taggings")

    colistening, _ = timed("co-listening similarity",
                           lambda: colistening_similarity(listens, artist_ids, params))
    timed(f"  strongest {params.neighbours} per row ({colistening.nnz:,} entries)",
          lambda: strongest_per_row(colistening, params.neighbours))
    tags, _ = timed("tag similarity", lambda: tag_similarity(taggings, artist_ids))
    kept, new = timed(f"  strongest {params.tag_neighbours} per row ({tags.nnz:,} entries)",
                      lambda: strongest_per_row(tags, params.tag_neighbours))
    before, old = timed("  the same by one lexsort (the baseline)",
                        lambda: strongest_per_row_by_lexsort(tags, params.tag_neighbours))
    assert all(np.array_equal(a, b) for a, b in zip(kept, before, strict=True))
    print(f"  identical edges, {old / new:.1f}x the baseline's speed")
    timed("related graph end to end", lambda: related_artist_edges(
        listens, taggings, artist_ids, params))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()
