"""Chan's fixed-noise Kalman filter (Algorithmic Trading, Example 3.3) as a special case."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..exceptions import ModelSpecificationError
from ._mle import hedge_model

__all__ = ["chan_filter", "fit_chan", "chan_params"]


def chan_params(model, delta: float, ve: float) -> np.ndarray:
    r"""Free parameters of an ``alpha1`` model at Chan's values.

    Every state variance is :math:`\delta/(1-\delta)` and the observation variance is
    :math:`V_e`.
    """
    if not 0 < delta < 1:
        raise ModelSpecificationError(f"delta must lie in (0, 1), got {delta}")
    if not ve > 0:
        raise ModelSpecificationError(f"ve must be positive, got {ve}")
    full = np.zeros(len(model.all_param_names))
    full[0] = 1.0
    for i, n in enumerate(model.all_param_names):
        if n.startswith("sigma2.") and n != "sigma2.obs":
            full[i] = delta / (1 - delta)
    full[-1] = ve
    return model.free_from_full(full)


def chan_filter(prices: pd.DataFrame, delta: float = 1e-4, ve: float = 1e-3):
    r"""Run Chan's filter: alpha = 1, :math:`V_w = \delta/(1-\delta) I`, :math:`V_e`, zero start.

    The initial predicted state and its covariance are zero (Chan's MATLAB code skips the
    prediction step on the first day), so the first update leaves the state at zero.

    Returns
    -------
    HedgeRatioResults
        Filtered/smoothed states, innovations :math:`e_t` and their variances :math:`Q_t`.
    """
    model = hedge_model(prices, variant="alpha1", initialization="chan")
    return model.smooth(chan_params(model, delta, ve), cov_type="none")


def fit_chan(prices: pd.DataFrame, delta: float = 1e-4, ve: float = 1e-3, *,
             initialization: str = "chan") -> Calibration:
    r"""Chan's filter as a :class:`Calibration` (nothing is estimated; the llf is exact).

    ``initialization="diffuse"`` evaluates the same parameters on the likelihood scale of the
    MLE (exact diffuse start), which is what a comparison across methods needs.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2, ..., x_k`` columns (see :func:`ssm_coint.load_prices`).
    delta : float
        Chan's :math:`\delta` in (0, 1); every state variance is :math:`\delta/(1-\delta)`.
    ve : float
        Observation variance :math:`V_e` (positive).
    initialization : str
        Filter start: ``"chan"`` (default, zero start) or ``"diffuse"`` (likelihood scale of
        the MLE).

    Returns
    -------
    Calibration
        ``method="chan"``, ``variant="alpha1"``, the full parameter vector at Chan's values, no
        free parameters, the exact ``llf`` and the smoothed results.
    """
    t0 = time.perf_counter()
    model = hedge_model(prices, variant="alpha1", initialization=initialization)
    free = chan_params(model, delta, ve)
    res = model.smooth(free, cov_type="none")
    return Calibration(
        method="chan", variant="alpha1",
        params=pd.Series(model.full_from_free(free), index=model.all_param_names),
        free=[], llf=float(res.llf), nobs=int(model.nobs),
        runtime_s=time.perf_counter() - t0, iterations=0, converged=True,
        results=res,
    )
