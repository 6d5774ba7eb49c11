"""Likelihood, filtered/smoothed states and innovations at FIXED parameters against the
independent NumPy filter in ``_reference_kf.py`` (tolerance rtol 1e-9, atol 1e-9 on states).

Exact diffuse case: the reference implements the Koopman-Durbin univariate exact diffuse filter
independently; we compare the log-likelihood, innovations and filtered states over all periods,
and smoothed states for t after the diffuse phase (where a plain RTS smoother started from the
filter is exact). We also check that statsmodels' own filter agrees whenever its diffuse phase
ends after k steps (which it does on these well-conditioned simulated designs).
"""

from __future__ import annotations

import numpy as np
import pytest
from _reference_kf import build, dense_diffuse_llf, kalman, rts

from ssm_coint import HedgeRatioModel, simulate_hedge_model

RTOL = 1e-9  # plain-NumPy vs Cython/numba: identical algebra, different rounding
ATOL_STATE = 1e-8


def _case(k, alpha, seed):
    params = {"alpha": alpha, "c": 0.1 * (1 - alpha) if alpha < 1 else 0.0}
    sim = simulate_hedge_model(400, {**params} if alpha < 1 else {"alpha": 1.0, "c": 0.0},
                               k=k, seed=seed, x0=1.0, x_sigma=2.0)
    y = sim.prices.iloc[:, 0]
    X = sim.prices.iloc[:, 1:]
    q = [0.01] + [1e-6] * (k - 1)
    named = {"alpha": alpha, "c": params["c"], "q": q, "r": 0.02}
    full = np.array([alpha, params["c"], *q, 0.02])
    return y, X, named, full


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("alpha", [0.9, 1.0])
def test_known_initial_state(k, alpha):
    y, X, named, full = _case(k, alpha, seed=11 + k)
    a1 = np.r_[0.5, np.full(k - 1, 0.8)]
    P1 = np.diag(np.r_[0.3, np.full(k - 1, 0.1)])
    mod = HedgeRatioModel(y, X, initialization="known", initial_state=a1,
                          initial_state_cov=P1)
    res = mod.smooth(mod.free_from_full(full), cov_type="none")
    Z = np.column_stack([np.ones(len(y)), X.to_numpy()])
    T, c, Q, r = build(named, k)
    ref = kalman(y.to_numpy(), Z, T, c, Q, r, a1, P1)
    np.testing.assert_allclose(res.llf, ref["llf"].sum(), rtol=RTOL)
    np.testing.assert_allclose(res.llf_statsmodels, ref["llf"].sum(), rtol=RTOL)
    np.testing.assert_allclose(res.hedge_ratios.filtered.to_numpy(), ref["af"], rtol=RTOL,
                               atol=ATOL_STATE)
    inn = res.innovations
    np.testing.assert_allclose(inn["forecast_error"], ref["v"], rtol=RTOL, atol=ATOL_STATE)
    np.testing.assert_allclose(inn["forecast_error_var"], ref["F"], rtol=RTOL)
    a_s, _ = rts(ref)
    np.testing.assert_allclose(res.hedge_ratios.smoothed.to_numpy(), a_s, rtol=RTOL,
                               atol=ATOL_STATE)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("alpha", [0.9, 1.0])
def test_exact_diffuse(k, alpha):
    y, X, named, full = _case(k, alpha, seed=23 + k)
    mod = HedgeRatioModel(y, X)
    res = mod.smooth(mod.free_from_full(full), cov_type="none")
    Z = np.column_stack([np.ones(len(y)), X.to_numpy()])
    T, c, Q, r = build(named, k)
    ref = kalman(y.to_numpy(), Z, T, c, Q, r, np.zeros(k), np.zeros((k, k)), np.eye(k))
    assert ref["nobs_diffuse"] == k
    # The regressors start near zero with large steps (x0=1, x_sigma=2), so the first k design
    # rows are well conditioned and the check tests the algorithm, not rounding amplification
    # (on real prices cond(Z[:k]) reaches 1e4-1e5; see the triplet test below).
    np.testing.assert_allclose(res.llf, ref["llf"].sum(), rtol=RTOL)
    assert res.filter_results.nobs_diffuse == k  # statsmodels ends its diffuse phase cleanly ...
    np.testing.assert_allclose(res.llf_statsmodels, ref["llf"].sum(), rtol=RTOL)  # ... and agrees
    np.testing.assert_allclose(res.hedge_ratios.filtered.to_numpy()[k:], ref["af"][k:],
                               rtol=RTOL, atol=ATOL_STATE)
    inn = res.innovations.to_numpy()[k:]
    np.testing.assert_allclose(inn[:, 0], ref["v"][k:], rtol=RTOL, atol=ATOL_STATE)
    np.testing.assert_allclose(inn[:, 1], ref["F"][k:], rtol=1e-8)  # rounding out of diffuse phase
    a_s, _ = rts(ref, start=k)
    np.testing.assert_allclose(res.hedge_ratios.smoothed.to_numpy()[k:], a_s[k:], rtol=1e-8,
                               atol=1e-8)


def test_fast_filter_equals_statsmodels_on_real_pair(ewc_ewa):
    """On EWC/EWA (k = 2) statsmodels' diffuse phase is clean; both likelihoods agree."""
    mod = HedgeRatioModel(ewc_ewa["EWC"], ewc_ewa[["EWA"]])
    for full in ([0.99, 0.05, 0.05, 1e-5, 0.01], [1.0, 0.0, 1e-3, 1e-4, 0.1]):
        res = mod.smooth(mod.free_from_full(np.array(full)), cov_type="none")
        np.testing.assert_allclose(res.llf, res.llf_statsmodels, rtol=1e-9)


def test_statsmodels_spurious_diffuse_steps_on_triplet(ewc_ewa_ige):
    """Documents why the model uses a rank-exact diffuse phase (see ssm_coint._kalman).

    On EWC/EWA/IGE the first three design rows are nearly collinear; statsmodels' absolute
    tolerance sometimes takes spurious extra diffuse steps and its log-likelihood jumps by about
    12 units when alpha moves by 1e-8. Ours must stay smooth (changes below 1e-3).
    """
    mod = HedgeRatioModel(ewc_ewa_ige["EWC"], ewc_ewa_ige[["EWA", "IGE"]])
    base = np.array([0.99911294, 2.99981e-03, 1.842974e-02, 1.19e-06, 4.01e-06, 5.11706e-03])
    ours, theirs = [], []
    for d in range(-3, 4):
        full = base.copy()
        full[0] += d * 1e-8
        ours.append(mod.loglike(mod.free_from_full(full)))
        theirs.append(super(HedgeRatioModel, mod).loglike(mod.free_from_full(full)))
    assert np.max(np.abs(np.diff(ours))) < 1e-3
    assert np.max(np.abs(np.diff(theirs))) > 5.0


def test_exact_diffuse_llf_equals_dense_reference_on_hard_designs(ewc_ewa_ige):
    """Nearly collinear first rows (real triplet; a simulated k = 3 case where a step-by-step
    exact diffuse filter loses 0.04-0.17 llf units): the model's log-likelihood equals the dense
    O(n^3) flat-prior likelihood of ``_reference_kf.dense_diffuse_llf`` to rtol 1e-9."""
    sim = simulate_hedge_model(1000, k=3, seed=7)
    cases = [(sim.prices, sim.params.to_numpy()),
             (sim.prices, np.array([0.99, 0.02, 0.005, 2e-6, 1e-6, 0.01])),
             (ewc_ewa_ige, np.array([0.99453207, 0.02888811, 0.01820124, 4.6e-07, 4.28e-06,
                                     5.06075e-03])),
             (ewc_ewa_ige, np.array([1.0, 0.0, 0.0175, 6.8e-07, 4.67e-06, 5.15e-03]))]
    for prices, full in cases:
        mod = HedgeRatioModel(prices.iloc[:, 0], prices.iloc[:, 1:])
        ref = dense_diffuse_llf(prices.iloc[:, 0].to_numpy(), mod._design_rows, full)
        assert mod.loglike(mod.free_from_full(full)) == pytest.approx(ref, rel=1e-9)
        res = mod.smooth(mod.free_from_full(full), cov_type="none")
        assert res.llf == pytest.approx(ref, rel=1e-9)


def test_loglike_reads_statsmodels_flag_dict():
    """statsmodels' ``fit`` passes ``{"transformed": False, ...}`` positionally; ``loglike`` must
    read it as flags (it once took the dict for ``transformed=True`` and evaluated the
    unconstrained vector as parameters, so ``fit`` never moved from its start)."""
    from ssm_coint import simulate_hedge_model
    from ssm_coint.estimation import hedge_model

    sim = simulate_hedge_model(300, seed=3, k=2)
    model = hedge_model(sim.prices, variant="full")
    p = model.start_params
    u = model.untransform_params(p)
    expect = model.loglike(p)
    flags = {"transformed": False, "includes_fixed": False, "score_method": "approx",
             "approx_complex_step": False}
    assert model.loglike(u, flags) == pytest.approx(expect, rel=1e-12)
    assert model.loglike(u, transformed=False) == pytest.approx(expect, rel=1e-12)
    assert model.loglike(u, False) == pytest.approx(expect, rel=1e-12)
    # (transform round trip: equal to rounding)
    np.testing.assert_allclose(model.loglikeobs(u, flags), model.loglikeobs(p), rtol=1e-10,
                               atol=1e-10)
    with pytest.raises(TypeError):
        model.loglike(u, False, transformed=False)
    res = model.fit(method="local", disp=False, maxiter=200)
    assert res.mle_retvals["iterations"] > 0
    assert res.llf > expect + 1.0  # statsmodels' optimiser now moves uphill from the start
