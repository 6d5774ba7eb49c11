"""Fuzzing the price loader and the CLI's handling of bad files (issue 15).

Two properties, with hypothesis (derandomized, so CI sees the same files every run):

* **Malformed files fail cleanly.** Every generated file carries at least one defect that makes it
  unusable (random bytes, no header, no date column, a ragged row, a text or empty or infinite or
  zero or negative price inside the sample, a repeated or unparsable date, a constant series, the
  wrong separator, too few rows, an unknown asset). ``ssm-coint fit`` on it, called in process,
  must return 2 and print exactly one error line on stderr (warnings, if any, are one line each
  and start with ``ssm-coint: warning:``), never a traceback. A handful go through a real
  subprocess too. The command is the default (MLE) fit, which also refuses samples too short
  for its parameters; every other defect is caught by the loader before any fitting.
* **The loader never fails any other way.** On generated files with NaN and inf anywhere,
  duplicated and unsorted dates, :func:`~ssm_coint.data.load_prices` either raises a typed
  :class:`~ssm_coint.exceptions.SsmCointError` or returns a correct frame: float64, finite, on a
  sorted unique DatetimeIndex, the requested columns, every value one of the file's.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssm_coint.cli import main
from ssm_coint.data import load_prices
from ssm_coint.exceptions import SsmCointError

DEFECTS = ("bytes", "header_only", "no_date_column", "ragged", "text_price", "empty_price",
           "inf_price", "zero_price", "negative_price", "repeated_date", "bad_date",
           "constant", "semicolons", "too_few_rows", "unknown_asset")

FUZZ = settings(max_examples=520, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def malformed_files(draw):
    """(file bytes, asset list) with one or more defects, each of which alone is fatal."""
    defect = draw(st.sampled_from(DEFECTS))
    if defect == "bytes":
        return draw(st.binary(min_size=0, max_size=400)), ["Y", "X"]
    n = draw(st.integers(5, 40))
    k = draw(st.integers(2, 4))
    names = ["Y"] + [f"X{j}" for j in range(1, k)]
    dates = [str(d.date()) for d in pd.bdate_range("2021-01-04", periods=n)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = 10 + np.abs(np.cumsum(rng.normal(0, 1, (n, k)), axis=0))
    cells = [[f"{v:.6f}" for v in row] for row in values]
    header = ["date", *names]
    assets = list(names[:2])
    row = draw(st.integers(1, n - 2))  # inside the sample: never the first or last row
    col = draw(st.integers(0, 1))  # a selected asset
    sep = ","
    if defect == "header_only":
        dates, cells = [], []
    elif defect == "no_date_column":
        header[0] = draw(st.sampled_from(["when", "day", "idx", ""]))
    elif defect == "text_price":
        cells[row][col] = draw(st.from_regex(r"[a-mo-z][a-z]{0,5}", fullmatch=True))
    elif defect == "empty_price":
        cells[row][col] = ""
    elif defect == "inf_price":
        cells[row][col] = draw(st.sampled_from(["inf", "-inf", "Infinity", "1e999"]))
    elif defect == "zero_price":
        cells[row][col] = draw(st.sampled_from(["0", "0.0", "-0.0"]))
    elif defect == "negative_price":
        cells[row][col] = f"{-draw(st.floats(0.01, 1e6)):.6f}"
    elif defect == "repeated_date":
        dates[row] = dates[draw(st.integers(0, n - 1).filter(lambda i: i != row))]
    elif defect == "bad_date":
        dates[row] = draw(st.from_regex(r"[a-z]{1,3}[#@!][0-9]{0,3}", fullmatch=True))
    elif defect == "constant":
        for r in cells:
            r[col] = "42.0"
    elif defect == "semicolons":
        sep = ";"
    elif defect == "too_few_rows":
        dates, cells = dates[:2], cells[:2]
    elif defect == "unknown_asset":
        assets = ["Y", draw(st.sampled_from(["Z", "x1", "Y2", "XX"]))]
    lines = [sep.join(header)] + [sep.join([d, *c]) for d, c in zip(dates, cells, strict=True)]
    if defect == "ragged":
        lines[row + 1] += sep + "1.0"
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    return text.encode(), assets


def _run_fit(path: Path, assets: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(["fit", "--data", str(path), "--assets", *assets, "--json"])
    return status, err.getvalue()


def _check_one_error_line(status: int, stderr: str) -> None:
    lines = stderr.strip().splitlines()
    errors = [ln for ln in lines if not ln.startswith("ssm-coint: warning:")]
    assert status == 2, stderr
    assert len(errors) == 1 and errors[0].startswith("ssm-coint: error:"), stderr
    assert "Traceback" not in stderr


@FUZZ
@given(case=malformed_files())
def test_malformed_files_exit_2_with_one_line(case):
    content, assets = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prices.csv"
        path.write_bytes(content)
        status, stderr = _run_fit(path, assets)
    _check_one_error_line(status, stderr)


@pytest.mark.parametrize("defect", ["bytes", "ragged", "bad_date", "inf_price", "constant"])
def test_malformed_files_through_a_real_process(tmp_path, defect):
    example = {
        "bytes": b"\x89PNG\r\n\x1a\n\x00\x00garbage\xff\xfe",
        "ragged": b"date,Y,X\n2021-01-04,1,2\n2021-01-05,1,2,3\n2021-01-06,1,2\n",
        "bad_date": b"date,Y,X\n2021-01-04,1,2\nnot@day,1.5,2\n2021-01-06,1,2.5\n",
        "inf_price": b"date,Y,X\n2021-01-04,1,2\n2021-01-05,inf,2\n2021-01-06,1,2.5\n",
        "constant": b"date,Y,X\n2021-01-04,1,2\n2021-01-05,1,2.2\n2021-01-06,1,2.5\n",
    }[defect]
    path = tmp_path / "prices.csv"
    path.write_bytes(example)
    run = subprocess.run([sys.executable, "-m", "ssm_coint", "fit", "--data", str(path),
                          "--assets", "Y", "X", "--method", "chan"],
                         capture_output=True, text=True, timeout=120)
    _check_one_error_line(run.returncode, run.stderr)
    assert run.stdout == ""


@st.composite
def messy_files(draw):
    """Plausible files with NaN/inf anywhere, repeated and unsorted dates."""
    n = draw(st.integers(3, 30))
    k = draw(st.integers(2, 3))
    names = ["Y"] + [f"X{j}" for j in range(1, k)]
    stamps = list(pd.bdate_range("2021-01-04", periods=n))
    order = draw(st.permutations(range(n))) if draw(st.booleans()) else list(range(n))
    if draw(st.booleans()):
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        stamps[i] = stamps[j]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = 10 + np.abs(np.cumsum(rng.normal(0, 1, (n, k)), axis=0))
    text = values.round(6).astype(str)
    for _ in range(draw(st.integers(0, 4))):
        r, c = draw(st.integers(0, n - 1)), draw(st.integers(0, k - 1))
        text[r, c] = draw(st.sampled_from(["", "nan", "NaN", "inf", "-inf"]))
    lines = ["date," + ",".join(names)]
    lines += [f"{stamps[i].date()}," + ",".join(text[i]) for i in order]
    missing = draw(st.sampled_from(["raise", "drop", "ffill"]))
    return "\n".join(lines) + "\n", names, missing, values


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=messy_files())
def test_loader_gives_a_typed_error_or_a_correct_frame(case):
    text, names, missing, values = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prices.csv"
        path.write_text(text)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                frame = load_prices(path, names, missing=missing)
            except SsmCointError:
                return
    assert list(frame.columns) == names
    assert all(frame.dtypes == np.float64)
    assert np.isfinite(frame.to_numpy()).all()
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    known = set(np.round(values, 6).ravel().tolist())
    assert set(frame.to_numpy().ravel().tolist()) <= known
