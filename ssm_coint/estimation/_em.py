r"""Exact EM calibration of the constrained hedge-ratio model: :func:`fit_em`.

The E-step (the Kalman core's exact diffuse smoother), the closed-form M-step, the score by
Fisher's identity and why the likelihood never decreases are in
:mod:`ssm_coint.estimation._em_steps`. This module runs them: SQUAREM acceleration with a
monotone safeguard, the stopping rule on the relative gain and the score, the standard errors
and the results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import kalman
from ..calibration import Calibration
from ..exceptions import ModelSpecificationError
from ._em_steps import ALPHA_MAX as _ALPHA_MAX
from ._em_steps import e_step as _estep
from ._em_steps import m_step as _mstep
from ._em_steps import score as _score
from ._mle import hedge_model

__all__ = ["fit_em", "em_smoother", "EMSmoothed", "EMCalibration"]

_EM_INITS = ("diffuse", "known", "chan")


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
    try:
        sm = model.core_smoother(np.asarray(full, float))
    except ValueError:  # unidentified start or non-positive variance: recorded in ``ok``
        n, k = model.nobs, model.k_states
        return EMSmoothed(np.full((n, k), np.nan), np.full((n, k, k), np.nan),
                          np.full((max(n - 1, 0), k, k), np.nan), math.nan, False)
    return EMSmoothed(sm.smoothed_state, sm.smoothed_state_cov, sm.smoothed_state_autocov,
                      sm.llf, True)


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
        self.y, self.X = model._compiled_data()
        self.free = free_mask
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
                      np.ascontiguousarray(s["P1"], dtype=np.float64),
                      kalman.diffuse_columns(s["Pinf1"]))

    def mstep(self, theta: np.ndarray, mom) -> np.ndarray:
        self.n_mstep += 1
        new, capped = _mstep(self.y, self.X, mom[0], mom[1], mom[2], mom[3], theta, self.free)
        self.capped |= bool(capped)
        return new

    def record(self, kind: str, theta: np.ndarray, llf: float) -> None:
        self.rows.append((self.n_mstep, kind, float(llf), theta.copy()))

    def score_u(self, theta: np.ndarray, mom) -> np.ndarray:
        """Score of the free parameters in the SQUAREM coordinates (0 if fixed)."""
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
        return out  # NaN where the score is undefined: then EM never declares convergence

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
