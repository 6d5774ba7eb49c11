"""``ssm-coint backtest`` and ``ssm-coint grid``: argparse front ends to :mod:`ssm_coint.trading`.

:func:`register` adds both subcommands to the main parser's subparsers. Each handler takes the
parsed ``args`` and returns a JSON-ready dict (printed by the main CLI with ``--json``); without
``--json`` the handler prints a short human-readable table itself. Errors are typed
:class:`~ssm_coint.exceptions.SsmCointError` subclasses.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._choices import METHOD_NAMES, SEED002_GRID, SIGNALS, SIZINGS, VARIANT_NAMES
from ..exceptions import TooFewAssetsError
from ._common import add_allow_negative, add_date_options, date_options

if TYPE_CHECKING:
    import pandas as pd

    from ..trading import StrategyConfig

__all__ = ["register", "cmd_backtest", "cmd_grid"]

#: argparse destination -> StrategyConfig field, for options that override a loaded config.
_OVERRIDES = {
    "signal": "signal", "method": "method", "variant": "variant", "init": "initialization",
    "delta": "delta", "ve": "ve", "window": "window", "entry_z": "entry_z", "exit_z": "exit_z",
    "stop_z": "stop_z", "ddof": "ddof", "lookback": "lookback",
    "estimation_end": "estimation_end", "long_only": "long_only", "sizing": "sizing",
    "stake": "stake", "initial_cash": "initial_cash", "commission_bps": "commission_bps",
    "delay": "delay", "walk_forward": "walk_forward", "train_days": "train_days",
    "log_prices": "log_prices", "start": "start", "end": "end",
}


def _stop(value: str) -> float:
    """``--stop-z``: a number, or ``none``/``inf`` for no stop-loss."""
    if value.lower() in ("none", "inf", "off"):
        return math.inf
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'none': {value!r}") from None


def _yes_no(value: str) -> bool:
    v = value.lower()
    if v in ("yes", "true", "1", "y"):
        return True
    if v in ("no", "false", "0", "n"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, got {value!r}")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="CSV or Parquet, wide or long layout")
    p.add_argument("--assets", nargs="+", help="Y X1 [X2 ...] (first is y)")
    p.add_argument("--start", default=None)
    p.add_argument("--end", default=None)
    add_date_options(p)
    p.add_argument("--log-prices", action=argparse.BooleanOptionalAction, default=None,
                   help="run the model on log prices (trading stays on price levels)")
    p.add_argument("--missing", choices=["raise", "drop", "ffill"], default="raise")
    add_allow_negative(p)
    p.add_argument("--json", action="store_true", help="machine-readable result on stdout")
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")


def _model(p: argparse.ArgumentParser, *, many: bool) -> None:
    nargs = "+" if many else None
    p.add_argument("--method", choices=list(METHOD_NAMES), default=None,
                   help="calibration of the hedge model (chan uses --delta --ve)")
    p.add_argument("--variant", choices=list(VARIANT_NAMES), default=None)
    p.add_argument("--init", choices=["diffuse", "mixed", "chan", "johansen"], default=None)
    p.add_argument("--delta", type=float, nargs=nargs, default=None, help="Chan's delta")
    p.add_argument("--ve", type=float, nargs=nargs, default=None, help="Chan's V_e")
    p.add_argument("--walk-forward", type=int, default=None, metavar="N",
                   help="re-calibrate every N days and trade the next N out of sample")
    p.add_argument("--train-days", type=int, default=None, metavar="M",
                   help="trailing calibration window of the walk-forward (default 252)")


def _trading(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizing", choices=list(SIZINGS), default=None,
                   help="gross: Chan's returns on gross exposure; shares/dollars: a money "
                        "account with --stake shares (dollars) per unit")
    p.add_argument("--initial-cash", type=float, default=None)
    p.add_argument("--commission-bps", type=float, default=None,
                   help="commission in basis points of traded notional")
    p.add_argument("--delay", type=int, default=None, help="extra bars before execution")


def register(subparsers: Any) -> None:
    """Add the ``backtest`` and ``grid`` subcommands to an argparse subparsers object."""
    b = subparsers.add_parser("backtest", help="backtest one strategy (signal + hedge model)")
    _common(b)
    b.add_argument("--config", default=None,
                   help="re-run a saved configuration (e.g. best_config.json of `grid`); "
                        "options given on the command line override it")
    b.add_argument("--signal", choices=list(SIGNALS), default=None)
    _model(b, many=False)
    b.add_argument("--window", type=int, default=None, help="z-score window")
    b.add_argument("--entry-z", type=float, default=None,
                   help="entry threshold (z-score) or band multiple (chan-bands, default 1)")
    b.add_argument("--exit-z", type=float, default=None)
    b.add_argument("--stop-z", type=_stop, default=None, help="stop-loss |z| ('none': off)")
    b.add_argument("--ddof", type=int, default=None, help="ddof of the rolling std")
    b.add_argument("--lookback", type=int, default=None,
                   help="johansen-mr window (default round(half-life))")
    b.add_argument("--estimation-end", default=None,
                   help="johansen-mr: last day of the estimation sample (default all)")
    b.add_argument("--long-only", action=argparse.BooleanOptionalAction, default=None)
    b.add_argument("--stake", type=float, default=None,
                   help="shares (or dollars) per spread unit; implies --sizing shares")
    _trading(b)
    b.set_defaults(func=cmd_backtest)

    g = subparsers.add_parser("grid", help="grid search over the z-score strategy's settings, "
                                           "ranked by Sharpe then drawdown; writes the table "
                                           "and best_config.json")
    _common(g)
    g.add_argument("--signal", choices=["zscore", "chan-bands"], default="zscore")
    _model(g, many=True)
    g.add_argument("--windows", type=int, nargs="+", default=SEED002_GRID["window"])
    g.add_argument("--entry-zs", type=float, nargs="+", default=SEED002_GRID["entry_z"])
    g.add_argument("--exit-zs", type=float, nargs="+", default=SEED002_GRID["exit_z"])
    g.add_argument("--stop-zs", type=_stop, nargs="+", default=SEED002_GRID["stop_z"])
    g.add_argument("--stakes", type=float, nargs="+", default=SEED002_GRID["stake"])
    g.add_argument("--long-only", type=_yes_no, nargs="+", default=SEED002_GRID["long_only"],
                   metavar="{no,yes}")
    _trading(g)
    g.set_defaults(func=cmd_grid)


# --------------------------------------------------------------------------- helpers
def _load(cfg: StrategyConfig, missing: str, allow_negative: bool = False,
          dates_as: dict | None = None) -> pd.DataFrame:
    from ..data import load_prices
    from ..trading import StrategySpecificationError

    if not cfg.data:
        raise StrategySpecificationError("--data is required (or a --config that names it)")
    if not cfg.assets or len(cfg.assets) < 2:
        raise TooFewAssetsError("--assets needs at least two names (the first is y)")
    return load_prices(cfg.data, cfg.assets, start=cfg.start, end=cfg.end, missing=missing,
                       allow_negative=allow_negative, **(dates_as or {}))



#: grid options that override seed 002's base configuration, as (argparse dest, config field)
_GRID_OVERRIDES = (("method", "method"), ("variant", "variant"), ("init", "initialization"),
                   ("sizing", "sizing"), ("initial_cash", "initial_cash"),
                   ("commission_bps", "commission_bps"), ("delay", "delay"),
                   ("walk_forward", "walk_forward"), ("train_days", "train_days"),
                   ("log_prices", "log_prices"), ("start", "start"), ("end", "end"))

def _changes(args: argparse.Namespace, pairs) -> dict[str, Any]:
    """Config fields set on the command line: ``(dest, field)`` pairs plus data and assets."""
    changes: dict[str, Any] = {}
    for dest, name in pairs:
        v = getattr(args, dest, None)
        if v is not None:
            changes[name] = v
    if args.data is not None:
        changes["data"] = str(Path(args.data).resolve())
    if args.assets is not None:
        changes["assets"] = list(args.assets)
    return changes

def _resolve(args: argparse.Namespace) -> StrategyConfig:
    from ..trading import StrategyConfig, load_config
    base = load_config(args.config) if getattr(args, "config", None) else StrategyConfig()
    changes = _changes(args, _OVERRIDES.items())
    if "signal" in changes and changes["signal"] != base.signal:
        for k in ("entry_z", "exit_z"):  # the other signal's default thresholds
            changes.setdefault(k, None)
    if "stake" in changes and "sizing" not in changes and base.sizing == "gross":
        changes["sizing"] = "shares"
    return base.replace(**changes)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.6f}"
    return str(v)


_SHOW = ("apr", "sharpe", "total_return", "max_drawdown", "max_drawdown_money", "calmar",
         "n_trades", "hit_rate", "exposure", "turnover", "half_life", "lookback",
         "model_half_life", "n_blocks")


# --------------------------------------------------------------------------- handlers
def cmd_backtest(args: argparse.Namespace) -> dict[str, Any]:
    """Run one strategy; return its metrics, estimates and configuration."""
    from ..trading import check_writable, run_strategy, write_atomic
    cfg = _resolve(args)
    files: dict[str, Path] = {}
    if args.out:
        out = Path(args.out)
        files = {"results": out / "results.json", "daily": out / "daily.csv",
                 "trades": out / "trades.csv", "config": out / "config.json",
                 "equity": out / "equity.png"}
        check_writable(files.values(), force=args.force)
    prices = _load(cfg, args.missing, args.allow_negative, date_options(args))
    res = run_strategy(prices, cfg)
    result = res.to_dict()
    if files:
        from ..trading import save_config

        write_atomic(files["daily"], res.backtest.daily().to_csv(), force=args.force)
        write_atomic(files["trades"], res.backtest.trades.to_csv(index=False),
                     force=args.force)
        save_config(files["config"], cfg, metrics=res.metrics, force=args.force)
        _save_plot(res.backtest, files["equity"], force=args.force)
        result["files"] = {k: str(v) for k, v in files.items()}
        write_atomic(files["results"],
                     json.dumps(result, indent=2, allow_nan=False, default=str) + "\n",
                     force=args.force)
    if not args.json:
        n_in, n_all = result["in_sample_days"], result["nobs"]
        label = ("no look-ahead in parameters" if n_in == 0 else
                 "in-sample parameters on every day" if n_in == n_all else
                 f"in-sample parameters on {n_in} of {n_all} days; out of sample from "
                 f"{result['out_of_sample_start']}")
        print(f"{cfg.signal} on {', '.join(result['assets'])}: {result['start']} .. "
              f"{result['end']} ({n_all} days), {label}")
        for seg in ("in_sample", "out_of_sample"):
            if seg in result and 0 < n_in < n_all:
                s = result[seg]
                print(f"  {seg.replace('_', '-'):<22}APR {_fmt(s['apr'])}, Sharpe "
                      f"{_fmt(s['sharpe'])} over {s['n_days']} days")
        for k in _SHOW:
            if k in result:
                print(f"  {k:<22}{_fmt(result[k])}")
        for k, v in result.get("files", {}).items():
            print(f"  wrote {k}: {v}")
    return result


def cmd_grid(args: argparse.Namespace) -> dict[str, Any]:
    """Run the grid, write the ranked table and ``best_config.json`` into ``--out``."""
    from ..trading import (
        BEST_CONFIG,
        GRID_TABLE,
        SEED002_BASE,
        StrategySpecificationError,
        check_writable,
        grid_search,
    )

    if not args.out:
        raise StrategySpecificationError("grid needs --out DIR for the table and best config")
    out = Path(args.out)
    check_writable([out / GRID_TABLE, out / BEST_CONFIG], force=args.force)
    changes: dict[str, Any] = {"signal": args.signal}
    grid: dict[str, list[Any]] = {"window": args.windows, "entry_z": args.entry_zs,
                                  "exit_z": args.exit_zs, "stop_z": args.stop_zs,
                                  "stake": args.stakes, "long_only": args.long_only}
    if args.signal == "chan-bands":
        grid = {"entry_z": args.entry_zs, "exit_z": args.exit_zs, "stake": args.stakes,
                "long_only": args.long_only}
    for name in ("delta", "ve"):
        vals = getattr(args, name)
        if vals is not None:
            if len(vals) == 1:
                changes[name] = vals[0]
            else:
                grid = {name: list(vals), **grid}
    changes.update(_changes(args, _GRID_OVERRIDES))
    base = SEED002_BASE.replace(**changes)
    prices = _load(base, args.missing, args.allow_negative, date_options(args))
    result = grid_search(prices, base, grid)
    paths = result.save(out, force=args.force)
    top = result.table.head(10)
    doc = {
        "n_runs": int(len(result.table)),
        "n_failed": int((result.table["error"] != "").sum()),
        "rank_by": ["sharpe desc", "max_drawdown asc"],
        "best_config": result.best_config.to_dict(),
        "best_metrics": result.best_metrics,
        "top": json.loads(top.to_json(orient="records")),
        "files": paths,
    }
    if not args.json:
        cols = [c for c in ("rank", "window", "entry_z", "exit_z", "stop_z", "stake",
                            "long_only", "delta", "ve", "sharpe", "max_drawdown", "apr",
                            "n_trades") if c in top]
        print(f"{doc['n_runs']} runs ({doc['n_failed']} failed), ranked by Sharpe then "
              "max drawdown; top 10:")
        import pandas as pd

        with pd.option_context("display.width", 140, "display.float_format", "{:.6g}".format):
            print(top[cols].to_string(index=False))
        print(f"wrote {paths['table']}\nwrote {paths['best_config']}")
    return doc


def _save_plot(bt: Any, path: Path, *, force: bool) -> None:
    """Equity-curve PNG, written atomically (skipped when matplotlib is absent).

    Uses a bare :class:`matplotlib.figure.Figure`, so no pyplot backend is touched.
    """
    from ..trading import write_atomic
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - optional dependency
        return
    import io

    fig = bt.plot(fig=Figure(figsize=(9, 5)))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    write_atomic(path, buf.getvalue(), force=force)
