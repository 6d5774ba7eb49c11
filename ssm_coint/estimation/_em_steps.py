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
The recursions below are those of the package's Kalman core (:mod:`ssm_coint.kalman`: one
forward and one backward pass); this section states what the E-step takes from them.
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

import numpy as np

from .._jit import njit
from ..kalman import STORE_SMOOTHER, backward, forward

__all__ = ["ALPHA_MAX", "e_step", "m_step", "score"]

#: cap on |alpha| in the M-step (the maximiser over the feasible set)
ALPHA_MAX = 1.0 - 1e-12
_ALPHA_MAX = ALPHA_MAX


# ----------------------------------------------------------------------------- compiled kernels
@njit()
def e_step(y, X, tdiag, cvec, q, r, a1, P1, D):  # pragma: no cover - compiled
    """E-step: exact smoothed summaries the M-step and the score need, and the llf.

    One forward and one backward pass of the Kalman core (:mod:`ssm_coint.kalman`). Returns
    ``E`` (n, k) smoothed means, ``vd`` (n, k) diagonals of :math:`V_t`, ``zvz`` (n)
    :math:`z_tV_tz_t'`, ``cd`` (n-1, k) diagonals of :math:`C_t`, the log-likelihood and a
    flag that is False when the pass is undefined (unidentified diffuse start or a
    non-positive forecast variance; the summaries are NaN then).
    """
    n, k = X.shape
    # np.int64 / np.bool_: flags typed as from Python, so the forward and backward passes
    # compiled for the model's own calls are reused (a literal 2 or False compiles another)
    out = forward(y, X, tdiag, cvec, q, r, a1, P1, D, np.int64(STORE_SMOOTHER), np.bool_(False))
    llf = out[0]
    vd = np.full((n, k), np.nan)
    zvz = np.full(n, np.nan)
    cd = np.full((max(n - 1, 0), k), np.nan)
    if not math.isfinite(llf):
        return np.full((n, k), np.nan), vd, zvz, cd, llf, False
    E, V, C = backward(X, tdiag, out[7], out[8], out[9], out[10], out[11], out[12], out[13],
                       out[14], out[15], np.bool_(True))
    for t in range(n):
        acc = 0.0
        for i in range(k):
            vd[t, i] = V[t, i, i]
            for j in range(k):
                acc += X[t, i] * V[t, i, j] * X[t, j]
        zvz[t] = acc
        if t < n - 1:
            for i in range(k):
                cd[t, i] = C[t, i, i]
    return E, vd, zvz, cd, llf, True


@njit()
def _obs_moments(y, X, E, zvz):  # pragma: no cover - compiled
    """:math:`\\sum_t E[(y_t - z_t\\beta_t)^2 \\mid Y]` over observed t, and their count."""
    n, k = X.shape
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
    return acc, cnt


@njit()
def m_step(y, X, E, vd, zvz, cd, old, free):  # pragma: no cover - compiled
    """Closed-form M-step over the full vector ``(alpha, c, q_1..q_k, r)``; see module notes.

    Returns the new full vector and a flag set when the cap on ``|alpha|`` bound.
    """
    n, k = X.shape
    new = old.copy()
    capped = False
    if free[2 + k]:
        acc, cnt = _obs_moments(y, X, E, zvz)
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


@njit()
def score(y, X, E, vd, zvz, cd, theta):  # pragma: no cover - compiled
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
    acc, cnt = _obs_moments(y, X, E, zvz)
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
