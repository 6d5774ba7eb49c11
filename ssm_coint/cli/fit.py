"""``ssm-coint fit``: calibrate one model variant on a price file (optionally write a report)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._choices import VARIANT_NAMES
from ._common import add_data_options, load_from_args

__all__ = ["register", "cmd_fit"]


def cmd_fit(args: argparse.Namespace) -> dict:
    from ..estimation import fit_chan, fit_mle

    if args.out:
        from ..io.report import REPORT_FILES
        from ..trading import check_writable

        # fail before the fit; write_report checks the complete list again afterwards
        check_writable([Path(args.out) / n for n in REPORT_FILES], force=args.force)
    prices = load_from_args(args)
    if args.method == "chan":
        cal = fit_chan(prices, delta=args.delta, ve=args.ve, initialization=args.init or "chan")
    else:
        cal = fit_mle(prices, args.variant, initialization=args.init or "diffuse")
    out = {
        "assets": list(prices.columns),
        "nobs": int(len(prices)),
        "start": str(prices.index[0].date()),
        "end": str(prices.index[-1].date()),
        "log_prices": bool(args.log_prices),
        **cal.to_dict(),
    }
    out["nested_llf"] = {v: c.llf for v, c in cal.nested.items()}
    if args.out:
        from ..io.report import write_report

        paths = write_report(args.out, cal, info=out, force=args.force)
        out["files"] = {k: str(v) for k, v in paths.items()}
    if not args.json:
        print(cal.results.summary())
        print(f"\nllf (exact) = {cal.llf:.6f}; converged = {cal.converged}")
        for v, c in cal.nested.items():
            print(f"nested {v}: llf = {c.llf:.6f}")
        for w in cal.warnings:
            print(f"warning: {w}")
        if args.out:
            print(f"wrote the report to {args.out}: {', '.join(out['files'])}")
    return out


def register(sub: Any) -> None:
    """Add the ``fit`` subcommand."""
    f = sub.add_parser("fit", help="calibrate one model variant on a price file")
    add_data_options(f)
    f.add_argument("--variant", choices=list(VARIANT_NAMES), default="full")
    f.add_argument("--method", choices=["mle", "chan"], default="mle",
                   help="mle: global maximum likelihood; chan: Chan's fixed-noise filter")
    f.add_argument("--delta", type=float, default=1e-4, help="Chan's delta")
    f.add_argument("--ve", type=float, default=1e-3, help="Chan's observation variance")
    f.add_argument("--init", choices=["diffuse", "mixed", "chan", "johansen"], default=None)
    f.add_argument("--out", metavar="DIR", default=None,
                   help="write a report into DIR: report.md, report.html, results.json, "
                        "hedge_ratios.csv, spread.csv and PNG figures (hedge ratios with "
                        "+-2 s.e. bands, spread and z-score, and for mle the profile "
                        "likelihood of alpha)")
    f.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    f.set_defaults(func=cmd_fit)
