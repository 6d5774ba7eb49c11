"""Local maximisation of the hedge-ratio likelihood with the compiled filter.

The optimiser works on an internal, well-scaled parameterisation of the *free* parameters:

* alpha: :math:`u = \\operatorname{artanh}(\\alpha)` (alpha in (-1, 1));
* c: :math:`u = c / s_c`;
* a variance :math:`\\sigma^2_j`: :math:`u = \\sqrt{\\sigma^2_j / s_j}`, so zero is reachable;
  the observation variance is floored: :math:`r = s_r(10^{-8} + u^2)` (see ``OBS_FLOOR``).

The scales :math:`s` come from the OLS residual variance, so that every internal coordinate is of
order one. Gradients are central finite differences of the exact log-likelihood (step 1e-5 in
internal units), and L-BFGS-B does the search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize

from .._threads import single_blas_thread
from ._score import analytic_score_available, loglike_and_score

__all__ = ["LocalFit", "Objective", "parameter_scales", "OBS_FLOOR"]

#: Lower bound of the observation variance during optimisation, as a fraction of the OLS
#: residual variance. Below it the covariance recursions (P - M M'/F with F ~ r) lose all
#: precision in floating point and the computed likelihood becomes garbage that an optimiser
#: can climb (seen on EWC/EWA: a spurious llf of -160 at r = 4e-15, whose exact value is -372).

_ALPHA_MAX = 1.0 - 1e-12
OBS_FLOOR = 1e-8


@dataclass
class LocalFit:
    """Outcome of one local maximisation (parameters over the model's full parameter list)."""

    full: np.ndarray
    llf: float
    converged: bool
    nit: int
    nfev: int
    label: str
    message: str = ""
    extra: dict = field(default_factory=dict)


def parameter_scales(model) -> np.ndarray:
    """Typical magnitude of every parameter (full list), from the static OLS fit.

    Returns
    -------
    ndarray
        For alpha 1; for c the residual s.d. / 10; for ``sigma2.intercept`` V/100; for a hedge
        ratio variance V / (100 mean(x_j^2)); for ``sigma2.obs`` V, where V is the OLS residual
        variance of y on (1, x_2..x_k).
    """
    y = np.asarray(model.endog[:, 0], float)
    Z = model._design_rows
    ok = np.isfinite(y)
    coef, *_ = np.linalg.lstsq(Z[ok], y[ok], rcond=None)
    V = float(np.var(y[ok] - Z[ok] @ coef))
    if not V > 0:
        V = float(np.var(y[ok])) or 1.0
    k = model.k_states
    s = np.empty(3 + k)
    s[0] = 1.0
    s[1] = np.sqrt(V) / 10
    s[2] = V / 100
    for j in range(1, k):
        s[2 + j] = V / (100 * float(np.mean(Z[ok, j] ** 2)))
    s[2 + k] = V
    return s


class Objective:
    """Negative mean log-likelihood of a model over a chosen set of free parameters.

    Parameters
    ----------
    model : HedgeRatioModel
    free : list of str
        Names (from ``model.all_param_names``) that vary; the others stay at ``base``.
    base : ndarray
        Full constrained parameter vector giving the values of the non-free parameters.
    gradient : {"numerical", "analytic"}
        Central differences (default), or the exact score by Fisher's identity where it
        applies (an exact diffuse start; :mod:`ssm_coint.estimation._score`), differences
        elsewhere. The analytic score costs one smoother pass, 7-11 times a likelihood-only
        pass on Chan's pair and triplet, so it is not yet faster than differences there.
    """

    def __init__(self, model, free: list[str], base: np.ndarray, *,
                 gradient: str = "numerical") -> None:
        if gradient not in ("numerical", "analytic"):
            raise ValueError(f"gradient must be 'numerical' or 'analytic', got {gradient!r}")
        self.model = model
        self.names = model.all_param_names
        self.idx = np.array([self.names.index(n) for n in free], dtype=int)
        self.kinds = [
            "alpha" if n == "alpha" else "c" if n == "c" else "obs" if n == "sigma2.obs"
            else "var" for n in free
        ]
        self.base = np.asarray(base, float).copy()
        self.scales = parameter_scales(model)[self.idx]
        self.n = int(np.sum(np.isfinite(model.endog[:, 0])))
        self.nfev = 0
        #: gradients from Fisher's identity (one smoother pass) when asked and exact here
        self.analytic = gradient == "analytic" and analytic_score_available(model)
        self.ngev = 0

    def to_internal(self, full: np.ndarray) -> np.ndarray:
        """Full constrained vector -> internal coordinates of the free parameters."""
        vals = np.asarray(full, float)[self.idx]
        u = np.empty(len(vals))
        for i, (kind, v, s) in enumerate(zip(self.kinds, vals, self.scales, strict=True)):
            if kind == "alpha":
                u[i] = np.arctanh(np.clip(v, -_ALPHA_MAX, _ALPHA_MAX))
            elif kind == "c":
                u[i] = v / s
            elif kind == "obs":
                u[i] = np.sqrt(max(v / s - OBS_FLOOR, 0.0))
            else:
                u[i] = np.sqrt(max(v, 0.0) / s)
        return u

    def to_full(self, u: np.ndarray) -> np.ndarray:
        """Internal coordinates -> full constrained vector."""
        full = self.base.copy()
        for i, (kind, x, s) in enumerate(zip(self.kinds, u, self.scales, strict=True)):
            if kind == "alpha":
                full[self.idx[i]] = np.tanh(x)
            elif kind == "c":
                full[self.idx[i]] = x * s
            elif kind == "obs":
                full[self.idx[i]] = (OBS_FLOOR + x * x) * s
            else:
                full[self.idx[i]] = x * x * s
        return full

    def loglike(self, u: np.ndarray) -> float:
        """Exact log-likelihood at internal coordinates ``u``."""
        self.nfev += 1
        full = self.to_full(u)
        if full[-1] <= 0:
            return -np.inf
        return self.model.fast_loglike(full)

    def _dfull_du(self, u: np.ndarray) -> np.ndarray:
        """Derivative of each free constrained parameter with respect to its coordinate."""
        d = np.empty(len(u))
        for i, (kind, x, s) in enumerate(zip(self.kinds, u, self.scales, strict=True)):
            if kind == "alpha":
                d[i] = 1.0 - np.tanh(x) ** 2
            elif kind == "c":
                d[i] = s
            else:  # variances: (floor +) x^2 s
                d[i] = 2.0 * x * s
        return d

    def analytic_value_and_grad(self, u: np.ndarray) -> tuple[float, np.ndarray] | None:
        """Log-likelihood and its exact gradient in ``u`` (Fisher's identity), or None where
        that is not available (then :meth:`value_and_grad` uses differences)."""
        if not self.analytic:
            return None
        full = self.to_full(u)
        if full[-1] <= 0:
            return None
        self.nfev += 1
        self.ngev += 1
        out = loglike_and_score(self.model, full)
        if out is None:
            return None
        llf, g_full = out
        return llf, g_full[self.idx] * self._dfull_du(u)

    def value_and_grad(self, u: np.ndarray, h: float = 1e-5) -> tuple[float, np.ndarray]:
        """Negative mean log-likelihood and its gradient: exact (Fisher's identity) for the
        exact diffuse start, central differences otherwise or where the score is undefined."""
        exact = self.analytic_value_and_grad(u)
        if exact is not None:
            return -exact[0] / self.n, -exact[1] / self.n
        f0 = self.loglike(u)
        g = np.empty(len(u))
        for i in range(len(u)):
            e = np.zeros(len(u))
            e[i] = h
            g[i] = (self.loglike(u + e) - self.loglike(u - e)) / (2 * h)
        if not np.isfinite(f0) or not np.all(np.isfinite(g)):
            return 1e10, np.zeros(len(u))
        return -f0 / self.n, -g / self.n

    def _neg_mean(self, u: np.ndarray) -> float:
        f = self.loglike(u)
        return -f / self.n if np.isfinite(f) else np.inf

    def hessian(self, u: np.ndarray, h: float = 1e-4) -> np.ndarray:
        """Central finite-difference Hessian of the negative mean log-likelihood at ``u``."""
        p = len(u)
        H = np.empty((p, p))
        f0 = self._neg_mean(u)
        for i in range(p):
            ei = np.zeros(p)
            ei[i] = h
            H[i, i] = (self._neg_mean(u + ei) - 2 * f0 + self._neg_mean(u - ei)) / h**2
            for j in range(i):
                ej = np.zeros(p)
                ej[j] = h
                H[i, j] = H[j, i] = (
                    self._neg_mean(u + ei + ej) - self._neg_mean(u + ei - ej)
                    - self._neg_mean(u - ei + ej) + self._neg_mean(u - ei - ej)
                ) / (4 * h * h)
        return H

    def _preconditioner(self, u: np.ndarray) -> np.ndarray:
        """Whitening matrix A (u = u0 + A v) from the eigen-floored finite-difference Hessian."""
        H = self.hessian(u)
        if not np.all(np.isfinite(H)):
            return np.eye(len(u))
        w, V = np.linalg.eigh(0.5 * (H + H.T))
        w = np.abs(w)
        w = np.maximum(w, 1e-8 * max(w.max(), 1e-12) + 1e-12)
        return V / np.sqrt(w)

    def maximize(self, start_full: np.ndarray, label: str, *, rounds: int = 4,
                 maxiter: int = 500) -> LocalFit:
        """Preconditioned, restarted L-BFGS (see :meth:`_maximize`) with one BLAS thread."""
        with single_blas_thread():
            return self._maximize(start_full, label, rounds=rounds, maxiter=maxiter)

    def _maximize(self, start_full: np.ndarray, label: str, *, rounds: int,
                  maxiter: int) -> LocalFit:
        """Preconditioned L-BFGS from ``start_full``, restarted until the gradient vanishes.

        Each round whitens the coordinates with the (eigenvalue-floored) finite-difference Hessian
        at the current point, so that the strong curvature in alpha near one (and the alpha/c
        correlation) does not stall the line search, then runs L-BFGS-B. Convergence: the
        gradient of the log-likelihood in whitened coordinates below 1e-4 in sup norm.
        """
        u = self.to_internal(start_full)
        self.nfev = 0
        if len(u) == 0:
            llf = self.loglike(u)
            return LocalFit(self.to_full(u), llf, True, 0, 1, label)
        nit = 0
        converged = False
        message = ""
        f_cur = self.loglike(u)
        for _ in range(rounds):
            A = self._preconditioner(u)
            u0 = u.copy()

            def fg(v, A=A, u0=u0):
                f, g = self.value_and_grad(u0 + A @ v)
                return f, A.T @ g

            res = minimize(fg, np.zeros(len(u)), jac=True, method="L-BFGS-B",
                           options={"maxiter": maxiter, "gtol": 1e-10, "ftol": 1e-14,
                                    "maxcor": 20})
            nit += int(res.nit)
            message = str(res.message)
            u_new = u0 + A @ res.x
            f_new = self.loglike(u_new)
            gain = f_new - f_cur
            if f_new >= f_cur:
                u, f_cur = u_new, f_new
            _, g = self.value_and_grad(u)
            # stationary: a fresh, re-whitened restart gains nothing, or the gradient of the
            # log-likelihood is negligible in the (order-one) internal coordinates
            if gain < 1e-6 or float(np.max(np.abs(g))) * self.n < 1e-4:
                converged = True
                break
        full = self.to_full(u)
        return LocalFit(full, self.model.fast_loglike(full), converged, nit, self.nfev, label,
                        message)
