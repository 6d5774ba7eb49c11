"""Single-asset mean-reversion model (seed 001 done right).

The likelihood is checked at fixed parameters against an independent plain-NumPy Kalman filter
before any fit is tested; the signal is checked to be the z-score of the deviation of the price
from its *filtered* level, recomputed here from the filter output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ssm_coint.exceptions import (
    ConstantSeriesError,
    InsufficientDataError,
    MissingValueError,
    ModelSpecificationError,
)
from ssm_coint.models._single import (
    MeanReversionModel,
    MeanReversionResults,
    fit_mean_reversion,
    mean_reversion_positions,
)

#: llf at fixed parameters against the NumPy filter: both are exact recursions in float64.
LLF_RTOL = 1e-8
#: z-score recomputed from filter output: the two formulas differ only by rounding.
Z_RTOL = 1e-7
#: 99% two-sided normal quantile for the Wald interval of phi.
Z99 = 2.5758293035489004

TRUE = {"phi": 0.9, "c": 1.0, "sigma2.level": 1.0, "sigma2.obs": 0.5}


def _simulate(n: int, seed: int, phi=TRUE["phi"], c=TRUE["c"], q=TRUE["sigma2.level"],
              r=TRUE["sigma2.obs"]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.empty(n)
    m[0] = c / (1 - phi) + rng.normal(0, math.sqrt(q / (1 - phi**2)))
    eta = rng.normal(0, math.sqrt(q), n)
    for t in range(n - 1):
        m[t + 1] = c + phi * m[t] + eta[t]
    return m + rng.normal(0, math.sqrt(r), n)


def _numpy_filter(p: np.ndarray, phi: float, c: float, q: float, r: float,
                  diffuse: bool = False) -> dict[str, np.ndarray]:
    """Plain scalar Kalman filter of p_t = m_t + eps_t, m_{t+1} = c + phi m_t + eta_t."""
    n = p.size
    llf = np.zeros(n)
    a_f = np.zeros(n)
    P_f = np.zeros(n)
    v_all = np.zeros(n)
    F_all = np.zeros(n)
    start = 0
    if diffuse:  # exact diffuse: the first price fixes the level up to the noise
        a_f[0], P_f[0] = p[0], r
        a, P = c + phi * p[0], phi**2 * r + q
        start = 1
    else:
        a, P = c / (1 - phi), q / (1 - phi**2)
    for t in range(start, n):
        v = p[t] - a
        F = P + r
        llf[t] = -0.5 * (math.log(2 * math.pi) + math.log(F) + v * v / F)
        K = P / F
        a_f[t] = a + K * v
        P_f[t] = P * (1 - K)
        v_all[t], F_all[t] = v, F
        a = c + phi * a_f[t]
        P = phi**2 * P_f[t] + q
    return {"llf": llf, "a_filt": a_f, "P_filt": P_f, "v": v_all, "F": F_all}


@pytest.fixture(scope="module")
def sim_prices() -> np.ndarray:
    return _simulate(2000, seed=20261122)


@pytest.fixture(scope="module")
def sim_fit(sim_prices) -> MeanReversionResults:
    return fit_mean_reversion(pd.Series(sim_prices, name="price"))


@pytest.fixture(scope="module")
def spread(ewc_ewa) -> pd.Series:
    """EWC - b EWA with the OLS hedge ratio b (Chan's 1500 days)."""
    y, x = ewc_ewa["EWC"].to_numpy(), ewc_ewa["EWA"].to_numpy()
    design = np.column_stack([np.ones_like(x), x])
    b = np.linalg.lstsq(design, y, rcond=None)[0][1]
    return (ewc_ewa["EWC"] - b * ewc_ewa["EWA"]).rename("spread")


@pytest.fixture(scope="module")
def spread_fit(spread) -> MeanReversionResults:
    return fit_mean_reversion(spread)


# ----------------------------------------------------------------------------- likelihood
@pytest.mark.parametrize("params", [(0.9, 1.0, 1.0, 0.5), (0.99, 0.05, 0.02, 0.3),
                                    (-0.3, 2.0, 0.5, 1e-4)])
def test_loglike_equals_numpy_filter_stationary(sim_prices, params):
    mod = MeanReversionModel(sim_prices)
    ref = _numpy_filter(sim_prices, *params)
    np.testing.assert_allclose(mod.loglike(np.array(params)), ref["llf"].sum(), rtol=LLF_RTOL)
    res = mod.smooth(np.array(params))
    np.testing.assert_allclose(res.filtered_state[0], ref["a_filt"], rtol=LLF_RTOL)
    np.testing.assert_allclose(res.filtered_state_cov[0, 0], ref["P_filt"], rtol=LLF_RTOL)


def test_loglike_equals_numpy_filter_diffuse(sim_prices):
    params = (0.95, 0.4, 0.8, 0.6)
    mod = MeanReversionModel(sim_prices, initialization="diffuse")
    ref = _numpy_filter(sim_prices, *params, diffuse=True)
    res = mod.smooth(np.array(params))
    assert res.filter_results.nobs_diffuse == 1
    # after the diffuse first step the recursions coincide
    np.testing.assert_allclose(res.llf_obs[1:], ref["llf"][1:], rtol=LLF_RTOL)
    np.testing.assert_allclose(res.filtered_state[0], ref["a_filt"], rtol=LLF_RTOL)


def test_model_contract(sim_prices):
    mod = MeanReversionModel(pd.Series(sim_prices[:300]))
    assert mod.param_names == ["phi", "c", "sigma2.level", "sigma2.obs"]
    assert mod.state_names == ["level"]
    start = mod.start_params
    assert abs(start[0]) < 1 and start[2] > 0 and start[3] > 0
    np.testing.assert_array_equal(start, mod.start_params)  # deterministic
    rng = np.random.default_rng(7)
    points = [start] + [np.array([rng.uniform(-0.99, 0.99), rng.normal(0, 5),
                                  rng.exponential(2.0), rng.exponential(0.1)]) for _ in range(5)]
    for theta in points:  # exact inverses on the constrained space
        np.testing.assert_allclose(mod.transform_params(mod.untransform_params(theta)), theta,
                                   rtol=1e-12)
    u = rng.normal(0, 1.5, 4)  # variances u**2: inverse on the non-negative branch
    back = mod.untransform_params(mod.transform_params(u))
    np.testing.assert_allclose(back, [u[0], u[1], abs(u[2]), abs(u[3])], rtol=1e-12)
    # complex-step safe: complex in, complex out, with the right derivative of phi = tanh(u)
    h = 1e-20
    u = mod.untransform_params(start).astype(complex)
    u[0] += 1j * h
    out = mod.transform_params(u)
    assert out.dtype == complex
    np.testing.assert_allclose(out.imag[0] / h, 1 - np.tanh(u[0].real) ** 2, rtol=1e-12)
    # clone, append and forecast keep the specification
    res = mod.smooth(start)
    clone = mod.clone(sim_prices[:100])
    assert isinstance(clone, MeanReversionModel)
    assert clone.initialization_kind == "stationary"
    extended = res.append(pd.Series(sim_prices[300:350], index=pd.RangeIndex(300, 350)))
    assert extended.nobs == 350
    np.testing.assert_allclose(extended.filtered_state[0, :300], res.filtered_state[0])
    short = res.extend(pd.Series(sim_prices[300:305], index=pd.RangeIndex(300, 305)))
    assert short.nobs == 5  # a few new prices with the fitted parameters (no refit)
    fc = res.forecast(50)
    mu = start[1] / (1 - start[0])
    assert abs(fc.iloc[-1] - mu) < abs(fc.iloc[0] - mu) + 1e-12  # reverts towards c/(1-phi)
    # fixed parameters through statsmodels' own mechanism
    with mod.fix_params({"phi": 0.9}):
        fixed = mod.fit(disp=False)
    assert fixed.params["phi"] == 0.9


def test_bad_input():
    with pytest.raises(ConstantSeriesError):
        fit_mean_reversion(np.full(50, 3.0))
    with pytest.raises(InsufficientDataError):
        fit_mean_reversion(np.arange(10.0))
    with pytest.raises(MissingValueError):
        MeanReversionModel(np.r_[np.arange(50.0), np.inf])
    with pytest.raises(ModelSpecificationError):
        MeanReversionModel(np.arange(50.0), initialization="chan")


# ----------------------------------------------------------------------------- estimation
def test_mle_recovers_phi(sim_fit):
    res = sim_fit
    assert res.converged
    assert np.isfinite(res.bse).all()
    for name, value in TRUE.items():
        est, se = float(res.params[name]), float(res.bse[name])
        assert abs(est - value) < Z99 * se, (name, est, se)
    assert math.isclose(res.half_life, math.log(2) / -math.log(res.phi))
    assert math.isclose(res.long_run_mean, res.params["c"] / (1 - res.params["phi"]))


def test_multistart_best_wins(sim_fit, sim_prices):
    hist = sim_fit.fit_history
    assert len(hist) == 4 and hist["best"].sum() >= 1
    assert sim_fit.llf == pytest.approx(hist["llf"].max(), abs=1e-9)
    # the reported llf is the model's exact llf at the reported parameters
    mod = MeanReversionModel(sim_prices)
    assert mod.loglike(np.asarray(sim_fit.params)) == pytest.approx(sim_fit.llf, rel=1e-12)


def test_fits_real_spread_by_mle(spread_fit):
    res = spread_fit
    assert np.isfinite(res.llf)
    assert abs(res.phi) < 1
    assert res.converged
    assert 1 < res.half_life < 500  # EWC/EWA spread reverts in weeks (Chan: about a month)
    assert (res.params[["sigma2.level", "sigma2.obs"]] > 0).all()
    text = str(res.summary())
    assert "half-life" in text and "sigma2.obs" in text


# ----------------------------------------------------------------------------- signal
def test_signal_is_zscore_of_deviation_from_filtered_level(spread, spread_fit):
    res = spread_fit
    p = spread.to_numpy()
    r = float(res.params["sigma2.obs"])
    a_filt = res.filtered_state[0]
    P_filt = res.filtered_state_cov[0, 0]
    dev = p - a_filt
    z_expected = dev / np.sqrt(r - P_filt)  # Var(p_t - m_t|t) = r - P_t|t (derivation)
    np.testing.assert_allclose(res.deviation.to_numpy(), dev, rtol=1e-12)
    np.testing.assert_allclose(res.zscore.to_numpy(), z_expected, rtol=Z_RTOL)
    # ... which is also the standardised innovation v_t / sqrt(F_t)
    v, F = res.forecasts_error[0], res.forecasts_error_cov[0, 0]
    np.testing.assert_allclose(res.zscore.to_numpy(), v / np.sqrt(F), rtol=Z_RTOL, atol=1e-8)
    # and not the naive P_t|t + r scaling
    naive = dev / np.sqrt(r + P_filt)
    assert np.median(np.abs(naive) / np.abs(z_expected)) < 0.9
    # positions follow the thresholds on that z-score
    sig = res.signal(entry=2.0, exit=0.5)
    pd.testing.assert_index_equal(sig.index, spread.index)
    pd.testing.assert_series_equal(sig["zscore"], res.zscore)
    pos, z = sig["position"].to_numpy(), sig["zscore"].to_numpy()
    opened = np.flatnonzero(np.diff(np.r_[0, pos]) != 0)
    assert opened.size > 0
    for t in opened:
        if pos[t] == 1:
            assert z[t] < -2.0
        elif pos[t] == -1:
            assert z[t] > 2.0
        else:
            assert abs(z[t]) < 0.5 or np.sign(z[t]) == pos[t - 1]
    # under the model z_t is N(0, 1)
    assert abs(np.mean(z)) < 0.1 and abs(np.std(z) - 1) < 0.1


def test_blog_rule_is_absent_scale_invariance(spread, spread_fit):
    """Prices in other units: our positions do not move; the blog's mean+threshold rule does."""
    base = np.asarray(spread_fit.params)
    positions, blog_sells = {}, {}
    for k in (0.01, 1.0, 100.0):
        mod = MeanReversionModel(spread * k)
        res = mod.smooth(base * np.array([1.0, k, k * k, k * k]))
        np.testing.assert_allclose(res.zscore.to_numpy(), spread_fit.zscore.to_numpy(),
                                   rtol=1e-6, atol=1e-8)
        positions[k] = res.signal(entry=2.0, exit=0.5)["position"]
        # seed 001: deviation = |state - mean|; buy if deviation > mean + 1.5,
        # sell if deviation < mean - 1.5 (a deviation compared with a price level)
        price = (spread * k).to_numpy()
        mean = np.mean(price[-20:])
        deviation = np.abs(res.filtered_state[0] - mean)
        blog_sells[k] = int(np.sum(deviation < mean - 1.5))
    for k in (0.01, 100.0):
        pd.testing.assert_series_equal(positions[k], positions[1.0])
    assert len(set(blog_sells.values())) > 1, blog_sells  # the blog's signals depend on units
    # the MLE itself is equivariant: refitting prices x 100 gives the same phi and positions
    refit = fit_mean_reversion(spread * 100)
    assert refit.phi == pytest.approx(spread_fit.phi, rel=1e-6)
    pd.testing.assert_series_equal(refit.signal()["position"], spread_fit.signal()["position"])


def test_no_look_ahead(spread, spread_fit):
    params = np.asarray(spread_fit.params)
    t = 1000
    changed = spread.copy()
    changed.iloc[t + 1:] = changed.iloc[t + 1:] * 1.3 + 2.0
    a = MeanReversionModel(spread).smooth(params).signal()
    b = MeanReversionModel(changed).smooth(params).signal()
    pd.testing.assert_frame_equal(a.iloc[: t + 1], b.iloc[: t + 1])


def test_positions_state_machine():
    z = pd.Series([0.0, -2.5, -1.0, -0.4, 2.2, 1.0, -2.1, 2.6, 0.3, np.nan, -2.5, np.nan,
                   -5.0, -2.5, 0.1, -2.4, -6.0])
    got = mean_reversion_positions(z, entry=2.0, exit=0.5, stop=4.0)
    # hold until |z| < exit; a crossing beyond entry flips; NaN holds; a stop blocks re-entry
    # until |z| < exit
    want = [0, 1, 1, 0, -1, -1, 1, -1, 0, 0, 1, 1, 0, 0, 0, 1, 0]
    assert got.tolist() == want
    assert got.name == "position"
    long_only = mean_reversion_positions(z, entry=2.0, exit=0.5, long_only=True)
    assert (long_only >= 0).all()
    with pytest.raises(ModelSpecificationError):
        mean_reversion_positions(z, entry=0.5, exit=2.0)
    with pytest.raises(ModelSpecificationError):
        mean_reversion_positions(z, entry=2.0, exit=0.5, stop=1.0)
