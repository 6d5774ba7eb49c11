"""Scales and cycle detection for the adaptive recipe's stopping and degeneracy reports."""

from __future__ import annotations

import numpy as np

__all__ = ["FLOOR", "cycle_period", "floors"]

#: relative numerical zero of the recipe's quantities (see :func:`floors`)
FLOOR = 1e-12


def floors(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Numerical-zero scales of (alpha_11, nu_e, nu_w diag) for the relative change.

    alpha_11: 1e-12; nu_e and nu_w.intercept: 1e-12 var(y); nu_w of regressor j:
    1e-12 var(y) / mean(x_j^2) (the variance of a hedge ratio moving y by 1e-6 sd).
    """
    var_y = float(np.var(y)) or 1.0
    k = X.shape[1]
    floors = np.empty(k + 2)
    floors[0] = FLOOR
    floors[1] = floors[2] = FLOOR * var_y
    for j in range(1, k):
        floors[2 + j] = FLOOR * var_y / float(np.mean(X[:, j] ** 2))
    return floors


def cycle_period(a: np.ndarray, r: np.ndarray, q: np.ndarray, floors: np.ndarray,
                  max_period: int = 20, rtol: float = 1e-9) -> int:
    """Smallest period 2 <= m <= max_period with theta_last == theta_{last-m} (relative rtol)."""
    theta = np.column_stack([a, r, q])
    if theta.shape[0] < 3:
        return 0
    last = theta[-1]
    for m in range(1, min(max_period, theta.shape[0] - 1) + 1):
        prev = theta[-1 - m]
        scale = np.maximum(np.maximum(np.abs(last), np.abs(prev)), floors)
        if np.all(np.abs(last - prev) <= rtol * scale):
            return m if m > 1 else 0
    return 0
