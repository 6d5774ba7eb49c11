"""The hedge-ratio state-space model as a statsmodels ``MLEModel``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.statespace.initialization import Initialization
from statsmodels.tsa.statespace.kalman_filter import MEMORY_CONSERVE
from statsmodels.tsa.statespace.mlemodel import MLEModel

from .. import kalman
from .. import transforms as tr
from ..exceptions import ModelSpecificationError
from ._spec import parameter_names, validate_fixed

__all__ = ["HedgeRatioModel"]

_INITS = ("diffuse", "mixed", "known", "chan", "johansen")


class HedgeRatioModel(MLEModel):
    r"""Kalman-filter hedge ratios with a mean-reverting (or random-walk) spread level.

    Parameters
    ----------
    endog : array_like, shape (n,)
        Price of the first asset, :math:`y_t = x_{1,t}` (levels or logs, as given).
    exog : array_like, shape (n, k - 1)
        Prices of the other assets :math:`x_{2,t}, \dots, x_{k,t}` (same scale as ``endog``).
    fixed : mapping, optional
        Parameters held at given values and removed from estimation, e.g. ``{"alpha": 1.0,
        "c": 0.0}`` (the ``alpha1`` variant) or ``{"sigma2.EWA": 0.0}`` (a frozen hedge ratio).
        ``alpha = 1`` is allowed only as a fixed value.
    initialization : {"diffuse", "mixed", "known", "chan", "johansen"}
        ``"diffuse"`` (default): exact diffuse for every state, as statsmodels'
        ``initialization="diffuse"`` and KFAS, so log-likelihoods are comparable with them.
        ``"mixed"``: the spread level starts from its stationary distribution
        :math:`N(\mu, q_1/(1-\alpha^2))` when :math:`|\alpha|<1` (diffuse otherwise), the hedge
        ratios diffuse. ``"known"``: ``initial_state`` and ``initial_state_cov`` give
        :math:`a_1, P_1`. ``"chan"``: :math:`a_1 = 0, P_1 = 0` (Chan's MATLAB code: no
        prediction step on the first day). ``"johansen"``: seed 000's known state,
        :math:`\beta_0 = (\mu \text{ or } 0, -w_2/w_1, \dots, -w_k/w_1)` from the first Johansen
        eigenvector ``w`` and
        :math:`\operatorname{cov}(\beta_0) = r\,[\tfrac1n\sum_t T'z_t'z_tT]^{-1}`
        (diagonalised), pushed through one prediction step.
    initial_state, initial_state_cov : array_like, optional
        :math:`a_1` (k,) and :math:`P_1` (k, k) for ``initialization="known"``.
    johansen_weights : array_like, optional
        Cointegrating vector ``w`` (k,) for ``initialization="johansen"``; by default the first
        eigenvector of Johansen's test on ``[y, x_2..x_k]`` (``det_order=0, k_ar_diff=1``).
    **kwargs
        Passed to :class:`statsmodels.tsa.statespace.mlemodel.MLEModel` (e.g. ``dates``).

    Notes
    -----
    Observation and state equations, with :math:`z_t = (1, x_{2,t}, \dots, x_{k,t})`:

    .. math::

        y_t = z_t \beta_t + \varepsilon_t, \qquad \varepsilon_t \sim N(0, r),

        \beta_{t+1} = c + T \beta_t + w_t, \qquad T = \operatorname{diag}(\alpha, 1, \dots, 1),
        \quad c = (c, 0, \dots, 0)', \quad w_t \sim N(0, \operatorname{diag}(q_1, \dots, q_k)).

    In statsmodels' notation: ``design`` :math:`Z_t = z_t` (time varying), ``obs_cov``
    :math:`H = r`, ``transition`` :math:`T`, ``state_intercept`` :math:`c`, ``selection``
    :math:`R = I_k`, ``state_cov`` :math:`Q = \operatorname{diag}(q)`.

    :math:`\beta_{1,t}` is the spread level: for :math:`|\alpha| < 1` it reverts to
    :math:`\mu = c/(1-\alpha)` with half-life :math:`\ln 2 / (-\ln \alpha)`; :math:`\alpha = 1`,
    :math:`c = 0` is Chan's random walk. :math:`\beta_{2..k}` are the hedge ratios (the negated,
    normalised cointegrating weights). The parameter is the state intercept ``c`` rather than
    :math:`\mu`, because :math:`\mu` is weakly identified when :math:`\alpha \to 1` while ``c`` is
    not; :math:`\mu` is reported with a delta-method standard error.

    Parameter names: ``alpha``, ``c``, ``sigma2.intercept``, ``sigma2.<asset>`` for each regressor,
    ``sigma2.obs``. State names: ``intercept`` and the regressor names.

    Examples
    --------
    >>> from ssm_coint import simulate_hedge_model, HedgeRatioModel
    >>> sim = simulate_hedge_model(nobs=300, seed=0)
    >>> mod = HedgeRatioModel(sim.prices.iloc[:, 0], sim.prices.iloc[:, 1:], fixed={"c": 0.0})
    >>> mod.param_names
    ['alpha', 'sigma2.intercept', 'sigma2.X2', 'sigma2.obs']
    """

    def __init__(
        self,
        endog: Any,
        exog: Any,
        *,
        fixed: Mapping[str, float] | None = None,
        initialization: str = "diffuse",
        initial_state: Sequence[float] | None = None,
        initial_state_cov: Any = None,
        johansen_weights: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> None:
        if exog is None:
            raise ModelSpecificationError("exog (the regressor prices) is required")
        exog_arr = np.asarray(exog, dtype=float)
        if exog_arr.ndim == 1:
            exog_arr = exog_arr[:, None]
        k_states = exog_arr.shape[1] + 1
        if initialization not in _INITS:
            raise ModelSpecificationError(
                f"unknown initialization {initialization!r}; choose one of {', '.join(_INITS)}"
            )
        with warnings.catch_warnings():
            # business-day prices with holidays have no pandas frequency; statsmodels warns
            # that forecasts then get an integer index, which is expected here
            warnings.filterwarnings("ignore", message="A date index has been provided")
            super().__init__(endog, k_states=k_states, k_posdef=k_states, exog=exog, **kwargs)
        if self.k_endog != 1:
            raise ModelSpecificationError("endog must be a single series (the first asset)")
        self.k_exog = k_states - 1
        exog_names = self.exog_names if self.exog_names is not None else []
        if isinstance(exog_names, str):
            exog_names = [exog_names]
        exog_names = [str(x) for x in exog_names]
        if len(exog_names) != self.k_exog or exog_names[0].startswith("x"):
            if not isinstance(exog, pd.DataFrame | pd.Series):
                exog_names = [f"X{i + 2}" for i in range(self.k_exog)]
        self._state_names = ["intercept"] + exog_names
        self._all_param_names = parameter_names(self._state_names)
        self.fixed = validate_fixed(fixed, self._all_param_names)
        self._free = [n for n in self._all_param_names if n not in self.fixed]
        self.initialization_kind = initialization
        self.initial_state = None if initial_state is None else np.asarray(initial_state, float)
        self.initial_state_cov = (
            None if initial_state_cov is None else np.asarray(initial_state_cov, float)
        )
        self.johansen_weights = (
            None if johansen_weights is None else np.asarray(johansen_weights, float)
        )
        self._init_keys.extend(
            [
                "fixed",
                "initialization",
                "initial_state",
                "initial_state_cov",
                "johansen_weights",
            ]
        )
        # design rows z_t = (1, x_2..x_k): one C-contiguous array, shared by the compiled
        # filter (_X_c) and statsmodels' design (its transpose is Fortran-ordered, which
        # statsmodels keeps as a view)
        design = np.empty((self.nobs, k_states))
        design[:, 0] = 1.0
        design[:, 1:] = exog_arr
        del exog_arr
        self._design_rows = design
        self._y_c: np.ndarray | None = None
        self._X_c: np.ndarray | None = None
        self._smooth_lazily = False
        self.ssm["design"] = design.T[None, :, :]
        self.ssm["selection"] = np.eye(k_states)
        self.ssm["transition"] = np.eye(k_states)
        self.ssm["state_intercept"] = np.zeros((k_states, 1))
        self._setup_initialization()

    # ------------------------------------------------------------------ statsmodels contract
    @property
    def initialization(self) -> str:  # used by _get_init_kwds / clone
        """Name of the initialization scheme."""
        return self.initialization_kind

    @initialization.setter
    def initialization(self, value: Any) -> None:
        if value == self.initialization_kind:
            return
        raise AttributeError(
            "the initialization of a HedgeRatioModel is fixed at construction; build a new "
            f"model with initialization={value!r} (one of {', '.join(_INITS)})")

    @property
    def state_names(self) -> list[str]:
        """``intercept`` followed by the regressor names."""
        return list(self._state_names)

    @property
    def param_names(self) -> list[str]:
        """Names of the free (estimated) parameters."""
        return list(self._free)

    @property
    def all_param_names(self) -> list[str]:
        """Names of every parameter, fixed or free."""
        return list(self._all_param_names)

    @property
    def start_params(self) -> np.ndarray:
        """Deterministic data-driven start: OLS hedge, residual AR(1), variance fractions.

        Notes
        -----
        With OLS residual variance :math:`V` and lag-1 residual autocorrelation :math:`\\rho`:
        alpha = clip(rho, 0, 0.99), c = (1 - alpha) * OLS intercept, sigma2.intercept =
        V (1 - alpha^2) / 10, sigma2.<x_j> = 1e-4 V / mean(x_j^2), sigma2.obs = V / 2.
        """
        return self.free_from_full(self._start_full())

    def _start_full(self) -> np.ndarray:
        y = np.asarray(self.endog[:, 0], float)
        Z = self._design_rows
        ok = np.isfinite(y)
        coef, *_ = np.linalg.lstsq(Z[ok], y[ok], rcond=None)
        resid = y[ok] - Z[ok] @ coef
        V = float(np.var(resid)) or 1.0
        rho = float(np.corrcoef(resid[1:], resid[:-1])[0, 1]) if resid.size > 2 else 0.5
        alpha = float(np.clip(rho if np.isfinite(rho) else 0.5, 0.0, 0.99))
        full = np.empty(len(self._all_param_names))
        full[0] = alpha
        full[1] = (1 - alpha) * coef[0]
        full[2] = V * (1 - alpha**2) / 10
        for j in range(self.k_exog):
            full[3 + j] = 1e-4 * V / float(np.mean(Z[ok, j + 1] ** 2))
        full[-1] = V / 2
        for name, value in self.fixed.items():
            full[self._all_param_names.index(name)] = value
        return full

    def transform_params(self, unconstrained: Any) -> np.ndarray:
        """Map unconstrained values to (alpha, c, variances): tanh, identity, squares."""
        unconstrained = np.asarray(unconstrained)
        out = unconstrained.copy()
        for i, name in enumerate(self._free):
            if name == "alpha":
                out[i] = tr.constrain_alpha(unconstrained[i])
            elif name.startswith("sigma2."):
                out[i] = tr.constrain_variance(unconstrained[i])
        return out

    def untransform_params(self, constrained: Any) -> np.ndarray:
        """Exact inverse of :meth:`transform_params` (artanh, identity, square roots)."""
        constrained = np.asarray(constrained)
        out = constrained.copy()
        for i, name in enumerate(self._free):
            if name == "alpha":
                out[i] = tr.unconstrain_alpha(constrained[i])
            elif name.startswith("sigma2."):
                out[i] = tr.unconstrain_variance(constrained[i])
        return out

    def full_from_free(self, params: Any) -> np.ndarray:
        """Insert fixed values: free parameter vector -> vector over :attr:`all_param_names`."""
        params = np.asarray(params)
        full = np.zeros(len(self._all_param_names), dtype=params.dtype)
        j = 0
        for i, name in enumerate(self._all_param_names):
            if name in self.fixed:
                full[i] = self.fixed[name]
            else:
                full[i] = params[j]
                j += 1
        return full

    def free_from_full(self, full: Any) -> np.ndarray:
        """Drop fixed values: vector over :attr:`all_param_names` -> free parameter vector."""
        full = np.asarray(full)
        idx = [self._all_param_names.index(n) for n in self._free]
        return full[idx].copy()

    def system(self, full: Any) -> dict[str, Any]:
        """State-space matrices (in compact form) implied by a full parameter vector.

        Returns
        -------
        dict
            ``tdiag``, ``cvec``, ``q`` (k,), ``r`` (scalar), ``a1`` (k,), ``P1`` and ``Pinf1``
            (k, k): everything the filter needs. Both :meth:`update` and the compiled filter
            use it, so they cannot disagree.
        """
        full = np.asarray(full)
        k = self.k_states
        dtype = full.dtype
        alpha, c = full[0], full[1]
        q = full[2 : 2 + k]
        r = full[2 + k]
        tdiag = np.ones(k, dtype=dtype)
        tdiag[0] = alpha
        cvec = np.zeros(k, dtype=dtype)
        cvec[0] = c
        a1, P1, Pinf1 = self._initial(alpha, c, q, r, tdiag, cvec)
        return {"tdiag": tdiag, "cvec": cvec, "q": q, "r": r, "a1": a1, "P1": P1, "Pinf1": Pinf1}

    def _initial(self, alpha, c, q, r, tdiag, cvec):
        k = self.k_states
        dtype = np.result_type(alpha, c, q, r)
        kind = self.initialization_kind
        a1 = np.zeros(k, dtype=dtype)
        P1 = np.zeros((k, k), dtype=dtype)
        Pinf1 = np.zeros((k, k), dtype=dtype)
        if kind == "diffuse":
            Pinf1[:] = np.eye(k)
        elif kind == "mixed":
            Pinf1[:] = np.eye(k)
            if np.real(alpha) ** 2 < 1:
                Pinf1[0, 0] = 0
                a1[0] = c / (1 - alpha)
                P1[0, 0] = q[0] / (1 - alpha**2)
        elif kind == "known":
            a1[:] = self.initial_state
            P1[:] = self.initial_state_cov
        elif kind == "johansen":
            beta0, tcov0t = self._johansen_state(alpha, c, r, tdiag)
            a1[:] = cvec + tdiag * beta0
            P1[:] = tcov0t + np.diag(q)
        # "chan": zeros
        return a1, P1, Pinf1

    def _johansen_state(self, alpha, c, r, tdiag):
        w = self.johansen_weights
        if w is None:
            w = self._default_johansen_weights()
        beta0 = np.zeros(self.k_states, dtype=np.result_type(alpha, c))
        beta0[1:] = -w[1:] / w[0]
        if "c" not in self.fixed and np.real(alpha) < 1:
            beta0[0] = c / (1 - alpha)
        # seed 000: cov(beta_0) = r diag([1/n sum_t T z_t' z_t T]^-1), pushed through T. With
        # M = 1/n sum_t z_t' z_t the diagonal of T (T M T)^-1 T is diag(M^-1) for every
        # nonzero alpha, and that is its limit at alpha = 0, where T M T is singular (the
        # seed's formula divides 0 by 0 there): so compute T cov(beta_0) T from M directly.
        M = self._design_rows.T @ self._design_rows / self.nobs
        tcov0t = r * np.diag(np.diag(np.linalg.inv(M)))
        return beta0, tcov0t

    def _default_johansen_weights(self) -> np.ndarray:
        if getattr(self, "_jw_cache", None) is None:
            from statsmodels.tsa.vector_ar.vecm import coint_johansen

            data = np.column_stack([self.endog[:, 0], self._design_rows[:, 1:]])
            self._jw_cache = coint_johansen(data, 0, 1).evec[:, 0]
        return self._jw_cache

    def _setup_initialization(self) -> None:
        kind = self.initialization_kind
        k = self.k_states
        if kind == "known":
            if self.initial_state is None or self.initial_state_cov is None:
                raise ModelSpecificationError(
                    "initialization='known' needs initial_state and initial_state_cov"
                )
            if self.initial_state.shape != (k,) or self.initial_state_cov.shape != (k, k):
                raise ModelSpecificationError(
                    f"initial_state must have shape ({k},) and initial_state_cov ({k}, {k})"
                )
        if kind == "diffuse":
            self.ssm.initialize_diffuse()
        elif kind == "chan":
            self.ssm.initialize_known(np.zeros(k), np.zeros((k, k)))
        elif kind == "known":
            self.ssm.initialize_known(self.initial_state, self.initial_state_cov)
        else:  # parameter-dependent: set in update(); placeholder now
            self.ssm.initialize_diffuse()

    def update(self, params, transformed=True, includes_fixed=False, complex_step=False):
        """Write the parameters into the state-space matrices (statsmodels contract)."""
        params = super().update(
            params, transformed=transformed, includes_fixed=includes_fixed,
            complex_step=complex_step,
        )
        full = self.full_from_free(params)
        sysm = self.system(full)
        k = self.k_states
        self.ssm["transition", 0, 0] = sysm["tdiag"][0]
        self.ssm["state_intercept", 0, 0] = sysm["cvec"][0]
        self.ssm["state_cov"] = np.diag(sysm["q"])
        self.ssm["obs_cov", 0, 0] = sysm["r"]
        kind = self.initialization_kind
        if kind == "mixed":
            init = Initialization(k)
            if np.real(sysm["Pinf1"][0, 0]) == 0:
                init.set((0, 1), "known", constant=np.real(sysm["a1"][:1]),
                         stationary_cov=np.real(sysm["P1"][:1, :1]))
            else:
                init.set((0, 1), "diffuse")
            init.set((1, k), "diffuse")
            self.ssm.initialization = init
        elif kind == "johansen":
            self.ssm.initialize_known(np.real(sysm["a1"]), np.real(sysm["P1"]))

    # ------------------------------------------------------------------ fast evaluation
    def _compiled_data(self) -> tuple[np.ndarray, np.ndarray]:
        """y and the design rows as the kernels take them: C-contiguous float64, writable (a
        read-only array, as statsmodels' endog, would make numba compile another version)."""
        if self._y_c is None:
            self._y_c = kalman._writable(self.endog[:, 0])
            self._X_c = kalman._writable(self._design_rows)
        return self._y_c, self._X_c

    def fast_loglike(self, full: Any) -> float:
        """Exact log-likelihood at a *full* constrained parameter vector (the Kalman core's
        forward pass, llf only); used by the optimisers."""
        return kalman.loglike(*self._compiled_data(), **self.system(np.asarray(full, float)))

    def core_filter(self, full: Any) -> kalman.FilterOutput:
        """Exact filtered states, prediction errors and per-date llf at a full vector."""
        return kalman.run_filter(*self._compiled_data(), **self.system(np.asarray(full, float)))

    def core_smoother(self, full: Any) -> kalman.SmootherOutput:
        """Exact filtered and smoothed states at a full vector (one forward, one backward
        pass of :mod:`ssm_coint.kalman`)."""
        return kalman.run_smoother(*self._compiled_data(),
                                   **self.system(np.asarray(full, float)))

    def smooth(self, params, transformed=True, includes_fixed=False, complex_step=False,
               cov_type=None, cov_kwds=None, return_ssm=False, results_class=None,
               results_wrapper_class=None, **kwargs):
        """Results at ``params`` with smoothed states (statsmodels' ``smooth`` contract).

        The states, errors and llf are the Kalman core's (see :class:`HedgeRatioResults`).
        statsmodels' own filter runs with ``conserve_memory=MEMORY_CONSERVE`` as the results
        shell (its llf is ``llf_statsmodels``, its standardized errors feed the summary's
        diagnostics); the smoothed moments, and statsmodels' own smoother output
        (``smoother_results``), are computed on first access. On millions of rows this keeps
        the (n, k, k) arrays that are never read out of memory.

        Parameters are those of :meth:`statsmodels.tsa.statespace.mlemodel.MLEModel.smooth`;
        ``complex_step``, ``return_ssm`` or Kalman-filter keyword arguments run statsmodels'
        own smoother with full storage, as before. ``cov_type`` defaults to ``"opg"``
        (statsmodels' default for a filter that stores the likelihood per date).
        """
        if complex_step or return_ssm or kwargs:
            return super().smooth(params, transformed=transformed,
                                  includes_fixed=includes_fixed, complex_step=complex_step,
                                  cov_type=cov_type, cov_kwds=cov_kwds, return_ssm=return_ssm,
                                  results_class=results_class,
                                  results_wrapper_class=results_wrapper_class, **kwargs)
        self._smooth_lazily = True
        try:
            return super().filter(params, transformed=transformed,
                                  includes_fixed=includes_fixed,
                                  cov_type="opg" if cov_type is None else cov_type,
                                  cov_kwds=cov_kwds, results_class=results_class,
                                  results_wrapper_class=results_wrapper_class,
                                  conserve_memory=MEMORY_CONSERVE)
        finally:
            self._smooth_lazily = False

    def loglike(self, params, *args, **kwargs):
        """Exact log-likelihood (exact diffuse start computed by augmentation).

        Identical to statsmodels' value except where statsmodels' step-by-step diffuse phase is
        inaccurate or takes spurious diffuse steps on nearly collinear first observations (see
        the notes of :mod:`ssm_coint.kalman._forward`). Complex-step calls go to statsmodels.

        The flags ``transformed``, ``includes_fixed`` and ``complex_step`` may be keywords,
        positional, or one dict in second position (how statsmodels' ``fit`` passes them).
        """
        transformed, includes_fixed, complex_step, rest = _loglike_flags(args, kwargs)
        if complex_step or rest:
            return super().loglike(params, transformed=transformed,
                                   includes_fixed=includes_fixed, complex_step=complex_step,
                                   **rest)
        params = self.handle_params(params, transformed=transformed,
                                    includes_fixed=includes_fixed)
        return self.fast_loglike(self.full_from_free(params))

    def loglikeobs(self, params, *args, **kwargs):
        """Per-observation log-likelihood (diffuse terms on the first identified observation).

        Flags as in :meth:`loglike`.
        """
        transformed, includes_fixed, complex_step, rest = _loglike_flags(args, kwargs)
        if complex_step or rest:
            return super().loglikeobs(params, transformed=transformed,
                                      includes_fixed=includes_fixed,
                                      complex_step=complex_step, **rest)
        params = self.handle_params(params, transformed=transformed,
                                    includes_fixed=includes_fixed)
        return self.core_filter(self.full_from_free(params)).llf_obs

    def fit(self, *args, method: str = "global", **kwargs):
        """Maximum-likelihood fit; by default the global search of :func:`ssm_coint.fit_mle`.

        Parameters
        ----------
        method : str
            ``"global"`` (default): the nested global search over the model's whole parameter
            space (several local optima are the rule for this likelihood, so a single local
            fit may stop at the wrong one). ``"local"``: one statsmodels local fit (L-BFGS)
            from ``start_params``. Any other value is passed to statsmodels' ``fit`` as its
            optimiser name (``"nm"``, ``"bfgs"``, ...), a local fit too.
        *args, **kwargs
            For a local fit, statsmodels' ``MLEModel.fit`` arguments. For the global fit only
            ``cov_type`` is refused (the covariance is the exact finite-difference Hessian's,
            NaN for boundary parameters).

        Returns
        -------
        HedgeRatioResults
            For the global fit, the results carry the calibration facts (method, converged,
            boundary flags, warnings, nested fits, profile) as ``results.calibration``.
        """
        if method != "global":
            return super().fit(*args, method="lbfgs" if method == "local" else method, **kwargs)
        if args or kwargs:
            raise TypeError("the global fit takes no statsmodels fit arguments; use "
                            f"method='local' for them (got {len(args)} positional, "
                            f"{sorted(kwargs)})")
        from ..estimation._mle import fit_mle
        from ._spec import variant_fixed

        variant = "full"
        for name in ("alpha1", "mu0"):
            vf = variant_fixed(name)
            if all(self.fixed.get(k) == v for k, v in vf.items()):
                variant = name
                break
        extra = {k: v for k, v in self.fixed.items() if k not in variant_fixed(variant)}
        labels = getattr(self.data, "row_labels", None)
        index = labels if labels is not None and len(labels) == self.nobs else None
        cols = [str(self.endog_names), *self.state_names[1:]]
        prices = pd.DataFrame(np.column_stack([self.endog[:, 0], self._design_rows[:, 1:]]),
                              index=index, columns=cols)
        model_kwargs = {}
        if self.initialization_kind == "known":
            model_kwargs = {"initial_state": self.initial_state,
                            "initial_state_cov": self.initial_state_cov}
        elif self.initialization_kind == "johansen" and self.johansen_weights is not None:
            model_kwargs = {"johansen_weights": self.johansen_weights}
        cal = fit_mle(prices, variant, fixed=extra, initialization=self.initialization_kind,
                      **model_kwargs)
        res = cal.results
        inner = getattr(res, "_results", res)
        inner.calibration = cal
        return res

    def clone(self, endog, exog=None, **kwargs):
        """A model of the same specification on new data (used by append/extend/apply)."""
        return self._clone_from_init_kwds(endog, exog=exog, **kwargs)

    @property
    def _res_classes(self):
        from ._results import HedgeRatioResults, HedgeRatioResultsWrapper

        return {"fit": (HedgeRatioResults, HedgeRatioResultsWrapper)}


_FLAG_NAMES = ("transformed", "includes_fixed", "complex_step")
_FLAG_DEFAULTS = (True, False, False)


def _loglike_flags(args: tuple, kwargs: dict) -> tuple[bool, bool, bool, dict]:
    """``(transformed, includes_fixed, complex_step, other kwargs)`` from a loglike call.

    statsmodels' ``fit`` calls ``loglike(params, {"transformed": False, ...})``; users call
    with keywords or positionally. Mirrors ``statsmodels.tsa.statespace.mlemodel._handle_args``.
    """
    rest = dict(kwargs)
    if args:
        if len(args) == 1 and isinstance(args[0], dict):
            flags = dict(args[0])
        else:
            if len(args) > len(_FLAG_NAMES):
                raise TypeError(f"loglike() takes at most {len(_FLAG_NAMES)} flags, "
                                f"got {len(args)}")
            flags = dict(zip(_FLAG_NAMES, args, strict=False))
        clash = sorted(set(flags) & set(rest))
        if clash:
            raise TypeError(f"loglike() got multiple values for {clash}")
    else:
        flags = {n: rest.pop(n) for n in _FLAG_NAMES if n in rest}
    # other keys of statsmodels' dict (score_method, approx_complex_step, ...) concern the
    # score and Hessian, not the likelihood; statsmodels ignores them here too
    values = [flags.get(n, d) for n, d in zip(_FLAG_NAMES, _FLAG_DEFAULTS, strict=True)]
    return bool(values[0]), bool(values[1]), bool(values[2]), rest
