"""Lazily built results (issue 15): what is computed on first access equals the eager values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from ssm_coint import simulate_hedge_model
from ssm_coint.estimation import fit_mle
from ssm_coint.estimation._mle import hedge_model
from ssm_coint.kalman import run_smoother

REPO = Path(__file__).resolve().parents[1]


def test_smoothed_arrays_on_first_access_equal_the_core_smoother():
    sim = simulate_hedge_model(nobs=300, seed=0)
    m = hedge_model(sim.prices)
    full = m._start_full()
    res = m.smooth(m.free_from_full(full), cov_type="none")
    assert "_core_arr_smoothed_state" not in res._results.__dict__  # not built yet
    ref = run_smoother(*m._compiled_data(), **m.system(full))
    np.testing.assert_array_equal(res.smoothed_state, ref.smoothed_state.T)
    np.testing.assert_array_equal(res.smoothed_state_cov,
                                  np.transpose(ref.smoothed_state_cov, (1, 2, 0)))
    np.testing.assert_array_equal(res.smoothed_state_autocov[:, :, :-1],
                                  np.transpose(ref.smoothed_state_autocov, (1, 2, 0)))
    np.testing.assert_array_equal(res.states.smoothed.to_numpy(), ref.smoothed_state)
    np.testing.assert_array_equal(res.predicted_state[:, 1:],
                                  (m.system(full)["cvec"][None, :]
                                   + m.system(full)["tdiag"][None, :] * ref.filtered_state).T)
    sr = res.smoother_results  # statsmodels' own, computed on access
    np.testing.assert_allclose(sr.smoothed_state[:, 10:], res.smoothed_state[:, 10:],
                               rtol=1e-6, atol=1e-8)
    assert m.filter(m.free_from_full(full), cov_type="none").smoothed_state is None


def test_nested_results_built_on_demand_equal_an_eager_build():
    sim = simulate_hedge_model(nobs=250, seed=1)
    cal = fit_mle(sim.prices, "full")
    for v, nested in cal.nested.items():
        assert nested.__dict__.get("_results") is None
        res = nested.results
        assert res.llf == nested.llf
        m = hedge_model(sim.prices, variant=v)
        eager = m.smooth(m.free_from_full(nested.params.to_numpy()), cov_type="none")
        np.testing.assert_array_equal(res.smoothed_state, eager.smoothed_state)
        d = np.diag(res.cov_params_default)
        np.testing.assert_array_equal(np.sqrt(np.where(d >= 0, d, np.nan)), nested.bse.to_numpy())
        assert nested.results is res


def test_memory_benchmark_runs_quick():
    proc = subprocess.run([sys.executable, str(REPO / "validation" / "benchmarks" /
                                               "bench_memory.py"), "--rows", "5000",
                           "--skip-mle"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "| chan | 5,000 |" in proc.stdout
