"""statsmodels MLEModel contract: names, transforms, fixing, clone/append/extend/forecast."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_coint import HedgeRatioModel, fit_mle, hedge_model, simulate_hedge_model
from ssm_coint.exceptions import ModelSpecificationError

warnings.filterwarnings("ignore", message="A date index has been provided")


@pytest.fixture(scope="module")
def sim():
    return simulate_hedge_model(300, seed=3)


@pytest.fixture(scope="module")
def truth_full(sim):
    return sim.params.to_numpy()


def test_names(sim):
    mod = hedge_model(sim.prices)
    assert mod.param_names == ["alpha", "c", "sigma2.intercept", "sigma2.X2", "sigma2.X3",
                               "sigma2.obs"]
    assert mod.state_names == ["intercept", "X2", "X3"]
    assert hedge_model(sim.prices, variant="mu0").param_names[0] == "alpha"
    assert "c" not in hedge_model(sim.prices, variant="mu0").param_names
    assert hedge_model(sim.prices, variant="alpha1").param_names == [
        "sigma2.intercept", "sigma2.X2", "sigma2.X3", "sigma2.obs"]


@pytest.mark.parametrize("variant", ["full", "mu0", "alpha1"])
def test_transform_roundtrip(sim, variant):
    mod = hedge_model(sim.prices, variant=variant)
    rng = np.random.default_rng(0)
    for p in [mod.start_params] + [mod.transform_params(rng.normal(size=len(mod.param_names)))
                                   for _ in range(5)]:
        np.testing.assert_allclose(mod.transform_params(mod.untransform_params(p)), p,
                                   rtol=1e-12, atol=1e-14)
    u = rng.normal(size=len(mod.param_names))
    np.testing.assert_allclose(mod.untransform_params(mod.transform_params(u)),
                               np.where(np.array([n.startswith("sigma2.")
                                                  for n in mod.param_names]), np.abs(u), u),
                               rtol=1e-10)


def test_transform_complex_step_safe(sim):
    mod = hedge_model(sim.prices)
    u = mod.untransform_params(mod.start_params)
    h = 1e-20
    for i in range(len(u)):
        du = np.zeros(len(u), complex)
        du[i] = 1j * h
        cs = mod.transform_params(u + du).imag / h
        e = np.zeros(len(u))
        e[i] = 1e-6
        fd = (mod.transform_params(u + e) - mod.transform_params(u - e)) / 2e-6
        np.testing.assert_allclose(cs, fd, rtol=1e-6, atol=1e-9)


def test_start_params_deterministic_and_finite(sim):
    a = hedge_model(sim.prices).start_params
    b = hedge_model(sim.prices).start_params
    assert np.array_equal(a, b) and np.all(np.isfinite(a))


@pytest.mark.parametrize(
    "fixed, match",
    [({"beta": 1.0}, "unknown parameter"), ({"alpha": 1.5}, "alpha must lie"),
     ({"sigma2.X2": -1.0}, "non-negative"), ({"sigma2.obs": 0.0}, "positive")],
)
def test_bad_fixed(sim, fixed, match):
    with pytest.raises(ModelSpecificationError, match=match):
        hedge_model(sim.prices, fixed=fixed)


def test_bad_variant_and_init(sim):
    with pytest.raises(ModelSpecificationError, match="unknown variant"):
        hedge_model(sim.prices, variant="nope")
    with pytest.raises(ModelSpecificationError, match="unknown initialization"):
        hedge_model(sim.prices, initialization="nope")
    with pytest.raises(ModelSpecificationError, match="initial_state"):
        hedge_model(sim.prices, initialization="known")


def test_partial_hedge_fix(sim, truth_full):
    mod = hedge_model(sim.prices, fixed={"sigma2.X3": 0.0})
    assert "sigma2.X3" not in mod.param_names
    full = truth_full.copy()
    full[4] = 0.0
    assert mod.loglike(mod.free_from_full(full)) == pytest.approx(
        hedge_model(sim.prices).loglike(full), rel=1e-14)


def test_static_ols_special_case(sim):
    """alpha = 1 with every state variance 0 is recursive least squares: last filtered state
    equals the OLS fit of y on (1, x) (exact diffuse start = flat prior)."""
    mod = hedge_model(sim.prices, variant="alpha1",
                      fixed={"sigma2.intercept": 0.0, "sigma2.X2": 0.0, "sigma2.X3": 0.0})
    res = mod.smooth([0.02], cov_type="none")
    Z = np.column_stack([np.ones(len(sim.prices)), sim.prices.iloc[:, 1:].to_numpy()])
    ols, *_ = np.linalg.lstsq(Z, sim.prices.iloc[:, 0].to_numpy(), rcond=None)
    np.testing.assert_allclose(res.hedge_ratios.filtered.iloc[-1].to_numpy(), ols, rtol=1e-7)


def test_results_views(sim, truth_full):
    mod = hedge_model(sim.prices)
    res = mod.smooth(truth_full, cov_type="none")
    hr = res.hedge_ratios
    assert list(hr.filtered.columns) == ["intercept", "X2", "X3"]
    assert hr.filtered.index.equals(sim.prices.index)
    assert hr.smoothed.shape == hr.filtered.shape
    spread = res.spread
    expected = sim.prices["Y"] - (hr.filtered[["X2", "X3"]] * sim.prices[["X2", "X3"]]).sum(
        axis=1, skipna=False)
    assert spread.iloc[:2].isna().all()  # filtered states undefined before identification
    np.testing.assert_allclose(spread, expected, rtol=1e-12)
    z = res.zscore
    assert z.iloc[:3].isna().all() and z.iloc[3:].notna().all()
    assert res.half_life == pytest.approx(np.log(2) / -np.log(sim.params["alpha"]))
    mu = res.mu
    assert mu == pytest.approx(sim.params["c"] / (1 - sim.params["alpha"]))
    assert "mu = c/(1-alpha)" in str(res.summary())


def test_append_extend_apply_forecast(sim, truth_full):
    prices = sim.prices
    head, tail = prices.iloc[:250], prices.iloc[250:]
    mod = hedge_model(head)
    res = mod.smooth(truth_full, cov_type="none")
    full_res = hedge_model(prices).smooth(truth_full, cov_type="none")
    app = res.append(tail.iloc[:, 0], exog=tail.iloc[:, 1:])
    assert app.nobs == len(prices)
    np.testing.assert_allclose(app.llf, full_res.llf, rtol=1e-10)
    ext = res.extend(tail.iloc[:, 0], exog=tail.iloc[:, 1:])
    np.testing.assert_allclose(ext.filtered_state[:, -1], full_res.filtered_state[:, -1],
                               rtol=1e-8)
    applied = res.apply(prices.iloc[:, 0], exog=prices.iloc[:, 1:])
    np.testing.assert_allclose(applied.llf, full_res.llf, rtol=1e-10)
    fc = res.forecast(5, exog=tail.iloc[:5, 1:].to_numpy())
    # one-step forecast = z_{t+1} . (c + T a_{n|n})
    a = res.filtered_state[:, -1]
    a_pred = np.array([truth_full[1] + truth_full[0] * a[0], a[1], a[2]])
    z = np.r_[1.0, tail.iloc[0, 1:].to_numpy()]
    assert np.asarray(fc)[0] == pytest.approx(z @ a_pred, rel=1e-10)
    with pytest.raises(ValueError):
        res.forecast(5)  # regressors are required out of sample


def test_johansen_and_mixed_initialization(sim, truth_full):
    for init in ("johansen", "mixed", "chan"):
        mod = hedge_model(sim.prices, initialization=init)
        res = mod.smooth(truth_full, cov_type="none")
        # rank-exact filter and statsmodels agree for these (known or stationary) starts
        np.testing.assert_allclose(res.llf, res.llf_statsmodels, rtol=1e-9)
        assert np.isfinite(res.llf)


def test_model_requires_regressors():
    with pytest.raises(ModelSpecificationError):
        HedgeRatioModel(pd.Series(np.arange(10.0)), None)


def test_fit_is_global_with_summary_forecast_and_append(ewc_ewa_ige):
    """``HedgeRatioModel(y, X).fit()``: the global optimum (414.4891, issue 2's notes), a
    summary, a forecast given future regressor prices, and ``append`` without refitting."""
    from ssm_coint import kalman

    y, X = ewc_ewa_ige["EWC"], ewc_ewa_ige[["EWA", "IGE"]]
    res = HedgeRatioModel(y, X).fit()
    assert res.llf == pytest.approx(414.4891, abs=1e-4)
    assert res.calibration.method == "mle" and res.calibration.converged
    # one meaning per name: mu and the intervals are the calibration's
    cal = res.calibration
    assert res.mu == pytest.approx(cal.mu, rel=1e-12) and np.isfinite(res.mu_se)
    pd.testing.assert_frame_equal(res.conf_int(), cal.conf_int(), rtol=1e-10)
    text = str(res.summary())
    assert "mu = c/(1-alpha)" in text and "sigma2.obs" in text
    # 5-day forecast given (hypothetical) future regressor prices: z_{n+h} (c + T a_{n+h-1})
    future = X.iloc[-5:].to_numpy() * 1.01
    fc = np.asarray(res.forecast(5, exog=future))
    p = res.full_params
    a = res.hedge_ratios.filtered.iloc[-1].to_numpy()
    want = []
    for h in range(5):
        a = np.r_[p["c"] + p["alpha"] * a[0], a[1:]]
        want.append(np.r_[1.0, future[h]] @ a)
    np.testing.assert_allclose(fc, want, rtol=1e-10)
    # append 20 days to a calibration on the first 1480: filtered states equal the filter at
    # the same parameters on all 1500 days
    head = HedgeRatioModel(y.iloc[:1480], X.iloc[:1480]).fit()
    app = head.append(y.iloc[1480:], exog=X.iloc[1480:])
    model = HedgeRatioModel(y, X)
    longer = model.core_filter(np.asarray(head.full_params, float))
    np.testing.assert_allclose(app.hedge_ratios.filtered.to_numpy()[2:],
                               longer.filtered_state[2:], rtol=1e-10)
    assert isinstance(longer, kalman.FilterOutput) and app.nobs == 1500


def test_extend_on_business_days_without_frequency(ewc_ewa):
    """Real closes (dates without a frequency): extend continues the filter exactly."""
    y, X = ewc_ewa["EWC"], ewc_ewa[["EWA"]]
    full = np.array([0.995886815, 0.0410935884, 0.0509992726, 1.56764942e-05, 8.03674942e-03])
    model = HedgeRatioModel(y.iloc[:1400], X.iloc[:1400])
    res = model.smooth(full, cov_type="none")
    ext = res.extend(y.iloc[1400:], exog=X.iloc[1400:])
    longer = HedgeRatioModel(y, X).core_filter(full)
    np.testing.assert_allclose(ext.hedge_ratios.filtered.to_numpy(),
                               longer.filtered_state[1400:], rtol=1e-10)
    assert ext.hedge_ratios.filtered.index.equals(y.index[1400:])


def test_johansen_start_is_defined_at_alpha_zero_and_fits(ewc_ewa_ige):
    """Issue 15: the Johansen start divided 0 by 0 at alpha = 0 (``LinAlgError: Singular
    matrix`` through every MLE fit). T cov(beta_0) T is now computed in closed form: equal to
    the seed's formula at alpha != 0, its limit at alpha = 0."""
    mod = hedge_model(ewc_ewa_ige, initialization="johansen")
    full = np.array([0.5, 0.01, 1e-3, 1e-6, 1e-6, 1e-3])
    # the seed's formula, written out at alpha = 0.5: r diag((T M T)^-1) pushed through T
    Z = mod._design_rows
    T = np.diag([0.5, 1.0, 1.0])
    inv = np.linalg.inv(T @ (Z.T @ Z / len(Z)) @ T)
    want = T @ (1e-3 * np.diag(np.diag(inv))) @ T + np.diag(full[2:5])
    np.testing.assert_allclose(mod.system(full)["P1"], want, rtol=1e-10)
    for alpha in (0.0, 1e-12, -0.3):
        full[0] = alpha
        assert np.isfinite(mod.loglike(mod.free_from_full(full)))
    at0 = mod.system(np.r_[0.0, full[1:]])["P1"]
    near0 = mod.system(np.r_[1e-9, full[1:]])["P1"]
    np.testing.assert_allclose(at0, near0, rtol=1e-8)  # continuous at alpha = 0
    cal = fit_mle(ewc_ewa_ige, "full", initialization="johansen", nested=False)
    assert np.isfinite(cal.llf) and cal.converged
