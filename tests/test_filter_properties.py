r"""Property-based invariances of the exact diffuse Kalman filter and of ``HedgeRatioModel``.

Each test draws small random problems (hypothesis, derandomized so CI is reproducible): n in
[30, 120] dates, 1 to 3 regressors, positive random variances, alpha in (-0.9, 0.99) or exactly 1,
data simulated from the model (:func:`ssm_coint.simulate_hedge_model`). It then transforms the
data, maps the parameters accordingly, and checks that the model's exact output (the Kalman
core behind :meth:`HedgeRatioModel.core_smoother`, :meth:`~HedgeRatioModel.loglike` and
:meth:`~HedgeRatioModel.loglikeobs`) transforms as the algebra says.

State layout (``HedgeRatioModel``): state 0 is the spread level,
``level_{t+1} = c + alpha level_t + w_{0,t}``, states 1..k-1 the hedge ratios (random walks),
``y_t = level_t + x_t' beta_t + eps_t``. Parameters, in ``all_param_names`` order:
``alpha, c, sigma2.intercept, sigma2.X2, ..., sigma2.obs`` (the intercept c, not mu).

Tolerances. Both sides of every identity are computed by the same exact recursion on inputs
that differ by a transformation, so they differ only by rounding, amplified by the conditioning
of the diffuse start (regressor prices near 50 next to the unit intercept column). Measured
discrepancies are around 1e-13 relative; the tests allow ``RTOL = 1e-9`` of a scale that
cannot be zero by accident:

* states: ``|x| + posterior sd (+ |shift|)``: a component passing through zero is judged
  against its uncertainty, not against its own rounding noise, and a shifted level against the
  size of the numbers actually added;
* covariances: ``|P_ij| + sd_i sd_j`` (correlations are bounded by 1);
* the log-likelihood: ``|llf| + n`` (a sum of n terms of order one, which may nearly cancel);
* per-date log-likelihood: ``|llf_t| + 1 (+ |expected offset|)``;
* a quadratic form ``z P z' + r``: ``|z| |P| |z|' + r`` (its terms cancel, not its rounding).

One exception, smoothed covariances after a *known* start: the backward pass forms
``V_t = P_t - P_t N_{t-1} P_t`` by subtraction (not in square-root form), so a start ``P_1``
that is ``amp`` times wider than the posterior at date 0 costs about ``log10(amp)`` digits
there. Against the dense reference (``tests/_dense_reference.py``) the error measured over 400
random problems of this file's kind was at most ``6e-12 * amp`` of ``sd_i sd_j``; the tests
allow ``RTOL * (1 + amp)``, with ``amp = max_i P_1[i, i] / V_0[i, i]`` (0 for diffuse, mixed
and Chan starts, whose known parts are the stationary law or exact zeros). That is still
orders of magnitude below the O(1) relative error of any wrong mapping.

Dates where a quantity is undefined (NaN: the flat prior of the diffuse start not yet proper)
must be NaN on both sides, and only those.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ssm_coint import simulate_hedge_model
from ssm_coint.models import HedgeRatioModel

RTOL = 1e-9

# Deterministic examples (no example database, no random seed): reproducible in CI. Each
# example costs ~10-40 ms (a few filter/smoother passes): ~1 s per test. No
# shrinking: on a failure it would replay thousands of examples (minutes); the failing example
# printed is the derandomized draw itself, so it reproduces as is.
PROPS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                 phases=(Phase.explicit, Phase.generate),
                 suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------- problems
@st.composite
def problems(draw, min_exog: int = 1, max_exog: int = 3):
    """A simulated data set and the true full parameter vector (``all_param_names`` order)."""
    kx = draw(st.integers(min_exog, max_exog))
    n = draw(st.integers(30, 120))
    stationary = st.floats(-0.9, 0.99, exclude_min=True, exclude_max=True)
    alpha = draw(st.one_of(st.just(1.0), stationary))  # random walk or mean-reverting level
    params = {
        "alpha": alpha,
        "c": draw(st.floats(-1.0, 1.0)),
        "sigma2.intercept": 10.0 ** draw(st.floats(-4.0, -1.0)),
        "sigma2.obs": 10.0 ** draw(st.floats(-3.0, 0.0)),
    }
    for j in range(2, kx + 2):
        params[f"sigma2.X{j}"] = 10.0 ** draw(st.floats(-7.0, -3.0))
    seed = draw(st.integers(0, 2**32 - 1))
    sim = simulate_hedge_model(n, params, k=kx + 1, seed=seed)
    y = sim.prices.iloc[:, 0].to_numpy(dtype=float).copy()
    X = sim.prices.iloc[:, 1:].to_numpy(dtype=float).copy()
    full = sim.params.to_numpy(dtype=float).copy()
    # a known start for initialization="known": near the true first state, random spread
    a1 = sim.states.iloc[0].to_numpy(dtype=float) + np.array(
        [draw(st.floats(-1.0, 1.0)) for _ in range(kx + 1)])
    P1 = np.diag([10.0 ** draw(st.floats(-3.0, 1.0)) for _ in range(kx + 1)])
    return {"y": y, "X": X, "full": full, "a1": a1, "P1": P1}


def _model(y, X, init, a1=None, P1=None) -> HedgeRatioModel:
    if init == "known":
        return HedgeRatioModel(y, X, initialization="known", initial_state=a1,
                               initial_state_cov=P1)
    return HedgeRatioModel(y, X, initialization=init)


def _diffuse_states(init: str, alpha: float, k: int) -> np.ndarray:
    """Which states carry a flat prior under the model's initialization."""
    if init == "diffuse":
        return np.ones(k, dtype=bool)
    if init == "mixed":
        out = np.ones(k, dtype=bool)
        out[0] = not alpha**2 < 1  # the level starts from its stationary law when |alpha| < 1
        return out
    return np.zeros(k, dtype=bool)  # "known", "chan"


# ---------------------------------------------------------------------------------- checks
def _close(name, got, want, scale):
    """NaN patterns equal; elsewhere |got - want| <= RTOL * scale."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != {want.shape}"
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: undefined dates differ"
    ok = ~np.isnan(want)
    scale = np.broadcast_to(scale, want.shape)
    err = np.abs(got[ok] - want[ok])
    tol = RTOL * scale[ok]
    if not np.all(err <= tol):
        with np.errstate(divide="ignore", invalid="ignore"):
            worst = np.nanmax(np.where(err > tol, err / tol, 0.0))
        raise AssertionError(f"{name}: worst |error| / tolerance = {worst:.3g} "
                             f"(max |error| {np.max(err):.3g})")


def _sd(cov):
    return np.sqrt(np.abs(np.diagonal(cov, axis1=-2, axis2=-1)))


def _amplification(init, P1, out) -> float:
    """``max_i P_1[i, i] / V_0[i, i]`` for a known start (the digits the smoother's covariance
    subtraction loses at the start, see the module notes), 0 otherwise."""
    if init != "known":
        return 0.0
    return float(np.max(np.diag(P1) / np.diagonal(out.smoothed_state_cov[0])))


def _assert_state_map(base, got, perm, lam, shift, s_y, amp=0.0):
    """``got`` is ``base`` after the state map beta'_i = lam_i beta_{perm_i} + shift_i and the
    observation map y' = s_y y (SmootherOutputs of the two models). ``amp``: see
    :func:`_amplification` (widens the smoothed-covariance tolerance by ``1 + amp``)."""
    perm = np.asarray(perm)
    lam = np.asarray(lam, float)
    shift = np.asarray(shift, float)
    L2 = lam[:, None] * lam[None, :]
    assert got.nobs_diffuse == base.nobs_diffuse
    for kind in ("filtered", "smoothed"):
        mean = getattr(base, f"{kind}_state")[:, perm] * lam + shift
        cov = getattr(base, f"{kind}_state_cov")[:, perm][:, :, perm] * L2
        sd = _sd(cov)
        _close(f"{kind}_state", getattr(got, f"{kind}_state"), mean,
               np.abs(mean) + sd + np.abs(shift))
        wide = 1.0 + amp if kind == "smoothed" else 1.0
        _close(f"{kind}_state_cov", getattr(got, f"{kind}_state_cov"), cov,
               (np.abs(cov) + sd[:, :, None] * sd[:, None, :]) * wide)
    auto = base.smoothed_state_autocov[:, perm][:, :, perm] * L2
    sd = _sd(base.smoothed_state_cov[:, perm][:, :, perm] * L2)
    _close("smoothed_state_autocov", got.smoothed_state_autocov, auto,
           (np.abs(auto) + sd[1:, :, None] * sd[:-1, None, :]) * (1.0 + amp))
    fev = base.forecast_error_var * s_y**2
    _close("forecast_error", got.forecast_error, base.forecast_error * s_y, np.sqrt(fev))
    _close("forecast_error_var", got.forecast_error_var, fev, fev)


def _assert_llf(name, got, want, n):
    assert np.isfinite(want), f"{name}: reference log-likelihood is {want}"
    assert abs(got - want) <= RTOL * (abs(want) + n), (
        f"{name}: {got!r} != {want!r} (difference {got - want:.3g})")


# ---------------------------------------------------------------------------------- 1. shift
@PROPS
@given(prob=problems(), a=st.floats(-100.0, 100.0),
       init=st.sampled_from(["diffuse", "mixed", "known"]))
def test_adding_a_constant_to_y_shifts_the_level_only(prob, a, init):
    """y -> y + a with c -> c + a (1 - alpha) (c unchanged for the random walk): the level
    state shifts by exactly a, the hedge ratios, every covariance, the prediction errors, the
    log-likelihood and its per-date terms are unchanged.

    Why: level'_t = level_t + a solves level'_{t+1} = c + a(1 - alpha) + alpha level'_t + w_t
    and y_t + a = level'_t + x_t'beta_t + eps_t. A diffuse level start is a flat prior on
    level_1, invariant under translation (Jacobian 1), so the exact diffuse likelihood is
    unchanged; the stationary start of "mixed" (mean c/(1 - alpha)) moves by a by itself; the
    "known" start is moved by a explicitly.
    """
    y, X, full = prob["y"], prob["X"], prob["full"]
    alpha, n, k = full[0], len(y), X.shape[1] + 1
    base_mod = _model(y, X, init, prob["a1"], prob["P1"])
    a1s = prob["a1"] + np.r_[a, np.zeros(k - 1)]
    mod = _model(y + a, X, init, a1s, prob["P1"])
    full_s = full.copy()
    full_s[1] = full[1] + a * (1.0 - alpha)
    base = base_mod.core_smoother(full)
    got = mod.core_smoother(full_s)
    shift = np.r_[a, np.zeros(k - 1)]
    amp = _amplification(init, prob["P1"], base)
    _assert_state_map(base, got, np.arange(k), np.ones(k), shift, 1.0, amp)
    _assert_llf("llf (filter)", got.llf, base.llf, n)
    _assert_llf("loglike (llf-only path)", mod.loglike(full_s), base.llf, n)
    want_obs = base.llf_obs
    _close("llf_obs", mod.loglikeobs(full_s), want_obs, np.abs(want_obs) + 1.0)
    # generic data identify d diffuse states with the first d observations
    assert got.nobs_diffuse == int(_diffuse_states(init, alpha, k).sum())


# ---------------------------------------------------------------------------------- 2. order
@PROPS
@given(data=st.data(), prob=problems(min_exog=2, max_exog=3),
       init=st.sampled_from(["diffuse", "mixed", "chan"]))
def test_reordering_the_regressors_permutes_the_hedge_ratios(data, prob, init):
    """Columns of X and their state variances permuted together: the hedge-ratio states (means,
    covariances, lag-one covariances; filtered and smoothed) are permuted the same way, the
    level, prediction errors and log-likelihood are unchanged (a permutation of the flat
    prior's coordinates has |det| = 1, so no log|det| term)."""
    y, X, full = prob["y"], prob["X"], prob["full"]
    n, kx = X.shape
    k = kx + 1
    p = np.asarray(data.draw(st.permutations(range(kx)), label="perm"))
    state_perm = np.r_[0, 1 + p]  # state i of the new model is state state_perm[i] of the old
    full_p = full.copy()
    full_p[2:2 + k] = full[2:2 + k][state_perm]
    base_mod = _model(y, X, init)
    mod = _model(y, X[:, p], init)
    assert mod.all_param_names == base_mod.all_param_names  # names follow positions
    base = base_mod.core_smoother(full)
    got = mod.core_smoother(full_p)
    _assert_state_map(base, got, state_perm, np.ones(k), np.zeros(k), 1.0)
    _assert_llf("llf (filter)", got.llf, base.llf, n)
    _assert_llf("loglike (llf-only path)", mod.loglike(full_p), base.llf, n)
    _close("llf_obs", got.llf_obs, base.llf_obs, np.abs(base.llf_obs) + 1.0)


# ---------------------------------------------------------------------------------- 3, 4. scale
# Derivation of the log|det| term. Rescale y -> s y and regressor j -> g_j x_j. With the states
# beta'_t = Lam beta_t, Lam = diag(s, s/g_1, ..., s/g_kx), the model maps onto itself with
# z' = s z Lam^-1, r' = s^2 r, Q' = Lam Q Lam, c' = s c, a1' = Lam a1, P1' = Lam P1 Lam (alpha
# and the diffuse pattern unchanged), so every state moment maps by Lam and the prediction
# errors by s. The likelihood does not simply carry over: the exact diffuse likelihood is the
# density of y integrated against a *flat* prior on the diffuse part delta of the initial state
# (Koopman & Durbin; the core's
#   l = -1/2 sum_t (log 2 pi F_t + v_t^2/F_t) - 1/2 log|S| + 1/2 s'S^-1 s,
#   S = sum_t (z_t A_t)'(z_t A_t)/F_t).
# In the new coordinates delta' = Lam_D delta (Lam_D: Lam on the diffuse states), given delta'
# the conditional filter has v' = s v, F' = s^2 F and z'A' = s z A Lam_D^-1, hence
# S' = Lam_D^-1 S Lam_D^-1 and the quadratic form is unchanged: with n_obs non-missing dates,
#   l' = l - n_obs log|s| + sum_{i diffuse} log|Lam_ii|.
# The first term is the Jacobian of y -> s y; the second is d delta' = |det Lam_D| d delta (a
# flat prior is not invariant under rescaling of its coordinates). For regressor scaling alone
# (s = 1) that is l' = l - sum_{j: hedge j diffuse} log|g_j|: exactly invariant only when the
# hedge ratios have a known start ("known", "chan"). Per date, the diffuse term sits on the
# first identified date, with the -log|s| of every observed date up to it.
def _rescaling_case(prob, init, s_y, g):
    y, X, full = prob["y"], prob["X"], prob["full"]
    n, kx = X.shape
    k = kx + 1
    lam = s_y / np.r_[1.0, g]
    mod0 = _model(y, X, init, prob["a1"], prob["P1"])
    mod1 = _model(s_y * y, X * g, init, lam * prob["a1"], prob["P1"] * np.outer(lam, lam))
    full1 = full.copy()
    full1[1] = s_y * full[1]
    full1[2:2 + k] = full[2:2 + k] * lam**2
    full1[2 + k] = full[2 + k] * s_y**2
    base = mod0.core_smoother(full)
    got = mod1.core_smoother(full1)
    amp = _amplification(init, prob["P1"], base)
    _assert_state_map(base, got, np.arange(k), lam, np.zeros(k), s_y, amp)

    diffuse = _diffuse_states(init, full[0], k)
    observed = ~np.isnan(y)
    log_det = float(np.sum(np.log(np.abs(lam[diffuse]))))
    offset = -observed.sum() * math.log(abs(s_y)) + log_det
    want = base.llf + offset
    _assert_llf("llf (filter)", got.llf, want, n)
    _assert_llf("loglike (llf-only path)", mod1.loglike(full1), want, n)
    # per date: -log|s| on each observed date, with the diffuse term and the -log|s| of the
    # earlier observed dates collected on the first identified date (earlier dates carry 0)
    off_t = -observed.astype(float) * math.log(abs(s_y))
    t0 = got.nobs_diffuse - 1
    if t0 >= 0:
        off_t[t0] = off_t[: t0 + 1].sum() + log_det
        off_t[:t0] = 0.0
    want_obs = base.llf_obs + off_t
    _close("llf_obs", mod1.loglikeobs(full1), want_obs,
           np.abs(base.llf_obs) + np.abs(off_t) + 1.0)
    return got.llf - base.llf, offset, n


def _nonzero_scale(lo: float = -2.0, hi: float = 2.0):
    """s != 0: magnitude 10^[lo, hi], either sign."""
    return st.tuples(st.floats(lo, hi), st.sampled_from([-1.0, 1.0])).map(
        lambda t: t[1] * 10.0 ** t[0])


@PROPS
@given(data=st.data(), prob=problems(),
       init=st.sampled_from(["diffuse", "mixed", "chan", "known"]))
def test_scaling_a_regressor_divides_its_hedge_ratio(data, prob, init):
    """x_j -> g_j x_j (g_j != 0), sigma2.x_j -> sigma2.x_j / g_j^2: beta_j states divided by
    g_j (covariances by g_i g_j), the rest unchanged, and the exact diffuse log-likelihood
    moves by -sum log|g_j| over diffuse hedge ratios (derivation above), 0 for a known start."""
    kx = prob["X"].shape[1]
    g = np.array([data.draw(_nonzero_scale(), label=f"g{j}") for j in range(kx)])
    moved, expected, n = _rescaling_case(prob, init, 1.0, g)
    if init in ("known", "chan"):
        assert expected == 0.0  # a known start: the log-likelihood does not move
    assert abs(moved - expected) <= RTOL * (abs(expected) + n)


@PROPS
@given(data=st.data(), prob=problems(),
       init=st.sampled_from(["diffuse", "mixed", "chan", "known"]))
def test_scaling_y_and_the_regressors(data, prob, init):
    """y -> s y and x_j -> g_j x_j together: level times s, beta_j times s/g_j, c and the
    variances mapped accordingly; log-likelihood moves by -n_obs log|s| + sum over diffuse
    states of log|Lam_ii| (derivation above). g = s is "y and X in the same units"."""
    kx = prob["X"].shape[1]
    s_y = data.draw(_nonzero_scale(-1.5, 1.5), label="s_y")
    same = data.draw(st.booleans(), label="X scaled by s too")
    g = np.full(kx, s_y) if same else np.array(
        [data.draw(_nonzero_scale(), label=f"g{j}") for j in range(kx)])
    moved, expected, n = _rescaling_case(prob, init, s_y, g)
    assert abs(moved - expected) <= RTOL * (abs(expected) + n)


# ---------------------------------------------------------------------------------- 5. missing
@PROPS
@given(data=st.data(), prob=problems(), init=st.sampled_from(["diffuse", "mixed", "known"]))
def test_missing_observation_chain_rule(data, prob, init):
    """A NaN y_t after the diffuse start, with other NaNs elsewhere (set M):

    * chain rule: llf(y_{-M}) = llf(y_{-M-t}) + log N(y_t; z_t b_t, z_t V_t z_t' + r), with b_t,
      V_t the smoothed state and covariance at t given y_{-M-t} (the exact predictive density of
      y_t given every other observation; the flat prior is proper once the data without y_t
      identify it, so the diffuse likelihood factorises like a proper one);
    * at a missing date: llf_t = 0, the filtered state is the prediction c + T b_{t-1|t-1}
      (covariance T P T + Q), the prediction error is NaN and its variance z_t P_t z_t' + r;
    * the regressors at missing dates do not matter: any values there leave every state, the
      log-likelihood and the prediction errors unchanged (only the variance of the
      prediction error at a missing date, a forecast of y_t, depends on them).
    """
    y, X, full = prob["y"], prob["X"], prob["full"]
    n, kx = X.shape
    k = kx + 1
    later = st.integers(k, n - 1)  # after the first k dates, which identify the diffuse start
    t = data.draw(later, label="t")
    M = sorted(set(data.draw(st.lists(later, max_size=3), label="M")) - {t})
    yM = y.copy()
    yM[M] = np.nan
    yMt = yM.copy()
    yMt[t] = np.nan
    a1, P1 = prob["a1"], prob["P1"]
    mod_M = _model(yM, X, init, a1, P1)
    mod_Mt = _model(yMt, X, init, a1, P1)
    out = mod_Mt.core_smoother(full)
    z = np.r_[1.0, X[t]]
    r = full[2 + k]
    m = z @ out.smoothed_state[t]
    f = z @ out.smoothed_state_cov[t] @ z + r
    log_pred = -0.5 * (math.log(2.0 * math.pi * f) + (y[t] - m) ** 2 / f)
    _assert_llf("chain rule (llf-only path)", mod_M.loglike(full), mod_Mt.loglike(full) + log_pred,
                n)
    _assert_llf("chain rule (filter)", mod_M.core_filter(full).llf, out.llf + log_pred, n)

    miss = np.r_[M, t].astype(int)
    assert np.all(out.llf_obs[miss] == 0.0)
    tdiag = np.r_[full[0], np.ones(kx)]
    cvec = np.r_[full[1], np.zeros(kx)]
    q = full[2:2 + k]
    for u in miss:  # u >= k > nobs_diffuse - 1: the previous filtered state is defined
        pred = cvec + tdiag * out.filtered_state[u - 1]
        pcov = tdiag[:, None] * out.filtered_state_cov[u - 1] * tdiag[None, :] + np.diag(q)
        sd = _sd(pcov)
        _close(f"filtered_state at missing {u}", out.filtered_state[u], pred, np.abs(pred) + sd)
        _close(f"filtered_state_cov at missing {u}", out.filtered_state_cov[u], pcov,
               np.abs(pcov) + np.outer(sd, sd))
        zu = np.r_[1.0, X[u]]
        fu = zu @ out.filtered_state_cov[u] @ zu + r
        assert np.isnan(out.forecast_error[u])
        _close(f"forecast_error_var at missing {u}", out.forecast_error_var[u], fu,
               np.abs(zu) @ np.abs(out.filtered_state_cov[u]) @ np.abs(zu) + r)

    X2 = X.copy()
    X2[miss] += data.draw(st.floats(1.0, 20.0), label="dx") * (1.0 + np.arange(kx))
    out2 = _model(yMt, X2, init, a1, P1).core_smoother(full)
    other = np.ones(n, dtype=bool)
    other[miss] = False
    fev = out.forecast_error_var
    _close("forecast_error_var elsewhere", out2.forecast_error_var[other], fev[other],
           fev[other])
    fev2 = out2.forecast_error_var.copy()
    fev2[miss] = fev[miss]  # checked above; the rest of the map is the identity
    out2 = dataclasses.replace(out2, forecast_error_var=fev2)
    _assert_state_map(out, out2, np.arange(k), np.ones(k), np.zeros(k), 1.0,
                      _amplification(init, P1, out))
    _assert_llf("llf with other regressors at missing dates", out2.llf, out.llf, n)


@PROPS
@given(data=st.data(), prob=problems(), init=st.sampled_from(["diffuse", "mixed", "chan"]))
def test_trailing_missing_observations_equal_a_shorter_sample(data, prob, init):
    """NaN in the last m dates: the log-likelihood (both paths) is the shorter sample's, the
    filtered and smoothed states on the common dates are the shorter sample's (missing future
    observations carry no information), and the NaN dates contribute 0."""
    y, X, full = prob["y"], prob["X"], prob["full"]
    n, kx = X.shape
    m = data.draw(st.integers(1, min(10, n - 2 * (kx + 1))), label="m")
    yn = y.copy()
    yn[n - m:] = np.nan
    mod_nan = _model(yn, X, init)
    mod_short = _model(y[: n - m], X[: n - m], init)
    got = mod_nan.core_smoother(full)
    want = mod_short.core_smoother(full)
    _assert_llf("llf (filter)", got.llf, want.llf, n)
    _assert_llf("loglike (llf-only path)", mod_nan.loglike(full), want.llf, n)
    assert np.all(got.llf_obs[n - m:] == 0.0)
    assert got.nobs_diffuse == want.nobs_diffuse
    for name in ("filtered_state", "smoothed_state"):
        cov = getattr(want, f"{name}_cov")
        sd = _sd(cov)
        w = getattr(want, name)
        _close(name, getattr(got, name)[: n - m], w, np.abs(w) + sd)
        _close(f"{name}_cov", getattr(got, f"{name}_cov")[: n - m], cov,
               np.abs(cov) + sd[:, :, None] * sd[:, None, :])
    _close("llf_obs", got.llf_obs[: n - m], want.llf_obs, np.abs(want.llf_obs) + 1.0)


def test_the_rescaling_log_det_term_is_not_zero():
    """Guard on the derivation: on one fixed problem the diffuse log|det| term is what makes
    the identity hold; without it (l' = l) the rescaled likelihood is off by log|g| = log 10."""
    sim = simulate_hedge_model(80, k=2, seed=3)
    y = sim.prices.iloc[:, 0].to_numpy(float)
    X = sim.prices.iloc[:, 1:].to_numpy(float)
    full = sim.params.to_numpy(float).copy()
    full1 = full.copy()
    full1[3] /= 100.0
    l0 = HedgeRatioModel(y, X).loglike(full)
    l1 = HedgeRatioModel(y, 10.0 * X).loglike(full1)
    assert l1 - l0 == pytest.approx(-math.log(10.0), abs=1e-9)
    # with a known start for the hedge ratio there is no such term
    kn = {"initialization": "known", "initial_state": [0.0, 1.0],
          "initial_state_cov": np.diag([1.0, 0.25])}
    kn1 = {**kn, "initial_state": [0.0, 0.1], "initial_state_cov": np.diag([1.0, 0.0025])}
    assert (HedgeRatioModel(y, 10.0 * X, **kn1).loglike(full1)
            == pytest.approx(HedgeRatioModel(y, X, **kn).loglike(full), abs=1e-9))
