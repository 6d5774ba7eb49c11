"""Every calibration method on one exact likelihood, in and out of sample (SPEC section 4)."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .estimation.registry import METHODS as REGISTRY
from .estimation.registry import calibrate
from .exceptions import ModelSpecificationError, SampleSplitError, SsmCointError

__all__ = ["compare_methods", "METHODS", "evaluate_out_of_sample"]


#: the calibration methods (the one registry, :mod:`ssm_coint.estimation.registry`)
METHODS = REGISTRY


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    """Distinct warning texts, in order."""
    out: list[str] = []
    for w in caught:
        text = str(w.message)
        if text not in out:
            out.append(text)
    return out


def _adf_p(series: pd.Series, label: str, notes: list[str]) -> float:
    """ADF p-value of ``series``; NaN with the reason appended to ``notes`` if unusable."""
    from .coint import adf

    res = adf(series.dropna(), errors="coerce")
    if not res.is_valid:
        notes.append(f"ADF p-value {label} not computed: {res.reason}")
        return math.nan
    return float(res.pvalue)


def evaluate_out_of_sample(prices: pd.DataFrame, params: pd.Series, n_train: int) -> dict:
    """Filter the whole sample with frozen parameters and score the test window.

    Returns
    -------
    dict
        ``llf_in`` (train window), ``llf_out`` (predictive log-likelihood of the test window given
        the training window: the sum of one-step log densities after ``n_train``), ``adf_p_in``
        and ``adf_p_out`` (ADF p-values of the filtered spread
        :math:`y_t - \\sum_{j\\ge2}\\beta_{j,t|t}x_{j,t}` in each window; NaN with the reason
        in ``notes`` when a window's spread is unusable, e.g. too short).
    """
    from .estimation import hedge_model

    model = hedge_model(prices, variant="full")
    out = model.core_filter(params.reindex(model.all_param_names).to_numpy())
    llf_obs = out.llf_obs
    filt = out.filtered_state
    y = prices.iloc[:, 0].to_numpy()
    X = prices.iloc[:, 1:].to_numpy()
    spread = pd.Series(y - np.sum(X * filt[:, 1:], axis=1), index=prices.index)
    notes: list[str] = []
    return {
        "llf_in": float(np.sum(llf_obs[:n_train])),
        "llf_out": float(np.sum(llf_obs[n_train:])),
        "adf_p_in": _adf_p(spread.iloc[:n_train], "in sample", notes),
        "adf_p_out": _adf_p(spread.iloc[n_train:], "out of sample", notes),
        "spread": spread,
        "notes": notes,
    }


def compare_methods(prices: pd.DataFrame, *, train_end: Any, variant: str = "full",
                    methods: Sequence[str] = ("mle", "em", "adaptive", "pykalman-em", "chan"),
                    options: dict | None = None) -> pd.DataFrame:
    """Calibrate every method on the training window and score all on the model's likelihood.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2..x_k``.
    train_end : date-like
        Last day of the training window (inclusive); the rest is the test window.
    variant : str
        Model variant for the methods that take one (MLE, EM). Adaptive tuning is always the
        seed's mu0 model; Chan's filter is alpha1 with fixed noise; pykalman is unconstrained
        and projected.
    options : dict
        ``delta``, ``ve`` (Chan), ``passes`` (adaptive), ``pykalman_iter``.

    Returns
    -------
    DataFrame
        One row per method: ``method, params, llf, aic, bic, alpha, half_life, runtime_s,
        converged, adf_p_in, llf_out, adf_p_out, warnings``. ``llf`` is the exact log-likelihood
        (exact diffuse start) of the training window; ``llf_out`` the predictive log-likelihood
        of the test window with parameters frozen and the filter state carried on.

    Notes
    -----
    In-sample ADF p-values of Kalman-filtered spreads are close to meaningless: the filtered
    state has already absorbed each day's residual. They are reported because the folk methods
    are judged by them; ``adf_p_out`` and ``llf_out`` are the honest numbers.
    """
    opts = dict(options or {})
    end = pd.Timestamp(train_end)
    n_train = int(np.sum(prices.index <= end))
    if n_train < 30 or n_train >= len(prices) - 20:
        raise SampleSplitError(
            f"train/test split at {end.date()} leaves {n_train} training and "
            f"{len(prices) - n_train} test observations (data {prices.index[0].date()} .. "
            f"{prices.index[-1].date()}); need at least 30 and 20")
    train = prices.iloc[:n_train]
    rows = []
    for name in methods:
        if name not in METHODS:
            raise ModelSpecificationError(
                f"unknown method {name!r}; choose from {', '.join(METHODS)}")
        t0 = time.perf_counter()
        method_opts = {k: v for k, v in opts.items() if k in METHODS[name].options}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                cal = calibrate(train, name, variant=variant, **method_opts)
            except (SsmCointError, ArithmeticError, np.linalg.LinAlgError) as exc:
                # one failing method must not stop the table: its row says why
                rows.append({"method": name, "params": {}, "llf": math.nan, "aic": math.nan,
                             "bic": math.nan, "alpha": math.nan, "half_life": math.nan,
                             "runtime_s": time.perf_counter() - t0, "converged": False,
                             "adf_p_in": math.nan, "llf_out": math.nan, "adf_p_out": math.nan,
                             "warnings": [f"failed: {type(exc).__name__}: {exc}"]
                             + _messages(caught)})
                continue
        ev = evaluate_out_of_sample(prices, cal.params, n_train)
        warns = list(cal.warnings)
        warns += [m for m in _messages(caught) + ev["notes"] if m not in warns]
        if not math.isclose(ev["llf_in"], cal.llf, rel_tol=1e-6, abs_tol=1e-6):
            warns.append(f"llf of the training window on the exact diffuse scale is "
                         f"{ev['llf_in']:.4f}; the method's own start convention gives "
                         f"{cal.llf:.4f}")
        rows.append({
            "method": name,
            "params": {k: float(v) for k, v in cal.params.items()},
            "llf": ev["llf_in"],
            "aic": -2 * ev["llf_in"] + 2 * cal.k_free,
            "bic": -2 * ev["llf_in"] + cal.k_free * math.log(n_train),
            "alpha": cal.alpha,
            "half_life": cal.half_life,
            "runtime_s": cal.runtime_s,
            "converged": cal.converged,
            "adf_p_in": ev["adf_p_in"],
            "llf_out": ev["llf_out"],
            "adf_p_out": ev["adf_p_out"],
            "warnings": warns,
        })
    table = pd.DataFrame(rows)
    table.attrs.update({"n_train": n_train, "n_test": len(prices) - n_train,
                        "train_end": str(prices.index[n_train - 1].date())})
    return table
