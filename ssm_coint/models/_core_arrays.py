"""Put the Kalman core's exact output into a statsmodels results object.

Both models' results (:class:`~ssm_coint.HedgeRatioResults`,
:class:`~ssm_coint.models.MeanReversionResults`) replace statsmodels' filter and smoother
arrays by the core's (:mod:`ssm_coint.kalman`), in statsmodels' shapes, so that every state,
prediction error, z-score and log-likelihood comes from the one exact recursion; statsmodels'
own output stays in ``filter_results`` / ``smoother_results`` as an independent cross-check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["install_core_arrays"]


def install_core_arrays(res: Any, core: Any, sysm: dict[str, Any]) -> None:
    """Overwrite ``res``'s state arrays with ``core`` (a Filter- or SmootherOutput).

    ``sysm`` is the system (``tdiag``, ``cvec``, ``q``, ``a1``, ``P1``, ``Pinf1``) the core ran
    on. Sets ``res.core`` and ``res.nobs_diffuse``. Predicted states are
    :math:`c + T\\beta_{t|t}` (and :math:`a_1` when the start is known, NaN when diffuse).
    """
    res.core = core
    res.nobs_diffuse = int(core.nobs_diffuse)
    n, k = core.filtered_state.shape
    filt = core.filtered_state
    pred = np.full((n + 1, k), np.nan)
    pred_cov = np.full((n + 1, k, k), np.nan)
    if not np.any(sysm["Pinf1"]):
        pred[0] = sysm["a1"]
        pred_cov[0] = sysm["P1"]
    tdiag, cvec = np.asarray(sysm["tdiag"], float), np.asarray(sysm["cvec"], float)
    pred[1:] = cvec[None, :] + tdiag[None, :] * filt
    pred_cov[1:] = (tdiag[None, :, None] * core.filtered_state_cov * tdiag[None, None, :]
                    + np.diag(np.asarray(sysm["q"], float))[None, :, :])
    res.filtered_state = filt.T
    res.filtered_state_cov = np.transpose(core.filtered_state_cov, (1, 2, 0))
    res.predicted_state = pred.T
    res.predicted_state_cov = np.transpose(pred_cov, (1, 2, 0))
    res.forecasts_error = core.forecast_error[None, :]
    res.forecasts_error_cov = core.forecast_error_var[None, None, :]
    res.forecasts = (res.model.endog[:, 0] - core.forecast_error)[None, :]
    res.standardized_forecasts_error = core.zscore[None, :]
    smoothed = getattr(core, "smoothed_state", None) is not None
    if smoothed:
        res.smoothed_state = core.smoothed_state.T
        res.smoothed_state_cov = np.transpose(core.smoothed_state_cov, (1, 2, 0))
        auto = np.full((n, k, k), np.nan)
        auto[:-1] = core.smoothed_state_autocov
        # [:, :, t] = Cov(beta_{t+1}, beta_t | y_1..n); NaN at t = n - 1
        res.smoothed_state_autocov = np.transpose(auto, (1, 2, 0))
    index = res.model._index
    names = res.model.state_names
    use_pandas = isinstance(index, pd.Index) and len(index) == n
    st = res._states
    st.filtered = pd.DataFrame(filt, index=index, columns=names) if use_pandas else filt
    st.filtered_cov = core.filtered_state_cov
    st.predicted = pred
    st.predicted_cov = pred_cov
    if smoothed:
        sm = core.smoothed_state
        st.smoothed = pd.DataFrame(sm, index=index, columns=names) if use_pandas else sm
        st.smoothed_cov = core.smoothed_state_cov
