"""The Kalman core (``ssm_coint.kalman``) against the dense joint-Gaussian reference.

Ground truth: ``tests/_dense_reference.py`` conditions the joint Gaussian of all states and
observations directly (Cholesky of the n x n covariance, GLS over the flat-prior initial state),
with no recursion. Tolerance: rtol 1e-8 on every moment, measured against the scale of the
quantity (|reference| plus, for states, one posterior standard deviation, so a component that
passes through zero is not judged on its rounding noise). Dates where the reference says the
quantity is undefined (flat prior not yet proper) must be NaN in the core, and only those.
"""

from __future__ import annotations

import numpy as np
import pytest
from _dense_reference import dense_moments

from ssm_coint import HedgeRatioModel
from ssm_coint import kalman as K

RTOL = 1e-8

# Full-model MLEs printed by ``fit_mle(prices, "full").params`` (diffuse start) on Chan's
# EWC/EWA and EWC/EWA/IGE; the tests check the log-likelihood there is the published optimum.
MLE_EWC_EWA = [9.95886815e-01, 4.10935884e-02, 5.09992726e-02, 1.56764942e-05, 8.03674942e-03]
MLE_TRIPLET = [9.94532042e-01, 2.88882336e-02, 1.82012658e-02, 4.62453220e-07, 4.27685084e-06,
               5.06074371e-03]


def _compare(out, ref):
    """Every moment of ``out`` (a SmootherOutput) equals the dense reference."""
    n, k = out.filtered_state.shape
    sd_f = np.sqrt(np.abs(np.diagonal(ref["filtered_state_cov"], axis1=1, axis2=2)))
    sd_s = np.sqrt(np.abs(np.diagonal(ref["smoothed_state_cov"], axis1=1, axis2=2)))
    checks = {
        "filtered_state": sd_f,
        "filtered_state_cov": sd_f[:, :, None] * sd_f[:, None, :],
        "forecast_error": np.sqrt(np.abs(ref["forecast_error_var"])),
        "forecast_error_var": 0.0,
        "smoothed_state": sd_s,
        "smoothed_state_cov": sd_s[:, :, None] * sd_s[:, None, :],
        "smoothed_state_autocov": sd_s[1:, :, None] * sd_s[:-1, None, :],
    }
    for name, scale in checks.items():
        got, want = getattr(out, name), ref[name]
        assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: undefined dates differ"
        ok = ~np.isnan(want)
        tol = RTOL * (np.abs(want) + scale)
        if np.ndim(scale):
            tol = tol[ok]
        else:
            tol = RTOL * np.abs(want[ok])
        err = np.abs(got[ok] - want[ok])
        assert np.all(err <= tol), f"{name}: worst excess {np.max(err / tol):.3g} x tolerance"
    np.testing.assert_allclose(out.llf, ref["llf"], rtol=1e-10)
    # undefined before the flat prior is proper: filtered states from nobs_diffuse - 1 on,
    # prediction errors (z-scores) from nobs_diffuse on
    nd = out.nobs_diffuse
    assert np.isnan(out.filtered_state[: max(nd - 1, 0)]).all()
    assert np.isfinite(out.filtered_state[max(nd - 1, 0):]).all()
    assert np.isnan(out.zscore[:nd]).all() and np.isfinite(out.zscore[nd:]).all()
    assert np.isfinite(out.smoothed_state).all()


def _system_case(prices, full):
    mod = HedgeRatioModel(prices.iloc[:, 0], prices.iloc[:, 1:])
    s = mod.system(np.asarray(full, float))
    y = prices.iloc[:, 0].to_numpy(float)
    X = np.column_stack([np.ones(len(y)), prices.iloc[:, 1:].to_numpy(float)])
    return y, X, s


@pytest.mark.parametrize("which", ["ewc_ewa", "ewc_ewa_ige"])
def test_core_equals_dense_reference_at_the_mle(which, request):
    prices = request.getfixturevalue(which)
    full = MLE_EWC_EWA if which == "ewc_ewa" else MLE_TRIPLET
    y, X, s = _system_case(prices, full)
    ref = dense_moments(y, X, s["tdiag"], s["cvec"], s["q"], s["r"], s["a1"], s["P1"],
                        K.diffuse_columns(s["Pinf1"]))
    out = K.run_smoother(y, X, **s)
    _compare(out, ref)
    # the published optimum (SPEC; issue 2's notes): -170.7158 and 414.4891
    expected = -170.7158 if which == "ewc_ewa" else 414.4891
    assert abs(out.llf - expected) < 1e-4
    assert K.loglike(y, X, **s) == pytest.approx(ref["llf"], rel=1e-10)
    assert out.nobs_diffuse == X.shape[1]


def _simulated(n, tdiag, cvec, q, r, seed):
    rng = np.random.default_rng(seed)
    k = len(tdiag)
    X = np.column_stack([np.ones(n), 10 + np.cumsum(rng.normal(size=(n, k - 1)), axis=0)])
    beta = np.r_[1.0, np.linspace(0.5, 0.2, k - 1)]
    y = np.empty(n)
    for t in range(n):
        y[t] = X[t] @ beta + rng.normal() * np.sqrt(r)
        beta = cvec + tdiag * beta + rng.normal(size=k) * np.sqrt(q)
    return y, X


@pytest.mark.parametrize(
    "tdiag, start",
    [
        ([1.0, 1.0, 1.0], "diffuse"),  # simulated k = 3 with alpha = 1
        ([0.9, 0.8, 1.0], "diffuse"),  # non-unit entries in diag(T) beyond the first
        ([0.9, 0.8, 1.0], "mixed"),  # a known part and a diffuse part
        ([0.95, 1.0, 0.7], "known"),  # no diffuse part
    ],
)
def test_core_equals_dense_reference_simulated(tdiag, start):
    tdiag = np.asarray(tdiag)
    k = len(tdiag)
    cvec = np.r_[0.1 if tdiag[0] < 1 else 0.0, np.zeros(k - 1)]
    q = np.r_[0.01, np.full(k - 1, 1e-4)]
    r = 0.02
    y, X = _simulated(300, tdiag, cvec, q, r, seed=7)
    a1 = np.zeros(k)
    P1 = np.zeros((k, k))
    Pinf1 = np.eye(k)
    if start == "mixed":
        Pinf1[0, 0] = 0.0
        a1[0], P1[0, 0] = 1.0, 0.5
    elif start == "known":
        Pinf1[:] = 0.0
        a1[:] = [1.0, 0.5, 0.2]
        P1[:] = np.diag([0.5, 0.1, 0.1])
    ref = dense_moments(y, X, tdiag, cvec, q, r, a1, P1, K.diffuse_columns(Pinf1))
    out = K.run_smoother(y, X, tdiag, cvec, q, r, a1, P1, Pinf1)
    _compare(out, ref)
    assert K.loglike(y, X, tdiag, cvec, q, r, a1, P1, Pinf1) == pytest.approx(ref["llf"],
                                                                             rel=1e-10)
    np.testing.assert_allclose(K.run_filter(y, X, tdiag, cvec, q, r, a1, P1, Pinf1).llf,
                               ref["llf"], rtol=1e-10)


def test_non_unit_transition_tail_in_the_likelihood_only_path():
    """The llf-only path (collapse onto the ordinary filter) with diag(T) = (0.9, 0.8).

    The old kernel rescaled only row/column 0 of P and returned -1690.08 here, where the
    filter and the reference give -1602.69 (issue 11).
    """
    tdiag = np.array([0.9, 0.8])
    cvec = np.array([0.1, 0.0])
    q = np.array([0.01, 1e-3])
    y, X = _simulated(400, tdiag, cvec, q, 0.02, seed=3)
    a1, P1, Pinf1 = np.zeros(2), np.zeros((2, 2)), np.eye(2)
    ref = dense_moments(y, X, tdiag, cvec, q, 0.02, a1, P1, K.diffuse_columns(Pinf1))
    assert K.loglike(y, X, tdiag, cvec, q, 0.02, a1, P1, Pinf1) == pytest.approx(ref["llf"],
                                                                                rel=1e-10)


def test_missing_observation_contributes_nothing():
    """A NaN y_t: no update (the filtered state is the prediction), a zero llf increment."""
    tdiag = np.array([0.9, 1.0, 1.0])
    cvec = np.array([0.1, 0.0, 0.0])
    q = np.array([0.01, 1e-4, 1e-4])
    y, X = _simulated(120, tdiag, cvec, q, 0.02, seed=5)
    y_nan = y.copy()
    y_nan[40] = np.nan
    a1, P1, Pinf1 = np.zeros(3), np.zeros((3, 3)), np.eye(3)
    filt = K.run_filter(y_nan, X, tdiag, cvec, q, 0.02, a1, P1, Pinf1)
    assert filt.llf_obs[40] == 0.0
    got = K.loglike(y_nan, X, tdiag, cvec, q, 0.02, a1, P1, Pinf1)
    assert np.isfinite(got) and got == pytest.approx(np.nansum(filt.llf_obs), rel=1e-12)
    np.testing.assert_allclose(filt.filtered_state[40], cvec + tdiag * filt.filtered_state[39],
                               rtol=1e-12)
    assert got > K.loglike(y, X, tdiag, cvec, q, 0.02, a1, P1, Pinf1)  # one density fewer


def test_likelihood_is_continuous_as_the_observation_variance_vanishes(ewc_ewa_ige):
    """At seed 000's degenerate fixed point (r ~ 5e-30, alpha < 0) the exact llf is the limit
    of the llf at small r: the square-root augmented filter stays accurate where one row
    weighs 1e15 times more than the others (the dense reference itself loses accuracy below
    r ~ 1e-8 there, so the limit is the check: the llf at r = 1e-14 and 1e-40 agree)."""
    full = [-0.6952779580782007, 0.0, 8.014031912777684e-149, 1.6690705013443902e-04,
            1.779381431723211e-05, 4.832035998113771e-30]
    y, X, s = _system_case(ewc_ewa_ige, full)
    values = [K.loglike(y, X, **{**s, "r": r}) for r in (1e-14, 4.8e-30, 1e-40)]
    assert np.all(np.isfinite(values))
    np.testing.assert_allclose(values, values[0], rtol=1e-10)
    # and at r = 1e-6, where the dense reference is accurate, the core equals it
    ref = dense_moments(y, X, s["tdiag"], s["cvec"], s["q"], 1e-6, s["a1"], s["P1"],
                        K.diffuse_columns(s["Pinf1"]))
    assert K.loglike(y, X, **{**s, "r": 1e-6}) == pytest.approx(ref["llf"], rel=1e-8)
