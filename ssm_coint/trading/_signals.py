r"""Trading signals: Chan's innovation bands, a rolling z-score, Johansen linear mean reversion.

A signal says, at the close of each day :math:`t`, how many *units of the spread* to hold
(:math:`u_t`, positive = long the spread) and what one unit is (the per-unit holdings
:math:`w_{i,t}` of each asset). It uses prices up to and including day :math:`t` only; the
backtest (:func:`ssm_coint.trading.backtest`) makes the position earn from :math:`t` to
:math:`t+1`.

For a hedge-ratio model on price levels one unit is one share of :math:`y` against
:math:`\beta_{j,t}` shares of each :math:`x_j`,

.. math::

    w_t = (1, -\beta_{2,t|t}, \dots, -\beta_{k,t|t}) \quad\text{(shares)},

with the *filtered* hedge ratios of the same day (Chan, *Algorithmic Trading*, 2013, Example 3.3).
On log prices the same vector is read as dollar amounts. For a Johansen portfolio the unit is
the eigenvector in shares (Example 2.8).

Thresholds are arguments, never constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ..exceptions import InsufficientDataError
from ._errors import StrategySpecificationError
from ._path import FilterPath, WeightKind, _fresh_frame

__all__ = [
    "Signal",
    "band_units",
    "chan_bands",
    "johansen_mr",
    "linear_mr_units",
    "rolling_zscore",
    "zscore_signal",
    "position_rule",
    "zscore_units",
]

# --------------------------------------------------------------------------- containers
@dataclass(frozen=True)
class Signal:
    r"""Target position in spread units and what one unit holds.

    Attributes
    ----------
    units : Series
        :math:`u_t`, the number of spread units to hold after the close of day :math:`t`
        (positive: long the spread). Zero where flat.
    weights : DataFrame
        Holdings of one unit, :math:`w_{i,t}` per asset (columns are the assets).
    weight_kind : {"shares", "dollars"}
        Whether ``weights`` are share counts or dollar amounts.
    score : Series
        The statistic the thresholds were applied to (:math:`e_t/\sqrt{Q_t}`, :math:`z_t`, ...).
    name : str
        ``"chan-bands"``, ``"zscore"`` or ``"johansen-mr"``.
    params : dict
        The signal's parameters.
    info : dict
        Estimated quantities (half-life, lookback, eigenvector, ...).
    """

    units: pd.Series
    weights: pd.DataFrame
    weight_kind: WeightKind
    score: pd.Series
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def from_row(self, start: int) -> Signal:
        """Return the signal from row ``start`` on (an evaluation period starting flat)."""
        return Signal(units=self.units.iloc[start:], weights=self.weights.iloc[start:],
                      weight_kind=self.weight_kind, score=self.score.iloc[start:],
                      name=self.name, params=dict(self.params), info=dict(self.info))


# --------------------------------------------------------------------------- primitives
def band_units(e: Any, sd: Any, *, entry_k: float = 1.0, exit_k: float = 1.0,
               long_only: bool = False, tradable: Any = None) -> np.ndarray:
    r"""Chan's band rule on innovations, positions carried forward.

    Parameters
    ----------
    e, sd : array_like, shape (n,)
        Innovation :math:`e_t` and its standard deviation :math:`\sqrt{Q_t}`.
    entry_k, exit_k : float
        Band multiples, :math:`0 \le` ``exit_k`` :math:`\le` ``entry_k``.
    long_only : bool
        Never go short.
    tradable : array_like of bool, optional
        Days on which a position may be held; elsewhere the position is forced flat.

    Returns
    -------
    ndarray
        Units :math:`u_t \in \{-1, 0, 1\}`.

    Notes
    -----
    Long leg :math:`L_t` and short leg :math:`S_t`, each carried forward from the previous day
    unless a rule fires (exit wins over entry, as in Chan's MATLAB code), starting flat:

    .. math::

        L_t = 1 \text{ if } e_t < -k_{in}\sqrt{Q_t};\quad
        L_t = 0 \text{ if } e_t > -k_{out}\sqrt{Q_t};

        S_t = -1 \text{ if } e_t > k_{in}\sqrt{Q_t};\quad
        S_t = 0 \text{ if } e_t < k_{out}\sqrt{Q_t};

    and :math:`u_t = L_t + S_t`. With :math:`k_{in} = k_{out} = 1` this is Example 3.3.
    Comparisons with NaN are false, so a NaN innovation carries the position.
    """
    _check_bands(entry_k, exit_k)
    e = np.asarray(e, float)
    sd = np.asarray(sd, float)
    with np.errstate(invalid="ignore"):
        long_in, long_out = e < -entry_k * sd, e > -exit_k * sd
        short_in, short_out = e > entry_k * sd, e < exit_k * sd
    flat = np.zeros(e.shape, bool) if tradable is None else ~np.asarray(tradable, bool)
    legs = []
    for enter, leave, side in ((long_in, long_out, 1.0), (short_in, short_out, -1.0)):
        if side < 0 and long_only:
            continue
        state = np.full(e.shape, np.nan)
        state[enter] = side
        state[leave | flat] = 0.0
        legs.append(_ffill(state))
    return np.sum(legs, axis=0) if len(legs) > 1 else legs[0]


def position_rule(z: Any, *, entry: float, exit: float, stop: float | None = None,
                  long_only: bool = False, tradable: Any = None) -> np.ndarray:
    r"""The package's one z-score position rule: entry, exit and stop.

    Parameters
    ----------
    z : array_like, shape (n,)
        Z-score known at the close of day t (NaN: no decision, the position is carried).
    entry, exit, stop : float
        :math:`0 \le \text{exit} < \text{entry} < \text{stop}`; ``stop=None`` disables the
        stop.
    long_only : bool
        Never go short.
    tradable : array_like of bool, optional
        Where False the position is forced flat (and any stop block is kept).

    Returns
    -------
    ndarray of int
        Positions :math:`u_t \in \{-1, 0, 1\}`; :math:`u_t` uses :math:`z_1..z_t` only.

    Notes
    -----
    On each day, in this order:

    1. **Exit.** A long closes when :math:`z_t > -\text{exit}` (the spread has reverted to
       within ``exit`` of its mean, or crossed it) or :math:`z_t < -\text{stop}` (stop-loss);
       a short symmetrically (:math:`z_t < \text{exit}` or :math:`z_t > \text{stop}`).
    2. **Stop block.** After a stop-loss no position opens until :math:`|z_t| < \text{exit}`.
    3. **Entry.** When flat and not blocked: long if
       :math:`-\text{stop} \le z_t < -\text{entry}`, short if
       :math:`\text{entry} < z_t \le \text{stop}`. A position is **never opened beyond the
       stop**, and a crossing from one side beyond ``entry`` to the other exits and opens the
       opposite position on the same day.

    Seed 002's backtrader rule differs in three ways, all deliberate: it exits only on
    :math:`|z_t| < \text{exit}` (a long is held while the spread jumps to the rich side), it
    makes one transition per day, and it opens at any :math:`|z_t| > \text{entry}`, including
    beyond its own stop (then stops out the next day).
    """
    stop_v = math.inf if stop is None else float(stop)
    _check_z(entry, exit, stop_v)
    z = np.asarray(z, float)
    if z.ndim != 1:
        raise StrategySpecificationError(f"z must be one-dimensional; got shape {z.shape}")
    ok = np.ones(z.shape, bool) if tradable is None else np.asarray(tradable, bool)
    pos = np.zeros(z.size, dtype=np.int64)
    cur, blocked = 0, False
    for t in range(z.size):
        zt = z[t]
        if not ok[t]:
            cur = 0
        elif zt == zt:  # not NaN
            if blocked:
                blocked = abs(zt) >= exit
            if cur == 1 and (zt > -exit or zt < -stop_v):
                blocked = zt < -stop_v
                cur = 0
            elif cur == -1 and (zt < exit or zt > stop_v):
                blocked = zt > stop_v
                cur = 0
            if cur == 0 and not blocked:
                if -stop_v <= zt < -entry:
                    cur = 1
                elif entry < zt <= stop_v and not long_only:
                    cur = -1
        pos[t] = cur
    return pos


def zscore_units(z: Any, *, entry_z: float, exit_z: float, stop_z: float | None = None,
                 long_only: bool = False, tradable: Any = None) -> np.ndarray:
    r"""Units of the z-score strategy (seed 002's parameters) by :func:`position_rule`.

    Parameters
    ----------
    z : array_like, shape (n,)
        Z-score of the spread (NaN: no decision that day, the position is carried).
    entry_z, exit_z, stop_z : float
        :math:`0 \le z_{out} < z_{in} < z_{stop}`; ``stop_z=None`` disables the stop.
    long_only : bool
        Never go short.
    tradable : array_like of bool, optional
        Where False the position is forced flat.

    Returns
    -------
    ndarray
        Units :math:`u_t \in \{-1, 0, 1\}` (float).
    """
    return position_rule(z, entry=entry_z, exit=exit_z, stop=stop_z, long_only=long_only,
                         tradable=tradable).astype(float)


def rolling_zscore(s: Any, window: int, *, ddof: int = 0) -> np.ndarray:
    r"""Compute a rolling z-score over a full trailing window that includes the current value.

    .. math::

        z_t = \frac{s_t - \bar s_t}{\hat\sigma_t}, \quad
        \bar s_t = \frac1W\sum_{i=t-W+1}^{t} s_i, \quad
        \hat\sigma_t^2 = \frac{1}{W - \text{ddof}}\sum_{i=t-W+1}^{t}(s_i - \bar s_t)^2 .

    NaN until the window is full, where the window holds a NaN, or where
    :math:`\hat\sigma_t = 0`. Each value is computed from its own window only (no running sums),
    so it is unaffected by anything outside the window. Seed 002 uses ``ddof=0`` (``np.std``).

    Parameters
    ----------
    s : array_like
        The series (e.g. a spread).
    window : int
        Window length :math:`W`.
    ddof : int
        Delta degrees of freedom of the standard deviation.

    Returns
    -------
    ndarray
        :math:`z_t`, same length as ``s``.
    """
    s = np.asarray(s, float)
    m, sd = _rolling_mean_std(s, window, ddof)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (s - m) / sd
    z[~(sd > 0)] = np.nan
    return z


def linear_mr_units(s: Any, lookback: int, *, ddof: int = 1) -> np.ndarray:
    r"""Chan's linear mean reversion, :math:`u_t = -(s_t - \mathrm{MA}_t)/\mathrm{MSTD}_t`.

    Moving average and standard deviation over the trailing ``lookback`` values including
    :math:`s_t` (full windows only, ``ddof=1`` as in MATLAB's ``std``); zero before that.

    Parameters
    ----------
    s : array_like
        The spread.
    lookback : int
        Window length of the moving average and standard deviation.
    ddof : int
        Delta degrees of freedom of the moving standard deviation.

    Returns
    -------
    ndarray
        Units :math:`u_t`, same length as ``s``; zero wherever they are not finite.
    """
    s = np.asarray(s, float)
    m, sd = _rolling_mean_std(s, lookback, ddof)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = -(s - m) / sd
    u[~np.isfinite(u)] = 0.0
    return u


# --------------------------------------------------------------------------- signals
def chan_bands(path: FilterPath, *, entry_k: float = 1.0, exit_k: float = 1.0,
               long_only: bool = False) -> Signal:
    r"""Chan's Example 3.3 signal: innovations against :math:`\pm k\sqrt{Q_t}`.

    Parameters
    ----------
    path : FilterPath
        Filter output (:func:`~ssm_coint.trading.kalman_path` or
        :func:`~ssm_coint.trading.walk_forward_path`).
    entry_k, exit_k : float
        Band multiples (Chan: 1 and 1). See :func:`band_units`.
    long_only : bool
        Never go short.

    Returns
    -------
    Signal
        Units in :math:`\{-1,0,1\}`, per-unit holdings :math:`(1, -\beta_{t|t})`, score
        :math:`e_t/\sqrt{Q_t}`.
    """
    e = path.forecast_error.to_numpy()
    q = path.forecast_error_var.to_numpy()
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(q)
    ok = (path.tradable & path.valid).to_numpy()
    units = band_units(e, sd, entry_k=entry_k, exit_k=exit_k, long_only=long_only, tradable=ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = e / sd
    return Signal(
        units=pd.Series(units, index=path.index, name="units"),
        weights=path.weights, weight_kind=path.weight_kind,
        score=pd.Series(score, index=path.index, name="e_over_sqrtQ"), name="chan-bands",
        params={"entry_k": float(entry_k), "exit_k": float(exit_k), "long_only": bool(long_only)},
    )


def zscore_signal(path: FilterPath, *, window: int = 60, entry_z: float = 2.0,
                  exit_z: float = 0.5, stop_z: float | None = 4.0, long_only: bool = False,
                  ddof: int = 0) -> Signal:
    r"""Seed 002's signal: rolling z-score of the Kalman spread with entry, exit and stop.

    Parameters
    ----------
    path : FilterPath
        Filter output; the spread is :math:`s_t = y_t - \sum_j \beta_{j,t|t} x_{j,t}`.
    window : int
        Rolling window :math:`W` of the z-score (:func:`rolling_zscore`).
    entry_z, exit_z, stop_z : float
        Thresholds of :func:`zscore_units`.
    long_only : bool
        Never go short.
    ddof : int
        Degrees of freedom of the rolling standard deviation (seed 002: 0).

    Returns
    -------
    Signal
    """
    if int(window) != window or window < 2:
        raise StrategySpecificationError(f"window must be an integer >= 2, got {window!r}")
    z = rolling_zscore(path.spread.to_numpy(), int(window), ddof=ddof)
    ok = (path.tradable & path.valid).to_numpy()
    units = zscore_units(z, entry_z=entry_z, exit_z=exit_z, stop_z=stop_z,
                         long_only=long_only, tradable=ok)
    return Signal(
        units=pd.Series(units, index=path.index, name="units"),
        weights=path.weights, weight_kind=path.weight_kind,
        score=pd.Series(z, index=path.index, name="zscore"), name="zscore",
        params={"window": int(window), "entry_z": float(entry_z), "exit_z": float(exit_z),
                "stop_z": None if stop_z is None else float(stop_z),
                "long_only": bool(long_only), "ddof": int(ddof)},
    )


def johansen_mr(prices: pd.DataFrame, *, lookback: int | None = None,
                eigenvector: Any = None, estimation_end: Any = None, which: int = 0,
                det_order: int = 0, k_ar_diff: int = 1, long_only: bool = False) -> Signal:
    r"""Chan's Example 2.8: linear mean reversion on a Johansen portfolio.

    Parameters
    ----------
    prices : DataFrame
        Price levels of the assets (columns).
    lookback : int, optional
        Moving-window length; by default :math:`\operatorname{round}(h)` (half away from zero)
        with :math:`h` the half-life of the portfolio over the estimation sample.
    eigenvector : array_like, optional
        Portfolio weights in shares; by default eigenvector ``which`` of Johansen's test on
        the estimation sample.
    estimation_end : date-like, optional
        Last day of the estimation sample for the eigenvector and half-life. ``None`` uses the
        whole sample, as Chan does (in-sample: the weights then depend on future prices).
        Set it (or give ``eigenvector`` and ``lookback``) for a causal signal.
    which, det_order, k_ar_diff : int
        Johansen options (Chan: 0, 0, 1).
    long_only : bool
        Clip units at zero.

    Returns
    -------
    Signal
        ``info`` holds ``half_life``, ``lookback``, ``eigenvector`` and ``estimation_end``.

    Notes
    -----
    With the portfolio :math:`s_t = \sum_i v_i p_{i,t}`,

    .. math::

        u_t = -\frac{s_t - \mathrm{MA}_L(s)_t}{\mathrm{MSTD}_L(s)_t}, \qquad
        \text{dollar position}_{i,t} = u_t\, v_i\, p_{i,t},

    and the half-life is :math:`-\ln 2/\hat\lambda` from the OLS of :math:`\Delta s_t` on
    :math:`s_{t-1}` with a constant (:func:`ssm_coint.half_life`).
    """
    from ..coint import half_life as _half_life
    from ..coint import johansen as _johansen

    prices = _fresh_frame(prices)
    est = prices if estimation_end is None else _fresh_frame(prices.loc[:estimation_end])
    if len(est) < 10:
        raise InsufficientDataError(
            f"the Johansen estimation sample has {len(est)} rows; at least 10 are needed")
    if eigenvector is None:
        vec = _johansen(est, det_order=det_order, k_ar_diff=k_ar_diff).eigenvectors
        v = vec.iloc[:, which].to_numpy(dtype=float)
    else:
        v = np.asarray(eigenvector, float).ravel()
        if v.shape != (prices.shape[1],):
            raise StrategySpecificationError(
                f"eigenvector must have {prices.shape[1]} elements, got {v.shape}")
    spread = pd.Series(np.ascontiguousarray(prices.to_numpy()) @ v, index=prices.index,
                       name="portfolio")
    hl = float(_half_life(spread.loc[est.index]).half_life)
    if lookback is None:
        if not math.isfinite(hl):
            raise StrategySpecificationError(
                "the Johansen portfolio does not mean-revert over the estimation sample "
                "(infinite half-life); give lookback explicitly")
        lookback = int(math.floor(hl + 0.5))
    if int(lookback) != lookback or lookback < 2:
        raise StrategySpecificationError(f"lookback must be an integer >= 2, got {lookback!r}")
    lookback = int(lookback)
    u = linear_mr_units(spread.to_numpy(), lookback)
    if long_only:
        u = np.clip(u, 0.0, None)
    m, sd = _rolling_mean_std(spread.to_numpy(), lookback, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (spread.to_numpy() - m) / sd
    weights = pd.DataFrame(np.tile(v, (len(prices), 1)), index=prices.index,
                           columns=list(prices.columns))
    return Signal(
        units=pd.Series(u, index=prices.index, name="units"), weights=weights,
        weight_kind="shares", score=pd.Series(score, index=prices.index, name="zscore"),
        name="johansen-mr",
        params={"lookback": lookback, "long_only": bool(long_only), "which": int(which),
                "det_order": int(det_order), "k_ar_diff": int(k_ar_diff)},
        info={"half_life": hl, "lookback": lookback,
              "eigenvector": dict(zip(map(str, prices.columns), map(float, v), strict=True)),
              "estimation_end": None if estimation_end is None else str(est.index[-1])},
    )


# --------------------------------------------------------------------------- helpers
def _ffill(state: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value forward; leading NaN become 0."""
    idx = np.where(np.isnan(state), 0, np.arange(state.shape[0]))
    np.maximum.accumulate(idx, out=idx)
    out = state[idx]
    out[np.isnan(out)] = 0.0
    return out


def _rolling_mean_std(s: np.ndarray, window: int, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    n = s.shape[0]
    m = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    if window > n or window - ddof <= 0:
        return m, sd
    win = sliding_window_view(s, window)
    with np.errstate(invalid="ignore"):
        m[window - 1:] = win.mean(axis=1)
        sd[window - 1:] = win.std(axis=1, ddof=ddof)
    return m, sd


def _check_bands(entry_k: float, exit_k: float) -> None:
    if not (np.isfinite(entry_k) and entry_k > 0):
        raise StrategySpecificationError(f"entry_k must be positive, got {entry_k!r}")
    if not (0 <= exit_k <= entry_k):
        raise StrategySpecificationError(
            f"exit_k must lie in [0, entry_k] = [0, {entry_k}], got {exit_k!r}")


def _check_z(entry_z: float, exit_z: float, stop_z: float) -> None:
    if not (0 <= exit_z < entry_z < stop_z):
        raise StrategySpecificationError(
            "thresholds must satisfy 0 <= exit_z < entry_z < stop_z; got "
            f"exit_z={exit_z}, entry_z={entry_z}, stop_z={stop_z}")
