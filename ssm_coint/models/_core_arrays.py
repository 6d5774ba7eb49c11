"""Put the Kalman core's exact output into a statsmodels results object.

Both models' results (:class:`~ssm_coint.HedgeRatioResults`,
:class:`~ssm_coint.models.MeanReversionResults`) replace statsmodels' filter and smoother
arrays by the core's (:mod:`ssm_coint.kalman`), in statsmodels' shapes, so that every state,
prediction error, z-score and log-likelihood comes from the one exact recursion; statsmodels'
own output stays in ``filter_results`` / ``smoother_results`` as an independent cross-check.

Memory: on long samples (millions of rows) every (n, k, k) array costs n k^2 8 bytes (144 MB
for two million rows and three states), so only the filter's own arrays are installed eagerly
(as views, no copies). The predicted states and covariances, the forecasts, the standardized
errors, the smoothed moments (a backward pass of the core) and the ``states`` frames are
computed on first access, with the same arithmetic as before, and then kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CoreArraysMixin", "install_core_arrays"]

_SMOOTHED = ("smoothed_state", "smoothed_state_cov", "smoothed_state_autocov")
_LAZY = ("predicted_state", "predicted_state_cov", "forecasts",
         "standardized_forecasts_error") + _SMOOTHED


class _CoreArray:
    """Data descriptor of a results array built from the core on first access.

    Before :func:`install_core_arrays` has run (inside statsmodels' ``__init__``) it behaves
    as a plain attribute, holding statsmodels' value; :func:`install_core_arrays` drops that
    value, and the next read builds the core's (by ``_core_build_<name>``) and keeps it.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = "_core_arr_" + name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        d = obj.__dict__
        if self.slot not in d:
            if d.get("_core_system") is None:
                return None
            d[self.slot] = getattr(obj, "_core_build_" + self.name)()
        return d[self.slot]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


class _LazyStates:
    """statsmodels' ``results.states`` namespace, its arrays and frames built on access."""

    _NAMES = ("predicted", "predicted_cov", "filtered", "filtered_cov", "smoothed",
              "smoothed_cov")

    def __init__(self, res: Any) -> None:
        self._res = res
        self._values: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._NAMES:
            raise AttributeError(name)
        values = self.__dict__["_values"]
        if name not in values:
            values[name] = self.__dict__["_res"]._core_state_value(name)
        return values[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._values[name] = value

    def __repr__(self) -> str:
        return f"namespace({', '.join(self._NAMES)})"


class CoreArraysMixin:
    """Results mixin: the core's arrays under statsmodels' names, the costly ones lazily.

    Must come before ``MLEResults`` in the bases. Arrays are set by :func:`install_core_arrays`.
    """

    predicted_state = _CoreArray()
    predicted_state_cov = _CoreArray()
    forecasts = _CoreArray()
    standardized_forecasts_error = _CoreArray()
    smoothed_state = _CoreArray()
    smoothed_state_cov = _CoreArray()
    smoothed_state_autocov = _CoreArray()

    # ------------------------------------------------------------------ builders
    def _core_predicted(self) -> tuple[np.ndarray, np.ndarray]:
        """Predicted states (n + 1, k) and covariances (n + 1, k, k): :math:`c + T a_{t|t}`,
        :math:`T P_{t|t} T + Q` (and :math:`a_1, P_1` first when the start is known, NaN when
        diffuse)."""
        d = self.__dict__
        if "_core_pred" not in d:
            core, sysm = self.core, d["_core_system"]
            n, k = core.filtered_state.shape
            pred = np.full((n + 1, k), np.nan)
            pred_cov = np.full((n + 1, k, k), np.nan)
            if not np.any(sysm["Pinf1"]):
                pred[0] = sysm["a1"]
                pred_cov[0] = sysm["P1"]
            tdiag, cvec = np.asarray(sysm["tdiag"], float), np.asarray(sysm["cvec"], float)
            pred[1:] = cvec[None, :] + tdiag[None, :] * core.filtered_state
            pred_cov[1:] = (tdiag[None, :, None] * core.filtered_state_cov
                            * tdiag[None, None, :]
                            + np.diag(np.asarray(sysm["q"], float))[None, :, :])
            d["_core_pred"] = (pred, pred_cov)
        return d["_core_pred"]

    def _core_smoothed(self) -> Any:
        """The core's smoother output (one forward and one backward pass), computed once;
        None for filter-only results."""
        d = self.__dict__
        if d.get("_core_smoother") is None and d.get("_core_smooth_params") is not None:
            d["_core_smoother"] = self.model.core_smoother(d["_core_smooth_params"])
        return d.get("_core_smoother")

    def _core_build_predicted_state(self) -> np.ndarray:
        return self._core_predicted()[0].T

    def _core_build_predicted_state_cov(self) -> np.ndarray:
        return np.transpose(self._core_predicted()[1], (1, 2, 0))

    def _core_build_forecasts(self) -> np.ndarray:
        return (self.model.endog[:, 0] - self.core.forecast_error)[None, :]

    def _core_build_standardized_forecasts_error(self) -> np.ndarray:
        return self.core.zscore[None, :]

    def _core_build_smoothed_state(self) -> np.ndarray | None:
        sm = self._core_smoothed()
        return None if sm is None else sm.smoothed_state.T

    def _core_build_smoothed_state_cov(self) -> np.ndarray | None:
        sm = self._core_smoothed()
        return None if sm is None else np.transpose(sm.smoothed_state_cov, (1, 2, 0))

    def _core_build_smoothed_state_autocov(self) -> np.ndarray | None:
        sm = self._core_smoothed()
        if sm is None:
            return None
        n, k = sm.smoothed_state.shape
        auto = np.full((n, k, k), np.nan)
        auto[:-1] = sm.smoothed_state_autocov
        # [:, :, t] = Cov(beta_{t+1}, beta_t | y_1..n); NaN at t = n - 1
        return np.transpose(auto, (1, 2, 0))

    def _core_state_value(self, name: str) -> Any:
        """Value of ``states.<name>`` (as statsmodels lays it out: dates in rows)."""
        core = self.core
        index = self.model._index
        names = self.model.state_names
        n = core.filtered_state.shape[0]
        use_pandas = isinstance(index, pd.Index) and len(index) == n
        if name == "filtered":
            filt = core.filtered_state
            return pd.DataFrame(filt, index=index, columns=names) if use_pandas else filt
        if name == "filtered_cov":
            return core.filtered_state_cov
        if name in ("predicted", "predicted_cov"):
            return self._core_predicted()[name == "predicted_cov"]
        sm = self._core_smoothed()
        if sm is None:
            return None
        if name == "smoothed":
            st = sm.smoothed_state
            return pd.DataFrame(st, index=index, columns=names) if use_pandas else st
        return sm.smoothed_state_cov


def install_core_arrays(res: Any, core: Any, sysm: dict[str, Any],
                        smooth_params: Any = None) -> None:
    """Overwrite ``res``'s state arrays with ``core`` (a :class:`~ssm_coint.kalman.FilterOutput`).

    Parameters
    ----------
    res : CoreArraysMixin
        The results (after statsmodels' ``__init__``).
    core : FilterOutput
        The core's filter output at the results' parameters.
    sysm : dict
        The system (``tdiag``, ``cvec``, ``q``, ``a1``, ``P1``, ``Pinf1``) the core ran on.
    smooth_params : array_like, optional
        Parameters to pass to the model's ``core_smoother`` when smoothed moments are wanted
        (they are computed on first access); None for filter-only results.

    Notes
    -----
    Sets ``res.core`` and ``res.nobs_diffuse``. Predicted states are
    :math:`c + T\\beta_{t|t}` (and :math:`a_1` when the start is known, NaN when diffuse).
    """
    res.core = core
    res.nobs_diffuse = int(core.nobs_diffuse)
    d = res.__dict__
    d["_core_system"] = sysm
    d["_core_smooth_params"] = None if smooth_params is None else np.array(smooth_params)
    d.pop("_core_smoother", None)
    d.pop("_core_pred", None)
    res.filtered_state = core.filtered_state.T
    res.filtered_state_cov = np.transpose(core.filtered_state_cov, (1, 2, 0))
    res.forecasts_error = core.forecast_error[None, :]
    res.forecasts_error_cov = core.forecast_error_var[None, None, :]
    for name in _LAZY:  # statsmodels' values go; the core's are built on first access
        d.pop("_core_arr_" + name, None)
    if smooth_params is None:
        for name in _SMOOTHED:
            setattr(res, name, None)
    res._states = _LazyStates(res)
