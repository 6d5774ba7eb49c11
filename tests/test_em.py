"""Exact EM (``fit_em``): exact smoothed moments, monotone likelihood, agreement with the MLE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _reference_kf import dense_diffuse_llf as _dense_diffuse_llf

import ssm_coint as sc
from ssm_coint.estimation._em import EMCalibration, _score, em_smoother, fit_em
from ssm_coint.estimation._mle import hedge_model
from ssm_coint.exceptions import ModelSpecificationError

# simulated data whose MLE is interior (no variance at zero, alpha < 1)
INTERIOR = {
    2: {"alpha": 0.9, "c": 0.2, "sigma2.intercept": 0.01, "sigma2.X2": 2e-5, "sigma2.obs": 0.01},
    3: {"alpha": 0.9, "c": 0.2, "sigma2.intercept": 0.01, "sigma2.X2": 2e-5, "sigma2.X3": 1e-5,
        "sigma2.obs": 0.01},
}


def _sim(nobs: int, k: int, seed: int, params=None) -> pd.DataFrame:
    return sc.simulate_hedge_model(nobs, params, k=k, seed=seed).prices


# ----------------------------------------------------------------------------- references
def _dense_posterior(y, X, full):
    """Posterior of (beta_1..beta_n) with a flat prior on beta_1, by dense linear algebra.

    Unknowns theta = (beta_1, w_1, ..., w_{n-1}); beta_t = g_t + G_t theta. Precision
    Lambda = diag(0, Q^-1, ...) + H'H/r with H_t = z_t G_t.
    """
    n, k = X.shape
    alpha, c, q, r = full[0], full[1], full[2:2 + k], full[2 + k]
    T = np.diag(np.r_[alpha, np.ones(k - 1)])
    cv = np.r_[c, np.zeros(k - 1)]
    p = k + (n - 1) * k
    G = np.zeros((n, k, p))
    g = np.zeros((n, k))
    G[0][:, :k] = np.eye(k)
    for t in range(1, n):
        G[t] = T @ G[t - 1]
        G[t][:, k + (t - 1) * k: k + t * k] += np.eye(k)
        g[t] = T @ g[t - 1] + cv
    H = np.einsum("tk,tkp->tp", X, G)
    off = np.einsum("tk,tk->t", X, g)
    prec = np.zeros((p, p))
    prec[k:, k:] = np.diag(np.tile(1 / q, n - 1))
    Sig = np.linalg.inv(prec + H.T @ H / r)
    mu = Sig @ (H.T @ (y - off) / r)
    E = np.einsum("tkp,p->tk", G, mu) + g
    V = np.einsum("tkp,pq,tjq->tkj", G, Sig, G)
    C = np.einsum("tkp,pq,tjq->tkj", G[1:], Sig, G[:-1])
    return E, V, C


# ----------------------------------------------------------------------------- E-step
@pytest.mark.parametrize("k", [2, 3])
def test_smoother_equals_dense_flat_prior_posterior(k):
    """Means, covariances and lag-one covariances equal the dense flat-prior posterior."""
    p = _sim(14, k, seed=11)
    m = hedge_model(p)
    full = m._start_full()
    full[0], full[1] = 0.8, 0.3
    full[2:2 + k] *= 30
    sm = em_smoother(m, full)
    E, V, C = _dense_posterior(p.iloc[:, 0].to_numpy(), m._design_rows, full)
    np.testing.assert_allclose(sm.state, E, rtol=1e-8, atol=1e-9 * np.abs(E).max())
    np.testing.assert_allclose(sm.state_cov, V, atol=1e-9 * np.abs(V).max())
    np.testing.assert_allclose(sm.state_autocov, C, atol=1e-9 * np.abs(C).max())
    assert sm.ok


@pytest.mark.parametrize("k", [2, 3])
def test_llf_equals_dense_exact_diffuse_likelihood(k):
    p = _sim(250, k, seed=5)
    m = hedge_model(p)
    for full in (m._start_full(), np.r_[0.95, 0.1, 0.01, [1e-6] * (k - 1), 0.01]):
        ref = _dense_diffuse_llf(p.iloc[:, 0].to_numpy(), m._design_rows, full)
        assert em_smoother(m, full).llf == pytest.approx(ref, rel=1e-9, abs=1e-8)


def test_smoother_matches_statsmodels_with_a_known_start():
    """statsmodels' own smoother (``smoother_results``, not the results' core arrays) as an
    independent check of all moments with a known start. With the exact diffuse start
    statsmodels' smoother is itself inexact in its diffuse period (2.2e-6 relative on the
    first smoothed covariances with statsmodels 0.15), so the diffuse case is checked against
    the dense flat-prior posterior above and in ``tests/test_kalman_core.py`` instead."""
    k = 3
    p = _sim(200, k, seed=3)
    m = hedge_model(p, initialization="known", initial_state=np.ones(k),
                    initial_state_cov=0.5 * np.eye(k))
    full = m._start_full()
    sm = em_smoother(m, full)
    sr = m.smooth(m.free_from_full(full), cov_type="none").smoother_results
    np.testing.assert_allclose(sm.state, sr.smoothed_state.T, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(sm.state_cov, sr.smoothed_state_cov.transpose(2, 0, 1),
                               atol=1e-8 * np.abs(sm.state_cov).max())
    ac = sr.smoothed_state_autocov.transpose(2, 0, 1)[:-1]  # [t] = Cov(beta_{t+1}, beta_t)
    np.testing.assert_allclose(sm.state_autocov, ac, atol=1e-8 * np.abs(ac).max())
    assert sm.llf == pytest.approx(sr.llf, rel=1e-9)


@pytest.mark.parametrize("cols", [["EWC", "EWA"], ["EWC", "EWA", "IGE"]])
def test_llf_equals_model_loglike_on_real_data(chan_etf, cols):
    p = chan_etf[cols]
    m = hedge_model(p)
    full = m._start_full()
    assert em_smoother(m, full).llf == pytest.approx(m.loglike(m.free_from_full(full)),
                                                     rel=1e-8)


@pytest.mark.parametrize("init", ["known", "diffuse"])
def test_missing_observations(init):
    p = _sim(200, 2, seed=3).copy()
    p.iloc[[5, 50, 51, 120], 0] = np.nan
    kw = {"initial_state": np.ones(2), "initial_state_cov": np.eye(2)} if init == "known" else {}
    m = hedge_model(p, initialization=init, **kw)
    full = m._start_full()
    sm = em_smoother(m, full)
    # statsmodels' own smoother as the independent check, after its diffuse period (where it
    # is inexact and leaves the lag-one covariances at zero)
    sr = m.smooth(m.free_from_full(full), cov_type="none").smoother_results
    assert sm.llf == pytest.approx(m.loglike(m.free_from_full(full)), rel=1e-9)
    np.testing.assert_allclose(sm.state[5:], sr.smoothed_state.T[5:], atol=1e-9)
    np.testing.assert_allclose(sm.state_autocov[5:], sr.smoothed_state_autocov.transpose(
        2, 0, 1)[5:-1], atol=1e-10)
    cal = fit_em(p, "full", initialization=init, **kw)
    assert cal.converged and cal.nobs == 196


def test_score_by_fisher_identity_equals_finite_differences():
    k = 3
    p = _sim(300, k, seed=2)
    m = hedge_model(p)
    full = np.array([0.93, 0.15, 0.0095, 7e-7, 2e-7, 0.0087])

    def llf(f):
        return em_smoother(m, f).llf

    sm = em_smoother(m, full)
    vd = np.einsum("tii->ti", sm.state_cov)
    cd = np.einsum("tii->ti", sm.state_autocov)
    zvz = np.einsum("ti,tij,tj->t", m._design_rows, sm.state_cov, m._design_rows)
    g = _score(m._y_c, m._X_c, sm.state, vd, zvz, cd, full)
    for i in range(len(full)):
        h = 1e-4 * abs(full[i])
        e = np.zeros(len(full))
        e[i] = h
        fd = (llf(full + e) - llf(full - e)) / (2 * h)
        assert g[i] == pytest.approx(fd, rel=1e-4), m.all_param_names[i]


# ----------------------------------------------------------------------------- EM
@pytest.mark.parametrize("variant,fixed", [
    ("full", None), ("mu0", None), ("alpha1", None), ("full", {"sigma2.X2": 1e-6}),
])
@pytest.mark.parametrize("accelerate", [True, False])
def test_llf_never_decreases(variant, fixed, accelerate):
    p = _sim(300, 3, seed=7)
    cal = fit_em(p, variant, fixed=fixed, accelerate=accelerate, max_iter=400)
    llf = cal.trajectory["llf"].to_numpy()
    steps = np.diff(llf)
    slack = 1e-9 * np.maximum(1.0, np.abs(llf[:-1]))
    assert np.all(steps >= -slack), steps.min()
    assert llf[-1] > llf[0]
    assert not any("decreased" in w for w in cal.warnings)
    assert cal.em_llf == pytest.approx(llf[-1])
    if accelerate:
        assert (cal.trajectory["step"] == "squarem").any()


def test_fixed_parameters_stay_fixed():
    p = _sim(300, 3, seed=1)
    fixed = {"sigma2.X2": 1e-6, "sigma2.obs": 0.02}
    cal = fit_em(p, "mu0", fixed=fixed, max_iter=300)
    tr = cal.trajectory
    assert (tr["c"] == 0.0).all()
    assert (tr["sigma2.X2"] == 1e-6).all() and (tr["sigma2.obs"] == 0.02).all()
    assert tr["alpha"].nunique() > 1 and tr["sigma2.X3"].nunique() > 1
    assert cal.free == ["alpha", "sigma2.intercept", "sigma2.X3"]
    a1 = fit_em(p, "alpha1", max_iter=300).trajectory
    assert (a1["alpha"] == 1.0).all() and (a1["c"] == 0.0).all()


def test_returns_calibration_with_trajectory():
    p = _sim(300, 2, seed=3)
    cal = fit_em(p, "full")
    assert isinstance(cal, EMCalibration) and isinstance(cal, sc.Calibration)
    assert cal.method == "em" and cal.variant == "full" and cal.converged
    assert cal.iterations >= len(cal.trajectory) - 1  # E-steps, rejected extrapolations too
    assert list(cal.trajectory.columns[:3]) == ["iteration", "step", "llf"]
    assert cal.trajectory["step"].iloc[0] == "start"
    assert cal.llf == pytest.approx(cal.results.llf)
    assert cal.bse is not None and set(cal.bse.index) == set(cal.free)
    assert np.isfinite(cal.aic) and cal.runtime_s > 0


def test_start_from_calibration_and_mle_is_a_fixed_point():
    p = _sim(500, 2, seed=0, params=INTERIOR[2])
    mle = sc.fit_mle(p, "full", nested=False)
    cal = fit_em(p, "full", start=mle)
    assert cal.iterations < 20
    assert cal.llf == pytest.approx(mle.llf, abs=1e-6)


def test_refuses_parameter_dependent_initialization():
    p = _sim(100, 2, seed=0)
    with pytest.raises(ModelSpecificationError, match="depend on the parameters"):
        fit_em(p, initialization="mixed")


def _fd_score_and_hessian(model, full, h=1e-3):
    """Central finite differences of ``model.loglike`` over the free parameters.

    Coordinates u: artanh(alpha), c, log(variance), with step ``h`` (a relative step of 1e-3
    in a variance): large enough that the rounding of the log-likelihood (about 1e-10
    relative) is negligible against the curvature, and the LM statistic does not depend on
    the coordinates.
    """
    free = model.param_names
    idx = [model.all_param_names.index(n) for n in free]

    def to_full(u):
        x = full.copy()
        for m, (n, i) in enumerate(zip(free, idx, strict=True)):
            x[i] = np.tanh(u[m]) if n == "alpha" else u[m] if n == "c" else np.exp(u[m])
        return x

    u0 = np.array([np.arctanh(full[i]) if n == "alpha" else full[i] if n == "c"
                   else np.log(full[i]) for n, i in zip(free, idx, strict=True)])

    def f(delta):
        return model.loglike(model.free_from_full(to_full(u0 + delta)))

    p = len(idx)
    g = np.empty(p)
    H = np.empty((p, p))
    f0 = f(np.zeros(p))
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h
        fp, fm = f(ei), f(-ei)
        g[i] = (fp - fm) / (2 * h)
        H[i, i] = (fp - 2 * f0 + fm) / h**2
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = h
            H[i, j] = H[j, i] = (f(ei + ej) - f(ei - ej) - f(-ei + ej) + f(-ei - ej)) / (4 * h * h)
    return g, H


@pytest.mark.parametrize("k", [2, 3])
def test_em_reaches_the_mle_and_the_score_vanishes(k):
    """EM from the model's start ends within 0.5 llf of the global MLE for every variant; where
    no parameter is at a boundary, the finite-difference score of the model's log-likelihood at
    EM's end point is zero in the sense that the LM statistic g'(-H)^{-1}g is below 0.1.

    The LM (score) statistic is the natural scale for "near zero": under the model it is
    chi-square with p degrees of freedom, so a value below 0.1 means EM's end point cannot be
    told apart from a stationary point (p-value > 0.99 for p >= 1); to second order it is also
    twice the log-likelihood still to gain, i.e. less than 0.05.
    """
    p = _sim(500, k, seed=0, params=INTERIOR[k])
    mle = sc.fit_mle(p, "full")
    for variant in ("full", "mu0", "alpha1"):
        ref = mle if variant == "full" else mle.nested[variant]
        em = fit_em(p, variant)
        assert em.converged, em.warnings
        assert abs(em.llf - ref.llf) < 0.5, (variant, em.llf, ref.llf)
        if any(em.at_boundary.values()):
            continue
        model = em.results.model
        g, H = _fd_score_and_hessian(model, em.params.to_numpy())
        assert np.all(np.linalg.eigvalsh(H) < 0), (variant, np.linalg.eigvalsh(H))
        lm = float(g @ np.linalg.solve(-H, g))
        assert lm < 0.1, (variant, lm, g)
