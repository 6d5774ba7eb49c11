"""Chan's Example 3.3 (Algorithmic Trading, 2013) as a special case of the model."""

from __future__ import annotations

import numpy as np
import pytest
from _shared_data import chan_published_results

from ssm_coint import chan_filter, fit_chan


def chan_loop(x, y, delta, Ve):
    """Line-by-line transcription of Chan's MATLAB loop (KF_beta_EWA_EWC.m), x = [EWA, 1]."""
    n = len(y)
    x = np.column_stack([x, np.ones(n)])
    yhat = np.full(n, np.nan)
    e = np.full(n, np.nan)
    Q = np.full(n, np.nan)
    R = np.zeros((2, 2))
    P = np.zeros((2, 2))
    beta = np.full((2, n), np.nan)
    Vw = delta / (1 - delta) * np.eye(2)
    beta[:, 0] = 0
    for t in range(n):
        if t > 0:
            beta[:, t] = beta[:, t - 1]
            R = P + Vw
        yhat[t] = x[t] @ beta[:, t]
        Q[t] = x[t] @ R @ x[t] + Ve
        e[t] = y[t] - yhat[t]
        K = R @ x[t] / Q[t]
        beta[:, t] = beta[:, t] + K * e[t]
        P = R - np.outer(K, x[t]) @ R
    return beta, e, Q


@pytest.fixture(scope="module")
def chan_res(ewc_ewa):
    return chan_filter(ewc_ewa, delta=1e-4, ve=1e-3)


def test_last_day_states_match_published(chan_res):
    ref = chan_published_results()["book2_example_3.3_kalman_ewa_ewc"]["reproduced"]
    slope, intercept = ref["beta_last_day"]  # Chan's order: [EWA, 1]
    last = chan_res.hedge_ratios.filtered.iloc[-1]
    # published to 5 decimals: half a unit in the last place
    assert abs(last["EWA"] - slope) <= 5e-6
    assert abs(last["intercept"] - intercept) <= 5e-6


def test_innovations_equal_chans_loop(chan_res, ewc_ewa):
    beta, e, Q = chan_loop(ewc_ewa["EWA"].to_numpy(), ewc_ewa["EWC"].to_numpy(), 1e-4, 1e-3)
    inn = chan_res.innovations
    np.testing.assert_allclose(inn["forecast_error"], e, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(inn["forecast_error_var"], Q, rtol=1e-10, atol=1e-10)
    filt = chan_res.hedge_ratios.filtered
    np.testing.assert_allclose(filt["EWA"], beta[0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(filt["intercept"], beta[1], rtol=1e-10, atol=1e-10)


def test_chan_calibration_on_both_likelihood_scales(ewc_ewa):
    zero_start = fit_chan(ewc_ewa)
    diffuse = fit_chan(ewc_ewa, initialization="diffuse")
    assert zero_start.method == "chan" and zero_start.free == []
    # the same parameters on two start conventions give different, finite likelihoods
    assert np.isfinite(zero_start.llf) and np.isfinite(diffuse.llf)
    assert zero_start.llf != pytest.approx(diffuse.llf)
    assert zero_start.params["sigma2.EWA"] == pytest.approx(1e-4 / (1 - 1e-4), rel=1e-15)


def test_states_are_on_the_price_dates(chan_res, ewc_ewa):
    """Real business-day data have no pandas frequency; results keep the dates anyway."""
    assert chan_res.hedge_ratios.filtered.index.equals(ewc_ewa.index)
    assert chan_res.innovations.index.equals(ewc_ewa.index)
    assert chan_res.spread.index.equals(ewc_ewa.index)
