"""Shared command-line helpers: the price-file options and loading them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_allow_negative", "add_data_options", "add_date_options", "date_options",
           "load_from_args"]


def load_from_args(args: argparse.Namespace) -> pd.DataFrame:
    """The prices named by ``--data --assets --start --end --log-prices --missing
    --allow-negative``."""
    from ..data import load_prices

    if len(args.assets) < 2:
        from ..exceptions import TooFewAssetsError

        raise TooFewAssetsError("--assets needs at least two names (the first is y)")
    return load_prices(args.data, args.assets, start=args.start, end=args.end,
                       log_prices=args.log_prices, missing=args.missing,
                       allow_negative=bool(getattr(args, "allow_negative", False)),
                       **date_options(args))


def date_options(args: argparse.Namespace) -> dict:
    """``dayfirst`` and ``date_format`` for the loaders, from ``--dayfirst/--monthfirst`` and
    ``--date-format``."""
    return {"dayfirst": getattr(args, "dayfirst", None),
            "date_format": getattr(args, "date_format", None)}


def add_date_options(p: argparse.ArgumentParser) -> None:
    """``--dayfirst`` / ``--monthfirst`` and ``--date-format``: how to read the dates."""
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       default=None, help="read dates such as 03/04/2020 as 3 April")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="read dates such as 03/04/2020 as 4 March")
    p.add_argument("--date-format", default=None, metavar="FMT",
                   help="exact strftime format of every date, e.g. '%%d.%%m.%%Y' (default: ISO "
                        "dates, other numeric dates when only one reading fits)")


def add_allow_negative(p: argparse.ArgumentParser) -> None:
    """``--allow-negative``: accept negative level prices (spreads, futures series)."""
    p.add_argument("--allow-negative", action="store_true",
                   help="accept negative prices in level mode (a spread or futures series); "
                        "a zero price is refused either way")


def add_data_options(p: argparse.ArgumentParser) -> None:
    """The price-file options of ``fit`` and ``compare``."""
    p.add_argument("--data", required=True, help="CSV or Parquet, wide or long layout")
    p.add_argument("--assets", nargs="+", required=True, help="Y X1 [X2 ...]")
    p.add_argument("--start")
    p.add_argument("--end")
    add_date_options(p)
    p.add_argument("--log-prices", action="store_true")
    p.add_argument("--missing", choices=["raise", "drop", "ffill"], default="raise")
    add_allow_negative(p)
    p.add_argument("--json", action="store_true")
