"""A few rows of a big CSR matrix, read from its arrays.

scipy indexes a CSR matrix through checks and conversions that pass over the whole
matrix (its index dtype, a map of every column), which costs more than the rows asked
for when a query reads a handful of rows of a 218,000-row graph or a million listens.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def entries(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """float32 [rows, columns]: the entries at each row and column, 0 where there is none
    (a column of -1 is none)."""
    found = np.zeros((len(rows), len(columns)), dtype=np.float32)
    for i, row in enumerate(np.asarray(rows).tolist()):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        at, column = np.nonzero(matrix.indices[start:end, None] == columns[None, :])
        found[i, column] = matrix.data[start:end][at]
    return found


def shared_columns(matrix: sp.csr_matrix, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """int64 [rows, others]: how many columns each row shares with each other row (of a
    0/1 matrix: common listeners of two artists)."""
    shared = np.zeros((len(rows), len(others)), dtype=np.int64)
    present = np.zeros(matrix.shape[1], dtype=bool)
    for i, row in enumerate(np.asarray(rows).tolist()):
        columns = matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]]
        present[columns] = True
        for j, other in enumerate(np.asarray(others).tolist()):
            shared[i, j] = np.count_nonzero(
                present[matrix.indices[matrix.indptr[other]:matrix.indptr[other + 1]]])
        present[columns] = False
    return shared
