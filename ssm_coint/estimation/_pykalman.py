r"""pykalman's EM as an external reference, reported on the model's exact likelihood.

pykalman (``KalmanFilter.em``) fits the unconstrained linear Gaussian model

.. math::

    x_{t+1} = A x_t + b + N(0, Q), \qquad z_t = C_t x_t + d + N(0, R), \qquad
    x_0 \sim N(\mu_0, \Sigma_0),

where :math:`\mu_0, \Sigma_0` describe the state **at the first observation** (pykalman's
``predicted_state_means[0] = initial_state_mean``: no transition is applied before the first
update). That is :math:`a_1, P_1` of :class:`~ssm_coint.HedgeRatioModel` with
``initialization="known"``; with identical matrices the two filters give the same
log-likelihood (``tests/test_pykalman.py``).

Mapping onto the hedge-ratio model: :math:`C_t = z_t = (1, x_{2,t}, \dots, x_{k,t})` (time varying,
shape ``(n, 1, k)``, never estimated: estimating it would throw the regressors away),
:math:`d = 0`. pykalman's M-step is unconstrained: a full transition matrix :math:`A`, a full
offset vector :math:`b`, full covariances :math:`Q` and :math:`\Sigma_0`. Projected onto our
structure: ``alpha = A[0, 0]``, ``c = b[0]``, ``sigma2.<state> = diag(Q)``, ``sigma2.obs = R``.
The projection drops the off-diagonal elements of :math:`A` and :math:`Q`, the deviations of
:math:`A_{jj}` (j >= 2) from 1 and of :math:`b_j` (j >= 2) from 0, and the fitted initial state
(our default likelihood is exact diffuse); warnings give their sizes.
"""

from __future__ import annotations

import math
import time
import warnings as _warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..exceptions import ModelSpecificationError
from ._mle import hedge_model

__all__ = ["fit_pykalman_em", "PykalmanCalibration", "EM_VARS"]

#: pykalman parameters estimated by ``em_vars="all"`` and ``"restricted"``.
EM_VARS: dict[str, list[str]] = {
    "all": ["transition_matrices", "transition_offsets", "transition_covariance",
            "observation_covariance", "initial_state_mean", "initial_state_covariance"],
    "restricted": ["transition_covariance", "observation_covariance", "initial_state_mean",
                   "initial_state_covariance"],
}


@dataclass
class PykalmanCalibration(Calibration):
    """A :class:`~ssm_coint.Calibration` from pykalman's EM, projected onto our model.

    Attributes
    ----------
    pykalman_llf : float
        pykalman's own ``KalmanFilter.loglikelihood`` at its final (unconstrained) parameters and
        its fitted initial state.
    llf_known_init : float
        Our filter's log-likelihood at the projected parameters with pykalman's fitted initial
        state (``initialization="known"``): separates the effect of the projection from that of
        the initial state.
    pykalman_params : dict
        pykalman's final matrices (``transition_matrices``, ``transition_offsets``,
        ``transition_covariance``, ``observation_covariance``, ``initial_state_mean``,
        ``initial_state_covariance``) as arrays.
    em_vars : list of str
        The pykalman parameters EM estimated.
    projection_loss : dict
        Sizes of what the projection drops: ``transition_offdiag`` (max |A_ij|, i != j),
        ``transition_diag_not_one`` (max |A_jj - 1|, j >= 2), ``offset_not_zero``
        (max |b_j|, j >= 2), ``state_cov_offdiag_corr`` (max |correlation| in Q).
    """

    pykalman_llf: float = math.nan
    llf_known_init: float = math.nan
    pykalman_params: dict[str, np.ndarray] = field(default_factory=dict)
    em_vars: list[str] = field(default_factory=list)
    projection_loss: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary, with pykalman's own log-likelihood added."""
        out = super().to_dict()
        out["pykalman_llf"] = self.pykalman_llf if math.isfinite(self.pykalman_llf) else None
        out["llf_known_init"] = (self.llf_known_init if math.isfinite(self.llf_known_init)
                                 else None)
        out["em_vars"] = list(self.em_vars)
        return out


def _kalman_filter_class():
    try:
        from pykalman import KalmanFilter
    except ImportError as exc:  # pragma: no cover - pykalman is a dependency
        raise ImportError("fit_pykalman_em needs pykalman (pip install pykalman)") from exc
    return KalmanFilter


def pykalman_filter(model, full: Any, initial_state_mean: Any, initial_state_covariance: Any):
    """A pykalman ``KalmanFilter`` with exactly our model's matrices at ``full``.

    Parameters
    ----------
    model : HedgeRatioModel
    full : array_like
        Parameters over ``model.all_param_names``.
    initial_state_mean, initial_state_covariance : array_like
        :math:`a_1, P_1`: the state at the first observation (pykalman's convention, the same
        as ``initialization="known"``).
    """
    KalmanFilter = _kalman_filter_class()
    s = model.system(np.asarray(full, float))
    k = model.k_states
    return KalmanFilter(
        transition_matrices=np.diag(np.asarray(s["tdiag"], float)),
        transition_offsets=np.asarray(s["cvec"], float),
        transition_covariance=np.diag(np.asarray(s["q"], float)),
        observation_matrices=np.asarray(model._design_rows, float)[:, None, :],
        observation_offsets=np.zeros(1),
        observation_covariance=np.array([[float(s["r"])]]),
        initial_state_mean=np.asarray(initial_state_mean, float).reshape(k),
        initial_state_covariance=np.asarray(initial_state_covariance, float).reshape(k, k),
        n_dim_state=k, n_dim_obs=1,
    )


def _default_initial_state(model) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and ``V (Z'Z/n)^{-1}`` (seed 000's information-matrix formula)."""
    y = np.asarray(model.endog[:, 0], float)
    Z = model._design_rows
    ok = np.isfinite(y)
    coef, *_ = np.linalg.lstsq(Z[ok], y[ok], rcond=None)
    V = float(np.var(y[ok] - Z[ok] @ coef)) or 1.0
    cov = V * np.linalg.inv(Z[ok].T @ Z[ok] / ok.sum())
    return coef, 0.5 * (cov + cov.T)


def _start_full(model, start: Any) -> np.ndarray:
    from ._em import _start_vector

    return _start_vector(model, start)


def fit_pykalman_em(
    prices: pd.DataFrame,
    *,
    n_iter: int = 100,
    em_vars: str | Iterable[str] = "all",
    variant: str | None = None,
    start: Any = None,
    initial_state_mean: Any = None,
    initial_state_covariance: Any = None,
    initialization: str = "diffuse",
    fixed: Mapping[str, float] | None = None,
    trajectory: bool = False,
) -> PykalmanCalibration:
    r"""Run pykalman's EM on the hedge-ratio data and report it on our exact likelihood.

    Parameters
    ----------
    prices : DataFrame
        ``y, x_2..x_k`` columns.
    n_iter : int
        pykalman EM iterations (pykalman has no convergence test).
    em_vars : {"all", "restricted"} or list of str
        ``"all"``: everything pykalman can estimate without discarding the regressors
        (``transition_matrices``, ``transition_offsets``, ``transition_covariance``,
        ``observation_covariance``, ``initial_state_mean``, ``initial_state_covariance``; the
        observation matrices :math:`z_t` and offset stay fixed). ``"restricted"``: what maps
        onto our model, ``transition_covariance``, ``observation_covariance`` and the initial
        state, with the transition matrix and offset held at the start values (identity and
        zero for the default ``alpha1`` variant, i.e. Chan's structure); the covariance
        :math:`Q` is still estimated as a full matrix. A list is passed to pykalman as is.
    variant : {"full", "mu0", "alpha1"}, optional
        Our model the result is projected onto (default ``"full"`` for ``"all"`` and
        ``"alpha1"`` for ``"restricted"``). Its fixed parameters override the projection, with
        a warning where pykalman's value differs.
    start : array_like or Calibration, optional
        Starting values over our ``all_param_names`` (default the model's ``start_params``),
        mapped to :math:`A = \operatorname{diag}(\alpha, 1, \dots)`, :math:`b = (c, 0, \dots)`,
        :math:`Q = \operatorname{diag}(q)`, :math:`R = r`; the same start as :func:`fit_em`.
    initial_state_mean, initial_state_covariance : array_like, optional
        pykalman's initial state (default: the OLS coefficients and
        :math:`V\,(Z'Z/n)^{-1}`, V the OLS residual variance).
    initialization : str
        Initialization of *our* model for ``llf`` (default exact diffuse, the scale of every other
        method).
    fixed : mapping, optional
        Further fixed parameters of our model (applied to the projection).
    trajectory : bool
        Also record pykalman's log-likelihood and the projected parameters after each iteration
        (one extra filter pass per iteration, so off by default and in benchmarks).

    Returns
    -------
    PykalmanCalibration
        ``method="pykalman-em"``, ``params`` = the projection, ``llf`` = our model's exact
        log-likelihood there, ``pykalman_llf`` = pykalman's own; ``converged`` is False (a
        fixed number of iterations, no test), ``iterations = n_iter``.
    """
    t0 = time.perf_counter()
    if isinstance(em_vars, str):
        if em_vars not in EM_VARS:
            raise ModelSpecificationError(
                f"em_vars must be 'all', 'restricted' or a list of pykalman names, got "
                f"{em_vars!r}")
        vars_list = list(EM_VARS[em_vars])
        if variant is None:
            variant = "full" if em_vars == "all" else "alpha1"
    else:
        vars_list = [str(v) for v in em_vars]
        variant = variant or "full"
    if "observation_matrices" in vars_list or "observation_offsets" in vars_list:
        raise ModelSpecificationError(
            "estimating observation_matrices/offsets would replace the regressors z_t by a "
            "constant matrix; it does not map onto the hedge-ratio model")
    n_iter = int(n_iter)
    if n_iter < 0:
        raise ModelSpecificationError(f"n_iter must be >= 0, got {n_iter}")
    model = hedge_model(prices, variant=variant, fixed=fixed, initialization=initialization)
    names = model.all_param_names
    k = model.k_states
    full0 = _start_full(model, start)
    m0, P0 = _default_initial_state(model)
    if initial_state_mean is not None:
        m0 = np.asarray(initial_state_mean, float).reshape(k)
    if initial_state_covariance is not None:
        P0 = np.asarray(initial_state_covariance, float).reshape(k, k)
    kf = pykalman_filter(model, full0, m0, P0)
    y = np.asarray(model.endog[:, 0], float)
    obs = np.ma.masked_invalid(y)[:, None]
    rows: list[tuple[int, float, np.ndarray]] = []
    with _warnings.catch_warnings():
        # pykalman warns that time-varying parameters "will have dimension ..." after fitting;
        # ours (the observation matrices) are never estimated
        _warnings.filterwarnings("ignore", message=".*dimensions now; after fitting.*")
        if trajectory:
            rows.append((0, _pykalman_llf(kf, obs, []), full0.copy()))
            for i in range(n_iter):
                kf.em(obs, n_iter=1, em_vars=vars_list)
                rows.append((i + 1, _pykalman_llf(kf, obs, []), _project(kf, model, [])))
        elif n_iter > 0:
            kf.em(obs, n_iter=n_iter, em_vars=vars_list)
        runtime = time.perf_counter() - t0
        warns: list[str] = []
        pk_llf = _pykalman_llf(kf, obs, warns)
    full = _project(kf, model, warns)
    loss = _projection_loss(kf, k)
    warns.append(
        "pykalman's EM is unconstrained: the projection onto this model keeps A[0,0], b[0], "
        "diag(Q) and R and drops the rest (largest |A_ij|, i!=j: "
        f"{loss['transition_offdiag']:.3g}; largest |A_jj - 1|, j>=2: "
        f"{loss['transition_diag_not_one']:.3g}; largest |b_j|, j>=2: "
        f"{loss['offset_not_zero']:.3g}; largest |corr| in Q: "
        f"{loss['state_cov_offdiag_corr']:.3g}); its log-likelihood "
        f"{pk_llf:.4f} also uses its fitted initial state, ours the model's "
        f"{model.initialization_kind} initialization")
    _check_breakdown(kf, k, warns)
    free_vec = model.free_from_full(full)
    res = None
    llf = -math.inf
    if np.all(np.isfinite(full)) and full[2 + k] > 0:
        try:
            res = model.smooth(free_vec, cov_type="none")
            llf = float(res.llf)
        except (np.linalg.LinAlgError, ValueError) as exc:
            warns.append(f"the model cannot be evaluated at the projected parameters ({exc})")
    else:
        warns.append(f"projected observation variance {full[2 + k]:.3g} is not positive; the "
                     "model's log-likelihood there is -inf")
    pk_params = {
        "transition_matrices": np.asarray(kf.transition_matrices, float),
        "transition_offsets": np.asarray(kf.transition_offsets, float),
        "transition_covariance": np.asarray(kf.transition_covariance, float),
        "observation_covariance": np.asarray(kf.observation_covariance, float),
        "initial_state_mean": np.asarray(kf.initial_state_mean, float),
        "initial_state_covariance": np.asarray(kf.initial_state_covariance, float),
    }
    llf_known = _llf_known_init(prices, variant, fixed, full, pk_params)
    traj = None
    if trajectory:
        traj = pd.DataFrame(np.asarray([r[2] for r in rows]), columns=names)
        traj.insert(0, "pykalman_llf", [r[1] for r in rows])
        traj.insert(0, "iteration", [r[0] for r in rows])
        traj["llf"] = [model.fast_loglike(r[2]) for r in rows]
    return PykalmanCalibration(
        method="pykalman-em", variant=variant if not fixed else "custom",
        params=pd.Series(full, index=names), free=list(model.param_names), llf=llf,
        nobs=int(np.sum(np.isfinite(y))), runtime_s=runtime, iterations=n_iter,
        converged=False, warnings=warns, results=res, trajectory=traj,
        pykalman_llf=pk_llf, llf_known_init=llf_known, pykalman_params=pk_params,
        em_vars=vars_list, projection_loss=loss,
    )


def _pykalman_llf(kf, obs, warns: list[str]) -> float:
    """pykalman's ``loglikelihood``, NaN (with a warning) where pykalman itself fails."""
    try:
        return float(kf.loglikelihood(obs))
    except (np.linalg.LinAlgError, ValueError) as exc:
        warns.append(f"pykalman's loglikelihood fails at its own final parameters ({exc}); a "
                     "one-step forecast covariance is not positive definite")
        return math.nan


def _project(kf, model, warns: list[str]) -> np.ndarray:
    """pykalman's matrices -> our full parameter vector (fixed values win)."""
    names = model.all_param_names
    k = model.k_states
    A = np.asarray(kf.transition_matrices, float).reshape(k, k)
    b = np.asarray(kf.transition_offsets, float).reshape(k)
    Q = np.asarray(kf.transition_covariance, float).reshape(k, k)
    R = np.asarray(kf.observation_covariance, float).reshape(1, 1)
    full = np.empty(len(names))
    full[0] = A[0, 0]
    full[1] = b[0]
    full[2:2 + k] = np.maximum(np.diag(Q), 0.0)
    full[2 + k] = R[0, 0]
    if "alpha" not in model.fixed and abs(full[0]) > 1:
        warns.append(f"pykalman's A[0,0] = {full[0]:.6g} is explosive; projected alpha set to "
                     f"{math.copysign(1.0, full[0]):g}")
        full[0] = math.copysign(1.0, full[0])
    for n, v in model.fixed.items():
        i = names.index(n)
        if abs(full[i] - v) > 1e-12 * max(1.0, abs(v)):
            warns.append(f"{n} is fixed at {v:g} in the {model.fixed!r} model; pykalman's "
                         f"value {full[i]:.6g} is replaced")
        full[i] = v
    return full


def _check_breakdown(kf, k: int, warns: list[str]) -> None:
    """Warn when pykalman's EM has left the parameter space (indefinite covariances, explosive
    or non-finite transition), which happens on real prices (nearly collinear regressors)."""
    mats = {
        "transition_covariance": np.asarray(kf.transition_covariance, float).reshape(k, k),
        "observation_covariance": np.asarray(kf.observation_covariance, float).reshape(1, 1),
        "initial_state_covariance": np.asarray(kf.initial_state_covariance,
                                               float).reshape(k, k),
    }
    bad = []
    for name, M in mats.items():
        if not np.all(np.isfinite(M)):
            bad.append(f"{name} is not finite")
            continue
        w = float(np.min(np.linalg.eigvalsh(0.5 * (M + M.T))))
        if w < 0:
            bad.append(f"{name} has a negative eigenvalue ({w:.3g})")
    A = np.asarray(kf.transition_matrices, float).reshape(k, k)
    if not np.all(np.isfinite(A)):
        bad.append("the transition matrix is not finite")
    if bad:
        warns.append("pykalman's EM broke down numerically: " + "; ".join(bad))
    elif (rho := float(np.max(np.abs(np.linalg.eigvals(A))))) > 1.001:
        warns.append(f"pykalman's transition matrix is explosive (spectral radius {rho:.4g})")


def _projection_loss(kf, k: int) -> dict[str, float]:
    A = np.asarray(kf.transition_matrices, float).reshape(k, k)
    b = np.asarray(kf.transition_offsets, float).reshape(k)
    Q = np.asarray(kf.transition_covariance, float).reshape(k, k)
    off = A - np.diag(np.diag(A))
    d = np.sqrt(np.clip(np.diag(Q), 1e-300, None))
    corr = Q / np.outer(d, d)
    np.fill_diagonal(corr, 0.0)
    return {
        "transition_offdiag": float(np.max(np.abs(off))) if k > 1 else 0.0,
        "transition_diag_not_one": float(np.max(np.abs(np.diag(A)[1:] - 1.0))) if k > 1 else 0.0,
        "offset_not_zero": float(np.max(np.abs(b[1:]))) if k > 1 else 0.0,
        "state_cov_offdiag_corr": float(np.max(np.abs(corr))) if k > 1 else 0.0,
    }


def _llf_known_init(prices, variant, fixed, full, pk_params) -> float:
    """Our filter at the projected parameters, started from pykalman's fitted initial state."""
    P0 = np.asarray(pk_params["initial_state_covariance"], float)
    if not np.all(np.isfinite(P0)) or np.min(np.linalg.eigvalsh(0.5 * (P0 + P0.T))) < 0:
        return math.nan  # not a covariance: pykalman's EM broke down
    try:
        m = hedge_model(prices, variant=variant, fixed=fixed, initialization="known",
                        initial_state=pk_params["initial_state_mean"],
                        initial_state_cov=0.5 * (P0 + P0.T))
        return float(m.fast_loglike(full))
    except Exception:  # noqa: BLE001 - a diagnostic only
        return math.nan
