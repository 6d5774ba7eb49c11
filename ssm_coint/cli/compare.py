"""``ssm-coint compare``: every calibration method on one likelihood, in and out of sample."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .._choices import METHOD_NAMES, VARIANT_NAMES
from ._common import add_data_options, load_from_args

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register", "cmd_compare"]


def cmd_compare(args: argparse.Namespace) -> dict:
    import numpy as np
    import pandas as pd

    from ..compare import compare_methods

    prices = load_from_args(args)
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
    from ..estimation import fit_mle, lr_test_alpha_one, lr_test_c_zero

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


def register(sub: Any) -> None:
    """Add the ``compare`` subcommand."""
    c = sub.add_parser("compare", help="every calibration method, in and out of sample")
    add_data_options(c)
    c.add_argument("--train-end", required=True, help="last day of the training window")
    c.add_argument("--variant", choices=list(VARIANT_NAMES), default="full")
    c.add_argument("--method", choices=["all", *METHOD_NAMES], default="all")
    c.add_argument("--passes", type=int, default=2000, help="adaptive tuning passes")
    c.add_argument("--pykalman-iter", type=int, default=100)
    c.add_argument("--delta", type=float, default=1e-4, help="Chan's delta")
    c.add_argument("--ve", type=float, default=1e-3, help="Chan's observation variance")
    c.add_argument("--boot", type=int, default=0,
                   help="bootstrap replications for the LR test of alpha = 1 (0: skip)")
    c.add_argument("--workers", type=int, default=1)
    c.add_argument("--seed", type=int, default=0)
    c.set_defaults(func=cmd_compare)
