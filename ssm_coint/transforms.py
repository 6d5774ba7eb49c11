"""Constrain/unconstrain pairs for the hedge-ratio model's parameters.

All functions keep the dtype of their input, so they are safe under complex-step differentiation
(no ``abs``, ``maximum`` or real casts).

* alpha in (-1, 1): :math:`\\alpha = \\tanh(u)`, :math:`u = \\operatorname{artanh}(\\alpha)`.
  ``tanh`` resolves values near one well: alpha = 0.9999 is u = 4.95.
* variances >= 0: :math:`\\sigma^2 = u^2`, :math:`u = \\sqrt{\\sigma^2}` (statsmodels'
  convention; zero
  is reachable, which matters because state variances often sit on that boundary).
* the state intercept c is unconstrained.
"""

from __future__ import annotations

import numpy as np

__all__ = ["constrain_alpha", "unconstrain_alpha", "constrain_variance", "unconstrain_variance"]


def constrain_alpha(u):
    """Map an unconstrained value to alpha in (-1, 1) by ``tanh``."""
    return np.tanh(u)


def unconstrain_alpha(alpha):
    """Inverse of :func:`constrain_alpha` (``artanh``); alpha must lie strictly inside (-1, 1)."""
    return np.arctanh(alpha)


def constrain_variance(u):
    """Map an unconstrained value to a non-negative variance, ``u**2``."""
    return u * u


def unconstrain_variance(sigma2):
    """Inverse of :func:`constrain_variance` on the non-negative branch, ``sqrt(sigma2)``."""
    return np.sqrt(sigma2)
