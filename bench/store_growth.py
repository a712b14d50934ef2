"""The store's size under scheduled retraining, with `sage prune` after each round and,
as the baseline in the same run, without.

Two copies of a trained store go through the same rounds of retraining (cf and hybrid
by default; --graph adds a graph run, which brings its 1.7M edges); one is pruned after
each round as `sage train all` does. Printed: each copy's file size after every round,
and the pruned one's last size against its size after the first round (the bar: 1.15x).

    python bench/store_growth.py --store STORE [--rounds 6] [--graph]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

# So the script runs from a checkout that is not installed too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store, default_store_path  # noqa: E402
from store.prune import DEFAULT_KEEP, prune_runs  # noqa: E402
from train.cf.params import CfParams  # noqa: E402
from train.cf.space import train_cf_space  # noqa: E402
from train.graph.params import GraphParams  # noqa: E402
from train.graph.space import train_graph_space  # noqa: E402
from train.hybrid.params import HybridParams  # noqa: E402
from train.hybrid.space import train_hybrid_space  # noqa: E402

BAR = 1.15


def retrain(path: Path, round_number: int, graph: bool) -> None:
    if graph:
        train_graph_space(path, GraphParams(), seed=round_number, workers=2, activate=True)
    train_cf_space(path, CfParams(), seed=round_number, activate=True)
    train_hybrid_space(path, HybridParams(), activate=True)


def megabytes(path: Path) -> float:
    wal = path.with_name(path.name + ".wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=default_store_path(),
                        help="a trained store to copy (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds of retraining")
    parser.add_argument("--graph", action="store_true", help="retrain the graph space too")
    parser.add_argument("--keep", type=int, default=DEFAULT_KEEP, help="sage prune --keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pruned, kept = Path(folder) / "pruned.duckdb", Path(folder) / "unpruned.duckdb"
        shutil.copyfile(args.store, pruned)
        shutil.copyfile(args.store, kept)
        print(f"start: {megabytes(pruned):.0f} MB")
        print(f"{'round':>5} {'pruned MB':>10} {'unpruned MB':>12}")
        sizes, unpruned = [], []
        for number in range(1, args.rounds + 1):
            for path in (pruned, kept):
                retrain(path, number, args.graph)
            with Store.open(pruned) as store:
                prune_runs(store, args.keep)
            sizes.append(megabytes(pruned))
            unpruned.append(megabytes(kept))
            print(f"{number:>5} {sizes[-1]:>10.0f} {unpruned[-1]:>12.0f}")
        ratio = sizes[-1] / sizes[0]
        print(f"after {args.rounds} rounds, each against its size after the first round: "
              f"pruned {ratio:.2f}x (bar {BAR}x), unpruned {unpruned[-1] / unpruned[0]:.2f}x; "
              f"the pruned store is {sizes[-1] / unpruned[-1]:.2f}x the unpruned one")
    return 0 if ratio <= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
