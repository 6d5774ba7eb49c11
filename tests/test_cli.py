"""Command line: JSON output of ``fit``, and one-line errors (exit 2, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _shared_data import shared_data_path

from ssm_coint.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "ssm_coint", *args], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def chan_csv():
    return str(shared_data_path("chan_ewa_ewc_ige.csv"))


@pytest.mark.parametrize("variant, target", [("full", -170.726), ("mu0", -171.849),
                                             ("alpha1", -172.301)])
def test_fit_json_ewc_ewa(chan_csv, variant, target, capsys):
    assert main(["fit", "--data", chan_csv, "--assets", "EWC", "EWA", "--variant", variant,
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("assets", "nobs", "start", "end", "variant", "method", "params", "llf", "aic",
                "bic", "converged", "hedge_ratios_last", "warnings"):
        assert key in out, key
    assert out["assets"] == ["EWC", "EWA"] and out["nobs"] == 1500
    assert out["start"] == "2006-04-26" and out["end"] == "2012-04-09"
    assert set(out["hedge_ratios_last"]) == {"intercept", "EWA"}
    assert {"sigma2.obs", "sigma2.intercept", "sigma2.EWA", "alpha", "c"} <= set(out["params"])
    assert out["llf"] >= target
    assert out["converged"] is True
    if variant == "full":
        assert "mu" in out["params"]
        assert out["llf"] >= out["nested_llf"]["mu0"] >= out["nested_llf"]["alpha1"]


def test_fit_json_chan_method(chan_csv, capsys):
    assert main(["fit", "--data", chan_csv, "--assets", "EWC", "EWA", "--method", "chan",
                 "--delta", "1e-4", "--ve", "1e-3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "chan"
    assert round(out["hedge_ratios_last"]["EWA"], 5) == 0.90249
    assert round(out["hedge_ratios_last"]["intercept"], 5) == 6.76736


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _prices(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = 50 + np.cumsum(rng.normal(size=n))
    y = 2 + 0.8 * x + rng.normal(scale=0.3, size=n)
    z = 30 + np.cumsum(rng.normal(size=n))
    return pd.DataFrame({"date": pd.bdate_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
                         "A": y, "B": x, "C": z})


BAD_CASES = {
    "missing_file": (None, ["A", "B"], "does not exist"),
    "bad_extension": ("x.txt", ["A", "B"], "x.txt"),
    "no_date_column": ("nodate", ["A", "B"], "date"),
    "bad_date": ("baddate", ["A", "B"], "not-a-date"),
    "duplicate_date": ("dup", ["A", "B"], "2020-01-02"),
    "unknown_asset": ("ok", ["A", "ZZZ"], "ZZZ"),
    "one_asset": ("ok", ["A"], "two"),
    "nan_inside": ("nan", ["A", "B"], "B"),
    "non_positive_log": ("neg", ["A", "B", "--log-prices"], "B"),
    "constant": ("const", ["A", "B"], "B"),
    "collinear": ("collinear", ["A", "B", "C"], "C"),
    "too_few_rows": ("short", ["A", "B"], "observations"),
    "non_numeric": ("text", ["A", "B"], "abc"),
}


def _bad_file(tmp_path, kind):
    df = _prices()
    if kind is None:
        return str(tmp_path / "missing.csv")
    if kind == "x.txt":
        return _write(tmp_path, "x.txt", df.to_csv(index=False))
    if kind == "nodate":
        return _write(tmp_path, "f.csv", df.rename(columns={"date": "day"}).to_csv(index=False))
    if kind == "baddate":
        df.loc[5, "date"] = "not-a-date"
    elif kind == "dup":
        df.loc[2, "date"] = df.loc[1, "date"]
    elif kind == "nan":
        df["B"] = df["B"].astype(object)
        df.loc[10, "B"] = np.nan
    elif kind == "neg":
        df.loc[7, "B"] = -1.0
    elif kind == "const":
        df["B"] = 5.0
    elif kind == "collinear":
        df["C"] = 2 * df["B"] + 1
    elif kind == "short":
        df = df.iloc[:8]
    elif kind == "text":
        df["B"] = df["B"].astype(object)
        df.loc[4, "B"] = "abc"
    return _write(tmp_path, "f.csv", df.to_csv(index=False))


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_cli_bad_input_one_line(tmp_path, case, capsys):
    kind, extra, fragment = BAD_CASES[case]
    path = _bad_file(tmp_path, kind)
    assets = [a for a in extra if not a.startswith("--")]
    flags = [a for a in extra if a.startswith("--")]
    status = main(["fit", "--data", path, "--assets", *assets, "--variant", "alpha1", *flags])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("ssm-coint: error:")
    assert fragment.lower() in err.lower(), err


def test_cli_subprocess_error_has_no_traceback(tmp_path):
    proc = run_cli("fit", "--data", str(tmp_path / "nope.csv"), "--assets", "A", "B")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_demo_json_runs_and_recovers(capsys):
    assert main(["demo", "--nobs", "600", "--seed", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fits = out["fits"]
    assert fits["full"]["llf"] >= fits["mu0"]["llf"] >= fits["alpha1"]["llf"]
    assert fits["alpha1"]["params"]["alpha"] == 1.0
    assert set(out["truth"]) <= set(fits["full"]["params"])


def test_fit_log_prices_and_date_range(chan_csv, capsys):
    assert main(["fit", "--data", chan_csv, "--assets", "EWC", "EWA", "--variant", "alpha1",
                 "--log-prices", "--start", "2008-01-01", "--end", "2010-12-31", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["log_prices"] is True
    assert out["start"] >= "2008-01-01" and out["end"] <= "2010-12-31"
    assert out["nobs"] < 1500
    # on log prices the hedge ratio is an elasticity of order one, the level of order log-price
    assert 0 < out["hedge_ratios_last"]["EWA"] < 3


def _nan_file(tmp_path):
    rng = np.random.default_rng(3)
    n = 120
    x = 50 + np.cumsum(rng.standard_normal(n))
    y = 1.0 + 0.8 * x + rng.standard_normal(n) * 0.3
    df = pd.DataFrame({"date": pd.bdate_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
                       "Y": y, "X": x})
    df.loc[[40, 77], "Y"] = np.nan
    path = tmp_path / "gaps.csv"
    df.to_csv(path, index=False)
    return str(path), list(df.loc[[40, 77], "date"])


def test_fit_missing_drop_warns_with_the_dropped_dates(tmp_path, capsys):
    path, dates = _nan_file(tmp_path)
    assert main(["fit", "--data", path, "--assets", "Y", "X", "--variant", "alpha1",
                 "--missing", "drop", "--json"]) == 0
    err = capsys.readouterr().err.splitlines()
    dropped = [line for line in err if "dropped 2 row(s)" in line]
    assert len(dropped) == 1, err  # one line, de-duplicated
    assert dropped[0].startswith("ssm-coint: warning: ")
    assert all(d in dropped[0] for d in dates)
    # --quiet silences warnings, before or after the command name
    for argv in (["--quiet", "fit"], ["fit", "--quiet"]):
        assert main([*argv, "--data", path, "--assets", "Y", "X", "--variant", "alpha1",
                     "--missing", "drop", "--json"]) == 0
        assert capsys.readouterr().err == ""


def test_numerical_failure_exits_1_with_one_line(monkeypatch, chan_csv, capsys):
    from ssm_coint import estimation
    from ssm_coint.exceptions import EstimationError

    def broken(*args, **kwargs):
        raise EstimationError("no start produced a finite log-likelihood")

    monkeypatch.setattr(estimation, "fit_mle", broken)
    assert main(["fit", "--data", chan_csv, "--assets", "EWC", "EWA"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ssm-coint: numerical failure: no start produced a finite log-likelihood"]


def test_package_silences_no_warning():
    """No blanket ``simplefilter("ignore")`` and no silent ``nan_to_num`` in the package."""
    from pathlib import Path

    import ssm_coint

    root = Path(ssm_coint.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text()
        for needle in ('simplefilter("ignore"', "simplefilter('ignore'", "nan_to_num("):
            if needle in text and path.name != "_warnings.py":
                offenders.append(f"{path.relative_to(root)}: {needle}")
    # the two remaining nan_to_num calls are not silent: the MLE puts the NaN rows of
    # boundary parameters back into the covariance, and the agreement figure labels n/a bars
    allowed = {"estimation/_mle.py: nan_to_num(", "studies/agreement.py: nan_to_num("}
    assert set(offenders) <= allowed, offenders


def test_zero_and_negative_prices_in_level_mode(tmp_path, capsys):
    rng = np.random.default_rng(5)
    n = 150
    x = 50 + np.cumsum(0.3 * rng.standard_normal(n))
    y = 3.0 + 0.5 * x + rng.standard_normal(n) * 0.2
    df = pd.DataFrame({"date": pd.bdate_range("2021-01-01", periods=n).strftime("%Y-%m-%d"),
                       "Y": y, "X": x})
    df.loc[[30, 31], "X"] = 0.0
    zero = tmp_path / "zero.csv"
    df.to_csv(zero, index=False)
    argv = ["fit", "--data", str(zero), "--assets", "Y", "X", "--variant", "alpha1", "--json"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'X' has a zero price 0" in err[0]
    assert "2021-02-12, 2021-02-15" in err[0]
    assert main([*argv, "--allow-negative"]) == 2  # zero is refused either way
    capsys.readouterr()
    df.loc[[30, 31], "X"] = -1.0  # a negative level
    neg = tmp_path / "neg.csv"
    df.to_csv(neg, index=False)
    argv = ["fit", "--data", str(neg), "--assets", "Y", "X", "--variant", "alpha1", "--json"]
    assert main(argv) == 2
    assert "--allow-negative" in capsys.readouterr().err
    assert main([*argv, "--allow-negative"]) == 0
