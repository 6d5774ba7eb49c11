"""Compare calibration methods on EWC/EWA/IGE, in and out of sample.

Every method (MLE with global search, exact EM, adaptive tuning, Chan's fixed noise, and
optionally pykalman's EM) is calibrated on a training window and scored on the model's exact
diffuse likelihood: ``llf`` on the training window, ``llf_out`` the predictive log-likelihood of
the test window with parameters frozen (see ``ssm_coint.compare_methods``).

Run: python examples/compare_methods.py [PATH_TO_chan_ewa_ewc_ige.csv]
         [--train-end 2007-12-31] [--variant full] [--passes 200] [--with-pykalman]
         [--methods mle em adaptive chan]
(PATH defaults to ../shared/data/chan_ewa_ewc_ige.csv next to the repository). No network.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

import ssm_coint as sc

DEFAULT_DATA = (Path(__file__).resolve().parents[1].parent / "shared" / "data"
                / "chan_ewa_ewc_ige.csv")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Print and return the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="price CSV")
    ap.add_argument("--assets", nargs="+", default=["EWC", "EWA", "IGE"], help="Y X1 [X2 ...]")
    ap.add_argument("--train-end", default="2007-12-31", help="last day of the training window")
    ap.add_argument("--variant", default="full", choices=["full", "mu0", "alpha1"])
    ap.add_argument("--methods", nargs="+", default=["mle", "em", "adaptive", "chan"],
                    choices=list(sc.compare.METHODS), help="methods to run")
    ap.add_argument("--with-pykalman", action="store_true",
                    help="also run pykalman's unconstrained EM (slow)")
    ap.add_argument("--passes", type=int, default=200, help="adaptive tuning passes")
    ap.add_argument("--pykalman-iter", type=int, default=50)
    args = ap.parse_args(argv)

    warnings.filterwarnings("ignore", module=r"statsmodels\..*")  # ADF on short windows
    prices = sc.load_prices(args.data, args.assets)
    methods = list(args.methods)
    if args.with_pykalman and "pykalman-em" not in methods:
        methods.append("pykalman-em")
    table = sc.compare_methods(prices, train_end=args.train_end, variant=args.variant,
                               methods=methods,
                               options={"passes": args.passes,
                                        "pykalman_iter": args.pykalman_iter})
    print(f"Assets {'/'.join(args.assets)}, variant {args.variant}: "
          f"{table.attrs['n_train']} training days to {table.attrs['train_end']}, "
          f"{table.attrs['n_test']} test days")
    cols = ["method", "llf", "aic", "bic", "alpha", "half_life", "llf_out", "adf_p_in",
            "adf_p_out", "runtime_s", "converged"]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for _, row in table.iterrows():
        for w in row["warnings"]:
            print(f"warning [{row['method']}]: {w}")
    return table


if __name__ == "__main__":
    main()
