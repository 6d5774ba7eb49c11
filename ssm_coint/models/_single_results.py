r"""Results of the single-asset mean-reversion model, and its position rule.

See :mod:`ssm_coint.models._single` for the model and what it does instead of seed 001.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from statsmodels.tsa.statespace.mlemodel import MLEResults, MLEResultsWrapper

from ._core_arrays import CoreArraysMixin, install_core_arrays

try:  # statsmodels >= 0.15 moved it
    from statsmodels.tools._decorators import cache_readonly
except ImportError:  # pragma: no cover
    from statsmodels.tools.decorators import cache_readonly

__all__ = [
    "MeanReversionLevel",
    "MeanReversionResults",
    "MeanReversionResultsWrapper",
    "mean_reversion_positions",
]


def _half_life(phi: float) -> float:
    from ._single import _half_life as half_life

    return half_life(phi)


def mean_reversion_positions(
    zscore: Any,
    entry: float = 2.0,
    exit: float = 0.5,
    *,
    stop: float | None = None,
    long_only: bool = False,
) -> pd.Series:
    r"""Positions (+1 long, -1 short, 0 flat) from a z-score by the package's one rule.

    See :func:`ssm_coint.trading.position_rule` for the entry, exit and stop semantics.

    Parameters
    ----------
    zscore : pandas.Series or array_like
        :math:`z_t`, known at the close of day :math:`t`. NaN keeps the current position.
    entry : float
        Open a long when :math:`z_t < -\text{entry}`, a short when :math:`z_t > \text{entry}`.
    exit : float
        Close a long when :math:`z_t > -\text{exit}` and a short when :math:`z_t < \text{exit}`:
        :math:`|z_t| <` ``exit``, or :math:`z_t` has crossed to the other side; a crossing
        beyond ``entry`` opens the opposite position on the same day.
    stop : float, optional
        Stop-loss: close a long when :math:`z_t < -\text{stop}` (a short when
        :math:`z_t > \text{stop}`); no new position until :math:`|z_t| <` ``exit``.
    long_only : bool
        Never go short.

    Returns
    -------
    pandas.Series
        Integer positions on the index of ``zscore`` (a RangeIndex for arrays), named
        ``position``. Position :math:`t` uses :math:`z_1..z_t` only.

    Raises
    ------
    ModelSpecificationError
        Unless :math:`0 \le \text{exit} < \text{entry} < \text{stop}`.
    """
    from ..trading._signals import position_rule  # raises a ModelSpecificationError subclass

    index = zscore.index if isinstance(zscore, pd.Series) else None
    pos = position_rule(np.asarray(zscore, dtype=float), entry=entry, exit=exit, stop=stop,
                        long_only=long_only)
    return pd.Series(pos, index=index, name="position")


@dataclass(frozen=True)
class MeanReversionLevel:
    """Filtered, smoothed and predicted level with standard deviations, on the price index.

    Attributes
    ----------
    filtered, filtered_sd : pandas.Series
        :math:`m_{t|t} = E[m_t | p_{1..t}]` and :math:`\\sqrt{P_{t|t}}`.
    smoothed, smoothed_sd : pandas.Series
        :math:`E[m_t | p_{1..n}]` and its standard deviation (uses future prices: for
        analysis only, never for signals).
    predicted, predicted_sd : pandas.Series
        :math:`a_t = E[m_t | p_{1..t-1}]` and :math:`\\sqrt{P_t}`.
    """

    filtered: pd.Series
    filtered_sd: pd.Series
    smoothed: pd.Series
    smoothed_sd: pd.Series
    predicted: pd.Series
    predicted_sd: pd.Series


class MeanReversionResults(CoreArraysMixin, MLEResults):
    r"""Results of :class:`MeanReversionModel`: level, deviation, z-score and positions.

    Notes
    -----
    The signal. With the one-step prediction :math:`a_t, P_t` of the level, the innovation
    :math:`v_t = p_t - a_t` has variance :math:`F_t = P_t + r`, the gain is
    :math:`K_t = P_t / F_t` and the filtered level is :math:`m_{t|t} = a_t + K_t v_t` with
    :math:`P_{t|t} = P_t r / F_t`. The deviation of the price from its filtered level is

    .. math::

        d_t = p_t - m_{t|t} = (1 - K_t)\, v_t = \frac{r}{F_t}\, v_t ,

    the filtered estimate :math:`E[\varepsilon_t | p_{1..t}]` of the observation noise. Given
    :math:`p_{1..t-1}`, :math:`v_t \sim N(0, F_t)`, so

    .. math::

        \operatorname{Var}(d_t \mid p_{1..t-1}) = \frac{r^2}{F_t} = r - P_{t|t},
        \qquad
        z_t = \frac{d_t}{r / \sqrt{F_t}} = \frac{v_t}{\sqrt{F_t}} \sim N(0, 1),

    independent over :math:`t` under the model. (:math:`r - P_{t|t}` is also the law of total
    variance: :math:`\operatorname{Var} E[\varepsilon_t|\cdot] = r - E\operatorname{Var}
    [\varepsilon_t|\cdot]` and :math:`\operatorname{Var}(\varepsilon_t | p_{1..t}) = P_{t|t}`.)
    The tempting :math:`P_{t|t} + r` is the variance of a *new* price around the filtered
    level; it ignores that :math:`p_t` has already pulled :math:`m_{t|t}` towards itself and
    would shrink :math:`z_t` by :math:`\sqrt{(r - P_{t|t})/(r + P_{t|t})}`. When
    :math:`r = 0` the deviation is identically zero and :math:`z_t` is its limit
    :math:`v_t/\sqrt{F_t}`. In the diffuse periods :math:`z_t` is NaN.
    """

    def __init__(self, model, params, results, cov_type=None, cov_kwds=None, **kwargs):
        super().__init__(model, params, results, cov_type=cov_type, cov_kwds=cov_kwds, **kwargs)
        if model.uses_core:  # exact states, errors and llf from the Kalman core
            p = np.asarray(self.params, float)
            smoothed = self.smoothed_state is not None
            core = model.core_filter(p)
            if smoothed and not np.isfinite(core.llf):
                # as kalman.run_smoother: the smoothed states would be undefined
                raise ValueError("smoothed states are undefined: the log-likelihood is "
                                 f"{core.llf} (non-positive forecast variance or "
                                 "unidentified start)")
            install_core_arrays(self, core, model.system(p), smooth_params=p if smoothed else None)
        else:
            self.core = None
            self.nobs_diffuse = int(getattr(results, "nobs_diffuse", 0) or 0)

    @cache_readonly
    def llf_obs(self) -> np.ndarray:
        """Per-observation log-likelihood (the model's ``loglikeobs``)."""
        if self.core is None:
            return np.asarray(self.filter_results.llf_obs)
        return self.core.llf_obs

    @cache_readonly
    def llf(self) -> float:
        """Exact log-likelihood at ``params`` (the model's ``loglike``)."""
        if self.core is None:
            return float(self.filter_results.llf)
        return float(self.core.llf)

    @property
    def _index(self) -> pd.Index:
        labels = getattr(self.model.data, "row_labels", None)
        if labels is not None and len(labels) == self.nobs:
            return pd.Index(labels)
        idx = self.model._index
        return idx if len(idx) == self.nobs else pd.RangeIndex(self.nobs)

    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=float), index=self._index, name=name)

    @property
    def _p(self) -> np.ndarray:
        return np.asarray(self.params, dtype=float)

    @property
    def phi(self) -> float:
        r"""AR(1) coefficient :math:`\phi` of the level."""
        return float(self._p[0])

    @property
    def long_run_mean(self) -> float:
        r""":math:`\mu = c / (1 - \phi)`."""
        return float(self._p[1] / (1.0 - self._p[0]))

    @property
    def half_life(self) -> float:
        r"""Half-life of the level, :math:`\ln 2 / (-\ln|\phi|)` observations."""
        return _half_life(self._p[0])

    @property
    def signal_to_noise(self) -> float:
        r""":math:`q / r` (``inf`` when :math:`r = 0`)."""
        q, r = self._p[2], self._p[3]
        return float(q / r) if r > 0 else math.inf

    @property
    def price(self) -> pd.Series:
        """The observed price :math:`p_t`."""
        return self._series(self.model.endog[:, 0], "price")

    @cached_property
    def level(self) -> MeanReversionLevel:
        """Filtered, smoothed and predicted level with standard deviations."""
        fs = self.filtered_state[0]
        fv = self.filtered_state_cov[0, 0]
        ps = self.predicted_state[0, :-1]
        pv = self.predicted_state_cov[0, 0, :-1]
        if self.smoothed_state is not None:
            ss, sv = self.smoothed_state[0], self.smoothed_state_cov[0, 0]
        else:
            ss = sv = np.full(self.nobs, np.nan)
        def sd(v: np.ndarray) -> np.ndarray:
            return np.sqrt(np.clip(v, 0, None))

        return MeanReversionLevel(
            filtered=self._series(fs, "level"),
            filtered_sd=self._series(sd(fv), "level_sd"),
            smoothed=self._series(ss, "level_smoothed"),
            smoothed_sd=self._series(sd(sv), "level_smoothed_sd"),
            predicted=self._series(ps, "level_predicted"),
            predicted_sd=self._series(sd(pv), "level_predicted_sd"),
        )

    @property
    def innovations(self) -> pd.DataFrame:
        r"""One-step forecast errors :math:`v_t` and their variances :math:`F_t`."""
        return pd.DataFrame(
            {"forecast_error": self.forecasts_error[0],
             "forecast_error_var": self.forecasts_error_cov[0, 0]},
            index=self._index,
        )

    @property
    def deviation(self) -> pd.Series:
        r"""Deviation of the price from its filtered level, :math:`d_t = p_t - m_{t|t}`."""
        return self._series(self.model.endog[:, 0] - self.filtered_state[0], "deviation")

    @property
    def deviation_sd(self) -> pd.Series:
        r"""Standard deviation of :math:`d_t` given :math:`p_{1..t-1}`: :math:`r/\sqrt{F_t}`.

        Computed as :math:`r / \sqrt{F_t}`, which equals :math:`\sqrt{r - P_{t|t}}` without
        its cancellation when :math:`P_{t|t} \approx r`. NaN in the diffuse periods.
        """
        r = self._p[3]
        F = np.asarray(self.forecasts_error_cov[0, 0], dtype=float)
        out = r / np.sqrt(F)
        out[: self._n_diffuse] = np.nan
        return self._series(out, "deviation_sd")

    @property
    def _n_diffuse(self) -> int:
        return self.nobs_diffuse

    @property
    def zscore(self) -> pd.Series:
        r"""Z-score of the deviation from the filtered level.

        :math:`z_t = d_t / \operatorname{sd}(d_t)`, from filter output available at the close
        of day :math:`t` only. See the class notes for the derivation
        (:math:`z_t = v_t/\sqrt{F_t}`).
        """
        d = self.deviation.to_numpy()
        sd = self.deviation_sd.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            z = d / sd
        if not self._p[3] > 0:  # r = 0: d_t = 0 exactly; use the limit v_t / sqrt(F_t)
            z = self.forecasts_error[0] / np.sqrt(self.forecasts_error_cov[0, 0])
        z = np.asarray(z, dtype=float)
        z[: self._n_diffuse] = np.nan
        z[~np.isfinite(self.model.endog[:, 0])] = np.nan
        return self._series(z, "zscore")

    def signal(self, entry: float = 2.0, exit: float = 0.5, *, stop: float | None = None,
               long_only: bool = False) -> pd.DataFrame:
        r"""Mean-reversion positions on the z-score of the deviation from the filtered level.

        Long (+1) when :math:`z_t < -\text{entry}` (the price is unusually far *below* its
        level), short (-1) when :math:`z_t > \text{entry}`, flat again when
        :math:`|z_t| < \text{exit}` (see :func:`mean_reversion_positions` for crossings and
        the stop). Thresholds are in standard deviations, so the signal does not depend on the
        price unit.

        Parameters
        ----------
        entry, exit : float
            Entry and exit thresholds on :math:`|z_t|`.
        stop : float, optional
            Stop-loss threshold.
        long_only : bool
            Never go short.

        Returns
        -------
        pandas.DataFrame
            Columns ``price``, ``level`` (filtered), ``deviation``, ``deviation_sd``,
            ``zscore``, ``position`` (decided at the close of day :math:`t`).
        """
        z = self.zscore
        return pd.DataFrame({
            "price": self.price,
            "level": self.level.filtered,
            "deviation": self.deviation,
            "deviation_sd": self.deviation_sd,
            "zscore": z,
            "position": mean_reversion_positions(z, entry, exit, stop=stop,
                                                 long_only=long_only),
        })

    def summary(self, *args: Any, **kwargs: Any) -> Any:
        """statsmodels summary plus the long-run mean, half-life and initialization."""
        summ = super().summary(*args, **kwargs)
        summ.add_extra_txt([
            f"Initialization: {self.model.initialization_kind}",
            f"Long-run mean c/(1-phi) = {self.long_run_mean:.6g}; half-life of the level = "
            f"{self.half_life:.4g} observations; q/r = {self.signal_to_noise:.4g}",
        ])
        return summ


class MeanReversionResultsWrapper(MLEResultsWrapper):
    """pandas wrapper (statsmodels pattern)."""

    _attrs: dict = {}
    _wrap_attrs = wrap.union_dicts(MLEResultsWrapper._wrap_attrs, _attrs)
    _methods: dict = {}
    _wrap_methods = wrap.union_dicts(MLEResultsWrapper._wrap_methods, _methods)


wrap.populate_wrapper(MeanReversionResultsWrapper, MeanReversionResults)
