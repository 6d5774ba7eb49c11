r"""Exact EM calibration of the constrained hedge-ratio model.

Model (see :class:`~ssm_coint.HedgeRatioModel`), with :math:`z_t = (1, x_{2,t}, \dots, x_{k,t})`:

.. math::

    y_t = z_t \beta_t + \varepsilon_t,\quad \varepsilon_t \sim N(0, r), \qquad
    \beta_{t+1} = c\,e_1 + T \beta_t + w_t,\quad T = \operatorname{diag}(\alpha, 1, \dots, 1),
    \quad w_t \sim N(0, \operatorname{diag}(q_1, \dots, q_k)).

Only :math:`\alpha` is free in :math:`T`, :math:`Q` is diagonal, :math:`r` is scalar, and
:math:`c` enters the first state only. Any parameter can be held fixed.

E-step (exact smoother with a diffuse first state)
--------------------------------------------------
The default initialization is exact diffuse: :math:`\beta_1 \sim N(0, \kappa I)`,
:math:`\kappa \to \infty`. The smoothed moments are computed exactly (no large-:math:`\kappa`
approximation, no diffuse tolerance) by *augmentation* (de Jong 1991): write
:math:`\beta_1 = \delta` with a flat prior and run the ordinary Kalman filter from the known
point :math:`a_1 = 0,\ P_1 = 0`, carrying the :math:`k \times k` matrix :math:`A_t` with
:math:`E[\beta_t \mid y_{1..t-1}, \delta] = a_t + A_t\delta`:

.. math::

    v_t = y_t - z_t a_t,\quad F_t = z_t P_t z_t' + r,\quad K_t = T P_t z_t'/F_t,\quad
    L_t = T - K_t z_t,

    a_{t+1} = c\,e_1 + T a_t + K_t v_t,\quad P_{t+1} = T P_t L_t' + Q,\quad A_{t+1} = L_t A_t .

Given :math:`\delta` this is a proper model, smoothed backwards by Durbin & Koopman's
(2012, sec. 4.4 and 4.7) recursions :math:`r_{t-1} = z_t'v_t/F_t + L_t'r_t`,
:math:`N_{t-1} = z_t'z_t/F_t + L_t'N_tL_t` and their :math:`\delta` part
:math:`R_{t-1} = -z_t'z_tA_t/F_t + L_t'R_t`:

.. math::

    E[\beta_t \mid Y, \delta] = a_t + P_t r_{t-1} + M_t\delta,\quad M_t = A_t + P_t R_{t-1},

    \operatorname{Var}(\beta_t \mid Y, \delta) = P_t - P_t N_{t-1} P_t,\quad
    \operatorname{Cov}(\beta_{t+1}, \beta_t \mid Y, \delta) = (I - P_{t+1}N_t) L_t P_t .

The posterior of :math:`\delta` is :math:`N(S^{-1}s, S^{-1})` with
:math:`S = \sum_t A_t'z_t'z_tA_t/F_t`, :math:`s = \sum_t A_t'z_t'v_t/F_t`, and the laws of total
expectation and covariance give the exact diffuse smoothed moments

.. math::

    \hat\beta_t = a_t + P_t r_{t-1} + M_t S^{-1}s,\quad
    V_t = P_t - P_t N_{t-1}P_t + M_t S^{-1} M_t',\quad
    C_t = \operatorname{Cov}(\beta_{t+1}, \beta_t \mid Y) = (I - P_{t+1}N_t)L_tP_t
          + M_{t+1} S^{-1} M_t' .

(statsmodels' smoother gives :math:`\hat\beta_t, V_t` in the diffuse period but leaves the
lag-one autocovariance there at zero, which would bias the M-step; and its absolute diffuse
tolerance can take spurious diffuse steps on nearly collinear first prices.) The exact diffuse
log-likelihood comes out of the same pass,
:math:`\ell = -\tfrac12\sum_t(\log 2\pi F_t + v_t^2/F_t) - \tfrac12\log|S| + \tfrac12 s'S^{-1}s`,
and equals :meth:`HedgeRatioModel.loglike` (checked in the tests).

M-step (closed forms)
---------------------
The expected complete-data log-likelihood, *without* the prior of :math:`\beta_1`, is

.. math::

    Q(\theta) = -\tfrac12\sum_{t=1}^{n}\Big[\log r + \frac{(y_t - z_t\hat\beta_t)^2
      + z_tV_tz_t'}{r}\Big]
      - \tfrac12\sum_{t=1}^{n-1}\sum_{j=1}^k\Big[\log q_j
      + \frac{E[(\beta_{j,t+1} - c_j - T_{jj}\beta_{j,t})^2 \mid Y]}{q_j}\Big].

Its maximiser: :math:`r = \frac1n\sum_t (y_t - z_t\hat\beta_t)^2 + z_tV_tz_t'`;
:math:`(c, \alpha)` from the regression of :math:`\beta_{1,t+1}` on
:math:`(1, \beta_{1,t})`, :math:`t = 1..n-1`, with expected sufficient statistics (centred:
:math:`\alpha = \sum[(\hat\beta_{1,t+1}-\bar m_1)(\hat\beta_{1,t}-\bar m_0) + C_{t,11}] /
\sum[(\hat\beta_{1,t}-\bar m_0)^2 + V_{t,11}]`, :math:`c = \bar m_1 - \alpha \bar m_0`; with
:math:`c` fixed, :math:`\alpha = \sum[(\hat\beta_{1,t+1}-c)\hat\beta_{1,t} + C_{t,11}] /
\sum[\hat\beta_{1,t}^2 + V_{t,11}]`; with :math:`\alpha` fixed, :math:`c = \bar m_1 - \alpha\bar
m_0`), :math:`|\alpha|` capped at :math:`1 - 10^{-12}` (the maximiser over the feasible set,
a warning is recorded if the cap binds); then
:math:`q_1 = \frac1{n-1}\sum_t (\hat\beta_{1,t+1} - c - \alpha\hat\beta_{1,t})^2
+ V_{t+1,11} + \alpha^2 V_{t,11} - 2\alpha C_{t,11}` and, for :math:`j \ge 2`,
:math:`q_j = \frac1{n-1}\sum_t (\hat\beta_{j,t+1} - \hat\beta_{j,t})^2 + V_{t+1,jj} + V_{t,jj}
- 2C_{t,jj}`. Fixed parameters keep their values; each block of :math:`Q` is maximised exactly.

Why the likelihood cannot decrease
----------------------------------
The prior of :math:`\beta_1` (:math:`N(0,\kappa I)`, or a known :math:`N(a_1, P_1)`) does not
depend on :math:`\theta`, so for every :math:`\kappa` the usual EM inequality
:math:`\ell_\kappa(\theta) - \ell_\kappa(\theta') \ge Q_\kappa(\theta\mid\theta') -
Q_\kappa(\theta'\mid\theta')` holds with the prior term cancelling; the diffuse likelihood is
:math:`\lim_\kappa[\ell_\kappa + \tfrac k2\log\kappa]` and the moments converge to the diffuse
ones above, so the inequality holds in the limit: every EM step raises the exact diffuse
log-likelihood (including its :math:`F_\infty` terms, which depend on :math:`\alpha`). This is
why the transition sums run over :math:`t = 1..n-1` only and the initial state is not a
parameter. The ``"mixed"`` and ``"johansen"`` initializations make the initial distribution a
function of :math:`\theta` (no closed-form M-step) and are refused.

Score, acceleration and stopping
--------------------------------
Fisher's identity gives the exact score for free,
:math:`\nabla\ell(\theta) = \nabla_\theta Q(\theta\mid\theta')|_{\theta'=\theta}`, e.g.
:math:`\partial\ell/\partial q_j = \frac{n-1}{2q_j^2}(\hat q_j - q_j)` with :math:`\hat q_j`
the M-step value at the current :math:`(\alpha, c)`. Plain EM is slow on this model (a
hedge-ratio variance started two orders of magnitude too small needs tens of thousands of
iterations) and its per-iteration gain is tiny long before the maximum, so a relative-llf
stopping rule alone stops early (1.5 log-likelihood units short on simulated data). By default
:func:`fit_em` therefore uses SQUAREM (Varadhan & Roland 2008) on the EM map, with a monotone
safeguard, and stops only when both the relative gain is below ``tol`` and the score in the
coordinates artanh(alpha), c/scale, log-variances is below ``gtol``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from ..calibration import Calibration
from ..exceptions import ModelSpecificationError
from ._mle import hedge_model

__all__ = ["fit_em", "em_smoother", "EMSmoothed", "EMCalibration"]

_LOG2PI = math.log(2.0 * math.pi)
_ALPHA_MAX = 1.0 - 1e-12
_EM_INITS = ("diffuse", "known", "chan")


# ----------------------------------------------------------------------------- compiled kernels
@njit(cache=True)
def _forward(y, X, tdiag, cvec, q, r, a1, P1, diffuse):  # pragma: no cover - compiled
    """Augmented forward pass; stores what the backward pass needs."""
    n, k = X.shape
    a_s = np.empty((n, k))
    P_s = np.empty((n, k, k))
    A_s = np.empty((n, k, k))
    v_s = np.zeros(n)
    F_s = np.ones(n)
    K_s = np.zeros((n, k))
    zA_s = np.zeros((n, k))
    miss = np.zeros(n, dtype=np.bool_)
    a = a1.copy()
    P = P1.copy()
    A = np.zeros((k, k))
    if diffuse:
        for i in range(k):
            A[i, i] = 1.0
    S = np.zeros((k, k))
    s = np.zeros(k)
    llf = 0.0
    M = np.empty(k)
    for t in range(n):
        for i in range(k):
            a_s[t, i] = a[i]
            for j in range(k):
                P_s[t, i, j] = P[i, j]
                A_s[t, i, j] = A[i, j]
        yt = y[t]
        if math.isnan(yt):
            miss[t] = True
            for i in range(k):
                a[i] = cvec[i] + tdiag[i] * a[i]
                for j in range(k):
                    P[i, j] = tdiag[i] * P[i, j] * tdiag[j]
                    A[i, j] = tdiag[i] * A[i, j]
                P[i, i] += q[i]
            continue
        v = yt
        F = r
        for i in range(k):
            v -= X[t, i] * a[i]
            acc = 0.0
            for j in range(k):
                acc += P[i, j] * X[t, j]
            M[i] = acc
        for i in range(k):
            F += X[t, i] * M[i]
        Fi = 1.0 / F
        for j in range(k):
            acc = 0.0
            for i in range(k):
                acc += X[t, i] * A[i, j]
            zA_s[t, j] = acc
        v_s[t] = v
        F_s[t] = F
        llf += -0.5 * (_LOG2PI + math.log(F) + v * v * Fi)
        for i in range(k):
            s[i] += zA_s[t, i] * v * Fi
            for j in range(k):
                S[i, j] += zA_s[t, i] * zA_s[t, j] * Fi
        for i in range(k):
            K_s[t, i] = tdiag[i] * M[i] * Fi
        # P <- T P T' - F K K' + Q ; A <- T A - K (z A) ; a <- c + T a + K v
        for i in range(k):
            a[i] = cvec[i] + tdiag[i] * a[i] + K_s[t, i] * v
            for j in range(i, k):
                pij = tdiag[i] * P[i, j] * tdiag[j] - F * K_s[t, i] * K_s[t, j]
                P[i, j] = pij
                P[j, i] = pij
            P[i, i] += q[i]
            for j in range(k):
                A[i, j] = tdiag[i] * A[i, j] - K_s[t, i] * zA_s[t, j]
    return a_s, P_s, A_s, v_s, F_s, K_s, zA_s, miss, S, s, llf


@njit(cache=True)
def _delta_posterior(S, s, diffuse):  # pragma: no cover - compiled
    k = S.shape[0]
    if not diffuse:
        return np.zeros((k, k)), np.zeros(k), 0.0, True
    Sinv = np.linalg.inv(S)
    for i in range(k):
        for j in range(i + 1, k):
            mm = 0.5 * (Sinv[i, j] + Sinv[j, i])
            Sinv[i, j] = mm
            Sinv[j, i] = mm
    dhat = Sinv @ s
    sign, logdet = np.linalg.slogdet(S)
    return Sinv, dhat, -0.5 * logdet + 0.5 * (s @ dhat), sign > 0


@njit(cache=True)
def _smoother(y, X, tdiag, cvec, q, r, a1, P1, diffuse):  # pragma: no cover - compiled
    """Exact (augmented) smoother with full covariance output (reference for :func:`_estep`)."""
    n, k = X.shape
    a_s, P_s, A_s, v_s, F_s, K_s, zA_s, miss, S, s, llf = _forward(
        y, X, tdiag, cvec, q, r, a1, P1, diffuse)
    Pn = np.empty((k, k))
    # backward pass: r_t, N_t (info from t+1..n) and the delta part R_t
    rv = np.zeros(k)
    N = np.zeros((k, k))
    R = np.zeros((k, k))
    mean0 = np.empty((n, k))
    V0 = np.empty((n, k, k))
    Mt = np.empty((n, k, k))
    C0 = np.zeros((max(n - 1, 0), k, k))
    L = np.empty((k, k))
    tmp = np.empty((k, k))
    tmp2 = np.empty((k, k))
    rn = np.empty(k)
    for t in range(n - 1, -1, -1):
        for i in range(k):
            for j in range(k):
                L[i, j] = (tdiag[i] if i == j else 0.0) - K_s[t, i] * X[t, j]
        if t < n - 1:
            # C0_t = (I - P_{t+1} N_t) L_t P_t
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += L[i, m] * P_s[t, m, j]
                    tmp[i, j] = acc  # L P
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += P_s[t + 1, i, m] * N[m, j]
                    tmp2[i, j] = (1.0 if i == j else 0.0) - acc  # I - P_{t+1} N
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += tmp2[i, m] * tmp[m, j]
                    C0[t, i, j] = acc
        # r_{t-1} = z' v / F + L' r ; N_{t-1} = z'z/F + L' N L ; R_{t-1} = -z'(zA)/F + L' R
        for i in range(k):
            acc = 0.0
            for m in range(k):
                acc += L[m, i] * rv[m]
            rn[i] = acc
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += N[i, m] * L[m, j]
                tmp[i, j] = acc  # N L
        for i in range(k):
            for j in range(k):
                acc = 0.0
                acc2 = 0.0
                for m in range(k):
                    acc += L[m, i] * tmp[m, j]
                    acc2 += L[m, i] * R[m, j]
                tmp2[i, j] = acc
                Pn[i, j] = acc2
        if not miss[t]:
            Fi = 1.0 / F_s[t]
            for i in range(k):
                rn[i] += X[t, i] * v_s[t] * Fi
                for j in range(k):
                    tmp2[i, j] += X[t, i] * X[t, j] * Fi
                    Pn[i, j] -= X[t, i] * zA_s[t, j] * Fi
        for i in range(k):
            rv[i] = rn[i]
            for j in range(k):
                N[i, j] = 0.5 * (tmp2[i, j] + tmp2[j, i])
                R[i, j] = Pn[i, j]
        # smoothed quantities at t
        for i in range(k):
            acc = a_s[t, i]
            for m in range(k):
                acc += P_s[t, i, m] * rv[m]
            mean0[t, i] = acc
            for j in range(k):
                acc = A_s[t, i, j]
                for m in range(k):
                    acc += P_s[t, i, m] * R[m, j]
                Mt[t, i, j] = acc
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += P_s[t, i, m] * N[m, j]
                tmp[i, j] = acc  # P N
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += tmp[i, m] * P_s[t, m, j]
                V0[t, i, j] = P_s[t, i, j] - acc
        for i in range(k):
            for j in range(i + 1, k):
                mm = 0.5 * (V0[t, i, j] + V0[t, j, i])
                V0[t, i, j] = mm
                V0[t, j, i] = mm
    # combine with the posterior of delta = beta_1
    E = mean0
    V = V0
    C = C0
    Sinv, dhat, llf_d, ok = _delta_posterior(S, s, diffuse)
    if diffuse:
        llf += llf_d
        MS = np.empty((n, k, k))
        for t in range(n):
            for i in range(k):
                acc = 0.0
                for j in range(k):
                    acc += Mt[t, i, j] * dhat[j]
                E[t, i] += acc
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += Mt[t, i, m] * Sinv[m, j]
                    MS[t, i, j] = acc  # M_t S^{-1}
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += MS[t, i, m] * Mt[t, j, m]
                    V[t, i, j] += acc
        for t in range(n - 1):
            for i in range(k):
                for j in range(k):
                    acc = 0.0
                    for m in range(k):
                        acc += MS[t + 1, i, m] * Mt[t, j, m]
                    C[t, i, j] += acc
    return E, V, C, llf, ok


@njit(cache=True)
def _estep(y, X, tdiag, cvec, q, r, a1, P1, diffuse):  # pragma: no cover - compiled
    """E-step: exact smoothed summaries the M-step and the score need, and the llf.

    Returns ``E`` (n, k) smoothed means, ``vd`` (n, k) diagonals of :math:`V_t`, ``zvz`` (n)
    :math:`z_tV_tz_t'`, ``cd`` (n-1, k) diagonals of :math:`C_t`, the log-likelihood and an
    identification flag. Uses the diagonal transition: every product with
    :math:`L_t = T - K_tz_t` is O(k^2).
    """
    n, k = X.shape
    a_s, P_s, A_s, v_s, F_s, K_s, zA_s, miss, S, s, llf = _forward(
        y, X, tdiag, cvec, q, r, a1, P1, diffuse)
    Sinv, dhat, llf_d, ok = _delta_posterior(S, s, diffuse)
    llf += llf_d
    E = np.empty((n, k))
    vd = np.empty((n, k))
    zvz = np.zeros(n)
    cd = np.zeros((max(n - 1, 0), k))
    rv = np.zeros(k)
    N = np.zeros((k, k))
    R = np.zeros((k, k))
    PN_next = np.zeros((k, k))  # P_{t+1} N_t from the previous (later) step
    MS_next = np.zeros((k, k))  # M_{t+1} S^{-1}
    PN = np.empty((k, k))
    Mt = np.empty((k, k))
    MS = np.empty((k, k))
    LP = np.empty((k, k))
    NK = np.empty(k)
    KN = np.empty(k)
    KR = np.empty(k)
    zP = np.empty(k)
    for t in range(n - 1, -1, -1):
        z = X[t]
        K = K_s[t]
        P = P_s[t]
        if t < n - 1:
            # L_t P_t = T P - K (z P)
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += z[m] * P[m, j]
                zP[j] = acc
            for i in range(k):
                for j in range(k):
                    LP[i, j] = tdiag[i] * P[i, j] - K[i] * zP[j]
            # diag of C0 = LP - P_{t+1} N_t LP  plus the delta part M_{t+1} S^-1 M_t'
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += PN_next[j, m] * LP[m, j]
                cd[t, j] = LP[j, j] - acc
        # backward step: r <- z'v/F + L'r, N <- z'z/F + L'NL, R <- -z'(zA)/F + L'R
        kr = 0.0
        knk = 0.0
        for i in range(k):
            kr += K[i] * rv[i]
            acc = 0.0
            acc2 = 0.0
            for m in range(k):
                acc += N[i, m] * K[m]
                acc2 += K[m] * R[m, i]
            NK[i] = acc
            KR[i] = acc2
        for i in range(k):
            knk += K[i] * NK[i]
            KN[i] = NK[i]  # N symmetric
        for i in range(k):
            rv[i] = tdiag[i] * rv[i] - z[i] * kr
        for i in range(k):
            for j in range(i, k):
                nij = (tdiag[i] * tdiag[j] * N[i, j] - tdiag[i] * NK[i] * z[j]
                       - z[i] * tdiag[j] * KN[j] + z[i] * z[j] * knk)
                N[i, j] = nij
                N[j, i] = nij
        for i in range(k):
            for j in range(k):
                R[i, j] = tdiag[i] * R[i, j] - z[i] * KR[j]
        if not miss[t]:
            Fi = 1.0 / F_s[t]
            vf = v_s[t] * Fi
            for i in range(k):
                rv[i] += z[i] * vf
                for j in range(k):
                    N[i, j] += z[i] * z[j] * Fi
                    R[i, j] -= z[i] * zA_s[t, j] * Fi
        # smoothed summaries at t
        for i in range(k):
            for j in range(k):
                acc = 0.0
                acc2 = 0.0
                for m in range(k):
                    acc += P[i, m] * N[m, j]
                    acc2 += P[i, m] * R[m, j]
                PN[i, j] = acc
                Mt[i, j] = A_s[t, i, j] + acc2
        for i in range(k):
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += Mt[i, m] * Sinv[m, j]
                MS[i, j] = acc
        zPz = 0.0
        zPNPz = 0.0
        for i in range(k):
            acc = a_s[t, i]
            for m in range(k):
                acc += P[i, m] * rv[m] + Mt[i, m] * dhat[m]
            E[t, i] = acc
            acc = 0.0
            acc2 = 0.0
            for m in range(k):
                acc += PN[i, m] * P[m, i]
                acc2 += MS[i, m] * Mt[i, m]
            vd[t, i] = P[i, i] - acc + acc2
        # z V z' = z P z' - (Pz)' N (Pz) + (zM) S^-1 (zM)'
        for i in range(k):
            Mi = 0.0
            for m in range(k):
                Mi += P[i, m] * z[m]
            NK[i] = Mi  # reuse: P z'
            zPz += z[i] * Mi
        for i in range(k):
            acc = 0.0
            for m in range(k):
                acc += N[i, m] * NK[m]
            zPNPz += NK[i] * acc
        zmsmz = 0.0
        for i in range(k):
            zm = 0.0
            zms = 0.0
            for m in range(k):
                zm += z[m] * Mt[m, i]
                zms += z[m] * MS[m, i]
            zmsmz += zm * zms
        zvz[t] = zPz - zPNPz + zmsmz
        if t < n - 1:
            for j in range(k):
                acc = 0.0
                for m in range(k):
                    acc += MS_next[j, m] * Mt[j, m]
                cd[t, j] += acc
        for i in range(k):
            for j in range(k):
                PN_next[i, j] = PN[i, j]
                MS_next[i, j] = MS[i, j]
    return E, vd, zvz, cd, llf, ok


@njit(cache=True)
def _mstep(y, X, E, vd, zvz, cd, old, free):  # pragma: no cover - compiled
    """Closed-form M-step over the full vector ``(alpha, c, q_1..q_k, r)``; see module notes.

    Returns the new full vector and a flag set when the cap on ``|alpha|`` bound.
    """
    n, k = X.shape
    new = old.copy()
    capped = False
    if free[2 + k]:
        acc = 0.0
        cnt = 0
        for t in range(n):
            if math.isnan(y[t]):
                continue
            e = y[t]
            for i in range(k):
                e -= X[t, i] * E[t, i]
            acc += e * e + zvz[t]
            cnt += 1
        new[2 + k] = acc / cnt
    m = n - 1
    alpha = old[0]
    c = old[1]
    if free[0] or free[1]:
        m0 = 0.0
        m1 = 0.0
        for t in range(m):
            m0 += E[t, 0]
            m1 += E[t + 1, 0]
        m0 /= m
        m1 /= m
        if free[0]:
            sxx = 0.0
            sxy = 0.0
            if free[1]:
                for t in range(m):
                    d0 = E[t, 0] - m0
                    sxx += d0 * d0 + vd[t, 0]
                    sxy += (E[t + 1, 0] - m1) * d0 + cd[t, 0]
            else:
                for t in range(m):
                    sxx += E[t, 0] * E[t, 0] + vd[t, 0]
                    sxy += (E[t + 1, 0] - c) * E[t, 0] + cd[t, 0]
            alpha = sxy / sxx
            if alpha > _ALPHA_MAX:
                alpha = _ALPHA_MAX
                capped = True
            elif alpha < -_ALPHA_MAX:
                alpha = -_ALPHA_MAX
                capped = True
        if free[1]:
            c = m1 - alpha * m0
        new[0] = alpha
        new[1] = c
    for j in range(k):
        if not free[2 + j]:
            continue
        tj = alpha if j == 0 else 1.0
        cj = c if j == 0 else 0.0
        acc = 0.0
        for t in range(m):
            d = E[t + 1, j] - cj - tj * E[t, j]
            acc += d * d + vd[t + 1, j] + tj * tj * vd[t, j] - 2.0 * tj * cd[t, j]
        val = acc / m
        new[2 + j] = val if val > 0.0 else 0.0
    return new, capped


@njit(cache=True)
def _score(y, X, E, vd, zvz, cd, theta):  # pragma: no cover - compiled
    """Exact score of the log-likelihood at ``theta`` by Fisher's identity.

    :math:`\\nabla\\ell(\\theta) = \\nabla_\\theta Q(\\theta \\mid \\theta')|_{\\theta'=\\theta}`,
    with the moments computed at ``theta``. Natural parameters ``(alpha, c, q_1..q_k, r)``;
    NaN where a variance is zero.
    """
    n, k = X.shape
    g = np.zeros(3 + k)
    alpha = theta[0]
    c = theta[1]
    r = theta[2 + k]
    acc = 0.0
    cnt = 0
    for t in range(n):
        if math.isnan(y[t]):
            continue
        e = y[t]
        for i in range(k):
            e -= X[t, i] * E[t, i]
        acc += e * e + zvz[t]
        cnt += 1
    g[2 + k] = -0.5 * cnt / r + 0.5 * acc / (r * r)
    m = n - 1
    for j in range(k):
        tj = alpha if j == 0 else 1.0
        cj = c if j == 0 else 0.0
        ss = 0.0
        s1 = 0.0
        sb = 0.0
        for t in range(m):
            d = E[t + 1, j] - cj - tj * E[t, j]
            ss += d * d + vd[t + 1, j] + tj * tj * vd[t, j] - 2.0 * tj * cd[t, j]
            if j == 0:
                s1 += d
                sb += d * E[t, 0] + cd[t, 0] - tj * vd[t, 0]
        qj = theta[2 + j]
        if qj > 0.0:
            g[2 + j] = -0.5 * m / qj + 0.5 * ss / (qj * qj)
            if j == 0:
                g[0] = sb / qj
                g[1] = s1 / qj
        else:
            g[2 + j] = np.nan
            if j == 0:
                g[0] = np.nan
                g[1] = np.nan
    return g


# ----------------------------------------------------------------------------- Python layer
@dataclass
class EMCalibration(Calibration):
    """A :class:`~ssm_coint.Calibration` from :func:`fit_em`, with EM's own diagnostics.

    Attributes
    ----------
    score : Series
        Exact gradient of the log-likelihood w.r.t. the free parameters (natural scale) at the
        end point, by Fisher's identity (NaN where a variance is zero).
    em_llf : float
        Log-likelihood from EM's own exact smoother at the end point (equals ``llf`` up to the
        rounding of :meth:`HedgeRatioModel.loglike`; a warning says when it does not).
    """

    score: pd.Series | None = None
    em_llf: float = math.nan


class EMSmoothed:
    """Exact smoothed moments of the hedge-ratio model (output of :func:`em_smoother`).

    Attributes
    ----------
    state : ndarray, shape (n, k)
        :math:`\\hat\\beta_t = E[\\beta_t \\mid Y]`.
    state_cov : ndarray, shape (n, k, k)
        :math:`V_t = \\operatorname{Var}(\\beta_t \\mid Y)`.
    state_autocov : ndarray, shape (n - 1, k, k)
        :math:`C_t = \\operatorname{Cov}(\\beta_{t+1}, \\beta_t \\mid Y)` (row index for
        :math:`t+1`), the convention of statsmodels' ``smoothed_state_autocov[..., t]``.
    llf : float
        Exact log-likelihood from the same pass.
    ok : bool
        False when the information matrix :math:`S` of the diffuse state is not positive
        definite (the data do not identify the initial state).
    """

    def __init__(self, state, state_cov, state_autocov, llf, ok) -> None:
        self.state = state
        self.state_cov = state_cov
        self.state_autocov = state_autocov
        self.llf = float(llf)
        self.ok = bool(ok)


def _prepare(model) -> tuple[np.ndarray, np.ndarray]:
    if model._y_c is None:
        model._y_c = np.ascontiguousarray(model.endog[:, 0], dtype=np.float64)
        model._X_c = np.ascontiguousarray(model._design_rows, dtype=np.float64)
    return model._y_c, model._X_c


def _check_init(model) -> None:
    if model.initialization_kind not in _EM_INITS:
        raise ModelSpecificationError(
            f"exact EM needs an initial state distribution that does not depend on the "
            f"parameters; initialization {model.initialization_kind!r} does (choose one of "
            f"{', '.join(_EM_INITS)})")


def em_smoother(model, full: Any) -> EMSmoothed:
    """Exact smoothed means, covariances and lag-one covariances at a full parameter vector.

    Parameters
    ----------
    model : HedgeRatioModel
        With initialization ``"diffuse"``, ``"known"`` or ``"chan"``.
    full : array_like
        Parameters over ``model.all_param_names``.

    Returns
    -------
    EMSmoothed
    """
    _check_init(model)
    y, X = _prepare(model)
    s = model.system(np.asarray(full, float))
    diffuse = model.initialization_kind == "diffuse"
    E, V, C, llf, ok = _smoother(
        y, X, np.asarray(s["tdiag"], float), np.asarray(s["cvec"], float),
        np.asarray(s["q"], float), float(s["r"]), np.asarray(s["a1"], float),
        np.ascontiguousarray(s["P1"], dtype=np.float64), diffuse)
    return EMSmoothed(E, V, C, llf, ok)


def _start_vector(model, start: Any) -> np.ndarray:
    names = model.all_param_names
    if start is None:
        full = model._start_full()
    elif isinstance(start, Calibration):
        full = start.params.reindex(names).to_numpy(dtype=float)
    elif isinstance(start, pd.Series | Mapping):
        full = pd.Series(start, dtype=float).reindex(names).to_numpy(dtype=float)
    else:
        full = np.asarray(start, dtype=float).copy()
        if full.shape != (len(names),):
            raise ModelSpecificationError(
                f"start must be a full parameter vector of length {len(names)} ({names})")
    if np.any(~np.isfinite(full)):
        missing = [n for n, v in zip(names, full, strict=True) if not np.isfinite(v)]
        raise ModelSpecificationError(f"start has no finite value for {missing}")
    for n, v in model.fixed.items():
        full[names.index(n)] = v
    k = model.k_states
    if "alpha" not in model.fixed and abs(full[0]) > _ALPHA_MAX:
        full[0] = math.copysign(_ALPHA_MAX, full[0])
    if np.any(full[2:2 + k] < 0) or full[2 + k] <= 0:
        raise ModelSpecificationError("start has a negative state variance or r <= 0")
    return full


class _EMRun:
    """E-step / M-step machinery of one model, and the recorded trajectory."""

    def __init__(self, model, free_mask: np.ndarray) -> None:
        self.model = model
        self.y, self.X = _prepare(model)
        self.free = free_mask
        self.diffuse = model.initialization_kind == "diffuse"
        self.k = model.k_states
        self.n_estep = 0
        self.n_mstep = 0
        self.capped = False
        self.rows: list[tuple[int, str, float, np.ndarray]] = []
        from ._optimize import parameter_scales

        self.c_scale = float(parameter_scales(model)[1]) or 1.0

    def estep(self, theta: np.ndarray):
        self.n_estep += 1
        s = self.model.system(theta)
        return _estep(self.y, self.X, s["tdiag"], s["cvec"], s["q"], float(s["r"]),
                      np.asarray(s["a1"], float),
                      np.ascontiguousarray(s["P1"], dtype=np.float64), self.diffuse)

    def mstep(self, theta: np.ndarray, mom) -> np.ndarray:
        self.n_mstep += 1
        new, capped = _mstep(self.y, self.X, mom[0], mom[1], mom[2], mom[3], theta, self.free)
        self.capped |= bool(capped)
        return new

    def record(self, kind: str, theta: np.ndarray, llf: float) -> None:
        self.rows.append((self.n_mstep, kind, float(llf), theta.copy()))

    def score_u(self, theta: np.ndarray, mom) -> np.ndarray:
        """Score of the free parameters in the SQUAREM coordinates (NaN-free; 0 if fixed)."""
        g = _score(self.y, self.X, mom[0], mom[1], mom[2], mom[3], theta)
        out = np.zeros(len(theta))
        for i in range(len(theta)):
            if not self.free[i]:
                continue
            if i == 0:
                out[i] = g[0] * (1.0 - theta[0] ** 2)
            elif i == 1:
                out[i] = g[1] * self.c_scale
            else:
                out[i] = g[i] * theta[i]  # d llf / d log(variance)
        return np.nan_to_num(out)

    # SQUAREM works on unconstrained, order-one coordinates of the free parameters
    def to_u(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = [i for i in range(len(theta)) if self.free[i]
               and (i < 2 or theta[i] > 0)]
        u = np.empty(len(idx))
        for m, i in enumerate(idx):
            if i == 0:
                u[m] = np.arctanh(np.clip(theta[0], -_ALPHA_MAX, _ALPHA_MAX))
            elif i == 1:
                u[m] = theta[1] / self.c_scale
            else:
                u[m] = math.log(theta[i])
        return u, np.asarray(idx, dtype=int)

    def from_u(self, u: np.ndarray, idx: np.ndarray, base: np.ndarray) -> np.ndarray:
        theta = base.copy()
        for m, i in enumerate(idx):
            if i == 0:
                theta[0] = float(np.clip(np.tanh(u[m]), -_ALPHA_MAX, _ALPHA_MAX))
            elif i == 1:
                theta[1] = u[m] * self.c_scale
            else:
                theta[i] = math.exp(min(u[m], 700.0))
        return theta


def fit_em(
    prices: pd.DataFrame,
    variant: str = "full",
    *,
    start: Any = None,
    max_iter: int = 5000,
    tol: float = 1e-8,
    initialization: str = "diffuse",
    fixed: Mapping[str, float] | None = None,
    gtol: float = 1e-2,
    accelerate: bool = True,
    **model_kwargs: Any,
) -> EMCalibration:
    r"""Exact EM calibration of a hedge-ratio model variant.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2..x_k`` columns on a date index.
    variant : {"full", "mu0", "alpha1"}
        ``full``: alpha, c and the variances by EM; ``mu0``: c = 0, alpha by EM; ``alpha1``:
        alpha = 1, c = 0, only the variances.
    start : array_like, Series, mapping or Calibration, optional
        Starting values over ``all_param_names`` (default: the model's ``start_params``). Fixed
        parameters are overwritten by their fixed values.
    max_iter : int
        Maximum number of E-steps (smoother passes; each EM iteration is one, a rejected
        extrapolation costs one too). Chan's EWC/EWA/IGE needs about 800-2200.
    tol : float
        Stop when the relative log-likelihood gain :math:`(\ell_{new} - \ell_{old}) /
        \max(1, |\ell_{old}|)` of an EM iteration (``accelerate=False``) or of a SQUAREM cycle
        falls below ``tol`` (and the score condition ``gtol`` holds).
    gtol : float
        Also required for convergence: every component of the exact score (Fisher's identity,
        :math:`\nabla\ell = \nabla Q`) in the coordinates artanh(alpha), c / scale and
        log-variances is below ``gtol`` in absolute value. A log-variance score is the
        first-order gain of multiplying that variance by e (and, for a variance heading to zero,
        about the whole gain left), so this guards against EM's well-known false convergence
        where it crawls: a tiny gain per iteration far from the maximum.
    initialization : {"diffuse", "known", "chan"}
        Initial state; ``"known"`` needs ``initial_state`` and ``initial_state_cov`` in
        ``model_kwargs``. ``"mixed"`` and ``"johansen"`` are refused (their initial
        distribution depends on the parameters, so the M-step would not be exact).
    fixed : mapping, optional
        Further fixed parameters, e.g. ``{"sigma2.EWA": 0.0}``; they never move.
    accelerate : bool
        ``True`` (default): SQUAREM (Varadhan & Roland 2008, scheme S3) on top of the exact EM
        map, with a monotone safeguard: each cycle makes two plain EM steps
        :math:`\theta_1 = M(\theta_0)`, :math:`\theta_2 = M(\theta_1)` and tries the
        extrapolation :math:`\theta_0 - 2a\rho + a^2\nu` (:math:`\rho = \theta_1 - \theta_0`,
        :math:`\nu = \theta_2 - 2\theta_1 + \theta_0`, :math:`a = -\|\rho\|/\|\nu\|`, computed
        in the coordinates artanh(alpha), c / scale, log variances), halving the step towards
        :math:`\theta_2` until its log-likelihood is at least that of :math:`\theta_2`.
        The log-likelihood therefore never decreases either way. ``False``: plain EM, which on
        this model often crawls (a hedge-ratio variance can gain a factor 5 in 20 000
        iterations) and stops far from the maximum.
    **model_kwargs
        Passed to :func:`~ssm_coint.estimation.hedge_model`.

    Returns
    -------
    EMCalibration
        ``method="em"``; ``llf`` is :meth:`HedgeRatioModel.loglike` at the final parameters;
        ``iterations`` counts E-steps; ``trajectory`` has one row per accepted iterate
        (``iteration`` = M-steps so far, ``step`` = ``"start"``, ``"em"`` or ``"squarem"``,
        ``llf`` = EM's own exact log-likelihood from the E-step, which the monotonicity
        argument is about, then every parameter); ``em_llf`` is its last value and ``score`` the
        exact gradient there; ``warnings`` report any decrease of the log-likelihood
        beyond rounding (relative 1e-9), a binding cap on alpha, variances collapsing to zero
        (EM cannot leave zero) and non-convergence within ``max_iter``. Standard errors come
        from the finite-difference Hessian of the exact log-likelihood, as for the MLE.

    Notes
    -----
    E- and M-step formulas and the monotonicity argument are in the module docstring
    (:mod:`ssm_coint.estimation._em`).
    """
    t0 = time.perf_counter()
    model = hedge_model(prices, variant=variant, fixed=fixed, initialization=initialization,
                        **model_kwargs)
    _check_init(model)
    names = model.all_param_names
    k = model.k_states
    full = _start_vector(model, start)
    free_mask = np.array([n not in model.fixed for n in names], dtype=np.bool_)
    run = _EMRun(model, free_mask)
    if np.sum(np.isfinite(run.y)) < 2:
        raise ModelSpecificationError("EM needs at least two observations")

    warns: list[str] = []
    decreases: list[tuple[int, float]] = []
    converged = False
    mom = run.estep(full)
    llf = mom[4]
    if not mom[5]:
        warns.append("the data do not identify the diffuse initial state (information matrix "
                     "not positive definite); EM moments are unreliable")
    run.record("start", full, llf)
    last_gain = math.nan
    last_score = math.nan

    def em_step(theta, m):
        new = run.mstep(theta, m)
        m_new = run.estep(new)
        gain = m_new[4] - m[4]
        if gain < -1e-9 * max(1.0, abs(m[4])):
            decreases.append((run.n_mstep, gain))
        run.record("em", new, m_new[4])
        return new, m_new

    step_max = 1.0
    while run.n_estep < max_iter:
        llf_old = llf
        if not accelerate or run.n_estep + 2 > max_iter:
            full, mom = em_step(full, mom)
        else:
            th1, m1 = em_step(full, mom)
            th2, m2 = em_step(th1, m1)
            nxt, m_nxt = th2, m2
            u0, idx = run.to_u(full)
            u1, idx1 = run.to_u(th1)
            u2, idx2 = run.to_u(th2)
            if (len(idx) and np.array_equal(idx, idx1) and np.array_equal(idx, idx2)
                    and np.all(np.isfinite(m2[0]))):
                rho = u1 - u0
                nu = u2 - 2 * u1 + u0
                nr, nn = float(np.linalg.norm(rho)), float(np.linalg.norm(nu))
                a = -nr / nn if nn > 0 else -1.0
                at_cap = a <= -step_max
                a = max(a, -step_max)
                if a >= -1.0 and at_cap:
                    step_max *= 4.0  # theta_2 itself was the capped step: allow longer ones
                tries = 0
                while a < -1.0 and tries < 6 and run.n_estep < max_iter:
                    cand = run.from_u(u0 - 2 * a * rho + a * a * nu, idx, th2)
                    m_c = run.estep(cand)
                    tries += 1
                    if np.isfinite(m_c[4]) and m_c[4] >= m2[4]:
                        nxt, m_nxt = cand, m_c
                        run.record("squarem", cand, m_c[4])
                        if at_cap and tries == 1:
                            step_max *= 4.0
                        break
                    a = 0.5 * (a - 1.0)
            full, mom = nxt, m_nxt
        llf = mom[4]
        if not np.isfinite(llf):
            warns.append(f"log-likelihood not finite after {run.n_mstep} M-steps; EM stopped")
            break
        last_gain = (llf - llf_old) / max(1.0, abs(llf_old))
        if abs(last_gain) < tol:
            last_score = float(np.max(np.abs(run.score_u(full, mom))))
            if last_score < gtol:
                converged = True
                break
    if decreases:
        worst = min(decreases, key=lambda d: d[1])
        warns.append(
            f"log-likelihood decreased in {len(decreases)} EM step(s) (largest drop "
            f"{-worst[1]:.3g} at M-step {worst[0]}); numerical trouble in the E-step")
    if run.capped:
        warns.append(f"alpha reached the cap |alpha| = {_ALPHA_MAX} (the M-step's maximiser "
                     "lies at or beyond a unit root)")
    if not converged:
        warns.append(f"EM did not converge within {max_iter} E-steps (last relative gain "
                     f"{last_gain:.3g}, tol {tol:g}; largest score {last_score:.3g}, "
                     f"gtol {gtol:g})")
    for i in range(2, 3 + k):
        if free_mask[i] and full[i] <= 0:
            warns.append(f"{names[i]} collapsed to 0; EM cannot move a variance away from 0")
    free_vec = model.free_from_full(full)
    res = model.smooth(free_vec, cov_type="none")
    model_llf = float(res.llf)
    if abs(model_llf - llf) > 1e-6 * max(1.0, abs(llf)):
        warns.append(f"EM's own log-likelihood {llf:.6f} differs from the model's {model_llf:.6f}")
    bse, boundary = _standard_errors(model, full, warns)
    traj = pd.DataFrame(np.asarray([r[3] for r in run.rows]), columns=names)
    traj.insert(0, "llf", [r[2] for r in run.rows])
    traj.insert(0, "step", [r[1] for r in run.rows])
    traj.insert(0, "iteration", [r[0] for r in run.rows])
    g = _score(run.y, run.X, mom[0], mom[1], mom[2], mom[3], full)
    score = pd.Series(g, index=names)[list(model.param_names)]
    return EMCalibration(
        method="em", variant=variant if not fixed else "custom",
        params=pd.Series(full, index=names), free=list(model.param_names), llf=model_llf,
        nobs=int(np.sum(np.isfinite(run.y))), runtime_s=time.perf_counter() - t0,
        iterations=run.n_estep, converged=converged, warnings=warns, bse=bse,
        at_boundary=boundary, results=res, trajectory=traj, score=score, em_llf=float(llf),
    )


def _standard_errors(model, full, warns):
    """Finite-difference Hessian standard errors (as for the MLE), NaN at boundaries."""
    from ._mle import _boundary, _covariance
    from ._optimize import parameter_scales

    boundary = _boundary(model, full, parameter_scales(model))
    try:
        cov, ok = _covariance(model, full, boundary)
    except Exception as exc:  # noqa: BLE001 - standard errors are a by-product
        warns.append(f"standard errors not computed: {exc}")
        return None, boundary
    if not ok:
        warns.append("the Hessian of the log-likelihood is not negative definite at EM's end "
                     "point; standard errors are unreliable")
    d = np.diag(cov)
    bse = pd.Series(np.sqrt(np.where(d >= 0, d, np.nan)), index=model.param_names)
    return bse, boundary
