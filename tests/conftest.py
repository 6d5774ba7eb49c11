"""Shared fixtures: guard against use of NumPy's global random state (statsmodels pattern)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def check_global_randomstate_usage():
    """Fail any test that draws from (or reseeds) NumPy's global RandomState."""
    state = np.random.get_state()
    yield
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:], (
        "test used numpy's global random state"
    )
