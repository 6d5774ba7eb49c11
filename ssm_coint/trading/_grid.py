"""Grid search over signal and model parameters, ranked by Sharpe then drawdown (seed 002)."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._choices import SEED002_GRID
from .._warnings import collected_warnings
from ..exceptions import SsmCointError
from ..io.files import check_writable, write_atomic
from ._errors import StrategySpecificationError
from ._strategy import StrategyConfig, _date, filter_path_for, run_strategy, save_config

__all__ = ["GridResult", "SEED002_BASE", "SEED002_GRID", "grid_search", "GRID_TABLE",
           "BEST_CONFIG"]


#: Seed 002's fixed settings: z-score on a Kalman spread (delta 1e-5, R 1e-3), shares of stake,
#: 100 000 of cash, commission 0.0005 of traded value (5 bp).
SEED002_BASE = StrategyConfig(signal="zscore", method="chan", delta=1e-5, ve=1e-3,
                              sizing="shares", initial_cash=100_000.0, commission_bps=5.0)

#: File names written by :meth:`GridResult.save`.
GRID_TABLE = "grid_results.csv"
BEST_CONFIG = "best_config.json"

_METRIC_COLUMNS = ["sharpe", "max_drawdown", "apr", "total_return", "max_drawdown_money",
                   "calmar", "n_trades", "hit_rate", "exposure", "turnover", "final_equity",
                   "n_days"]


@dataclass(frozen=True)
class GridResult:
    """Ranked grid-search results.

    Attributes
    ----------
    table : DataFrame
        One row per configuration, ranked (``rank`` 1 is best): the grid parameters, the
        model parameters, the metrics, ``error`` (empty unless the run failed) and
        ``warnings`` (e.g. too few round trips).
    configs : list of StrategyConfig
        Configurations in grid order (``table["run"]`` indexes this list).
    base : StrategyConfig
        Fixed settings.
    grid : dict
        Parameter -> values searched.
    selected_on : (str, str) or None
        First and last date of the sample the ranking used.
    """

    table: pd.DataFrame
    configs: list[StrategyConfig]
    base: StrategyConfig
    grid: dict[str, list[Any]]
    selected_on: tuple[str, str] | None = None

    @property
    def best_config(self) -> StrategyConfig:
        """The configuration ranked first, marked as chosen on this sample (``selected_on``):
        a backtest of it on these dates is in sample, whatever its parameters."""
        best = self.configs[int(self.table["run"].iloc[0])]
        return best if self.selected_on is None else best.replace(selected_on=self.selected_on)

    @property
    def best_metrics(self) -> dict[str, Any]:
        """Metrics of the best configuration (JSON-ready)."""
        row = self.table.iloc[0]
        return {c: _clean(row[c]) for c in _METRIC_COLUMNS if c in row}

    def save(self, out_dir: str | os.PathLike[str], *, force: bool = False,
             table_name: str = GRID_TABLE, config_name: str = BEST_CONFIG) -> dict[str, str]:
        """Write the ranked table (CSV) and the best configuration (JSON), atomically.

        Raises
        ------
        OutputExistsError
            A target exists and ``force`` is False (nothing is written then).
        """
        out = Path(out_dir)
        paths = {"table": out / table_name, "best_config": out / config_name}
        check_writable(paths.values(), force=force)
        write_atomic(paths["table"], self.table.to_csv(index=False), force=force)
        save_config(paths["best_config"], self.best_config, metrics=self.best_metrics,
                    force=force, rank_by=["sharpe desc", "max_drawdown asc"],
                    n_runs=int(len(self.table)), grid=self.grid,
                    note="best configuration of ssm_coint.trading.grid_search; "
                         "re-run with `ssm-coint backtest --config <this file>`")
        return {k: str(v) for k, v in paths.items()}


def grid_search(prices: pd.DataFrame, base: StrategyConfig | None = None,
                grid: Mapping[str, Sequence[Any]] | None = None) -> GridResult:
    """Backtest every combination of ``grid`` on top of ``base`` and rank the runs.

    Parameters
    ----------
    prices : DataFrame
        Price levels, first column y.
    base : StrategyConfig, optional
        Fixed settings (default :data:`SEED002_BASE`).
    grid : mapping, optional
        Field name -> values; any :class:`StrategyConfig` field, signal parameters
        (``window``, ``entry_z``, ...) as well as model parameters (``delta``, ``ve``,
        ``variant``, ``method``). Default :data:`SEED002_GRID` (72 runs).

    Returns
    -------
    GridResult

    Notes
    -----
    Runs are ordered as ``itertools.product`` over ``grid`` (seed 002's order) and ranked by
    Sharpe ratio (descending), then max drawdown (ascending); ties keep grid order (stable
    sort), failed runs (NaN Sharpe) come last. The filter is run once per distinct model
    setting. A run that raises an ssm_coint error is kept with its message in ``error``.
    """
    base = SEED002_BASE if base is None else base
    grid = {k: list(v) for k, v in (SEED002_GRID if grid is None else grid).items()}
    fields = set(base.to_dict())
    bad = [k for k in grid if k not in fields]
    if bad:
        raise StrategySpecificationError(f"unknown grid parameters {bad}")
    if any(len(v) == 0 for v in grid.values()):
        raise StrategySpecificationError("every grid parameter needs at least one value")
    keys = list(grid)
    paths: dict[tuple[Any, ...], Any] = {}
    rows, configs = [], []
    for run, values in enumerate(itertools.product(*(grid[k] for k in keys))):
        combo = dict(zip(keys, values, strict=True))
        row: dict[str, Any] = {"run": run, **combo}
        try:
            cfg = base.replace(**combo)
        except SsmCointError as exc:
            configs.append(base)
            rows.append({**row, "error": str(exc)})
            continue
        configs.append(cfg)
        row.update({"signal": cfg.signal, "method": cfg.method, "delta": cfg.delta,
                    "ve": cfg.ve, "variant": cfg.variant, "sizing": cfg.sizing,
                    "commission_bps": cfg.commission_bps, **combo})
        try:
            path = None
            if cfg.signal != "johansen-mr":
                key = cfg.path_key
                if key not in paths:
                    paths[key] = filter_path_for(prices if cfg.assets is None
                                                 else prices[cfg.assets], cfg)
                path = paths[key]
            with collected_warnings() as caught:  # kept per run, in the table
                res = run_strategy(prices, cfg, path=path)
        except SsmCointError as exc:
            rows.append({**row, "error": str(exc)})
            continue
        m = res.metrics
        rows.append({**row, **{c: m.get(c) for c in _METRIC_COLUMNS}, "error": "",
                     "warnings": "; ".join(caught)})
    table = pd.DataFrame(rows)
    for c in _METRIC_COLUMNS:
        if c not in table:
            table[c] = math.nan
        table[c] = pd.to_numeric(table[c], errors="coerce")
    table["error"] = table["error"].fillna("")
    table["warnings"] = (table["warnings"].fillna("") if "warnings" in table
                         else pd.Series("", index=table.index))
    table = table.sort_values(["sharpe", "max_drawdown"], ascending=[False, True],
                              na_position="last", kind="stable").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    selected_on = ((_date(prices.index[0]), _date(prices.index[-1]))
                   if isinstance(prices.index, pd.DatetimeIndex) and len(prices) else None)
    return GridResult(table=table, configs=configs, base=base, grid=grid,
                      selected_on=selected_on)


def _clean(x: Any) -> Any:
    if isinstance(x, float) or hasattr(x, "item"):
        x = x.item() if hasattr(x, "item") else x
        if isinstance(x, float) and not math.isfinite(x):
            return None
    return x
