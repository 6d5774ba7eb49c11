"""Results of the hedge-ratio model: thin, domain-named views over statsmodels' output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from statsmodels.tsa.statespace.mlemodel import MLEResults, MLEResultsWrapper

try:  # statsmodels >= 0.15 moved it
    from statsmodels.tools._decorators import cache_readonly
except ImportError:  # pragma: no cover
    from statsmodels.tools.decorators import cache_readonly

if TYPE_CHECKING:  # matplotlib is the optional ``plot`` extra
    from matplotlib.figure import Figure

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


def _new_figure(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """Return ``fig``, or a new pyplot figure; a clear ImportError without matplotlib."""
    try:
        import matplotlib  # noqa: F401 - optional dependency
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib, the optional 'plot' extra of ssm_coint: "
            "pip install 'ssm_coint[plot]' (or pip install matplotlib)"
        ) from exc
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def _check_skip(skip: int, nobs: int) -> None:
    if not (isinstance(skip, int | np.integer) and 0 <= skip < nobs):
        raise ValueError(f"skip must be an integer in [0, {nobs}), not {skip!r}")


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
        super().__init__(model, params, results, cov_type=cov_type, cov_kwds=cov_kwds, **kwargs)
        self._apply_core()

    def _apply_core(self) -> None:
        """Replace statsmodels' filter/smoother arrays by the exact core's."""
        full = np.asarray(self.model.full_from_free(np.asarray(self.params)), float)
        smoothed = self.smoothed_state is not None
        core = self.model.core_smoother(full) if smoothed else self.model.core_filter(full)
        self.core = core
        self.nobs_diffuse = int(core.nobs_diffuse)
        k = self.model.k_states
        sysm = self.model.system(full)
        filt = core.filtered_state
        pred = np.full((self.nobs + 1, k), np.nan)
        pred_cov = np.full((self.nobs + 1, k, k), np.nan)
        if not sysm["Pinf1"].any():
            pred[0] = sysm["a1"]
            pred_cov[0] = sysm["P1"]
        tdiag, cvec = sysm["tdiag"], sysm["cvec"]
        pred[1:] = cvec[None, :] + tdiag[None, :] * filt
        pred_cov[1:] = (tdiag[None, :, None] * core.filtered_state_cov * tdiag[None, None, :]
                        + np.diag(sysm["q"])[None, :, :])
        self.filtered_state = filt.T
        self.filtered_state_cov = np.transpose(core.filtered_state_cov, (1, 2, 0))
        self.predicted_state = pred.T
        self.predicted_state_cov = np.transpose(pred_cov, (1, 2, 0))
        self.forecasts_error = core.forecast_error[None, :]
        self.forecasts_error_cov = core.forecast_error_var[None, None, :]
        self.forecasts = (self.model.endog[:, 0] - core.forecast_error)[None, :]
        self.standardized_forecasts_error = core.zscore[None, :]
        if smoothed:
            self.smoothed_state = core.smoothed_state.T
            self.smoothed_state_cov = np.transpose(core.smoothed_state_cov, (1, 2, 0))
            auto = np.full((self.nobs, k, k), np.nan)
            auto[:-1] = core.smoothed_state_autocov
            #: ``[:, :, t]`` = Cov(beta_{t+1}, beta_t | y_1..n); NaN at t = n - 1
            self.smoothed_state_autocov = np.transpose(auto, (1, 2, 0))
        index = self.model._index
        names = self.model.state_names
        use_pandas = isinstance(index, pd.Index) and len(index) == self.nobs
        st = self._states
        st.filtered = pd.DataFrame(filt, index=index, columns=names) if use_pandas else filt
        st.filtered_cov = np.transpose(self.filtered_state_cov, (2, 0, 1))
        st.predicted = pred
        st.predicted_cov = pred_cov
        if smoothed:
            sm = core.smoothed_state
            st.smoothed = pd.DataFrame(sm, index=index, columns=names) if use_pandas else sm
            st.smoothed_cov = core.smoothed_state_cov

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

    @property
    def mu(self) -> tuple[float, float]:
        r"""Long-run mean :math:`\mu = c / (1-\alpha)` and its delta-method standard error.

        .. math::

            \operatorname{se}(\hat\mu)^2 = g' \Sigma g, \qquad
            g = \left(\frac{c}{(1-\alpha)^2}, \frac{1}{1-\alpha}\right)

        over the free ones of (alpha, c). ``(nan, nan)`` when alpha = 1; the standard error is
        NaN when the results carry no covariance (``cov_type="none"``, or alpha or c on a
        boundary).
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
        # NaN rows when no covariance was computed (cov_type="none") or at a boundary
        cov = np.asarray(self.cov_params())[np.ix_(idx, idx)]
        g = np.array([grad[names[i]] for i in idx])
        var = float(g @ cov @ g)
        return mu, math.sqrt(var) if var >= 0 else math.nan

    def _default_skip(self) -> int:
        """Leading observations whose states mirror the initialization, not the data.

        The diffuse periods of an exact diffuse start, and at least one observation per state
        (with fewer observations than states the states are not identified; Chan's zero start
        gives huge spreads and z-scores there).
        """
        return min(max(self.nobs_diffuse, int(self.model.k_states)), max(int(self.nobs) - 1, 0))

    def plot_hedge_ratios(self, which: Literal["smoothed", "filtered"] = "smoothed",
                          bands: float = 2.0, fig: Figure | None = None, *,
                          skip: int | None = None) -> Figure:
        r"""Plot each state over time with a shaded band of ``bands`` standard errors.

        One panel per state, top to bottom: the intercept :math:`\beta_{1,t}` (the spread
        level, an AR(1) around :math:`\mu = c/(1-\alpha)`) and the hedge ratio of each
        regressor. Each panel shows the estimate

        .. math::

            \hat\beta_{j,t} = E[\beta_{j,t} \mid y_{1..s}] \quad\text{and the band}\quad
            \hat\beta_{j,t} \pm b\,\sqrt{P_{jj,t}},

        with :math:`s = n` and :math:`P_t = \operatorname{Var}(\beta_t \mid y_{1..n})`
        for ``"smoothed"``, :math:`s = t` and :math:`P_t = P_{t|t}` for ``"filtered"``, and
        :math:`b` = ``bands`` (the columns of :attr:`hedge_ratios`). Under the Gaussian model
        :math:`b = 2` is a pointwise 95.4% interval *given the parameters*; the uncertainty of
        the estimated parameters is not included.

        Parameters
        ----------
        which : {"smoothed", "filtered"}
            Smoothed (all data, for analysis) or filtered (causal, what a trader knew) states.
        bands : float
            Half-width of the band in standard errors (positive; ``2.0`` by default).
        fig : matplotlib Figure, optional
            An empty figure to draw on (e.g. a bare ``matplotlib.figure.Figure`` for saving
            without pyplot); by default a new pyplot figure.
        skip : int, optional
            Leading observations left out. Default: the diffuse periods and at least one
            observation per state, where the states reflect the initialization rather than
            the data (Chan's zero start pins the first state at 0).

        Returns
        -------
        matplotlib.figure.Figure
            The figure, with one axis per state (``fig.axes`` in state order).

        Raises
        ------
        ImportError
            matplotlib (the ``plot`` extra) is not installed.
        ValueError
            Unknown ``which``, non-positive ``bands``, ``skip`` out of range, or smoothed
            states requested from filter-only results.
        """
        if which not in ("smoothed", "filtered"):
            raise ValueError(f"which must be 'smoothed' or 'filtered', not {which!r}")
        if not (math.isfinite(bands) and bands > 0):
            raise ValueError(f"bands must be a positive number of standard errors, not {bands!r}")
        hr = self.hedge_ratios
        est, se = (hr.smoothed, hr.smoothed_se) if which == "smoothed" else (
            hr.filtered, hr.filtered_se)
        if which == "smoothed" and est.isna().all().all():
            raise ValueError("no smoothed states in these results (they come from filter()); "
                             "use which='filtered' or the model's smooth()")
        if skip is None:
            skip = self._default_skip()
        _check_skip(skip, self.nobs)
        est, se = est.iloc[skip:], se.iloc[skip:]
        names = list(est.columns)
        fig = _new_figure(fig, (9.0, 1.0 + 2.4 * len(names)))
        axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
        x = est.index
        for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
            m = est[name].to_numpy(float)
            h = bands * se[name].to_numpy(float)
            ax.fill_between(x, m - h, m + h, color="C0", alpha=0.25, linewidth=0,
                            label=f"\u00b1{bands:g} s.e.")
            ax.plot(x, m, color="C0", linewidth=1.0, label=which)
            label = "intercept\n(spread level)" if i == 0 else f"hedge ratio\n{name}"
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
        axes[0].set_title(f"{which.capitalize()} states \u00b1 {bands:g} standard errors")
        axes[0].legend(loc="best", fontsize="small")
        fig.tight_layout()
        return fig

    def plot_spread(self, entry: float = 2.0, exit: float = 0.0, fig: Figure | None = None,
                    *, skip: int | None = None) -> Figure:
        r"""Plot the filtered spread (top) and its z-score with trading thresholds (bottom).

        Top panel: the spread :math:`s_t = y_t - \sum_{j\ge2}\beta_{j,t|t}x_{j,t}`
        (:attr:`spread`) and, when :math:`\alpha < 1`, its long-run mean
        :math:`\mu = c/(1-\alpha)` as a dashed line. Bottom panel:
        the z-score :math:`e_t/\sqrt{Q_t}` (:attr:`zscore`, the standardised one-step
        innovation, N(0, 1) under the model) with horizontal lines at :math:`\pm` ``entry``
        and :math:`\pm` ``exit``.

        Parameters
        ----------
        entry : float
            Entry threshold in z units (lines at ``+entry`` and ``-entry``).
        exit : float
            Exit threshold in z units (lines at ``+exit`` and ``-exit``; one line when 0).
        fig : matplotlib Figure, optional
            An empty figure to draw on; by default a new pyplot figure.
        skip : int, optional
            Leading observations left out; default the diffuse periods and at least one
            observation per state (where the filter still reflects its initialization).

        Returns
        -------
        matplotlib.figure.Figure
            The figure with two axes (spread, z-score).

        Raises
        ------
        ImportError
            matplotlib (the ``plot`` extra) is not installed.
        ValueError
            Non-finite thresholds or ``skip`` out of range.
        """
        if not (math.isfinite(entry) and math.isfinite(exit)):
            raise ValueError(f"entry and exit must be finite, not {entry!r} and {exit!r}")
        if skip is None:
            skip = self._default_skip()
        _check_skip(skip, self.nobs)
        spread = self.spread.iloc[skip:]
        z = self.zscore.iloc[skip:]
        fig = _new_figure(fig, (9.0, 6.0))
        ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        x = spread.index
        ax1.plot(x, spread.to_numpy(float), color="C0", linewidth=0.8, label="spread $s_t$")
        mu = self.mu[0]
        if math.isfinite(mu):
            ax1.axhline(mu, color="C1", linestyle="--", linewidth=1.0,
                        label=f"long-run mean $\\mu = c/(1-\\alpha)$ = {mu:.4g}")
        ax1.set_ylabel("spread")
        ax1.set_title("Filtered spread and z-score")
        ax1.legend(loc="best", fontsize="small")
        ax1.grid(True, alpha=0.3)
        ax2.plot(x, z.to_numpy(float), color="C0", linewidth=0.6, label="z-score $e_t/\\sqrt{Q_t}$")
        for value in sorted({float(entry), -float(entry)}):
            ax2.axhline(value, color="C3", linestyle="--", linewidth=0.9)
        for value in sorted({float(exit), -float(exit)}):
            ax2.axhline(value, color="grey", linestyle=":", linewidth=0.9)
        ax2.set_ylabel("z-score")
        ax2.set_title(f"entry \u00b1{entry:g} (dashed), exit \u00b1{exit:g} (dotted)",
                      fontsize="small")
        ax2.grid(True, alpha=0.3)
        fig.tight_layout()
        return fig

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
    # ``forecast`` is not date-wrapped (below): its Series carries its own index
    _wrap_methods = {k: v for k, v in wrap.union_dicts(MLEResultsWrapper._wrap_methods,
                                                        _methods).items() if k != "forecast"}

    def forecast(self, *args, **kwargs):
        """See :meth:`HedgeRatioResults.forecast`."""
        return self._results.forecast(*args, **kwargs)


wrap.populate_wrapper(HedgeRatioResultsWrapper, HedgeRatioResults)
