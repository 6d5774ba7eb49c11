"""Run the example scripts in ``examples/`` (other than chan_replication) as subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _shared_data import shared_data_path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, *args: str, timeout: float = 900) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=EXAMPLES,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_walk_forward_example():
    out = _run("walk_forward.py", str(shared_data_path("chan_ewa_ewc_ige.csv")))
    assert "walk-forward blocks of 63 days" in out
    assert "building blocks, out of sample:" in out
    assert "run_strategy, out of sample:" in out
    assert "in-sample look-ahead in parameters: False" in out
    lines = [ln for ln in out.splitlines() if "out of sample:" in ln]
    # the building blocks and run_strategy trade the same days with the same result
    assert lines[0].split(":", 1)[1] == lines[1].split(":", 1)[1]


def test_universe_scan_example():
    out = _run("universe_scan.py", str(shared_data_path("yahoo_etf_adjclose_1993_2026.csv")))
    assert "2015-01-02 .." in out and "2019-12-31" in out
    assert "Scan of pairs (Engle-Granger)" in out
    assert "Non-overlapping selection:" in out


@pytest.mark.slow
def test_compare_methods_example():
    out = _run("compare_methods.py", str(shared_data_path("chan_ewa_ewc_ige.csv")),
               "--passes", "200")
    assert "training days to" in out and "test days" in out
    for method in ("mle", "em", "adaptive", "chan"):
        assert any(line.split()[:1] == [method] for line in out.splitlines()), method
    assert "llf_out" in out
