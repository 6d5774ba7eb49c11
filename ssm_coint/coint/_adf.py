r"""Augmented Dickey-Fuller unit-root test.

The test regression, for ``regression="c"``, is

.. math::

    \Delta y_t = \alpha + \gamma\, y_{t-1} + \sum_{i=1}^{p} \delta_i\, \Delta y_{t-i}
    + \varepsilon_t ,

with :math:`H_0: \gamma = 0` (unit root) against :math:`H_1: \gamma < 0` (stationary).
The statistic is the OLS t-ratio :math:`\hat\gamma / \operatorname{se}(\hat\gamma)`; p-values
and critical values are MacKinnon's (1994, 2010), as computed by statsmodels ``adfuller``.
"""

from __future__ import annotations

import inspect
from typing import Any, Literal

from statsmodels.tsa.stattools import adfuller

from ssm_coint.coint._results import (
    CRIT_LEVELS,
    MIN_NOBS_TEST,
    ErrorsPolicy,
    InvalidTestStatistic,
    TestResult,
    as_series,
    check_errors,
)
from ssm_coint.exceptions import DataError, InsufficientDataError, ModelSpecificationError

__all__ = ["adf"]

Regression = Literal["c", "ct", "ctt", "n"]

_ADF_NAME = "Augmented Dickey-Fuller"
_ADF_NULL = "The series has a unit root (is not stationary)."
_ADF_ALT = "The series is stationary (no unit root)."
_HAS_RESULT_OBJECT = "result_object" in inspect.signature(adfuller).parameters


def _adfuller(
    x: Any, *, maxlag: int | None, regression: str, autolag: str | None
) -> tuple[float, float, int, int, dict[str, float]]:
    """Call statsmodels ``adfuller`` and return (stat, pvalue, lags, nobs, critical values).

    Works with both the tuple return of statsmodels 0.14 and the ``ADFullerResult`` object of
    0.15+, without the 0.15 FutureWarning. A sample too short for the lags becomes
    :class:`~ssm_coint.exceptions.InsufficientDataError`.
    """
    kwargs: dict[str, Any] = {"maxlag": maxlag, "regression": regression, "autolag": autolag}
    try:
        if _HAS_RESULT_OBJECT:
            res = adfuller(x, result_object=True, **kwargs)
            return res.statistic, res.pvalue, res.lags, res.nobs, dict(res.critical_values)
        stat, pvalue, lags, nobs, crit = adfuller(x, **kwargs)[:5]  # pragma: no cover
        return stat, pvalue, lags, nobs, dict(crit)  # pragma: no cover
    except ValueError as exc:
        msg = str(exc)
        if "too short" in msg or "maxlag must be less" in msg:
            raise InsufficientDataError(f"ADF regression: {msg} (nobs={len(x)})") from exc
        raise


def adf(
    series: Any,
    *,
    regression: Regression = "c",
    maxlag: int | None = None,
    autolag: Literal["AIC", "BIC", "t-stat"] | None = "AIC",
    errors: ErrorsPolicy = "raise",
) -> TestResult:
    r"""Augmented Dickey-Fuller test of a unit root in ``series``.

    Parameters
    ----------
    series : pandas.Series or array_like
        The series to test (at least 20 finite, non-constant observations).
    regression : {"c", "ct", "ctt", "n"}
        Deterministic terms of the test regression: constant, constant and trend, constant
        and quadratic trend, or none.
    maxlag : int, optional
        Largest number of lagged differences :math:`p`. Default
        :math:`\lceil 12 (n/100)^{1/4} \rceil` (Schwert), as in statsmodels.
    autolag : {"AIC", "BIC", "t-stat"} or None
        How :math:`p \le` ``maxlag`` is chosen. ``None`` uses exactly ``maxlag`` lags
        (Chan's fixed-lag convention, e.g. ``maxlag=1, autolag=None``).
    errors : {"raise", "coerce"}
        On unusable input (constant, too short, NaN), raise the typed
        :class:`~ssm_coint.exceptions.DataError` subclass, or return an
        :class:`InvalidTestStatistic` carrying the reason.

    Returns
    -------
    TestResult
        ``stat`` (the t-ratio of :math:`\gamma`), ``pvalue``, ``critical_values``
        (``"1%"``, ``"5%"``, ``"10%"``), ``lags`` (lags used), ``nobs`` (observations in the test
        regression), ``null_hypothesis`` and ``alternative``.

    Notes
    -----
    The test regression is

    .. math::

        \Delta y_t = d_t + \gamma\, y_{t-1} + \sum_{i=1}^{p} \delta_i\, \Delta y_{t-i}
        + \varepsilon_t ,

    where :math:`d_t` holds the deterministic terms chosen by ``regression``.
    :math:`H_0: \gamma = 0` is rejected for large negative t-ratios.

    References
    ----------
    MacKinnon, J. G. (2010). Critical values for cointegration tests. Queen's Economics
    Department Working Paper 1227.

    Examples
    --------
    >>> import numpy as np
    >>> from ssm_coint.coint import adf
    >>> e = np.random.default_rng(0).standard_normal(500)
    >>> adf(e).pvalue < 0.01
    True
    """
    check_errors(errors)
    if regression not in ("c", "ct", "ctt", "n"):
        raise ModelSpecificationError(f"regression must be c, ct, ctt or n; got {regression!r}")
    if autolag is not None and autolag not in ("AIC", "BIC", "t-stat"):
        raise ModelSpecificationError(f"autolag must be AIC, BIC, t-stat or None; got {autolag!r}")
    if autolag is None and maxlag is None:
        raise ModelSpecificationError("autolag=None needs an explicit maxlag")
    try:
        s = as_series(series, what="series", min_nobs=MIN_NOBS_TEST)
        stat, pvalue, lags, nobs, crit = _adfuller(
            s.to_numpy(), maxlag=maxlag, regression=regression, autolag=autolag
        )
    except DataError as exc:
        if errors == "coerce":
            return InvalidTestStatistic(
                str(exc), name=_ADF_NAME, null_hypothesis=_ADF_NULL, alternative=_ADF_ALT
            )
        raise
    return TestResult(
        stat,
        pvalue,
        {k: crit[k] for k in CRIT_LEVELS},
        _ADF_NULL,
        _ADF_ALT,
        name=_ADF_NAME,
        lags=lags,
        nobs=nobs,
    )
