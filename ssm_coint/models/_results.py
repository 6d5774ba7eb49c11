"""Results of the hedge-ratio model: thin, domain-named views over statsmodels' output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from statsmodels.tsa.statespace.mlemodel import MLEResults, MLEResultsWrapper

try:  # statsmodels >= 0.15 moved it
    from statsmodels.tools._decorators import cache_readonly
except ImportError:  # pragma: no cover
    from statsmodels.tools.decorators import cache_readonly

__all__ = ["HedgeRatioResults", "HedgeRatioResultsWrapper", "HedgeRatios", "half_life_from_alpha"]


def half_life_from_alpha(alpha: float) -> float:
    r"""Half-life of an AR(1) with coefficient alpha, :math:`\ln 2 / (-\ln|\alpha|)`.

    ``inf`` for :math:`|\alpha| \ge 1` (no mean reversion); ``0`` for alpha = 0.

    Parameters
    ----------
    alpha : float
        AR(1) coefficient.

    Returns
    -------
    float
        Half-life in periods.
    """
    a = abs(float(alpha))
    if a >= 1:
        return math.inf
    if a == 0:
        return 0.0
    return math.log(2.0) / -math.log(a)


@dataclass(frozen=True)
class HedgeRatios:
    """Filtered and smoothed states with standard errors, as DataFrames on the price index.

    Attributes
    ----------
    filtered, filtered_se : DataFrame
        :math:`E[\\beta_t | y_{1..t}]` and its standard deviation.
    smoothed, smoothed_se : DataFrame
        :math:`E[\\beta_t | y_{1..n}]` and its standard deviation.
    predicted : DataFrame
        :math:`E[\\beta_t | y_{1..t-1}]` (what a trader knows before the close of day t).
    """

    filtered: pd.DataFrame
    filtered_se: pd.DataFrame
    smoothed: pd.DataFrame
    smoothed_se: pd.DataFrame
    predicted: pd.DataFrame


class HedgeRatioResults(MLEResults):
    """Results of :class:`~ssm_coint.HedgeRatioModel` (from ``smooth``, ``filter`` or ``fit``)."""

    @cache_readonly
    def llf_obs(self) -> np.ndarray:
        """Per-observation log-likelihood (as the model's ``loglikeobs``)."""
        return self.model.fast_filter(np.asarray(self.full_params))["llf_obs"]

    @cache_readonly
    def llf(self) -> float:
        """Exact log-likelihood at ``params`` (as the model's ``loglike``)."""
        return float(np.sum(self.llf_obs))

    @property
    def llf_statsmodels(self) -> float:
        """statsmodels' own log-likelihood (differs only on spurious diffuse steps)."""
        return float(self.filter_results.llf)

    @property
    def _index(self) -> pd.Index:
        # statsmodels drops a date index without a frequency (business days with holidays);
        # the original row labels are kept in model.data
        labels = getattr(self.model.data, "row_labels", None)
        if labels is not None and len(labels) == self.nobs:
            return pd.Index(labels, name=getattr(labels, "name", None))
        idx = self.model._index
        return idx if len(idx) == self.nobs else pd.RangeIndex(self.nobs)

    def _frame(self, arr: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(arr, index=self._index, columns=self.model.state_names)

    @property
    def full_params(self) -> pd.Series:
        """Every parameter, fixed ones included, by name."""
        full = self.model.full_from_free(np.asarray(self.params))
        return pd.Series(full, index=self.model.all_param_names)

    @cached_property
    def hedge_ratios(self) -> HedgeRatios:
        """Filtered, smoothed and predicted states (intercept and hedge ratios)."""
        fs = self.filtered_state.T
        fse = np.sqrt(np.clip(np.diagonal(self.filtered_state_cov, axis1=0, axis2=1), 0, None))
        if self.smoothed_state is not None:
            ss = self.smoothed_state.T
            sse = np.sqrt(
                np.clip(np.diagonal(self.smoothed_state_cov, axis1=0, axis2=1), 0, None)
            )
        else:
            ss = np.full_like(fs, np.nan)
            sse = np.full_like(fs, np.nan)
        pred = self.predicted_state[:, :-1].T
        return HedgeRatios(
            filtered=self._frame(fs),
            filtered_se=self._frame(fse),
            smoothed=self._frame(ss),
            smoothed_se=self._frame(sse),
            predicted=self._frame(pred),
        )

    @property
    def spread(self) -> pd.Series:
        r"""Spread from the filtered hedge ratios.

        :math:`s_t = y_t - \sum_{j\ge2}\beta_{j,t|t}x_{j,t}`.

        It contains the spread level :math:`\beta_{1,t|t}` plus the filtered observation noise.
        Note that it is in-sample and adaptive: the filter absorbs much of the residual, so unit
        root tests on it overstate stationarity.
        """
        y = self.model.endog[:, 0]
        X = self.model._design_rows[:, 1:]
        hedge = self.filtered_state[1:, :].T
        return pd.Series(y - np.sum(X * hedge, axis=1), index=self._index, name="spread")

    @property
    def innovations(self) -> pd.DataFrame:
        """One-step forecast errors :math:`e_t = y_t - z_t a_t` and their variances :math:`Q_t`."""
        return pd.DataFrame(
            {
                "forecast_error": self.forecasts_error[0],
                "forecast_error_var": self.forecasts_error_cov[0, 0],
            },
            index=self._index,
        )

    @property
    def zscore(self) -> pd.Series:
        r"""Standardised innovations :math:`e_t / \sqrt{Q_t}` (NaN in the diffuse periods)."""
        inn = self.innovations
        z = inn["forecast_error"] / np.sqrt(inn["forecast_error_var"])
        nd = int(getattr(self.filter_results, "nobs_diffuse", 0))
        z.iloc[:nd] = np.nan
        return z.rename("zscore")

    @property
    def half_life(self) -> float:
        """Half-life of the spread level in observations, from alpha (``inf`` if alpha = 1)."""
        return half_life_from_alpha(self.full_params["alpha"])

    @property
    def mu(self) -> tuple[float, float]:
        r"""Long-run mean :math:`\mu = c / (1-\alpha)` and its delta-method standard error.

        .. math::

            \operatorname{se}(\hat\mu)^2 = g' \Sigma g, \qquad
            g = \left(\frac{c}{(1-\alpha)^2}, \frac{1}{1-\alpha}\right)

        over the free ones of (alpha, c). ``(nan, nan)`` when alpha = 1.
        """
        p = self.full_params
        alpha, c = float(p["alpha"]), float(p["c"])
        if alpha >= 1:
            return math.nan, math.nan
        mu = c / (1 - alpha)
        names = self.model.param_names
        grad = {"alpha": c / (1 - alpha) ** 2, "c": 1 / (1 - alpha)}
        idx = [names.index(n) for n in grad if n in names]
        if not idx:
            return mu, 0.0
        try:
            cov = np.asarray(self.cov_params())[np.ix_(idx, idx)]
        except Exception:  # noqa: BLE001 - no covariance available
            return mu, math.nan
        g = np.array([grad[names[i]] for i in idx])
        var = float(g @ cov @ g)
        return mu, math.sqrt(var) if var >= 0 else math.nan

    def summary(self, *args, **kwargs):
        """statsmodels summary plus fixed parameters, mu and half-life."""
        summ = super().summary(*args, **kwargs)
        fixed = ", ".join(f"{k} = {v:g}" for k, v in self.model.fixed.items()) or "none"
        mu, mu_se = self.mu
        summ.add_extra_txt(
            [
                f"Fixed parameters: {fixed}",
                f"Initialization: {self.model.initialization_kind}",
                f"mu = c/(1-alpha) = {mu:.6g} (delta-method s.e. {mu_se:.3g})",
                f"Half-life of the spread level: {self.half_life:.4g} observations",
            ]
            + (
                [f"At the boundary (standard errors not valid): {', '.join(self._boundary)}"]
                if getattr(self, "_boundary", None)
                else []
            )
        )
        return summ


class HedgeRatioResultsWrapper(MLEResultsWrapper):
    """pandas wrapper (statsmodels pattern)."""

    _attrs: dict = {}
    _wrap_attrs = wrap.union_dicts(MLEResultsWrapper._wrap_attrs, _attrs)
    _methods: dict = {}
    _wrap_methods = wrap.union_dicts(MLEResultsWrapper._wrap_methods, _methods)


wrap.populate_wrapper(HedgeRatioResultsWrapper, HedgeRatioResults)
