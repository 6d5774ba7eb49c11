"""Every script in examples/ runs (on ../shared/data) and prints the published figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _shared_data import shared_data_path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_chan_replication_example():
    path = shared_data_path("chan_ewa_ewc_ige.csv")
    proc = subprocess.run([sys.executable, str(EXAMPLES / "chan_replication.py"), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for fragment in ("0.90249", "6.76736", "34.429", "17.532", "4.471", "16.897", "13.061",
                     "0.9624"):
        assert fragment in out, fragment
