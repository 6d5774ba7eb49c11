"""``ssm-coint scan``: the argparse front end to :func:`ssm_coint.coint.scan_pairs`.

:func:`register` adds the ``scan`` subcommand to the main parser's subparsers. The handler
:func:`cmd_scan` takes the parsed ``args`` and returns a JSON-ready dict (printed by the main CLI
with ``--json``); without ``--json`` it prints a human-readable table itself. Bad input raises a
typed :class:`~ssm_coint.exceptions.SsmCointError` subclass.

Unlike the other subcommands, ``scan`` does not trim the universe to the dates on which *every*
ticker has a price: each pair (basket) is tested on its own overlapping sample, because tickers
start on different dates (GDXJ in 2009, HYG in 2007, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._choices import DEFAULT_MIN_OBS
from ..exceptions import ModelSpecificationError, TooFewAssetsError
from ._common import add_date_options, date_options

if TYPE_CHECKING:
    from ..coint import ScanResult

__all__ = ["register", "cmd_scan"]


def _positive_int(value: str) -> int:
    try:
        out = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if out < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {out}")
    return out


def _probability(value: str) -> float:
    try:
        out = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < out < 1:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1), got {out}")
    return out


def register(subparsers: Any) -> None:
    """Add the ``scan`` subcommand to an argparse subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers``.
    """
    s = subparsers.add_parser(
        "scan",
        help="Engle-Granger test of every pair of a universe (optionally Johansen triplets), "
             "ranked, then a non-overlapping selection (no asset used twice)",
    )
    s.add_argument("--data", required=True, help="CSV or Parquet, wide or long layout")
    s.add_argument("--assets", nargs="+", default=None,
                   help="tickers to scan (default: every column of the file)")
    s.add_argument("--start", default=None, help="first date (inclusive)")
    s.add_argument("--end", default=None, help="last date (inclusive)")
    add_date_options(s)
    s.add_argument("--log-prices", action="store_true", help="scan log prices")
    s.add_argument("--sort-by", choices=["pvalue", "corr"], default="pvalue",
                   help="rank cointegrated pairs by ascending p-value or descending correlation")
    s.add_argument("--max-pairs", type=_positive_int, default=None, metavar="N",
                   help="largest number of non-overlapping pairs (baskets) selected")
    s.add_argument("--signif", type=_probability, default=0.05,
                   help="size of the tests (baskets: 0.10, 0.05 or 0.01)")
    s.add_argument("--min-obs", type=_positive_int, default=DEFAULT_MIN_OBS, metavar="N",
                   help="fewest overlapping observations for a pair to be tested")
    s.add_argument("--direction", choices=["first", "min"], default="first",
                   help="y of each pair: the earlier column, or the direction with the "
                        "smaller p-value (liberal)")
    s.add_argument("--baskets", action="store_true",
                   help="also scan every triplet with Johansen's trace test")
    s.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                   help="processes (default 1; the result does not depend on it)")
    s.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    s.add_argument("--out", default=None, help="output folder (CSV tables, results.json, "
                                               "report.md)")
    s.add_argument("--force", action="store_true", help="overwrite existing output files")
    s.set_defaults(func=cmd_scan)


# --------------------------------------------------------------------------- loading
# --------------------------------------------------------------------------- handler
def _progress(label: str) -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rscan {label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return report


def _files(out: Path, baskets: bool) -> dict[str, Path]:
    files = {"results": out / "results.json", "report": out / "report.md"}
    kinds = ("pairs", "baskets") if baskets else ("pairs",)
    for kind in kinds:
        for part in ("table", "cointegrated", "selected", "failures"):
            files[f"{kind}_{part}"] = out / f"{kind}_{part}.csv"
    return files


def _report(meta: dict[str, Any], pairs: ScanResult, baskets: ScanResult | None) -> str:
    lines = [
        "# Cointegration scan",
        "",
        f"Data: `{meta['data']}`, {meta['start']} .. {meta['end']} ({meta['nobs']} dates, "
        f"{len(meta['assets'])} tickers{', log prices' if meta['log_prices'] else ''}).",
        "",
        "Each pair is tested on the dates where both tickers have a price. With many pairs, "
        f"about {pairs.options['signif']:.0%} of unrelated pairs pass by chance; see the "
        "`qvalue` column (Benjamini-Hochberg).",
        "",
        "```",
        pairs.summary(),
        "```",
    ]
    if baskets is not None:
        lines += ["", "```", baskets.summary(), "```"]
    return "\n".join(lines) + "\n"


def cmd_scan(args: argparse.Namespace) -> dict[str, Any]:
    """Run the scan described by ``args``; return the JSON-ready result.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of the ``scan`` subcommand (see :func:`register`).

    Returns
    -------
    dict
        ``data``, ``start``, ``end``, ``nobs``, ``log_prices``, then everything of
        :meth:`ScanResult.to_dict` for the pair scan (``table``, ``cointegrated``, ``selected``,
        ``failures``, counts and options); with ``--baskets`` also ``baskets`` (the same for
        triplets); with ``--out`` also ``files``.
    """
    if args.assets is not None and len(args.assets) < 2:
        raise TooFewAssetsError("--assets needs at least two tickers to scan")
    if args.baskets and round(args.signif, 10) not in (0.10, 0.05, 0.01):
        raise ModelSpecificationError("--baskets needs --signif 0.10, 0.05 or 0.01 (Johansen "
                                      "critical values)")
    files: dict[str, Path] = {}
    if args.out:
        from ..trading import check_writable

        files = _files(Path(args.out), args.baskets)
        check_writable(files.values(), force=args.force)
    from ..coint import scan_baskets, scan_pairs
    from ..data import load_universe

    prices = load_universe(args.data, args.assets, start=args.start, end=args.end,
                           log_prices=args.log_prices, **date_options(args))
    pairs = scan_pairs(prices, signif=args.signif, sort_by=args.sort_by,
                       max_pairs=args.max_pairs, min_obs=args.min_obs,
                       direction=args.direction, workers=args.workers,
                       progress=_progress("pairs"))
    baskets = None
    if args.baskets:
        if prices.shape[1] < 3:
            raise TooFewAssetsError("--baskets needs at least three tickers")
        baskets = scan_baskets(prices, 3, signif=args.signif, max_baskets=args.max_pairs,
                               min_obs=args.min_obs, workers=args.workers,
                               progress=_progress("triplets"))
    meta = {
        "data": str(args.data),
        "start": str(prices.index[0].date()),
        "end": str(prices.index[-1].date()),
        "nobs": int(len(prices)),
        "log_prices": bool(args.log_prices),
        "assets": list(prices.columns),
    }
    result: dict[str, Any] = {**meta, **pairs.to_dict()}
    if baskets is not None:
        result["baskets"] = baskets.to_dict()
    if files:
        from ..trading import write_atomic

        for kind, res in (("pairs", pairs), ("baskets", baskets)):
            if res is None:
                continue
            for part in ("table", "cointegrated", "selected", "failures"):
                write_atomic(files[f"{kind}_{part}"],
                             getattr(res, part).to_csv(index=False), force=args.force)
        write_atomic(files["report"], _report(meta, pairs, baskets), force=args.force)
        result["files"] = {k: str(v) for k, v in files.items()}
        write_atomic(files["results"],
                     json.dumps(result, indent=2, allow_nan=False) + "\n", force=args.force)
    if not args.json:
        print(pairs.summary())
        if baskets is not None:
            print()
            print(baskets.summary())
        for k, v in result.get("files", {}).items():
            print(f"wrote {k}: {v}")
    return result
