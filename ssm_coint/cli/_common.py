"""Shared command-line helpers: the price-file options and loading them."""

from __future__ import annotations

import argparse

import pandas as pd

__all__ = ["add_data_options", "load_from_args"]


def load_from_args(args: argparse.Namespace) -> pd.DataFrame:
    from ..data import load_prices

    if len(args.assets) < 2:
        from ..exceptions import TooFewAssetsError

        raise TooFewAssetsError("--assets needs at least two names (the first is y)")
    return load_prices(args.data, args.assets, start=args.start, end=args.end,
                       log_prices=args.log_prices, missing=args.missing)


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="CSV or Parquet, wide or long layout")
    p.add_argument("--assets", nargs="+", required=True, help="Y X1 [X2 ...]")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--log-prices", action="store_true")
    p.add_argument("--missing", choices=["raise", "drop", "ffill"], default="raise")
    p.add_argument("--json", action="store_true")
