"""Scan an ETF universe for cointegrated pairs (Engle-Granger), 2015-2019.

Every pair of tickers with enough overlapping prices is tested with ``ssm_coint.scan_pairs``;
the cointegrated pairs are ranked and a non-overlapping selection is made. With many pairs,
about ``signif`` of them pass by chance: look at the ``qvalue`` column.

Run: python examples/universe_scan.py [PATH_TO_yahoo_etf_adjclose_1993_2026.csv]
         [--start 2015-01-01] [--end 2019-12-31] [--tickers SPY QQQ ...] [--max-pairs 10]
(PATH defaults to ../shared/data/yahoo_etf_adjclose_1993_2026.csv next to the repository).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import ssm_coint as sc

DEFAULT_DATA = (Path(__file__).resolve().parents[1].parent / "shared" / "data"
                / "yahoo_etf_adjclose_1993_2026.csv")


def main(argv: list[str] | None = None) -> sc.ScanResult:
    """Print and return the scan result."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="wide price CSV")
    ap.add_argument("--start", default="2015-01-01")
    ap.add_argument("--end", default="2019-12-31")
    ap.add_argument("--tickers", nargs="+", default=None, help="default: every column")
    ap.add_argument("--signif", type=float, default=0.05)
    ap.add_argument("--max-pairs", type=int, default=10)
    ap.add_argument("--log-prices", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)

    # load_prices trims to the dates every asset shares (right for a model, wrong for a
    # universe): read the wide file directly and keep NaN before each ticker's first price.
    prices = pd.read_csv(args.data, index_col=0, parse_dates=True).sort_index()
    prices = prices.loc[args.start:args.end]
    if args.tickers:
        prices = prices[args.tickers]
    prices = prices.dropna(axis=1, how="all").astype(float)
    if args.log_prices:
        prices = np.log(prices)
    res = sc.scan_pairs(prices, signif=args.signif, max_pairs=args.max_pairs,
                        workers=args.workers)
    print(f"{prices.shape[1]} tickers, {prices.index[0].date()} .. {prices.index[-1].date()}")
    print(res.summary(top=15))
    return res


if __name__ == "__main__":
    main()
