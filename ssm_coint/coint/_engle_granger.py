r"""Engle-Granger two-step cointegration test with the OLS hedge ratio.

Step 1 is the static cointegrating regression

.. math::

    y_t = c + \beta^\top x_t + u_t ,

fitted by OLS; its residual :math:`\hat u_t` is the spread. Step 2 is a Dickey-Fuller
regression on the spread without deterministic terms,

.. math::

    \Delta \hat u_t = \gamma\, \hat u_{t-1} + \sum_{i=1}^{p} \delta_i\, \Delta \hat u_{t-i}
    + \varepsilon_t ,

whose t-ratio for :math:`\gamma` is compared with MacKinnon's (2010) Engle-Granger critical
values for :math:`N = 1 + \dim(x)` series (statsmodels ``coint``).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.tsa.adfvalues import mackinnoncrit, mackinnonp
from statsmodels.tsa.stattools import coint

from ssm_coint.coint._adf import adf
from ssm_coint.coint._results import (
    CRIT_LEVELS,
    MIN_NOBS_TEST,
    ErrorsPolicy,
    InvalidTestStatistic,
    TestResult,
    align,
    as_frame,
    as_series,
    check_errors,
)
from ssm_coint.exceptions import (
    CollinearAssetsError,
    ConstantSeriesError,
    DataError,
    InsufficientDataError,
    ModelSpecificationError,
)

__all__ = ["EngleGrangerResult", "engle_granger", "pair_test"]

Trend = Literal["c", "ct", "ctt", "n"]

_EG_NAME = "Engle-Granger cointegration test"
_EG_NULL = "No cointegration: the OLS residual has a unit root."
_EG_ALT = "Cointegration: the OLS residual is stationary."
_DET_NAMES = {
    "n": [],
    "c": ["const"],
    "ct": ["const", "trend"],
    "ctt": ["const", "trend", "trend_squared"],
}


class EngleGrangerResult(TestResult):
    r"""Engle-Granger test result with the cointegrating regression.

    Attributes
    ----------
    stat, pvalue, critical_values, null_hypothesis, alternative, lags, nobs
        As in :class:`TestResult`; ``stat`` is the residual-based Dickey-Fuller t-ratio of
        statsmodels ``coint`` and ``critical_values`` its MacKinnon (2010) values. ``lags``
        is ``None`` because statsmodels does not report the number chosen.
    hedge_ratio : pandas.Series
        OLS slopes :math:`\hat\beta`, indexed by the names of ``x``.
    intercept : float
        OLS constant :math:`\hat c` (0.0 when ``trend="n"``).
    deterministic : pandas.Series
        All deterministic coefficients (``const``, ``trend``, ``trend_squared``).
    spread : pandas.Series
        The residual :math:`\hat u_t = y_t - \hat c - \hat\beta^\top x_t`, on the
        index of ``y``.
    trend : str
        The deterministic specification used.
    """

    def __init__(
        self,
        coint_res: tuple[float, float, np.ndarray],
        *,
        hedge_ratio: pd.Series,
        deterministic: pd.Series,
        spread: pd.Series,
        trend: str,
        y_name: str,
    ) -> None:
        crit = dict(zip(CRIT_LEVELS, np.asarray(coint_res[2], dtype=float), strict=True))
        super().__init__(
            coint_res[0], coint_res[1], crit, _EG_NULL, _EG_ALT, name=_EG_NAME, nobs=len(spread)
        )
        self.hedge_ratio = hedge_ratio
        self.deterministic = deterministic
        self.intercept = float(deterministic.get("const", 0.0))
        self.spread = spread
        self.trend = trend
        self.y_name = y_name

    def adf_on_residual(self, lags: int = 1, *, regression: Literal["c", "n"] = "c") -> TestResult:
        r"""ADF test with a fixed number of lags on the OLS residual (Chan's CADF convention).

        Runs :func:`adf` on :attr:`spread` with ``maxlag=lags, autolag=None``, i.e.

        .. math::

            \Delta \hat u_t = \alpha + \gamma\, \hat u_{t-1}
            + \sum_{i=1}^{\text{lags}} \delta_i\, \Delta \hat u_{t-i} + \varepsilon_t .

        Parameters
        ----------
        lags : int
            Number of lagged differences (Chan uses 1).
        regression : {"c", "n"}
            Constant in the ADF regression (Chan) or none (as in :attr:`stat`).

        Returns
        -------
        TestResult
            The ADF statistic, p-value and critical values.

        Notes
        -----
        The p-value and critical values are those of the plain ADF test, which ignore that
        the residual comes from an estimated regression; they are too liberal for
        cointegration. Use :attr:`stat`/:attr:`pvalue` (or Chan's CADF tables) for inference.
        Chan's book 2 Example 2.5 prints t = -3.64346635 for EWC on EWA; this method gives
        -3.6422 on the same data (the residual regression of his MATLAB ``cadf`` differs
        slightly).
        """
        if int(lags) != lags or lags < 0:
            raise ModelSpecificationError(f"lags must be a non-negative integer; got {lags!r}")
        return adf(self.spread, regression=regression, maxlag=int(lags), autolag=None)

    def summary(self) -> str:
        """Return the test table followed by the cointegrating regression."""
        lines = self._lines()
        lines.append(f"Cointegrating regression of {self.y_name} (trend={self.trend!r}):")
        for name, value in self.deterministic.items():
            lines.append(f"  {name:<16} {value: .6f}")
        for name, value in self.hedge_ratio.items():
            lines.append(f"  {name:<16} {value: .6f}")
        return "\n".join(lines)


def _deterministic(n: int, trend: str) -> np.ndarray:
    t = np.arange(1, n + 1, dtype=float)
    cols = {"const": np.ones(n), "trend": t, "trend_squared": t**2}
    return (
        np.column_stack([cols[c] for c in _DET_NAMES[trend]]) if trend != "n" else np.empty((n, 0))
    )


def engle_granger(
    y: Any,
    x: Any,
    *,
    trend: Trend = "c",
    maxlag: int | None = None,
    autolag: Literal["aic", "bic", "t-stat"] | None = "aic",
    errors: ErrorsPolicy = "raise",
) -> EngleGrangerResult | InvalidTestStatistic:
    r"""Engle-Granger cointegration test of ``y`` on ``x``, with the OLS hedge ratio.

    Parameters
    ----------
    y : pandas.Series or array_like
        The dependent price series (at least 20 observations).
    x : pandas.Series, pandas.DataFrame or array_like
        One or several regressor price series. DataFrame/Series names become the index of
        :attr:`EngleGrangerResult.hedge_ratio`; array columns are named ``x0, x1, ...``.
        Pandas inputs are aligned on their common index (with a DataWarning if rows drop).
    trend : {"c", "ct", "ctt", "n"}
        Deterministic terms of the cointegrating regression.
    maxlag : int, optional
        Largest lag of the residual Dickey-Fuller regression.
    autolag : {"aic", "bic", "t-stat"} or None
        Lag selection of the residual regression; ``None`` uses ``maxlag`` lags.
    errors : {"raise", "coerce"}
        On unusable input, raise the typed DataError subclass (default) or return an
        :class:`InvalidTestStatistic`.

    Returns
    -------
    EngleGrangerResult
        Test statistic, p-value, critical values, ``hedge_ratio``, ``intercept``, ``spread``.

    Raises
    ------
    InsufficientDataError, ConstantSeriesError, MissingValueError, NonNumericError
        For unusable input (when ``errors="raise"``).
    CollinearAssetsError
        When the regressors with the deterministic terms are perfectly collinear.

    Notes
    -----
    The cointegrating regression :math:`y_t = c + \beta^\top x_t + u_t` is fitted by OLS and
    :math:`H_0` (no cointegration) is tested with the t-ratio of :math:`\gamma` in

    .. math::

        \Delta\hat u_t = \gamma \hat u_{t-1} + \sum_i \delta_i \Delta\hat u_{t-i} + \varepsilon_t .

    The hedge ratio :math:`\hat\beta` is super-consistent under cointegration, but its OLS
    standard errors are not valid, so none are reported. With the defaults (one regressor,
    constant, AIC lags) the statistic comes from :func:`pair_test`, the engine the scans use
    (equal to statsmodels' ``coint``); other settings call ``coint`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> from ssm_coint.coint import engle_granger
    >>> rng = np.random.default_rng(1)
    >>> x = 50 + rng.standard_normal(1000).cumsum()
    >>> y = 2.0 + 0.8 * x + rng.standard_normal(1000)
    >>> res = engle_granger(y, x)
    >>> round(float(res.hedge_ratio["x0"]), 1), res.pvalue < 0.01
    (0.8, True)
    """
    check_errors(errors)
    if trend not in _DET_NAMES:
        raise ModelSpecificationError(f"trend must be c, ct, ctt or n; got {trend!r}")
    try:
        ys = as_series(y, what="y")
        xf = as_frame(x, what="x", min_cols=1, prefix="x")
        ys, xf = align(ys, xf, y, x)
        if len(ys) < MIN_NOBS_TEST:
            raise InsufficientDataError(
                f"y and x share {len(ys)} observations; at least {MIN_NOBS_TEST} are needed"
            )
        n = len(ys)
        det = _deterministic(n, trend)
        design = np.column_stack([det, xf.to_numpy()])
        if np.linalg.matrix_rank(design) < design.shape[1]:
            raise CollinearAssetsError(
                f"the regressors {list(xf.columns)} with trend={trend!r} are perfectly collinear"
            )
        coef, *_ = np.linalg.lstsq(design, ys.to_numpy(), rcond=None)
        k_det = det.shape[1]
        if trend == "c" and autolag == "aic" and maxlag is None and xf.shape[1] == 1:
            # the package's one engine for the default test (the scans use it too)
            pt = pair_test(ys.to_numpy(), xf.to_numpy()[:, 0])
            coint_res = (pt["stat"], pt["pvalue"], pt["crit"])
        else:
            coint_res = coint(ys.to_numpy(), xf.to_numpy(), trend=trend, maxlag=maxlag,
                              autolag=autolag)
    except DataError as exc:
        if errors == "coerce":
            return InvalidTestStatistic(
                str(exc), name=_EG_NAME, null_hypothesis=_EG_NULL, alternative=_EG_ALT
            )
        raise
    y_name = "y" if ys.name is None else str(ys.name)
    spread = pd.Series(ys.to_numpy() - design @ coef, index=ys.index, name="spread")
    return EngleGrangerResult(
        (float(coint_res[0]), float(coint_res[1]), np.asarray(coint_res[2])),
        hedge_ratio=pd.Series(coef[k_det:], index=xf.columns, name="hedge_ratio"),
        deterministic=pd.Series(
            coef[:k_det], index=_DET_NAMES[trend], name="deterministic", dtype=float
        ),
        spread=spread,
        trend=trend,
        y_name=y_name,
    )


# ---------------------------------------------------------------------------------------------
# The engine of the scans: one pair, constant, AIC lags (the same test as ``coint(y, x)``)
# ---------------------------------------------------------------------------------------------

#: statsmodels ``coint`` treats a cointegrating regression with :math:`R^2` at or above
#: ``1 - 100 sqrt(eps)`` as perfectly collinear (it then returns t = -inf and p = 0).
_R2_COLLINEAR = 1.0 - 100.0 * math.sqrt(np.finfo(float).eps)


def _adf_aic_no_trend(u: np.ndarray) -> float:
    r"""ADF t-statistic of ``u`` without deterministic terms, lags chosen by AIC.

    The same computation as statsmodels ``adfuller(u, maxlag=None, regression="n",
    autolag="aic")``: :math:`L = \min(\lceil 12 (n/100)^{1/4} \rceil, \lfloor n/2 \rfloor - 1)`,
    the regressions of :math:`\Delta u_t` on :math:`u_{t-1}, \Delta u_{t-1}, \dots,
    \Delta u_{t-j}` for :math:`j = 0..L` on the common sample, the smallest
    :math:`\text{AIC}_j = -2\ell_j + 2(j + 1)` (first on ties), then the t-ratio of
    :math:`u_{t-1}` with :math:`j` lags re-estimated on all usable rows. The nested residual
    sums of squares come from one Cholesky factorisation of the augmented Gram matrix instead
    of :math:`L + 1` SVD-based fits (see :func:`_chol_augmented`); tests check the result
    against statsmodels. A rank-deficient design raises ``LinAlgError`` and the caller falls
    back to statsmodels.
    """
    n = u.size
    if u.max() == u.min():
        raise ConstantSeriesError("the cointegrating residual is constant")
    maxlag = min(int(np.ceil(12.0 * np.power(n / 100.0, 1 / 4.0))), n // 2 - 1)
    if maxlag < 0:
        raise InsufficientDataError(f"{n} observations are too few for the ADF regression")
    d = np.diff(u)
    m = d.size

    def design(lags: int) -> tuple[np.ndarray, np.ndarray]:
        rows = m - lags
        X = np.empty((rows, lags + 1))
        X[:, 0] = u[lags:m]
        for i in range(1, lags + 1):
            X[:, i] = d[lags - i : m - i]
        return X, d[lags:]

    X, y = design(maxlag)
    rows = X.shape[0]
    R = _chol_augmented(X, y)
    p = maxlag + 1
    c2 = R[:p, p] ** 2  # squared components of y along the orthonormalised columns
    tail = np.append(np.cumsum(c2[::-1])[::-1], 0.0)
    j = np.arange(1, p + 1)
    ssr = R[p, p] ** 2 + tail[j]
    aic = rows * np.log(ssr) + rows * (1.0 + np.log(2.0 * np.pi / rows)) + 2.0 * j
    best = int(np.argmin(aic))  # = number of lagged differences
    X, y = design(best)
    R = _chol_augmented(X, y)
    p = best + 1
    rinv = np.linalg.inv(R[:p, :p])
    coef = rinv @ R[:p, p]
    dof = X.shape[0] - p
    se = math.sqrt(R[p, p] ** 2 / dof * float(rinv[0] @ rinv[0]))
    return float(coef[0] / se)


def _chol_augmented(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Upper Cholesky factor :math:`R` of :math:`[X\;y]^\top [X\;y]`.

    :math:`R` is the triangular factor of the QR decomposition of :math:`[X\;y]`, so
    :math:`R_{:p,p} = Q^\top y`, :math:`R_{p,p}^2` is the residual sum of squares and the SSR of
    the regression on the first :math:`j` columns is
    :math:`R_{p,p}^2 + \sum_{i \ge j} R_{i,p}^2`. Small (at most 24 x 24) LAPACK calls only:
    multithreaded BLAS is very slow on the tall QR/SVD calls this replaces.
    """
    M = np.column_stack([X, y])
    G = M.T @ M
    return np.linalg.cholesky(G).T


def pair_test(y: np.ndarray, x: np.ndarray, engine: str = "fast") -> dict[str, Any]:
    r"""Engle-Granger test of y on x (constant, AIC lags): statistic, p-value, OLS fit.

    Equals statsmodels ``coint(y, x)`` (``engine="statsmodels"`` calls it); refuses constant
    series and perfect collinearity (:math:`R^2 \ge 1 - 100\sqrt{\epsilon}`, where
    statsmodels returns :math:`t = -\infty`, :math:`p = 0`).
    """
    n = y.size
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    yc = y - y.mean()
    r2 = 1.0 - float(resid @ resid) / float(yc @ yc)
    if not r2 < _R2_COLLINEAR:
        raise CollinearAssetsError(f"perfectly collinear on the overlap (R^2 = {r2:.12f})")
    stat = math.nan
    if engine == "fast":
        try:
            stat = _adf_aic_no_trend(resid)
        except np.linalg.LinAlgError:  # rank-deficient lag design: let statsmodels decide
            engine = "statsmodels"
    if engine == "statsmodels":
        stat, pvalue, crit = coint(y, x)
    else:
        pvalue = mackinnonp(stat, regression="c", N=2)
        crit = mackinnoncrit(N=2, regression="c", nobs=n - 1)
    return {"stat": float(stat), "pvalue": float(pvalue), "crit": np.asarray(crit, float),
            "intercept": float(coef[0]), "hedge_ratio": float(coef[1]), "resid": resid}
