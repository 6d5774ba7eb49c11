r"""The forward pass: the exact diffuse Kalman filter by square-root augmentation.

This is the package's only forward Kalman recursion. Model, for a scalar observation and a
diagonal transition :math:`T = \operatorname{diag}(\tau_1, \dots, \tau_k)` (any diagonal):

.. math::

    y_t = z_t\beta_t + \varepsilon_t,\ \varepsilon_t \sim N(0, r),\qquad
    \beta_{t+1} = c + T\beta_t + w_t,\ w_t \sim N(0, \operatorname{diag}(q)),\qquad
    \beta_1 = a_1 + D\delta + \eta,\ \eta \sim N(0, P_1),

with :math:`\delta` (d-vector) under a flat prior: ``D`` holds the diffuse directions
(:math:`D D' = P_{\infty,1}`), ``d = 0`` is a known start.

Augmentation (de Jong 1991). Run the ordinary filter from :math:`(a_1, P_1)` and carry the
:math:`k \times d` matrix :math:`A_t` with :math:`E[\beta_t \mid y_{1..t-1}, \delta] = a_t +
A_t\delta`:

.. math::

    v_t = y_t - z_ta_t,\quad M_t = P_tz_t',\quad F_t = z_tM_t + r,\quad
    a_{t|t} = a_t + M_tv_t/F_t,\quad A_{t|t} = A_t - M_t(z_tA_t)/F_t,\quad
    P_{t|t} = P_t - M_tM_t'/F_t,

    a_{t+1} = c + Ta_{t|t},\quad A_{t+1} = TA_{t|t},\quad
    P_{t+1} = TP_{t|t}T + \operatorname{diag}(q).

The whitened rows :math:`[z_tA_t,\ v_t]/\sqrt{F_t}` are merged by Givens rotations into an upper
triangular :math:`(d+1)\times(d+1)` matrix :math:`R` (square-root information form), so that with
:math:`S = \sum_t A_t'z_t'z_tA_t/F_t = R_{11}'R_{11}`, :math:`s = R_{11}'\rho`
(:math:`\rho = R_{1:d,d+1}`) the exact diffuse log-likelihood (Koopman & Durbin; statsmodels'
and KFAS' constant) is

.. math::

    \ell = -\tfrac12\sum_t\big(\log 2\pi F_t + v_t^2/F_t\big) - \tfrac12\log|S|
           + \tfrac12 s'S^{-1}s
         = -\tfrac12\sum_t\log 2\pi F_t - \tfrac12 R_{d+1,d+1}^2 - \sum_{i\le d}\log R_{ii},

without the cancellation of the naive form. The posterior of :math:`\delta` given
:math:`y_{1..t}` is :math:`N(\hat\delta_t, S_t^{-1})`, :math:`\hat\delta_t = R_{11}^{-1}\rho`, so
the exact filtered state and its covariance, once :math:`S_t` is positive definite, are

.. math::

    \hat\beta_{t|t} = a_{t|t} + A_{t|t}\hat\delta_t,\qquad
    P^{\text{exact}}_{t|t} = P_{t|t} + W_tW_t',\quad W_t = A_{t|t}R_{11}^{-1},

and the exact one-step prediction error of :math:`y_t` and its variance are
:math:`v_t - z_tA_t\hat\delta_{t-1}` and :math:`F_t + \|R_{11}^{-T}(z_tA_t)'\|^2`. Before the
first date where :math:`S_t` is positive definite (the flat prior is not yet proper), these are
undefined and returned as NaN. Identification is decided on :math:`R`: every
:math:`R_{ii} > 10^{-30}\max_j R_{jj}`. Before d informative rows the missing diagonal entries
are exact zeros (a Givens rotation against an empty row leaves exact zeros), so the test only
has to tell zero from positive; it is deliberately not a rank test at rounding level, because an
observation variance of 1e-30 legitimately makes one row weigh 1e15 times more than the others
and the row-by-row rotations stay accurate there (``tests/test_kalman_core.py`` checks the
log-likelihood is continuous as r -> 0). Exactly collinear regressors, the one case where a
rounding residue could pass for information, are refused by the data checks
(:func:`ssm_coint.check_regressors`).

When only the log-likelihood is wanted the filter collapses exactly onto the ordinary
recursions (:math:`a \leftarrow a + A\hat\delta`, :math:`P \leftarrow P + WW'`) once
:math:`S` is well conditioned (at least ``4d + 20`` observations and
:math:`\max R_{ii}/\min R_{ii} < 10^4`), and continues as a tight loop.

A NaN ``y_t`` is a missing observation: no update, no likelihood term.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import njit

__all__ = ["STORE_LLF", "STORE_FILTER", "STORE_SMOOTHER", "forward", "ordinary_tail"]

#: what :func:`forward` keeps: the log-likelihood only
STORE_LLF = 0
#: ... plus per-date cumulative llf, exact filtered states/covariances and prediction errors
STORE_FILTER = 1
#: ... plus the predicted moments the backward pass needs
STORE_SMOOTHER = 2

_LOG2PI = math.log(2.0 * math.pi)
_IDENT_RTOL = 1e-30
_COLLAPSE_COND = 1e4


@njit()
def _predict_cov(P, tdiag, q, unit_tail):  # pragma: no cover - compiled
    """P <- T P T + diag(q) for diagonal T (only row/column 0 when tdiag[1:] == 1)."""
    k = P.shape[0]
    if unit_tail:
        t0 = tdiag[0]
        if t0 != 1.0:
            for j in range(k):
                P[0, j] *= t0
                P[j, 0] *= t0
    else:
        for i in range(k):
            for j in range(k):
                P[i, j] *= tdiag[i] * tdiag[j]
    for i in range(k):
        P[i, i] += q[i]


@njit()
def ordinary_tail(y, X, start, tdiag, cvec, q, r, a, P):  # pragma: no cover - compiled
    """Sum of log densities from ``start`` on, from the predicted ``a``, ``P`` at ``start``.

    The ordinary filter (no diffuse part). ``a`` and ``P`` are updated in place. ``-inf`` when a
    forecast variance is not positive.
    """
    n, k = X.shape
    unit_tail = True
    for i in range(1, k):
        if tdiag[i] != 1.0:
            unit_tail = False
    total = 0.0
    M = np.empty(k)
    for t in range(start, n):
        yt = y[t]
        if not math.isnan(yt):
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
            if not F > 0.0:
                return -np.inf
            vf = v / F
            for i in range(k):
                a[i] += M[i] * vf
                mi = M[i] / F
                for j in range(k):
                    P[i, j] -= mi * M[j]
            total += -0.5 * (_LOG2PI + math.log(F) + v * vf)
        for i in range(k):
            a[i] = cvec[i] + tdiag[i] * a[i]
        _predict_cov(P, tdiag, q, unit_tail)
    return total


@njit()
def _solve_rt(R, b, d, out):  # pragma: no cover - compiled
    """Solve R11' u = b into ``out`` for the leading d x d upper-triangular block of R."""
    for i in range(d):
        acc = b[i]
        for m in range(i):
            acc -= R[m, i] * out[m]
        out[i] = acc / R[i, i]


@njit()
def _solve_r(R, d, out):  # pragma: no cover - compiled
    """Solve R11 x = R[:d, d] into ``out`` (the posterior mean of delta)."""
    for i in range(d - 1, -1, -1):
        acc = R[i, d]
        for m in range(i + 1, d):
            acc -= R[i, m] * out[m]
        out[i] = acc / R[i, i]


@njit()
def identified(R, d):  # pragma: no cover - compiled
    """Whether S = R11'R11 is positive definite, and the proxy max R_ii / min R_ii."""
    lmin = np.inf
    lmax = 0.0
    for i in range(d):
        lmin = min(lmin, R[i, i])
        lmax = max(lmax, R[i, i])
    if d == 0:
        return True, 1.0
    return lmin > _IDENT_RTOL * lmax and lmin > 0.0, (lmax / lmin if lmin > 0.0 else np.inf)


@njit()
def _llf_from_r(base, R, d):  # pragma: no cover - compiled
    total = base - 0.5 * R[d, d] * R[d, d]
    for i in range(d):
        total -= math.log(R[i, i])
    return total


@njit(error_model="numpy")
def forward(y, X, tdiag, cvec, q, r, a1, P1, D, store, allow_nonpositive):  # pragma: no cover
    """Run the augmented exact diffuse filter.

    Parameters
    ----------
    y : (n,) observations (NaN = missing); X : (n, k) design rows; tdiag, cvec, q : (k,);
    r : observation variance; a1 : (k,); P1 : (k, k); D : (k, d) diffuse directions;
    store : STORE_LLF, STORE_FILTER or STORE_SMOOTHER; allow_nonpositive : continue (with the
    log-likelihood set to NaN) when some F_t <= 0 instead of returning ``-inf`` at once
    (seed 000's recipe runs with negative variances).

    Returns
    -------
    tuple
        ``llf`` (NaN if the diffuse part is never identified, ``-inf`` on a non-positive
        F_t), then for STORE_FILTER and above (length-1 placeholders otherwise):
        ``cum`` (n,) cumulative exact llf, ``filt`` (n, k), ``filt_cov`` (n, k, k),
        ``v_exact`` (n,), ``F_exact`` (n,), ``t_ident`` (first identified date, -1 if none);
        and for STORE_SMOOTHER: predicted ``a_p`` (n, k), ``P_p`` (n, k, k), ``A_p`` (n, k, d),
        conditional errors ``v`` (n,), ``F`` (n,), ``M`` (n, k) = P_t z_t', ``zA`` (n, d),
        ``missing`` (n,), and the final square-root information ``R`` (d+1, d+1).
    """
    n, k = X.shape
    d = D.shape[1]
    unit_tail = True
    for i in range(1, k):
        if tdiag[i] != 1.0:
            unit_tail = False
    nf = n if store >= STORE_FILTER else 1
    ns = n if store >= STORE_SMOOTHER else 1
    cum = np.full(nf, np.nan)
    filt = np.full((nf, k), np.nan)
    filt_cov = np.full((nf, k, k), np.nan)
    v_ex = np.full(nf, np.nan)
    F_ex = np.full(nf, np.nan)
    a_p = np.zeros((ns, k))
    P_p = np.zeros((ns, k, k))
    A_p = np.zeros((ns, k, d))
    v_s = np.zeros(ns)
    F_s = np.ones(ns)
    M_s = np.zeros((ns, k))
    zA_s = np.zeros((ns, d))
    miss = np.zeros(ns, dtype=np.bool_)
    a = a1.copy()
    P = P1.copy()
    A = D.copy()
    R = np.zeros((d + 1, d + 1))
    row = np.empty(d + 1)
    M = np.empty(k)
    zA = np.empty(d)
    base = 0.0
    seen = 0
    bad = False
    t_ident = -1
    collapse_after = 4 * d + 20
    prev_ok = d == 0
    dhat_prev = np.zeros(d)
    R_prev = np.zeros((d + 1, d + 1))
    dhat = np.zeros(d)
    u = np.zeros(d)
    W = np.zeros((k, d))
    if store == STORE_LLF and d == 0:
        start = np.int64(0)  # not a literal 0: one compiled ordinary_tail serves both calls
        return (ordinary_tail(y, X, start, tdiag, cvec, q, r, a, P), cum, filt, filt_cov, v_ex,
                F_ex, t_ident, a_p, P_p, A_p, v_s, F_s, M_s, zA_s, miss, R)
    for t in range(n):
        yt = y[t]
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
        for j in range(d):
            acc = 0.0
            for i in range(k):
                acc += X[t, i] * A[i, j]
            zA[j] = acc
        if store >= STORE_SMOOTHER:
            for i in range(k):
                a_p[t, i] = a[i]
                M_s[t, i] = M[i]
                for j in range(k):
                    P_p[t, i, j] = P[i, j]
                for j in range(d):
                    A_p[t, i, j] = A[i, j]
            for j in range(d):
                zA_s[t, j] = zA[j]
            v_s[t] = v
            F_s[t] = F
            miss[t] = math.isnan(yt)
        if store >= STORE_FILTER and prev_ok:
            vc = v
            for j in range(d):
                vc -= zA[j] * dhat_prev[j]
            _solve_rt(R_prev, zA, d, u)
            Fc = F
            for j in range(d):
                Fc += u[j] * u[j]
            v_ex[t] = vc
            F_ex[t] = Fc
        if not math.isnan(yt):
            if not F > 0.0:
                if not allow_nonpositive:
                    return (-np.inf, cum, filt, filt_cov, v_ex, F_ex, t_ident, a_p, P_p, A_p,
                            v_s, F_s, M_s, zA_s, miss, R)
                bad = True
            else:
                base += -0.5 * (_LOG2PI + math.log(F))
                sf = 1.0 / math.sqrt(F)
                for j in range(d):
                    row[j] = zA[j] * sf
                row[d] = v * sf
                for i in range(d + 1):
                    x = row[i]
                    if x == 0.0:
                        continue
                    rr = R[i, i]
                    h = math.hypot(rr, x)
                    cg = rr / h
                    sg = x / h
                    R[i, i] = h
                    for j in range(i + 1, d + 1):
                        rij = R[i, j]
                        rj = row[j]
                        R[i, j] = cg * rij + sg * rj
                        row[j] = -sg * rij + cg * rj
                    row[i] = 0.0
            seen += 1
            vf = v / F
            for i in range(k):
                a[i] += M[i] * vf
                for j in range(d):
                    A[i, j] -= M[i] * zA[j] / F
            for i in range(k):
                mi = M[i] / F
                for j in range(k):
                    P[i, j] -= mi * M[j]
        if seen >= d:
            ok, cond = identified(R, d)
            if store == STORE_LLF:
                if ok and seen >= collapse_after and cond < _COLLAPSE_COND and not bad:
                    _solve_r(R, d, dhat)
                    total = _llf_from_r(base, R, d)
                    for i in range(k):
                        acc = a[i]
                        for j in range(d):
                            acc += A[i, j] * dhat[j]
                        a[i] = acc
                    for i in range(k):
                        _solve_rt(R, A[i], d, W[i])
                    for i in range(k):
                        for j in range(k):
                            acc = 0.0
                            for m in range(d):
                                acc += W[i, m] * W[j, m]
                            P[i, j] += acc
                    for i in range(k):
                        a[i] = cvec[i] + tdiag[i] * a[i]
                    _predict_cov(P, tdiag, q, unit_tail)
                    total += ordinary_tail(y, X, t + 1, tdiag, cvec, q, r, a, P)
                    return (total, cum, filt, filt_cov, v_ex, F_ex, t_ident, a_p, P_p, A_p,
                            v_s, F_s, M_s, zA_s, miss, R)
            elif ok:
                if t_ident < 0:
                    t_ident = t
                _solve_r(R, d, dhat)
                cum[t] = np.nan if bad else _llf_from_r(base, R, d)
                for i in range(k):
                    acc = a[i]
                    for j in range(d):
                        acc += A[i, j] * dhat[j]
                    filt[t, i] = acc
                    _solve_rt(R, A[i], d, W[i])
                for i in range(k):
                    for j in range(k):
                        acc = P[i, j]
                        for m in range(d):
                            acc += W[i, m] * W[j, m]
                        filt_cov[t, i, j] = acc
                prev_ok = True
                for j in range(d):
                    dhat_prev[j] = dhat[j]
                for i in range(d + 1):
                    for j in range(d + 1):
                        R_prev[i, j] = R[i, j]
            else:
                prev_ok = False
        for i in range(k):
            a[i] = cvec[i] + tdiag[i] * a[i]
            for j in range(d):
                A[i, j] *= tdiag[i]
        _predict_cov(P, tdiag, q, unit_tail)
    ok, _ = identified(R, d)
    if bad:
        llf = np.nan
    elif not ok:
        llf = np.nan
    else:
        llf = _llf_from_r(base, R, d)
    return (llf, cum, filt, filt_cov, v_ex, F_ex, t_ident, a_p, P_p, A_p, v_s, F_s, M_s, zA_s,
            miss, R)
