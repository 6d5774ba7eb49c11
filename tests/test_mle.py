"""Maximum likelihood: recovery of known truth on simulated data, nesting, real-data optima."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from ssm_coint import fit_mle, simulate_hedge_model
from ssm_coint.estimation import profile_interval

Z99 = norm.ppf(0.995)


def _truth(k, alpha):
    mu = 2.0
    p = {"alpha": alpha, "c": (1 - alpha) * mu, "sigma2.intercept": 0.01 * (1 - alpha**2) / 0.0975,
         "sigma2.obs": 0.01}
    for j in range(2, k + 1):
        p[f"sigma2.X{j}"] = 1e-6
    return p


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("alpha", [0.9, 0.98])
def test_true_parameters_inside_99pct_interval(k, alpha):
    """Seeded simulation, n = 1500: every true parameter lies in the MLE's 99% Wald interval.

    For mu the interval uses the delta-method standard error of c / (1 - alpha).
    """
    sim = simulate_hedge_model(1500, _truth(k, alpha), k=k, seed=1000 + 10 * k + int(alpha * 100))
    cal = fit_mle(sim.prices, "full", nested=False)
    assert cal.converged
    model = cal.results.model
    assert cal.llf >= model.fast_loglike(sim.params.to_numpy()) - 1e-6  # beats the truth
    ci = cal.conf_int(0.01)  # variances: Wald on the log scale (see Calibration.conf_int)
    for name, true in sim.params.items():
        if cal.at_boundary[name]:
            # Wald does not apply at the boundary: profile-likelihood interval [0, u]
            lo, hi = profile_interval(cal, name, 0.99)
            assert lo == 0.0
        else:
            assert np.isfinite(cal.bse[name]) and cal.bse[name] > 0, name
            lo, hi = ci.loc[name]
        assert lo <= true <= hi, (name, lo, true, hi)
    mu, mu_se = cal.results.mu, cal.results.mu_se
    assert abs(mu - 2.0) <= Z99 * mu_se


def test_nested_fits_are_ordered_and_truth_is_beaten():
    sim = simulate_hedge_model(800, seed=7)
    cal = fit_mle(sim.prices, "full")
    full, mu0, a1 = cal.llf, cal.nested["mu0"].llf, cal.nested["alpha1"].llf
    assert full >= mu0 >= a1
    # the global optimum is at least as good as the true parameter point
    model = cal.results.model
    assert full >= model.fast_loglike(sim.params.to_numpy()) - 1e-6
    # alpha1 variant: alpha is exactly one and c exactly zero
    assert cal.nested["alpha1"].params["alpha"] == 1.0
    assert cal.nested["alpha1"].params["c"] == 0.0


# Best values found by an exhaustive multi-start search (issue 2), minus 0.01.
EWC_EWA_TARGETS = {"full": -170.726, "mu0": -171.849, "alpha1": -172.301}


@pytest.fixture(scope="module")
def ewc_ewa_fit(ewc_ewa):
    return fit_mle(ewc_ewa, "full")


@pytest.mark.parametrize("variant", ["full", "mu0", "alpha1"])
def test_ewc_ewa_reaches_best_known_llf(ewc_ewa_fit, variant):
    cal = ewc_ewa_fit if variant == "full" else ewc_ewa_fit.nested[variant]
    assert cal.llf >= EWC_EWA_TARGETS[variant]
    assert cal.converged


def test_ewc_ewa_nesting(ewc_ewa_fit):
    assert ewc_ewa_fit.llf >= ewc_ewa_fit.nested["mu0"].llf >= ewc_ewa_fit.nested["alpha1"].llf


def test_triplet_fit(ewc_ewa_ige):
    """EWC/EWA/IGE: alpha1 reaches the best known 412.555; nesting holds.

    The issue's targets for full (425.067) and mu0 (424.824) are not used: they sit ~12 units
    above what the rank-exact likelihood allows and match the spurious diffuse steps of
    statsmodels' filter documented in test_filter_reference.py.
    """
    cal = fit_mle(ewc_ewa_ige, "full")
    assert cal.nested["alpha1"].llf >= 412.555
    assert cal.llf >= cal.nested["mu0"].llf >= cal.nested["alpha1"].llf
    assert cal.params["alpha"] < 1
    # the reported llf is the model's own loglike at the reported parameters
    model = cal.results.model
    assert cal.llf == pytest.approx(model.loglike(model.free_from_full(cal.params.to_numpy())),
                                    rel=1e-12)


def test_profile_interval_is_a_likelihood_ratio_interval():
    """At each bound of the 95% profile interval of alpha, 2(llf - profile) = chi2_1(0.95)."""
    from scipy.stats import chi2

    from ssm_coint.estimation import profile_loglike

    sim = simulate_hedge_model(600, {"alpha": 0.9, "c": 0.2}, k=2, seed=17)
    cal = fit_mle(sim.prices, "full", nested=False)
    lo, hi = profile_interval(cal, "alpha", 0.95)
    assert lo < cal.params["alpha"] < hi
    crit = chi2.ppf(0.95, 1)
    for bound in (lo, hi):
        lr = 2 * (cal.llf - profile_loglike(cal, "alpha", bound))
        assert lr == pytest.approx(crit, abs=0.05)  # bisection stops within 1e-4 s.e.
    # and it is close to the Wald interval for this interior, well-identified parameter
    wald = cal.conf_int(0.05).loc["alpha"]
    assert abs(lo - wald["lower"]) < 0.5 * (wald["upper"] - wald["lower"])


@pytest.mark.parametrize(("alpha", "k", "n", "child"), [(0.5, 2, 1000, 38), (0.5, 3, 250, 60)])
def test_fast_reverting_noisy_spread_is_found(alpha, k, n, child):
    """Two data sets of the full recovery study (``python -m validation recovery``, root seed
    20260101, SeedSequence children 38 and 60) on which the global search once stopped in the
    "level without noise, drifting hedge ratio" basin (alpha ~ 0.98, sigma2.intercept ~ 0),
    12.7 and 0.42 log-likelihood units below exact EM started from the model's start values.
    The MLE must reach at least EM's and the truth's log-likelihood."""
    from ssm_coint import fit_em
    from ssm_coint.studies._common import truth_params

    truth = truth_params(alpha, k)
    seed = np.random.SeedSequence(20260101).spawn(child + 1)[child]
    sim = simulate_hedge_model(n, truth, k=k, seed=np.random.default_rng(seed))
    cal = fit_mle(sim.prices, "full", nested=False)
    em = fit_em(sim.prices, "full")
    model = cal.results.model
    llf_truth = model.fast_loglike(np.array([truth[p] for p in model.all_param_names]))
    assert cal.llf >= em.llf - 1e-6
    assert cal.llf >= llf_truth - 1e-6
    assert abs(cal.params["alpha"] - alpha) < 0.2  # the fast-reverting optimum, not alpha ~ 1
