"""Exact log-likelihood and its analytic gradient in one smoother pass (Fisher's identity).

For a flat (diffuse) prior on every initial state, the score of the exact diffuse
log-likelihood equals the gradient of EM's expected complete-data log-likelihood at the current
parameters (Fisher's identity),

.. math::

    \\nabla_\\theta \\ell(\\theta) = \\nabla_\\theta Q(\\theta \\mid \\theta')
    \\big|_{\\theta' = \\theta},

which needs the smoothed means, the diagonals of the smoothed covariances and lag-one
covariances and :math:`z_t V_t z_t'`: one forward and one backward pass of the Kalman core
(:func:`ssm_coint.estimation._em_steps.e_step`), instead of the :math:`2p` extra likelihood
evaluations of a central difference. The closed forms are in
:func:`ssm_coint.estimation._em_steps.score`.

The identity needs the initial states' prior to be free of the parameters, which holds for the
exact diffuse start (the model's default).

Accuracy: the derivative in a state variance :math:`q_j` is
:math:`-m/(2q_j) + S_j/(2q_j^2)`, two large terms that nearly cancel when :math:`q_j` is small,
and :math:`S_j` carries the rounding of the smoothed covariances (computed as
:math:`P - PNP`). On Chan's triplet with the EWA variance at 1e-3 of its MLE the score is off
by 2e-5 relative (a Richardson difference agrees with itself to 1e-6 there). Near a zero
variance, derivative recursions of the forward pass would be needed.

For other starts, and where the score is undefined (a state variance at zero),
:func:`loglike_and_score` returns None and the optimiser falls back to differences.
"""

from __future__ import annotations

import numpy as np

from .. import kalman
from ._em_steps import e_step
from ._em_steps import score as fisher_score

__all__ = ["analytic_score_available", "loglike_and_score"]


def analytic_score_available(model) -> bool:
    """Whether Fisher's identity gives the exact score of ``model`` (an exact diffuse start)."""
    return getattr(model, "initialization_kind", None) == "diffuse"


def loglike_and_score(model, full: np.ndarray) -> tuple[float, np.ndarray] | None:
    """Exact log-likelihood and its gradient in the natural parameters at ``full``.

    Parameters
    ----------
    model : HedgeRatioModel
        With an exact diffuse start (see :func:`analytic_score_available`).
    full : ndarray
        Full constrained vector ``(alpha, c, sigma2.intercept, sigma2.x.., sigma2.obs)``.

    Returns
    -------
    (llf, score) or None
        ``score[i] = d llf / d full[i]`` for every parameter (fixed ones included). None when
        the pass is undefined (a non-positive forecast variance, an unidentified start) or the
        score is (a variance at zero: the derivative there is one-sided).
    """
    full = np.asarray(full, dtype=np.float64)
    s = model.system(full)
    y, X = model._compiled_data()
    E, vd, zvz, cd, llf, ok = e_step(
        y, X, kalman._writable(s["tdiag"]), kalman._writable(s["cvec"]),
        kalman._writable(s["q"]), float(s["r"]), kalman._writable(s["a1"]),
        kalman._writable(s["P1"]), kalman.diffuse_columns(s["Pinf1"]))
    if not ok or not np.isfinite(llf):
        return None
    g = fisher_score(y, X, E, vd, zvz, cd, full)
    if not np.all(np.isfinite(g)):
        return None
    return float(llf), g
