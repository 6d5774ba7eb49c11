"""One strategy configuration, run end to end (calibration, signal, backtest), saved as JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._choices import SIGNALS
from ..calibration import Calibration
from ..exceptions import (
    DataWarning,
    InsufficientDataError,
    NonPositivePriceError,
    UnknownAssetError,
)
from ..io.files import write_atomic
from ._backtest import SIZINGS, BacktestResult, backtest
from ._errors import ConfigFileError, StrategySpecificationError
from ._metrics import performance_metrics
from ._path import FilterPath, _fresh_frame
from ._signals import (
    Signal,
    _check_bands,
    _check_z,
    chan_bands,
    johansen_mr,
    zscore_signal,
)
from ._walkforward import WalkForward, kalman_path, walk_forward_johansen, walk_forward_path

__all__ = ["SIGNALS", "StrategyConfig", "StrategyResult", "load_config", "run_strategy",
           "save_config"]

#: Default (entry, exit) thresholds per signal: Chan's bands are 1 sd, seed 002's z-score 2/0.5.
_DEFAULT_THRESHOLDS = {"chan-bands": (1.0, 1.0), "zscore": (2.0, 0.5), "johansen-mr": (0, 0)}
_CONFIG_FORMAT = "ssm_coint.trading.StrategyConfig"


@dataclass(frozen=True)
class StrategyConfig:
    """Everything needed to re-run a strategy.

    Attributes
    ----------
    signal : {"chan-bands", "zscore", "johansen-mr"}
        Signal (:func:`chan_bands`, :func:`zscore_signal`, :func:`johansen_mr`).
    method : {"chan", "mle", "em", "adaptive", "pykalman-em"}
        Calibration of the hedge model (Kalman signals only): a name of the calibration
        registry (:mod:`ssm_coint.estimation.registry`).
    variant, initialization, delta, ve
        MLE variant, filter start, Chan's delta and V_e.
    window, entry_z, exit_z, stop_z, ddof
        Z-score window and thresholds (``stop_z=None``: no stop). For ``chan-bands``,
        ``entry_z``/``exit_z`` are the band multiples of sqrt(Q_t). ``None`` thresholds take the
        signal's defaults (bands 1/1, z-score 2/0.5).
    selected_on : (str, str), optional
        First and last date of the sample a :func:`grid_search` chose this configuration on;
        those dates are in sample for any backtest of it (set by the grid).
    lookback, estimation_end
        Johansen signal: moving-window length (default round(half-life)) and the end of the
        estimation sample (default the whole sample, Chan's in-sample convention).
    long_only : bool
        Never short the spread.
    sizing, stake, initial_cash, commission_bps, delay, rebalance
        Backtest settings (:func:`backtest`).
    walk_forward, train_days : int, optional
        Re-calibrate every ``walk_forward`` days on ``train_days`` trailing days.
    log_prices : bool
        Run the model on log prices.
    data, assets, start, end
        Provenance of the prices (used by the CLI to reload them).
    """

    signal: str = "chan-bands"
    method: str = "chan"
    variant: str = "full"
    initialization: str | None = None
    delta: float = 1e-4
    ve: float = 1e-3
    window: int = 60
    entry_z: float | None = None
    exit_z: float | None = None
    stop_z: float | None = 4.0
    ddof: int = 0
    lookback: int | None = None
    estimation_end: str | None = None
    selected_on: tuple[str, str] | None = None
    long_only: bool = False
    sizing: str = "gross"
    stake: float = 1.0
    initial_cash: float = 100_000.0
    commission_bps: float = 0.0
    delay: int = 0
    rebalance: bool | None = None
    walk_forward: int | None = None
    train_days: int | None = None
    log_prices: bool = False
    data: str | None = None
    assets: list[str] | None = field(default=None)
    start: str | None = None
    end: str | None = None

    def __post_init__(self) -> None:
        if self.signal not in SIGNALS:
            raise StrategySpecificationError(
                f"unknown signal {self.signal!r}; choose one of {', '.join(SIGNALS)}")
        from ..estimation.registry import METHOD_NAMES

        if self.method not in METHOD_NAMES:
            raise StrategySpecificationError(
                f"unknown method {self.method!r}; choose one of {', '.join(METHOD_NAMES)}")
        if self.sizing not in SIZINGS:
            raise StrategySpecificationError(
                f"unknown sizing {self.sizing!r}; choose one of {', '.join(SIZINGS)}")
        d_in, d_out = _DEFAULT_THRESHOLDS[self.signal]
        if self.entry_z is None:
            object.__setattr__(self, "entry_z", float(d_in))
        if self.exit_z is None:
            object.__setattr__(self, "exit_z", float(d_out))
        if self.stop_z is not None and not math.isfinite(self.stop_z):
            object.__setattr__(self, "stop_z", None)
        if self.signal == "zscore":
            _check_z(self.entry_z, self.exit_z,
                     math.inf if self.stop_z is None else self.stop_z)
            if int(self.window) != self.window or self.window < 2:
                raise StrategySpecificationError(f"window must be an integer >= 2, "
                                                 f"got {self.window!r}")
        elif self.signal == "chan-bands":
            _check_bands(self.entry_z, self.exit_z)
        if (self.walk_forward is None) != (self.train_days is None):
            if self.train_days is None:
                object.__setattr__(self, "train_days", 252)
            else:
                raise StrategySpecificationError("train_days needs walk_forward (the step)")
        if self.signal == "johansen-mr" and self.log_prices:
            raise StrategySpecificationError("johansen-mr trades price levels; drop log_prices")
        if self.assets is not None:
            object.__setattr__(self, "assets", [str(a) for a in self.assets])
        if self.selected_on is not None:
            sel = tuple(str(d) for d in self.selected_on)
            try:
                lo, hi = (pd.Timestamp(d) for d in sel)
                ok = len(sel) == 2 and lo <= hi
            except (ValueError, TypeError):
                ok = False
            if not ok:
                raise StrategySpecificationError(
                    "selected_on must be two dates (first, last) in order; got "
                    f"{self.selected_on!r}")
            object.__setattr__(self, "selected_on", sel)

    def replace(self, **changes: Any) -> StrategyConfig:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        out = dataclasses.asdict(self)
        for k, v in out.items():
            if isinstance(v, np.generic):
                out[k] = v.item()
        if out["selected_on"] is not None:  # JSON has lists, not tuples
            out["selected_on"] = list(out["selected_on"])
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StrategyConfig:
        """Build from :meth:`to_dict` output; unknown keys raise :class:`ConfigFileError`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ConfigFileError(f"unknown strategy configuration keys {unknown}")
        return cls(**d)

    @property
    def in_sample(self) -> bool:
        """True when estimated parameters use prices that are also traded on some date.

        The per-date answer is :meth:`in_sample_dates`; this is its ``any()`` whatever the
        sample (for a config that has not been run yet it assumes the sample reaches the
        estimation or selection window).
        """
        if self.selected_on is not None:
            return True
        if self.walk_forward is not None:
            return False
        if self.signal == "johansen-mr":
            return True  # estimated on the sample, or on a window that starts with it
        return self.method != "chan"  # every other method estimates from these prices

    def in_sample_dates(self, index: pd.Index) -> pd.Series:
        """Per date: were the parameters used on that date estimated (or chosen) with it?

        - walk-forward: never (each block is calibrated on earlier days only);
        - ``johansen-mr`` with ``estimation_end``: the dates up to ``estimation_end``;
          without it, every date;
        - Kalman signals: every date unless the method estimates nothing (``chan``);
        - a configuration chosen by :func:`grid_search` (``selected_on``): also every date
          inside the selection window.
        """
        dates = pd.DatetimeIndex(index)
        if self.walk_forward is not None:
            flag = np.zeros(len(dates), bool)
        elif self.signal == "johansen-mr":
            flag = (np.ones(len(dates), bool) if self.estimation_end is None
                    else np.asarray(dates <= pd.Timestamp(self.estimation_end)))
        else:
            flag = np.full(len(dates), self.method != "chan")
        if self.selected_on is not None:
            lo, hi = (pd.Timestamp(d) for d in self.selected_on)
            flag = flag | np.asarray((dates >= lo) & (dates <= hi))
        return pd.Series(flag, index=index, name="in_sample")

    @property
    def path_key(self) -> tuple[Any, ...]:
        """Fields that determine the filter path (for caching across a grid)."""
        return (self.method, self.variant, self.initialization, self.delta, self.ve,
                self.walk_forward, self.train_days, self.log_prices)


@dataclass(frozen=True)
class StrategyResult:
    """Output of :func:`run_strategy`.

    Attributes
    ----------
    config : StrategyConfig
    signal : Signal
    backtest : BacktestResult
    path : FilterPath or None
        Filter path (Kalman signals).
    calibration : Calibration or None
        In-sample calibration (Kalman signals without walk-forward).
    walk_forward : WalkForward or None
        Walk-forward blocks and calibrations.
    """

    config: StrategyConfig
    signal: Signal
    backtest: BacktestResult
    path: FilterPath | None = None
    calibration: Calibration | None = None
    walk_forward: WalkForward | None = None

    @property
    def metrics(self) -> dict[str, Any]:
        """Performance metrics as a JSON-ready dict."""
        return self.backtest.metrics.to_dict()

    @property
    def in_sample(self) -> pd.Series:
        """Per traded date, whether its parameters saw that date (see
        :meth:`StrategyConfig.in_sample_dates`)."""
        return self.config.in_sample_dates(self.backtest.returns.index)

    def segments(self) -> dict[str, Any]:
        """The in-sample flag summarised, with APR and Sharpe per segment.

        Returns
        -------
        dict
            ``in_sample_parameters`` (True if any traded date is in sample),
            ``in_sample_days`` and ``out_of_sample_days``, ``out_of_sample_start`` (the first
            date whose parameters did not see it, or None), and ``in_sample`` /
            ``out_of_sample``: ``apr``, ``sharpe`` and ``n_days`` of each non-empty segment.
            No date is ever called out of sample if its parameters saw it.
        """
        flag = self.in_sample.to_numpy()
        ret = self.backtest.returns.to_numpy(dtype=float)
        idx = self.backtest.returns.index
        out: dict[str, Any] = {"in_sample_parameters": bool(flag.any()),
                               "in_sample_days": int(flag.sum()),
                               "out_of_sample_days": int((~flag).sum()),
                               "out_of_sample_start": _date(idx[int(np.argmax(~flag))])
                               if (~flag).any() else None}
        for name, mask in (("in_sample", flag), ("out_of_sample", ~flag)):
            if mask.any():
                m = performance_metrics(ret[mask])
                out[name] = {"apr": _num(m.apr), "sharpe": _num(m.sharpe),
                             "n_days": int(mask.sum())}
        return out

    def to_dict(self) -> dict[str, Any]:
        """Metrics, estimated quantities and the configuration (JSON-ready)."""
        idx = self.backtest.returns.index
        out: dict[str, Any] = {
            "signal": self.config.signal,
            "assets": [str(c) for c in self.signal.weights.columns],
            "nobs": int(len(idx)), "start": _date(idx[0]), "end": _date(idx[-1]),
            **self.metrics,
        }
        out.update(self.segments())
        info = self.signal.info
        if self.config.signal == "johansen-mr":
            out["half_life"] = _num(info.get("half_life"))
            if "lookback" in info:
                out["lookback"] = int(info["lookback"])
                out["eigenvector"] = info.get("eigenvector")
        else:
            out["method"] = self.config.method
            if self.calibration is not None:
                cal = self.calibration
                out["model_half_life"] = _num(cal.half_life)
                out["calibration"] = {"llf": _num(cal.llf), "variant": cal.variant,
                                      "params": {k: _num(v) for k, v in cal.params.items()},
                                      "converged": bool(cal.converged)}
            last = self.signal.weights.iloc[-1]
            out["hedge_ratios_last"] = {str(k): _num(-v) for k, v in last.iloc[1:].items()}
        blocks = (self.walk_forward.blocks if self.walk_forward is not None
                  else info.get("blocks"))
        if isinstance(blocks, pd.DataFrame):
            out["n_blocks"] = int(len(blocks))
            out["blocks"] = json.loads(blocks.to_json(orient="records", date_format="iso"))
        out["config"] = self.config.to_dict()
        return out


def run_strategy(prices: pd.DataFrame, config: StrategyConfig, *,
                 path: FilterPath | WalkForward | tuple[FilterPath, Calibration] | None = None
                 ) -> StrategyResult:
    """Calibrate, build the signal and backtest it, as ``config`` says.

    Parameters
    ----------
    prices : DataFrame
        Price *levels*, first column y (``config.assets`` selects and orders columns if set).
    config : StrategyConfig
    path : FilterPath, WalkForward or (FilterPath, Calibration), optional
        A precomputed filter path for ``config.path_key`` (:func:`filter_path_for`; used by
        the grid search).

    Returns
    -------
    StrategyResult

    Raises
    ------
    InsufficientDataError
        Fewer traded days than :data:`MIN_BACKTEST_DAYS` after the signal's warm-up (the
        z-score window, the first walk-forward training window): metrics of a handful of days
        (a Sharpe of -7 on 5 rows) mean nothing.

    Warns
    -----
    DataWarning
        Fewer than :data:`FEW_TRADES` round trips: the metrics rest on almost no trades.

    Notes
    -----
    With ``walk_forward`` the backtest (and its metrics) covers the out-of-sample days only,
    from the first day after the first training window.

    Examples
    --------
    >>> from ssm_coint import simulate_hedge_model
    >>> from ssm_coint.trading import StrategyConfig, run_strategy
    >>> prices = simulate_hedge_model(500, seed=1).prices.iloc[:, :2]
    >>> res = run_strategy(prices, StrategyConfig(signal="zscore", window=30))
    >>> res.backtest.metrics.n_days
    500
    """
    if config.assets is not None:
        missing = [a for a in config.assets if a not in prices.columns]
        if missing:
            raise UnknownAssetError(f"prices lack the configured assets {missing}")
        prices = prices[config.assets]
    prices = prices.astype(float)
    _check_length(len(prices), config)
    cal = None
    wf = None
    fpath = None
    if config.signal == "johansen-mr":
        if config.walk_forward is not None:
            signal = walk_forward_johansen(prices, step=config.walk_forward,
                                           train_days=int(config.train_days or 252),
                                           lookback=config.lookback,
                                           long_only=config.long_only)
        else:
            signal = johansen_mr(prices, lookback=config.lookback,
                                 estimation_end=config.estimation_end,
                                 long_only=config.long_only)
    else:
        if path is None:
            path = filter_path_for(prices, config)
        if isinstance(path, WalkForward):
            wf, fpath = path, path.path
        elif isinstance(path, tuple):
            fpath, cal = path
        else:
            fpath = path
        if config.signal == "chan-bands":
            signal = chan_bands(fpath, entry_k=float(config.entry_z),
                                exit_k=float(config.exit_z), long_only=config.long_only)
        else:
            signal = zscore_signal(fpath, window=int(config.window), entry_z=float(config.entry_z),
                                   exit_z=float(config.exit_z), stop_z=config.stop_z,
                                   long_only=config.long_only, ddof=int(config.ddof))
    if config.walk_forward is not None:  # evaluate out of sample only, starting flat
        first = int(config.train_days or 252)
        prices, signal = prices.iloc[first:], signal.from_row(first)
    bt = backtest(prices, signal, sizing=config.sizing,  # type: ignore[arg-type]
                  stake=float(config.stake),
                  initial_cash=float(config.initial_cash),
                  commission_bps=float(config.commission_bps), delay=int(config.delay),
                  long_only=config.long_only, rebalance=config.rebalance)
    if bt.metrics.n_trades < FEW_TRADES:
        warnings.warn(f"{config.signal}: only {bt.metrics.n_trades} round trip(s) in "
                      f"{bt.metrics.n_days} days; the metrics rest on almost no trades",
                      DataWarning, stacklevel=2)
    return StrategyResult(config=config, signal=signal, backtest=bt, path=fpath,
                          calibration=cal, walk_forward=wf)


#: fewest traded days (after the warm-up) a backtest accepts
MIN_BACKTEST_DAYS = 20
#: fewer round trips than this draw a warning
FEW_TRADES = 3


def _warm_up(config: StrategyConfig) -> int:
    """Days a configuration needs before its first decision."""
    days = 0
    if config.signal == "zscore":
        days = int(config.window)
    if config.walk_forward is not None:
        days += int(config.train_days or 252)
    return days


def _check_length(n: int, config: StrategyConfig) -> None:
    need = _warm_up(config) + MIN_BACKTEST_DAYS
    if n < need:
        raise InsufficientDataError(
            f"{config.signal}: {n} days of prices; this configuration needs at least {need} "
            f"({_warm_up(config)} of warm-up, then {MIN_BACKTEST_DAYS} to trade on)")


def filter_path_for(prices: pd.DataFrame, config: StrategyConfig
                    ) -> WalkForward | tuple[FilterPath, Calibration]:
    """Return the filter path a Kalman-signal configuration trades on (in or out of sample).

    Parameters
    ----------
    prices : DataFrame
        Price levels ``y, x_2, ..., x_k``; logged first when ``config.log_prices``.
    config : StrategyConfig
        Its ``method``, ``variant``, ``delta``, ``ve``, ``initialization``, ``log_prices``,
        ``walk_forward`` and ``train_days`` are used.

    Returns
    -------
    WalkForward or tuple of (FilterPath, Calibration)
        :func:`walk_forward_path` output when ``config.walk_forward`` is set, else the
        in-sample :func:`kalman_path` output.

    Raises
    ------
    NonPositivePriceError
        Log prices requested but some prices are not positive.
    """
    model_prices = _fresh_frame(prices)
    if config.log_prices:
        bad = model_prices.columns[(model_prices <= 0).any()].tolist()
        if bad:
            raise NonPositivePriceError(f"log prices need positive prices; {bad} are not")
        model_prices = np.log(model_prices)
    kw = {"variant": config.variant, "delta": config.delta, "ve": config.ve,
          "initialization": config.initialization, "log_prices": config.log_prices}
    if config.walk_forward is not None:
        return walk_forward_path(model_prices, step=int(config.walk_forward),
                                 train_days=int(config.train_days or 252), method=config.method,
                                 **kw)
    return kalman_path(model_prices, config.method, **kw)


def save_config(path: str | os.PathLike[str], config: StrategyConfig, *,
                metrics: dict[str, Any] | None = None, force: bool = False,
                **extra: Any) -> Path:
    """Write a configuration (and the metrics it produced) as JSON, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination JSON file.
    config : StrategyConfig
        The configuration to save.
    metrics : dict, optional
        Metrics it produced (JSON-ready).
    force : bool
        Overwrite an existing file.
    **extra
        Further top-level JSON entries.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputExistsError
        The file exists and ``force`` is False.
    """
    doc = {"format": _CONFIG_FORMAT, "version": 1, "config": config.to_dict(),
           "metrics": metrics or {}, **extra}
    return write_atomic(path, json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n",
                        force=force)


def load_config(path: str | os.PathLike[str]) -> StrategyConfig:
    """Read a configuration written by :func:`save_config` (or a flat dict of fields).

    Parameters
    ----------
    path : str or path-like
        JSON file.

    Returns
    -------
    StrategyConfig

    Raises
    ------
    ConfigFileError
        Missing file, invalid JSON or unknown keys.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigFileError(f"{p}: configuration file not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigFileError(f"{p}: cannot read the configuration ({exc})") from exc
    if not isinstance(doc, dict):
        raise ConfigFileError(f"{p}: expected a JSON object")
    if doc.get("format") == _CONFIG_FORMAT:
        doc = doc.get("config", {})
    try:
        return StrategyConfig.from_dict(doc)
    except TypeError as exc:
        raise ConfigFileError(f"{p}: {exc}") from exc


def _num(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _date(x: Any) -> str:
    return str(x.date()) if isinstance(x, pd.Timestamp) else str(x)
