r"""Performance metrics of a daily return series and of the round trips behind it.

Conventions follow ``chan_published_results.json`` ("conventions"), with :math:`n` days
(flat days included) and daily returns :math:`r_t`:

.. math::

    \text{total return} = \prod_t (1 + r_t) - 1, \qquad
    \text{APR} = \Bigl(\prod_t (1 + r_t)\Bigr)^{252/n} - 1, \qquad
    \text{Sharpe} = \sqrt{252}\,\frac{\bar r}{s_r}\ (s_r \text{ with ddof} = 1,
    \text{ no risk-free rate}).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError

__all__ = ["PerformanceMetrics", "performance_metrics", "round_trips", "TRADING_DAYS"]

#: Trading days per year used for annualisation.
TRADING_DAYS = 252


@dataclass(frozen=True)
class PerformanceMetrics:
    r"""Summary statistics of a backtest.

    Attributes
    ----------
    total_return : float
        :math:`\prod(1+r_t) - 1`.
    apr : float
        :math:`\prod(1+r_t)^{252/n} - 1`.
    sharpe : float
        :math:`\sqrt{252}\,\bar r / s_r` (ddof 1); NaN when :math:`s_r = 0`.
    volatility : float
        :math:`\sqrt{252}\, s_r`.
    max_drawdown : float
        Largest fall of the equity curve from its running peak, as a fraction of the peak,
        :math:`\max_t (1 - E_t / \max_{s \le t} E_s)` (the starting capital counts as a peak).
    max_drawdown_money : float
        The same fall in money, :math:`\max_t (\max_{s\le t} E_s - E_t)`.
    max_drawdown_duration : int
        Longest run of days spent below a previous peak.
    calmar : float
        APR / max drawdown (NaN without a drawdown).
    n_trades : int
        Closed round trips (open to flat, or to the opposite side).
    hit_rate : float
        Fraction of closed round trips with positive net P&L (NaN without trades).
    exposure : float
        Fraction of days on which a position was held (earning from :math:`t-1` to :math:`t`).
    turnover : float
        Annualised traded notional over the average capital employed,
        :math:`(252/n)\sum_t T_t \,/\, \bar D` with :math:`\bar D` the mean of the capital
        :math:`D_t > 0` (so that commission costs about ``bps * turnover`` a year while
        invested).
    n_days : int
        Days in the sample.
    final_equity : float
        :math:`E_n`.
    """

    total_return: float
    apr: float
    sharpe: float
    volatility: float
    max_drawdown: float
    max_drawdown_money: float
    max_drawdown_duration: int
    calmar: float
    n_trades: int
    hit_rate: float
    exposure: float
    turnover: float
    n_days: int
    final_equity: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite floats become ``None``)."""
        return {k: _clean(v) for k, v in asdict(self).items()}


def _finite(values: Any, name: str) -> np.ndarray:
    """``values`` as floats; a non-finite entry is an error, never silently zero."""
    arr = np.asarray(values, float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"{name} has {int(bad.sum())} non-finite value(s) (first at position "
                        f"{int(np.flatnonzero(bad)[0])}); metrics need finite numbers")
    return arr


def performance_metrics(returns: Any, *, equity: Any = None, initial_cash: float = 1.0,
                        units: Any = None, trade_pnl: Any = None, traded: Any = None,
                        capital: Any = None,
                        periods_per_year: int = TRADING_DAYS) -> PerformanceMetrics:
    r"""Compute :class:`PerformanceMetrics` from daily returns.

    Parameters
    ----------
    returns : array_like, shape (n,)
        Daily returns :math:`r_t` (finite; a NaN or inf is an error, never taken as 0).
    equity : array_like, optional
        Equity curve :math:`E_t` in money; by default ``initial_cash * cumprod(1 + r)``.
    initial_cash : float
        :math:`E_0`, the capital before the first day (a peak for the drawdown).
    units : array_like, optional
        Units held over each day (earning from :math:`t-1` to :math:`t`); gives exposure.
    trade_pnl : array_like, optional
        Net P&L of each closed round trip (:func:`round_trips`); gives the trade count and the
        hit rate.
    traded, capital : array_like, optional
        Daily traded notional :math:`T_t` and the capital :math:`D_t` it is measured against
        (gross exposure, or the previous equity); give the turnover.
    periods_per_year : int
        252 for daily data.

    Returns
    -------
    PerformanceMetrics
    """
    r = _finite(returns, "returns")
    n = int(r.shape[0])
    growth = float(np.prod(1.0 + r)) if n else 1.0
    total = growth - 1.0
    apr = growth ** (periods_per_year / n) - 1.0 if n and growth > 0 else math.nan
    sd = float(np.std(r, ddof=1)) if n > 1 else math.nan
    sharpe = math.sqrt(periods_per_year) * float(np.mean(r)) / sd if sd > 0 else math.nan
    eq = (initial_cash * np.cumprod(1.0 + r) if equity is None
          else np.asarray(equity, float))
    eq0 = np.concatenate([[float(initial_cash)], eq])
    peak = np.maximum.accumulate(eq0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dd_frac = np.where(peak > 0, 1.0 - eq0 / peak, np.nan)
    max_dd = float(np.nanmax(dd_frac)) if eq0.size else 0.0
    max_dd_money = float(np.max(peak - eq0))
    below = peak > eq0
    longest, run = 0, 0
    for b in below:
        run = run + 1 if b else 0
        longest = max(longest, run)
    calmar = apr / max_dd if max_dd > 0 and math.isfinite(apr) else math.nan
    pnl = None if trade_pnl is None else np.asarray(trade_pnl, float)
    n_trades = 0 if pnl is None else int(pnl.size)
    hit = float(np.mean(pnl > 0)) if pnl is not None and pnl.size else math.nan
    exposure = (float(np.mean(np.asarray(units, float) != 0)) if units is not None and n
                else math.nan)
    turn = math.nan
    if traded is not None and capital is not None and n:
        cap = np.asarray(capital, float)
        cap = cap[np.isfinite(cap) & (cap > 0)]
        if cap.size:
            turn = (periods_per_year / n) * float(np.nansum(np.asarray(traded, float))) / float(
                np.mean(cap))
    return PerformanceMetrics(
        total_return=total, apr=apr, sharpe=sharpe,
        volatility=math.sqrt(periods_per_year) * sd if math.isfinite(sd) else math.nan,
        max_drawdown=max_dd, max_drawdown_money=max_dd_money,
        max_drawdown_duration=int(longest), calmar=calmar, n_trades=n_trades, hit_rate=hit,
        exposure=exposure, turnover=turn, n_days=n, final_equity=float(eq0[-1]),
    )


def round_trips(held: Any, pnl: Any, costs: Any = None, index: Any = None) -> pd.DataFrame:
    r"""Round trips of a position path and their net P&L.

    Parameters
    ----------
    held : array_like, shape (n,)
        Units held after the close of each day (as executed, after any delay).
    pnl : array_like, shape (n,)
        Gross P&L of day :math:`t` (earned by ``held[t-1]`` from :math:`t-1` to :math:`t`).
    costs : array_like, optional
        Commission paid at the close of day :math:`t`.
    index : Index, optional
        Dates for the ``entry``/``exit`` columns.

    Returns
    -------
    DataFrame
        One row per trade: ``entry``, ``exit`` (None while open), ``side`` (+1/-1), ``days``,
        ``pnl`` (net of costs) and ``closed``.

    Notes
    -----
    A trade is a maximal run of days with positions of one sign; it opens when the sign
    becomes non-zero and closes when it returns to zero or flips (a flip closes one trade and
    opens another). Day :math:`t`'s P&L belongs to the trade held over :math:`(t-1, t]`.
    Commission at close :math:`t` belongs to the trade held after the close (entry or
    rebalance) or, when going flat, to the trade being closed; on a flip all of it is charged
    to the new trade.
    """
    h = np.sign(_finite(held, "held"))
    p = _finite(pnl, "pnl")
    c = np.zeros_like(p) if costs is None else _finite(costs, "costs")
    n = h.shape[0]
    idx = pd.RangeIndex(n) if index is None else pd.Index(index)
    prev = np.concatenate([[0.0], h[:-1]])
    opens = (h != 0) & (h != prev)
    tid = np.cumsum(opens)  # trade id of the position held after close t (if h != 0)
    trade_after = np.where(h != 0, tid, 0)
    trade_before = np.concatenate([[0], trade_after[:-1]])
    n_tr = int(tid[-1]) if n else 0
    total = np.zeros(n_tr + 1)
    np.add.at(total, trade_before, p)
    cost_owner = np.where(h != 0, trade_after, trade_before)
    np.add.at(total, cost_owner, -c)
    rows = []
    starts = np.flatnonzero(opens)
    for k, s in enumerate(starts, start=1):
        later = np.flatnonzero(trade_after[s:] != k)
        end = s + int(later[0]) if later.size else None
        rows.append({
            "entry": idx[s], "exit": None if end is None else idx[end],
            "side": int(h[s]), "days": (n - s) if end is None else end - s,
            "pnl": float(total[k]), "closed": end is not None,
        })
    return pd.DataFrame(rows, columns=["entry", "exit", "side", "days", "pnl", "closed"])


def _clean(x: Any) -> Any:
    if isinstance(x, float | np.floating):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x
