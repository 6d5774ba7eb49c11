"""Trading layer: signals, vectorised backtest, metrics, grid search and walk-forward.

Typical use::

    from ssm_coint import chan_filter
    from ssm_coint.trading import FilterPath, chan_bands, backtest

    res = chan_filter(prices, delta=1e-4, ve=1e-3)
    bt = backtest(prices, chan_bands(FilterPath.from_results(res)))
    bt.metrics.apr, bt.metrics.sharpe

or end to end with a :class:`StrategyConfig` and :func:`run_strategy`; :func:`grid_search` ranks
many configurations and :func:`walk_forward_path` re-calibrates out of sample.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from ..io.files import check_writable, write_atomic
    from ._backtest import SIZINGS, BacktestResult, backtest
    from ._errors import ConfigFileError, OutputExistsError, StrategySpecificationError
    from ._grid import BEST_CONFIG, GRID_TABLE, SEED002_BASE, SEED002_GRID, GridResult, grid_search
    from ._metrics import TRADING_DAYS, PerformanceMetrics, performance_metrics, round_trips
    from ._path import FilterPath
    from ._signals import (
        Signal,
        band_units,
        chan_bands,
        johansen_mr,
        linear_mr_units,
        position_rule,
        rolling_zscore,
        zscore_signal,
        zscore_units,
    )
    from ._strategy import (
        SIGNALS,
        StrategyConfig,
        StrategyResult,
        filter_path_for,
        load_config,
        run_strategy,
        save_config,
    )
    from ._walkforward import (
        WalkForward,
        calibrate,
        kalman_path,
        walk_forward_johansen,
        walk_forward_path,
    )

__all__ = [
    "BEST_CONFIG",
    "BacktestResult",
    "ConfigFileError",
    "FilterPath",
    "GRID_TABLE",
    "GridResult",
    "OutputExistsError",
    "PerformanceMetrics",
    "SEED002_BASE",
    "SEED002_GRID",
    "SIGNALS",
    "SIZINGS",
    "Signal",
    "StrategyConfig",
    "StrategyResult",
    "StrategySpecificationError",
    "TRADING_DAYS",
    "WalkForward",
    "backtest",
    "band_units",
    "calibrate",
    "chan_bands",
    "check_writable",
    "filter_path_for",
    "grid_search",
    "johansen_mr",
    "kalman_path",
    "linear_mr_units",
    "load_config",
    "performance_metrics",
    "rolling_zscore",
    "round_trips",
    "run_strategy",
    "save_config",
    "walk_forward_johansen",
    "walk_forward_path",
    "write_atomic",
    "zscore_signal",
    "position_rule",
    "zscore_units",
]

__getattr__, __dir__ = lazy_exports(__name__, __file__)
