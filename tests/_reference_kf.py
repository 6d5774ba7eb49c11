"""Independent plain-NumPy Kalman filter and RTS smoother, written from Durbin & Koopman (2012).

Used only by the tests, as the reference the package is checked against. It shares no code with
``ssm_coint``: matrices are built here from the parameters, the diffuse phase uses the
Koopman-Durbin univariate formulas (DK 2012, eqs. 5.12-5.14) written as full-matrix products, and
ends after as many diffuse updates as P_inf has rank.
"""

from __future__ import annotations

import numpy as np


def build(params: dict, k: int):
    """T, c, Q, r from named parameters ``alpha, c, q (list), r``."""
    T = np.eye(k)
    T[0, 0] = params["alpha"]
    c = np.zeros(k)
    c[0] = params["c"]
    Q = np.diag(params["q"])
    return T, c, Q, float(params["r"])


def kalman(y, Z, T, c, Q, r, a1, P1, Pinf1=None):
    """Filter; returns dict with llf, v, F, filtered a/P, predicted a/P and nobs_diffuse."""
    n, k = Z.shape
    a, P = a1.astype(float).copy(), P1.astype(float).copy()
    Pinf = np.zeros((k, k)) if Pinf1 is None else Pinf1.astype(float).copy()
    rank = np.linalg.matrix_rank(Pinf) if Pinf.any() else 0
    used = 0
    out = {k_: [] for k_ in ("v", "F", "af", "Pf", "ap", "Pp", "llf")}
    nd = 0
    for t in range(n):
        z = Z[t]
        out["ap"].append(a.copy())
        out["Pp"].append(P.copy())
        v = y[t] - z @ a
        F = z @ P @ z + r
        diffuse = used < rank
        Finf = z @ Pinf @ z if diffuse else 0.0
        if diffuse and Finf > 1e-10:
            nd += 1
            used += 1
            Kinf = Pinf @ z / Finf
            Kstar = (P @ z - Kinf * F) / Finf
            a = a + Kinf * v
            Lo = np.eye(k) - np.outer(Kinf, z)
            P = P @ Lo.T - Pinf @ np.outer(z, Kstar)
            Pinf = Pinf @ Lo.T
            ll = -0.5 * (np.log(2 * np.pi) + np.log(Finf))
        else:
            if diffuse:
                nd += 1
            K = P @ z / F
            a = a + K * v
            P = P - np.outer(K, z) @ P
            ll = -0.5 * (np.log(2 * np.pi) + np.log(F) + v * v / F)
        if used >= rank:
            Pinf = np.zeros((k, k))
        out["v"].append(v)
        out["F"].append(F)
        out["llf"].append(ll)
        out["af"].append(a.copy())
        out["Pf"].append(P.copy())
        a = c + T @ a
        P = T @ P @ T.T + Q
        Pinf = T @ Pinf @ T.T
    res = {k_: np.array(v_) for k_, v_ in out.items()}
    res["nobs_diffuse"] = nd
    res["T"] = T
    return res


def rts(filt: dict, start: int = 0):
    """Rauch-Tung-Striebel smoother over t >= start (valid where the filter is non-diffuse)."""
    af, Pf, ap, Pp, T = filt["af"], filt["Pf"], filt["ap"], filt["Pp"], filt["T"]
    n = len(af)
    a_s = af.copy()
    P_s = Pf.copy()
    for t in range(n - 2, start - 1, -1):
        J = Pf[t] @ T.T @ np.linalg.inv(Pp[t + 1])
        a_s[t] = af[t] + J @ (a_s[t + 1] - ap[t + 1])
        P_s[t] = Pf[t] + J @ (P_s[t + 1] - Pp[t + 1]) @ J.T
    return a_s, P_s


def dense_diffuse_llf(y, X, full):
    r"""Exact diffuse log-likelihood :math:`\lim_\kappa[\log p_\kappa(y) + \frac k2\log\kappa]`.

    y = H_delta delta + off + e with e ~ N(0, Sigma) (state noise and measurement noise);
    integrating a flat delta gives
    -n/2 log 2pi - 1/2 log|Sigma| - 1/2 log|S| - 1/2 (e'Sigma^-1 e - s'S^-1 s).
    """
    n, k = X.shape
    alpha, c, q, r = full[0], full[1], full[2:2 + k], full[2 + k]
    tdiag = np.r_[alpha, np.ones(k - 1)]
    t = np.arange(n)
    Hd = X * tdiag[None, :] ** t[:, None]
    level = c * (1 - alpha ** t) / (1 - alpha) if alpha != 1 else c * t
    off = X[:, 0] * level
    Sig = r * np.eye(n)
    mn = np.minimum.outer(t, t)
    for j in range(k):
        a = tdiag[j]
        if a == 1:
            K = mn.astype(float)
        else:
            K = a ** np.abs(np.subtract.outer(t, t)) * (1 - a ** (2 * mn)) / (1 - a ** 2)
        Sig += q[j] * np.outer(X[:, j], X[:, j]) * K
    L = np.linalg.cholesky(Sig)
    we = np.linalg.solve(L, y - off)
    wH = np.linalg.solve(L, Hd)
    S = wH.T @ wH
    s = wH.T @ we
    return float(-0.5 * n * np.log(2 * np.pi) - np.log(np.diag(L)).sum()
                 - 0.5 * np.linalg.slogdet(S)[1] - 0.5 * (we @ we - s @ np.linalg.solve(S, s)))
