"""Simulation from the hedge-ratio model with known parameters (explicit seed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exceptions import ModelSpecificationError

__all__ = ["simulate_hedge_model", "Simulation", "DEMO_TRUTH"]

#: Parameters of the embedded demo data (k = 3, alpha = 0.95, mu = 2).
DEMO_TRUTH: dict[str, float] = {
    "alpha": 0.95,
    "c": 0.1,
    "sigma2.intercept": 0.01,
    "sigma2.X2": 1e-6,
    "sigma2.X3": 5e-7,
    "sigma2.obs": 0.01,
}


@dataclass(frozen=True)
class Simulation:
    """Simulated prices, the true states and the true parameters."""

    prices: pd.DataFrame
    states: pd.DataFrame
    params: pd.Series


def simulate_hedge_model(
    nobs: int = 1000,
    params: Mapping[str, float] | None = None,
    *,
    k: int = 3,
    hedge0: Sequence[float] | None = None,
    x0: float = 50.0,
    x_sigma: float = 1.0,
    seed: int | np.random.Generator | None = 0,
    start: str = "2015-01-02",
) -> Simulation:
    r"""Simulate prices from the hedge-ratio model.

    Regressor prices are independent Gaussian random walks
    :math:`x_{j,t} = x_{j,t-1} + \sigma_x \eta_{j,t}` from ``x0``. The states follow
    :math:`\beta_{t+1} = c + T\beta_t + w_t`, with the spread level started from its stationary
    distribution when alpha < 1 (at 0 when alpha = 1: a random walk has no stationary
    distribution and no mean) and hedge ratios from ``hedge0``; then
    :math:`y_t = z_t\beta_t + \varepsilon_t`.

    Parameters
    ----------
    nobs : int
        Number of business days.
    params : mapping, optional
        ``alpha``, ``c``, ``sigma2.intercept``, ``sigma2.X2..``, ``sigma2.obs`` (defaults:
        :data:`DEMO_TRUTH`, with hedge variances 1e-6 beyond X3).
    k : int
        Number of assets (states), at least 2.
    hedge0 : sequence, optional
        Initial hedge ratios (k - 1); default 1.0, 0.5, 0.25, ...
    seed : int or Generator
        Source of randomness (the global NumPy state is never used).

    Returns
    -------
    Simulation
        ``prices`` with columns ``Y, X2, ..., Xk``, true ``states`` (``intercept, X2, ..``) and
        the true ``params``.
    """
    if k < 2:
        raise ModelSpecificationError("k must be at least 2")
    if nobs < 10:
        raise ModelSpecificationError("nobs must be at least 10")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    names = ["intercept"] + [f"X{j}" for j in range(2, k + 1)]
    base = {"alpha": DEMO_TRUTH["alpha"], "c": DEMO_TRUTH["c"],
            "sigma2.intercept": DEMO_TRUTH["sigma2.intercept"],
            "sigma2.obs": DEMO_TRUTH["sigma2.obs"]}
    for j in range(2, k + 1):
        base[f"sigma2.X{j}"] = DEMO_TRUTH.get(f"sigma2.X{j}", 1e-6)
    p = {**base, **dict(params or {})}
    unknown = set(p) - set(base)
    if unknown:
        raise ModelSpecificationError(f"unknown parameters {sorted(unknown)}")
    alpha, c = float(p["alpha"]), float(p["c"])
    if not -1 < alpha <= 1:
        raise ModelSpecificationError(f"alpha must lie in (-1, 1], got {alpha}")
    q = np.array([p[f"sigma2.{n}"] for n in names])
    r = float(p["sigma2.obs"])
    if np.any(q < 0) or r <= 0:
        raise ModelSpecificationError("variances must be non-negative (sigma2.obs positive)")
    hedge0 = list(hedge0) if hedge0 is not None else [0.5**j for j in range(k - 1)]
    X = x0 + np.cumsum(x_sigma * rng.standard_normal((nobs, k - 1)), axis=0)
    beta = np.empty((nobs, k))
    if alpha < 1:
        mu = c / (1 - alpha)
        b1 = mu + np.sqrt(q[0] / (1 - alpha**2)) * rng.standard_normal()
    else:
        b1 = 0.0
    beta[0] = [b1, *hedge0]
    w = rng.standard_normal((nobs, k)) * np.sqrt(q)
    T = np.ones(k)
    T[0] = alpha
    cvec = np.zeros(k)
    cvec[0] = c
    for t in range(1, nobs):
        beta[t] = cvec + T * beta[t - 1] + w[t]
    Z = np.column_stack([np.ones(nobs), X])
    y = np.sum(Z * beta, axis=1) + np.sqrt(r) * rng.standard_normal(nobs)
    idx = pd.bdate_range(start, periods=nobs, name="date")
    prices = pd.DataFrame(np.column_stack([y, X]), index=idx, columns=["Y"] + names[1:])
    states = pd.DataFrame(beta, index=idx, columns=names)
    order = ["alpha", "c", *[f"sigma2.{n}" for n in names], "sigma2.obs"]
    return Simulation(prices, states, pd.Series({n: float(p[n]) for n in order}))
