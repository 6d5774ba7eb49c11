r"""The backward pass: exact diffuse smoothed states, covariances and lag-one covariances.

This is the package's only backward Kalman recursion. It runs on what
:func:`~ssm_coint.kalman._forward.forward` stores with ``STORE_SMOOTHER``: the predicted
moments :math:`a_t, P_t, A_t` given :math:`\delta`, the errors :math:`v_t, F_t`,
:math:`M_t = P_tz_t'` and :math:`z_tA_t`.

Given :math:`\delta` the model is proper, and Durbin & Koopman's (2012, sec. 4.4, 4.7)
recursions with :math:`K_t = TM_t/F_t`, :math:`L_t = T - K_tz_t` (:math:`L_t = T` at a missing
observation),

.. math::

    r_{t-1} = z_t'v_t/F_t + L_t'r_t,\quad N_{t-1} = z_t'z_t/F_t + L_t'N_tL_t,\quad
    R_{t-1} = -z_t'(z_tA_t)/F_t + L_t'R_t,

give :math:`E[\beta_t \mid Y, \delta] = a_t + P_tr_{t-1} + G_t\delta` with
:math:`G_t = A_t + P_tR_{t-1}`, :math:`\operatorname{Var}(\beta_t \mid Y, \delta) =
P_t - P_tN_{t-1}P_t` and :math:`\operatorname{Cov}(\beta_{t+1}, \beta_t \mid Y, \delta) =
(I - P_{t+1}N_t)L_tP_t`. The posterior of :math:`\delta` is
:math:`N(\hat\delta, (R_{11}'R_{11})^{-1})` from the forward pass' square-root information
:math:`R`; with :math:`W_t = G_tR_{11}^{-1}` the laws of total expectation and covariance give

.. math::

    \hat\beta_t = a_t + P_tr_{t-1} + G_t\hat\delta,\quad
    V_t = P_t - P_tN_{t-1}P_t + W_tW_t',\quad
    C_t = (I - P_{t+1}N_t)L_tP_t + W_{t+1}W_t'.

The inverse of :math:`S` is never formed, only triangular solves with :math:`R_{11}`.
"""

from __future__ import annotations

import numpy as np

from .._jit import njit
from ._forward import _solve_r, _solve_rt

__all__ = ["backward"]


@njit()
def backward(X, tdiag, a_p, P_p, A_p, v, F, M, zA, missing, R, want_cov):  # pragma: no cover
    """Smoothed means (n, k), covariances (n, k, k) and lag-one covariances (n-1, k, k).

    ``C[t] = Cov(beta_{t+1}, beta_t | y_1..n)``. The inputs are the STORE_SMOOTHER outputs of
    :func:`~ssm_coint.kalman._forward.forward`; ``R`` must be identified. With ``want_cov``
    False only the means are computed (the covariance outputs are left uninitialised: a
    means-only pass skips the N recursion).
    """
    n, k = X.shape
    d = A_p.shape[2]
    dhat = np.zeros(d)
    _solve_r(R, d, dhat)
    mean = np.empty((n, k))
    nc = n if want_cov else 1
    V = np.full((nc, k, k), np.nan)
    C = np.zeros((max(nc - 1, 0), k, k))
    rv = np.zeros(k)
    N = np.zeros((k, k))
    Rb = np.zeros((k, d))
    L = np.empty((k, k))
    LP = np.empty((k, k))
    IPN = np.empty((k, k))
    NL = np.empty((k, k))
    N_new = np.empty((k, k))
    R_new = np.empty((k, d))
    rn = np.empty(k)
    G = np.empty((k, d))
    W = np.empty((k, d))
    W_next = np.zeros((k, d))
    PN = np.empty((k, k))
    K = np.empty(k)
    for t in range(n - 1, -1, -1):
        P = P_p[t]
        if missing[t]:
            for i in range(k):
                K[i] = 0.0
        else:
            for i in range(k):
                K[i] = tdiag[i] * M[t, i] / F[t]
        for i in range(k):
            for j in range(k):
                L[i, j] = (tdiag[i] if i == j else 0.0) - K[i] * X[t, j]
        if want_cov and t < n - 1:
            # C_t = (I - P_{t+1} N_t) L_t P_t  (N_t: information from t+1..n)
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += L[i, m] * P[m, j]
                    LP[i, j] = acc
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += P_p[t + 1, i, m] * N[m, j]
                    IPN[i, j] = (1.0 if i == j else 0.0) - acc
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += IPN[i, m] * LP[m, j]
                    C[t, i, j] = acc
        # r_{t-1}, N_{t-1}, R_{t-1}
        for i in range(k):
            acc = 0.0
            for m in range(k):
                acc += L[m, i] * rv[m]
            rn[i] = acc
        if want_cov:
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += N[i, m] * L[m, j]
                    NL[i, j] = acc
        for i in range(k):
            if want_cov:
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += L[m, i] * NL[m, j]
                    N_new[i, j] = acc
            for j in range(d):
                acc = 0.0
                for m in range(k):
                    acc += L[m, i] * Rb[m, j]
                R_new[i, j] = acc
        if not missing[t]:
            Fi = 1.0 / F[t]
            for i in range(k):
                rn[i] += X[t, i] * v[t] * Fi
                if want_cov:
                    for j in range(k):
                        N_new[i, j] += X[t, i] * X[t, j] * Fi
                for j in range(d):
                    R_new[i, j] -= X[t, i] * zA[t, j] * Fi
        for i in range(k):
            rv[i] = rn[i]
            if want_cov:
                for j in range(k):
                    N[i, j] = 0.5 * (N_new[i, j] + N_new[j, i])
            for j in range(d):
                Rb[i, j] = R_new[i, j]
        # smoothed moments at t
        for i in range(k):
            acc = a_p[t, i]
            for m in range(k):
                acc += P[i, m] * rv[m]
            for j in range(d):
                g = A_p[t, i, j]
                for m in range(k):
                    g += P[i, m] * Rb[m, j]
                G[i, j] = g
            for j in range(d):
                acc += G[i, j] * dhat[j]
            mean[t, i] = acc
        if not want_cov:
            continue
        for i in range(k):
            _solve_rt(R, G[i], d, W[i])
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += P[i, m] * N[m, j]
                PN[i, j] = acc
        for i in range(k):
            for j in range(i, k):
                acc = P[i, j]
                for m in range(k):
                    acc -= PN[i, m] * P[m, j]
                for m in range(d):
                    acc += W[i, m] * W[j, m]
                V[t, i, j] = acc
                V[t, j, i] = acc
        if t < n - 1:
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(d):
                        acc += W_next[i, m] * W[j, m]
                    C[t, i, j] += acc
        for i in range(k):
            for j in range(d):
                W_next[i, j] = W[i, j]
    return mean, V, C
