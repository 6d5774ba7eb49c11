"""The validation studies run end to end (replication and stationarity; `all --quick` is slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _shared_data import SHARED_DATA, shared_data_path

REPO = Path(__file__).resolve().parents[1]


def _run(study: str, out: Path, quick: bool = True) -> None:
    shared_data_path("chan_published_results.json")
    cmd = [sys.executable, "-m", "validation", study, "--out", str(out),
           "--data-dir", str(SHARED_DATA)] + (["--quick"] if quick else [])
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True, timeout=600)


def test_replication_every_row_passes(tmp_path):
    _run("replication", tmp_path)
    report = (tmp_path / "report_replication.md").read_text()
    assert "## Replication of Chan's published figures" in report
    table = pd.read_csv(tmp_path / "replication.csv")
    assert len(table) >= 50
    assert (table["status"] == "PASS").all(), table[table["status"] != "PASS"]
    assert (tmp_path / "replication_equity.png").stat().st_size > 0


def test_stationarity_table_rows_and_columns(tmp_path):
    _run("stationarity", tmp_path)
    t = pd.read_csv(tmp_path / "stationarity.csv")
    assert list(t["calibration"]) == ["alpha = 1 (MLE, alpha1)", "alpha = MLE (full)",
                                      "alpha = adaptive tuning"]
    for c in ("adf_p_in", "adf_p_out", "llf", "llf_out"):
        assert t[c].notna().all()
    section = (tmp_path / "report_stationarity.md").read_text()
    assert "## Stationarity in and out of sample" in section


@pytest.mark.slow
def test_all_quick_writes_every_section(tmp_path):
    _run("all", tmp_path)
    report = (tmp_path / "report.md").read_text()
    for h in ("## Replication", "## Stationarity", "## Parameter recovery", "## LR test",
              "## Cross-method agreement"):
        assert h in report
    assert (tmp_path / "report.html").exists()
    assert (pd.read_csv(tmp_path / "replication.csv")["status"] == "PASS").all()
