"""pykalman as the external reference: same log-likelihood for the same matrices, and its EM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ssm_coint as sc
from ssm_coint.estimation._mle import hedge_model
from ssm_coint.estimation._pykalman import (
    EM_VARS,
    PykalmanCalibration,
    fit_pykalman_em,
    pykalman_filter,
)
from ssm_coint.exceptions import ModelSpecificationError


def _known_model(prices: pd.DataFrame):
    """Our model with a known initial state; pykalman's initial_state_mean/covariance are the
    state AT the first observation (``predicted_state_means[0] = initial_state_mean``, no
    transition before the first update), which is exactly our a_1, P_1."""
    k = prices.shape[1]
    a1 = np.r_[1.0, np.full(k - 1, 0.8)]
    P1 = 0.3 * np.eye(k) + 0.05
    m = hedge_model(prices, initialization="known", initial_state=a1, initial_state_cov=P1)
    return m, a1, P1


def _check_same_llf(prices: pd.DataFrame, alpha: float, c: float) -> None:
    m, a1, P1 = _known_model(prices)
    full = m._start_full()
    full[0], full[1] = alpha, c
    kf = pykalman_filter(m, full, a1, P1)
    # the matrices pykalman gets are ours
    k = m.k_states
    np.testing.assert_array_equal(kf.transition_matrices, np.diag(np.r_[alpha, np.ones(k - 1)]))
    np.testing.assert_array_equal(kf.transition_offsets, np.r_[c, np.zeros(k - 1)])
    pk = kf.loglikelihood(prices.iloc[:, 0].to_numpy())
    ours = m.loglike(m.free_from_full(full))
    assert ours == pytest.approx(pk, rel=1e-8)
    # and statsmodels' value for the same known start
    sm = m.smooth(m.free_from_full(full), cov_type="none").llf_statsmodels
    assert sm == pytest.approx(pk, rel=1e-8)


@pytest.mark.parametrize("k", [2, 3])
def test_same_llf_as_pykalman_simulated(k):
    prices = sc.simulate_hedge_model(400, k=k, seed=k).prices
    _check_same_llf(prices, alpha=0.9, c=0.2)


@pytest.mark.parametrize("cols", [["EWC", "EWA"], ["EWC", "EWA", "IGE"]])
def test_same_llf_as_pykalman_real(chan_etf, cols):
    _check_same_llf(chan_etf[cols], alpha=0.98, c=0.05)


def test_fit_pykalman_em_all_reports_both_llfs():
    prices = sc.simulate_hedge_model(300, k=3, seed=1).prices
    cal = fit_pykalman_em(prices, n_iter=3, trajectory=True)
    assert isinstance(cal, PykalmanCalibration) and isinstance(cal, sc.Calibration)
    assert cal.method == "pykalman-em" and cal.variant == "full" and cal.iterations == 3
    assert not cal.converged
    assert cal.em_vars == EM_VARS["all"]
    # pykalman's own llf at its final matrices and initial state
    P = cal.pykalman_params
    m = hedge_model(prices)
    kf = pykalman_filter(m, m._start_full(), P["initial_state_mean"],
                         P["initial_state_covariance"])
    kf.transition_matrices = P["transition_matrices"]
    kf.transition_offsets = P["transition_offsets"]
    kf.transition_covariance = P["transition_covariance"]
    kf.observation_covariance = P["observation_covariance"]
    assert cal.pykalman_llf == pytest.approx(kf.loglikelihood(prices.iloc[:, 0].to_numpy()),
                                             rel=1e-12)
    # our exact llf at the projection
    A, b, Q = P["transition_matrices"], P["transition_offsets"], P["transition_covariance"]
    expect = np.r_[A[0, 0], b[0], np.diag(Q), P["observation_covariance"][0, 0]]
    np.testing.assert_allclose(cal.params.to_numpy(), expect)
    assert cal.llf == pytest.approx(m.loglike(m.free_from_full(expect)), rel=1e-10)
    assert np.isfinite(cal.llf_known_init)
    assert any("drops" in w for w in cal.warnings)
    assert cal.projection_loss["transition_offdiag"] > 0
    tr = cal.trajectory
    assert len(tr) == 4 and tr["pykalman_llf"].iloc[-1] == pytest.approx(cal.pykalman_llf)
    assert tr["pykalman_llf"].is_monotonic_increasing  # EM on pykalman's own likelihood
    d = cal.to_dict()
    assert d["method"] == "pykalman-em" and d["pykalman_llf"] == pytest.approx(cal.pykalman_llf)


def test_fit_pykalman_em_restricted_maps_onto_alpha1(ewc_ewa):
    cal = fit_pykalman_em(ewc_ewa, n_iter=2, em_vars="restricted")
    assert cal.variant == "alpha1"
    assert cal.params["alpha"] == 1.0 and cal.params["c"] == 0.0
    np.testing.assert_array_equal(cal.pykalman_params["transition_matrices"], np.eye(2))
    np.testing.assert_array_equal(cal.pykalman_params["transition_offsets"], np.zeros(2))
    Q = cal.pykalman_params["transition_covariance"]
    np.testing.assert_allclose(cal.params[["sigma2.intercept", "sigma2.EWA"]], np.diag(Q))
    assert cal.free == ["sigma2.intercept", "sigma2.EWA", "sigma2.obs"]
    assert np.isfinite(cal.llf) and np.isfinite(cal.pykalman_llf)
    m = hedge_model(ewc_ewa, variant="alpha1")
    assert cal.llf == pytest.approx(m.loglike(m.free_from_full(cal.params.to_numpy())),
                                    rel=1e-10)


def test_refuses_estimating_observation_matrices():
    prices = sc.simulate_hedge_model(100, k=2, seed=0).prices
    with pytest.raises(ModelSpecificationError, match="regressors"):
        fit_pykalman_em(prices, n_iter=1, em_vars=["observation_matrices"])


def test_breakdown_of_pykalman_em_is_reported():
    """pykalman's EM can leave the parameter space on real prices (an indefinite covariance);
    that is reported as a warning, never hidden."""
    from types import SimpleNamespace

    from ssm_coint.estimation._pykalman import _check_breakdown

    ok = SimpleNamespace(transition_matrices=np.eye(2), transition_covariance=np.eye(2),
                         observation_covariance=np.eye(1), initial_state_covariance=np.eye(2))
    warns: list[str] = []
    _check_breakdown(ok, 2, warns)
    assert warns == []
    bad = SimpleNamespace(transition_matrices=np.eye(2),
                          transition_covariance=np.array([[1.0, 2.0], [2.0, 1.0]]),
                          observation_covariance=-np.eye(1), initial_state_covariance=np.eye(2))
    _check_breakdown(bad, 2, warns)
    assert len(warns) == 1 and "broke down" in warns[0]
    assert "transition_covariance" in warns[0] and "observation_covariance" in warns[0]
    explosive = SimpleNamespace(transition_matrices=1.1 * np.eye(2),
                                transition_covariance=np.eye(2),
                                observation_covariance=np.eye(1),
                                initial_state_covariance=np.eye(2))
    warns = []
    _check_breakdown(explosive, 2, warns)
    assert len(warns) == 1 and "explosive" in warns[0]
