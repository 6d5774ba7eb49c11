"""Walk-forward backtest of a Kalman hedge on EWC/EWA/IGE with ``ssm_coint.trading``.

The hedge model is re-calibrated every ``--step`` days on the trailing ``--train-days`` days
only, its parameters are frozen for the next block, and the filter runs on without restarting
(``walk_forward_path``): every signal of day t uses prices up to day t. The same walk-forward
is then run end to end through ``StrategyConfig`` / ``run_strategy``, which evaluates the
out-of-sample days only.

Run: python examples/walk_forward.py [PATH_TO_chan_ewa_ewc_ige.csv]
         [--method chan|mle] [--step 63] [--train-days 252] [--signal chan-bands|zscore]
(PATH defaults to ../shared/data/chan_ewa_ewc_ige.csv next to the repository). No network.
``--method mle`` runs one global MLE per block and is much slower than Chan's fixed noise.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import ssm_coint as sc
from ssm_coint.trading import (
    StrategyConfig,
    backtest,
    chan_bands,
    run_strategy,
    walk_forward_path,
    zscore_signal,
)

DEFAULT_DATA = (Path(__file__).resolve().parents[1].parent / "shared" / "data"
                / "chan_ewa_ewc_ige.csv")


def _print_metrics(label: str, m) -> None:
    print(f"{label}: days {m.n_days}, APR {m.apr:.4f}, Sharpe {m.sharpe:.3f}, "
          f"max drawdown {m.max_drawdown:.4f}, trades {m.n_trades}")


def main(argv: list[str] | None = None) -> dict:
    """Print and return the walk-forward blocks and the two backtests."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="price CSV")
    ap.add_argument("--assets", nargs="+", default=["EWC", "EWA", "IGE"], help="Y X1 [X2 ...]")
    ap.add_argument("--method", default="chan", choices=["chan", "mle"])
    ap.add_argument("--variant", default="full", choices=["full", "mu0", "alpha1"])
    ap.add_argument("--signal", default="chan-bands", choices=["chan-bands", "zscore"])
    ap.add_argument("--step", type=int, default=63, help="re-calibration interval (days)")
    ap.add_argument("--train-days", type=int, default=252, help="trailing calibration window")
    ap.add_argument("--delta", type=float, default=1e-4)
    ap.add_argument("--ve", type=float, default=1e-3)
    args = ap.parse_args(argv)

    prices = sc.load_prices(args.data, args.assets)

    # 1. The building blocks: causal filter path, signal, backtest.
    wf = walk_forward_path(prices, step=args.step, train_days=args.train_days,
                           method=args.method, variant=args.variant, delta=args.delta,
                           ve=args.ve)
    print(f"{len(wf.blocks)} walk-forward blocks of {args.step} days "
          f"(calibration window {args.train_days} days, method {args.method})")
    cols = ["block", "train_start", "test_start", "test_end", "llf", "half_life"]
    print(wf.blocks[cols].head(5).to_string(index=False))
    if args.signal == "chan-bands":
        signal = chan_bands(wf.path)
    else:
        signal = zscore_signal(wf.path, window=60)
    first = args.train_days
    bt = backtest(prices.iloc[first:], signal.from_row(first))
    _print_metrics("building blocks, out of sample", bt.metrics)

    # 2. The same end to end from a configuration (what `ssm-coint backtest` runs).
    config = StrategyConfig(signal=args.signal, method=args.method, variant=args.variant,
                            delta=args.delta, ve=args.ve, walk_forward=args.step,
                            train_days=args.train_days)
    res = run_strategy(prices, config, path=wf)
    _print_metrics("run_strategy, out of sample", res.backtest.metrics)
    print(f"in-sample look-ahead in parameters: {config.in_sample}")
    return {"walk_forward": wf, "backtest": bt, "strategy": res}


if __name__ == "__main__":
    main()
