"""``ssm-coint demo``: fit the three variants to prices the package simulates (no data file)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register", "cmd_demo"]


def cmd_demo(args: argparse.Namespace) -> dict:
    import pandas as pd

    from ..estimation import fit_mle
    from ..simulate import simulate_hedge_model

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


def register(sub: Any) -> None:
    """Add the ``demo`` subcommand."""
    d = sub.add_parser("demo", help="fit the three variants to simulated prices (no network)")
    d.add_argument("--nobs", type=int, default=1000)
    d.add_argument("--seed", type=int, default=20261122)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_demo)
