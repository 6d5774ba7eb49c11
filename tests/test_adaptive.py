"""Seed 000's adaptive tuning: first pass, one filter pass, 2000 passes, degeneracies, llf.

Every reference here is independent NumPy code written from the seed's equations (and
statsmodels' own Johansen and smoother), not a call into the module under test.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.vector_ar.vecm import coint_johansen

from ssm_coint.estimation._adaptive import (
    AdaptiveCalibration,
    adaptive_first_pass,
    fit_adaptive,
)
from ssm_coint.estimation._mle import hedge_model
from ssm_coint.exceptions import ModelSpecificationError

RTOL = 1e-10


# ----------------------------------------------------------------------------- references
def _seed_first_pass(prices: pd.DataFrame) -> dict:
    """The seed's first pass, written out with explicit sums."""
    P = prices.to_numpy(float)
    n, k = P.shape
    w = coint_johansen(P, 0, 1).evec[:, 0]
    y_port = P @ w
    b1 = y_port / w[0]
    num = sum(b1[t] * b1[t - 1] for t in range(1, n))
    den = sum(b1[t - 1] ** 2 for t in range(1, n))
    a11 = num / den
    mean_b1 = sum(b1) / n
    nu_e = sum((b - mean_b1) ** 2 for b in b1) / (n - 1)
    beta_t = [np.r_[b1[t], -w[1:] / w[0]] for t in range(n)]
    gamma = sum(np.outer(b, b) for b in beta_t) / n
    gamma = np.diag(np.diag(gamma))
    alpha = np.eye(k)
    alpha[0, 0] = a11
    nu_w = np.diag(np.diag(gamma - alpha @ gamma @ alpha.T))
    x = [np.r_[1.0, P[t, 1:]] for t in range(n)]
    info = sum(np.outer(alpha.T @ xt, xt @ alpha) for xt in x) / n
    cov0 = np.diag(np.diag(nu_e * np.linalg.inv(info)))
    beta0 = np.r_[0.0, -w[1:] / w[0]]
    return {"w": w, "alpha_11": a11, "nu_e": nu_e, "gamma": gamma, "nu_w": nu_w,
            "cov0": cov0, "beta0": beta0}


def _seed_filter(prices: pd.DataFrame, a11, nu_e, nu_w, beta0, cov0):
    """Plain NumPy per-step loop of the seed's filter; returns states and log-likelihood."""
    P = prices.to_numpy(float)
    n, k = P.shape
    y = P[:, 0]
    X = np.column_stack([np.ones(n), P[:, 1:]])
    alpha = np.eye(k)
    alpha[0, 0] = a11
    b, C = np.array(beta0, float), np.array(cov0, float)
    out = np.empty((n, k))
    llf = 0.0
    for t in range(n):
        b = alpha @ b
        C = alpha @ C @ alpha.T + nu_w
        x = X[t]
        F = x @ C @ x + nu_e
        v = y[t] - x @ b
        K = C @ x / F
        b = b + K * v
        C = (np.eye(k) - np.outer(K, x)) @ C
        out[t] = b
        llf += -0.5 * (np.log(2 * np.pi * F) + v * v / F)
    return out, llf


def _seed_update(prices: pd.DataFrame, S: np.ndarray, beta_m: np.ndarray | None = None):
    """The seed's later-pass re-estimates from a state path S (gamma from the same path)."""
    P = prices.to_numpy(float)
    n, k = P.shape
    y = P[:, 0]
    X = np.column_stack([np.ones(n), P[:, 1:]])
    a11 = np.sum(S[1:, 0] * S[:-1, 0]) / np.sum(S[:-1, 0] ** 2)
    eps = y - np.einsum("tj,tj->t", X, S)
    nu_e = np.sum(eps**2) / n
    alpha = np.eye(k)
    alpha[0, 0] = a11
    W = S[1:] - S[:-1] @ alpha.T
    nu_w = W.T @ W / (n - 1)
    gamma = S.T @ S / n
    nu_w[0, 0] = (1 - a11**2) * gamma[0, 0]
    nu_w = np.diag(np.diag(nu_w))
    bm = S.mean(axis=0) if beta_m is None else beta_m
    D = S - bm
    cov0 = np.diag(np.diag(D.T @ D / (n - 1)))
    return {"alpha_11": a11, "nu_e": nu_e, "nu_w": nu_w, "cov0": cov0, "gamma_11": gamma[0, 0]}


@pytest.fixture(scope="module")
def prices(ewc_ewa_ige) -> pd.DataFrame:
    return ewc_ewa_ige


@pytest.fixture(scope="module")
def default_fit(prices) -> AdaptiveCalibration:
    return fit_adaptive(prices)


@pytest.fixture(scope="module")
def settled_fit(prices) -> AdaptiveCalibration:
    return fit_adaptive(prices, states="smoothed", beta_m="johansen", gamma="johansen")


# ----------------------------------------------------------------------------- 1. first pass
def test_first_pass_matches_independent_numpy(prices):
    ref = _seed_first_pass(prices)
    fp = adaptive_first_pass(prices)
    np.testing.assert_allclose(fp["w"], ref["w"], rtol=RTOL)
    for key in ("alpha_11", "nu_e", "gamma", "nu_w", "cov0", "beta0"):
        np.testing.assert_allclose(fp[key], ref[key], rtol=RTOL, atol=0, err_msg=key)
    # only nu_w(0)_11 = (1 - alpha_11^2) Gamma_11 is non-zero; it is positive on this data
    assert np.count_nonzero(ref["nu_w"]) == 1 and ref["nu_w"][0, 0] > 0
    np.testing.assert_allclose(ref["nu_w"][0, 0], (1 - ref["alpha_11"] ** 2) * ref["gamma"][0, 0],
                               rtol=RTOL)
    # the Johansen path fits y exactly
    np.testing.assert_allclose(
        np.column_stack([np.ones(len(prices)), prices.iloc[:, 1:]]) @ ref["beta0"]
        + fp["y_port"] / ref["w"][0], prices.iloc[:, 0], rtol=1e-12)
    # and fit_adaptive's first trajectory row is that initialisation
    cal = fit_adaptive(prices, passes=1)
    row = cal.trajectory.iloc[0]
    np.testing.assert_allclose(row["alpha_11"], ref["alpha_11"], rtol=RTOL)
    np.testing.assert_allclose(row["nu_e"], ref["nu_e"], rtol=RTOL)
    np.testing.assert_allclose(row[["nu_w.intercept", "nu_w.EWA", "nu_w.IGE"]].to_numpy(float),
                               np.diag(ref["nu_w"]), rtol=RTOL, atol=0)
    np.testing.assert_allclose(row[["cov0.intercept", "cov0.EWA", "cov0.IGE"]].to_numpy(float),
                               np.diag(ref["cov0"]), rtol=RTOL)
    np.testing.assert_allclose(cal.initial_state.to_numpy(), ref["beta0"], rtol=RTOL)
    np.testing.assert_allclose(cal.initial_state_cov.to_numpy(), ref["cov0"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(cal.johansen_weights.to_numpy(), ref["w"], rtol=RTOL)


def test_first_pass_values_on_chan_data(prices):
    """Pin the first-pass numbers quoted in the docs (EWC on EWA, IGE)."""
    fp = adaptive_first_pass(prices)
    assert fp["alpha_11"] == pytest.approx(0.997707, abs=1e-6)
    assert fp["nu_e"] == pytest.approx(0.931008, abs=1e-6)
    assert fp["nu_w"][0, 0] == pytest.approx(0.0655225, abs=1e-6)


# ----------------------------------------------------------------------------- 2. one pass
def test_one_pass_matches_numpy_loop(prices):
    ref = _seed_first_pass(prices)
    S_ref, llf_ref = _seed_filter(prices, ref["alpha_11"], ref["nu_e"], ref["nu_w"],
                                  ref["beta0"], ref["cov0"])
    cal = fit_adaptive(prices, passes=2)
    one = fit_adaptive(prices, passes=1)
    np.testing.assert_allclose(one.state_path.to_numpy(), S_ref, rtol=RTOL)
    np.testing.assert_allclose(cal.trajectory["llf_known"].iloc[0], llf_ref, rtol=RTOL)
    # the quantities re-estimated from that pass (row 2 of the trajectory)
    upd = _seed_update(prices, S_ref)
    row = cal.trajectory.iloc[1]
    np.testing.assert_allclose(row["alpha_11"], upd["alpha_11"], rtol=RTOL)
    np.testing.assert_allclose(row["nu_e"], upd["nu_e"], rtol=RTOL)
    np.testing.assert_allclose(row["gamma_11"], upd["gamma_11"], rtol=RTOL)
    np.testing.assert_allclose(row[["nu_w.intercept", "nu_w.EWA", "nu_w.IGE"]].to_numpy(float),
                               np.diag(upd["nu_w"]), rtol=1e-9)
    np.testing.assert_allclose(row[["cov0.intercept", "cov0.EWA", "cov0.IGE"]].to_numpy(float),
                               np.diag(upd["cov0"]), rtol=RTOL)
    # beta_m = "johansen": (mean(y_port / w_1), -w_2 / w_1, ...)
    fp = adaptive_first_pass(prices)
    bm = np.r_[np.mean(fp["y_port"]) / ref["w"][0], ref["beta0"][1:]]
    upd_j = _seed_update(prices, S_ref, beta_m=bm)
    cal_j = fit_adaptive(prices, passes=2, beta_m="johansen")
    np.testing.assert_allclose(
        cal_j.trajectory.iloc[1][["cov0.intercept", "cov0.EWA", "cov0.IGE"]].to_numpy(float),
        np.diag(upd_j["cov0"]), rtol=RTOL)


def test_one_smoothed_pass_matches_statsmodels_smoother(prices):
    ref = _seed_first_pass(prices)
    cal = fit_adaptive(prices, passes=1, states="smoothed")
    tdiag = np.r_[ref["alpha_11"], 1.0, 1.0]
    a1 = tdiag * ref["beta0"]
    P1 = np.diag(tdiag) @ ref["cov0"] @ np.diag(tdiag) + ref["nu_w"]
    model = hedge_model(prices, variant="mu0", initialization="known", initial_state=a1,
                        initial_state_cov=P1)
    full = np.r_[ref["alpha_11"], 0.0, np.diag(ref["nu_w"]), ref["nu_e"]]
    res = model.smooth(model.free_from_full(full), cov_type="none")
    # statsmodels' own smoother (known start: exact), an implementation independent of ours
    np.testing.assert_allclose(cal.state_path.to_numpy(),
                               res.smoother_results.smoothed_state.T, rtol=1e-8)
    np.testing.assert_allclose(cal.trajectory["llf_known"].iloc[0], res.llf_statsmodels,
                               rtol=1e-10)


# ----------------------------------------------------------------------------- 3. passes
def test_default_recipe_degenerates_on_chan_data(default_fit):
    """The recipe as written: alpha_11 > 1 after pass 1, nu_e collapses; reported, not raised."""
    cal = default_fit
    assert isinstance(cal, AdaptiveCalibration)
    assert len(cal.trajectory) == cal.iterations
    assert cal.iterations == 2000 or cal.status == "breakdown"
    assert not cal.converged
    traj = cal.trajectory
    assert traj["alpha_11"].iloc[1] > 1 and traj["nu_w.intercept"].iloc[1] < 0
    assert np.isnan(traj["llf_known"].iloc[1])  # negative variances: forecast variance < 0
    for code in ("negative_variance", "obs_variance_collapse"):
        assert code in cal.degeneracies
    text = " ".join(cal.warnings)
    assert "alpha_11 exceeded 1" in text and "observation variance collapsed" in text
    assert cal.raw["nu_e"] < 1e-8 * np.var(cal.first_pass["y_port"])
    assert math.isfinite(cal.llf) and math.isfinite(cal.llf_known)
    json.dumps(cal.to_dict())


def test_2000_passes_settle_with_smoothed_johansen_variant(settled_fit):
    cal = settled_fit
    assert cal.iterations == 2000 and len(cal.trajectory) == 2000
    assert list(cal.trajectory.index[[0, -1]]) == [1, 2000]
    assert cal.status == "passes"
    assert cal.converged, cal.warnings
    assert cal.degeneracies == []
    assert cal.raw["alpha_11"] == pytest.approx(0.999918, abs=2e-6)
    assert cal.raw["nu_e"] == pytest.approx(0.022187, rel=1e-4)
    assert cal.params["sigma2.intercept"] == pytest.approx(0.0023391, rel=1e-3)
    # hedge-ratio variances end at rounding level: flagged as boundary, not as degeneracy
    assert cal.at_boundary["sigma2.EWA"] and cal.at_boundary["sigma2.IGE"]
    # far below the MLE of the same model (mu0: 412.8)
    assert cal.llf < 0


def test_tolerance_stops_early(prices):
    cal = fit_adaptive(prices, passes=2000, tol=1e-6, states="smoothed", beta_m="johansen",
                       gamma="johansen")
    assert cal.status == "tol" and cal.converged
    assert len(cal.trajectory) == cal.iterations < 2000
    assert cal.trajectory["rel_change"].iloc[-1] <= 1e-6


def test_clip_option_runs_all_passes(prices):
    cal = fit_adaptive(prices, passes=300, on_negative="clip", record=False)
    assert cal.trajectory is None and cal.iterations == 300
    assert "negative_variance" in cal.degeneracies
    assert cal.params["sigma2.intercept"] >= 0
    assert cal.raw["nu_w"][0] < 0  # the recipe's own value is kept in ``raw``


def test_forced_alpha_above_one_reports_negative_variance():
    rng = np.random.default_rng(3)
    n = 300
    x = 50 + np.cumsum(rng.normal(size=n))
    port = 1.01 ** np.arange(n) + rng.normal(scale=0.1, size=n)  # explosive portfolio
    df = pd.DataFrame({"Y": x + port, "X": x}, index=pd.bdate_range("2020-01-01", periods=n))
    cal = fit_adaptive(df, passes=50, johansen_weights=[1.0, -1.0])
    assert cal.first_pass["alpha_11"] > 1
    assert cal.trajectory["nu_w.intercept"].iloc[0] < 0
    assert "negative_variance" in cal.degeneracies
    assert any("first at pass 1" in w for w in cal.warnings)
    assert not cal.converged


def test_simulated_model_drives_nu_e_to_zero():
    from ssm_coint import simulate_hedge_model

    sim = simulate_hedge_model(nobs=300, k=2, seed=0)  # true sigma2.obs = 0.01
    cal = fit_adaptive(sim.prices, passes=200)
    assert "obs_variance_collapse" in cal.degeneracies
    assert cal.raw["nu_e"] < 1e-8 * np.var(sim.prices.iloc[:, 0])
    assert any("observation variance collapsed" in w for w in cal.warnings)
    assert not cal.converged


def test_white_noise_portfolio_reports_alpha_collapse():
    rng = np.random.default_rng(1)
    n = 1000
    x = 50 + np.cumsum(rng.normal(size=n))
    df = pd.DataFrame({"Y": x + rng.normal(scale=0.5, size=n), "X": x},
                      index=pd.bdate_range("2020-01-01", periods=n))
    cal = fit_adaptive(df, passes=100, johansen_weights=[1.0, -1.0], states="smoothed",
                       beta_m="johansen", gamma="johansen")
    assert "alpha_collapse" in cal.degeneracies
    assert 0 < cal.raw["alpha_11"] < 0.1
    assert any("alpha_11 = " in w and "collapsed towards 0" in w for w in cal.warnings)
    assert not cal.converged


# ----------------------------------------------------------------------------- 4. llf
@pytest.mark.parametrize("which", ["default", "settled"])
def test_llf_is_the_models_loglike(prices, default_fit, settled_fit, which):
    cal = default_fit if which == "default" else settled_fit
    model = hedge_model(prices, variant="mu0")
    free = model.free_from_full(cal.params.to_numpy())
    assert cal.params["c"] == 0.0 and cal.params["alpha"] == cal.raw["alpha_11"]
    assert cal.llf == pytest.approx(model.loglike(free), rel=1e-12)
    assert cal.llf == pytest.approx(cal.results.llf, rel=1e-12)
    assert cal.trajectory["llf"].iloc[-1] == pytest.approx(cal.llf, rel=1e-12)
    tdiag = np.r_[cal.alpha, np.ones(2)]
    a1 = tdiag * cal.initial_state.to_numpy()
    P1 = (np.diag(tdiag) @ cal.initial_state_cov.to_numpy() @ np.diag(tdiag)
          + np.diag(cal.params[["sigma2.intercept", "sigma2.EWA", "sigma2.IGE"]].to_numpy()))
    known = hedge_model(prices, variant="mu0", initialization="known", initial_state=a1,
                        initial_state_cov=P1)
    assert cal.llf_known == pytest.approx(known.loglike(free), rel=1e-12)
    if cal.raw["nu_w"][0] >= 0:  # nothing clipped: the last pass's own likelihood
        assert cal.llf_known == pytest.approx(cal.trajectory["llf_known"].iloc[-1], rel=1e-8)
    assert cal.aic == pytest.approx(-2 * cal.llf + 2 * 5)


# ----------------------------------------------------------------------------- options
def test_bad_options_raise(prices):
    with pytest.raises(ModelSpecificationError):
        fit_adaptive(prices, states="both")
    with pytest.raises(ModelSpecificationError):
        fit_adaptive(prices, beta_m="median")
    with pytest.raises(ModelSpecificationError):
        fit_adaptive(prices, passes=0)
    with pytest.raises(ModelSpecificationError):
        fit_adaptive(prices, tol=-1.0)
    with pytest.raises(ModelSpecificationError):
        fit_adaptive(prices, johansen_weights=[0.0, 1.0, 1.0])


def test_record_false_gives_same_parameters(prices):
    a = fit_adaptive(prices, passes=50, states="smoothed", beta_m="johansen", gamma="johansen")
    b = fit_adaptive(prices, passes=50, states="smoothed", beta_m="johansen", gamma="johansen",
                     record=False)
    pd.testing.assert_series_equal(a.params, b.params)
    assert a.llf == b.llf and b.trajectory is None


def test_benchmark_script_smoke():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "validation" / "benchmarks" / "bench_adaptive.py"
    spec = importlib.util.spec_from_file_location("bench_adaptive", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from _shared_data import shared_data_path

    out = mod.run(passes=3, data=shared_data_path("chan_ewa_ewc_ige.csv"), repeat=1)
    assert out["max_abs_diff_alpha"] < 1e-8 and out["ratio"] > 0
