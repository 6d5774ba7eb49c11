r"""Dense ground truth for the Kalman core: the joint Gaussian of states and observations.

Used only by the tests; it shares no code with ``ssm_coint`` and runs no recursion. For the
model :math:`y_t = z_t\beta_t + \varepsilon_t`, :math:`\beta_{t+1} = c + T\beta_t + w_t`
(diagonal T), :math:`\beta_1 = a_1 + D\delta + \eta`, :math:`\eta \sim N(0, P_1)` and a flat
prior on :math:`\delta`, build given :math:`\delta`

- the means :math:`E\beta_t = \mu_t + \Phi_tD\delta` (:math:`\mu_1 = a_1`,
  :math:`\mu_{t+1} = c + T\mu_t`, :math:`\Phi_t = T^{t-1}`);
- the covariances :math:`\Sigma_t = \operatorname{Var}\beta_t` (:math:`\Sigma_1 = P_1`,
  :math:`\Sigma_{t+1} = T\Sigma_tT + Q`), :math:`\operatorname{Cov}(\beta_t, \beta_s) =
  T^{t-s}\Sigma_s` for :math:`s \le t`, hence :math:`\operatorname{Cov}(\beta_t, y_s)` and
  :math:`\Omega = \operatorname{Var}(y)`.

With :math:`\Omega = LL'`, :math:`e = L^{-1}(y - Ey|_{\delta=0})`, :math:`H = L^{-1}\partial
Ey/\partial\delta` and :math:`X = L^{-1}\operatorname{Cov}(y, \beta_t)`, conditioning on
:math:`y_{1..t}` uses the first t rows of these (L is lower triangular), and integrating the
flat :math:`\delta` out (GLS) gives, with :math:`S_t = H_{1:t}'H_{1:t}`,
:math:`\hat\delta_t = S_t^{-1}H_{1:t}'e_{1:t}` and :math:`J = G_b - X_{1:t}'H_{1:t}`:

.. math::

    E[\beta_t \mid y_{1..t}] = \mu_t + X_{1:t}'e_{1:t} + J\hat\delta_t,\qquad
    \operatorname{Var} = \Sigma_t - X_{1:t}'X_{1:t} + JS_t^{-1}J',

the prediction error :math:`v_t = L_{tt}(e_t - H_t\hat\delta_{t-1})` with variance
:math:`L_{tt}^2(1 + H_tS_{t-1}^{-1}H_t')`, and the same with all n rows for the smoothed moments
(and :math:`\operatorname{Cov}(\beta_{t+1}, \beta_t) = T\Sigma_t` for the lag-one covariance).
O(n^3): for data sets of up to a few thousand observations.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular


def dense_moments(y, X, tdiag, cvec, q, r, a1, P1, D):
    """Dict of exact filtered/smoothed moments, prediction errors and llf (NaN = undefined)."""
    y = np.asarray(y, float)
    X = np.asarray(X, float)
    n, k = X.shape
    tau = np.asarray(tdiag, float)
    D = np.asarray(D, float).reshape(k, -1)
    d = D.shape[1]
    mu = np.empty((n, k))
    Phi = np.empty((n, k))
    Sig = np.empty((n, k, k))
    mu[0], Phi[0], Sig[0] = a1, 1.0, P1
    for t in range(1, n):
        mu[t] = cvec + tau * mu[t - 1]
        Phi[t] = tau * Phi[t - 1]
        Sig[t] = tau[:, None] * Sig[t - 1] * tau[None, :] + np.diag(q)
    Gb = Phi[:, :, None] * D[None, :, :]  # (n, k, d)
    lag = np.subtract.outer(np.arange(n), np.arange(n))  # t - s
    pw = tau[None, None, :] ** np.abs(lag)[:, :, None]  # [t, s, i] = tau_i^|t-s|
    Sz = np.einsum("sij,sj->si", Sig, X)
    low = pw * Sz[None, :, :]  # s <= t: tau_i^(t-s) (Sigma_s z_s')_i
    high = np.einsum("tij,tsj->tsi", Sig, pw * X[None, :, :])  # s > t: Sigma_t T^(s-t) z_s'
    Cby = np.where((lag >= 0)[:, :, None], low, high)  # Cov(beta_t, y_s): [t, s, i]
    Om = np.einsum("ti,tsi->ts", X, Cby) + r * np.eye(n)
    L = np.linalg.cholesky(0.5 * (Om + Om.T))
    e = solve_triangular(L, y - np.einsum("ti,ti->t", X, mu), lower=True)
    H = solve_triangular(L, np.einsum("ti,tij->tj", X, Gb), lower=True)  # (n, d)
    Xw = solve_triangular(L, Cby.transpose(1, 0, 2).reshape(n, n * k), lower=True)
    Xw = Xw.reshape(n, n, k)  # [s, t, i] = (L^-1 Cov(y, beta_t))_s
    llf = (-0.5 * n * np.log(2 * np.pi) - np.log(np.diag(L)).sum())
    S_all = H.T @ H
    s_all = H.T @ e
    if d:
        llf += -0.5 * np.linalg.slogdet(S_all)[1] - 0.5 * (e @ e - s_all @ np.linalg.solve(S_all,
                                                                                        s_all))
    else:
        llf += -0.5 * e @ e
    # prefix sums for the filter (rows s <= t)
    mask = (np.arange(n)[:, None] <= np.arange(n)[None, :]).astype(float)  # [s, t]
    Xm = Xw * mask[:, :, None]
    XtE = np.einsum("sti,s->ti", Xm, e)
    XtX = np.einsum("sti,stj->tij", Xm, Xw)
    XtH = np.einsum("sti,sj->tij", Xm, H)
    S_pre = np.cumsum(H[:, :, None] * H[:, None, :], axis=0)  # (n, d, d)
    s_pre = np.cumsum(H * e[:, None], axis=0)
    filt = np.full((n, k), np.nan)
    filt_cov = np.full((n, k, k), np.nan)
    v = np.full(n, np.nan)
    F = np.full(n, np.nan)
    ident = np.zeros(n, bool)
    dhat = [None] * n
    Sinv = [None] * n
    for t in range(n):
        if d:
            w = np.linalg.eigvalsh(S_pre[t])
            if w.min() <= 1e-10 * max(w.max(), 1e-300):
                continue
            Sinv[t] = np.linalg.inv(S_pre[t])
            dhat[t] = Sinv[t] @ s_pre[t]
        else:
            Sinv[t] = np.zeros((0, 0))
            dhat[t] = np.zeros(0)
        ident[t] = True
        J = Gb[t] - XtH[t]
        filt[t] = mu[t] + XtE[t] + J @ dhat[t]
        filt_cov[t] = Sig[t] - XtX[t] + J @ Sinv[t] @ J.T
    for t in range(n):
        prev_ok = ident[t - 1] if t > 0 else d == 0
        if not prev_ok:
            continue
        Ltt = L[t, t]
        if t == 0:
            v[t], F[t] = Ltt * e[t], Ltt ** 2
        else:
            v[t] = Ltt * (e[t] - H[t] @ dhat[t - 1])
            F[t] = Ltt ** 2 * (1 + H[t] @ Sinv[t - 1] @ H[t])
    # smoothed: all rows
    Sinv_n = np.linalg.inv(S_all) if d else np.zeros((0, 0))
    dhat_n = Sinv_n @ s_all if d else np.zeros(0)
    XE = np.einsum("sti,s->ti", Xw, e)
    XX = np.einsum("sti,stj->tij", Xw, Xw)
    J = Gb - np.einsum("sti,sj->tij", Xw, H)
    sm = mu + XE + np.einsum("tij,j->ti", J, dhat_n)
    sm_cov = Sig - XX + np.einsum("tij,jl,tml->tim", J, Sinv_n, J)
    # Cov(beta_{t+1}, beta_t) = T Sigma_t
    auto = (tau[None, :, None] * Sig[:-1] - np.einsum("sti,stj->tij", Xw[:, 1:], Xw[:, :-1])
            + np.einsum("tij,jl,tml->tim", J[1:], Sinv_n, J[:-1]))
    return {"llf": llf, "filtered_state": filt, "filtered_state_cov": filt_cov,
            "forecast_error": v, "forecast_error_var": F, "smoothed_state": sm,
            "smoothed_state_cov": sm_cov, "smoothed_state_autocov": auto,
            "identified": ident}
