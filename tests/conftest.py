"""Shared fixtures: real data through the one helper, and a guard on NumPy's global RNG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _shared_data import shared_data_path


@pytest.fixture(autouse=True)
def check_global_randomstate_usage():
    """Fail any test that draws from (or reseeds) NumPy's global RandomState."""
    state = np.random.get_state()  # noqa: NPY002 - reading it is the point
    yield
    after = np.random.get_state()  # noqa: NPY002
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:], (
        "test used numpy's global random state"
    )


@pytest.fixture(scope="session")
def chan_etf() -> pd.DataFrame:
    """Chan's EWA/EWC/IGE closes (1500 days)."""
    return pd.read_csv(shared_data_path("chan_ewa_ewc_ige.csv"), index_col="date",
                       parse_dates=True)


@pytest.fixture(scope="session")
def ewc_ewa(chan_etf) -> pd.DataFrame:
    """EWC (y) on EWA."""
    return chan_etf[["EWC", "EWA"]]


@pytest.fixture(scope="session")
def ewc_ewa_ige(chan_etf) -> pd.DataFrame:
    """EWC (y) on EWA and IGE."""
    return chan_etf[["EWC", "EWA", "IGE"]]
