"""Cheap checks of ``validation/benchmarks/bench_mle.py`` (no timings, no real-data global fit)."""

from __future__ import annotations

import contextlib
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from ssm_coint import simulate_hedge_model
from ssm_coint.estimation import _optimize
from ssm_coint.estimation._mle import hedge_model
from ssm_coint.estimation._optimize import parameter_scales

_PATH = Path(__file__).resolve().parents[1] / "validation" / "benchmarks" / "bench_mle.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_mle_under_test", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def sim_prices():
    return simulate_hedge_model(nobs=200, k=3, seed=3).prices


def test_sample_starts_valid_and_reproducible(bench, sim_prices):
    model = hedge_model(sim_prices, variant="full")
    a = bench.sample_starts(model, 40, seed=7)
    assert a.shape == (40, len(model.all_param_names))
    assert np.array_equal(a, bench.sample_starts(model, 40, seed=7))
    assert not np.allclose(a, bench.sample_starts(model, 40, seed=8))
    alpha = a[:, 0]
    assert np.all(alpha >= 1 - 10**-0.3) and np.all(alpha <= 1 - 10**-4.5)
    s = parameter_scales(model)
    k = model.k_states
    ratio = a[:, 2 : 3 + k] / s[2 : 3 + k]
    assert np.all(ratio >= 1e-3) and np.all(ratio <= 1e3)
    # mu = c / (1 - alpha) within mu_OLS +- (|mu_OLS| + 5 sd_OLS)
    y = np.asarray(model.endog[:, 0], float)
    coef, *_ = np.linalg.lstsq(model._design_rows, y, rcond=None)
    sd = math.sqrt(np.var(y - model._design_rows @ coef))
    mu = a[:, 1] / (1 - alpha)
    half = abs(coef[0]) + 5 * sd
    assert np.all(np.abs(mu - coef[0]) <= half * (1 + 1e-9))
    assert all(np.isfinite(model.fast_loglike(row)) for row in a)


def test_sample_starts_respects_fixed(bench, sim_prices):
    model = hedge_model(sim_prices, variant="mu0")
    a = bench.sample_starts(model, 10, seed=1)
    assert np.all(a[:, model.all_param_names.index("c")] == 0.0)


def test_blas_limit_disabled_restores(bench):
    saved = _optimize.single_blas_thread
    with pytest.raises(RuntimeError), bench.blas_limit_disabled():
        assert _optimize.single_blas_thread is contextlib.nullcontext
        raise RuntimeError
    assert _optimize.single_blas_thread is saved


def test_out_refuses_to_overwrite(bench, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("date,EWC,EWA,IGE\n")
    (tmp_path / "bench_mle.json").write_text("{}")
    assert bench.main(["--data", str(data), "--out", str(tmp_path)]) == 2
    assert (tmp_path / "bench_mle.json").read_text() == "{}"
