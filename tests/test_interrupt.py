"""Ctrl-C: a running ``ssm-coint grid`` or ``fit`` exits 130 with one line and no output files.

Each command runs in its own process on a long simulated series (so that it is still working
when the signal comes), receives SIGINT a few seconds after it starts (after the interpreter
start-up; the package's imports happen inside ``main``, which handles the interrupt), and must
then exit with status 130, print exactly one line on stderr, no traceback, and leave its
``--out`` folder without any file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ssm_coint.simulate import simulate_hedge_model

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child needs POSIX")

#: Seconds between the start of the command and the signal. The interpreter and the CLI's own
#: imports take about 0.3 s; the package's heavy imports happen inside main().
DELAY = 4.0


@pytest.fixture(scope="module")
def long_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupt") / "long.csv"
    simulate_hedge_model(40_000, seed=11).prices.to_csv(path)
    return path


def _interrupt(args, cwd):
    proc = subprocess.Popen([sys.executable, "-m", "ssm_coint", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(DELAY)
    assert proc.poll() is None, "the command finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.parametrize("command", [
    ["grid", "--method", "mle", "--windows", "45", "60"],
    ["fit"],
])
def test_sigint_exits_130_with_one_line_and_no_output(long_csv, tmp_path, command):
    out_dir = tmp_path / "out"
    args = [command[0], "--data", str(long_csv), "--assets", "Y", "X2", "X3",
            "--out", str(out_dir), "--allow-negative", *command[1:]]
    status, stdout, stderr = _interrupt(args, tmp_path)
    lines = stderr.strip().splitlines()
    assert status == 130, stderr
    assert lines == ["ssm-coint: interrupted"], stderr
    assert stdout == ""
    left = sorted(p.name for p in out_dir.rglob("*")) if out_dir.exists() else []
    assert left == [], f"partial output left behind: {left}"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".ssm_coint-probe-*"))
