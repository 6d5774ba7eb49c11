"""Results of the hedge-ratio model: thin, domain-named views over statsmodels' output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from statsmodels.tsa.statespace.kalman_filter import MEMORY_STORE_ALL
from statsmodels.tsa.statespace.mlemodel import MLEResults, MLEResultsWrapper

try:  # statsmodels >= 0.15 moved it
    from statsmodels.tools._decorators import cache_readonly
except ImportError:  # pragma: no cover
    from statsmodels.tools.decorators import cache_readonly


from ._core_arrays import CoreArraysMixin, install_core_arrays
from ._plots import HedgeRatioPlots

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


class HedgeRatioResults(CoreArraysMixin, HedgeRatioPlots, MLEResults):
    """Results of :class:`~ssm_coint.HedgeRatioModel` (from ``smooth``, ``filter`` or ``fit``).

    Every state, covariance, prediction error, z-score, ``llf`` and ``nobs_diffuse`` comes from
    the package's exact Kalman core (:mod:`ssm_coint.kalman`), not from statsmodels' filter:
    the statsmodels arrays of the same names (``filtered_state``, ``smoothed_state``,
    ``forecasts_error``, ...) are replaced by the core's, in statsmodels' shapes, so
    statsmodels' own methods (summary, diagnostics) see the exact values. statsmodels' filter
    stays available as ``filter_results`` and ``llf_statsmodels``.

    Before the flat prior of the diffuse initial state becomes proper (the first
    ``nobs_diffuse`` observations) the filtered states and the prediction errors are undefined
    and are NaN; the smoothed states are defined on every date.
    """

    def __init__(self, model, params, results, cov_type=None, cov_kwds=None, **kwargs):
        # set by HedgeRatioModel.smooth: statsmodels ran a low-memory filter as the results
        # shell; the smoothed moments (the core's, and statsmodels' smoother_results) are
        # computed on first access
        self._smooth_lazily = bool(getattr(model, "_smooth_lazily", False))
        super().__init__(model, params, results, cov_type=cov_type, cov_kwds=cov_kwds, **kwargs)
        self._apply_core()

    def _apply_core(self) -> None:
        """Replace statsmodels' filter/smoother arrays by the exact core's."""
        full = np.asarray(self.model.full_from_free(np.asarray(self.params)), float)
        smoothed = self._smooth_lazily or self.smoothed_state is not None
        core = self.model.core_filter(full)
        if smoothed and not np.isfinite(core.llf):
            # as kalman.run_smoother: the smoothed states would be undefined
            raise ValueError("smoothed states are undefined: the log-likelihood is "
                             f"{core.llf} (non-positive forecast variance or unidentified "
                             "start)")
        install_core_arrays(self, core, self.model.system(full),
                            smooth_params=full if smoothed else None)

    @property
    def smoother_results(self):
        """statsmodels' own smoother output (an independent cross-check of the core's).

        For results of :meth:`HedgeRatioModel.smooth` it is computed on first access
        (statsmodels' filter and smoother with full storage, at ``params``) and kept.
        """
        d = self.__dict__
        if d.get("_smoother_results") is None and d.get("_smooth_lazily"):
            from statsmodels.tsa.statespace.mlemodel import MLEModel

            d["_smoother_results"] = MLEModel.smooth(self.model, np.asarray(self.params),
                                                     return_ssm=True,
                                                     conserve_memory=MEMORY_STORE_ALL)
        return d.get("_smoother_results")

    @smoother_results.setter
    def smoother_results(self, value) -> None:
        d = self.__dict__
        if "_core_system" not in d and d.get("_smooth_lazily"):
            # statsmodels' __init__ passes its low-memory filter shell (a SmootherResults
            # that holds no smoothed output): computed on first access instead
            value = None
        elif value is None and "_core_system" in d:  # remove_data() after construction
            d["_smooth_lazily"] = False
        d["_smoother_results"] = value

    def forecast(self, steps: int = 1, exog=None, **kwargs) -> pd.Series:
        r"""Forecasts of :math:`y_{n+h}`, :math:`h = 1..` ``steps``, given future regressor
        prices.

        .. math::

            \hat\beta_{n+h} = c + T\hat\beta_{n+h-1}\ (\hat\beta_n = \beta_{n|n}),\qquad
            \hat y_{n+h} = z_{n+h}\hat\beta_{n+h},\quad
            z_{n+h} = (1, x_{2,n+h}, \dots, x_{k,n+h}).

        Exact Kalman-core filtered state at the end of the sample; works on any index (a date
        index without a frequency included).

        Parameters
        ----------
        steps : int
            Number of periods ahead.
        exog : array_like, shape (steps, k - 1)
            Future prices of the regressors (required: the hedge ratios multiply them). A
            DataFrame or Series lends its index to the result.

        Returns
        -------
        Series
            The forecasts, named ``forecast``; the index of ``exog`` if it has one, else
            positions ``n .. n + steps - 1``.

        Raises
        ------
        ValueError
            No or misshaped ``exog``, non-finite future prices, an undefined final state, or
            statsmodels-only keyword arguments.
        """
        if kwargs:
            raise ValueError(f"forecast() takes steps and exog only; got {sorted(kwargs)}")
        if not (isinstance(steps, int | np.integer) and steps >= 1):
            raise ValueError(f"steps must be a positive integer, not {steps!r}")
        k = self.model.k_states
        if exog is None:
            raise ValueError(f"regressors are required out of sample: pass exog with {steps} "
                             f"row(s) of future prices of {self.model.state_names[1:]}")
        Xf = np.asarray(exog, dtype=float)
        if Xf.ndim == 1 and k == 2:
            Xf = Xf[:, None]
        if Xf.shape != (steps, k - 1) or not np.all(np.isfinite(Xf)):
            raise ValueError(f"exog must be {steps} x {k - 1} finite future prices; got shape "
                             f"{Xf.shape}")
        sysm = self.model.system(np.asarray(self.full_params, float))
        a = self.core.filtered_state[-1]
        if not np.all(np.isfinite(a)):
            raise ValueError("the final filtered state is undefined (too few observations)")
        out = np.empty(steps)
        for h in range(steps):
            a = sysm["cvec"] + sysm["tdiag"] * a
            out[h] = a[0] + Xf[h] @ a[1:]
        index = getattr(exog, "index", None)
        if index is None or len(index) != steps:
            index = pd.RangeIndex(self.nobs, self.nobs + steps)
        return pd.Series(out, index=index, name="forecast")

    def append(self, endog, exog=None, refit=False, fit_kwargs=None, **kwargs):
        """Results on this sample followed by new observations, at these parameters.

        As statsmodels' ``append``, but on any index (business-day dates without a frequency
        included): the new rows must follow the old ones (a later date, for a date index).

        Parameters
        ----------
        endog : array_like
            New prices of the first asset.
        exog : array_like
            New prices of the regressors (same rows).
        refit : bool
            Re-estimate the parameters on the longer sample (the model's ``fit``).
        fit_kwargs : dict, optional
            Arguments of that fit.

        Returns
        -------
        HedgeRatioResults

        Raises
        ------
        ValueError
            No ``exog``, a row count that differs from ``endog``'s, or new dates that do not
            follow the sample.
        """
        if exog is None:
            raise ValueError("append needs the regressors' new prices (exog)")
        old_y, old_x = self.model.data.orig_endog, self.model.data.orig_exog
        if isinstance(old_y, pd.Series | pd.DataFrame) and isinstance(endog, pd.Series
                                                                      | pd.DataFrame):
            new_y = endog if isinstance(endog, pd.Series) else endog.iloc[:, 0]
            new_x = pd.DataFrame(exog, index=new_y.index)
            new_x.columns = old_x.columns
            if len(new_y) != len(new_x):
                raise ValueError("endog and exog must have the same number of new rows")
            if len(new_y) and not new_y.index[0] > old_y.index[-1]:
                raise ValueError(f"the new rows must follow the sample (its last label is "
                                 f"{old_y.index[-1]}, the first new one {new_y.index[0]})")
            y = pd.concat([old_y.squeeze(axis=1) if isinstance(old_y, pd.DataFrame) else old_y,
                           new_y.rename(old_y.name if isinstance(old_y, pd.Series) else None)])
            X = pd.concat([old_x, new_x])
        else:
            y = np.concatenate([np.asarray(old_y, float).ravel(),
                                np.asarray(endog, float).ravel()])
            X = np.concatenate([np.asarray(old_x, float).reshape(len(old_y), -1),
                                np.asarray(exog, float).reshape(-1, self.model.k_states - 1)])
            if len(X) != len(y):
                raise ValueError("endog and exog must have the same number of new rows")
        mod = self.model.clone(y, exog=X, **kwargs)
        return self._apply(mod, refit=refit, fit_kwargs=fit_kwargs)

    def extend(self, endog, exog=None, fit_kwargs=None, **kwargs):
        """Results on new observations only, filtered from this sample's last prediction.

        As statsmodels' ``extend``: the new model starts from the known state
        :math:`N(a_{n+1}, P_{n+1})` predicted at the end of this sample, so its filtered states
        equal those of a filter run over both samples.

        Raises
        ------
        ValueError
            The last predicted state is undefined (the sample does not identify the diffuse
            start).
        """
        a = self.predicted_state[:, -1]
        P = self.predicted_state_cov[:, :, -1]
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(P))):
            raise ValueError("cannot extend: the state predicted at the end of this sample is "
                             "undefined (too few observations to identify the diffuse start)")
        if exog is None:
            raise ValueError("extend needs the regressors' new prices (exog)")
        kwargs.update(initialization="known", initial_state=a, initial_state_cov=P)
        mod = self.model.clone(endog, exog=exog, **kwargs)
        return self._apply(mod, refit=False, fit_kwargs=fit_kwargs)

    def apply(self, endog, exog=None, refit=False, fit_kwargs=None, copy_initialization=False,
              **kwargs):
        """These parameters (or a refit) on other data, with this model's initialization.

        ``copy_initialization`` is accepted for statsmodels compatibility and changes nothing:
        the clone always has this model's initialization scheme (which, for the diffuse, known
        and Chan starts, is the same initial distribution).
        """
        mod = self.model.clone(endog, exog=exog, **kwargs)
        return self._apply(mod, refit=refit, fit_kwargs=fit_kwargs)

    @cache_readonly
    def llf_obs(self) -> np.ndarray:
        """Per-observation log-likelihood (as the model's ``loglikeobs``): the first identified
        date carries the diffuse terms, the dates before it 0 (see
        :class:`ssm_coint.kalman.FilterOutput`)."""
        return self.core.llf_obs

    @cache_readonly
    def llf(self) -> float:
        """Exact log-likelihood at ``params`` (as the model's ``loglike``)."""
        return float(self.core.llf)

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
        r"""Standardised innovations :math:`e_t / \sqrt{Q_t}`.

        NaN for the first ``nobs_diffuse`` observations, where the prediction is undefined."""
        inn = self.innovations
        z = inn["forecast_error"] / np.sqrt(inn["forecast_error_var"])
        return z.rename("zscore")

    @property
    def half_life(self) -> float:
        """Half-life of the spread level in observations, from alpha (``inf`` if alpha = 1)."""
        return half_life_from_alpha(self.full_params["alpha"])

    def conf_int(self, alpha: float = 0.05, **kwargs) -> pd.DataFrame:
        """Wald intervals of the free parameters, by the rule of
        :meth:`ssm_coint.Calibration.conf_int` (log scale for variances; NaN at a boundary).

        statsmodels' keyword arguments (``cols``, ``method``) are refused: one interval rule
        for every results object of the package.
        """
        if kwargs:
            raise TypeError(f"conf_int() takes alpha only; got {sorted(kwargs)}")
        from ..calibration import wald_intervals

        names = list(self.model.param_names)
        params = pd.Series(np.asarray(self.params, float), index=names)
        bse = pd.Series(np.asarray(self.bse, float), index=names)
        return wald_intervals(params, bse, alpha)

    @property
    def mu(self) -> float:
        r"""Long-run mean :math:`\mu = c / (1-\alpha)` of the spread level (NaN at alpha = 1),
        as :attr:`ssm_coint.Calibration.mu`; its standard error is :attr:`mu_se`."""
        p = self.full_params
        alpha, c = float(p["alpha"]), float(p["c"])
        return c / (1 - alpha) if alpha < 1 else math.nan

    @property
    def mu_se(self) -> float:
        r"""Delta-method standard error of :attr:`mu`.

        .. math::

            \operatorname{se}(\hat\mu)^2 = g' \Sigma g, \qquad
            g = \left(\frac{c}{(1-\alpha)^2}, \frac{1}{1-\alpha}\right)

        over the free ones of (alpha, c); 0 when both are fixed. NaN at alpha = 1, and when
        the results carry no covariance (``cov_type="none"``, or alpha or c on a boundary).
        """
        p = self.full_params
        alpha, c = float(p["alpha"]), float(p["c"])
        if alpha >= 1:
            return math.nan
        names = self.model.param_names
        grad = {"alpha": c / (1 - alpha) ** 2, "c": 1 / (1 - alpha)}
        idx = [names.index(n) for n in grad if n in names]
        if not idx:
            return 0.0
        cov = np.asarray(self.cov_params())[np.ix_(idx, idx)]
        g = np.array([grad[names[i]] for i in idx])
        var = float(g @ cov @ g)
        return math.sqrt(var) if var >= 0 else math.nan

    def _default_skip(self) -> int:
        """Leading observations whose states mirror the initialization, not the data.

        The diffuse periods of an exact diffuse start, and at least one observation per state
        (with fewer observations than states the states are not identified; Chan's zero start
        gives huge spreads and z-scores there).
        """
        return min(max(self.nobs_diffuse, int(self.model.k_states)), max(int(self.nobs) - 1, 0))

    def summary(self, *args, **kwargs):
        """statsmodels summary plus fixed parameters, mu and half-life."""
        summ = super().summary(*args, **kwargs)
        fixed = ", ".join(f"{k} = {v:g}" for k, v in self.model.fixed.items()) or "none"
        mu, mu_se = self.mu, self.mu_se
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
    # ``forecast`` and ``conf_int`` are not wrapped (below): they return their own frames
    _wrap_methods = {k: v for k, v in wrap.union_dicts(MLEResultsWrapper._wrap_methods,
                                                        _methods).items()
                     if k not in ("forecast", "conf_int")}

    def conf_int(self, *args, **kwargs):
        """See :meth:`HedgeRatioResults.conf_int`."""
        return self._results.conf_int(*args, **kwargs)

    def forecast(self, *args, **kwargs):
        """See :meth:`HedgeRatioResults.forecast`."""
        return self._results.forecast(*args, **kwargs)


wrap.populate_wrapper(HedgeRatioResultsWrapper, HedgeRatioResults)
