r"""Filter paths for trading: in sample, and walk-forward with periodic re-calibration.

Walk-forward (no look-ahead). With ``train_days`` :math:`M` and ``step`` :math:`N`, block
:math:`b = 0, 1, \dots` trades days :math:`[s_b, s_b + N)` with :math:`s_b = M + bN`. Its
parameters :math:`\theta_b` are calibrated on the trailing window :math:`[s_b - M, s_b)` only
and then frozen for the block. The filter runs on without restarting: block 0 starts the filter
at day 0 (the first training window, the model's own initialization built from that window
alone), and block :math:`b \ge 1` starts from the filtered state of day :math:`s_b - 1`,
pushed through one prediction step with the new parameters,

.. math::

    a_{s_b} = c_b + T_b\, \beta_{s_b-1|s_b-1}, \qquad
    P_{s_b} = T_b P_{s_b-1|s_b-1} T_b' + Q_b .

Every quantity of day :math:`t` is therefore a function of prices up to :math:`t`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..exceptions import SampleSplitError
from ._errors import StrategySpecificationError
from ._path import FilterPath, _fresh_frame
from ._signals import Signal, _rolling_mean_std, linear_mr_units

__all__ = ["WalkForward", "kalman_path", "walk_forward_johansen", "walk_forward_path",
           "calibrate"]

Calibrator = Callable[[pd.DataFrame], Calibration]


def calibrate(prices: pd.DataFrame, method: str | Calibrator = "chan", *,
              variant: str = "full", delta: float = 1e-4, ve: float = 1e-3,
              initialization: str | None = None) -> Calibration:
    """Calibrate the hedge-ratio model on ``prices`` with a named method or a callable.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` (levels or logs).
    method : str or callable
        A name of the calibration registry (:mod:`ssm_coint.estimation.registry`: chan, mle,
        em, adaptive, pykalman-em), or a callable that gets ``prices`` and returns a
        :class:`~ssm_coint.Calibration`.
    variant : str
        MLE variant (``full``, ``mu0``, ``alpha1``).
    delta, ve : float
        Chan's parameters.
    initialization : str, optional
        Filter start; default the method's (Chan's zero start for chan, diffuse for mle and
        em; adaptive and pykalman-em have their own and refuse one).
    """
    from ..estimation.registry import METHOD_NAMES
    from ..estimation.registry import calibrate as run_method

    if callable(method):
        return method(prices)
    if method not in METHOD_NAMES:
        raise StrategySpecificationError(
            f"unknown calibration method {method!r}; use {', '.join(METHOD_NAMES)}")
    opts = {"delta": delta, "ve": ve} if method == "chan" else {}
    return run_method(prices, method, variant=variant, initialization=initialization, **opts)


def kalman_path(prices: pd.DataFrame, method: str | Calibrator = "chan", *,
                variant: str = "full", delta: float = 1e-4, ve: float = 1e-3,
                initialization: str | None = None,
                log_prices: bool = False) -> tuple[FilterPath, Calibration]:
    """Calibrate on the whole sample and return the filter path (in sample).

    With ``method="mle"`` the parameters use every price, so a backtest on the same sample
    has look-ahead in its parameters (not in its states); use :func:`walk_forward_path` for an
    honest test. Chan's method fixes the parameters a priori and is causal.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` (levels or logs).
    method, variant, delta, ve, initialization
        See :func:`calibrate`.
    log_prices : bool
        Marks the path as log prices (one spread unit is then in dollars).

    Returns
    -------
    path : FilterPath
        The filter output on the whole sample.
    calibration : Calibration
        The calibration it was run with.
    """
    cal = calibrate(prices, method, variant=variant, delta=delta, ve=ve,
                    initialization=initialization)
    return FilterPath.from_results(cal.results, log_prices=log_prices), cal


@dataclass(frozen=True)
class WalkForward:
    """Output of :func:`walk_forward_path`.

    Attributes
    ----------
    path : FilterPath
        The causal filter path; ``tradable`` is False before the first out-of-sample day.
    blocks : DataFrame
        One row per block: ``train_start``, ``train_end``, ``test_start``, ``test_end``,
        ``llf`` (training window), ``half_life``, ``converged`` and every parameter.
    calibrations : list of Calibration
        The calibration of each block.
    """

    path: FilterPath
    blocks: pd.DataFrame
    calibrations: list[Calibration] = field(default_factory=list)


def _schedule(n: int, step: int, train_days: int) -> list[tuple[int, int]]:
    if int(step) != step or step < 1:
        raise StrategySpecificationError(f"walk-forward step must be a positive integer, "
                                         f"got {step!r}")
    if int(train_days) != train_days or train_days < 10:
        raise StrategySpecificationError(f"train_days must be an integer >= 10, "
                                         f"got {train_days!r}")
    if train_days >= n:
        raise SampleSplitError(f"train_days = {train_days} leaves no out-of-sample day in "
                               f"{n} observations")
    return [(s, min(s + int(step), n)) for s in range(int(train_days), n, int(step))]


def walk_forward_path(prices: pd.DataFrame, *, step: int, train_days: int,
                      method: str | Calibrator = "chan", variant: str = "full",
                      delta: float = 1e-4, ve: float = 1e-3, initialization: str | None = None,
                      log_prices: bool = False) -> WalkForward:
    """Walk-forward filter path: re-calibrate every ``step`` days on ``train_days`` days.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` (levels or logs) over the whole period.
    step : int
        Re-calibration interval :math:`N` (days traded with frozen parameters).
    train_days : int
        Length :math:`M` of the trailing calibration window.
    method, variant, delta, ve, initialization
        See :func:`calibrate`.
    log_prices : bool
        Marks the path as log prices (one spread unit is then in dollars).

    Returns
    -------
    WalkForward

    Notes
    -----
    See the module notes. Days :math:`< M` only warm the filter up; ``tradable`` is False
    there.
    """
    from .. import kalman
    from ..estimation import hedge_model

    prices = _fresh_frame(prices)
    n, k = prices.shape
    sched = _schedule(n, step, train_days)
    y = prices.iloc[:, 0].to_numpy()
    Z = np.column_stack([np.ones(n), prices.iloc[:, 1:].to_numpy()])
    e = np.full(n, np.nan)
    F = np.full(n, np.nan)
    filt = np.full((n, k), np.nan)
    valid = np.ones(n, bool)
    rows, cals = [], []
    state: tuple[np.ndarray, np.ndarray] | None = None
    for b, (s, end) in enumerate(sched):
        train = _fresh_frame(prices.iloc[s - train_days:s])
        cal = calibrate(train, method, variant=variant, delta=delta, ve=ve,
                        initialization=initialization)
        cals.append(cal)
        model = hedge_model(train, variant="full", initialization=cal.results.model.initialization
                            if cal.results is not None else (initialization or "diffuse"))
        full = np.asarray(cal.params.reindex(model.all_param_names).to_numpy(), float)
        sysm = model.system(full)
        if state is None:  # block 0: filter from the start of the first training window
            lo = s - train_days
            a1, P1, Pinf1 = sysm["a1"], sysm["P1"], sysm["Pinf1"]
        else:
            lo = s
            t, q = sysm["tdiag"], sysm["q"]
            a1 = sysm["cvec"] + t * state[0]
            P1 = state[1] * np.outer(t, t) + np.diag(q)
            P1 = 0.5 * (P1 + P1.T)
            Pinf1 = np.zeros((k, k))
        out = kalman.run_filter(y[lo:end], Z[lo:end], sysm["tdiag"], sysm["cvec"], sysm["q"],
                                sysm["r"], a1, P1, Pinf1)
        e[lo:end] = out.forecast_error
        F[lo:end] = out.forecast_error_var
        filt[lo:end] = out.filtered_state
        if state is None:
            valid[lo:lo + out.nobs_diffuse] = False
        state = (out.filtered_state[-1].copy(), out.filtered_state_cov[-1].copy())
        idx = prices.index
        rows.append({"block": b, "train_start": idx[s - train_days], "train_end": idx[s - 1],
                     "test_start": idx[s], "test_end": idx[end - 1], "llf": float(cal.llf),
                     "half_life": _finite(cal.half_life), "converged": bool(cal.converged),
                     **{name: float(v) for name, v in zip(model.all_param_names, full,
                                                          strict=True)}})
    idx = prices.index
    tradable = np.arange(n) >= sched[0][0]
    names = ["intercept"] + [str(c) for c in prices.columns[1:]]
    path = FilterPath(
        prices=prices, forecast_error=pd.Series(e, index=idx, name="e"),
        forecast_error_var=pd.Series(F, index=idx, name="Q"),
        filtered=pd.DataFrame(filt, index=idx, columns=names),
        valid=pd.Series(valid, index=idx), tradable=pd.Series(tradable & valid, index=idx),
        log_prices=log_prices)
    return WalkForward(path=path, blocks=pd.DataFrame(rows), calibrations=cals)


def walk_forward_johansen(prices: pd.DataFrame, *, step: int, train_days: int,
                          lookback: int | None = None, which: int = 0, det_order: int = 0,
                          k_ar_diff: int = 1, long_only: bool = False) -> Signal:
    r"""Johansen linear mean reversion, re-estimated every ``step`` days on ``train_days``.

    For block :math:`b` the eigenvector :math:`v_b` and the half-life (hence the lookback
    :math:`L_b = \operatorname{round}(h_b)` unless given) come from the trailing window
    :math:`[s_b - M, s_b)`; on each day of the block the units are
    :math:`-(s_t - \mathrm{MA}_{L_b})/\mathrm{MSTD}_{L_b}` of :math:`s = p\,v_b` over the last
    :math:`L_b` days. Flat before the first out-of-sample day. ``info["blocks"]`` lists the
    blocks.

    Parameters
    ----------
    prices : DataFrame
        Price levels ``y, x_2, ..., x_k`` over the whole period.
    step : int
        Re-estimation interval :math:`N` (days traded with a frozen eigenvector).
    train_days : int
        Length :math:`M` of the trailing estimation window (at least 10).
    lookback : int, optional
        Fixed lookback :math:`L`; default the rounded half-life of each block (a block stays
        flat when it is not finite or not in ``[2, s_b]``).
    which : int
        Column of the Johansen eigenvectors to trade (0: the first).
    det_order, k_ar_diff : int
        Passed to :func:`ssm_coint.coint.johansen`.
    long_only : bool
        Never go short (negative units are set to zero).

    Returns
    -------
    Signal
        Units, per-unit share holdings :math:`v_b`, the rolling z-score as score,
        ``name="johansen-mr"``; ``info`` holds ``blocks`` and the last ``half_life``.
    """
    from ..coint import half_life as _half_life
    from ..coint import johansen as _johansen

    prices = _fresh_frame(prices)
    n, k = prices.shape
    sched = _schedule(n, step, train_days)
    P = np.ascontiguousarray(prices.to_numpy())
    units = np.zeros(n)
    score = np.full(n, np.nan)
    W = np.zeros((n, k))
    rows = []
    for b, (s, end) in enumerate(sched):
        train = _fresh_frame(prices.iloc[s - train_days:s])
        v = _johansen(train, det_order=det_order, k_ar_diff=k_ar_diff).eigenvectors
        v = v.iloc[:, which].to_numpy(dtype=float)
        hl = float(_half_life(np.ascontiguousarray(train.to_numpy()) @ v).half_life)
        lb = lookback if lookback is not None else (
            int(math.floor(hl + 0.5)) if math.isfinite(hl) else None)
        W[s:end] = v
        if lb is not None and 2 <= lb <= s:
            seg = P[s - lb + 1:end] @ v
            units[s:end] = linear_mr_units(seg, lb)[lb - 1:]
            m, sd = _rolling_mean_std(seg, lb, 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                score[s:end] = ((seg - m) / sd)[lb - 1:]
        rows.append({"block": b, "train_start": prices.index[s - train_days],
                     "train_end": prices.index[s - 1], "test_start": prices.index[s],
                     "test_end": prices.index[end - 1], "half_life": _finite(hl),
                     "lookback": lb, **{f"evec.{c}": float(x)
                                        for c, x in zip(prices.columns, v, strict=True)}})
    if long_only:
        units = np.clip(units, 0.0, None)
    idx = prices.index
    blocks = pd.DataFrame(rows)
    return Signal(
        units=pd.Series(units, index=idx, name="units"),
        weights=pd.DataFrame(W, index=idx, columns=list(prices.columns)), weight_kind="shares",
        score=pd.Series(score, index=idx, name="zscore"), name="johansen-mr",
        params={"lookback": lookback, "long_only": bool(long_only), "which": int(which),
                "det_order": int(det_order), "k_ar_diff": int(k_ar_diff), "step": int(step),
                "train_days": int(train_days)},
        info={"blocks": blocks,
              "half_life": _finite(blocks["half_life"].iloc[-1]) if len(blocks) else None},
    )


def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None
