"""The analytic score (Fisher's identity, one smoother pass) against numerical differentiation.

Reference: a 4-point (Richardson) central difference of the exact log-likelihood,
``(-l(x+2h) + 8 l(x+h) - 8 l(x-h) + l(x-2h)) / 12h``, truncation error O(h^4), computed with two
step sizes; its own uncertainty (the difference between the two) enters the tolerance, which is
otherwise 1e-6 relative to the derivative. Points: Chan's pair and triplet away from the optimum
(where the gradient is far from zero), near the boundary alpha = 1 (alpha 0.999), and simulated
k = 3. Not near a zero variance: there the Fisher form loses digits (see
:mod:`ssm_coint.estimation._score`). At the reported optimum the score in the optimiser's
coordinates is below 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
from _shared_data import shared_data_path

from ssm_coint.data import load_prices
from ssm_coint.estimation import fit_mle, hedge_model
from ssm_coint.estimation._optimize import Objective
from ssm_coint.estimation._score import analytic_score_available, loglike_and_score
from ssm_coint.simulate import simulate_hedge_model

RTOL = 1e-6


def _richardson(f, x, i, h):
    e = np.zeros(len(x))
    e[i] = h
    return (-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) / (12 * h)


def _check_against_differences(model, full):
    out = loglike_and_score(model, full)
    assert out is not None
    llf, g = out
    assert llf == pytest.approx(model.fast_loglike(full), rel=1e-12, abs=1e-9)
    for i, name in enumerate(model.all_param_names):
        h = 1e-4 * max(abs(full[i]), 1e-6)
        d1 = _richardson(model.fast_loglike, full, i, h)
        d2 = _richardson(model.fast_loglike, full, i, h / 2)
        tol = RTOL * abs(d2) + 2 * abs(d1 - d2)
        assert abs(g[i] - d2) <= tol, (name, g[i], d2, tol)


@pytest.fixture(scope="module")
def chan_fits():
    path = shared_data_path("chan_ewa_ewc_ige.csv")
    fits = {}
    for assets in (("EWC", "EWA"), ("EWC", "EWA", "IGE")):
        prices = load_prices(path, list(assets))
        fits[assets] = (prices, fit_mle(prices, "full"))
    return fits


@pytest.mark.parametrize("assets", [("EWC", "EWA"), ("EWC", "EWA", "IGE")])
def test_score_equals_differences_on_chan(chan_fits, assets):
    prices, cal = chan_fits[assets]
    model = hedge_model(prices, variant="full")
    assert analytic_score_available(model)
    mle = cal.params.to_numpy()
    interior = mle * np.r_[0.98, 1.3, 1.2, np.full(len(mle) - 4, 1.4), 0.8]
    near_boundary = mle.copy()
    near_boundary[0] = 0.999  # alpha near one (see the module notes of _score for q near 0)
    for point in (interior, near_boundary):
        _check_against_differences(model, point)


def test_score_equals_differences_on_simulated_k3():
    sim = simulate_hedge_model(400, {"alpha": 0.9, "c": 0.3}, k=3, seed=21)
    model = hedge_model(sim.prices, variant="full")
    truth = np.array([sim.params[n] for n in model.all_param_names])
    _check_against_differences(model, truth)
    _check_against_differences(model, truth * np.r_[1.05, 0.7, 1.5, 0.6, 1.3, 0.9])


@pytest.mark.parametrize("assets", [("EWC", "EWA"), ("EWC", "EWA", "IGE")])
def test_score_vanishes_at_the_reported_optimum(chan_fits, assets):
    prices, cal = chan_fits[assets]
    model = hedge_model(prices, variant="full")
    full = cal.params.to_numpy()
    obj = Objective(model, list(model.all_param_names), full, gradient="analytic")
    llf, g_u = obj.analytic_value_and_grad(obj.to_internal(full))
    assert llf == pytest.approx(cal.llf, abs=1e-9)
    assert np.max(np.abs(g_u)) < 1e-4, g_u


def test_a_local_fit_with_the_analytic_gradient_reaches_the_same_optimum(chan_fits):
    prices, cal = chan_fits[("EWC", "EWA")]
    model = hedge_model(prices, variant="full")
    start = model.full_from_free(model.start_params)
    names = list(model.all_param_names)
    exact = Objective(model, names, start, gradient="analytic").maximize(start, "analytic")
    diffs = Objective(model, names, start).maximize(start, "numerical")
    assert exact.converged and diffs.converged
    assert exact.llf == pytest.approx(diffs.llf, abs=1e-6)
    with pytest.raises(ValueError, match="gradient must be"):
        Objective(model, names, start, gradient="exact")


def test_other_starts_fall_back_to_differences():
    sim = simulate_hedge_model(200, seed=3)
    model = hedge_model(sim.prices, variant="full", initialization="chan")
    assert not analytic_score_available(model)
    start = model.full_from_free(model.start_params)
    obj = Objective(model, list(model.all_param_names), start, gradient="analytic")
    assert obj.analytic_value_and_grad(obj.to_internal(start)) is None
