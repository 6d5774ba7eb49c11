"""Pair and basket scans (SPEC section 5; issue 4, done-when item 5)."""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from _shared_data import shared_data_path
from statsmodels.tsa.stattools import coint

from ssm_coint._threads import single_blas_thread as _single_thread_blas
from ssm_coint.cli.scan import cmd_scan, register
from ssm_coint.coint import (
    ScanResult,
    rank_pairs,
    scan_baskets,
    scan_pairs,
    select_non_overlapping,
)
from ssm_coint.data import load_universe
from ssm_coint.exceptions import (
    DataFormatError,
    ModelSpecificationError,
    NonNumericError,
    NonPositivePriceError,
    SsmCointError,
    TooFewAssetsError,
    UnknownAssetError,
)

ETF_FILE = "yahoo_etf_adjclose_1993_2026.csv"
START, END = "2015-01-01", "2019-12-31"
N_TICKERS = 35
N_PAIRS = N_TICKERS * (N_TICKERS - 1) // 2  # 595

#: The fast Engle-Granger path and statsmodels ``coint`` are the same algorithm: they differ by
#: rounding only (QR/Cholesky vs pinv), so the statistics agree to near machine precision.
STAT_RTOL = 1e-8
PVALUE_ATOL = 1e-10


def _etf_prices() -> pd.DataFrame:
    path = shared_data_path(ETF_FILE)
    frame = pd.read_csv(path, index_col="date", parse_dates=True)
    return frame.loc[START:END]


@pytest.fixture(scope="module")
def etf() -> pd.DataFrame:
    return _etf_prices()


@pytest.fixture(scope="module")
def etf_scan(etf) -> ScanResult:
    return scan_pairs(etf)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ssm-coint")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv: list[str]) -> dict:
    args = _parser().parse_args(["scan", *argv])
    assert args.func is cmd_scan
    return args.func(args)


def _universe(seed: int, n: int = 600) -> pd.DataFrame:
    """Random walks A, B, C, E, F and D = 5 + 0.8 B + AR(1) noise (cointegrated with B)."""
    rng = np.random.default_rng(seed)
    walks = 50 + rng.standard_normal((n, 5)).cumsum(axis=0)
    frame = pd.DataFrame(walks, columns=["A", "B", "C", "E", "F"],
                         index=pd.bdate_range("2020-01-01", periods=n))
    u = np.zeros(n)
    eps = rng.standard_normal(n)
    for t in range(1, n):
        u[t] = 0.7 * u[t - 1] + eps[t]
    frame.insert(3, "D", 5 + 0.8 * frame["B"] + u)
    return frame


# ----------------------------------------------------------------------------- real universe
def test_real_universe_covers_every_pair(etf, etf_scan):
    res = etf_scan
    assert etf.shape[1] == N_TICKERS
    assert res.n_scanned == len(res.table) + len(res.failures) == N_PAIRS
    seen = {frozenset(p) for p in zip(res.table["asset_1"], res.table["asset_2"], strict=True)}
    seen |= {frozenset(a) for a in res.failures["assets"]}
    assert seen == {frozenset(p) for p in itertools.combinations(etf.columns, 2)}
    assert res.table["pvalue"].between(0, 1).all()
    assert (res.table["n_obs"] == len(etf)).all()  # every ETF trades over 2015-2019
    # seed 002's table columns come first
    assert list(res.table.columns[:11]) == [
        "asset_1", "asset_2", "corr", "pvalue", "coint_t", "crit_1pct", "crit_5pct",
        "crit_10pct", "hedge_ratio", "intercept", "n_obs"]


def test_real_universe_ranked_and_non_overlapping(etf_scan):
    res = etf_scan
    coint_rows = res.cointegrated
    assert len(coint_rows) > 0
    assert (coint_rows["pvalue"] < 0.05).all()
    assert coint_rows["pvalue"].is_monotonic_increasing
    assert coint_rows["rank"].tolist() == list(range(1, len(coint_rows) + 1))
    assert len(coint_rows) == int((res.table["pvalue"] < 0.05).sum())
    # selection: seed 002's walk (skip a pair if either ticker is used), done by hand here
    used, expected = set(), []
    for a, b in zip(coint_rows["asset_1"], coint_rows["asset_2"], strict=True):
        if a in used or b in used:
            continue
        expected.append((a, b))
        used |= {a, b}
    got = list(zip(res.selected["asset_1"], res.selected["asset_2"], strict=True))
    assert got == expected
    tickers = [t for pair in got for t in pair]
    assert len(tickers) == len(set(tickers))


def test_pvalue_equals_statsmodels_coint(etf, etf_scan):
    """The scan's p-value of a pair equals statsmodels ``coint`` on the same data."""
    table = etf_scan.table.set_index(["asset_1", "asset_2"])
    pairs = [("EWA", "EWC"), ("SPY", "QQQ"), ("GLD", "GDX")]
    pairs += list(zip(etf_scan.cointegrated["asset_1"][:3], etf_scan.cointegrated["asset_2"][:3],
                      strict=True))
    with _single_thread_blas():  # statsmodels' many small SVDs are slow with threaded BLAS
        for a, b in pairs:
            row = table.loc[(a, b)]
            stat, pvalue, crit = coint(etf[a].to_numpy(), etf[b].to_numpy())
            assert row["coint_t"] == pytest.approx(stat, rel=STAT_RTOL)
            assert row["pvalue"] == pytest.approx(pvalue, abs=PVALUE_ATOL)
            np.testing.assert_allclose(row[["crit_1pct", "crit_5pct", "crit_10pct"]]
                                       .to_numpy(float), crit, rtol=1e-12)
            reverse = coint(etf[b].to_numpy(), etf[a].to_numpy())[1]
            assert row["pvalue_reverse"] == pytest.approx(reverse, abs=PVALUE_ATOL)
            # hedge ratio and intercept: OLS of a on (1, b)
            slope, intercept = np.polyfit(etf[b].to_numpy(), etf[a].to_numpy(), 1)
            assert row["hedge_ratio"] == pytest.approx(slope, rel=1e-9)
            assert row["intercept"] == pytest.approx(intercept, rel=1e-9)


def test_statsmodels_engine_matches_fast_engine(etf):
    sub = etf[["SPY", "DIA", "QQQ", "EWA", "EWC"]]
    fast = scan_pairs(sub)
    with _single_thread_blas():
        slow = scan_pairs(sub, engine="statsmodels")
    cols = ["coint_t", "pvalue", "pvalue_reverse", "hedge_ratio", "half_life"]
    pd.testing.assert_frame_equal(fast.table[cols], slow.table[cols], rtol=STAT_RTOL)


def test_cli_json_on_real_file(etf_scan):
    path = str(shared_data_path(ETF_FILE))
    out = _run(["--data", path, "--start", START, "--end", END, "--json"])
    for key in ("table", "cointegrated", "selected", "failures"):
        assert key in out
    assert len(out["table"]) + len(out["failures"]) == N_PAIRS
    assert out["n_cointegrated"] == len(etf_scan.cointegrated)
    assert [r["pvalue"] for r in out["cointegrated"]] == pytest.approx(
        etf_scan.cointegrated["pvalue"].tolist())
    assert [(r["asset_1"], r["asset_2"]) for r in out["selected"]] == list(
        zip(etf_scan.selected["asset_1"], etf_scan.selected["asset_2"], strict=True))
    assert out["start"] == "2015-01-02" and out["end"] == "2019-12-31"
    json.dumps(out, allow_nan=False)  # strict JSON


# ----------------------------------------------------------------------------- synthetic
def test_synthetic_cointegrated_pair_has_smallest_pvalue():
    prices = _universe(seed=11)
    res = scan_pairs(prices)
    top = res.cointegrated.iloc[0]
    assert {top["asset_1"], top["asset_2"]} == {"B", "D"}
    assert top["pvalue"] == res.table["pvalue"].min() < 0.01
    assert top["asset_1"] == "B"  # y is the earlier column: B on D, slope about 1 / 0.8
    assert top["hedge_ratio"] == pytest.approx(1 / 0.8, rel=0.1)
    first = res.selected.iloc[0]
    assert (first["asset_1"], first["asset_2"]) == (top["asset_1"], top["asset_2"])


def test_failures_are_reported_not_fatal():
    prices = _universe(seed=3, n=300)
    prices["CONST"] = 7.0
    prices["SHORT"] = np.nan
    prices.iloc[-40:, prices.columns.get_loc("SHORT")] = np.linspace(10, 12, 40)
    prices["COPY"] = 2.0 * prices["A"] + 1.0  # perfectly collinear with A
    prices["BAD"] = prices["C"] * 1.1
    prices.iloc[100, prices.columns.get_loc("BAD")] = np.inf
    res = scan_pairs(prices)
    k = prices.shape[1]
    assert len(res.table) + len(res.failures) == k * (k - 1) // 2
    fails = {frozenset(a): e for a, e in zip(res.failures["assets"], res.failures["error"],
                                             strict=True)}
    for other in prices.columns.drop(["CONST", "SHORT", "BAD"]):
        assert fails[frozenset({"CONST", other})] == "ConstantSeriesError"
        assert fails[frozenset({"SHORT", other})] == "InsufficientDataError"
        assert fails[frozenset({"BAD", other})] == "MissingValueError"
    assert fails[frozenset({"A", "COPY"})] == "CollinearAssetsError"
    assert res.failures["reason"].str.len().gt(0).all()
    assert not res.cointegrated["asset_1"].isin(["CONST", "SHORT", "BAD"]).any()
    assert len(res.table) == len(list(itertools.combinations(["A", "B", "C", "D", "E", "F",
                                                              "COPY"], 2))) - 1
    json.dumps(res.to_dict(), allow_nan=False)


def test_each_pair_uses_its_own_overlap():
    prices = _universe(seed=5, n=400)
    prices.iloc[:150, prices.columns.get_loc("E")] = np.nan  # lists later
    prices.iloc[200:205, prices.columns.get_loc("F")] = np.nan  # a gap inside its history
    res = scan_pairs(prices).table.set_index(["asset_1", "asset_2"])
    assert res.loc[("A", "B"), "n_obs"] == 400
    assert res.loc[("A", "E"), "n_obs"] == 250
    assert res.loc[("A", "E"), "start"] == prices.index[150]
    assert res.loc[("A", "F"), "n_obs"] == 395
    assert res.loc[("A", "F"), "n_gaps"] == 5
    assert res.loc[("E", "F"), "n_obs"] == 245


def test_sort_by_corr_and_max_pairs():
    prices = _universe(seed=11)
    res = scan_pairs(prices, sort_by="corr", max_pairs=1, signif=0.5)
    assert res.cointegrated["corr"].is_monotonic_decreasing
    assert len(res.selected) == 1
    assert res.selected.iloc[0]["corr"] == res.cointegrated["corr"].max()


def test_direction_min_takes_the_smaller_pvalue():
    prices = _universe(seed=11)
    first = scan_pairs(prices).table
    best = scan_pairs(prices, direction="min").table
    np.testing.assert_allclose(best["pvalue"], np.minimum(first["pvalue"],
                                                          first["pvalue_reverse"]))
    np.testing.assert_allclose(best["pvalue_reverse"], np.maximum(first["pvalue"],
                                                                  first["pvalue_reverse"]))
    swapped = best["swapped"].to_numpy()
    np.testing.assert_array_equal(swapped, first["pvalue_reverse"] < first["pvalue"])
    np.testing.assert_array_equal(best["asset_1"].where(~swapped, best["asset_2"]),
                                  first["asset_1"])


def test_workers_give_identical_output():
    prices = _universe(seed=2, n=300)
    one = scan_pairs(prices, workers=1)
    two = scan_pairs(prices, workers=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.cointegrated, two.cointegrated)
    pd.testing.assert_frame_equal(one.selected, two.selected)


def test_select_non_overlapping_seed002_example():
    """Seed 002's printed table: three DIA pairs, only DIA/SPY is kept."""
    table = pd.DataFrame({
        "asset_1": ["DIA", "DIA", "DIA"], "asset_2": ["SPY", "XLK", "QQQ"],
        "corr": [0.920666, 0.766556, 0.780279], "pvalue": [0.016986, 0.022805, 0.041631]})
    ranked = rank_pairs(table, "pvalue")
    sel = select_non_overlapping(ranked, max_pairs=3)
    assert sel[["asset_1", "asset_2"]].values.tolist() == [["DIA", "SPY"]]
    by_corr = select_non_overlapping(rank_pairs(table, "corr"))
    assert by_corr[["asset_1", "asset_2"]].values.tolist() == [["DIA", "SPY"]]
    assert rank_pairs(table, "corr")["asset_2"].tolist() == ["SPY", "QQQ", "XLK"]


def test_bad_input_is_refused():
    prices = _universe(seed=1, n=200)
    with pytest.raises(TooFewAssetsError):
        scan_pairs(prices[["A"]])
    with pytest.raises(DataFormatError):
        scan_pairs(prices.rename(columns={"B": "A"}))
    bad = prices.astype(object)
    bad.iloc[3, 0] = "n/a"
    with pytest.raises(NonNumericError):
        scan_pairs(bad)
    for kwargs in ({"sort_by": "sharpe"}, {"signif": 1.5}, {"max_pairs": 0},
                   {"min_obs": 5}, {"workers": 0}, {"direction": "up"}):
        with pytest.raises(ModelSpecificationError):
            scan_pairs(prices, **kwargs)


# ----------------------------------------------------------------------------- baskets
def test_basket_scan_finds_cointegrated_triplet():
    rng = np.random.default_rng(8)
    n = 500
    walks = 50 + rng.standard_normal((n, 4)).cumsum(axis=0)
    prices = pd.DataFrame(walks, columns=["A", "B", "C", "E"])
    prices["D"] = 2 + 0.6 * prices["A"] + 0.4 * prices["C"] + rng.standard_normal(n)
    prices["K"] = 3.0  # constant: its baskets fail
    res = scan_baskets(prices, 3)
    assert res.n_scanned == 20
    assert res.failures["error"].eq("ConstantSeriesError").all()
    assert len(res.failures) == 10
    top = res.cointegrated.iloc[0]
    assert "D" in top["assets"] and ("A" in top["assets"] or "C" in top["assets"])
    assert res.cointegrated["trace_ratio"].is_monotonic_decreasing
    assert (res.cointegrated["trace_stat"] > res.cointegrated["trace_crit"]).all()
    used = [t for assets in res.selected["assets"] for t in assets]
    assert len(used) == len(set(used))
    json.dumps(res.to_dict(), allow_nan=False)
    with pytest.raises(ModelSpecificationError):
        scan_baskets(prices, 3, signif=0.02)


# ----------------------------------------------------------------------------- CLI
def test_cli_out_force_baskets_and_human_table(tmp_path, capsys, etf):
    path = str(shared_data_path(ETF_FILE))
    out_dir = tmp_path / "scan"
    argv = ["--data", path, "--assets", "EWA", "EWC", "IGE", "SPY", "DIA", "GLD", "GDX",
            "--start", START, "--end", END, "--baskets", "--max-pairs", "2",
            "--out", str(out_dir)]
    out = _run(argv)
    printed = capsys.readouterr().out
    assert "cointegrated" in printed and "Non-overlapping selection" in printed
    assert out["n_scanned"] == 21 and out["baskets"]["n_scanned"] == 35
    assert len(out["selected"]) <= 2
    for name in ("results.json", "report.md", "pairs_table.csv", "pairs_selected.csv",
                 "baskets_cointegrated.csv"):
        assert (out_dir / name).exists()
    saved = json.loads((out_dir / "results.json").read_text())
    assert saved["n_cointegrated"] == out["n_cointegrated"]
    table = pd.read_csv(out_dir / "pairs_table.csv")
    assert len(table) == 21
    with pytest.raises(SsmCointError):  # existing output, no --force
        _run(argv)
    again = _run([*argv, "--force", "--json"])
    assert again["n_cointegrated"] == out["n_cointegrated"]


def test_cli_bad_input(tmp_path):
    path = str(shared_data_path(ETF_FILE))
    with pytest.raises(UnknownAssetError):
        _run(["--data", path, "--assets", "SPY", "NOPE", "--json"])
    with pytest.raises(TooFewAssetsError):
        _run(["--data", path, "--assets", "SPY", "--json"])
    csv = tmp_path / "neg.csv"
    csv.write_text("date,A,B\n2020-01-01,1.0,2.0\n2020-01-02,-1.0,2.5\n")
    with pytest.raises(NonPositivePriceError):
        _run(["--data", str(csv), "--log-prices", "--json"])
    with pytest.raises(SystemExit):  # argparse refuses a bad --sort-by
        _parser().parse_args(["scan", "--data", path, "--sort-by", "sharpe"])


def test_load_universe_keeps_each_ticker_start():
    path = shared_data_path(ETF_FILE)
    prices = load_universe(path, ["SPY", "GDXJ"], start="2009-01-01", end="2010-12-31",
                           log_prices=True)
    assert prices.index[0] == pd.Timestamp("2009-01-02")
    assert prices["GDXJ"].isna().sum() > 200  # GDXJ lists in November 2009
    assert prices["SPY"].notna().all()
    res = scan_pairs(prices)
    assert res.table.loc[0, "n_obs"] == prices["GDXJ"].notna().sum()
