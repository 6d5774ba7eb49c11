r"""Compiled passes of seed 000's adaptive tuning (see :mod:`ssm_coint.estimation._adaptive`).

Everything here is the seed's recipe written as loops for numba; the maths and the choices
are documented in :func:`ssm_coint.estimation.fit_adaptive`. One pass is

1. the seed's Kalman filter (the package's Kalman core, :mod:`ssm_coint.kalman`) with
   :math:`\alpha = \operatorname{diag}(\alpha_{11}, 1, \dots, 1)`
   started from :math:`\beta(0)`, :math:`\operatorname{cov}(\beta(0))`:

   .. math::

       \beta_{t|t-1} = \alpha\,\beta_{t-1|t-1},\qquad
       P_{t|t-1} = \alpha P_{t-1|t-1}\alpha' + \nu_\omega,

       v_t = y_t - x_t\beta_{t|t-1},\quad M_t = P_{t|t-1}x_t',\quad F_t = x_tM_t + \nu_e,\quad
       \beta_{t|t} = \beta_{t|t-1} + M_t v_t / F_t,\quad P_{t|t} = P_{t|t-1} - M_tM_t'/F_t,

   (optionally followed by the fixed-interval smoother of Durbin & Koopman, eq. 4.44, which
   needs no matrix inverse:
   :math:`r_{t-1} = x_t'v_t/F_t + L_t'r_t`, :math:`L_t'r = \alpha r - x_t'(M_t'\alpha r)/F_t`,
   :math:`\hat\beta_t = \beta_{t|t-1} + P_{t|t-1}r_{t-1}`, :math:`r_n = 0`);
2. the moment updates of the seed from the state path :math:`\beta_t` of that pass.

The log-likelihood of the pass, :math:`-\tfrac12\sum_t(\log 2\pi F_t + v_t^2/F_t)`, is NaN when
some :math:`F_t \le 0` (possible once a negative state variance is used, as the seed's recipe
does when :math:`\alpha_{11} > 1`).
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..kalman import STORE_FILTER, STORE_SMOOTHER, backward, forward

__all__ = ["seed_pass", "seed_moments", "run_passes"]


#: ``run_passes`` status codes
STATUS_PASSES = 0  # ran every pass
STATUS_TOL = 1  # stopped because the relative change fell below tol
STATUS_BREAKDOWN = 2  # a pass produced non-finite states or moments; stopped before it


@njit(error_model="numpy")
def seed_pass(y, X, a, q, r, beta0, cov0, smooth, S):  # pragma: no cover - compiled
    """One pass of the seed's filter (and smoother if ``smooth``); states written into ``S``.

    The pass is the Kalman core's forward pass (and backward pass, means only) from the known
    state :math:`a_1 = \alpha\beta(0)`, :math:`P_1 = \alpha\\operatorname{cov}(\beta(0))
    \alpha' + \nu_\\omega` with c = 0, continuing through non-positive forecast variances as
    the seed's recipe does. ``a`` is :math:`\alpha_{11}` (the other diagonal elements of the
    transition are 1). Returns the log-likelihood (NaN if some F_t <= 0) and a flag that is
    False when a state became non-finite.
    """
    n, k = X.shape
    tdiag = np.ones(k)
    tdiag[0] = a
    cvec = np.zeros(k)
    a1 = tdiag * beta0
    P1 = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            P1[i, j] = tdiag[i] * cov0[i, j] * tdiag[j]
        P1[i, i] += q[i]
    D = np.zeros((k, 0))
    store = STORE_SMOOTHER if smooth else STORE_FILTER
    # np.bool_: typed as from Python, so the model's compiled forward pass is reused
    out = forward(y, X, tdiag, cvec, q, r, a1, P1, D, store, np.bool_(True))
    llf = out[0]
    filt = out[2]
    finite = True
    for t in range(n):
        for i in range(k):
            if not math.isfinite(filt[t, i]):
                finite = False
    if finite and smooth:
        mean = backward(X, tdiag, out[7], out[8], out[9], out[10], out[11], out[12], out[13],
                        out[14], out[15], np.bool_(False))[0]
        for t in range(n):
            for i in range(k):
                S[t, i] = mean[t, i]
                if not math.isfinite(mean[t, i]):
                    finite = False
    elif finite:
        for t in range(n):
            for i in range(k):
                S[t, i] = filt[t, i]
    return llf, finite


@njit(error_model="numpy")
def seed_moments(y, X, S, beta_m_mode, bm_johansen, gamma_mode, gamma11_johansen,
                 q_out, cov0_out):  # pragma: no cover
    r"""Re-estimate the seed's quantities from a state path ``S`` (n, k).

    Returns ``(alpha_11, nu_e, Gamma_11)`` and writes ``diag(nu_w)`` into ``q_out`` and
    ``diag(cov(beta(0)))`` into ``cov0_out``.

    * :math:`\alpha_{11} = \sum_{t=2}^n\beta_{1,t}\beta_{1,t-1} / \sum_{t=2}^n\beta_{1,t-1}^2`
    * :math:`\nu_e = \sum_{t=1}^n(y_t - x_t\beta_t)^2/n`
    * :math:`\nu_{\omega,jj} = \sum_{t=1}^{n-1}(\beta_{j,t+1} - \alpha_{jj}\beta_{j,t})^2/(n-1)`
      for :math:`j \ge 2`; :math:`\nu_{\omega,11} = (1-\alpha_{11}^2)\Gamma_{11}` with
      :math:`\Gamma_{11} = \sum_t\beta_{1,t}^2/n` (``gamma_mode`` 0, this path) or the
      first-pass value ``gamma11_johansen`` (``gamma_mode`` 1)
    * :math:`\operatorname{cov}(\beta(0))_{jj} = \sum_t(\beta_{j,t} - \beta_{m,j})^2/(n-1)`, with
      :math:`\beta_m` the path means (``beta_m_mode`` 0) or ``bm_johansen`` (``beta_m_mode`` 1).
    """
    n, k = X.shape
    # one sweep for the lag-1 moment, residuals, second moment, differences and means;
    # a second one for the centred sums of cov(beta(0)) (no cancellation-prone shortcut)
    num = 0.0
    den = 0.0
    sse = 0.0
    g = 0.0
    m = np.zeros(k)
    for j in range(k):
        q_out[j] = 0.0
    for t in range(n):
        e = y[t]
        for i in range(k):
            e -= X[t, i] * S[t, i]
            m[i] += S[t, i]
        sse += e * e
        g += S[t, 0] * S[t, 0]
        if t > 0:
            num += S[t, 0] * S[t - 1, 0]
            den += S[t - 1, 0] * S[t - 1, 0]
            for j in range(1, k):  # alpha_jj = 1 for j >= 2
                d = S[t, j] - S[t - 1, j]
                q_out[j] += d * d
    a = num / den
    nue = sse / n
    for j in range(1, k):
        q_out[j] /= n - 1
    # nu_w,11: the sum over (beta_1,t+1 - alpha_11 beta_1,t)^2 is replaced by the seed's
    # stationary solution (1 - alpha_11^2) Gamma_11, so it is not computed
    g11 = g / n if gamma_mode == 0 else gamma11_johansen
    q_out[0] = (1.0 - a * a) * g11
    for j in range(k):
        m[j] = m[j] / n if beta_m_mode == 0 else bm_johansen[j]
        cov0_out[j] = 0.0
    for t in range(n):
        for j in range(k):
            d = S[t, j] - m[j]
            cov0_out[j] += d * d
    for j in range(k):
        cov0_out[j] /= n - 1
    return a, nue, g11


@njit(error_model="numpy")
def _rel_change(a_old, r_old, q_old, a_new, r_new, q_new, floors):  # pragma: no cover
    """max_i |new_i - old_i| / max(|new_i|, |old_i|, floor_i) over (alpha_11, nu_e, diag nu_w).

    ``floors`` (k + 2,) are the numerical-zero scales of the quantities, so that changes among
    values at rounding level (a variance of 1e-32 becoming 5e-32) do not count.
    """
    out = 0.0
    k = q_old.shape[0]
    for i in range(k + 2):
        if i == 0:
            o, w = a_old, a_new
        elif i == 1:
            o, w = r_old, r_new
        else:
            o, w = q_old[i - 2], q_new[i - 2]
        d = abs(w - o)
        s = max(abs(w), abs(o), floors[i])
        if s > 0.0:
            d /= s
        if d > out:
            out = d
    return out


@njit(error_model="numpy")
def run_passes(y, X, a0, r0, q0, cov00, beta0, bm_johansen, gamma11_johansen, floors, passes,
               tol, smooth, beta_m_mode, gamma_mode, clip,
               tr_a, tr_r, tr_q, tr_cov0, tr_g11, tr_llf, tr_rel, S_last):  # pragma: no cover
    """Run up to ``passes`` passes; fill the trajectory arrays row by row.

    Row ``p`` holds the quantities *used* in pass ``p + 1`` (row 0: the first-pass
    initialisation), the log-likelihood of that pass and the relative change to the quantities
    re-estimated from it (see ``_rel_change`` for ``floors``). ``clip`` replaces negative
    state variances by 0 in the filter.
    ``S_last`` receives the state path of the last completed pass.

    Returns ``(n_done, status)`` with status ``STATUS_PASSES``, ``STATUS_TOL`` or
    ``STATUS_BREAKDOWN`` (pass ``n_done + 1`` produced non-finite values; its row is filled
    with the quantities that broke it and NaN log-likelihood).
    """
    n, k = X.shape
    S = np.empty((n, k))
    qf = np.empty(k)
    C0 = np.zeros((k, k))
    a = a0
    r = r0
    q = q0.copy()
    c0 = cov00.copy()
    g11 = gamma11_johansen
    q_new = np.empty(k)
    c0_new = np.empty(k)
    for p in range(passes):
        tr_a[p] = a
        tr_r[p] = r
        tr_g11[p] = g11
        for j in range(k):
            tr_q[p, j] = q[j]
            tr_cov0[p, j] = c0[j]
        for j in range(k):
            qf[j] = max(q[j], 0.0) if clip else q[j]
            C0[j, j] = c0[j]
        llf, finite = seed_pass(y, X, a, qf, r, beta0, C0, smooth, S)
        if not finite:
            tr_llf[p] = np.nan
            tr_rel[p] = np.nan
            return p, STATUS_BREAKDOWN
        a_new, r_new, g_new = seed_moments(y, X, S, beta_m_mode, bm_johansen, gamma_mode,
                                           gamma11_johansen, q_new, c0_new)
        ok = math.isfinite(a_new) and math.isfinite(r_new)
        for j in range(k):
            ok = ok and math.isfinite(q_new[j]) and math.isfinite(c0_new[j])
        if not ok:
            tr_llf[p] = np.nan
            tr_rel[p] = np.nan
            return p, STATUS_BREAKDOWN
        tr_llf[p] = llf
        rel = _rel_change(a, r, q, a_new, r_new, q_new, floors)
        tr_rel[p] = rel
        for t in range(n):
            for j in range(k):
                S_last[t, j] = S[t, j]
        if tol > 0.0 and rel <= tol:
            return p + 1, STATUS_TOL
        a = a_new
        r = r_new
        g11 = g_new
        for j in range(k):
            q[j] = q_new[j]
            c0[j] = c0_new[j]
    return passes, STATUS_PASSES
