r"""Vectorised backtest of a :class:`~ssm_coint.trading.Signal` on price levels.

Timing: a position decided at the close of day :math:`t` is held from :math:`t` to
:math:`t+1` (``delay=0``); ``delay=d`` executes it :math:`d` closes later. Holdings in shares
:math:`H_{i,t}` (after execution at close :math:`t`), prices :math:`p_{i,t}`, dollar positions
:math:`\mathrm{pos}_{i,t} = H_{i,t} p_{i,t}`, traded notional
:math:`T_t = \sum_i |H_{i,t} - H_{i,t-1}|\, p_{i,t}` and commission
:math:`C_t = \kappa\, T_t` with :math:`\kappa` = ``commission_bps`` / 10 000.

Two accounting conventions:

``sizing="gross"`` (Chan's, the ``chan_published_results.json`` convention)
    P&L on gross market value, independent of scale:

    .. math::

        r_t = \frac{\sum_i \mathrm{pos}_{i,t-1}\,(p_{i,t} - p_{i,t-1})/p_{i,t-1} - C_t}{D_t},
        \qquad D_t = \sum_i |\mathrm{pos}_{i,t-1}| \ \ (\text{or } \sum_i |\mathrm{pos}_{i,t}|
        \text{ when that is } 0),

    NaN (0/0 on flat days) set to 0 and kept. Equity is
    :math:`E_t = E_0 \prod_{s\le t}(1+r_s)`.

``sizing="shares"`` or ``"dollars"`` (money accounts, as seed 002's backtrader broker)
    ``stake`` shares of the unit (``shares``) or ``stake`` dollars of gross notional per unit
    (``dollars``), an account starting at ``initial_cash``:

    .. math::

        E_t = E_{t-1} + \sum_i H_{i,t-1}(p_{i,t} - p_{i,t-1}) - C_t, \qquad
        r_t = E_t / E_{t-1} - 1 .
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._choices import SIZINGS
from ..exceptions import DataError, UnknownAssetError
from ._errors import StrategySpecificationError
from ._metrics import PerformanceMetrics, performance_metrics, round_trips
from ._signals import Signal

__all__ = ["BacktestResult", "SIZINGS", "backtest"]

Sizing = Literal["gross", "shares", "dollars"]


@dataclass(frozen=True)
class BacktestResult:
    """Daily output of :func:`backtest`.

    Attributes
    ----------
    returns : Series
        Daily returns :math:`r_t` (net of commission).
    equity : Series
        Equity curve :math:`E_t`.
    pnl : Series
        Gross P&L of each day, in money (money accounts) or per spread unit (``gross``).
    costs : Series
        Commission paid at each close (same scale as ``pnl``).
    traded : Series
        Traded notional :math:`T_t` at each close.
    capital : Series
        Capital the day's return is measured on: :math:`D_t` (``gross``) or :math:`E_{t-1}`
        (money accounts).
    holdings : DataFrame
        Shares held after each close (as executed).
    positions : DataFrame
        Dollar positions :math:`H_{i,t} p_{i,t}`.
    units : Series
        Spread units held after each close (as executed: after delay and long-only).
    trades : DataFrame
        Round trips (:func:`~ssm_coint.trading.round_trips`).
    metrics : PerformanceMetrics
        Summary statistics.
    signal : Signal
        The signal traded.
    settings : dict
        ``sizing``, ``stake``, ``initial_cash``, ``commission_bps``, ``delay``, ``long_only``,
        ``rebalance``.
    """

    returns: pd.Series
    equity: pd.Series
    pnl: pd.Series
    costs: pd.Series
    traded: pd.Series
    capital: pd.Series
    holdings: pd.DataFrame
    positions: pd.DataFrame
    units: pd.Series
    trades: pd.DataFrame
    metrics: PerformanceMetrics
    signal: Signal
    settings: dict[str, Any] = field(default_factory=dict)

    def daily(self) -> pd.DataFrame:
        """One table of the daily series (for CSV export)."""
        pos = self.positions.add_prefix("pos_")
        return pd.concat([self.returns.rename("return"), self.equity.rename("equity"),
                          self.units.rename("units"), self.signal.score.rename("score"),
                          self.pnl.rename("pnl"), self.costs.rename("costs"),
                          self.traded.rename("traded"), pos], axis=1)

    def summary(self) -> str:
        """Plain-text table of the metrics."""
        m = self.metrics.to_dict()
        lines = [f"Backtest of {self.signal.name} ({self.settings.get('sizing')} sizing, "
                 f"{len(self.returns)} days, {self.returns.index[0]} .. "
                 f"{self.returns.index[-1]})"]
        for k, v in m.items():
            text = "-" if v is None else (f"{v:.6f}" if isinstance(v, float) else str(v))
            lines.append(f"  {k:<24}{text}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, fig: Any = None) -> Any:
        """Equity curve and units held; returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(9, 5))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
        ax1.plot(self.equity.index, self.equity.to_numpy())
        ax1.set_ylabel("equity")
        ax1.set_title(f"{self.signal.name}: APR {self.metrics.apr:.2%}, "
                      f"Sharpe {self.metrics.sharpe:.2f}")
        ax2.step(self.units.index, self.units.to_numpy(), where="post")
        ax2.set_ylabel("units")
        fig.tight_layout()
        return fig


def backtest(prices: pd.DataFrame, signal: Signal, *, sizing: Sizing = "gross",
             stake: float = 1.0, initial_cash: float = 100_000.0,
             commission_bps: float = 0.0, delay: int = 0, long_only: bool = False,
             rebalance: bool | None = None) -> BacktestResult:
    r"""Backtest a signal on price levels.

    Parameters
    ----------
    prices : DataFrame
        Price levels with a column per asset of ``signal.weights`` and the signal's index.
    signal : Signal
        Units decided at each close and the holdings of one unit.
    sizing : {"gross", "shares", "dollars"}
        Accounting convention (see the module notes). ``gross`` reproduces Chan's figures.
    stake : float
        Money accounts: shares of the unit (``shares``) or gross dollars per unit
        (``dollars``). Scale-free ``gross`` ignores it.
    initial_cash : float
        Starting equity :math:`E_0`.
    commission_bps : float
        Commission in basis points of traded notional.
    delay : int
        Extra closes between decision and execution (0: trade at the deciding close).
    long_only : bool
        Clip units at zero.
    rebalance : bool, optional
        Re-weight the legs every day to the current unit (Chan; default for ``gross``) or keep
        the holdings of the entry day until the units change (seed 002's broker; default for
        money accounts).

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import pandas as pd
    >>> from ssm_coint.trading import Signal, backtest
    >>> idx = pd.date_range("2020-01-01", periods=3, freq="B")
    >>> prices = pd.DataFrame({"Y": [10.0, 11.0, 12.0], "X": [5.0, 5.0, 6.0]}, index=idx)
    >>> sig = Signal(units=pd.Series([1.0, 1.0, 0.0], index=idx),
    ...              weights=pd.DataFrame({"Y": 1.0, "X": -1.0}, index=idx),
    ...              weight_kind="shares", score=pd.Series(0.0, index=idx), name="demo")
    >>> backtest(prices, sig).returns.round(6).tolist()  # (10 * 10% - 5 * 0%) / 15, then 0
    [0.0, 0.066667, 0.0]
    """
    if sizing not in SIZINGS:
        raise StrategySpecificationError(f"unknown sizing {sizing!r}; choose one of {SIZINGS}")
    if not (stake > 0 and math.isfinite(stake)):
        raise StrategySpecificationError(f"stake must be positive, got {stake!r}")
    if not (initial_cash > 0 and math.isfinite(initial_cash)):
        raise StrategySpecificationError(f"initial_cash must be positive, got {initial_cash!r}")
    if not (commission_bps >= 0 and math.isfinite(commission_bps)):
        raise StrategySpecificationError(
            f"commission_bps must be non-negative, got {commission_bps!r}")
    if int(delay) != delay or delay < 0:
        raise StrategySpecificationError(f"delay must be a non-negative integer, got {delay!r}")
    delay = int(delay)
    if rebalance is None:
        rebalance = sizing == "gross"
    cols = list(signal.weights.columns)
    missing = [c for c in cols if c not in prices.columns]
    if missing:
        raise UnknownAssetError(f"prices lack the signal's assets {missing}")
    if not prices.index.equals(signal.units.index):
        raise DataError("prices and signal must share the same index")
    P = np.array(prices[cols].to_numpy(dtype=float), order="C")
    if not np.all(np.isfinite(P)):
        raise DataError("prices must be finite for a backtest")
    n, k = P.shape

    u = signal.units.to_numpy(dtype=float)
    if np.isnan(u).any():
        first = signal.units.index[int(np.flatnonzero(np.isnan(u))[0])]
        raise StrategySpecificationError(
            f"the signal's units are NaN on {int(np.isnan(u).sum())} day(s) (first {first}); "
            "a signal must say 0 (flat) where it has no position")
    if long_only:
        u = np.clip(u, 0.0, None)
    W = signal.weights.to_numpy(dtype=float)
    if signal.weight_kind == "dollars":
        with np.errstate(invalid="ignore", divide="ignore"):
            W = W / P
    if not rebalance:  # holdings of the day the units last changed
        prev = np.concatenate([[0.0], u[:-1]])
        last = np.where(u != prev, np.arange(n), 0)
        np.maximum.accumulate(last, out=last)
        W = W[last]
        Pw = P[last]
    else:
        Pw = P
    per_unit = np.where(u[:, None] == 0, 0.0, u[:, None] * W)
    if sizing == "shares":
        per_unit = stake * per_unit
    elif sizing == "dollars":
        gross_unit = np.sum(np.abs(W * Pw), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_unit = stake * per_unit / gross_unit[:, None]
    bad = ~np.isfinite(per_unit).all(axis=1)
    if bad.any():
        first = prices.index[int(np.flatnonzero(bad)[0])]
        raise StrategySpecificationError(
            f"the signal holds a position on {int(bad.sum())} day(s) where its holdings are "
            f"undefined (non-finite weights or a zero gross exposure; first {first})")
    H_dec = per_unit
    H = np.zeros_like(H_dec)
    H[delay:] = H_dec[: n - delay] if delay else H_dec
    u_exec = np.zeros(n)
    u_exec[delay:] = u[: n - delay] if delay else u

    H_prev = np.vstack([np.zeros((1, k)), H[:-1]])
    P_prev = np.vstack([np.full((1, k), np.nan), P[:-1]])
    pos = H * P
    pos_prev = np.vstack([np.zeros((1, k)), pos[:-1]])
    traded = np.sum(np.abs(H - H_prev) * P, axis=1)
    kappa = commission_bps * 1e-4
    costs = kappa * traded
    if sizing == "gross":
        if np.any(P <= 0):
            col, row = np.argwhere(P <= 0)[0][::-1]
            raise DataError(f"gross sizing needs positive prices; '{cols[col]}' is "
                            f"{P[row, col]!r} on {prices.index[row]}")
        pnl = np.zeros(n)
        pnl[1:] = np.sum(pos_prev[1:] * (P[1:] - P_prev[1:]) / P_prev[1:], axis=1)
        gross_prev = np.sum(np.abs(pos_prev), axis=1)
        denom = np.where(gross_prev > 0, gross_prev, np.sum(np.abs(pos), axis=1))
        # a day with no exposure before or after the close earns nothing: return 0 by definition
        ret = np.divide(pnl - costs, denom, out=np.zeros(n), where=denom > 0)
        capital = denom
        equity = initial_cash * np.cumprod(1.0 + ret)
    else:
        dP = np.vstack([np.zeros((1, k)), np.diff(P, axis=0)])
        pnl = np.sum(H_prev * dP, axis=1)
        equity = initial_cash + np.cumsum(pnl - costs)
        eq_prev = np.concatenate([[initial_cash], equity[:-1]])
        with np.errstate(invalid="ignore", divide="ignore"):
            ret = equity / eq_prev - 1.0
        capital = eq_prev
    idx = prices.index
    trades = round_trips(u_exec, pnl, costs, index=idx)
    closed = trades.loc[trades["closed"], "pnl"].to_numpy() if len(trades) else np.array([])
    held_over_day = np.concatenate([[0.0], u_exec[:-1]])
    metrics = performance_metrics(ret, equity=equity, initial_cash=initial_cash,
                                  units=held_over_day, trade_pnl=closed, traded=traded,
                                  capital=capital)
    return BacktestResult(
        returns=pd.Series(ret, index=idx, name="return"),
        equity=pd.Series(equity, index=idx, name="equity"),
        pnl=pd.Series(pnl, index=idx, name="pnl"),
        costs=pd.Series(costs, index=idx, name="costs"),
        traded=pd.Series(traded, index=idx, name="traded"),
        capital=pd.Series(capital, index=idx, name="capital"),
        holdings=pd.DataFrame(H, index=idx, columns=cols),
        positions=pd.DataFrame(pos, index=idx, columns=cols),
        units=pd.Series(u_exec, index=idx, name="units"),
        trades=trades, metrics=metrics, signal=signal,
        settings={"sizing": sizing, "stake": float(stake), "initial_cash": float(initial_cash),
                  "commission_bps": float(commission_bps), "delay": delay,
                  "long_only": bool(long_only), "rebalance": bool(rebalance)},
    )
