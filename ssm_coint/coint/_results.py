"""Small result objects for test statistics, and the input checks shared by the tests.

:class:`TestResult` is the common shape of every hypothesis test in :mod:`ssm_coint.coint`
(``stat``, ``pvalue``, ``critical_values``, ``null_hypothesis``, ``alternative``); it follows
arch's ``CointegrationTestResult`` and linearmodels' ``WaldTestStatistic``.
:class:`InvalidTestStatistic` is its null object: same attributes, all NaN, plus a ``reason``.
It is returned instead of raising when a caller passes ``errors="coerce"``.

The private helpers at the bottom turn user input (pandas objects or arrays) into clean float
data, keeping names, and raise the typed :class:`~ssm_coint.exceptions.DataError` subclasses.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ssm_coint.exceptions import (
    ConstantSeriesError,
    DataError,
    DataWarning,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
    NonNumericError,
    TooFewAssetsError,
)

__all__ = ["TestResult", "InvalidTestStatistic", "ErrorsPolicy"]

ErrorsPolicy = Literal["raise", "coerce"]

#: Labels of the critical values every test reports, in this order.
CRIT_LEVELS: tuple[str, ...] = ("1%", "5%", "10%")

#: Fewest observations accepted by the unit-root and cointegration tests. MacKinnon's
#: response surfaces and Johansen's tables are asymptotic; below about a dozen points
#: statsmodels returns degenerate statistics (e.g. an Engle-Granger t of exactly 0.0).
MIN_NOBS_TEST = 20


def _json_float(value: Any) -> float | None:
    """Return ``value`` as a Python float, or ``None`` when it is not finite."""
    out = float(value)
    return out if math.isfinite(out) else None


class TestResult:
    r"""Outcome of a hypothesis test.

    Parameters
    ----------
    stat : float
        The test statistic.
    pvalue : float
        The (approximate, usually MacKinnon) p-value of ``stat`` under the null.
    critical_values : Mapping[str, float]
        Critical values keyed by size, e.g. ``{"1%": -3.43, "5%": -2.86, "10%": -2.57}``.
        The test rejects at size :math:`\alpha` when ``stat`` is below the value (left-tailed
        tests such as ADF and Engle-Granger).
    null_hypothesis : str
        Plain-language statement of :math:`H_0`.
    alternative : str
        Plain-language statement of :math:`H_1`.
    name : str
        Name of the test, used by :meth:`__str__`.
    lags : int, optional
        Number of lagged differences in the test regression, when the test has one.
    nobs : int, optional
        Number of observations used by the test regression.
    """

    __test__ = False  # not a pytest test class despite its name

    is_valid: bool = True

    def __init__(
        self,
        stat: float,
        pvalue: float,
        critical_values: Mapping[str, float],
        null_hypothesis: str,
        alternative: str,
        *,
        name: str = "Test",
        lags: int | None = None,
        nobs: int | None = None,
    ) -> None:
        self.stat = float(stat)
        self.pvalue = float(pvalue)
        self.critical_values = {str(k): float(v) for k, v in critical_values.items()}
        self.null_hypothesis = null_hypothesis
        self.alternative = alternative
        self.name = name
        self.lags = None if lags is None else int(lags)
        self.nobs = None if nobs is None else int(nobs)

    def reject(self, signif: float = 0.05) -> bool:
        """Return True when the p-value is below ``signif`` (False for NaN p-values)."""
        return bool(self.pvalue < signif)

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-serialisable values.

        Floats are Python floats; NaN and infinities become ``None``, so the output passes
        ``json.dumps(..., allow_nan=False)``.
        """
        return {
            "name": self.name,
            "stat": _json_float(self.stat),
            "pvalue": _json_float(self.pvalue),
            "critical_values": {k: _json_float(v) for k, v in self.critical_values.items()},
            "null_hypothesis": self.null_hypothesis,
            "alternative": self.alternative,
            "lags": self.lags,
            "nobs": self.nobs,
        }

    def _lines(self) -> list[str]:
        crit = ", ".join(f"{k}: {v:.4f}" for k, v in self.critical_values.items())
        lines = [
            self.name,
            "=" * max(len(self.name), 40),
            f"Test statistic     {self.stat:.4f}",
            f"P-value            {self.pvalue:.4f}",
            f"Critical values    {crit}",
        ]
        if self.lags is not None:
            lines.append(f"Lags               {self.lags}")
        if self.nobs is not None:
            lines.append(f"Observations       {self.nobs}")
        lines += [f"H0: {self.null_hypothesis}", f"H1: {self.alternative}"]
        return lines

    def summary(self) -> str:
        """Return a plain-text table of the test."""
        return "\n".join(self._lines())

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, stat={self.stat:.4f}, "
            f"pvalue={self.pvalue:.4f})"
        )


class InvalidTestStatistic(TestResult):
    """Null object standing in for a test that could not be computed.

    Every numeric attribute is NaN, :attr:`is_valid` is False and :attr:`reason` says why.
    :meth:`reject` is always False.

    Parameters
    ----------
    reason : str
        Why the test could not be computed (usually the message of the typed error).
    name : str
        Name of the test that failed.
    null_hypothesis, alternative : str
        Hypotheses of the test that failed, kept so reports stay readable.
    """

    is_valid = False

    def __init__(
        self,
        reason: str,
        *,
        name: str = "Test",
        null_hypothesis: str = "",
        alternative: str = "",
    ) -> None:
        super().__init__(
            math.nan,
            math.nan,
            dict.fromkeys(CRIT_LEVELS, math.nan),
            null_hypothesis,
            alternative,
            name=name,
        )
        self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        """Return the fields (all statistics ``None``) plus ``reason``."""
        out = super().to_dict()
        out["reason"] = self.reason
        return out

    def summary(self) -> str:
        """Return the test name and the reason it is invalid."""
        return f"{self.name}: invalid test statistic ({self.reason})"

    def __repr__(self) -> str:
        return f"InvalidTestStatistic(reason={self.reason!r}, name={self.name!r})"


# ---------------------------------------------------------------------------------------------
# Input checks (private)
# ---------------------------------------------------------------------------------------------


def check_errors(errors: str) -> None:
    """Raise ModelSpecificationError unless ``errors`` is "raise" or "coerce"."""
    if errors not in ("raise", "coerce"):
        raise ModelSpecificationError(f"errors must be 'raise' or 'coerce', got {errors!r}")


def _check_values(values: np.ndarray, names: list[str], what: str, min_nobs: int) -> None:
    if not np.all(np.isfinite(values)):
        col, row = np.argwhere(~np.isfinite(values.reshape(len(values), -1)))[0][::-1]
        raise MissingValueError(f"{what} {names[col]!r} has a NaN or infinite value at row {row}")
    if values.shape[0] < min_nobs:
        raise InsufficientDataError(
            f"{what} has {values.shape[0]} observations; at least {min_nobs} are needed"
        )
    flat = values.reshape(len(values), -1)
    for j, name in enumerate(names):
        if np.all(flat[:, j] == flat[0, j]):
            raise ConstantSeriesError(f"{what} {name!r} is constant ({flat[0, j]!r})")


def as_series(data: Any, *, what: str = "series", min_nobs: int = MIN_NOBS_TEST) -> pd.Series:
    """Return ``data`` as a finite, non-constant float Series, keeping its name and index.

    Accepts a Series, a one-column DataFrame or a 1-D array-like.
    """
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise DataError(f"{what} must be one series; got {data.shape[1]} columns")
        data = data.iloc[:, 0]
    if isinstance(data, pd.Series):
        series = data
    else:
        arr = np.asarray(data)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise DataError(f"{what} must be one-dimensional; got shape {arr.shape}")
        series = pd.Series(arr)
    try:
        series = series.astype(float)
    except (TypeError, ValueError) as exc:
        raise NonNumericError(f"{what} is not numeric: {exc}") from exc
    name = what if series.name is None else str(series.name)
    _check_values(series.to_numpy(), [name], what, min_nobs)
    return series


def as_frame(
    data: Any,
    *,
    what: str = "prices",
    min_cols: int = 1,
    min_nobs: int = MIN_NOBS_TEST,
    prefix: str = "x",
) -> pd.DataFrame:
    """Return ``data`` as a finite float DataFrame with non-constant, named columns.

    Accepts a DataFrame, a Series (one column) or a 1-D/2-D array-like. Array columns are
    named ``{prefix}0, {prefix}1, ...``. Raises :class:`TooFewAssetsError` for fewer than
    ``min_cols`` columns.
    """
    if isinstance(data, pd.Series):
        frame = data.to_frame(name=prefix + "0" if data.name is None else data.name)
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        arr = np.asarray(data)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise DataError(f"{what} must be one- or two-dimensional; got shape {arr.shape}")
        frame = pd.DataFrame(arr, columns=[f"{prefix}{j}" for j in range(arr.shape[1])])
    if frame.shape[1] < min_cols:
        raise TooFewAssetsError(f"{what} needs at least {min_cols} series; got {frame.shape[1]}")
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise NonNumericError(f"{what} is not numeric: {exc}") from exc
    frame.columns = [str(c) for c in frame.columns]
    _check_values(frame.to_numpy(), list(frame.columns), what, min_nobs)
    return frame


def align(y: pd.Series, x: pd.DataFrame, y_raw: Any, x_raw: Any) -> tuple[pd.Series, pd.DataFrame]:
    """Align ``y`` and ``x`` on their index when both came in as pandas objects.

    Arrays are matched by position and must have equal length. Dropping rows to align two
    pandas inputs emits a :class:`~ssm_coint.exceptions.DataWarning`.
    """
    both_pandas = isinstance(y_raw, pd.Series | pd.DataFrame) and isinstance(
        x_raw, pd.Series | pd.DataFrame
    )
    if both_pandas and not y.index.equals(x.index):
        common = y.index.intersection(x.index, sort=False)
        dropped = len(y) + len(x) - 2 * len(common)
        warnings.warn(
            f"y and x indexes differ; kept the {len(common)} common rows ({dropped} dropped)",
            DataWarning,
            stacklevel=3,
        )
        return y.loc[common], x.loc[common]
    if len(y) != len(x):
        raise DataError(f"y has {len(y)} observations but x has {len(x)}")
    if not both_pandas:
        index = y.index if isinstance(y_raw, pd.Series | pd.DataFrame) else x.index
        y = pd.Series(y.to_numpy(), index=index, name=y.name)
        x = pd.DataFrame(x.to_numpy(), index=index, columns=x.columns)
    return y, x
