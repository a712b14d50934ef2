"""Reading a few rows of a CSR matrix (engine.csr) as scipy would."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from engine.csr import entries, shared_columns

MATRIX = sp.random(40, 30, density=0.2, random_state=6, format="csr", dtype=np.float32)


def test_entries_are_those_of_a_dense_copy_and_no_column_is_zero():
    rows, columns = np.array([3, 0, 39, 3]), np.array([5, 1, 1, 29, -1])
    expected = MATRIX.toarray()[rows][:, columns]
    expected[:, columns == -1] = 0
    assert entries(MATRIX, rows, columns) == pytest.approx(expected)


def test_shared_columns_count_the_common_entries_of_two_rows():
    listened = (MATRIX > 0).astype(np.float32).tocsr()
    rows, others = np.array([3, 0, 39]), np.array([5, 3, 3, 17])
    dense = listened.toarray()
    assert shared_columns(listened, rows, others).tolist() == (
        dense[rows] @ dense[others].T).astype(int).tolist()
