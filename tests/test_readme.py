"""The README's Python example runs as written (paths resolved to ../shared/data)."""

from __future__ import annotations

import re
from pathlib import Path

from _shared_data import SHARED_DATA, shared_data_path


def test_readme_example_runs(capsys):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shared_data_path("chan_ewa_ewc_ige.csv")  # fails in CI if absent
    code = block.replace('"../shared/data/', f'"{SHARED_DATA}/')
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "0.90249" in out or "0.902493" in out  # Chan's last-day hedge ratio is printed
