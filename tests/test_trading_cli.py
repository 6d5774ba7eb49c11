"""``backtest`` and ``grid`` handlers: published figures in the JSON, grid files, config re-runs."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest
from _shared_data import chan_published_results, shared_data_path

from ssm_coint.cli.trading import register
from ssm_coint.exceptions import SsmCointError
from ssm_coint.trading import (
    BEST_CONFIG,
    GRID_TABLE,
    SEED002_GRID,
    ConfigFileError,
    OutputExistsError,
    StrategySpecificationError,
    load_config,
)

#: Chan's figures are printed to 6 decimals.
TOL_6DP = 5e-7


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ssm-coint")
    register(p.add_subparsers(dest="command", required=True))
    return p


def run(*argv: str) -> dict:
    """Parse and run one handler, checking the result is strict JSON (as the main CLI prints)."""
    args = _parser().parse_args(list(argv))
    out = args.func(args)
    return json.loads(json.dumps(out, allow_nan=False, default=str))


@pytest.fixture(scope="module")
def chan_csv() -> str:
    return str(shared_data_path("chan_ewa_ewc_ige.csv"))


@pytest.fixture(scope="module")
def ref():
    return chan_published_results()


def test_backtest_json_chan_example_3_3(chan_csv, ref):
    pub = ref["book2_example_3.3_kalman_ewa_ewc"]["published"]
    out = run("backtest", "--data", chan_csv, "--assets", "EWC", "EWA", "--method", "chan",
              "--delta", "1e-4", "--ve", "1e-3", "--signal", "chan-bands", "--json")
    for key in ("apr", "sharpe", "max_drawdown", "total_return", "n_trades"):
        assert key in out, key
    assert abs(out["apr"] - pub["APR"]) <= TOL_6DP
    assert abs(out["sharpe"] - pub["Sharpe"]) <= TOL_6DP
    assert out["nobs"] == 1500 and out["assets"] == ["EWC", "EWA"]


def test_backtest_json_johansen_example_2_8(chan_csv, ref):
    pub = ref["book2_example_2.7_2.8_johansen_portfolio_mean_reversion"]["published"]
    out = run("backtest", "--data", chan_csv, "--assets", "EWC", "EWA", "IGE",
              "--signal", "johansen-mr", "--json")
    assert round(out["half_life"], 2) == 22.66
    assert abs(out["half_life"] - pub["halflife_days"]) <= TOL_6DP
    assert abs(out["apr"] - pub["APR"]) <= TOL_6DP
    assert abs(out["sharpe"] - pub["Sharpe"]) <= TOL_6DP
    assert out["lookback"] == 23 and out["in_sample_parameters"] is True


def test_backtest_human_output_and_files(chan_csv, tmp_path, capsys):
    out_dir = tmp_path / "bt"
    res = run("backtest", "--data", chan_csv, "--assets", "EWC", "EWA", "--signal", "zscore",
              "--window", "45", "--stake", "50", "--commission-bps", "5", "--walk-forward",
              "126", "--train-days", "252", "--out", str(out_dir))
    text = capsys.readouterr().out
    assert "sharpe" in text and "no look-ahead" in text
    assert res["config"]["sizing"] == "shares"  # --stake implies a share-sized account
    assert res["n_blocks"] == 10 and res["nobs"] == 1500 - 252
    for name in ("results.json", "daily.csv", "trades.csv", "config.json", "equity.png"):
        assert (out_dir / name).stat().st_size > 0, name
    daily = pd.read_csv(out_dir / "daily.csv", index_col=0)
    assert len(daily) == 1500 - 252
    with pytest.raises(OutputExistsError):
        run("backtest", "--config", str(out_dir / "config.json"), "--out", str(out_dir))
    again = run("backtest", "--config", str(out_dir / "config.json"), "--json")
    assert again["sharpe"] == res["sharpe"] and again["apr"] == res["apr"]


def test_grid_writes_table_and_best_config_and_reruns(chan_csv, tmp_path):
    out_dir = tmp_path / "grid"
    doc = run("grid", "--data", chan_csv, "--assets", "EWC", "EWA", "--out", str(out_dir),
              "--json")
    n_expected = 1
    for values in SEED002_GRID.values():
        n_expected *= len(values)
    assert n_expected == 72 and doc["n_runs"] == 72 and doc["n_failed"] == 0
    table = pd.read_csv(out_dir / GRID_TABLE)
    assert len(table) == 72 and list(table["rank"]) == list(range(1, 73))
    assert sorted(table["run"]) == list(range(72))
    # ranked by Sharpe (descending), ties by max drawdown (ascending)
    s, d = table["sharpe"].to_numpy(), table["max_drawdown"].to_numpy()
    assert all(s[i] > s[i + 1] or (s[i] == s[i + 1] and d[i] <= d[i + 1]) for i in range(71))
    assert set(table["window"]) == {45, 60, 90} and set(table["stake"]) == {25, 50, 75}

    best_path = out_dir / BEST_CONFIG
    saved = json.loads(best_path.read_text())
    cfg = load_config(best_path)
    assert cfg.to_dict() == saved["config"] and cfg.signal == "zscore"
    assert saved["metrics"]["sharpe"] == pytest.approx(table["sharpe"].iloc[0], rel=1e-12)

    again = run("backtest", "--config", str(best_path), "--json")
    for key, value in saved["metrics"].items():
        assert again[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key

    before = (out_dir / GRID_TABLE).read_bytes()
    with pytest.raises(OutputExistsError) as err:
        run("grid", "--data", chan_csv, "--assets", "EWC", "EWA", "--out", str(out_dir))
    assert isinstance(err.value, SsmCointError) and GRID_TABLE in str(err.value)
    assert (out_dir / GRID_TABLE).read_bytes() == before
    small = run("grid", "--data", chan_csv, "--assets", "EWC", "EWA", "--out", str(out_dir),
                "--windows", "60", "--stakes", "25", "--force", "--json")
    assert small["n_runs"] == 8 and len(pd.read_csv(out_dir / GRID_TABLE)) == 8
    assert not list(out_dir.glob(".*.tmp"))  # atomic writes leave no temporary files


def test_cli_errors_are_typed(chan_csv, tmp_path):
    with pytest.raises(StrategySpecificationError):
        run("backtest", "--assets", "EWC", "EWA")
    bad = tmp_path / "bad.json"
    bad.write_text('{"signal": "zscore", "colour": "blue"}')
    with pytest.raises(ConfigFileError):
        run("backtest", "--config", str(bad))
    with pytest.raises(ConfigFileError):
        run("backtest", "--config", str(tmp_path / "missing.json"))
    with pytest.raises(StrategySpecificationError):
        run("backtest", "--data", chan_csv, "--assets", "EWC", "EWA", "--signal", "zscore",
            "--entry-z", "0.4")
    with pytest.raises(StrategySpecificationError):
        run("grid", "--data", chan_csv, "--assets", "EWC", "EWA")  # no --out


def test_main_cli_wiring(chan_csv, capsys):
    """Through ``ssm-coint`` itself: every subcommand is registered and works end to end."""
    from ssm_coint import cli

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"backtest", "grid", "scan", "compare", "fit", "demo"} <= set(sub.choices)
    assert cli.main(["backtest", "--data", chan_csv, "--assets", "EWC", "EWA",
                     "--signal", "chan-bands", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["apr"], 6) == 0.262252
    assert cli.main(["backtest", "--assets", "EWC", "EWA"]) == 2


@pytest.mark.parametrize("method", ["em", "adaptive"])
def test_backtest_with_other_calibration_methods(method, capsys):
    """Any calibration method drives the hedge; estimated parameters are flagged in sample."""
    from ssm_coint.cli import main

    path = str(shared_data_path("chan_ewa_ewc_ige.csv"))
    assert main(["backtest", "--data", path, "--assets", "EWC", "EWA", "--end", "2008-12-31",
                 "--method", method, "--signal", "chan-bands", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["in_sample_parameters"] is True
    assert out["sharpe"] is not None and out["apr"] is not None
