"""The one place tests find ``../shared/data``.

With ``CI=true`` a missing shared folder is an error, never a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SSM_COINT_SHARED_DATA", _REPO.parent / "shared" / "data"))


def shared_data_path(name: str) -> Path:
    """Return the path of a file in ``../shared/data``; skip locally, fail in CI, if absent."""
    path = SHARED_DATA / name
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            raise FileNotFoundError(f"shared data file {path} is required in CI")
        pytest.skip(f"shared data file {path} not available")
    return path


def chan_published_results() -> dict:
    """Load ``chan_published_results.json`` keyed by result id."""
    import json

    data = json.loads(shared_data_path("chan_published_results.json").read_text())
    return {r["id"]: r for r in data["results"]}
