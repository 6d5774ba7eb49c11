r"""Seed 000's "adaptive tuning" of the Kalman hedge-ratio filter, on the model's exact likelihood.

The recipe (Quant StackExchange, Amanda G.; ``../shared/seeds/000_3343feeae9140c0f.txt``) is
implemented as written; where it is ambiguous the choice is stated in :func:`fit_adaptive` and
the alternative is an option. The compiled passes are in
:mod:`ssm_coint.estimation._adaptive_kernel`.

Notation. Prices :math:`x_{1,t} = y_t, x_{2,t}, \dots, x_{k,t}`, design row
:math:`x_t = (1, x_{2,t}, \dots, x_{k,t})`, Johansen weights :math:`w` (first eigenvector),
:math:`y_{\text{port},t} = \sum_j w_j x_{j,t}` and the Johansen state path

.. math::

    \beta_t^{J} = (y_{\text{port},t}/w_1,\; -w_2/w_1,\; \dots,\; -w_k/w_1),

which fits :math:`y_t = x_t\beta_t^J` exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..exceptions import MissingValueError, ModelSpecificationError
from ..models._results import half_life_from_alpha
from ._adaptive_checks import cycle_period as _cycle_period
from ._adaptive_checks import floors as _floors
from ._adaptive_kernel import STATUS_BREAKDOWN, STATUS_TOL, run_passes
from ._mle import hedge_model

__all__ = ["AdaptiveCalibration", "adaptive_first_pass", "fit_adaptive"]

#: nu_e below this fraction of var(y) is a collapsed observation variance
NU_E_FLOOR_VAR_Y = 1e-8
#: nu_e below this fraction of its first re-estimate (pass 2) has "dropped by orders of magnitude"
NU_E_DROP = 1e-4
#: alpha_11 below this (half-life under 0.3 observations, or negative) has collapsed towards 0
ALPHA_FLOOR = 0.1
#: with ``tol=None`` the passes count as settled when the last relative change is below this
SETTLE_TOL = 1e-8


@dataclass
class AdaptiveCalibration(Calibration):
    """A :class:`~ssm_coint.calibration.Calibration` with the extras of adaptive tuning.

    Attributes
    ----------
    llf_known : float
        Exact log-likelihood of the same parameters with the seed's own known initial
        state: :math:`\\beta(0)`, :math:`\\operatorname{cov}(\\beta(0))` of the last pass pushed
        through one prediction step (``HedgeRatioModel(initialization="known")``). ``llf`` is
        the one under the exact diffuse initialization (comparable with the MLE).
    initial_state : Series
        :math:`\\beta(0)` of the last pass.
    initial_state_cov : DataFrame
        :math:`\\operatorname{cov}(\\beta(0))` of the last pass (diagonal).
    johansen_weights : Series
        The cointegrating vector :math:`w` used.
    raw : dict
        The recipe's own final values before mapping onto the model (``alpha_11``, ``nu_e``,
        ``nu_w`` (array, may hold a negative (1,1) element), ``gamma_11``).
    first_pass : dict
        First-pass initialisation (see :func:`adaptive_first_pass`).
    state_path : DataFrame
        State path :math:`\\beta_t` of the last pass (filtered or smoothed, per ``states``):
        the seed's dynamic weights.
    degeneracies : list of str
        Codes of the degenerate outcomes detected: ``"obs_variance_collapse"``,
        ``"alpha_collapse"``, ``"negative_variance"`` (at some pass),
        ``"negative_variance_final"``, ``"breakdown"`` (non-finite values), ``"cycle"``,
        ``"not_settled"``. Each comes with a sentence in ``warnings``.
    options : dict
        ``states``, ``beta_m``, ``gamma``, ``on_negative``, ``passes``, ``tol``.
    status : str
        ``"passes"`` (ran every pass), ``"tol"`` (stopped at the tolerance) or ``"breakdown"``.
    """

    llf_known: float = math.nan
    initial_state: pd.Series | None = None
    initial_state_cov: pd.DataFrame | None = None
    johansen_weights: pd.Series | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    first_pass: dict[str, Any] = field(default_factory=dict)
    state_path: pd.DataFrame | None = None
    degeneracies: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    status: str = "passes"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: the base fields plus ``llf_known``, degeneracies and options."""
        out = super().to_dict()
        llf_known = float(self.llf_known)
        out["llf_known"] = llf_known if math.isfinite(llf_known) else None
        out["degeneracies"] = list(self.degeneracies)
        out["status"] = self.status
        out["options"] = {k: v for k, v in self.options.items()}
        raw = {}
        for key, val in self.raw.items():
            arr = np.atleast_1d(np.asarray(val, float))
            vals = [float(v) if math.isfinite(v) else None for v in arr]
            raw[key] = vals if np.ndim(val) else vals[0]
        out["raw"] = raw
        return out


def _check_prices(prices: Any) -> pd.DataFrame:
    from ..data import check_regressors

    if not isinstance(prices, pd.DataFrame) or prices.shape[1] < 2:
        from ..exceptions import TooFewAssetsError

        raise TooFewAssetsError("prices must be a DataFrame with y and at least one regressor")
    prices = prices.astype(float)
    y = prices.iloc[:, 0].to_numpy()
    bad = ~np.isfinite(y)
    if bad.any():
        where = prices.index[int(np.argmax(bad))]
        raise MissingValueError(
            f"column {prices.columns[0]!r} holds NaN/inf (first at {where}); adaptive tuning "
            "needs a complete sample"
        )
    check_regressors(prices, n_params=prices.shape[1] + 2)
    return prices


def _weights(prices: pd.DataFrame, johansen_weights: Any, det_order: int,
             k_ar_diff: int) -> np.ndarray:
    k = prices.shape[1]
    if johansen_weights is None:
        from ..coint import johansen

        w = johansen(prices, det_order=det_order, k_ar_diff=k_ar_diff).eigenvectors.iloc[:, 0]
        w = np.asarray(w, float)
    else:
        w = np.asarray(johansen_weights, float).ravel()
        if w.shape != (k,):
            raise ModelSpecificationError(
                f"johansen_weights must have {k} elements (one per column); got {w.shape}")
    if not np.all(np.isfinite(w)) or w[0] == 0.0:
        raise ModelSpecificationError(
            "the first Johansen weight w_1 must be finite and non-zero (beta = y_port / w_1)")
    return w


def adaptive_first_pass(prices: pd.DataFrame, *, johansen_weights: Any = None,
                        det_order: int = 0, k_ar_diff: int = 1) -> dict[str, Any]:
    r"""Seed 000's first-pass initialisation.

    Parameters
    ----------
    prices : DataFrame
        Columns ``y, x_2, ..., x_k`` (y first).
    johansen_weights : array_like, optional
        :math:`w` (k,); default the first eigenvector of Johansen's test on the prices
        (:func:`ssm_coint.coint.johansen` with ``det_order``, ``k_ar_diff``).
    det_order, k_ar_diff : int
        Johansen specification (the seed's and Chan's: a constant, one lagged difference).

    Returns
    -------
    dict
        ``w``, ``y_port`` (n,), ``beta_path`` (n, k) the Johansen path
        :math:`\beta_t^J = (y_{\text{port},t}/w_1, -w_2/w_1, \dots)`, ``alpha_11``, ``nu_e``,
        ``gamma`` (k, k, diagonalised), ``alpha`` (k, k), ``nu_w`` (k, k), ``beta0`` (k,),
        ``cov0`` (k, k), ``bm_johansen`` (k,).

    Notes
    -----
    With :math:`\beta_{1,t} = y_{\text{port},t}/w_1`:

    .. math::

        \alpha_{11} = \frac{\sum_{t=2}^n \beta_{1,t}\beta_{1,t-1}}{\sum_{t=2}^n\beta_{1,t-1}^2},
        \qquad \nu_e(0) = \operatorname{var}(\beta_1)
        = \frac{1}{n-1}\sum_t(\beta_{1,t} - \bar\beta_1)^2,

        \Gamma = \operatorname{diag}\Big(\frac1n\sum_{t=1}^n \beta_t\beta_t'\Big),\qquad
        \nu_\omega(0) = \operatorname{diag}(\Gamma - \alpha\Gamma\alpha'),\qquad
        \alpha = \operatorname{diag}(\alpha_{11}, 1, \dots, 1),

        \beta(0) = (0, -w_2/w_1, \dots, -w_k/w_1),\qquad
        \operatorname{cov}(\beta(0)) = \nu_e(0)\,\operatorname{diag}\Big(\Big[\frac1n\sum_{t=1}^n
        (\alpha'x_t')(x_t\alpha)\Big]^{-1}\Big).

    ``var`` uses the unbiased ``n - 1`` denominator (MATLAB's ``var``; the seed switched its
    other covariance to ``n - 1`` "for unbiased covariance"). :math:`\Gamma` is the uncentred
    second moment, as the seed defines it, diagonalised as its implementation notes require, so
    only :math:`\nu_{\omega,11} = (1-\alpha_{11}^2)\Gamma_{11}` is non-zero.
    ``cov(beta(0))`` keeps the diagonal of the inverse information matrix (the same convention as
    ``HedgeRatioModel(initialization="johansen")``).
    """
    prices = prices.astype(float)
    w = _weights(prices, johansen_weights, det_order, k_ar_diff)
    P = prices.to_numpy()
    n, k = P.shape
    X = np.column_stack([np.ones(n), P[:, 1:]])
    y_port = P @ w
    B = np.empty((n, k))
    B[:, 0] = y_port / w[0]
    B[:, 1:] = -w[1:] / w[0]
    b1 = B[:, 0]
    alpha_11 = float(b1[1:] @ b1[:-1] / (b1[:-1] @ b1[:-1]))
    nu_e = float(np.var(b1, ddof=1))
    gamma = np.diag(np.diag(B.T @ B / n))
    alpha = np.diag(np.r_[alpha_11, np.ones(k - 1)])
    nu_w = np.diag(np.diag(gamma - alpha @ gamma @ alpha.T))
    beta0 = np.r_[0.0, -w[1:] / w[0]]
    XA = X @ alpha
    cov0 = nu_e * np.diag(np.diag(np.linalg.inv(XA.T @ XA / n)))
    bm_johansen = np.r_[float(np.mean(b1)), -w[1:] / w[0]]
    return {"w": w, "y_port": y_port, "beta_path": B, "alpha_11": alpha_11, "nu_e": nu_e,
            "gamma": gamma, "alpha": alpha, "nu_w": nu_w, "beta0": beta0, "cov0": cov0,
            "bm_johansen": bm_johansen}


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> int:
    if value not in allowed:
        raise ModelSpecificationError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return allowed.index(value)


def fit_adaptive(
    prices: pd.DataFrame,
    *,
    passes: int = 2000,
    tol: float | None = None,
    beta_m: Literal["mean", "johansen"] = "mean",
    states: Literal["filtered", "smoothed"] = "filtered",
    gamma: Literal["path", "johansen"] = "path",
    on_negative: Literal["keep", "clip"] = "keep",
    johansen_weights: Any = None,
    det_order: int = 0,
    k_ar_diff: int = 1,
    record: bool = True,
) -> AdaptiveCalibration:
    r"""Seed 000's adaptive tuning, reported on the exact likelihood of the ``mu0`` model.

    Parameters
    ----------
    prices : DataFrame
        Columns ``y, x_2, ..., x_k`` (y first), complete.
    passes : int, default 2000
        Number of filter passes (the seed: "about 2000 iterations"). Pass 1 uses the first-pass
        initialisation; every later pass uses the quantities re-estimated from the previous one.
    tol : float, optional
        Stop early once the relative change of :math:`(\alpha_{11}, \nu_e,
        \operatorname{diag}\nu_\omega)` from one pass to the next,
        :math:`\max_i |\theta_i' - \theta_i| / \max(|\theta_i'|, |\theta_i|)`, is at most ``tol``.
        ``None`` runs exactly ``passes`` passes (and judges "settled" with 1e-8).
    beta_m : {"mean", "johansen"}
        :math:`\beta_m` in :math:`\operatorname{cov}(\beta(0))`: the means of the state path
        (the seed's formula) or :math:`(\operatorname{mean}(y_{\text{port}}/w_1), -w_2/w_1,
        \dots)` (the variant the seed prefers in its backtests).
    states : {"filtered", "smoothed"}
        Which state path of a pass the moments are taken from. The seed is silent; default
        ``"filtered"``: it describes iterating "the Kalman filter calculation" and trades the
        filter's dynamic weights, and never mentions a smoother. ``"smoothed"`` uses the
        fixed-interval smoother of the same pass.
    gamma : {"path", "johansen"}
        :math:`\Gamma_{11}` in :math:`\nu_{\omega,11} = (1-\alpha_{11}^2)\Gamma_{11}` for the later
        passes. Default ``"path"``: :math:`\Gamma = \operatorname{diag}(\sum_t\beta_t\beta_t'/n)`
        from the same state path as every other moment of the pass (uncentred, as the seed
        defines :math:`\Gamma`). ``"johansen"``: the first-pass :math:`\Gamma` of the Johansen
        path, held fixed.
    on_negative : {"keep", "clip"}
        What the passes do with a negative :math:`\nu_{\omega,11}` (when
        :math:`\alpha_{11} > 1`). ``"keep"`` (default, the recipe as written) uses it;
        ``"clip"`` runs the filter with 0 instead. Either way it is reported.
    johansen_weights : array_like, optional
        :math:`w` (k,); default the first eigenvector of Johansen's test on the prices.
    det_order, k_ar_diff : int
        Johansen specification when ``johansen_weights`` is not given.
    record : bool, default True
        Keep the trajectory (one row per pass) with the exact diffuse log-likelihood of each
        pass's parameters. ``False`` skips the per-pass likelihoods and the DataFrame.

    Returns
    -------
    AdaptiveCalibration
        ``method="adaptive"``, ``variant="mu0"``; ``params`` the final quantities mapped onto
        the model, ``llf`` the exact diffuse log-likelihood there, ``llf_known`` the one with
        the seed's own initial state, ``trajectory``, ``warnings`` and ``degeneracies``.
        Degenerate outcomes are reported, never raised.

    Notes
    -----
    **Filter** (the seed's implementation notes), with :math:`\alpha =
    \operatorname{diag}(\alpha_{11}, 1, \dots, 1)`, started from :math:`\beta(0)`,
    :math:`\operatorname{cov}(\beta(0))`:

    .. math::

        \beta_t = \alpha\beta_{t-1},\quad \operatorname{cov}(\beta_t) = \alpha
        \operatorname{cov}(\beta_{t-1})\alpha' + \nu_\omega,\quad
        \text{then the update with } y_t = x_t\beta_t + \epsilon_t,\;
        \epsilon_t\sim N(0, \nu_e).

    **First pass**: :func:`adaptive_first_pass`.

    **Later passes**, from the previous pass's state path :math:`\beta_t` (t = 1..n):

    .. math::

        \alpha_{11} = \frac{\sum_{t=2}^n\beta_{1,t}\beta_{1,t-1}}{\sum_{t=2}^n\beta_{1,t-1}^2},
        \qquad
        \nu_e = \frac1n\sum_{t=1}^n\epsilon_t^2,\quad \epsilon_t = y_t - x_t\beta_t,

        \nu_\omega = \operatorname{diag}\Big(\frac{1}{n-1}\sum_{t=1}^{n-1}
        (\beta_{t+1} - \alpha\beta_t)(\beta_{t+1} - \alpha\beta_t)'\Big)
        \text{ with } \nu_{\omega,11} := (1-\alpha_{11}^2)\Gamma_{11},

        \beta(0) = (0, -w_2/w_1, \dots, -w_k/w_1),\qquad
        \operatorname{cov}(\beta(0)) = \operatorname{diag}\Big(\frac{1}{n-1}\sum_{t=1}^n
        (\beta_t - \beta_m)(\beta_t - \beta_m)'\Big).

    **Reported values**: those *used in the last pass run* (the last trajectory row), so
    ``llf_known`` equals that pass's own likelihood when no variance was clipped. They map onto
    ``HedgeRatioModel`` (variant ``mu0``: the seed's :math:`E[\beta_1] = 0`) as ``alpha`` =
    :math:`\alpha_{11}`, ``c`` = 0, ``sigma2.<state>`` = :math:`\operatorname{diag}\nu_\omega`,
    ``sigma2.obs`` = :math:`\nu_e`; a negative variance is clipped to 0 for the likelihood (and a
    warning says so). ``llf`` is ``HedgeRatioModel.loglike`` under the exact diffuse
    initialization (the MLE's scale); ``llf_known`` uses ``initialization="known"`` with
    :math:`a_1 = \alpha\beta(0)`, :math:`P_1 = \alpha\operatorname{cov}(\beta(0))\alpha' +
    \nu_\omega`.

    **Degenerate fixed points** (in ``warnings`` and ``degeneracies``; ``converged=False`` for
    the final-value ones): :math:`\nu_e < 10^{-8}\operatorname{var}(y)` or below
    :math:`10^{-4}` times its first re-estimate (the filtered residual
    :math:`\epsilon_t = \nu_e v_t/F_t` shrinks :math:`\nu_e` at every pass, so the recipe tends to
    interpolate the data); :math:`\alpha_{11} < 0.1` (collapse towards 0, as the seed's 0.007);
    :math:`(1-\alpha_{11}^2)\Gamma_{11} < 0` when :math:`\alpha_{11} > 1`; non-finite states
    (the passes stop, the last finite pass is reported); cycles instead of a fixed point; no
    settling within ``passes``.

    Examples
    --------
    >>> from ssm_coint import simulate_hedge_model
    >>> from ssm_coint.estimation._adaptive import fit_adaptive
    >>> sim = simulate_hedge_model(nobs=300, seed=0)
    >>> cal = fit_adaptive(sim.prices, passes=20)
    >>> len(cal.trajectory) <= 20
    True
    """
    t0 = time.perf_counter()
    passes = int(passes)
    if passes < 1:
        raise ModelSpecificationError(f"passes must be at least 1; got {passes}")
    if tol is not None and not (tol > 0 and math.isfinite(tol)):
        raise ModelSpecificationError(f"tol must be a positive number or None; got {tol!r}")
    bm_mode = _choice("beta_m", beta_m, ("mean", "johansen"))
    smooth = bool(_choice("states", states, ("filtered", "smoothed")))
    g_mode = _choice("gamma", gamma, ("path", "johansen"))
    clip = bool(_choice("on_negative", on_negative, ("keep", "clip")))
    prices = _check_prices(prices)

    fp = adaptive_first_pass(prices, johansen_weights=johansen_weights, det_order=det_order,
                             k_ar_diff=k_ar_diff)
    P = prices.to_numpy()
    n, k = P.shape
    y = np.array(P[:, 0], dtype=np.float64)  # a writable copy (pandas may hand out a
    X = np.ascontiguousarray(np.column_stack([np.ones(n), P[:, 1:]]))  # read-only view)
    tr_a = np.full(passes, np.nan)
    tr_r = np.full(passes, np.nan)
    tr_q = np.full((passes, k), np.nan)
    tr_c0 = np.full((passes, k), np.nan)
    tr_g = np.full(passes, np.nan)
    tr_llf = np.full(passes, np.nan)
    tr_rel = np.full(passes, np.nan)
    S_last = np.full((n, k), np.nan)
    floors = _floors(y, X)
    n_done, status = run_passes(
        y, X, fp["alpha_11"], fp["nu_e"], np.ascontiguousarray(np.diag(fp["nu_w"])),
        np.ascontiguousarray(np.diag(fp["cov0"])), np.ascontiguousarray(fp["beta0"]),
        np.ascontiguousarray(fp["bm_johansen"]), float(fp["gamma"][0, 0]), floors, passes,
        float(tol) if tol is not None else 0.0, smooth, bm_mode, g_mode, clip,
        tr_a, tr_r, tr_q, tr_c0, tr_g, tr_llf, tr_rel, S_last)
    n_done = int(n_done)
    status_name = {STATUS_TOL: "tol", STATUS_BREAKDOWN: "breakdown"}.get(int(status), "passes")

    model = hedge_model(prices, variant="mu0")
    names = model.all_param_names
    state_names = model.state_names
    warns: list[str] = []
    codes: list[str] = []

    if n_done == 0:  # the very first pass broke down: report the first-pass values
        last = 0
        warns.append(
            "the first pass already produced non-finite states; the first-pass initialisation "
            "is reported")
        codes.append("breakdown")
    else:
        last = n_done - 1
    a = float(tr_a[last])
    nue = float(tr_r[last])
    q = tr_q[last].copy()
    cov0 = tr_c0[last].copy()
    g11 = float(tr_g[last])
    beta0 = fp["beta0"].copy()

    if status == STATUS_BREAKDOWN and n_done > 0:
        codes.append("breakdown")
        warns.append(
            f"pass {n_done + 1} broke down (non-finite states) at alpha_11={tr_a[n_done]:.6g}, "
            f"nu_e={tr_r[n_done]:.6g}, diag nu_w={np.array2string(tr_q[n_done], precision=4)}; "
            f"stopped after {n_done} passes and report the values of pass {n_done}")

    # ---- map onto the model (mu0) and evaluate the exact likelihoods
    def full_vector(a_: float, q_: np.ndarray, r_: float) -> np.ndarray:
        full = np.zeros(len(names))
        full[0] = a_
        full[2:2 + k] = np.maximum(q_, 0.0)
        full[2 + k] = max(r_, 0.0)
        return full

    full = full_vector(a, q, nue)
    free = model.free_from_full(full)
    finite = bool(np.all(np.isfinite(full)))
    llf = float(model.loglike(free)) if finite else math.nan
    llf_known = math.nan
    results = None
    if finite:
        tdiag = np.r_[a, np.ones(k - 1)]
        a1 = tdiag * beta0
        P1 = np.diag(tdiag * cov0 * tdiag + np.maximum(q, 0.0))
        try:
            known = hedge_model(prices, variant="mu0", initialization="known",
                                initial_state=a1, initial_state_cov=P1)
            llf_known = float(known.loglike(free))
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            warns.append(f"the known-initialization log-likelihood failed: {exc}")
        try:
            results = model.smooth(free, cov_type="none")
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            warns.append(f"statsmodels could not smooth at the adaptive parameters: {exc}")

    # ---- trajectory
    traj = None
    if record and n_done > 0:
        rows = slice(0, n_done)
        llf_diffuse = _diffuse_llfs(model, y, X, tr_a[:n_done], tr_q[:n_done], tr_r[:n_done])
        data: dict[str, Any] = {"alpha_11": tr_a[rows], "nu_e": tr_r[rows]}
        for j, s in enumerate(state_names):
            data[f"nu_w.{s}"] = tr_q[rows, j]
        data["gamma_11"] = tr_g[rows]
        for j, s in enumerate(state_names):
            data[f"cov0.{s}"] = tr_c0[rows, j]
        data["llf"] = llf_diffuse
        data["llf_known"] = tr_llf[rows]
        data["rel_change"] = tr_rel[rows]
        traj = pd.DataFrame(data, index=pd.RangeIndex(1, n_done + 1, name="pass"))

    # ---- degeneracies
    rows_a = tr_a[:max(n_done, 1)]
    rows_q0 = tr_q[:max(n_done, 1), 0]
    rows_r = tr_r[:max(n_done, 1)]
    var_y = float(np.var(y))
    final_bad = False
    neg = np.flatnonzero(rows_q0 < 0)
    if neg.size:
        codes.append("negative_variance")
        first = int(neg[0])
        msg = (f"alpha_11 exceeded 1 in {neg.size} of {rows_q0.size} passes (first at pass "
               f"{first + 1}: alpha_11={rows_a[first]:.6g}), making nu_w.intercept = "
               f"(1 - alpha_11^2) Gamma_11 negative ({rows_q0[first]:.4g})")
        msg += ("; the filter used 0 instead (on_negative='clip')" if clip else
                "; the recipe used it as is (on_negative='keep'), so forecast variances can turn "
                "negative (that pass's own likelihood is then NaN)")
        warns.append(msg)
    if math.isfinite(q[0]) and q[0] < 0:
        codes.append("negative_variance_final")
        final_bad = True
        warns.append(
            f"the final nu_w.intercept is negative ({q[0]:.4g}, alpha_11={a:.6g} > 1); it is "
            "clipped to 0 for the reported log-likelihoods and parameters")
    if math.isfinite(nue):
        first_re = float(rows_r[1]) if rows_r.size > 1 else math.nan
        reasons = []
        if nue < NU_E_FLOOR_VAR_Y * var_y:
            reasons.append(f"below {NU_E_FLOOR_VAR_Y:g} x var(y) = {NU_E_FLOOR_VAR_Y * var_y:.3g}")
        if math.isfinite(first_re) and nue < NU_E_DROP * first_re:
            reasons.append(f"down from {first_re:.4g} at pass 2")
        if reasons:
            codes.append("obs_variance_collapse")
            final_bad = True
            warns.append(
                f"the observation variance collapsed: nu_e = {nue:.4g} ({'; '.join(reasons)}). "
                "The filtered states interpolate y (residual eps_t = nu_e v_t / F_t shrinks at "
                "every pass): a degenerate fixed point of the recipe, not an estimate")
    if math.isfinite(a) and a < ALPHA_FLOOR:
        codes.append("alpha_collapse")
        final_bad = True
        what = ("turned negative: an oscillating spread level, meaningless for a price spread"
                if a < 0 else "collapsed towards 0: the spread level is (near) white noise")
        warns.append(
            f"alpha_11 = {a:.4g} (first pass {fp['alpha_11']:.6g}) {what}, half-life "
            f"{half_life_from_alpha(a):.3g} observations (the seed reports alpha_11 = 0.007)")
    last_rel = float(tr_rel[last]) if n_done > 0 else math.nan
    settle = float(tol) if tol is not None else SETTLE_TOL
    settled = status == STATUS_TOL or (math.isfinite(last_rel) and last_rel <= settle)
    if status != STATUS_BREAKDOWN and not settled:
        period = _cycle_period(tr_a[:n_done], tr_r[:n_done], tr_q[:n_done], floors)
        if period:
            codes.append("cycle")
            warns.append(
                f"the passes cycle with period {period} instead of settling on a fixed point "
                f"(relative change of the last pass {last_rel:.3g}); the last pass is reported")
        else:
            codes.append("not_settled")
            warns.append(
                f"the quantities did not settle within {passes} passes: relative change of the "
                f"last pass {last_rel:.3g} > {settle:g}")
    converged = bool(settled and not final_bad and status != STATUS_BREAKDOWN and finite)
    # boundary flags: alpha at or beyond 1, variances at rounding level (see _floors)
    at_boundary = {"alpha": bool(math.isfinite(a) and abs(a) >= 1.0)}
    var_floor = np.r_[floors[2:], floors[1]]
    for j, name in enumerate([f"sigma2.{s}" for s in state_names] + ["sigma2.obs"]):
        value = full[2 + j]
        at_boundary[name] = bool(value <= var_floor[j])
        if at_boundary[name] and name != "sigma2.obs" and math.isfinite(value):
            warns.append(f"{name} = {value:.3g} is at rounding level (treated as 0): that state "
                         "is frozen")
    if not finite:
        warns.append("the final quantities are not finite; no log-likelihood")

    raw = {"alpha_11": a, "nu_e": nue, "nu_w": q, "gamma_11": g11}
    path = pd.DataFrame(S_last, index=prices.index, columns=state_names)
    return AdaptiveCalibration(
        method="adaptive", variant="mu0", params=pd.Series(full, index=names),
        free=list(model.param_names), llf=llf, nobs=n, runtime_s=time.perf_counter() - t0,
        iterations=n_done, converged=converged, warnings=warns, at_boundary=at_boundary,
        results=results,
        trajectory=traj, llf_known=llf_known,
        initial_state=pd.Series(beta0, index=state_names),
        initial_state_cov=pd.DataFrame(np.diag(cov0), index=state_names, columns=state_names),
        johansen_weights=pd.Series(fp["w"], index=[str(c) for c in prices.columns]),
        raw=raw, first_pass=fp, state_path=path, degeneracies=codes,
        options={"passes": passes, "tol": tol, "beta_m": beta_m, "states": states,
                 "gamma": gamma, "on_negative": on_negative},
        status=status_name,
    )


def _diffuse_llfs(model: Any, y: np.ndarray, X: np.ndarray, a: np.ndarray, q: np.ndarray,
                  r: np.ndarray) -> np.ndarray:
    """``model.fast_loglike`` of every pass (variances clipped at 0), without per-row overhead.

    The exact diffuse initialization (a_1 = 0, P_* = 0, P_inf = I) does not depend on the
    parameters, so the system is built once and only alpha, q and r change per row.
    """
    from ..kalman import loglike as kalman_loglike

    k = X.shape[1]
    base = np.zeros(len(model.all_param_names))
    base[0] = 0.5
    base[2:] = 1.0
    sysm = model.system(base)
    tdiag = np.ones(k)
    cvec = np.zeros(k)
    a1, P1, Pinf1 = (np.ascontiguousarray(sysm[key], dtype=float) for key in ("a1", "P1", "Pinf1"))
    qc = np.ascontiguousarray(np.maximum(q, 0.0))
    rc = np.maximum(r, 0.0)
    out = np.empty(a.size)
    for i in range(a.size):
        tdiag[0] = a[i]
        out[i] = kalman_loglike(y, X, tdiag, cvec, qc[i], rc[i], a1, P1, Pinf1)
    return out
