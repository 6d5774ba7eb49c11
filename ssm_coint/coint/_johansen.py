r"""Johansen cointegration-rank tests (trace and maximum eigenvalue).

For a :math:`k`-vector of prices the vector error-correction model is

.. math::

    \Delta y_t = \Pi\, y_{t-1} + \sum_{i=1}^{p} \Gamma_i\, \Delta y_{t-i} + d_t + \varepsilon_t ,
    \qquad \Pi = \alpha \beta^\top ,

with :math:`p` = ``k_ar_diff``. Johansen's reduced-rank regression gives eigenvalues
:math:`1 > \hat\lambda_1 \ge \dots \ge \hat\lambda_k \ge 0` and eigenvectors (columns of
:math:`\hat\beta`). With :math:`T` effective observations, the statistics for
:math:`H_0: \operatorname{rank}(\Pi) \le r` are

.. math::

    \lambda_{\text{trace}}(r) = -T \sum_{i=r+1}^{k} \ln(1 - \hat\lambda_i), \qquad
    \lambda_{\max}(r) = -T \ln(1 - \hat\lambda_{r+1}) .

Computation and critical values (Osterwald-Lenum, via MacKinnon-Haug-Michelis tables) are
statsmodels' ``coint_johansen``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from ssm_coint.coint._results import MIN_NOBS_TEST, as_frame
from ssm_coint.exceptions import (
    CollinearAssetsError,
    InsufficientDataError,
    ModelSpecificationError,
    UnknownAssetError,
)

__all__ = ["JohansenResult", "johansen"]

_CRIT_COLUMNS = ["90%", "95%", "99%"]
_SIGNIF_COLUMN = {0.10: "90%", 0.05: "95%", 0.01: "99%"}
_DET_TEXT = {-1: "none", 0: "constant", 1: "constant and linear trend"}


class JohansenResult:
    r"""Results of the Johansen trace and maximum-eigenvalue tests.

    Attributes
    ----------
    trace_stat, max_eig_stat : pandas.Series
        Statistics for :math:`H_0: \text{rank} \le r`, indexed by ``r = 0, ..., k-1``.
    trace_crit, max_eig_crit : pandas.DataFrame
        Critical values, index ``r``, columns ``"90%"``, ``"95%"``, ``"99%"``.
    eigenvalues : pandas.Series
        :math:`\hat\lambda_1 \ge \dots \ge \hat\lambda_k`, indexed ``0, ..., k-1``.
    eigenvectors : pandas.DataFrame
        Eigenvectors as columns ``0, ..., k-1`` (same order as the eigenvalues), index the
        asset names. Scaled as statsmodels does (:math:`\hat\beta^\top S_{11} \hat\beta = I`);
        the overall sign is arbitrary and can differ from MATLAB's ``jcitest``.
    asset_names : list of str
    det_order, k_ar_diff : int
        The specification.
    nobs : int
        Effective number of observations :math:`T` (input rows minus ``k_ar_diff + 1``).
    """

    def __init__(
        self,
        sm_result: Any,
        *,
        prices: pd.DataFrame,
        det_order: int,
        k_ar_diff: int,
    ) -> None:
        names = list(prices.columns)
        k = len(names)
        ranks = pd.RangeIndex(k, name="r")
        self.asset_names = names
        self.det_order = det_order
        self.k_ar_diff = k_ar_diff
        self.nobs = len(prices) - k_ar_diff - 1
        self._prices = prices
        self.trace_stat = pd.Series(np.asarray(sm_result.lr1, float), index=ranks, name="trace")
        self.max_eig_stat = pd.Series(np.asarray(sm_result.lr2, float), index=ranks, name="max_eig")
        self.trace_crit = pd.DataFrame(
            np.asarray(sm_result.cvt, float), index=ranks, columns=_CRIT_COLUMNS
        )
        self.max_eig_crit = pd.DataFrame(
            np.asarray(sm_result.cvm, float), index=ranks, columns=_CRIT_COLUMNS
        )
        self.eigenvalues = pd.Series(np.asarray(sm_result.eig, float), name="eigenvalue")
        self.eigenvectors = pd.DataFrame(np.asarray(sm_result.evec, float), index=names)

    @property
    def normalized_eigenvectors(self) -> pd.DataFrame:
        """Eigenvectors divided by their first element, so that :math:`w_1 = 1` in each column.

        A column whose first element is zero becomes ±inf/NaN.
        """
        evec = self.eigenvectors
        with np.errstate(divide="ignore", invalid="ignore"):
            return evec / evec.iloc[0, :]

    def rank(self, signif: float = 0.05, test: Literal["trace", "max_eig"] = "trace") -> int:
        r"""Number of cointegrating relations by the sequential test.

        Starting at :math:`r = 0`, :math:`H_0: \text{rank} \le r` is tested; the first
        :math:`r` that is not rejected is the rank (``k`` if all are rejected).

        Parameters
        ----------
        signif : {0.10, 0.05, 0.01}
            Size of each test.
        test : {"trace", "max_eig"}
            Which statistic to use.

        Returns
        -------
        int
        """
        column = _SIGNIF_COLUMN.get(round(float(signif), 10))
        if column is None:
            raise ModelSpecificationError(f"signif must be 0.10, 0.05 or 0.01; got {signif!r}")
        if test == "trace":
            stat, crit = self.trace_stat, self.trace_crit[column]
        elif test in ("max_eig", "maxeig"):
            stat, crit = self.max_eig_stat, self.max_eig_crit[column]
        else:
            raise ModelSpecificationError(f"test must be 'trace' or 'max_eig'; got {test!r}")
        if crit.isna().any():
            raise ModelSpecificationError(
                f"no Johansen critical values for {len(stat)} series with det_order="
                f"{self.det_order} (statsmodels tables cover det_order -1, 0, 1 and <= 12 series)"
            )
        for r in range(len(stat)):
            if not stat.iloc[r] > crit.iloc[r]:
                return r
        return len(stat)

    def portfolio(self, prices: Any = None, which: int = 0) -> pd.Series:
        r"""Spread :math:`s_t = y_t^\top v` of the prices along eigenvector ``which``.

        Parameters
        ----------
        prices : pandas.DataFrame or array_like, optional
            Prices with the fitted assets as columns (extra columns are ignored), or an
            array with the ``k`` columns in the fitted order. Default: the fitted prices.
        which : int
            Eigenvector column (0 is the one with the largest eigenvalue).

        Returns
        -------
        pandas.Series
            The portfolio value, named ``portfolio_{which}``.
        """
        k = len(self.asset_names)
        if not 0 <= which < k:
            raise ModelSpecificationError(f"which must be in 0..{k - 1}; got {which!r}")
        if prices is None:
            frame = self._prices
        elif isinstance(prices, pd.DataFrame):
            missing = [a for a in self.asset_names if a not in prices.columns]
            if missing:
                raise UnknownAssetError(f"prices lack the fitted assets {missing}")
            frame = prices[self.asset_names].astype(float)
        else:
            arr = np.asarray(prices, dtype=float)
            if arr.ndim != 2 or arr.shape[1] != k:
                raise ModelSpecificationError(
                    f"prices must have {k} columns; got shape {arr.shape}"
                )
            frame = pd.DataFrame(arr, columns=self.asset_names)
        values = frame.to_numpy() @ self.eigenvectors.iloc[:, which].to_numpy()
        return pd.Series(values, index=frame.index, name=f"portfolio_{which}")

    def summary(self) -> str:
        """Return the trace and max-eigenvalue tables with eigenvalues and eigenvectors."""
        lines = [
            "Johansen cointegration test",
            "=" * 64,
            f"Assets: {', '.join(self.asset_names)}",
            f"Deterministic terms: {_DET_TEXT.get(self.det_order, self.det_order)}"
            f" (det_order={self.det_order}), k_ar_diff={self.k_ar_diff}, T={self.nobs}",
            "",
        ]
        for title, stat, crit in (
            ("Trace", self.trace_stat, self.trace_crit),
            ("Max-eigenvalue", self.max_eig_stat, self.max_eig_crit),
        ):
            lines.append(f"{title:<16}{'statistic':>12}{'90%':>10}{'95%':>10}{'99%':>10}")
            for r in stat.index:
                row = crit.loc[r]
                lines.append(
                    f"  r <= {r:<10}{stat[r]:>12.3f}{row['90%']:>10.3f}{row['95%']:>10.3f}"
                    f"{row['99%']:>10.3f}"
                )
            lines.append("")
        lines.append("Eigenvalues: " + ", ".join(f"{v:.6f}" for v in self.eigenvalues))
        lines.append("Eigenvectors (columns):")
        lines.append(self.eigenvectors.to_string(float_format=lambda v: f"{v: .6f}"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        stats = ", ".join(f"{v:.3f}" for v in self.trace_stat)
        return f"JohansenResult(assets={self.asset_names}, trace=[{stats}])"


def johansen(prices: Any, *, det_order: int = 0, k_ar_diff: int = 1) -> JohansenResult:
    r"""Johansen trace and maximum-eigenvalue tests of the cointegration rank.

    Parameters
    ----------
    prices : pandas.DataFrame or array_like
        Two or more price series as columns (names kept; arrays get ``y0, y1, ...``).
    det_order : {-1, 0, 1}
        Deterministic terms: none, a constant (Chan's examples), or a constant and a linear
        trend.
    k_ar_diff : int
        Number of lagged differences :math:`p` in the VECM (Chan uses 1).

    Returns
    -------
    JohansenResult

    Raises
    ------
    TooFewAssetsError
        Fewer than two series.
    InsufficientDataError, ConstantSeriesError, MissingValueError, NonNumericError
        Unusable input.
    CollinearAssetsError
        The series are linearly dependent, so the moment matrices are singular.

    Notes
    -----
    With :math:`T` effective observations and eigenvalues :math:`\hat\lambda_i` of the
    reduced-rank regression,

    .. math::

        \lambda_{\text{trace}}(r) = -T \sum_{i=r+1}^{k} \ln(1 - \hat\lambda_i), \qquad
        \lambda_{\max}(r) = -T \ln(1 - \hat\lambda_{r+1}) .

    The eigenvector of the largest eigenvalue gives the most mean-reverting portfolio
    (Chan, *Algorithmic Trading*, 2013, Examples 2.6-2.8).

    References
    ----------
    Johansen, S. (1991). Estimation and hypothesis testing of cointegration vectors in
    Gaussian vector autoregressive models. *Econometrica* 59(6), 1551-1580.
    """
    if det_order not in (-1, 0, 1):
        raise ModelSpecificationError(f"det_order must be -1, 0 or 1; got {det_order!r}")
    if int(k_ar_diff) != k_ar_diff or k_ar_diff < 0:
        raise ModelSpecificationError(
            f"k_ar_diff must be a non-negative integer; got {k_ar_diff!r}"
        )
    k_ar_diff = int(k_ar_diff)
    frame = as_frame(prices, what="prices", min_cols=2, min_nobs=MIN_NOBS_TEST, prefix="y")
    k = frame.shape[1]
    # The auxiliary regressions have k * k_ar_diff lagged differences plus deterministics.
    needed = k * (k_ar_diff + 1) + k_ar_diff + 3
    if len(frame) < needed:
        raise InsufficientDataError(
            f"Johansen with {k} series and k_ar_diff={k_ar_diff} needs at least {needed} "
            f"observations; got {len(frame)}"
        )
    values = frame.to_numpy()
    centred = values - values.mean(axis=0)
    if np.linalg.matrix_rank(centred) < k:
        raise CollinearAssetsError(f"the series {list(frame.columns)} are linearly dependent")
    try:
        res = coint_johansen(values, det_order, k_ar_diff)
    except np.linalg.LinAlgError as exc:
        raise CollinearAssetsError(
            f"Johansen moment matrices are singular for {list(frame.columns)}: {exc}"
        ) from exc
    return JohansenResult(res, prices=frame, det_order=det_order, k_ar_diff=k_ar_diff)
