"""Command line: ``ssm-coint`` (also ``python -m ssm_coint``). Parses arguments, calls the API."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .estimation.registry import METHOD_NAMES
from .exceptions import SsmCointError

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> dict:
    from .estimation import fit_mle
    from .simulate import simulate_hedge_model

    sim = simulate_hedge_model(args.nobs, seed=args.seed)
    cal = fit_mle(sim.prices, "full")
    fits = {"full": cal, **cal.nested}
    rows = []
    for name in ["alpha", "c", *[n for n in sim.params.index if n.startswith("sigma2.")]]:
        row = {"parameter": name, "true": sim.params[name]}
        for v in ("full", "mu0", "alpha1"):
            row[v] = fits[v].params[name]
        rows.append(row)
    table = pd.DataFrame(rows).set_index("parameter")
    stats = pd.DataFrame({v: {"llf": fits[v].llf, "aic": fits[v].aic, "bic": fits[v].bic,
                              "half_life": fits[v].half_life, "converged": fits[v].converged}
                          for v in ("full", "mu0", "alpha1")})
    if not args.json:
        print(f"Simulated {args.nobs} days from the hedge-ratio model (k = 3, seed {args.seed}); "
              "MLE of the three variants:\n")
        with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 120):
            print(table.to_string())
            print()
            print(stats.to_string())
        ci = fits["full"].conf_int(0.05)
        ci["true"] = sim.params[ci.index]
        ci["inside"] = (ci["lower"] <= ci["true"]) & (ci["true"] <= ci["upper"])
        print("\nfull model, 95% intervals (variances: Wald on the log scale):")
        with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 120):
            print(ci[["true", "lower", "upper", "inside"]].to_string())
    return {"truth": sim.params.to_dict(),
            "fits": {v: fits[v].to_dict() for v in ("full", "mu0", "alpha1")}}


def _load(args: argparse.Namespace) -> pd.DataFrame:
    from .data import load_prices

    if len(args.assets) < 2:
        from .exceptions import TooFewAssetsError

        raise TooFewAssetsError("--assets needs at least two names (the first is y)")
    return load_prices(args.data, args.assets, start=args.start, end=args.end,
                       log_prices=args.log_prices, missing=args.missing)


def _cmd_fit(args: argparse.Namespace) -> dict:
    from .estimation import fit_chan, fit_mle

    if args.out:
        from ._report import REPORT_FILES
        from .trading import check_writable

        # fail before the fit; write_report checks the complete list again afterwards
        check_writable([Path(args.out) / n for n in REPORT_FILES], force=args.force)
    prices = _load(args)
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
        from ._report import write_report

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


def _cmd_compare(args: argparse.Namespace) -> dict:
    from .compare import compare_methods

    prices = _load(args)
    methods = list(METHOD_NAMES) if args.method == "all" else [args.method]
    table = compare_methods(prices, train_end=args.train_end, variant=args.variant,
                            methods=methods,
                            options={"delta": args.delta, "ve": args.ve, "passes": args.passes,
                                     "pykalman_iter": args.pykalman_iter})

    def clean(v):
        if isinstance(v, float):
            return v if np.isfinite(v) else None
        return v

    rows = [{k: clean(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
    lr = _lr_tests(prices.loc[: table.attrs["train_end"]], args)
    if not args.json:
        cols = ["method", "llf", "aic", "bic", "alpha", "half_life", "runtime_s", "converged",
                "adf_p_in", "llf_out", "adf_p_out"]
        with pd.option_context("display.float_format", "{:.6g}".format, "display.width", 160):
            print(table[cols].to_string(index=False))
        for r in rows:
            for w in r["warnings"]:
                print(f"warning ({r['method']}): {w}")
        print("\nIn-sample ADF p-values of filtered spreads are close to meaningless (the filter "
              "absorbs the residual); compare llf_out and adf_p_out.")
        for name, t in lr.items():
            print(f"LR test {name}: {t}")
    return {"assets": list(prices.columns), "train_end": table.attrs["train_end"],
            "n_train": table.attrs["n_train"], "n_test": table.attrs["n_test"], "rows": rows,
            "lr_tests": lr}


def _lr_tests(train: pd.DataFrame, args: argparse.Namespace) -> dict:
    """LR tests on the training window: c = 0 (chi2(1)) and alpha = 1 (bootstrap if --boot)."""
    from .estimation import fit_mle, lr_test_alpha_one, lr_test_c_zero

    cal = fit_mle(train, "full")
    out = {"c=0": lr_test_c_zero(train, fitted=cal).to_dict()}
    stat = max(0.0, 2 * (cal.nested["mu0"].llf - cal.nested["alpha1"].llf))
    if args.boot > 0:
        out["alpha=1"] = lr_test_alpha_one(train, alt="mu0", n_boot=args.boot, seed=args.seed,
                                           workers=args.workers).to_dict()
    else:
        out["alpha=1"] = {"stat": stat, "pvalue": None, "null": "alpha = 1 (alpha1)",
                          "alternative": "mu0",
                          "reference": "parametric bootstrap not run (use --boot B)",
                          "llf_null": cal.nested["alpha1"].llf,
                          "llf_alt": cal.nested["mu0"].llf}
    return out


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ssm-coint``."""
    p = argparse.ArgumentParser(prog="ssm-coint", description=__doc__)
    p.add_argument("--quiet", action="store_true",
                   help="do not print warnings (they go to stderr, one line each, by default)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="fit the three variants to simulated prices (no network)")
    d.add_argument("--nobs", type=int, default=1000)
    d.add_argument("--seed", type=int, default=20261122)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=_cmd_demo)

    f = sub.add_parser("fit", help="calibrate one model variant on a price file")
    f.add_argument("--data", required=True, help="CSV or Parquet, wide or long layout")
    f.add_argument("--assets", nargs="+", required=True, help="Y X1 [X2 ...]")
    f.add_argument("--variant", choices=["full", "mu0", "alpha1"], default="full")
    f.add_argument("--method", choices=["mle", "chan"], default="mle",
                   help="mle: global maximum likelihood; chan: Chan's fixed-noise filter")
    f.add_argument("--delta", type=float, default=1e-4, help="Chan's delta")
    f.add_argument("--ve", type=float, default=1e-3, help="Chan's observation variance")
    f.add_argument("--init", choices=["diffuse", "mixed", "chan", "johansen"], default=None)
    f.add_argument("--start")
    f.add_argument("--end")
    f.add_argument("--log-prices", action="store_true")
    f.add_argument("--missing", choices=["raise", "drop", "ffill"], default="raise")
    f.add_argument("--json", action="store_true")
    f.add_argument("--out", metavar="DIR", default=None,
                   help="write a report into DIR: report.md, report.html, results.json, "
                        "hedge_ratios.csv, spread.csv and PNG figures (hedge ratios with "
                        "+-2 s.e. bands, spread and z-score, and for mle the profile "
                        "likelihood of alpha)")
    f.add_argument("--force", action="store_true", help="overwrite existing files in --out")
    f.set_defaults(func=_cmd_fit)

    c = sub.add_parser("compare", help="every calibration method, in and out of sample")
    _data_options(c)
    c.add_argument("--train-end", required=True, help="last day of the training window")
    c.add_argument("--variant", choices=["full", "mu0", "alpha1"], default="full")
    c.add_argument("--method", choices=["all", *METHOD_NAMES], default="all")
    c.add_argument("--passes", type=int, default=2000, help="adaptive tuning passes")
    c.add_argument("--pykalman-iter", type=int, default=100)
    c.add_argument("--delta", type=float, default=1e-4, help="Chan's delta")
    c.add_argument("--ve", type=float, default=1e-3, help="Chan's observation variance")
    c.add_argument("--boot", type=int, default=0,
                   help="bootstrap replications for the LR test of alpha = 1 (0: skip)")
    c.add_argument("--workers", type=int, default=1)
    c.add_argument("--seed", type=int, default=0)
    c.set_defaults(func=_cmd_compare)

    from . import _cli_scan, _cli_trading, _cli_validate

    _cli_trading.register(sub)
    _cli_scan.register(sub)
    _cli_validate.register(sub)
    for command in sub.choices.values():  # also accepted after the command name
        command.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="do not print warnings")
    return p


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="CSV or Parquet, wide or long layout")
    p.add_argument("--assets", nargs="+", required=True, help="Y X1 [X2 ...]")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--log-prices", action="store_true")
    p.add_argument("--missing", choices=["raise", "drop", "ffill"], default="raise")
    p.add_argument("--json", action="store_true")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print each distinct warning once, one line each, on stderr."""
    seen: set[str] = set()
    for w in caught:
        line = f"ssm-coint: warning: {_one_line(w.message)}"
        if line not in seen:
            seen.add(line)
            print(line, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status.

    0 ok; 2 bad input or usage (:class:`~ssm_coint.exceptions.SsmCointError` other than
    :class:`~ssm_coint.exceptions.EstimationError`, unreadable files, bad values); 1 numerical
    failure (:class:`~ssm_coint.exceptions.EstimationError`, a singular matrix, a floating-point
    error); 130 on Ctrl-C. Every error is one line on stderr, never a traceback. Warnings are
    shown on stderr, one line each and de-duplicated, unless ``--quiet``.
    """
    from .exceptions import EstimationError

    args = build_parser().parse_args(argv)
    status = 0
    out = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = args.func(args)
        except KeyboardInterrupt:
            status = 130
            message = "ssm-coint: interrupted"
        except EstimationError as exc:
            status, message = 1, f"ssm-coint: numerical failure: {_one_line(exc)}"
        except (np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError) as exc:
            status = 1
            message = f"ssm-coint: numerical failure: {type(exc).__name__}: {_one_line(exc)}"
        except SsmCointError as exc:
            status, message = 2, f"ssm-coint: error: {_one_line(exc)}"
        except (OSError, ValueError) as exc:
            status, message = 2, f"ssm-coint: error: {type(exc).__name__}: {_one_line(exc)}"
    if not getattr(args, "quiet", False):
        _show_warnings(caught)
    if status:
        print(message, file=sys.stderr)
        return status
    if getattr(args, "json", False):
        print(json.dumps(out, allow_nan=False, default=str))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
